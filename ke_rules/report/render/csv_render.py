"""CSV: one row per finding, for a spreadsheet or a quick filter.

UTF-8 with a byte-order mark so Excel reads æøå right, ``\\r\\n`` line ends as RFC 4180
asks, and a choice of delimiter because Norwegian Excel expects ``;``. Headers and the
severity, subject-type and status words follow the report's language (this file is for
people; programs read the JSON). Every text cell passes :func:`safe.neutralise`, and
shows control characters as ``\\x1b`` (a line break inside a cell is kept: it is
quoted, and CSV allows it); the evidence is JSON text, where they are escaped already.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from ke_rules.privacy.controls import escape_controls, has_controls
from ke_rules.report.models import Report
from ke_rules.report.render.common import (
    basis_text,
    basis_url,
    evidence_json,
    fmt_date,
    severity_label,
    status_label,
    subject_label,
)
from ke_rules.report.render.labels import labels
from ke_rules.report.render.safe import neutralise

if TYPE_CHECKING:
    from ke_rules.rules.ruleset import Ruleset

__all__ = ["render_csv", "CSV_COLUMNS"]

CSV_COLUMNS = ("severity", "rule_id", "subject_type", "subject_id", "case_id", "message", "basis", "basis_url",
               "status", "evidence", "waiver_reason", "waiver_decided_by", "waiver_expires_on")


def render_csv(report: Report, *, delimiter: str = ",", ruleset: Ruleset | None = None) -> bytes:
    """The findings as CSV bytes (UTF-8 with BOM); ``ruleset`` is accepted for symmetry and not needed."""
    if len(delimiter) != 1 or delimiter in "\"'\r\n" or delimiter.isalnum():
        raise ValueError(f"delimiter must be one character such as ',' or ';', got {delimiter!r}")
    lang = report.lang
    t = labels(lang)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([t[c] for c in CSV_COLUMNS])
    for f in report.findings:
        row = [
            severity_label(f.severity, lang),
            f.rule_id,
            subject_label(f.subject_type, lang),
            f.subject_id,
            f.case_id or "",
            f.message,
            basis_text(f.basis),
            basis_url(f.basis) or "",
            status_label(f.status, lang),
            evidence_json(f.evidence),
            f.waiver.reason if f.waiver else "",
            f.waiver.decided_by if f.waiver else "",
            fmt_date(f.waiver.expires_on, lang) if f.waiver else "",
        ]
        if has_controls("".join(row), keep="\n"):  # rare: one scan of the row, then the cells
            row = [escape_controls(v, keep="\n") for v in row]
        writer.writerow([neutralise(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")
