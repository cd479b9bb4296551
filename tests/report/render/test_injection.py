"""A value typed into a snapshot cannot become a formula (CSV, XLSX), a script (HTML) or markup (Markdown)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from html.parser import HTMLParser

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import ke_rules
from ke_rules.ingest.values import ProblemCode
from ke_rules.report.models import Basis, CoordinatorLoad, InputProblem, Measure, Severity
from ke_rules.report.render import render
from ke_rules.report.render.safe import FORMULA_TRIGGERS, neutralise, xlsx_text

from ...conftest import write_json
from .conftest import csv_rows, md_cells

FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(1)", "\tx", "\rx", "＝1+1"]
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(1)">'
MARKUP = "a|b **bold** _it_ `code` [link](javascript:alert(1)) #x ~s~ $m$ \\"


@pytest.mark.parametrize("text", FORMULAS)
def test_neutralise_prefixes_formula_triggers(text):
    assert neutralise(text) == "'" + text
    assert not xlsx_text(text).startswith(FORMULA_TRIGGERS)


@pytest.mark.parametrize("text", ["", "abc", "S-1", "'=x", " =x", "2026-11-23", "x=1"])
def test_neutralise_leaves_harmless_text_alone(text):
    assert neutralise(text) == text


def test_xlsx_text_escapes_control_characters_and_caps_length():
    assert xlsx_text("a\x00b\x1fc\x1b[2J\x7f\x9b\ufffe") == "a\\x00b\\x1fc\\x1b[2J\\x7f\\x9b\ufffd"
    assert xlsx_text("\x1b=1") == "\\x1b=1"  # shown, and no longer a formula
    assert xlsx_text("\rx\r\ny") == "'\nx\ny"
    assert len(xlsx_text("x" * 40_000)) == 32_767


@pytest.fixture(scope="module")
def evil(demo_nb):
    """The demo report with hostile values in every field a user's file can reach."""
    f0, f1, f2 = demo_nb.findings[:3]
    findings = [
        f0.model_copy(update={"subject_id": FORMULAS[0], "case_id": FORMULAS[1], "message": FORMULAS[2]}),
        f1.model_copy(update={"subject_id": FORMULAS[3], "case_id": FORMULAS[4], "message": SCRIPT + FORMULAS[5]}),
        f2.model_copy(update={"subject_id": SCRIPT, "case_id": IMG, "message": MARKUP,
                              "evidence": {"note": "=1+1", "n": -2},
                              "basis": [Basis(citation="=evil " + SCRIPT, kind="lov", url="javascript:alert(1)"),
                                        Basis(citation="-" + MARKUP, kind="lokal_rutine",
                                              url="https://lovdata.no/a b(c)|d<e>")]}),
        *[f.model_copy(update={"rule_id": "@" + SCRIPT + "|x"}) for f in demo_nb.findings[3:5]],
        *demo_nb.findings[5:],
    ]
    problems = [
        InputProblem(table="cases", row=3, column=FORMULAS[0], value=f, problem=SCRIPT, severity=Severity.error,
                     code=ProblemCode.NOT_A_DATE)
        for f in [*FORMULAS, SCRIPT, IMG, MARKUP]
    ]
    loads = [CoordinatorLoad(coordinator_id=SCRIPT, active_cases=7, limit=5),
             CoordinatorLoad(coordinator_id=FORMULAS[0], active_cases=2, limit=5)]
    measures = [*demo_nb.measures,
                Measure(rule_id="@" + SCRIPT + "|x", population=3, findings=2, compliant=1, rate=0.3333)]
    ruleset = demo_nb.ruleset.model_copy(update={"params": {**demo_nb.ruleset.params, "offset": -2,
                                                            "label": "=cmd|' /C calc'!A0"}})
    return demo_nb.model_copy(update={"findings": findings, "input_problems": problems, "coordinator_load": loads,
                                      "measures": measures, "ruleset": ruleset})


def test_csv_neutralises_every_cell(evil):
    rows = csv_rows(render(evil, "csv"))
    assert len(rows) == len(evil.findings) + 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_TRIGGERS), cell
    assert rows[1][3] == "'" + FORMULAS[0] and rows[1][4] == "'+1" and rows[1][5] == "'-2+3"
    # a tab or CR is shown escaped (and so no longer a formula trigger)
    assert rows[2][3] == "'@SUM(1)" and rows[2][4] == "\\x09x" and rows[2][5] == SCRIPT + "\\x0dx"
    assert rows[3][6] == "'=evil " + SCRIPT + "; -" + MARKUP
    assert json.loads(rows[3][9]) == {"note": "=1+1", "n": -2}
    assert rows[4][1] == "'@" + SCRIPT + "|x"


