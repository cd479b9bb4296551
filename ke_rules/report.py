"""Step 4 of 4: turn the engine's matches into the report of ``report-contract.md``.

Findings get their message (bokmål or English), evidence (the fields the rule
names, dates in ISO form) and basis; a finding that rests first on a municipality's
own routine says it is a deviation from that routine, not a breach of law.
Ordering is fixed (severity, rule id, natural subject id), so the same input gives
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__
from .engine import Evaluation
from .facts import Facts, natural_key
from .models import (
    SEVERITY_ORDER,
    CoordinatorLoad,
    Finding,
    InputInfo,
    Measure,
    Report,
    RulesetInfo,
    Severity,
    SubjectType,
    Summary,
    ToolInfo,
)
from .privacy import mask_identity_numbers, mask_many
from .ruleset import Rule, Ruleset
from .validate import Snapshot

__all__ = ["build_report", "LOCAL_ROUTINE_NOTE"]

LOCAL_ROUTINE_NOTE = {
    "nb": "Dette er et avvik fra rutinen «{citation}», ikke et lovbrudd.",
    "en": "This is a deviation from the routine “{citation}”, not a breach of law.",
}
_PROBLEM_ORDER = {Severity.error: 0, Severity.warning: 1, Severity.notice: 2}


def _json_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp | dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return None if math.isnan(v) else (int(v) if float(v).is_integer() else float(v))
    if isinstance(v, list | tuple | np.ndarray):
        return [_json_value(x) for x in v]
    if isinstance(v, str):
        return mask_identity_numbers(v)
    return v


def _template_value(v: Any, lang: str) -> Any:
    return _text_value(_json_value(v), lang)


def _text_value(v: Any, lang: str) -> Any:
    """A JSON-ready (already masked) value as a message shows it: lists joined, nb dates as 31.12.2025."""
    if v is None:
        return "–"
    if v.__class__ is list:
        return ", ".join(str(x) for x in v) if v else ("ingen" if lang == "nb" else "none")
    if v.__class__ is str and len(v) == 10 and v[4] == "-" and v[7] == "-" and lang == "nb":
        try:
            return dt.date.fromisoformat(v).strftime("%d.%m.%Y")
        except ValueError:
            return v
    return v


def _json_column(col: pd.Series) -> list[Any]:
    """One column of finding rows as JSON-ready values, converted column-wise (dates to ISO text)."""
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        text = col.dt.strftime("%Y-%m-%d")
        return [None if v is None or v != v else v for v in text.tolist()]
    if isinstance(col.dtype, pd.BooleanDtype | pd.Int64Dtype) or pd.api.types.is_bool_dtype(col.dtype) \
            or pd.api.types.is_integer_dtype(col.dtype):
        return [None if v is pd.NA else _json_value(v) for v in col.astype(object).tolist()]
    return [_json_object(v) for v in col.tolist()]


def _json_object(v: Any) -> Any:
    """``_json_value`` with the common cases of an object column (text, lists of text, None) first."""
    t = type(v)
    if t is str:
        return mask_identity_numbers(v) if len(v) >= 10 else v
    if v is None:
        return None
    if t is list:
        return [_json_object(x) for x in v]
    return _json_value(v)


def _template_column(values: list[Any], lang: str) -> list[Any]:
    return [_text_value(v, lang) for v in values]


def _lokal_note(rule: Rule, lang: str) -> str:
    primary = rule.basis[0]
    if primary.kind == "lokal_rutine":
        return " " + LOCAL_ROUTINE_NOTE[lang].format(citation=primary.citation)
    return ""


def _rule_findings(rule: Rule, frame: pd.DataFrame, rows: np.ndarray, severities: Any,
                   params: dict[str, Any], as_of: dt.date, lang: str) -> list[Finding]:
    """The findings of one rule, its columns converted once rather than cell by cell."""
    evidence_fields = list(rule.spec.evidence)
    fields = list(dict.fromkeys([*evidence_fields, *sorted(rule.template_fields)]))
    sub = frame.iloc[rows]
    as_json = {k: _json_column(sub[k]) for k in fields}
    for_text = {k: _template_column(as_json[k], lang) for k in rule.template_fields}
    ids = [str(v) for v in sub["_id"].tolist()]
    cases = sub["_case"].tolist()
    template = rule.templates[lang]
    note = _lokal_note(rule, lang)
    basis = list(rule.basis)
    subject_type = SubjectType(rule.subject)
    base = {"params": params, "as_of": _template_value(as_of, lang)}
    sev = [severities[i] for i in rows.tolist()]
    messages = mask_many([template.render({**{k: v[j] for k, v in for_text.items()}, **base, "subject_id": sid})
                          .strip() + note for j, sid in enumerate(ids)])
    masked_ids = mask_many(ids)
    masked_cases = mask_many(["" if c is None else str(c) for c in cases])
    return [
        _finding({
            "rule_id": rule.id,
            "severity": sev[j],
            "subject_type": subject_type,
            "subject_id": masked_ids[j],
            "case_id": None if cases[j] is None else masked_cases[j],
            "message": messages[j],
            "evidence": {k: as_json[k][j] for k in evidence_fields},
            "basis": basis,
            "status": "open",
        })
        for j in range(len(ids))
    ]


_FINDING_FIELDS = frozenset(Finding.model_fields)


def _finding(values: dict[str, Any]) -> Finding:
    """A Finding from values that are already valid, without pydantic's per-instance bookkeeping.

    Equivalent to ``Finding.model_construct(**values)`` with every field given (tested);
    a national run builds a hundred thousand findings, and that call costs more than
    the rest of building one.
    """
    finding = Finding.__new__(Finding)
    object.__setattr__(finding, "__dict__", values)
    object.__setattr__(finding, "__pydantic_fields_set__", set(_FINDING_FIELDS))
    object.__setattr__(finding, "__pydantic_extra__", None)
    object.__setattr__(finding, "__pydantic_private__", None)
    return finding


def build_report(snapshot: Snapshot, facts: Facts, ruleset: Ruleset, evaluation: Evaluation,
                 lang: str = "nb") -> Report:
    """Assemble the report; ``lang`` chooses the language of messages and problem texts."""
    findings: list[Finding] = []
    measures: list[Measure] = []
    for rule in ruleset.rules.values():
        rows = evaluation.findings[rule.id]
        if len(rows):
            findings.extend(_rule_findings(rule, facts.frames[rule.subject], rows, evaluation.severities[rule.id],
                                           ruleset.params, facts.as_of, lang))
        population = int(evaluation.populations[rule.id].sum())
        n = len(rows)
        measures.append(Measure(
            rule_id=rule.id, population=population, findings=n, compliant=population - n,
            rate=None if population == 0 else round((population - n) / population, 4),
        ))
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.rule_id, natural_key(f.subject_id)))
    measures.sort(key=lambda m: m.rule_id)

    problems = [p.model_copy(update={"problem": p.text(lang)}) for p in snapshot.problems + facts.problems]
    problems.sort(key=lambda p: (_PROBLEM_ORDER[p.severity], p.table, p.row or 0, p.column or "", p.code.value))

    open_ = [f for f in findings if f.status == "open"]
    by_severity = {"high": 0, "medium": 0, "low": 0}
    for f in open_:
        by_severity[f.severity] += 1
    return Report(
        tool=ToolInfo(version=__version__),
        as_of=facts.as_of.isoformat(),
        lang=lang,  # type: ignore[arg-type]
        ruleset=RulesetInfo(name=ruleset.name, extends=ruleset.extends, sha256=ruleset.sha256,
                            params=dict(sorted(ruleset.params.items()))),
        input=InputInfo(source=mask_identity_numbers(snapshot.source), sha256=snapshot.sha256, tables=snapshot.counts),
        summary=Summary(findings=len(open_), waived=len(findings) - len(open_), by_severity=by_severity),
        measures=measures,
        findings=findings,
        input_problems=problems,
        coordinator_load=_coordinator_load(facts),
    )


def _coordinator_load(facts: Facts) -> list[CoordinatorLoad]:
    """Every coordinator's counted active cases and limit, in natural id order, for the load chart."""
    frame = facts.frames.get("coordinator")
    if frame is None or frame.empty:
        return []
    rows = zip(frame["_id"].astype(str).tolist(), frame["active_cases"].tolist(), frame["limit"].tolist(), strict=True)
    loads = [CoordinatorLoad(coordinator_id=mask_identity_numbers(i), active_cases=int(n), limit=int(lim))
             for i, n, lim in rows]
    loads.sort(key=lambda c: natural_key(c.coordinator_id))
    return loads
