"""A big snapshot's tables read by two processes (Linux): a share in a forked process, sent back through shared memory.

Parsing a table into columns is most of reading a big snapshot, and one table's is
independent of another's. The forked process reads its share of the tables (the biggest,
about half the work: :func:`share`) and writes each as JSON into memory both processes
share, while this one reads the rest; this one then reads the shared JSON back, which lays
each column's cells together as ``ingest.read._compacted`` does. A pipe would cost more
than it saves (80 MB in over a second); the shared memory costs a copy. The forked process
is forked before any table is read, so the rows this process reads are not shared with it
(no copy-on-write when this process touches them) and it can go on to count the identity
numbers in every table (``ingest.read``). Where :func:`~ke_rules.runtime.background.can_fork`
is false, or the forked process stops, one process reads everything.
"""

from __future__ import annotations

import contextlib
import mmap
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ke_rules.runtime import background

__all__ = ["Receiver", "Sender", "NotShared", "share", "start"]

R = TypeVar("R")

SLACK = 1 << 20  # bytes of shared memory beyond the share's own size (``1e5`` is written back as ``100000.0``)


class NotShared(Exception):
    """The forked process did not send its share: one process reads the tables."""


def share(sizes: list[int]) -> list[int]:
    """The tables (positions in ``sizes``, in order) for the forked process: the biggest first, each
    to whichever process has the fewer bytes so far.

    Measured per byte, the forked process parses a table, makes its columns and writes them
    in about the time this process takes to parse it and make its columns (a JSON file's
    copied together); this one reads the written columns back in about a fifth of that
    once its own share is read. Giving the forked process more than half made this one wait.
    """
    theirs, ours = 0, 0
    taken = []
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        if theirs <= ours:
            theirs += sizes[i]
            taken.append(i)
        else:
            ours += sizes[i]
    return sorted(taken)


class Sender:
    """The forked process's end: each table's JSON written into the shared memory, then where it lies."""

    def __init__(self, shared: mmap.mmap, ready: Any) -> None:
        self._shared = shared
        self._ready = ready
        self._spans: list[tuple[int, int] | None] = []

    def send(self, blobs: Iterable[bytes | None]) -> bool:
        """Write the tables' JSON (None: a table the other process must read itself) and tell the other
        process where each lies; whether every table was written. A table that does not fit is None."""
        at = 0
        for blob in blobs:
            if blob is None or at + len(blob) > len(self._shared):
                self._spans.append(None)
                continue
            self._shared[at:at + len(blob)] = blob
            self._spans.append((at, at + len(blob)))
            at += len(blob)
        self._ready.send(self._spans)
        self._ready.close()
        return None not in self._spans

    @contextlib.contextmanager
    def sent(self) -> Iterator[list[memoryview | None]]:
        """The tables' JSON as written, to read again here (valid inside the ``with``)."""
        with _views(self._shared, self._spans) as views:
            yield views


class Receiver:
    """This process's end: the forked process's tables, once it has written them."""

    def __init__(self, shared: mmap.mmap, ready: Any) -> None:
        self._shared = shared
        self._ready = ready

    @contextlib.contextmanager
    def received(self) -> Iterator[list[memoryview | None]]:
        """Wait for the share; each table's JSON (None: read it here), valid inside the ``with``.
        Raises :class:`NotShared` when the forked process stopped first."""
        try:
            spans = self._ready.recv()
        except EOFError:
            raise NotShared from None
        with _views(self._shared, spans) as views:
            yield views

    def close(self) -> None:
        self._ready.close()
        self._shared.close()


@contextlib.contextmanager
def _views(shared: mmap.mmap, spans: list[tuple[int, int] | None]) -> Iterator[list[memoryview | None]]:
    with memoryview(shared) as whole:
        views = [None if span is None else whole[span[0]:span[1]] for span in spans]
        try:
            yield views
        finally:
            for view in views:
                if view is not None:
                    view.release()


def start(size: int, work: Callable[..., R], *args: Any) -> tuple[Receiver, background.Pending[R]]:
    """Fork the process that runs ``work(sender, *args)``: it must call ``sender.send`` once (with
    tables of about ``size`` bytes of JSON in all), and may go on; its result is the Pending's."""
    shared = mmap.mmap(-1, SLACK + size)
    ready, there = multiprocessing.Pipe(duplex=False)
    pending = background.start(work, Sender(shared, there), *args, fork=True)
    there.close()
    return Receiver(shared, ready), pending
