"""Render a report as JSON, CSV, XLSX, HTML, Markdown, PDF or a deviation import: one entry point, :func:`render`.

The JSON report is the contract (``report-contract.md``); every other format is a
rendering of the same data for a different reader (a spreadsheet for the KE leader, a
self-contained web page for the auditor, a wiki page), and carries every finding of the
JSON. Wording follows ``report.lang`` (bokmål by default, English with ``"en"``).
Two formats serve other systems: ``pdf`` is the HTML page printed to A4 by a headless
Chromium or Edge for the quality-system archive, and ``avvik`` lists the open findings
for a deviation register's import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ke_rules.report.models import Report

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ke_rules.report.units import SubjectUnits
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["render", "render_pieces", "FORMATS", "MEDIA_TYPES"]

FORMATS: tuple[str, ...] = ("json", "csv", "xlsx", "html", "md", "pdf", "avvik")

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "avvik": "text/csv; charset=utf-8",
}


def render_pieces(report: Report, fmt: str, *, delimiter: str = ",", ruleset: Ruleset | None = None,
                  units: SubjectUnits | None = None,
                  avvik_columns: Sequence[tuple[str, str]] | None = None) -> Iterator[bytes]:
    """:func:`render` as pieces to write in turn, joining to its bytes: the JSON report a batch of
    findings at a time (:meth:`Report.json_chunks`), so a national report is never held whole."""
    if fmt == "json":
        return report.json_chunks()
    return iter([render(report, fmt, delimiter=delimiter, ruleset=ruleset, units=units,
                        avvik_columns=avvik_columns)])


def render(report: Report, fmt: str, *, delimiter: str = ",", ruleset: Ruleset | None = None,
           units: SubjectUnits | None = None, avvik_columns: Sequence[tuple[str, str]] | None = None) -> bytes:
    """The report in ``fmt`` (json, csv, xlsx, html, md, pdf or avvik) as bytes, ready to write to a file.

    ``delimiter`` is the CSV field separator ("," or ";" for Norwegian Excel). ``ruleset``,
    when given, supplies the rules' titles (and each rule's declared severity and basis);
    without it the title columns are left empty, since titles are not part of the JSON.
    ``units`` (:func:`ke_rules.report.units.subject_units`) fills the avvik ``enhet``
    column and ``avvik_columns`` (:func:`~ke_rules.report.render.avvik_render.load_avvik_columns`)
    gives a vendor's column names and order. ``pdf`` needs Chromium, Chrome or Edge
    (:mod:`~ke_rules.report.render.pdf_render`) and raises :class:`~ke_rules.errors.KeRulesError`
    naming what to install when none is found.
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
    if fmt == "pdf":
        from ke_rules.report.render.pdf_render import render_pdf

        return render_pdf(report, ruleset=ruleset)
    if fmt == "avvik":
        from ke_rules.report.render.avvik_render import render_avvik

        return render_avvik(report, ruleset=ruleset, units=units, columns=avvik_columns)
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
