"""XLSX: the report as a workbook a KE leader filters and an auditor files.

Four sheets (summary, findings, input problems, rules) with a frozen, filterable header,
severity colours, wrapped messages, the basis link as a real hyperlink and the
evaluation date as a real date cell. Written with XlsxWriter: a handful of formats made
once are shared by every cell (a format per cell would bloat the styles and the time),
and what repeats from finding to finding is made safe once. Up to
:data:`IN_MEMORY_MAX_FINDINGS` findings the workbook is built in memory (fastest); past
that, rows stream to a temporary file (constant-memory mode) so memory stays bounded.

Every text cell goes through :func:`safe.xlsx_text` and is written with
``write_string`` (never ``write``, which would read ``=...`` as a formula), so it is
stored as a string whatever it looks like.

Excel allows at most 65,530 hyperlinks per worksheet (:data:`MAX_LINKS_PER_SHEET`;
XlsxWriter refuses more): past that, and for a URL longer than Excel's 2,079-character
limit, the basis URL is written as plain text in the same column instead of a link.
So a findings sheet of 100,000 rows links the first 65,530 basis URLs and shows the
rest as text.

The same report gives the same bytes: the document's creation time is the evaluation
date at 00:00 (not the clock), and XlsxWriter stamps every part of the zip with a
fixed 1980 date.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xlsxwriter import Workbook

from ke_rules.report.models import Basis, Report
from ke_rules.report.render.common import (
    RuleRow,
    basis_text,
    basis_url,
    evidence_json,
    evidence_text,
    fmt_param,
    link_target,
    problem_severity_label,
    rule_rows,
    rule_title,
    severity_label,
    status_label,
    subject_label,
    unit_table,
)
from ke_rules.report.render.labels import labels
from ke_rules.report.render.safe import xlsx_text
from ke_rules.runtime.background import paused_gc

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

    from ke_rules.rules.ruleset import Ruleset

__all__ = ["render_xlsx", "SEVERITY_FILLS", "MAX_LINKS_PER_SHEET", "IN_MEMORY_MAX_FINDINGS"]

# fill colours: high red-ish, medium orange/yellow, low light; input problems likewise
SEVERITY_FILLS: dict[str, str] = {
    "high": "F4B6B0", "medium": "FCD9A0", "low": "E3EEF9",
    "error": "F4B6B0", "warning": "FCD9A0", "notice": "E3EEF9",
}
_HEADER_FILL = "DDE4EE"
_PERCENT = "0.0%"
_MAX_WIDTH = 80
_LINE_HEIGHT = 15.0  # points per line of 11-point Calibri
_MAX_ROW_HEIGHT = 409.0  # Excel's limit
_SAMPLE_ROWS = 2000  # column widths are estimated from this many rows
MAX_LINKS_PER_SHEET = 65_530  # Excel's limit on hyperlinks in one worksheet
_MAX_URL = 2079  # Excel's limit on a hyperlink's length
_MIN_PRINT_SCALE = 65  # percent: below this a page fitted to one page wide is too small to read
_PRINT_CHARS = {True: 150, False: 100}  # column-width units across an A4 page at 100 % (landscape, portrait)
IN_MEMORY_MAX_FINDINGS = 200_000  # above this, rows stream to a temporary file (about 3 kB a finding in memory)


class _Formats:
    """The few cell formats the workbook uses, made once and shared by every cell."""

    def __init__(self, wb: Workbook, date_format: str) -> None:
        def fmt(**props: Any) -> Format:
            return wb.add_format({"valign": "top", **props})

        self.top = fmt()
        self.wrap = fmt(text_wrap=True)
        self.left = fmt(align="left")
        self.bold = fmt(bold=True)
        self.title = fmt(bold=True, font_size=14)
        self.header = fmt(bold=True, text_wrap=True, pattern=1, bg_color="#" + _HEADER_FILL)
        self.percent = fmt(num_format=_PERCENT)
        self.date = fmt(align="left", num_format=date_format)
        self.link = fmt(hyperlink=True, font_scheme="none")
        by_colour = {c: fmt(pattern=1, bg_color="#" + c) for c in dict.fromkeys(SEVERITY_FILLS.values())}
        self.fill: dict[str, Format] = {k: by_colour[c] for k, c in SEVERITY_FILLS.items()}


class _Sheet:
    """A worksheet written row by row, plus the helpers that make every cell safe and styled the same way.

    :meth:`next_row` starts a row (rows only go forward: constant-memory mode writes a row
    out when the next begins); the cell helpers write into the current row and skip empty
    values, so an empty text or a missing number leaves the cell empty.
    """

    def __init__(self, wb: Workbook, title: str, formats: _Formats) -> None:
        self.ws: Worksheet = wb.add_worksheet(title)
        self.f = formats
        self.row = -1
        self._widths: list[float] = []
        self._hidden: set[int] = set()
        self._links = 0
        self._targets: dict[str, str | None] = {}  # URL -> link target, None when it is not to be linked

    def next_row(self, wrapped: Sequence[tuple[int, str]] = ()) -> int:
        """Start the next row; ``wrapped`` (column index, text) sets a row height that shows all wrapped lines.

        Spreadsheets do not reliably fit row heights to wrapped text on opening (LibreOffice
        does not for these files), so the height is estimated from the text and column width.
        """
        self.row += 1
        if wrapped:
            lines = max(_lines(text, self._widths[i]) for i, text in wrapped)
            if lines > 1:
                self.ws.set_row(self.row, min(_LINE_HEIGHT * lines + 2, _MAX_ROW_HEIGHT))
        return self.row

    def text(self, col: int, value: str | None, fmt: Format | None = None) -> None:
        if value:
            self.ws.write_string(self.row, col, xlsx_text(value), fmt or self.f.top)

    def number(self, col: int, value: float | int | None, fmt: Format | None = None) -> None:
        if value is None:
            return
        if isinstance(value, float) and not math.isfinite(value):  # Excel has no NaN or infinity
            self.text(col, str(value), fmt)
        else:
            self.ws.write_number(self.row, col, value, fmt or self.f.top)

    def date(self, col: int, value: dt.date) -> None:
        self.ws.write_datetime(self.row, col, value, self.f.date)

    def link(self, col: int, url: str | None) -> None:
        """``url`` as a hyperlink if it is a web link, while the sheet has links to spare; else as text."""
        if not url:
            return
        if url not in self._targets:
            target = link_target(url)
            self._targets[url] = target if target is not None and len(target) <= _MAX_URL else None
        target = self._targets[url]
        if target is None or self._links >= MAX_LINKS_PER_SHEET:
            self.text(col, url)
            return
        self._links += 1
        self.ws.write_url(self.row, col, target, self.f.link, string=xlsx_text(url))

    def header(self, names: Sequence[str]) -> None:
        """A bold, shaded header row (wrapped, so a long heading over a narrow column stays readable)."""
        self.next_row(list(enumerate(names)))
        for col, name in enumerate(names):
            self.text(col, name, self.f.header)

    def widths(self, widths: Sequence[float], hidden: Sequence[int] = ()) -> None:
        """Column widths; the ``hidden`` columns are kept for programs and neither shown nor printed."""
        self._widths = list(widths)
        self._hidden = set(hidden)
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, w, None, {"hidden": True} if i in self._hidden else None)

    def fit_width(self, landscape: bool) -> None:
        """Print on A4, one page wide and as many pages long as needed (fitToHeight 0), where that
        stays readable; a sheet too wide for that prints at :data:`_MIN_PRINT_SCALE` percent instead,
        its columns over more than one page, rather than shrunk to a size nobody can read."""
        if landscape:
            self.ws.set_landscape()
        else:
            self.ws.set_portrait()
        self.ws.set_paper(9)  # A4
        self.ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        printed = sum(w for i, w in enumerate(self._widths) if i not in self._hidden)
        if printed * _MIN_PRINT_SCALE / 100 <= _PRINT_CHARS[landscape]:
            self.ws.fit_to_pages(1, 0)
        else:
            self.ws.set_print_scale(_MIN_PRINT_SCALE)

    def table_frame(self, n_columns: int, n_rows: int) -> None:
        """Freeze the header row, filter it (every column, hidden ones too, so a sort keeps rows whole),
        repeat it on printed pages."""
        self.ws.freeze_panes(1, 0)
        self.ws.autofilter(0, 0, n_rows, n_columns - 1)
        self.ws.repeat_rows(0)
        self.fit_width(landscape=True)


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (an estimate, on the safe side)."""
    per_line = max(int(width) - 1, 1)
    if len(text) <= per_line and "\n" not in text:
        return 1
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def _widths(header: Sequence[str], rows: Sequence[Sequence[str | None]], caps: Sequence[int]) -> list[float]:
    """Column widths from the header and a sample of rows, each capped (long text wraps instead)."""
    widths = []
    for i, name in enumerate(header):
        longest = max([len(name)] + [len(r[i] or "") for r in rows[:_SAMPLE_ROWS]])
        widths.append(float(min(max(longest + 2, 8), caps[i], _MAX_WIDTH)))
    return widths


