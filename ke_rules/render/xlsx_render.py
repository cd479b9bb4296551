"""XLSX: the report as a workbook a KE leader filters and an auditor files.

Four sheets (summary, findings, input problems, rules) with a frozen, filterable header,
severity colours, wrapped messages, the basis link as a real hyperlink and the
evaluation date as a real date cell. Written with openpyxl's write-only mode so
100,000 findings stream to the file instead of building a million cell objects.
Every text cell goes through :func:`safe.xlsx_text` and is stored as a string cell,
never a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from copy import copy
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.worksheet import Worksheet

from ..models import Report
from .common import (
    basis_text,
    basis_url,
    evidence_json,
    fmt_param,
    link_target,
    problem_severity_label,
    rule_rows,
    rule_title,
    severity_label,
    status_label,
    subject_label,
)
from .labels import labels
from .safe import xlsx_text

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from ..ruleset import Ruleset

__all__ = ["render_xlsx", "SEVERITY_FILLS"]

# fill colours: high red-ish, medium orange/yellow, low light; input problems likewise
SEVERITY_FILLS: dict[str, str] = {
    "high": "F4B6B0", "medium": "FCD9A0", "low": "E3EEF9",
    "error": "F4B6B0", "warning": "FCD9A0", "notice": "E3EEF9",
}
_FILLS = {k: PatternFill("solid", start_color=v, end_color=v) for k, v in SEVERITY_FILLS.items()}
_HEADER_FILL = PatternFill("solid", start_color="DDE4EE", end_color="DDE4EE")
_BOLD = Font(name="Calibri", bold=True)  # named: without a name LibreOffice falls back to a serif font
_TITLE = Font(name="Calibri", bold=True, size=14)
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)
_LEFT_TOP = Alignment(horizontal="left", vertical="top")
_PERCENT = "0.0%"
_MAX_WIDTH = 80
_LINE_HEIGHT = 15.0  # points per line of 11-point Calibri
_MAX_ROW_HEIGHT = 409.0  # Excel's limit
_SAMPLE_ROWS = 2000  # column widths are estimated from this many rows


class _Sheet:
    """A write-only sheet plus the helpers that make every cell safe and styled the same way.

    Styles are set once on a template cell per combination and copied to each cell
    (``copy(template._style)``, as openpyxl's own worksheet copy does): setting font,
    fill and alignment per cell costs several times more at 100,000 rows.
    """

    def __init__(self, wb: Workbook, title: str) -> None:
        self.ws: WriteOnlyWorksheet = wb.create_sheet(title)
        self._styles: dict[tuple[Any, ...], Any] = {}
        self._widths: list[float] = []
        self._row = 0

    def _style(self, font: Font | None, fill: PatternFill | None, align: Alignment | None,
               number_format: str | None, named: str | None) -> Any:
        key = (id(font), id(fill), id(align), number_format, named)
        style = self._styles.get(key)
        if style is None:
            template = WriteOnlyCell(self.ws)
            if named is not None:
                template.style = named
            if font is not None:
                template.font = font
            if fill is not None:
                template.fill = fill
            if align is not None:
                template.alignment = align
            if number_format is not None:
                template.number_format = number_format
            style = self._styles[key] = template._style
        return copy(style)

    def text(self, value: str | None, *, font: Font | None = None, fill: PatternFill | None = None,
             align: Alignment | None = _TOP) -> WriteOnlyCell | None:
        if value is None or value == "":
            return None
        cell = WriteOnlyCell(self.ws, value=xlsx_text(value))
        cell.data_type = "s"  # a string cell whatever the text looks like: never a formula
        cell._style = self._style(font, fill, align, None, None)
        return cell

    def number(self, value: float | int | None, number_format: str | None = None, *,
               align: Alignment = _TOP) -> WriteOnlyCell | None:
        if value is None:
            return None
        cell = WriteOnlyCell(self.ws, value=value)
        cell._style = self._style(None, None, align, number_format, None)
        return cell

    def date(self, value: dt.date, number_format: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        cell._style = self._style(None, None, _LEFT_TOP, number_format, None)
        return cell

    def link(self, url: str | None) -> WriteOnlyCell | None:
        target = link_target(url)
        if url is None or target is None:
            return self.text(url)
        cell = WriteOnlyCell(self.ws, value=xlsx_text(url))
        cell.data_type = "s"
        cell.hyperlink = target
        cell._style = self._style(None, None, _TOP, None, "Hyperlink")
        return cell

    def header(self, names: Sequence[str]) -> None:
        """A bold, shaded header row (wrapped, so a long heading over a narrow column stays readable)."""
        self.append([self.text(n, font=_BOLD, fill=_HEADER_FILL, align=_WRAP) for n in names],
                    wrapped=list(enumerate(names)))

    def widths(self, widths: Sequence[float]) -> None:
        self._widths = list(widths)
        for i, w in enumerate(widths, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = w

    def fit_width(self, orientation: str) -> None:
        """Print one page wide (as many pages long as needed)."""
        self.ws.page_setup.orientation = orientation
        self.ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True

    def table_frame(self, n_columns: int, n_rows: int) -> None:
        """Freeze the header row, filter it, repeat it on printed pages (before any row is written)."""
        self.ws.freeze_panes = "A2"
        self.ws.auto_filter = AutoFilter(ref=f"A1:{get_column_letter(n_columns)}{n_rows + 1}")
        self.ws.print_title_rows = "1:1"
        self.fit_width("landscape")

    def append(self, row: Iterable[Any], wrapped: Sequence[tuple[int, str]] = ()) -> None:
        """Write a row; ``wrapped`` (column index, text) sets a row height that shows all wrapped lines.

        Spreadsheets do not reliably fit row heights to wrapped text on opening (LibreOffice
        does not for these files), so the height is estimated from the text and column width.
        """
        self._row += 1
        lines = max([_lines(text, self._widths[i]) for i, text in wrapped] + [1])
        if lines > 1:
            self.ws.row_dimensions[self._row].height = min(_LINE_HEIGHT * lines + 2, _MAX_ROW_HEIGHT)
        self.ws.append(list(row))
        if lines > 1:
            del self.ws.row_dimensions[self._row]  # written; 100,000 rows need not keep their dimensions


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (an estimate, on the safe side)."""
    per_line = max(int(width) - 1, 1)
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
    lang = report.lang
    t = labels(lang)
    wb = Workbook(write_only=True)
    wb.properties.creator = f"{report.tool.name} {report.tool.version}"
    wb.properties.title = f"{t['title']} – {report.ruleset.name} – {report.as_of}"
    date_format = "dd.mm.yyyy" if lang != "en" else "yyyy-mm-dd"
    rules = rule_rows(report, ruleset)

    # --- Summary
    s = _Sheet(wb, t["summary"])
    s.widths([30, 46, 14, 14, 14, 14, 14])
    s.fit_width("portrait")
    s.append([s.text(t["title"], font=_TITLE)])
    s.append([])
    s.append([s.text(t["as_of"], font=_BOLD), s.date(dt.date.fromisoformat(report.as_of), date_format)])
    facts = [
        ("ruleset", report.ruleset.name),
        ("extends", ", ".join(report.ruleset.extends) or t["none"]),
        ("ruleset_sha256", report.ruleset.sha256),
        ("input_source", report.input.source),
        ("input_sha256", report.input.sha256),
        ("tool", f"{report.tool.name} {report.tool.version}"),
    ]
    for key, value in facts:
        s.append([s.text(t[key], font=_BOLD), s.text(value)])
    s.append([])
    s.header([t["param"], t["value"]])
    for name, value in report.ruleset.params.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            s.append([s.text(name), s.number(value, align=_LEFT_TOP)])
        else:
            s.append([s.text(name), s.text(fmt_param(value, lang))])
    s.append([])
    s.header([t["by_severity"], t["count"]])
    for sev in ("high", "medium", "low"):
        s.append([s.text(severity_label(sev, lang), fill=_FILLS[sev]),
                  s.number(report.summary.by_severity.get(sev, 0), align=_LEFT_TOP)])
    s.append([s.text(t["open_findings"], font=_BOLD), s.number(report.summary.findings, align=_LEFT_TOP)])
    s.append([s.text(t["waived_findings"]), s.number(report.summary.waived, align=_LEFT_TOP)])
    s.append([])
    s.header([t["tables"], t["rows"], t["set_aside"]])
    for name, count in report.input.tables.items():
        s.append([s.text(name), s.number(count.rows), s.number(count.set_aside)])
    s.append([s.text(t["total"], font=_BOLD), s.number(sum(c.rows for c in report.input.tables.values())),
              s.number(sum(c.set_aside for c in report.input.tables.values()))])
    s.append([])
    s.header([t["rule_id"], t["rule_title"], t["population"], t["compliant"], t["findings"], t["rate"]])
    for r in rules:
        s.append([s.text(r.rule_id), s.text(r.title, align=_WRAP), s.number(r.population), s.number(r.compliant),
                  s.number(r.findings), s.number(r.rate, _PERCENT)], wrapped=[(1, r.title)])

    # --- Findings
    f_sheet = _Sheet(wb, t["findings"])
    header = [t[k] for k in ("severity", "rule_id", "rule_title", "subject_type", "subject_id", "case_id", "message",
                             "basis", "basis_url", "status", "evidence")]
    titles = {r.rule_id: r.title for r in rules}
    texts: list[tuple[str, ...]] = []
    for f in report.findings:
        title = titles.get(f.rule_id) or rule_title(ruleset, f.rule_id, lang)
        texts.append((severity_label(f.severity, lang), f.rule_id, title, subject_label(f.subject_type, lang),
                      f.subject_id, f.case_id or "", f.message, basis_text(f.basis), basis_url(f.basis) or "",
                      status_label(f.status, lang), evidence_json(f.evidence)))
    f_sheet.widths(_widths(header, texts, [12, 22, 40, 16, 16, 14, 80, 60, 50, 10, 60]))
    f_sheet.table_frame(len(header), len(texts))
    f_sheet.header(header)
    for f, row in zip(report.findings, texts, strict=True):
        f_sheet.append([
            f_sheet.text(row[0], fill=_FILLS[f.severity]),
            f_sheet.text(row[1]), f_sheet.text(row[2], align=_WRAP), f_sheet.text(row[3]),
            f_sheet.text(row[4]), f_sheet.text(row[5]),
            f_sheet.text(row[6], align=_WRAP), f_sheet.text(row[7], align=_WRAP),
            f_sheet.link(row[8] or None), f_sheet.text(row[9]), f_sheet.text(row[10], align=_WRAP),
        ], wrapped=[(2, row[2]), (6, row[6]), (7, row[7]), (10, row[10])])

    # --- Input problems
    p_sheet = _Sheet(wb, t["input_problems"])
    header = [t[k] for k in ("table", "row", "column", "value", "problem", "severity")]
    ptexts = [(p.table, "" if p.row is None else str(p.row), p.column or "", p.value or "", p.problem,
               problem_severity_label(p.severity, lang)) for p in report.input_problems]
    p_sheet.widths(_widths(header, ptexts, [18, 8, 24, 40, 70, 14]))
    p_sheet.table_frame(len(header), len(ptexts))
    p_sheet.header(header)
    for p, row in zip(report.input_problems, ptexts, strict=True):
        p_sheet.append([p_sheet.text(row[0]), p_sheet.number(p.row), p_sheet.text(row[2]),
                        p_sheet.text(row[3], align=_WRAP), p_sheet.text(row[4], align=_WRAP),
                        p_sheet.text(row[5], fill=_FILLS.get(str(p.severity)))],
                       wrapped=[(3, row[3]), (4, row[4])])

    # --- Rules
    r_sheet = _Sheet(wb, t["rules"])
    header = [t[k] for k in ("rule_id", "rule_title", "severity", "population", "compliant", "findings", "rate",
                             "basis", "basis_url")]
    rtexts = [(r.rule_id, r.title, severity_label(r.severity, lang), "", "", "", "", basis_text(r.basis),
               basis_url(r.basis) or "") for r in rules]
    r_sheet.widths(_widths(header, rtexts, [22, 40, 12, 12, 12, 10, 14, 70, 50]))
    r_sheet.table_frame(len(header), len(rtexts))
    r_sheet.header(header)
    for r, row in zip(rules, rtexts, strict=True):
        first_sev = r.severity.split("/")[0]
        r_sheet.append([r_sheet.text(row[0]), r_sheet.text(row[1], align=_WRAP),
                        r_sheet.text(row[2], fill=_FILLS.get(first_sev)), r_sheet.number(r.population),
                        r_sheet.number(r.compliant), r_sheet.number(r.findings), r_sheet.number(r.rate, _PERCENT),
                        r_sheet.text(row[7], align=_WRAP), r_sheet.link(row[8] or None)],
                       wrapped=[(1, row[1]), (7, row[7])])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
