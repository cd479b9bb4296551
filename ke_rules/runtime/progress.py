"""A progress line on stderr for runs that take more than a couple of seconds.

A national run takes tens of seconds, and a KE adviser at a terminal should see that
work goes on and which step it is in. Short runs stay silent, and so does every run
whose stderr is not a terminal (CI, pipes, logs) or that asked for ``--quiet``: the
report itself never depends on this line.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

__all__ = ["Progress", "STAGES"]

# the four steps of a run, with a rough share of the total time of a big run
STAGES: dict[str, tuple[str, str, float]] = {
    "load": ("leser inndata", "reading input", 0.35),
    "derive": ("utleder fakta", "deriving facts", 0.15),
    "evaluate": ("vurderer regler", "evaluating rules", 0.30),
    "report": ("skriver rapport", "writing report", 0.20),
}


class Progress:
    """``with Progress(enabled) as p: p.stage("load") ...``; draws only after ``delay`` seconds."""

    def __init__(self, enabled: bool, lang: str = "nb", delay: float = 2.0, stream: TextIO | None = None,
                 width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.lang = lang
        self.delay = delay
        self.width = width
        self.started = time.monotonic()
        self.current = ""
        self.done = 0.0
        self.drawn = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_terminal(cls, quiet: bool, lang: str = "nb") -> Progress:
        stream = sys.stderr
        return cls(enabled=not quiet and stream.isatty(), lang=lang, stream=stream)

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, name="ke-rules-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def stage(self, name: str) -> None:
        """Mark the start of a stage; the stages before it count as done."""
        names = list(STAGES)
        self.done = sum(STAGES[n][2] for n in names[: names.index(name)])
        self.current = name

    def line(self, now: float | None = None) -> str:
        """The text drawn for the current state (a bar over the stages, the stage, seconds so far)."""
        elapsed = (time.monotonic() if now is None else now) - self.started
        filled = round(self.done * self.width)
        label = STAGES[self.current][0 if self.lang == "nb" else 1] if self.current else ""
        return f"ke-rules [{'#' * filled}{'.' * (self.width - filled)}] {label} {elapsed:5.1f} s"

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            if time.monotonic() - self.started < self.delay:
                continue
            self.stream.write("\r\x1b[2K" + self.line())
            self.stream.flush()
            self.drawn = True
