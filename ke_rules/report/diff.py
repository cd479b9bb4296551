"""``ke-rules diff OLD NEW``: what changed between two periods' reports (report-contract.md, "Two periods").

The KE leader's question at each internal-control round is "which deviations are new, which
did we close, which are still open, and which have we accepted?". Findings are keyed by
(rule_id, subject_id):

- ``new``: open in NEW and not a finding in OLD;
- ``resolved``: a finding (open or waived) in OLD and not a finding in NEW;
- ``persisting``: open in NEW and a finding in OLD (open, or waived then and open now);
- ``waived``: waived in NEW (whatever OLD said: a waived finding is in no other list).

So new ∪ persisting ∪ waived are exactly NEW's findings and resolved ∪ persisting ∪
(waived ∩ OLD) are OLD's. Per rule the measures of both sides and the change in rate are
given; ``rate_change`` is computed from the reported (already rounded) rates in decimal
arithmetic and rounded half away from zero to 4 decimals, so 0.85 − 0.8 is 0.05, not
0.04999999999999993.

The JSON form (:meth:`DiffReport.to_json_bytes`) has exactly the contract's keys. The notes
(rulesets differ; pseudonymisation could not be checked) are in :attr:`DiffReport.notes`,
shown at the top of the md, html and xlsx renderings and by the CLI on stderr.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from ke_rules.privacy.identity import mask_identity_numbers
from ke_rules.report.periods import (
    ComparisonRefused,
    LoadedFinding,
    LoadedMeasure,
    LoadedReport,
    PeriodsOutput,
    ReportSource,
    comparable,
    load_report,
    rate_decimal,
    round_rate,
)

__all__ = ["diff", "diff_loaded", "DiffReport", "DiffSide", "DiffRuleset", "ParamChange", "DiffFinding",
           "DiffFindings", "SideMeasure", "DiffMeasure", "rate_change"]


class DiffRuleset(BaseModel):
    name: str
    sha256: str


class DiffSide(BaseModel):
    """One report of the two: its date and ruleset."""

    as_of: str
    ruleset: DiffRuleset


class ParamChange(BaseModel):
    """A ruleset parameter whose value differs; null for the side that lacks it."""

    name: str
    old: Any
    new: Any


class DiffFinding(BaseModel):
    rule_id: str
    subject_type: str
    subject_id: str
    case_id: str | None
    severity: str
    message: str


class DiffFindings(BaseModel):
    new: list[DiffFinding]
    resolved: list[DiffFinding]
    persisting: list[DiffFinding]
    waived: list[DiffFinding]


class SideMeasure(BaseModel):
    """A rule's measure in one report; all null when that report lacks the rule."""

    population: int | None
    findings: int | None
    rate: float | None


class DiffMeasure(BaseModel):
    rule_id: str
    old: SideMeasure
    new: SideMeasure
    rate_change: float | None


class DiffReport(PeriodsOutput):
    """The comparison of two reports; ``to_json_bytes()`` is the contract's JSON."""

    schema_version: str = "1"
    kind: Literal["diff"] = "diff"
    old: DiffSide
    new: DiffSide
    params_changed: list[ParamChange]
    findings: DiffFindings
    measures: list[DiffMeasure]
    # not in the JSON: what the renderings say at the top (codes, see periods.NOTE_CODES), their language
    notes: list[str] = Field(default_factory=list, exclude=True)
    lang: Literal["nb", "en"] = Field(default="nb", exclude=True)



def rate_change(old: float | None, new: float | None) -> float | None:
    """round(new − old, 4) from the reported rates, half away from zero; None when either is None."""
    if old is None or new is None:
        return None
    return round_rate(rate_decimal(new) - rate_decimal(old))


def _entry(f: LoadedFinding) -> DiffFinding:
    return DiffFinding(rule_id=f.rule_id, subject_type=f.subject_type, subject_id=mask_identity_numbers(f.subject_id),
                       case_id=None if f.case_id is None else mask_identity_numbers(f.case_id),
                       severity=f.severity, message=mask_identity_numbers(f.message))