def render_xlsx(report: Report, *, ruleset: Ruleset | None = None) -> bytes:
    """The report as XLSX bytes: Summary, Findings, Input problems and Rules sheets."""
    # a million cells are a million small tuples that are never cyclic: the cyclic garbage collector's
    # repeated passes over them cost more than a tenth of the time, and nothing here needs it
    with paused_gc():
        return _render(report, ruleset)


def _render(report: Report, ruleset: Ruleset | None) -> bytes:
    lang = report.lang
    t = labels(lang)
    out = io.BytesIO()
    # in_memory keeps every cell until close() and shares repeated strings: the fastest. Past
    # IN_MEMORY_MAX_FINDINGS, constant_memory streams each row to a temporary file as the next
    # begins (inline strings, about 40 % slower, a quarter of the memory). The string options
    # only guard write(), which is never called: every text goes through write_string.
    mode = "in_memory" if len(report.findings) <= IN_MEMORY_MAX_FINDINGS else "constant_memory"
    wb = Workbook(out, {mode: True, "strings_to_formulas": False, "strings_to_urls": False,
                        "strings_to_numbers": False})
    as_of = dt.date.fromisoformat(report.as_of)
    wb.set_properties({
        "title": xlsx_text(f"{t['title']} – {report.ruleset.name} – {report.as_of}"),  # the ruleset's own name
        "author": f"{report.tool.name} {report.tool.version}",
        "created": dt.datetime.combine(as_of, dt.time()),  # not the clock: the same report gives the same bytes
    })
    fm = _Formats(wb, "dd.mm.yyyy" if lang != "en" else "yyyy-mm-dd")
    rules = rule_rows(report, ruleset)
    _summary(_Sheet(wb, t["summary"], fm), report, rules, as_of)
    _findings(_Sheet(wb, t["findings"], fm), report, rules, ruleset)
    _problems(_Sheet(wb, t["input_problems"], fm), report)
    _rules(_Sheet(wb, t["rules"], fm), report, rules)
    if report.measures_by_unit:
        _units(_Sheet(wb, t["by_unit_sheet"], fm), report)
    wb.close()
    return out.getvalue()


