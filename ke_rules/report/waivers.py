"""Apply waivers (unntak) to a report's findings (report-contract.md, "Waivers").

A waiver matches a finding on (rule_id, subject_id) and applies when decided_on ≤ D ≤
expires_on. Each waiver is either applied, or named in one notice (expired, not yet
valid, else unmatched), or set aside as an error (an unknown rule id, or a bad value:
see :func:`ke_rules.ingest.waivers.check_waivers`). With pseudonymisation a waiver's
subject_id is pseudonymised as its rule's subject is before it is matched, so only the
pseudonym is ever shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ke_rules.errors import did_you_mean
from ke_rules.ingest.problems import InputProblem, ProblemCode, Severity
from ke_rules.ingest.waivers import WaiverRow, WaiverSource, check_waivers
from ke_rules.privacy.identity import mask_identity_numbers
from ke_rules.report.models import Finding, Waiver

if TYPE_CHECKING:
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["AppliedWaivers", "apply_waivers", "SUBJECT_ID_KIND"]

# a rule's subject type -> the id column whose pseudonym its subject_id is (ke months and task keys: none)
SUBJECT_ID_KIND = {"case": "case_id", "coordinator": "coordinator_id", "group": "group_id", "meeting": "meeting_id"}

_SOURCE_RANK = {"file": 1, "snapshot": 0}  # the file's waiver is shown before the sheet's


@dataclass
class AppliedWaivers:
    findings: list[Finding]  # the findings in the same order, the waived ones with status and waiver
    problems: list[InputProblem]  # of table "waivers", each with its source


def apply_waivers(findings: list[Finding], sources: list[WaiverSource], ruleset: Ruleset, as_of: dt.date,
                  pseudonymizer: Any = None) -> AppliedWaivers:
    """Mark the findings that a valid waiver matches as waived; report every other waiver."""
    subjects = {**ruleset.disabled_subjects, **{rid: rule.subject for rid, rule in ruleset.rules.items()}}
    problems: list[InputProblem] = []
    valid: dict[tuple[str, str], list[WaiverRow]] = {}
    for src in sources:
        rows, found = check_waivers(src)
        problems.extend(found)
        for w in rows:
            if w.rule_id not in subjects:
                problems.append(InputProblem(
                    table="waivers", row=w.row, column="rule_id", value=w.rule_id, severity=Severity.error,
                    code=ProblemCode.UNKNOWN_RULE, source=w.source,
                    detail=_suggestion(w.rule_id, list(subjects)),
                ))
                continue
            subject_id = _shown_subject(w.subject_id, subjects[w.rule_id], pseudonymizer)
            w = _replace_subject(w, subject_id)
            if w.decided_on > as_of:
                problems.append(_notice(w, ProblemCode.WAIVER_NOT_YET_VALID, w.decided_on))
            elif w.expires_on < as_of:
                problems.append(_notice(w, ProblemCode.WAIVER_EXPIRED, w.expires_on))
            else:
                valid.setdefault((w.rule_id, w.subject_id), []).append(w)
    matched: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule_id, f.subject_id)
        ws = valid.get(key)
        if not ws:
            out.append(f)
            continue
        matched.add(key)
        shown = max(ws, key=lambda w: (w.expires_on, w.decided_on, _SOURCE_RANK[w.source], -w.row))
        waiver = Waiver(reason=mask_identity_numbers(shown.reason), decided_by=mask_identity_numbers(shown.decided_by),
                        decided_on=shown.decided_on.isoformat(), expires_on=shown.expires_on.isoformat())
        out.append(f.model_copy(update={"status": "waived", "waiver": waiver}))
    for key, ws in valid.items():
        if key not in matched:
            problems.extend(_notice(w, ProblemCode.WAIVER_UNMATCHED, None) for w in ws)
    return AppliedWaivers(findings=out, problems=problems)


def _suggestion(rule_id: str, known: list[str]) -> str | None:
    """The closest known rule id ("did you mean"), compared without regard to case; None when none is close."""
    by_folded = {k.upper(): k for k in known}
    hint = did_you_mean(rule_id.upper(), list(by_folded))
    if not hint:
        return None
    return by_folded[hint.split("'")[1]]


def _shown_subject(subject_id: str, subject: str, pseudonymizer: Any) -> str:
    """The subject_id as findings show it: pseudonymised like the rule's subject, identity numbers masked."""
    kind = SUBJECT_ID_KIND.get(subject)
    if pseudonymizer is not None and kind is not None:
        subject_id = pseudonymizer.pseudonym(kind, subject_id)
    return mask_identity_numbers(subject_id)


def _replace_subject(w: WaiverRow, subject_id: str) -> WaiverRow:
    from dataclasses import replace

    return w if w.subject_id == subject_id else replace(w, subject_id=subject_id)


def _notice(w: WaiverRow, code: ProblemCode, date: dt.date | None) -> InputProblem:
    return InputProblem(table="waivers", row=w.row, column=None, value=f"{w.rule_id} {w.subject_id}",
                        severity=Severity.notice, code=code, source=w.source,
                        detail=date.isoformat() if date is not None else None)
