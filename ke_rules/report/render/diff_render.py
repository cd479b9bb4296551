"""The diff of two periods as JSON, Markdown, HTML or XLSX: one entry point, :func:`render_diff`.

JSON is the contract; the others are for the internal-control meeting: the notes first
(rulesets differ, pseudonymisation unchecked), then how many findings are new, resolved,
persisting and waived, the parameters that changed, each rule's rate then and now, and
the four lists. Every text from the reports is escaped as in the single report's
renderings (Markdown cells by ``md_text``, HTML by Jinja2's autoescape, spreadsheet cells
by ``xlsx_text``).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from ke_rules.privacy.controls import escape_controls
from ke_rules.report.diff import DiffFinding, DiffReport
from ke_rules.report.render.common import fmt_date, fmt_int, fmt_param, fmt_percent, severity_label, subject_label
from ke_rules.report.render.period_labels import note_text, period_labels

__all__ = ["render_diff", "DIFF_FORMATS", "fmt_change", "diff_notes"]

DIFF_FORMATS: tuple[str, ...] = ("json", "xlsx", "html", "md")
LISTS = ("new", "resolved", "persisting", "waived")


def fmt_change(change: float | None, lang: str) -> str:
    """A change in rate in percentage points, signed ("+5,0 pp", "−2,1 pp"); "–" for None."""
    if change is None:
        return "–"
    points = change * 100
    text = f"{abs(points):.1f}"
    if lang != "en":
        text = text.replace(".", ",")
    sign = "+" if points > 0 and text.strip("0,.") else ("−" if points < 0 and text.strip("0,.") else "±")
    return f"{sign}{text}\u00a0pp"


def diff_notes(d: DiffReport) -> list[str]:
    """The notes in words, in the diff's language: what the top of every rendering says."""
    names = [p.name for p in d.params_changed]
    return [note_text(code, d.lang, names) for code in d.notes]


def _count(n: int | None, lang: str) -> str:
    return "–" if n is None else fmt_int(n, lang)


def render_diff(d: DiffReport, fmt: str) -> bytes:
    """``d`` as ``fmt`` (json, xlsx, html or md) bytes."""
    if fmt == "json":
        return d.to_json_bytes()
    if fmt == "md":
        return _md(d)
    if fmt == "html":
        return _html(d)
    if fmt == "xlsx":
        return _xlsx(d)
    raise ValueError(f"unknown diff format {fmt!r}; choose one of {', '.join(DIFF_FORMATS)}")


# --- Markdown

def _md(d: DiffReport) -> bytes:
    from ke_rules.report.render.md_render import _table, md_text

    lang = d.lang
    t = period_labels(lang)
    out: list[str] = [f"# {md_text(t['diff_title'])}", ""]
    for note in diff_notes(d):
        out += [f"> **{md_text(note)}**", ""]
    for key, side in (("period_old", d.old), ("period_new", d.new)):
        out.append(f"- **{md_text(t[key])}:** {md_text(fmt_date(side.as_of, lang))} · {md_text(t['ruleset'])} "
                   f"{md_text(side.ruleset.name)} (sha256 `{md_text(side.ruleset.sha256)}`)")
    out += ["", f"## {md_text(t['changes'])}", ""]
    out += _table([t["changes"], t["count"]],
                  [[md_text(t[f"list_{k}"]), fmt_int(len(getattr(d.findings, k)), lang)] for k in LISTS], [1])
    out += ["", f"## {md_text(t['params_changed'])}", ""]
    if d.params_changed:
        out += _table([t["param"], t["period_old"], t["period_new"]],
                      [[md_text(p.name), md_text(fmt_param(p.old, lang)), md_text(fmt_param(p.new, lang))]
                       for p in d.params_changed])
    else:
        out.append(md_text(t["no_params_changed"]))
    out += ["", f"## {md_text(t['measures'])}", ""]
    head = [t["rule_id"]] + [f"{t[w]} ({t[s]})" for s in ("old", "new") for w in ("population", "findings", "rate")]
    rows = [[md_text(m.rule_id), _count(m.old.population, lang), _count(m.old.findings, lang),
             fmt_percent(m.old.rate, lang), _count(m.new.population, lang), _count(m.new.findings, lang),
             fmt_percent(m.new.rate, lang), fmt_change(m.rate_change, lang)] for m in d.measures]
    out += _table(head + [t["rate_change"]], rows, range(1, 8))
    for key in LISTS:
        items: list[DiffFinding] = getattr(d.findings, key)
        out += ["", f"## {md_text(t[f'list_{key}'])} ({fmt_int(len(items), lang)})", "",
                f"*{md_text(t[f'what_{key}'])}*", ""]
        if not items:
            out.append(md_text(t["none_in_list"]))
            continue
        out += _table([t["severity"], t["rule_id"], t["subject_type"], t["subject_id"], t["case_id"], t["message"]],
                      [[md_text(severity_label(f.severity, lang)), md_text(f.rule_id),
                        md_text(subject_label(f.subject_type, lang)), md_text(f.subject_id), md_text(f.case_id or ""),
                        md_text(f.message)] for f in items])
    return ("\n".join(out) + "\n").encode("utf-8")


