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
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ke_rules._version import __version__
from ke_rules.derive.facts import Facts, natural_key
from ke_rules.engines.evaluation import ENGINE_NAMES, Evaluation
from ke_rules.ingest.problems import InputProblem, ProblemCode
from ke_rules.ingest.validate import Snapshot
from ke_rules.ingest.values import show_hidden
from ke_rules.ingest.waivers import WaiverSource
from ke_rules.privacy.identity import mask_identity_numbers, mask_many
from ke_rules.report.models import (
    SEVERITY_ORDER,
    CoordinatorLoad,
    Finding,
    InputInfo,
    Measure,
    MeasureByUnit,
    Report,
    RulesetInfo,
    Severity,
    SubjectType,
    Summary,
    ToolInfo,
)
from ke_rules.rules.ruleset import Rule, Ruleset

__all__ = ["build_report", "LOCAL_ROUTINE_NOTE", "round_rate"]

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
        return _nb_date(v)
    return v


@lru_cache(maxsize=16384)
def _nb_date(v: str) -> str:
    """``2025-12-31`` as ``31.12.2025`` (text that is no date is kept); a report repeats few dates many times."""
    try:
        return dt.date.fromisoformat(v).strftime("%d.%m.%Y")
    except ValueError:
        return v


def _json_column(col: pd.Series) -> list[Any]:
    """One column of finding rows as JSON-ready values, converted column-wise (dates to ISO text)."""
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        text = col.dt.strftime("%Y-%m-%d")
        return [None if v is None or v != v else v for v in text.tolist()]
    if isinstance(col.dtype, pd.BooleanDtype | pd.Int64Dtype) or pd.api.types.is_bool_dtype(col.dtype) \
            or pd.api.types.is_integer_dtype(col.dtype):
        # Python ints and bools are JSON-ready as they are (what _json_value gives them back as)
        return [v if v.__class__ is int or v.__class__ is bool else None if v is pd.NA else _json_value(v)
                for v in col.astype(object).tolist()]
    # short text (too short to hold an identity number) is JSON-ready as it is
    return [v if v.__class__ is str and len(v) < 10 else _json_object(v) for v in col.tolist()]


def _json_object(v: Any) -> Any:
    """``_json_value`` with the common cases of an object column (text, lists of text, None) first."""
    t = type(v)
    if t is str:
        return mask_identity_numbers(v) if len(v) >= 10 else v
    if v is None:
        return None
    if t is list:
        return [x if x.__class__ is str and len(x) < 10 else _json_object(x) for x in v]
    return _json_value(v)


def _template_column(values: list[Any], lang: str) -> list[Any]:
    """``_text_value`` of every value of a column, in one loop."""
    nb = lang == "nb"
    empty = "ingen" if nb else "none"
    out = []
    for v in values:
        c = v.__class__
        if c is str:
            if nb and len(v) == 10 and v[4] == "-" and v[7] == "-":
                v = _nb_date(v)
        elif v is None:
            v = "–"
        elif c is list:
            v = ", ".join(map(str, v)) if v else empty
        out.append(v)
    return out


def _lokal_note(rule: Rule, lang: str) -> str:
    primary = rule.basis[0]
    if primary.kind == "lokal_rutine":
        return " " + LOCAL_ROUTINE_NOTE[lang].format(citation=primary.citation)
    return ""


def _rule_findings(rule: Rule, frame: pd.DataFrame, rows: np.ndarray, severities: Any,
                   params: dict[str, Any], as_of: dt.date, lang: str) -> dict[int, list[Finding]]:
    """The findings of one rule by severity rank, each list in natural subject order.

    Columns are converted once rather than cell by cell, and messages are rendered a
    column at a time.
    """
    evidence_items = rule.evidence  # (key shown, field)
    fields = list(dict.fromkeys([*(f for _, f in evidence_items), *sorted(rule.template_fields)]))
    as_json = {k: _json_column(frame[k].iloc[rows]) for k in fields}  # only the columns used, not the frame
    ids = [str(v) for v in frame["_id"].iloc[rows].tolist()]
    n = len(ids)
    cases = frame["_case"].iloc[rows].tolist()
    note = _lokal_note(rule, lang)
    basis = list(rule.basis)
    subject_type = SubjectType(rule.subject)
    # the context of message j: the rule's fields, then params and as_of, then subject_id (later names win)
    constants = {"params": params, "as_of": _template_value(as_of, lang)}
    columns = {k: _template_column(as_json[k], lang) for k in rule.template_fields if k not in constants}
    columns["subject_id"] = ids
    texts = rule.templates[lang].render_rows(columns, constants, n)
    messages = mask_many([t.strip() + note for t in texts])
    masked_ids = mask_many(ids)
    masked_cases = mask_many(["" if c is None else str(c) for c in cases])
    sev = [severities[i] for i in rows.tolist()]
    evidence: list[dict[str, Any]] = [{} for _ in range(n)]
    for key, k in evidence_items:  # filled a field at a time: {key: as_json[k][j] for key, k in evidence_items}
        for shown, v in zip(evidence, as_json[k], strict=True):
            shown[key] = v
    case_ids = [None if c is None else m for c, m in zip(cases, masked_cases, strict=True)]
    rule_id = rule.id
    findings = [_finding({
        "rule_id": rule_id,
        "severity": severity,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "case_id": case_id,
        "message": message,
        "evidence": shown,
        "basis": basis,
        "status": "open",
        "waiver": None,
    }) for severity, subject_id, case_id, message, shown in zip(sev, masked_ids, case_ids, messages, evidence,
                                                                 strict=True)]

    # the report's order within one rule: severity, then natural subject id; ids that mask alike
    # (two identity numbers) by the id itself, so the input's row order never decides
    keys: list[Any] = [natural_key(m) for m in masked_ids]
    if len(set(masked_ids)) < n:  # rare: only then is the raw id needed to break a tie
        keys = [(k, i) for k, i in zip(keys, ids, strict=True)]
    by_rank: dict[int, list[Finding]] = {}
    for j in sorted(range(n), key=keys.__getitem__):
        by_rank.setdefault(SEVERITY_ORDER[sev[j]], []).append(findings[j])
    return by_rank


