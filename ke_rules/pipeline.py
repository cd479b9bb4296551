"""The one run: load → derive facts → evaluate → report, as the library and the CLI both do it.

``ke_rules.load_snapshot``/``evaluate``/``check`` and ``ke-rules check`` call these
two functions, so a run from Python and a run from the command line are the same run.
What differs is said by arguments: the CLI pauses Python's cyclic garbage collector for
the run (``pause_gc``; about a quarter of a national run's time, measured) and lets big
runs evaluate in two processes (``workers=None``); a library caller's process is left as
it is unless it asks for the same (``pause_gc=True``, ``workers=None``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ke_rules.errors import KeRulesError

if TYPE_CHECKING:
    from ke_rules.engines.evaluation import Evaluation
    from ke_rules.ingest.validate import Snapshot
    from ke_rules.ingest.waivers import WaiverSource
    from ke_rules.report.models import Report
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["Stages", "as_date", "today_in_oslo", "load", "load_waivers", "evaluate", "evaluate_unconfirmed"]

LANGS = ("nb", "en")


def today_in_oslo() -> dt.date:
    """Today's date in Europe/Oslo, the default evaluation date."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Oslo")).date()


def as_date(value: str | dt.date | None) -> dt.date:
    """An evaluation date from ``YYYY-MM-DD``, a date or None (today in Oslo)."""
    if value is None:
        return today_in_oslo()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise KeRulesError(f"as_of must be a date as YYYY-MM-DD, got '{value}'") from None


@dataclass
class Stages:
    """The time of each stage (a stage entered twice adds up), and who to tell when one starts."""

    on_start: Callable[[str], None] | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self.on_start is not None and name not in self.seconds:
            self.on_start(name)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0


def _gc(pause: bool) -> contextlib.AbstractContextManager[None]:
    if not pause:
        return contextlib.nullcontext()
    from ke_rules.runtime.background import paused_gc

    return paused_gc()


def load(path: str | Path, *, pseudonym_key: str | bytes | None = None, pause_gc: bool = False,
         stages: Stages | None = None) -> Snapshot:
    """Read and check a snapshot; with ``pseudonym_key``, ids and names become keyed pseudonyms."""
    from ke_rules.ingest.read import read_snapshot
    from ke_rules.ingest.validate import validate

    stages = stages or Stages()
    with _gc(pause_gc), stages.stage("load"):
        snapshot = validate(read_snapshot(path))
        if pseudonym_key:
            from ke_rules.privacy.pseudonym import pseudonymize_snapshot

            snapshot = pseudonymize_snapshot(snapshot, pseudonym_key)
    return snapshot


def load_waivers(waivers: str | Path | WaiverSource | None) -> WaiverSource | None:
    """A waivers file (.yaml, .csv, .xlsx) read, or a source already read; an unusable file is InputRefused."""
    if waivers is None:
        return None
    from ke_rules.ingest.waivers import WaiverSource, read_waivers_file

    return waivers if isinstance(waivers, WaiverSource) else read_waivers_file(waivers)


def evaluate(snapshot: Snapshot, ruleset: Ruleset | str | Path = "nasjonal", as_of: str | dt.date | None = None,
             *, lang: str = "nb", engine: str = "auto", workers: int | None = 1, pause_gc: bool = False,
             stages: Stages | None = None, waivers: str | Path | WaiverSource | None = None) -> Report:
    """Derive facts at ``as_of``, evaluate the rules with ``engine`` and build the report.

    ``waivers``: a waivers file (or one read by :func:`load_waivers`), applied together with the
    snapshot's own waivers sheet.
    """
    stages = stages or Stages()
    report, evaluation = evaluate_unconfirmed(snapshot, ruleset, as_of, lang=lang, engine=engine, workers=workers,
                                              pause_gc=pause_gc, stages=stages, waivers=waivers)
    try:
        with stages.stage("evaluate"):
            evaluation.confirm()
    except BaseException:
        evaluation.cancel()
        raise
    return report


def evaluate_unconfirmed(snapshot: Snapshot, ruleset: Ruleset | str | Path = "nasjonal",
                         as_of: str | dt.date | None = None, *, lang: str = "nb", engine: str = "auto",
                         workers: int | None = 1, pause_gc: bool = False, stages: Stages | None = None,
                         waivers: str | Path | WaiverSource | None = None) -> tuple[Report, Evaluation]:
    """:func:`evaluate`, without waiting for durable-rules where it still runs in a forked process.

    On a big run in two processes (``workers=None`` on Linux), durable-rules evaluates every
    fact in the second process while this one builds the report from the column-wise
    evaluation of the same conditions. The caller must call ``evaluation.confirm()``, which
    waits and raises :class:`~ke_rules.errors.EngineError` if durable-rules found anything
    else, before the report is used or written (``ke-rules check`` confirms before the report
    file is put in place), and ``evaluation.cancel()`` when it gives up. Elsewhere the
    evaluation is complete already and ``confirm()`` returns at once.
    """
    from ke_rules.derive.facts import derive_facts
    from ke_rules.engines.evaluation import evaluate_facts
    from ke_rules.report.build import build_report
    from ke_rules.rules.ruleset import Ruleset, load_ruleset

    if lang not in LANGS:
        raise KeRulesError(f"lang must be 'nb' or 'en', got '{lang}'")
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    day = as_date(as_of)
    stages = stages or Stages()
    with stages.stage("load"):
        waiver_source = load_waivers(waivers)
    with _gc(pause_gc):
        with stages.stage("derive"):
            facts = derive_facts(snapshot, day, rs.params)
        with stages.stage("evaluate"):
            evaluation = evaluate_facts(rs, facts, workers=workers, engine=engine, defer=True)
        try:
            with stages.stage("report"):
                report = build_report(snapshot, facts, rs, evaluation, lang=lang, waivers=waiver_source)
        except BaseException:
            evaluation.cancel()
            raise
        return report, evaluation
