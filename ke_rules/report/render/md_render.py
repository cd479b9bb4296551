"""Markdown: the report for a wiki page (GitHub, GitLab, Confluence's Markdown macro).

Headings and pipe tables only. Every value from the input or a ruleset goes through
:func:`md_text`, which escapes the characters that would end a table cell, start
emphasis, code or a link, or open raw HTML, so a value cannot change the page's
structure or inject markup, and shows control characters as ``\x1b`` (a report that is
``cat``-ed must not clear the screen or retitle the terminal).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ke_rules.privacy.controls import CONTROLS, escape_controls
from ke_rules.report.models import Basis, Report
from ke_rules.report.render.common import (
    findings_by_rule,
    fmt_date,
    fmt_int,
    fmt_param,
    fmt_percent,
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

if TYPE_CHECKING:
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["render_md", "md_text"]

_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
# a line break or another control character: one scan of a cell finds both (the rare case)
_BREAK_OR_CONTROL = re.compile(r"[\u2028\u2029" + "".join(f"\\x{ord(c):02x}" for c in CONTROLS) + "]")
# punctuation that starts code, emphasis, a link, strikethrough, maths (GitHub) or a heading's end, or ends
# a table cell; CommonMark lets a backslash escape any ASCII punctuation
_SPECIAL = re.compile(r"([\\`*_\[\]|#~$])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md_text(value: object) -> str:
    """``value`` as inert Markdown table-cell text: one line, controls as ``\\x1b``, specials backslash-escaped,
    ``<>&`` as entities."""
    text = "" if value is None else str(value)
    if _BREAK_OR_CONTROL.search(text) is not None:  # line breaks become a space, other controls \x1b
        text = escape_controls(_NEWLINES.sub(" ", text))
    text = _SPECIAL.sub(r"\\\1", text)
    return "".join(_ENTITIES.get(ch, ch) for ch in text) if any(ch in text for ch in "&<>") else text


def _link(citation: str, url: str | None) -> str:
    target = link_target(url)
    if target is None:
        return md_text(citation)
    # percent-encoded already; also encode what would close the destination or the table cell
    target = target.replace("(", "%28").replace(")", "%29").replace("|", "%7C").replace(" ", "%20")
    return f"[{md_text(citation)}]({target})"


def _basis(basis: Sequence[Basis]) -> str:
    return "; ".join(_link(b.citation, b.url) for b in basis)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> list[str]:
    """A pipe table; cells must already be escaped. ``numeric`` columns are right-aligned."""
    lines = ["| " + " | ".join(md_text(h) for h in header) + " |",
             "|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|"]
    lines.extend("| " + " | ".join(r) + " |" for r in rows)
    return lines


def render_md(report: Report, *, ruleset: Ruleset | None = None) -> bytes:
    """The report as GitHub-flavoured Markdown (UTF-8 bytes)."""
    lang = report.lang
    t = labels(lang)
    rules = rule_rows(report, ruleset)
    out: list[str] = [f"# {md_text(t['title'])}", ""]

    facts = [
        (t["as_of"], md_text(fmt_date(report.as_of, lang))),
        (t["ruleset"], md_text(report.ruleset.name)),
        (t["extends"], md_text(", ".join(report.ruleset.extends) or t["none"])),
        (t["ruleset_sha256"], f"`{report.ruleset.sha256}`" if re.fullmatch(r"[0-9a-f]*", report.ruleset.sha256)
         else md_text(report.ruleset.sha256)),
        (t["input_source"], md_text(report.input.source)),
        (t["input_sha256"], f"`{report.input.sha256}`" if re.fullmatch(r"[0-9a-f]*", report.input.sha256)
         else md_text(report.input.sha256)),
        (t["tool"], md_text(f"{report.tool.name} {report.tool.version}")),
    ]
    out += _table(["", ""], [(md_text(k), v) for k, v in facts])
    out.append("")

    out += [f"## {md_text(t['summary'])}", ""]
    by = report.summary.by_severity
    sev_rows = [(md_text(severity_label(s, lang)), fmt_int(by.get(s, 0), lang)) for s in ("high", "medium", "low")]
    sev_rows += [(md_text(t["open_findings"]), fmt_int(report.summary.findings, lang)),
                 (md_text(t["waived_findings"]), fmt_int(report.summary.waived, lang)),
                 (md_text(t["rows_set_aside"]),
                  fmt_int(sum(c.set_aside for c in report.input.tables.values()), lang))]
    out += _table([t["by_severity"], t["count"]], sev_rows, numeric=[1])
    out.append("")
    out += _table([t["param"], t["value"]],
                  [(md_text(k), md_text(fmt_param(v, lang))) for k, v in report.ruleset.params.items()])
    out.append("")
    out += _table([t["table"], t["rows"], t["set_aside"]],
                  [(md_text(name), fmt_int(c.rows, lang), fmt_int(c.set_aside, lang))
                   for name, c in report.input.tables.items()], numeric=[1, 2])
    out.append("")

    out += [f"## {md_text(t['compliance'])}", ""]
    after = {m.rule_id: m for m in report.measures}
    out += _table([t["rule_id"], t["rule_title"], t["severity"], t["population"], t["compliant"], t["findings"],
                   t["rate"], t["waived"], t["rate_after_waivers"], t["basis"]],
                  [(md_text(r.rule_id), md_text(r.title), md_text(severity_label(r.severity, lang)),
                    fmt_int(r.population, lang), fmt_int(r.compliant, lang), fmt_int(r.findings, lang),
                    md_text(fmt_percent(r.rate, lang)),
                    fmt_int(after[r.rule_id].waived, lang) if r.rule_id in after else "",
                    md_text(fmt_percent(after[r.rule_id].rate_after_waivers, lang)) if r.rule_id in after else "",
                    _basis(r.basis)) for r in rules],
                  numeric=[3, 4, 5, 6, 7, 8])
    out.append("")
    units, unit_rules, cells = unit_table(report)
    if units:
        out += [f"## {md_text(t['by_unit'])}", ""]
        out += _table([t["unit"], *map(md_text, unit_rules)],
                      [(md_text(u if u is not None else t["unit_none"]),
                        *(md_text(fmt_percent(cells[(u, r)].rate, lang)) if (u, r) in cells else ""
                          for r in unit_rules))
                       for u in units], numeric=list(range(1, len(unit_rules) + 1)))
        out.append("")

    out += [f"## {md_text(t['findings_by_rule'])}", ""]
    titles = {r.rule_id: r.title for r in rules}
    groups = {k: v for k, v in findings_by_rule(report).items() if v}
    if not groups:
        out += [md_text(t["no_findings"]), ""]
    basis_cache: dict[tuple[Basis, ...], str] = {}
    for rule_id, findings in groups.items():
        title = titles.get(rule_id, "")
        heading = md_text(rule_id) + (f" – {md_text(title)}" if title else "")
        out += [f"### {heading} ({fmt_int(len(findings), lang)})", ""]
        rows = []
        for f in findings:
            key = tuple(f.basis)
            if key not in basis_cache:
                basis_cache[key] = _basis(key)
            rows.append((md_text(severity_label(f.severity, lang)),
                         md_text(f"{subject_label(f.subject_type, lang)} {f.subject_id}"),
                         md_text(f.case_id or ""), md_text(f.message), basis_cache[key],
                         md_text(status_label(f.status, lang)
                                 + (f": {waiver_text(f, lang)}" if f.waiver is not None else ""))))
        out += _table([t["severity"], t["subject"], t["case_id"], t["message"], t["basis"], t["status"]], rows)
        out.append("")

    out += [f"## {md_text(t['input_problems'])}", ""]
    if report.input_problems:
        out += _table([t["table"], t["row"], t["column"], t["value"], t["problem"], t["severity"]],
                      [(md_text(p.table), "" if p.row is None else str(p.row), md_text(p.column or ""),
                        md_text(p.value or ""), md_text(p.problem),
                        md_text(problem_severity_label(str(p.severity), lang))) for p in report.input_problems],
                      numeric=[1])
    else:
        out.append(md_text(t["no_problems"]))
    out.append("")
    return "\n".join(out).encode("utf-8")
