"""A tiny builder for JSON case snapshots, used by the table-driven boundary tests.

Dates are given as day offsets from the evaluation date (``-30`` = D − 30, ``0`` = D,
``14`` = D + 14), or as ISO text, or ``None`` (left out of the row). The builder
writes the snapshot as one ``.json`` file and runs the public API on it::

    s = Snap()
    s.case("c1", ip_started_on=-100)
    s.consent("c1", "ip", given=-100, withdrawn=0)
    report = s.evaluate(tmp_path)
    assert found(report, "KE-CONSENT") == {"c1"}
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import yaml

# the ke_rules of this checkout, whatever else is installed
_REPO = str(Path(__file__).resolve().parent.parent)
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

import ke_rules  # noqa: E402

__all__ = ["D", "day", "Snap", "ruleset_with", "NASJONAL", "found", "pairs", "finding",
           "measure", "UNSET"]

# The evaluation date of every test unless a case says otherwise: 2026 is not a leap year.
D = dt.date(2026, 11, 23)

NASJONAL = ke_rules.load_ruleset("nasjonal")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "do not write this key at all" (distinct from None = JSON null)

# Row keys that hold dates: an int there is an offset from the snapshot's as_of.
_DATE_KEYS = {
    "birth_date", "opened_on", "closed_on", "ip_started_on", "ip_ended_on",
    "ip_last_evaluated_on", "relatives_mapped_on", "start_date", "end_date", "trained_on",
    "established_on", "dissolved_on", "meeting_date", "invitation_sent_on", "minutes_sent_on",
    "next_meeting_on", "given_on", "withdrawn_on", "received_on",
}


def day(offset: int, base: dt.date = D) -> str:
    """``base`` + ``offset`` days as ``YYYY-MM-DD``."""
    return (base + dt.timedelta(days=offset)).isoformat()


class Snap:
    """Rows per table; ``evaluate`` writes them as JSON and returns the report."""

    def __init__(self, as_of: dt.date = D):
        self.as_of = as_of
        self.tables: dict[str, list[dict[str, Any]]] = {"cases": []}

    # -- generic ---------------------------------------------------------------------------
    def add(self, table: str, **row: Any) -> Snap:
        """Append a row. ``UNSET`` values are left out; ``None`` is written as JSON null;
        an ``int`` in a date column is a day offset from ``as_of``."""
        out: dict[str, Any] = {}
        for key, value in row.items():
            if value is UNSET:
                continue
            if key in _DATE_KEYS and isinstance(value, int) and not isinstance(value, bool):
                value = day(value, self.as_of)
            out[key] = value
        self.tables.setdefault(table, []).append(out)
        return self

    def edit(self, table: str, index: int, **changes: Any) -> Snap:
        """Change (or, with ``UNSET``, remove) keys of an existing row."""
        row = self.tables[table][index]
        for key, value in changes.items():
            if value is UNSET:
                row.pop(key, None)
            elif key in _DATE_KEYS and isinstance(value, int) and not isinstance(value, bool):
                row[key] = day(value, self.as_of)
            else:
                row[key] = value
        return self

    # -- one helper per table (keyword arguments left as UNSET are not written) -------------
    def case(self, case_id: str, **cols: Any) -> Snap:
        return self.add("cases", case_id=case_id, **cols)

    def coordinator(self, coordinator_id: str = "k1", **cols: Any) -> Snap:
        return self.add("coordinators", coordinator_id=coordinator_id, **cols)

    def assignment(self, case_id: str, coordinator_id: str = "k1", start: Any = -100,
                   end: Any = UNSET, role: Any = UNSET) -> Snap:
        return self.add("assignments", case_id=case_id, coordinator_id=coordinator_id,
                        start_date=start, end_date=end, role=role)

    def group(self, group_id: str, case_id: str, established: Any,
              dissolved: Any = UNSET) -> Snap:
        return self.add("groups", group_id=group_id, case_id=case_id,
                        established_on=established, dissolved_on=dissolved)

    def meeting(self, meeting_id: str, case_id: str, date: Any, *, status: Any = UNSET,
                kind: Any = UNSET, sent: Any = UNSET, next_on: Any = UNSET,
                **cols: Any) -> Snap:
        return self.add("meetings", meeting_id=meeting_id, case_id=case_id, meeting_date=date,
                        status=status, kind=kind, invitation_sent_on=sent,
                        next_meeting_on=next_on, **cols)

    def consent(self, case_id: str, scope: str, given: Any, withdrawn: Any = UNSET) -> Snap:
        return self.add("consents", case_id=case_id, scope=scope, given_on=given,
                        withdrawn_on=withdrawn)

    def relative(self, case_id: str, relation: str, birth: Any = UNSET) -> Snap:
        return self.add("relatives", case_id=case_id, relation=relation, birth_date=birth)

    def service(self, case_id: str, service: str, category: Any, start: Any,
                end: Any = UNSET) -> Snap:
        return self.add("services", case_id=case_id, service=service, category=category,
                        start_date=start, end_date=end)

    def referral(self, case_id: str, received: Any) -> Snap:
        return self.add("referrals", case_id=case_id, received_on=received)

    # -- run ---------------------------------------------------------------------------------
    def write(self, folder: Path, name: str = "s.json") -> Path:
        path = Path(folder) / name
        path.write_text(json.dumps(self.tables, ensure_ascii=False), encoding="utf-8")
        return path

    def evaluate(self, folder: Path, ruleset: Any = None, lang: str = "nb") -> ke_rules.Report:
        snapshot = ke_rules.load_snapshot(self.write(folder))
        return ke_rules.evaluate(snapshot, NASJONAL if ruleset is None else ruleset,
                                 as_of=self.as_of, lang=lang)


_RULESETS: dict[str, ke_rules.Ruleset] = {}


def ruleset_with(folder: Path, params: dict[str, Any] | None = None,
                 name: str = "r.yaml") -> ke_rules.Ruleset:
    """A municipal ruleset ``extends: nasjonal`` that overrides ``params`` (none: nasjonal).

    The YAML file is written to ``folder`` and loaded with the public ``load_ruleset``;
    the loaded ruleset is reused for the same ``params`` (loading one takes ~0.1 s).
    """
    if not params:
        return NASJONAL
    text = yaml.safe_dump({"extends": "nasjonal", "params": dict(params)},
                          allow_unicode=True, sort_keys=True)
    if text not in _RULESETS:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        _RULESETS[text] = ke_rules.load_ruleset(path)
    ruleset = _RULESETS[text]
    for key, value in params.items():
        assert ruleset.params[key] == value, f"the ruleset did not take {key}: {value!r}"
    return ruleset


# -- reading a report ---------------------------------------------------------------------------
def found(report: ke_rules.Report, rule_id: str) -> set[str]:
    """Subject ids of the rule's findings."""
    return {f.subject_id for f in report.findings if f.rule_id == rule_id}


def pairs(report: ke_rules.Report, rule_id: str) -> set[tuple[str, str]]:
    """(rule_id, subject_id) of the rule's findings: the exact set a case asserts."""
    return {(f.rule_id, f.subject_id) for f in report.findings if f.rule_id == rule_id}


def finding(report: ke_rules.Report, rule_id: str, subject_id: str) -> ke_rules.Finding:
    hits = [f for f in report.findings if f.rule_id == rule_id and f.subject_id == subject_id]
    assert len(hits) == 1, f"expected one {rule_id} finding for {subject_id}, got {len(hits)}"
    return hits[0]


def measure(report: ke_rules.Report, rule_id: str) -> ke_rules.Measure:
    hits = [m for m in report.measures if m.rule_id == rule_id]
    assert len(hits) == 1, f"no measure for {rule_id}"
    return hits[0]
