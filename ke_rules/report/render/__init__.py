"""Render a report as JSON, CSV, XLSX, HTML or Markdown: one entry point, :func:`render`.

The JSON report is the contract (``report-contract.md``); every other format is a
rendering of the same data for a different reader (a spreadsheet for the KE leader, a
self-contained web page for the auditor, a wiki page), and carries every finding of the
JSON. Wording follows ``report.lang`` (bokmål by default, English with ``"en"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ke_rules.report.models import Report

if TYPE_CHECKING:
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["render", "FORMATS", "MEDIA_TYPES"]

FORMATS: tuple[str, ...] = ("json", "csv", "xlsx", "html", "md")

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def render(report: Report, fmt: str, *, delimiter: str = ",", ruleset: Ruleset | None = None) -> bytes:
    """The report in ``fmt`` (json, csv, xlsx, html or md) as bytes, ready to write to a file.

    ``delimiter`` is the CSV field separator ("," or ";" for Norwegian Excel). ``ruleset``,
    when given, supplies the rules' titles (and each rule's declared severity and basis);
    without it the title columns are left empty, since titles are not part of the JSON.
    """
    if fmt == "json":
        return report.to_json_bytes()
    if fmt == "csv":
        from ke_rules.report.render.csv_render import render_csv

        return render_csv(report, delimiter=delimiter, ruleset=ruleset)
    if fmt == "xlsx":
        from ke_rules.report.render.xlsx_render import render_xlsx

        return render_xlsx(report, ruleset=ruleset)
    if fmt == "html":
        from ke_rules.report.render.html_render import render_html

        return render_html(report, ruleset=ruleset)
    if fmt == "md":
        from ke_rules.report.render.md_render import render_md

        return render_md(report, ruleset=ruleset)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
