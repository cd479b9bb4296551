"""Shared fixtures for the renderer tests: the demo report in both languages, and readers
that take each rendering back apart into (rule_id, subject_id) pairs."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

import ke_rules
from ke_rules.report.models import Report
from ke_rules.rules.ruleset import Ruleset

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "fixtures" / "demo.json"
AS_OF = "2026-11-23"
RULESET = "lund"


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    return ke_rules.load_ruleset(RULESET)


@pytest.fixture(scope="session")
def demo_nb(ruleset: Ruleset) -> Report:
    return ke_rules.check(DEMO, ruleset=ruleset, as_of=AS_OF, lang="nb")


@pytest.fixture(scope="session")
def demo_en(ruleset: Ruleset) -> Report:
    return ke_rules.check(DEMO, ruleset=ruleset, as_of=AS_OF, lang="en")


def json_pairs(report: Report) -> set[tuple[str, str]]:
    return {(f.rule_id, f.subject_id) for f in report.findings}


def csv_rows(data: bytes, delimiter: str = ",") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark expected"
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=delimiter))


def csv_pairs(data: bytes, delimiter: str = ",") -> list[tuple[str, str]]:
    rows = csv_rows(data, delimiter)
    return [(r[1], r[3]) for r in rows[1:]]


def xlsx_findings(data: bytes, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple(r) for r in wb[sheet].iter_rows(min_row=2, values_only=True)]


def xlsx_pairs(data: bytes, sheet: str) -> list[tuple[str, str]]:
    return [(r[1], r[4]) for r in xlsx_findings(data, sheet)]


_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_UNESCAPE = re.compile(r"\\(.)")


def md_cells(line: str) -> list[str]:
    """The cells of a Markdown table row, still escaped."""
    assert line.startswith("|") and line.endswith("|"), line
    return [c.strip() for c in _CELL_SPLIT.split(line)[1:-1]]


def md_pairs(text: str) -> list[tuple[str, str]]:
    """(rule id, subject id) from each row of the tables under the '### RULE – title (n)' headings."""
    pairs: list[tuple[str, str]] = []
    rule = None
    header_seen = 0
    for line in text.splitlines():
        if line.startswith("## "):
            rule = None
        elif line.startswith("### "):
            rule = _UNESCAPE.sub(r"\1", line[4:].split(" ")[0])
            header_seen = 0
        elif rule and line.startswith("|"):
            header_seen += 1
            if header_seen > 2:  # header and delimiter rows first
                subject = md_cells(line)[1]
                pairs.append((rule, _UNESCAPE.sub(r"\1", subject.rsplit(" ", 1)[1])))
    return pairs


class _FindingsTables(HTMLParser):
    """Collects the text of each cell of each row of every <table class="findings">."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, list[str]]] = []
        self._rule: str | None = None
        self._in_body = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("class") == "findings":
            self._rule = a.get("data-rule")
        elif tag == "tbody" and self._rule:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            assert self._rule is not None
            self.rows.append((self._rule, self._row))
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._rule = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_finding_rows(html: str) -> list[tuple[str, list[str]]]:
    parser = _FindingsTables()
    parser.feed(html)
    parser.close()
    return parser.rows


def html_pairs(html: str) -> list[tuple[str, str]]:
    return [(rule, cells[1].rsplit(" ", 1)[1]) for rule, cells in html_finding_rows(html)]
