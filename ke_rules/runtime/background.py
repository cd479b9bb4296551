"""Run one pure function in a forked process while the caller goes on (the second core).

The machine ke-rules targets has two cores, and some work is independent of the main
line (counting identity numbers in every raw cell, half of the rule evaluation).
Forking shares the data without copying or pickling it; only the result travels back.
This is the one place ke-rules forks. It forks only on Linux (:func:`can_fork`):
Windows has no fork, and on macOS forking a process that has loaded system libraries
can crash, which is why Python's default there is ``spawn``. Everywhere else, or for
small work, the function runs inline, so the result never depends on which way it ran
(tested with ``KE_RULES_NO_FORK=1``, the path Windows and macOS take).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from ke_rules.errors import KeRulesError

__all__ = ["Pending", "start", "can_fork", "paused_gc"]

T = TypeVar("T")


class Pending(Generic[T]):
    """A result that is being computed; ``result()`` waits for it (and re-raises its failure)."""

    def __init__(self, fn: Callable[..., T], args: tuple[Any, ...], forked: bool) -> None:
        self._value: T | None = None
        self._done = False
        self._proc: Any = None
        self._receive: Any = None
        if forked:
            ctx = multiprocessing.get_context("fork")
            self._receive, send = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(target=_child, args=(fn, args, send), daemon=True)
            self._proc.start()
            send.close()
        else:
            self._value = fn(*args)
            self._done = True

    @property
    def forked(self) -> bool:
        return self._proc is not None

    def result(self) -> T:
        if not self._done:
            try:
                status, payload = self._receive.recv()
            except EOFError:
                self._proc.join()
                raise KeRulesError(f"a background process stopped without a result (exit code "
                                   f"{self._proc.exitcode})") from None
            self._proc.join()
            self._receive.close()
            if status != "ok":
                raise KeRulesError(f"a background process failed: {payload}")
            self._value = payload
            self._done = True
        return self._value  # type: ignore[return-value]


    def cancel(self) -> None:
        """Stop the work if it is still running in its process (its result is no longer wanted)."""
        if not self._done and self._proc is not None:
            self._proc.terminate()
            self._proc.join()
            self._receive.close()
            self._done = True


def _child(fn: Callable[..., Any], args: tuple[Any, ...], send: Any) -> None:
    try:
        result: tuple[str, Any] = ("ok", fn(*args))
    except BaseException as exc:  # reported to the parent
        result = ("error", f"{type(exc).__name__}: {exc}")
    send.send(result)
    send.close()


def can_fork() -> bool:
    """Whether work may go to a forked process here: Linux, unless ``KE_RULES_NO_FORK`` is set."""
    return hasattr(os, "fork") and sys.platform.startswith("linux") and not os.environ.get("KE_RULES_NO_FORK")


def start(fn: Callable[..., T], *args: Any, fork: bool) -> Pending[T]:
    """Start ``fn(*args)``: in a forked process when ``fork`` and :func:`can_fork`, else now."""
    return Pending(fn, args, forked=fork and can_fork())


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one run, then restore it.

    A national run holds millions of small objects for its whole length (cells, rows,
    facts), and each full collection walks all of them: measured on 100,000 cases, the
    collector cost about a quarter of the run. The pipeline makes next to no reference
    cycles, so memory is the same; reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