# --- HTML

def _env_template(name: str) -> Any:
    from ke_rules.report.render.html_render import _template

    return _template().environment.get_template(name)


def _html(d: DiffReport) -> bytes:
    from ke_rules import __version__

    lang = d.lang
    t = period_labels(lang)
    sides = [{"label": t[key], "iso": side.as_of, "date": fmt_date(side.as_of, lang), "ruleset": side.ruleset.name,
              "sha256": side.ruleset.sha256} for key, side in (("period_old", d.old), ("period_new", d.new))]
    measures = []
    for m in d.measures:
        direction = "" if not m.rate_change else ("up" if m.rate_change > 0 else "down")
        measures.append({"rule_id": m.rule_id, "direction": direction, "change": fmt_change(m.rate_change, lang),
                         "cells": [_count(m.old.population, lang), _count(m.old.findings, lang),
                                   fmt_percent(m.old.rate, lang), _count(m.new.population, lang),
                                   _count(m.new.findings, lang), fmt_percent(m.new.rate, lang)]})
    lists = []
    for key in LISTS:
        rows = [(f.severity, severity_label(f.severity, lang), f.rule_id, subject_label(f.subject_type, lang),
                 f.subject_id, f.case_id or "", f.message) for f in getattr(d.findings, key)]
        lists.append((key, t[f"list_{key}"], t[f"what_{key}"], rows))
    page = _env_template("diff.html.j2").render(
        lang=lang, t=t, version=__version__, schema_version=d.schema_version,
        title=f"{t['diff_title']} – {fmt_date(d.old.as_of, lang)} → {fmt_date(d.new.as_of, lang)}",
        notes=diff_notes(d), sides=sides,
        cards=[(k, t[f"list_{k}"], fmt_int(len(getattr(d.findings, k)), lang)) for k in LISTS],
        params=[(p.name, fmt_param(p.old, lang), fmt_param(p.new, lang)) for p in d.params_changed],
        measures=measures, lists=lists)
    return escape_controls(page, keep="\n").encode("utf-8")


# --- XLSX

