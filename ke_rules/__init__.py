"""ke-rules: check a koordinerende enhet's case snapshot against declarative rulesets.

The data flow is load → derive facts → evaluate → report::

    >>> import ke_rules
    >>> report = ke_rules.check("fixtures/demo.xlsx", ruleset="lund", as_of="2026-11-23")
    >>> report.summary.by_severity                      # doctest: +SKIP
    {'high': 4, 'medium': 6, 'low': 5}
    >>> report.findings_frame()[["rule_id", "subject_id"]].head()   # doctest: +SKIP
    >>> text = report.to_json()

Each step is also public: :func:`load_snapshot`, :func:`load_ruleset`, :func:`evaluate`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ._version import __version__
from .errors import EngineError, InputRefused, KeRulesError, RulesetError
from .models import Finding, InputProblem, Measure, Report
from .ruleset import Rule, Ruleset, builtin_rulesets, load_ruleset
from .validate import Snapshot

__all__ = [
    "__version__",
    "load_snapshot",
    "load_ruleset",
    "builtin_rulesets",
    "evaluate",
    "check",
    "today_in_oslo",
    "Snapshot",
    "Ruleset",
    "Rule",
    "Report",
    "Finding",
    "Measure",
    "InputProblem",
    "KeRulesError",
    "InputRefused",
    "RulesetError",
    "EngineError",
]


def today_in_oslo() -> dt.date:
    """Today's date in Europe/Oslo, the default evaluation date."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("Europe/Oslo")).date()


def _as_date(value: str | dt.date | None) -> dt.date:
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


def load_snapshot(path: str | Path) -> Snapshot:
    """Read and check a snapshot (.xlsx, .json, or a folder of .csv files).

    Bad rows are set aside and listed in ``snapshot.problems``; a file that cannot be
    used at all raises :class:`InputRefused`.
    """
    from .background import paused_gc
    from .load import read_snapshot
    from .validate import validate

    with paused_gc():
        return validate(read_snapshot(path))


def evaluate(snapshot: Snapshot, ruleset: Ruleset | str | Path = "nasjonal",
             as_of: str | dt.date | None = None, lang: str = "nb") -> Report:
    """Derive facts at ``as_of`` (default: today in Oslo), run the rules, build the report."""
    from .engine import evaluate_facts
    from .facts import derive_facts
    from .report import build_report

    if lang not in ("nb", "en"):
        raise KeRulesError(f"lang must be 'nb' or 'en', got '{lang}'")
    from .background import paused_gc

    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    day = _as_date(as_of)
    with paused_gc():
        facts = derive_facts(snapshot, day, rs.params)
        evaluation = evaluate_facts(rs, facts)
        return build_report(snapshot, facts, rs, evaluation, lang=lang)


def check(path: str | Path, ruleset: Ruleset | str | Path = "nasjonal",
          as_of: str | dt.date | None = None, lang: str = "nb") -> Report:
    """Load ``path`` and evaluate it: the whole job of ``ke-rules check`` as one call."""
    return evaluate(load_snapshot(path), ruleset, as_of=as_of, lang=lang)
