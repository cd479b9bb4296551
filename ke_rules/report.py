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
    Summary,
    ToolInfo,
)
from .privacy import mask_identity_numbers
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
    v = _json_value(v)
    if isinstance(v, list):
        return ", ".join(str(x) for x in v) if v else ("ingen" if lang == "nb" else "none")
    if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-" and lang == "nb":
        try:
            return dt.date.fromisoformat(v).strftime("%d.%m.%Y")
        except ValueError:
            return v
    if v is None:
        return "–"
    return v


def _message(rule: Rule, row: dict[str, Any], subject_id: str, params: dict[str, Any],
             as_of: dt.date, lang: str) -> str:
    context = {k: _template_value(row[k], lang) for k in rule.template_fields}
    context.update(params=params, subject_id=subject_id, as_of=_template_value(as_of, lang))
    text = rule.templates[lang].render(context).strip()
    primary = rule.basis[0]
    if primary.kind == "lokal_rutine":
        text = f"{text} {LOCAL_ROUTINE_NOTE[lang].format(citation=primary.citation)}"
    return mask_identity_numbers(text)


def build_report(snapshot: Snapshot, facts: Facts, ruleset: Ruleset, evaluation: Evaluation,
                 lang: str = "nb") -> Report:
    """Assemble the report; ``lang`` chooses the language of messages and problem texts."""
    findings: list[Finding] = []
    measures: list[Measure] = []
    for rule in ruleset.rules.values():
        frame = facts.frames[rule.subject]
        rows = evaluation.findings[rule.id]
        if len(rows):
            needed = ["_id", "_case", *dict.fromkeys([*rule.spec.evidence, *sorted(rule.template_fields)])]
            records = frame.iloc[rows][needed].to_dict("records")
            for i, rec in zip(rows.tolist(), records, strict=True):
                subject_id = str(rec["_id"])
                findings.append(Finding(
                    rule_id=rule.id,
                    severity=evaluation.severities[rule.id][i],  # type: ignore[arg-type]
                    subject_type=rule.subject,  # type: ignore[arg-type]
                    subject_id=mask_identity_numbers(subject_id),
                    case_id=None if rec["_case"] is None else mask_identity_numbers(str(rec["_case"])),
                    message=_message(rule, rec, subject_id, ruleset.params, facts.as_of, lang),
                    evidence={k: _json_value(rec[k]) for k in rule.spec.evidence},
                    basis=list(rule.basis),
                ))
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
        input=InputInfo(source=snapshot.source, sha256=snapshot.sha256, tables=snapshot.counts),
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
