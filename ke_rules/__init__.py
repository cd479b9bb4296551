"""ke-rules: check a koordinerende enhet's case snapshot against declarative rulesets.

The data flow is load → derive facts → evaluate → report::

    >>> import ke_rules
    >>> report = ke_rules.check("fixtures/demo.xlsx", ruleset="lund", as_of="2026-11-23")
    >>> report.summary.by_severity                      # doctest: +SKIP
    {'high': 4, 'medium': 6, 'low': 5}
    >>> report.findings_frame()[["rule_id", "subject_id"]].head()   # doctest: +SKIP
    >>> text = report.to_json()

Each step is also public: :func:`load_snapshot`, :func:`load_ruleset`, :func:`evaluate`.
Two periods' reports are compared with :func:`diff`, several with :func:`trend`.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ke_rules._version import __version__
from ke_rules.errors import EngineError, InputRefused, KeRulesError, RulesetError

if TYPE_CHECKING:
    from ke_rules.ingest.validate import Snapshot
    from ke_rules.ingest.waivers import WaiverSource
    from ke_rules.pipeline import load_waivers, today_in_oslo
    from ke_rules.report.diff import DiffReport, diff
    from ke_rules.report.models import Finding, InputProblem, Measure, MeasureByUnit, Report, Waiver
    from ke_rules.report.periods import ComparisonRefused
    from ke_rules.report.trend import TrendReport, trend
    from ke_rules.rules.ruleset import Rule, Ruleset, builtin_rulesets, load_ruleset

# Imported on first use (PEP 562), so that `ke-rules --help` or `--version` does not load pandas:
# the name a user imports -> the module that defines it.
_LAZY = {
    "Finding": "report.models", "InputProblem": "ingest.problems", "Measure": "report.models",
    "Report": "report.models", "today_in_oslo": "pipeline", "Rule": "rules.ruleset", "Ruleset": "rules.ruleset",
    "builtin_rulesets": "rules.ruleset", "load_ruleset": "rules.ruleset", "Snapshot": "ingest.validate",
    "diff": "report.diff", "trend": "report.trend", "DiffReport": "report.diff", "TrendReport": "report.trend",
    "ComparisonRefused": "report.periods",
    "Waiver": "report.models", "MeasureByUnit": "report.models", "WaiverSource": "ingest.waivers",
    "load_waivers": "pipeline",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ke_rules' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "__version__",
    "load_snapshot",
    "load_ruleset",
    "load_waivers",
    "builtin_rulesets",
    "evaluate",
    "check",
    "diff",
    "trend",
    "today_in_oslo",
    "Snapshot",
    "Ruleset",
    "Rule",
    "Report",
    "Finding",
    "Measure",
    "MeasureByUnit",
    "Waiver",
    "WaiverSource",
    "InputProblem",
    "DiffReport",
    "TrendReport",
    "KeRulesError",
    "ComparisonRefused",
    "InputRefused",
    "RulesetError",
    "EngineError",
]


def load_snapshot(path: str | Path, *, pseudonym_key: str | bytes | None = None, pause_gc: bool = False) -> Snapshot:
    """Read and check a snapshot (.xlsx, .ods, .json, or a folder of .csv files).

    Bad rows are set aside and listed in ``snapshot.problems``; a file that cannot be
    used at all raises :class:`InputRefused`. ``pseudonym_key`` replaces ids and names by
    keyed pseudonyms; ``pause_gc`` pauses Python's cyclic garbage collector while reading
    (faster for big files; off by default, as it is the caller's process).
    """
    from ke_rules.pipeline import load

    return load(path, pseudonym_key=pseudonym_key, pause_gc=pause_gc)


def evaluate(snapshot: Snapshot, ruleset: Ruleset | str | Path = "nasjonal",
             as_of: str | dt.date | None = None, lang: str = "nb", *, engine: str = "auto",
             workers: int | None = 1, pause_gc: bool = False,
             waivers: str | Path | WaiverSource | None = None) -> Report:
    """Derive facts at ``as_of`` (default: today in Oslo), run the rules, build the report.

    ``engine``: ``auto`` (durable-rules where it is installed, else ``columnar``),
    ``durable`` or ``columnar``; ``report.tool.engine`` says which ran. ``workers``: the
    processes that evaluate (1, the default, stays in this process; None lets a big run use
    two). ``pause_gc`` pauses the cyclic garbage collector for the run, as the CLI does.
    ``waivers``: a waivers file (.yaml, .csv, .xlsx; see :func:`load_waivers`), applied with the
    snapshot's own waivers sheet; with a pseudonymised snapshot its subject ids are pseudonymised alike.
    """
    from ke_rules.pipeline import evaluate as run

    return run(snapshot, ruleset, as_of, lang=lang, engine=engine, workers=workers, pause_gc=pause_gc,
               waivers=waivers)


def check(path: str | Path, ruleset: Ruleset | str | Path = "nasjonal",
          as_of: str | dt.date | None = None, lang: str = "nb", *, engine: str = "auto",
          workers: int | None = 1, pseudonym_key: str | bytes | None = None, pause_gc: bool = False,
          waivers: str | Path | WaiverSource | None = None) -> Report:
    """Load ``path`` and evaluate it: the whole job of ``ke-rules check`` as one call."""
    from ke_rules.pipeline import load

    snapshot = load(path, pseudonym_key=pseudonym_key, pause_gc=pause_gc)
    return evaluate(snapshot, ruleset, as_of=as_of, lang=lang, engine=engine, workers=workers, pause_gc=pause_gc,
                    waivers=waivers)