def _all_cells(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def test_xlsx_has_no_formula_and_no_formula_like_text(evil, ruleset):
    data = render(evil, "xlsx", ruleset=ruleset)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert not re.search(rb"<f[ >]", z.read(name)), name
    strings = []
    for cell in _all_cells(data):
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str):
            assert cell.data_type == "s"
            assert not cell.value.startswith(FORMULA_TRIGGERS), (cell.parent.title, cell.coordinate, cell.value)
            strings.append(cell.value)
    for payload in FORMULAS + ["=cmd|' /C calc'!A0"]:
        assert "'" + payload.replace("\r", "\n") in strings, payload  # a line break is \n in a cell
    # a real negative number stays a number
    summary = openpyxl.load_workbook(io.BytesIO(data))["Sammendrag"]
    offset = next(r[1] for r in summary.iter_rows() if r[0].value == "offset")
    assert offset.value == -2 and offset.data_type == "n"
    # calamine (what ke-rules itself reads xlsx with) sees the same text
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    cells = [c for name in wb.sheet_names for row in wb.get_sheet_by_name(name).to_python() for c in row]
    assert "'" + FORMULAS[0] in cells and not any(isinstance(c, str) and c.startswith("=") for c in cells)


def test_xlsx_links_only_web_urls(evil):
    wb = openpyxl.load_workbook(io.BytesIO(render(evil, "xlsx")))
    targets = [c.hyperlink.target for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.hyperlink]
    assert targets and all(t.startswith("https://") for t in targets)
    assert "https://lovdata.no/a%20b%28c%29%7Cd%3Ce%3E" in targets


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.extend(attrs)


def test_html_escapes_everything(evil, ruleset):
    html = render(evil, "html", ruleset=ruleset).decode("utf-8")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parser = _Tags()
    parser.feed(html)
    allowed = {"html", "head", "meta", "link", "title", "style", "body", "header", "h1", "h2", "h3", "dl", "dt", "dd",
               "time", "span", "main", "section", "div", "table", "thead", "tbody", "tr", "th", "td", "figure",
               "figcaption", "svg", "g", "rect", "line", "text", "p", "nav", "ul", "li", "a", "br", "footer"}
    assert parser.tags <= allowed, parser.tags - allowed
    assert not [a for a, _ in parser.attrs if a.startswith("on")]
    hrefs = [v for a, v in parser.attrs if a == "href"]
    assert all(h == "data:," or h.startswith(("https://", "#")) for h in hrefs), hrefs
    assert "javascript:" not in " ".join(hrefs)
    # the hostile coordinator id is escaped inside the SVG too
    svg = html[html.index('<svg', html.index('id="load"')):]
    assert "&lt;script&gt;" in svg[: svg.index("</svg>")]


def test_md_escapes_table_syntax_and_markup(evil, ruleset):
    text = render(evil, "md", ruleset=ruleset).decode("utf-8")
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;" in text and "a\\|b" in text
    assert "\\*\\*bold\\*\\*" in text and "\\_it\\_" in text and "\\`code\\`" in text
    assert not re.search(r"(?<!\\)\]\(javascript", text)
    assert "](https://lovdata.no/a%20b%28c%29%7Cd%3Ce%3E)" in text
    assert "\r" not in text
    width = None
    for line in text.splitlines():
        if line.startswith("|"):
            n = len(md_cells(line))
            width = n if width is None else width
            assert n == width, line
        else:
            width = None


def test_values_from_a_real_snapshot_are_neutralised(tmp_path, ruleset):
    snap = {
        "cases": [{"case_id": f"S-{i}"} for i in range(6)]
        + [{"case_id": "S-7", "birth_date": '=HYPERLINK("http://x")'}],
        "coordinators": [{"coordinator_id": "=1+2"}, {"coordinator_id": SCRIPT}],
        "assignments": [{"case_id": f"S-{i}", "coordinator_id": "=1+2", "start_date": "2026-11-01"}
                        for i in range(6)],
        "groups": [{"group_id": "+G|1", "case_id": "S-1", "established_on": "2026-01-01"}],
    }
    report = ke_rules.check(write_json(tmp_path / "evil.json", snap), as_of="2026-11-23")
    assert {f.subject_id for f in report.findings} >= {"=1+2", "+G|1"}
    rows = csv_rows(render(report, "csv", delimiter=";"), ";")
    assert {r[3] for r in rows[1:]} >= {"'=1+2", "'+G|1"}
    cells = list(_all_cells(render(report, "xlsx")))
    assert all(c.data_type != "f" for c in cells)
    values = {c.value for c in cells}
    assert {"'=1+2", "'+G|1", "'" + '=HYPERLINK("http://x")'} <= values
    html = render(report, "html").decode("utf-8")
    assert SCRIPT not in html and "&lt;script&gt;" in html
    assert "+G\\|1" in render(report, "md").decode("utf-8")