def _finding(values: dict[str, Any]) -> Finding:
    """A Finding from values that are already valid, without pydantic's per-instance bookkeeping.

    Equivalent to ``Finding.model_construct(**values)`` with every field given (tested);
    a national run builds a hundred thousand findings, and that call costs more than
    the rest of building one. ``_rule_findings`` builds every finding this way.
    """
    return _construct(Finding, values)


def round_rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator rounded half away from zero to 4 decimals, as Excel's ROUND does; None for 0/0.

    Computed on the exact fraction (Python's ``round`` of a float rounds 1/32 = 0.03125 to even,
    0.0312, and a float's binary error can tip other ties either way); the result is the float
    nearest the 4-decimal value, which JSON writes as exactly that value (0.0313).
    """
    if denominator == 0:
        return None
    n, d = abs(numerator) * 10_000, abs(denominator)
    q = (2 * n + d) // (2 * d)  # floor(n/d + 1/2): ties away from zero for a non-negative fraction
    return (q if (numerator < 0) == (denominator < 0) else -q) / 10_000


def build_report(snapshot: Snapshot, facts: Facts, ruleset: Ruleset, evaluation: Evaluation,
                 lang: str = "nb", waivers: WaiverSource | None = None) -> Report:
    """Assemble the report; ``lang`` chooses the language of messages and problem texts.

    ``waivers``: a ``--waivers`` file's; the snapshot's own (``snapshot.waivers``) are read as well.
    """
    from ke_rules.report.waivers import apply_waivers

    groups: dict[tuple[int, str], list[Finding]] = {}  # (severity rank, rule id) -> findings in subject order
    for rule in ruleset.rules.values():
        rows = evaluation.findings[rule.id]
        if len(rows):
            by_rank = _rule_findings(rule, facts.frames[rule.subject], rows, evaluation.severities[rule.id],
                                     ruleset.params, facts.as_of, lang)
            for rank, group in by_rank.items():
                groups.setdefault((rank, rule.id), []).extend(group)
    # ordered by (severity, rule id, natural subject id); each group is already in subject order
    findings = [f for key in sorted(groups) for f in groups[key]]
    sources = [s for s in (waivers, snapshot.waivers) if s is not None]
    waiver_problems: list[InputProblem] = []
    if sources:
        applied = apply_waivers(findings, sources, ruleset, facts.as_of, snapshot.pseudonymizer)
        findings, waiver_problems = applied.findings, applied.problems
    waived_keys = {(f.rule_id, f.subject_id) for f in findings if f.status == "waived"}
    waived_by_rule: dict[str, int] = {}
    for rule_id, _ in waived_keys:
        waived_by_rule[rule_id] = waived_by_rule.get(rule_id, 0) + 1

    measures: list[Measure] = []
    for rule in ruleset.rules.values():
        population = int(evaluation.populations[rule.id].sum())
        n = len(evaluation.findings[rule.id])
        waived = waived_by_rule.get(rule.id, 0)
        measures.append(Measure(
            rule_id=rule.id, population=population, findings=n, compliant=population - n,
            rate=round_rate(population - n, population), waived=waived,
            rate_after_waivers=round_rate(population - n + waived, population),
        ))
    measures.sort(key=lambda m: m.rule_id)

    problems = [p.model_copy(update={"problem": p.text(lang)})
                for p in snapshot.problems + facts.problems + waiver_problems]
    # a waiver's expired and not-yet-valid notices come before the unmatched ones (report-contract.md)
    problems.sort(key=lambda p: (_PROBLEM_ORDER[p.severity], p.table, p.code == ProblemCode.WAIVER_UNMATCHED,
                                 p.source or "", p.row or 0, p.column or "", p.code.value, p.value or "",
                                 p.detail or ""))

    open_ = [f for f in findings if f.status == "open"]
    by_severity = {"high": 0, "medium": 0, "low": 0}
    for f in open_:
        by_severity[f.severity] += 1
    return Report(
        tool=ToolInfo(version=__version__, engine=ENGINE_NAMES[evaluation.engine]),
        as_of=facts.as_of.isoformat(),
        lang=lang,  # type: ignore[arg-type]
        ruleset=RulesetInfo(name=ruleset.name, extends=ruleset.extends, sha256=ruleset.sha256,
                            params=dict(sorted(ruleset.params.items()))),
        input=InputInfo(source=mask_identity_numbers(show_hidden(snapshot.source)), sha256=snapshot.sha256,
                        tables=snapshot.counts, pseudonymized=snapshot.pseudonym_key_id is not None,
                        pseudonym_key_id=snapshot.pseudonym_key_id,
                        waivers_sha256=waivers.sha256 if waivers is not None else None),
        summary=Summary(findings=len(open_), waived=len(findings) - len(open_), by_severity=by_severity),
        measures=measures,
        findings=findings,
        input_problems=problems,
        measures_by_unit=_measures_by_unit(snapshot, facts, ruleset, evaluation, waived_keys),
        coordinator_load=_coordinator_load(facts),
    )


def _measures_by_unit(snapshot: Snapshot, facts: Facts, ruleset: Ruleset, evaluation: Evaluation,
                      waived_keys: set[tuple[str, str]]) -> list[MeasureByUnit]:
    """Every rule's measure per service unit (report-contract.md, "Rates by unit"); sums equal the measures."""
    from ke_rules.report.units import frame_units, subject_units

    lookup = subject_units(snapshot, facts.as_of)
    units_of: dict[str, list[str | None]] = {}
    out: list[MeasureByUnit] = []
    for rule in ruleset.rules.values():
        frame = facts.frames[rule.subject]
        if rule.subject not in units_of:
            units_of[rule.subject] = frame_units(lookup, rule.subject, frame)
        units = units_of[rule.subject]
        # counted column-wise: a national run has a hundred thousand subjects per rule
        unit_series = pd.Series(units, dtype=object)
        population = _count(unit_series[np.asarray(evaluation.populations[rule.id], dtype=bool)])
        rows = np.asarray(evaluation.findings[rule.id], dtype=np.int64)
        findings = _count(unit_series.iloc[rows])
        waived: dict[str | None, int] = {}
        if waived_keys and len(rows):
            ids = mask_many([str(v) for v in frame["_id"].iloc[rows].tolist()])
            hit = np.array([(rule.id, i) in waived_keys for i in ids], dtype=bool)
            waived = _count(unit_series.iloc[rows[hit]])
        for unit in set(population) | set(findings):
            pop, n, w = population.get(unit, 0), findings.get(unit, 0), waived.get(unit, 0)
            if pop == 0:
                continue
            out.append(_construct(MeasureByUnit, {
                "unit": unit, "rule_id": rule.id, "population": pop, "findings": n, "compliant": pop - n,
                "rate": round_rate(pop - n, pop), "waived": w, "rate_after_waivers": round_rate(pop - n + w, pop),
            }))
    out.sort(key=lambda m: (m.unit is None, natural_key(m.unit) if m.unit is not None else ((), ""), m.rule_id))
    return out


def _count(units: pd.Series) -> dict[str | None, int]:
    """How many times each unit occurs (None for no unit)."""
    counts = units.value_counts(dropna=False, sort=False)
    return {None if u is None or u != u else u: int(n) for u, n in counts.items()}


def _coordinator_load(facts: Facts) -> list[CoordinatorLoad]:
    """Every coordinator's counted active cases and limit, in natural id order, for the load chart."""
    frame = facts.frames.get("coordinator")
    if frame is None or frame.empty:
        return []
    raw = frame["_id"].astype(str).tolist()
    ids = mask_many(raw)
    rows = [(natural_key(i), r, i, int(n), int(lim)) for i, r, n, lim in zip(
        ids, raw, frame["active_cases"].tolist(), frame["limit"].tolist(), strict=True)]
    rows.sort(key=lambda row: row[:2])  # ids that mask alike by the id itself
    return [_construct(CoordinatorLoad, {"coordinator_id": i, "active_cases": n, "limit": lim})
            for _, _, i, n, lim in rows]


_M = TypeVar("_M", bound=BaseModel)


def _construct(cls: type[_M], values: dict[str, Any]) -> _M:
    """``cls.model_construct(**values)`` for values that are already valid and name every field, but cheaper."""
    instance = cls.__new__(cls)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance
