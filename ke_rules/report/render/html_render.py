"""HTML: one self-contained page for reading and printing (an auditor's copy).

A Jinja2 template with autoescaping on, inline CSS, charts as inline SVG drawn in
Python, no script and nothing fetched from elsewhere; the only links are the basis
links to lovdata. A Content-Security-Policy in the page forbids scripts and remote
loads, so even a value that slipped past escaping could not run or call out.
The rows are prepared here (plain tuples, each distinct basis rendered once) so that
100,000 findings render in a few seconds.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape
from markupsafe import Markup, escape

from ke_rules.privacy.controls import escape_controls
from ke_rules.report.models import Basis, Report
from ke_rules.report.render.common import (
    basis_url,
    default_limit,
    findings_by_rule,
    fmt_date,
    fmt_int,
    fmt_param,
    fmt_percent,
    kind_label,
    link_target,
    problem_severity_label,
    rule_rows,
    severity_label,
    status_label,
    subject_label,
    unit_table,
    waiver_text,
)
from ke_rules.report.render.labels import labels
from ke_rules.report.render.svg import MAX_BARS, compliance_chart, load_bars, load_histogram

if TYPE_CHECKING:
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["render_html"]


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("ke_rules.report.render", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("report.html.j2")


def _basis_html(basis: tuple[Basis, ...], lang: str) -> Markup:
    """The citations, each linked when it has a web URL, each with its kind; escaped here."""
    parts = []
    for b in basis:
        target = link_target(b.url)
        cite = escape(b.citation)
        if target:
            cite = Markup(f'<a href="{escape(target)}" rel="noopener noreferrer">{cite}</a>')
        parts.append(Markup(f'{cite} <span class="kind">({escape(kind_label(str(b.kind), lang))})</span>'))
    return Markup("<br>").join(parts)


def _context(report: Report, ruleset: Ruleset | None) -> dict[str, Any]:
    lang = report.lang
    t = labels(lang)
    rules = rule_rows(report, ruleset)
    titles = {r.rule_id: r.title for r in rules}
    basis_cache: dict[tuple[Basis, ...], Markup] = {}

    def basis_of(basis: list[Basis] | tuple[Basis, ...]) -> Markup:
        key = tuple(basis)
        html = basis_cache.get(key)
        if html is None:
            html = basis_cache[key] = _basis_html(key, lang)
        return html

    sev_text = {s: severity_label(s, lang) for s in ("high", "medium", "low")}
    subj_text: dict[str, str] = {}
    status_text = {s: status_label(s, lang) for s in ("open", "waived")}
    groups = []
    for rule_id, findings in findings_by_rule(report).items():
        if not findings:
            continue
        rows = []
        for f in findings:
            st = str(f.subject_type)
            if st not in subj_text:
                subj_text[st] = subject_label(st, lang)
            rows.append((f.severity, sev_text[f.severity], subj_text[st], f.subject_id, f.case_id or "",
                         f.message, basis_of(f.basis), status_text.get(f.status, f.status)
                         + (f": {waiver_text(f, lang)}" if f.waiver is not None else "")))
        groups.append({"rule_id": rule_id, "title": titles.get(rule_id, ""), "count": fmt_int(len(findings), lang),
                       "rows": rows})

    loads = report.coordinator_load
    limit = default_limit(report)
    if not loads:
        load_chart, load_caption = None, ""
    elif len(loads) > MAX_BARS:
        load_chart = load_histogram(loads, limit, lang)
        load_caption = t["histogram_caption"].format(limit=fmt_int(limit, lang) if limit is not None else "–")
    else:
        load_chart, load_caption = load_bars(loads, lang), t["bars_caption"]
    over = sum(1 for c in loads if c.active_cases > c.limit)

    tables = report.input.tables
    measures = {m.rule_id: m for m in report.measures}
    units, unit_rules, cells = unit_table(report)
    return {
        "lang": lang,
        "t": t,
        "report": report,
        "as_of": fmt_date(report.as_of, lang),
        "extends": ", ".join(report.ruleset.extends),
        "params": [(k, fmt_param(v, lang)) for k, v in report.ruleset.params.items()],
        "cards": [("high", sev_text["high"], fmt_int(report.summary.by_severity.get("high", 0), lang)),
                  ("medium", sev_text["medium"], fmt_int(report.summary.by_severity.get("medium", 0), lang)),
                  ("low", sev_text["low"], fmt_int(report.summary.by_severity.get("low", 0), lang))],
        "open_findings": fmt_int(report.summary.findings, lang),
        "waived": fmt_int(report.summary.waived, lang),
        "set_aside": fmt_int(sum(c.set_aside for c in tables.values()), lang),
        "tables": [(name, fmt_int(c.rows, lang), fmt_int(c.set_aside, lang)) for name, c in tables.items()],
        "rules": [{"rule_id": r.rule_id, "title": r.title, "severity": severity_label(r.severity, lang),
                   "population": fmt_int(r.population, lang), "compliant": fmt_int(r.compliant, lang),
                   "findings": fmt_int(r.findings, lang), "rate": fmt_percent(r.rate, lang),
                   "waived": fmt_int(measures[r.rule_id].waived, lang) if r.rule_id in measures else "",
                   "rate_after_waivers": fmt_percent(measures[r.rule_id].rate_after_waivers, lang)
                   if r.rule_id in measures else "",
                   "basis": basis_of(r.basis), "url": basis_url(r.basis)} for r in rules],
        "unit_rules": unit_rules,
        "unit_rows": [(u if u is not None else t["unit_none"],
                       [fmt_percent(cells[(u, r)].rate, lang) if (u, r) in cells else "" for r in unit_rules])
                      for u in units],
        "compliance_chart": compliance_chart(rules, lang) if rules else None,
        "load_chart": load_chart,
        "load_caption": load_caption,
        "load_note": t["load_note"].format(n=fmt_int(len(loads), lang), over=fmt_int(over, lang)),
        "groups": groups,
        "problems": [(str(p.severity), problem_severity_label(str(p.severity), lang), p.table,
                      "" if p.row is None else str(p.row), p.column or "", p.value or "", p.problem)
                     for p in report.input_problems],
    }


def render_html(report: Report, *, ruleset: Ruleset | None = None) -> bytes:
    """The report as one self-contained HTML page (UTF-8 bytes).

    Control characters from the input are shown as ``\\x1b`` text (one pass over the page,
    which the template writes with no control character but line ends): harmless in a
    browser, but the page may as well go to stdout.
    """
    return escape_controls(_template().render(**_context(report, ruleset)), keep="\n").encode("utf-8")