def _summary(s: _Sheet, report: Report, rules: list[RuleRow], as_of: dt.date) -> None:
    lang = report.lang
    t = labels(lang)
    fm = s.f
    s.widths([30, 46, 14, 14, 14, 14, 14])
    s.fit_width(landscape=False)
    s.next_row()
    s.text(0, t["title"], fm.title)
    s.next_row()
    s.next_row()
    s.text(0, t["as_of"], fm.bold)
    s.date(1, as_of)
    facts = [
        ("ruleset", report.ruleset.name),
        ("extends", ", ".join(report.ruleset.extends) or t["none"]),
        ("ruleset_sha256", report.ruleset.sha256),
        ("input_source", report.input.source),
        ("input_sha256", report.input.sha256),
        ("tool", f"{report.tool.name} {report.tool.version}"),
    ]
    for key, value in facts:
        s.next_row()
        s.text(0, t[key], fm.bold)
        s.text(1, value)
    s.next_row()
    s.header([t["param"], t["value"]])
    for name, value in report.ruleset.params.items():
        s.next_row()
        s.text(0, name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            s.number(1, value, fm.left)
        else:
            s.text(1, fmt_param(value, lang))
    s.next_row()
    s.header([t["by_severity"], t["count"]])
    for sev in ("high", "medium", "low"):
        s.next_row()
        s.text(0, severity_label(sev, lang), fm.fill[sev])
        s.number(1, report.summary.by_severity.get(sev, 0), fm.left)
    s.next_row()
    s.text(0, t["open_findings"], fm.bold)
    s.number(1, report.summary.findings, fm.left)
    s.next_row()
    s.text(0, t["waived_findings"])
    s.number(1, report.summary.waived, fm.left)
    s.next_row()
    s.header([t["tables"], t["rows"], t["set_aside"]])
    for name, count in report.input.tables.items():
        s.next_row()
        s.text(0, name)
        s.number(1, count.rows)
        s.number(2, count.set_aside)
    s.next_row()
    s.text(0, t["total"], fm.bold)
    s.number(1, sum(c.rows for c in report.input.tables.values()))
    s.number(2, sum(c.set_aside for c in report.input.tables.values()))
    s.next_row()
    s.header([t["rule_id"], t["rule_title"], t["population"], t["compliant"], t["findings"], t["rate"]])
    for r in rules:
        s.next_row([(1, r.title)])
        s.text(0, r.rule_id)
        s.text(1, r.title, fm.wrap)
        s.number(2, r.population)
        s.number(3, r.compliant)
        s.number(4, r.findings)
        s.number(5, r.rate, fm.percent)


def _findings(s: _Sheet, report: Report, rules: list[RuleRow], ruleset: Ruleset | None) -> None:
    """The findings sheet: the one that grows to 100,000 rows, so its loop is kept lean.

    What repeats from finding to finding (labels, rule title, basis) is worked out and made
    safe once per distinct value; what is each finding's own (ids, message, evidence) per cell.
    """
    lang = report.lang
    t = labels(lang)
    fm = s.f
    # the evidence as readable text for people; the same as JSON in the last, hidden column for programs
    header = [t[k] for k in ("severity", "rule_id", "rule_title", "subject_type", "subject_id", "case_id", "message",
                             "basis", "basis_url", "status", "evidence",
                             "waiver_reason", "waiver_decided_by", "waiver_expires_on")] + [f"{t['evidence']} (JSON)"]
    titles = {r.rule_id: r.title for r in rules}
    bases: dict[tuple[tuple[str, str | None], ...], tuple[str, str]] = {}
    labels_: dict[tuple[str, str], str] = {}

    def label(kind: str, value: str) -> str:
        key = (kind, value)
        text = labels_.get(key)
        if text is None:
            if kind == "sev":
                text = severity_label(value, lang)
            elif kind == "subj":
                text = subject_label(value, lang)
            elif kind == "status":
                text = status_label(value, lang)
            else:
                text = titles.get(value) or rule_title(ruleset, value, lang)
            labels_[key] = text
        return text

    def basis(items: list[Basis]) -> tuple[str, str]:
        key = tuple((b.citation, b.url) for b in items)
        pair = bases.get(key)
        if pair is None:
            pair = bases[key] = (basis_text(items), basis_url(items) or "")
        return pair

    texts: list[tuple[str, ...]] = []
    for f in report.findings:
        b_text, b_url = basis(f.basis)
        texts.append((label("sev", f.severity), f.rule_id, label("title", f.rule_id), label("subj", f.subject_type),
                      f.subject_id, f.case_id or "", f.message, b_text, b_url, label("status", f.status),
                      evidence_text(f.evidence, str(f.subject_type), lang), f.waiver.reason if f.waiver else "",
                      f.waiver.decided_by if f.waiver else "", f.waiver.expires_on if f.waiver else "",
                      evidence_json(f.evidence)))
    s.widths(_widths(header, texts, [12, 22, 30, 14, 14, 12, 60, 45, 30, 10, 50, 40, 20, 12, 60]), hidden=[14])
    s.table_frame(len(header), len(texts))
    s.header(header)

    # the cells that repeat (labels, title, basis, link) are made safe, and their wrapped lines counted, once
    memo: list[dict[str, tuple[str, int]]] = [{} for _ in header]
    widths = s._widths

    def once(col: int, value: str) -> tuple[str, int]:
        got = memo[col].get(value)
        if got is None:
            got = memo[col][value] = (xlsx_text(value), _lines(value, widths[col]))
        return got

    string, set_row = s.ws.write_string, s.ws.set_row
    fills, top, wrap = fm.fill, fm.top, fm.wrap
    w_message, w_evidence = widths[6], widths[10]
    for f, row in zip(report.findings, texts, strict=True):
        s.row += 1
        r = s.row
        title, title_lines = once(2, row[2])
        basis_cell, basis_lines = once(7, row[7])
        lines = max(title_lines, basis_lines, _lines(row[6], w_message), _lines(row[10], w_evidence))
        if lines > 1:
            set_row(r, min(_LINE_HEIGHT * lines + 2, _MAX_ROW_HEIGHT))
        string(r, 0, once(0, row[0])[0], fills[f.severity])
        string(r, 1, once(1, row[1])[0], top)
        if title:
            string(r, 2, title, wrap)
        string(r, 3, once(3, row[3])[0], top)
        if row[4]:
            string(r, 4, xlsx_text(row[4]), top)
        if row[5]:
            string(r, 5, xlsx_text(row[5]), top)
        if row[6]:
            string(r, 6, xlsx_text(row[6]), wrap)
        if basis_cell:
            string(r, 7, basis_cell, wrap)
        if row[8]:
            s.link(8, row[8])
        string(r, 9, once(9, row[9])[0], top)
        string(r, 10, xlsx_text(row[10]), wrap)
        if f.waiver is not None:  # the waiver: reason, who decided, and the last day it applies
            string(r, 11, xlsx_text(row[11]), wrap)
            string(r, 12, xlsx_text(row[12]), top)
            s.date(13, dt.date.fromisoformat(row[13]))
        string(r, 14, xlsx_text(row[14]), top)


def _problems(s: _Sheet, report: Report) -> None:
    lang = report.lang
    t = labels(lang)
    fm = s.f
    header = [t[k] for k in ("table", "row", "column", "value", "problem", "severity")]
    ptexts = [(p.table, "" if p.row is None else str(p.row), p.column or "", p.value or "", p.problem,
               problem_severity_label(p.severity, lang)) for p in report.input_problems]
    s.widths(_widths(header, ptexts, [18, 8, 24, 40, 70, 14]))
    s.table_frame(len(header), len(ptexts))
    s.header(header)
    for p, row in zip(report.input_problems, ptexts, strict=True):
        s.next_row([(3, row[3]), (4, row[4])])
        s.text(0, row[0])
        s.number(1, p.row)
        s.text(2, row[2])
        s.text(3, row[3], fm.wrap)
        s.text(4, row[4], fm.wrap)
        s.text(5, row[5], fm.fill.get(str(p.severity)))


def _rules(s: _Sheet, report: Report, rules: list[RuleRow]) -> None:
    lang = report.lang
    t = labels(lang)
    fm = s.f
    header = [t[k] for k in ("rule_id", "rule_title", "severity", "population", "compliant", "findings", "rate",
                             "basis", "basis_url")]
    rtexts = [(r.rule_id, r.title, severity_label(r.severity, lang), "", "", "", "", basis_text(r.basis),
               basis_url(r.basis) or "") for r in rules]
    s.widths(_widths(header, rtexts, [22, 40, 12, 12, 12, 10, 14, 70, 50]))
    s.table_frame(len(header), len(rtexts))
    s.header(header)
    for r, row in zip(rules, rtexts, strict=True):
        s.next_row([(1, row[1]), (7, row[7])])
        s.text(0, row[0])
        s.text(1, row[1], fm.wrap)
        s.text(2, row[2], fm.fill.get(r.severity.split("/")[0]))
        s.number(3, r.population)
        s.number(4, r.compliant)
        s.number(5, r.findings)
        s.number(6, r.rate, fm.percent)
        s.text(7, row[7], fm.wrap)
        s.link(8, row[8])


def _units(s: _Sheet, report: Report) -> None:
    """Rates by unit (``measures_by_unit``) as a unit × rule table of rates; empty where a unit has no population."""
    t = labels(report.lang)
    units, rule_ids, cells = unit_table(report)
    header = [t["unit"], *rule_ids]
    names = [u if u is not None else t["unit_none"] for u in units]
    s.widths(_widths(header, [(n, *("" for _ in rule_ids)) for n in names], [30, *(22 for _ in rule_ids)]))
    s.table_frame(len(header), len(names))
    s.header(header)
    for unit, name in zip(units, names, strict=True):
        s.next_row()
        s.text(0, name)
        for col, rule_id in enumerate(rule_ids, start=1):
            m = cells.get((unit, rule_id))
            if m is not None:
                s.number(col, m.rate, s.f.percent)