def _by_key(findings: list[LoadedFinding]) -> dict[tuple[str, str], LoadedFinding]:
    """Findings by (rule_id, subject_id) in report order; a repeated key keeps its first finding."""
    out: dict[tuple[str, str], LoadedFinding] = {}
    for f in findings:
        out.setdefault((f.rule_id, f.subject_id), f)
    return out


def _side(m: LoadedMeasure | None) -> SideMeasure:
    if m is None:
        return SideMeasure(population=None, findings=None, rate=None)
    return SideMeasure(population=m.population, findings=m.findings, rate=m.rate)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_identity_numbers(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def diff_loaded(old: LoadedReport, new: LoadedReport, lang: str = "nb") -> DiffReport:
    """The diff of two reports already read by :func:`~ke_rules.report.periods.load_report`."""
    notes = comparable([old, new], lang)
    if old.as_of > new.as_of:
        raise ComparisonRefused(
            f"OLD ({old.label}, as_of {old.as_of}) is later than NEW ({new.label}, as_of {new.as_of}); give the "
            "reports in time order: ke-rules diff OLD NEW." if lang == "en" else
            f"OLD ({old.label}, vurderingsdato {old.as_of}) er senere enn NEW ({new.label}, vurderingsdato "
            f"{new.as_of}); gi rapportene i tidsrekkefølge: ke-rules diff GAMMEL NY.")
    old_keys = _by_key(old.findings)
    new_keys = _by_key(new.findings)
    lists: dict[str, list[DiffFinding]] = {"new": [], "resolved": [], "persisting": [], "waived": []}
    for key, f in new_keys.items():
        if f.status == "waived":
            lists["waived"].append(_entry(f))
        elif key in old_keys:
            lists["persisting"].append(_entry(f))
        else:
            lists["new"].append(_entry(f))
    lists["resolved"] = [_entry(f) for key, f in old_keys.items() if key not in new_keys]

    old_m = {m.rule_id: m for m in old.measures}
    new_m = {m.rule_id: m for m in new.measures}
    measures = []
    for rule_id in sorted(old_m.keys() | new_m.keys()):
        a, b = old_m.get(rule_id), new_m.get(rule_id)
        measures.append(DiffMeasure(rule_id=rule_id, old=_side(a), new=_side(b),
                                    rate_change=rate_change(a.rate if a else None, b.rate if b else None)))

    changed = []
    for name in sorted(old.params.keys() | new.params.keys()):
        a, b = old.params.get(name), new.params.get(name)
        if name not in old.params or name not in new.params or _canonical(a) != _canonical(b):
            if a is None and b is None:
                continue  # null on one side, absent on the other: nothing to show
            changed.append(ParamChange(name=name, old=_masked(a), new=_masked(b)))

    return DiffReport(
        old=DiffSide(as_of=old.as_of, ruleset=DiffRuleset(name=old.ruleset_name, sha256=old.ruleset_sha256)),
        new=DiffSide(as_of=new.as_of, ruleset=DiffRuleset(name=new.ruleset_name, sha256=new.ruleset_sha256)),
        params_changed=changed, findings=DiffFindings(**lists), measures=measures, notes=notes,
        lang="en" if lang == "en" else "nb")


def diff(old: ReportSource, new: ReportSource, *, lang: str = "nb") -> DiffReport:
    """Compare two reports (paths to JSON reports, parsed dicts, or :class:`~ke_rules.Report` models).

    Raises :class:`~ke_rules.report.periods.ComparisonRefused` (a :class:`~ke_rules.KeRulesError`)
    when either is not a ke-rules report, the two are not comparable, or OLD is later than NEW.
    ``lang`` is the language of those messages and of the renderings.
    """
    a = load_report(old, label="OLD", lang=lang)
    b = load_report(new, label="NEW", lang=lang)
    return diff_loaded(a, b, lang)