def _xlsx(d: DiffReport) -> bytes:
    """Three sheets: a summary (notes first), the rules then and now, and every finding in one filterable list.

    One findings sheet with a "Change" column rather than four sheets: a KE leader filters
    it to "new" for the meeting, and sorts it by coordinator or case across the lists.
    """
    from xlsxwriter import Workbook

    from ke_rules.report.render.safe import xlsx_text
    from ke_rules.report.render.xlsx_render import _Formats, _lines, _Sheet, _widths

    lang = d.lang
    t = period_labels(lang)
    out = io.BytesIO()
    wb = Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                        "strings_to_numbers": False})
    wb.set_properties({"title": xlsx_text(f"{t['diff_title']} – {d.old.as_of} – {d.new.as_of}"),
                       "author": "ke-rules",
                       "created": dt.datetime.combine(dt.date.fromisoformat(d.new.as_of), dt.time())})
    fm = _Formats(wb, "dd.mm.yyyy" if lang != "en" else "yyyy-mm-dd")

    s = _Sheet(wb, t["summary"], fm)
    s.widths([30, 70, 20])
    s.fit_width(landscape=False)
    s.next_row()
    s.text(0, t["diff_title"], fm.title)
    note_format = wb.add_format({"text_wrap": True, "valign": "top", "pattern": 1, "bg_color": "#FCD9A0",
                                 "bold": True})
    for note in diff_notes(d):  # first, where the reader starts: a comparison across rulesets needs care
        s.next_row()
        s.ws.merge_range(s.row, 0, s.row, 2, xlsx_text(note), note_format)
        s.ws.set_row(s.row, 15.0 * _lines(note, 120) + 4)
    s.next_row()
    for key, side in (("period_old", d.old), ("period_new", d.new)):
        s.next_row()
        s.text(0, t[key], fm.bold)
        s.date(1, dt.date.fromisoformat(side.as_of))
        s.next_row()
        s.text(0, t["ruleset"])
        s.text(1, side.ruleset.name)
        s.next_row()
        s.text(0, t["ruleset_sha256"])
        s.text(1, side.ruleset.sha256)
    s.next_row()
    s.header([t["changes"], t["count"]])
    for key in LISTS:
        s.next_row()
        s.text(0, t[f"list_{key}"])
        s.number(1, len(getattr(d.findings, key)), fm.left)
    s.next_row()
    s.header([t["params_changed"], t["period_old"], t["period_new"]])
    if not d.params_changed:
        s.next_row()
        s.text(0, t["no_params_changed"])
    for p in d.params_changed:
        s.next_row()
        s.text(0, p.name)
        for col, value in ((1, p.old), (2, p.new)):
            if isinstance(value, int | float) and not isinstance(value, bool):
                s.number(col, value, fm.left)
            else:
                s.text(col, fmt_param(value, lang))

    r = _Sheet(wb, t["rules"], fm)
    header = [t["rule_id"]] + [f"{t[w]} ({t[side]})" for side in ("old", "new")
                               for w in ("population", "findings", "rate")] + [t["rate_change"]]
    r.widths(_widths(header, [(m.rule_id,) + ("",) * 7 for m in d.measures], [24, 14, 12, 14, 14, 12, 14, 16]))
    r.table_frame(len(header), len(d.measures))
    r.header(header)
    points = wb.add_format({"valign": "top", "num_format": '+0.0" pp";-0.0" pp";0.0" pp"'})
    for m in d.measures:
        r.next_row()
        r.text(0, m.rule_id)
        for col, value in enumerate((m.old.population, m.old.findings), 1):
            r.number(col, value)
        r.number(3, m.old.rate, fm.percent)
        for col, value in enumerate((m.new.population, m.new.findings), 4):
            r.number(col, value)
        r.number(6, m.new.rate, fm.percent)
        r.number(7, None if m.rate_change is None else round(m.rate_change * 100, 2), points)

    f = _Sheet(wb, t["findings"], fm)
    header = [t["change"], t["severity"], t["rule_id"], t["subject_type"], t["subject_id"], t["case_id"], t["message"]]
    rows = [(t[f"list_{key}"], severity_label(x.severity, lang), x.rule_id, subject_label(x.subject_type, lang),
             x.subject_id, x.case_id or "", x.message, x.severity)
            for key in LISTS for x in getattr(d.findings, key)]
    f.widths(_widths(header, rows, [22, 12, 22, 16, 16, 14, 80]))
    f.table_frame(len(header), len(rows))
    f.header(header)
    for row in rows:
        f.next_row([(6, row[6])])
        f.text(0, row[0])
        f.text(1, row[1], fm.fill.get(row[7]))
        for col in (2, 3, 4, 5):
            f.text(col, row[col])
        f.text(6, row[6], fm.wrap)
    wb.close()
    return out.getvalue()
