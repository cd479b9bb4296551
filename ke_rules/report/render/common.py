"""What every rendering derives from a report the same way: rule rows, titles, basis text, numbers.

Shared so that the spreadsheet, the web page and the wiki page can never disagree on a
rule's title, on which link is "the" basis link, or on how a rate is written.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from ke_rules.privacy.controls import escape_json_text_controls
from ke_rules.report.models import SEVERITY_ORDER, Basis, Finding, Report
from ke_rules.report.render.labels import labels

if TYPE_CHECKING:
    from ke_rules.rules.ruleset import Ruleset

__all__ = [
    "RuleRow",
    "rule_rows",
    "rule_title",
    "basis_text",
    "basis_url",
    "link_target",
    "evidence_json",
    "evidence_text",
    "fmt_int",
    "fmt_percent",
    "fmt_date",
    "fmt_param",
    "severity_label",
    "subject_label",
    "status_label",
    "waiver_text",
    "unit_table",
    "problem_severity_label",
    "kind_label",
    "findings_by_rule",
    "default_limit",
]


@dataclass(frozen=True)
class RuleRow:
    """One rule as the renderings list it: its measure, title, severity and basis."""

    rule_id: str
    title: str
    severity: str  # declared severity and escalations ("medium/high"), else the severities of its findings
    population: int
    compliant: int
    findings: int
    rate: float | None
    basis: tuple[Basis, ...]


def rule_title(ruleset: Ruleset | None, rule_id: str, lang: str) -> str:
    """The rule's title from the ruleset in ``lang``; empty without a ruleset or for a rule it lacks."""
    if ruleset is None:
        return ""
    rule = ruleset.rules.get(rule_id)
    return rule.spec.title.get(lang) if rule is not None else ""


def rule_rows(report: Report, ruleset: Ruleset | None) -> list[RuleRow]:
    """One row per measure (in the report's order), plus any rule that has findings but no measure."""
    first: dict[str, Finding] = {}
    severities: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for f in report.findings:
        first.setdefault(f.rule_id, f)
        severities.setdefault(f.rule_id, set()).add(f.severity)
        counts[f.rule_id] += 1
    entries = [(m.rule_id, m.population, m.compliant, m.findings, m.rate) for m in report.measures]
    measured = {m.rule_id for m in report.measures}
    entries += [(rid, 0, 0, counts[rid], None) for rid in first if rid not in measured]
    rows: list[RuleRow] = []
    for rid, population, compliant, n, rate in entries:
        rule = ruleset.rules.get(rid) if ruleset is not None else None
        if rule is not None:  # the declared severity, then any it escalates to ("medium/high")
            severity = "/".join(dict.fromkeys([rule.severity, *(s.severity for s in rule.spec.severity_when)]))
            basis = tuple(rule.basis)
        else:
            severity = "/".join(sorted(severities.get(rid, ()), key=SEVERITY_ORDER.__getitem__))
            basis = tuple(first[rid].basis) if rid in first else ()
        title = rule.spec.title.get(report.lang) if rule is not None else ""
        rows.append(RuleRow(rid, title, severity, population, compliant, n, rate, basis))
    return rows


def basis_text(basis: list[Basis] | tuple[Basis, ...]) -> str:
    """All citations, joined with "; " (the whole basis, not only the first)."""
    return "; ".join(b.citation for b in basis)


def basis_url(basis: list[Basis] | tuple[Basis, ...]) -> str | None:
    """The first basis entry's URL that is a web link, or None."""
    for b in basis:
        if b.url and link_target(b.url):
            return b.url
    return None


def link_target(url: str | None) -> str | None:
    """``url`` percent-encoded for use as a link target, or None unless it is http(s).

    Only http and https are linked: a ruleset is a user's file, and ``javascript:`` or
    ``file:`` targets must never become clickable.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=":/?#&=%@+,;~!$'*.-_")


def evidence_json(evidence: dict[str, Any]) -> str:
    """The evidence as compact JSON text (one cell, parseable, non-ASCII kept readable, no control character)."""
    return escape_json_text_controls(
        json.dumps(evidence, ensure_ascii=False, separators=(",", ":"), sort_keys=False, default=str))


def _evidence_value(value: Any, lang: str) -> str:
    t = labels(lang)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    if isinstance(value, list | tuple):
        return ", ".join(_evidence_value(v, lang) for v in value) if value else t["none"]
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_evidence_value(v, lang)}" for k, v in value.items())
    if isinstance(value, str):
        return fmt_date(value, lang)
    return str(value)


def evidence_text(evidence: dict[str, Any], subject_type: str, lang: str) -> str:
    """The evidence as one readable line for people ("Avtalt maksimum …: 5 · Sakene som telles: S-1, S-2").

    Each key is labelled from the field catalogue (``derive/fields.py``) in ``lang`` where the
    subject has such a field, else shown as the key; lists are joined, dates written as the
    reader writes them, empty as "–". No control character survives (as in :func:`evidence_json`).
    """
    from ke_rules.derive.fields import FIELDS
    from ke_rules.privacy.controls import escape_controls

    catalogue = FIELDS.get(str(subject_type), {})
    parts = []
    for key, value in evidence.items():
        info = catalogue.get(key)
        label = (info.en if lang == "en" else info.nb) if info is not None else key
        parts.append(f"{label}: {_evidence_value(value, lang)}")
    return escape_controls(" · ".join(parts))


def fmt_int(n: int, lang: str) -> str:
    """A whole number with a thin thousands separator in bokmål (12 345), a comma in English."""
    text = f"{n:,}"
    return text.replace(",", "\u00a0") if lang != "en" else text


def fmt_percent(rate: float | None, lang: str) -> str:
    """A rate as a percentage with one decimal ("85,0 %" in bokmål, "85.0%" in English); "–" for None."""
    if rate is None:
        return "–"
    text = f"{rate * 100:.1f}"
    return f"{text.replace('.', ',')}\u00a0%" if lang != "en" else f"{text}%"


def fmt_date(iso: str, lang: str) -> str:
    """An ISO date as bokmål readers write it (23.11.2026), unchanged in English."""
    if lang != "en" and len(iso) == 10 and iso[4] == "-" and iso[7] == "-":
        return f"{iso[8:10]}.{iso[5:7]}.{iso[0:4]}"
    return iso


def fmt_param(value: Any, lang: str) -> str:
    """A parameter value as text: lists joined, true/false as yes/no."""
    t = labels(lang)
    if isinstance(value, bool):
        return t["yes"] if value else t["no"]
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else t["none"]
    if value is None:
        return "–"
    return str(value)


def severity_label(severity: str, lang: str) -> str:
    """A finding's severity in words; a combination ("high/medium") word by word."""
    t = labels(lang)
    return "/".join(t.get(f"sev_{s}", s) for s in severity.split("/")) if severity else ""


def problem_severity_label(severity: str, lang: str) -> str:
    """An input problem's severity (error, warning, notice) in words."""
    return labels(lang).get(f"sev_{severity}", severity)


def subject_label(subject_type: str, lang: str) -> str:
    """A subject type (case, coordinator, …) in words."""
    return labels(lang).get(f"subj_{subject_type}", subject_type)


def status_label(status: str, lang: str) -> str:
    """A finding's status (open, waived) in words."""
    return labels(lang).get(f"status_{status}", status)


def waiver_text(finding: Finding, lang: str) -> str:
    """A waived finding's waiver in words (reason, who decided, until when); empty for an open finding."""
    w = finding.waiver
    if w is None:
        return ""
    return labels(lang)["waiver_text"].format(reason=w.reason, decided_by=w.decided_by,
                                              expires_on=fmt_date(w.expires_on, lang))


def unit_table(report: Report) -> tuple[list[str | None], list[str], dict[tuple[str | None, str], Any]]:
    """``measures_by_unit`` as a unit × rule table: units (report order, no unit last), rule ids, cells."""
    units = list(dict.fromkeys(m.unit for m in report.measures_by_unit))
    rule_ids = sorted({m.rule_id for m in report.measures_by_unit})
    cells = {(m.unit, m.rule_id): m for m in report.measures_by_unit}
    return units, rule_ids, cells


def kind_label(kind: str, lang: str) -> str:
    """A basis kind (lov, forskrift, veileder, lokal_rutine) in words."""
    return labels(lang).get(f"kind_{kind}", kind)


def findings_by_rule(report: Report) -> dict[str, list[Finding]]:
    """Findings grouped by rule, rules in measure order, findings in the report's order."""
    groups: dict[str, list[Finding]] = {m.rule_id: [] for m in report.measures}
    for f in report.findings:
        groups.setdefault(f.rule_id, []).append(f)
    return groups


def default_limit(report: Report) -> int | None:
    """The ruleset's case limit per coordinator, else the most common limit among coordinators."""
    value = report.ruleset.params.get("max_cases_per_coordinator")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    limits = Counter(c.limit for c in report.coordinator_load)
    return limits.most_common(1)[0][0] if limits else None
