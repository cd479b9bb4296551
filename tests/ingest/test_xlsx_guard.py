"""The xlsx pre-flight guard: what it refuses, what it rewrites, and that it stays out of the way.

Files are built here from parts (``tests/corpus/make_corpus.py``'s small writer), so each
test states exactly which bytes are hostile. Whatever could take the process down if the
guard failed (a far cell makes calamine abort on a 550 GB allocation) runs in a child
process with a memory limit and a timeout.
"""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

import ke_rules
from ke_rules import InputRefused
from ke_rules.ingest.xlsx_guard import MAX_CELLS, check_xlsx

from ..conftest import BASE_FINDINGS, make_corpus

M = make_corpus()


def _refused(data: bytes, name: str = "t.xlsx") -> str:
    with pytest.raises(InputRefused) as info:
        check_xlsx(name, data)
    return str(info.value)


def _findings(path: Path) -> list[str]:
    report = ke_rules.check(path, "nasjonal", as_of="2026-11-23")
    return sorted(f"{f.rule_id}:{f.subject_id}" for f in report.findings)


def _limit_memory() -> None:  # child processes only: 3 GB of address space
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def _run_child(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limit_memory, env=env)


# --- out of the way


def test_an_ordinary_workbook_is_passed_through_unchanged():
    data = M.xlsx_bytes(M.base_sheets())
    assert check_xlsx("base.xlsx", data) is data


def test_the_demo_workbook_passes_and_its_hash_is_of_the_file_as_given(tmp_path):
    demo = Path(__file__).parents[2] / "fixtures" / "demo.xlsx"
    assert check_xlsx("demo.xlsx", demo.read_bytes()) == demo.read_bytes()


# --- not a workbook


@pytest.mark.parametrize(("data", "fragment"), [
    (b"", "tom"),
    (b"case_id;birth_date\r\nS-1;01.01.2000\r\n", "tekst, kanskje CSV"),
    (b"<html><table><tr><td>x</td></tr></table></html>", "HTML"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    (b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>', "Excel 2003"),
    (b"\x7fELF\x02\x01\x01\0\0\0", "binært"),
    (b' \r\n{"cases": []}', "JSON-tekst; gi filen endelsen .json"),
    (b"\xef\xbb\xbf[{}]", "JSON-tekst"),
])
def test_not_a_zip_says_what_the_file_is(data, fragment):
    assert fragment in _refused(data)


def test_an_old_xls_and_an_encrypted_workbook_are_told_apart():
    assert ".xls" in _refused(M.xls_bytes())
    message = _refused(M.encrypted_xlsx_bytes())
    assert "passordbeskyttet" in message and "gammelt Excel-format" not in message
    assert "OLE2" in _refused(M.cfb_bytes([("WordDocument", b"x")]))


def test_a_zip_that_is_not_a_workbook():
    assert "mangler xl/workbook.xml" in _refused(M.zip_bytes([("a.txt", b"hei")]))


def test_an_ods_renamed_xlsx_is_named_with_what_to_save_it_as():
    message = _refused(M.ods_bytes())
    assert "OpenDocument-regneark (.ods" in message and "gi filen endelsen .ods" in message
    assert "xl/workbook.xml" not in message
    # a writer that compresses the mimetype member: the archive's member list still tells
    parts = zipfile.ZipFile(io.BytesIO(M.ods_bytes()))
    data = M.zip_bytes([(n, parts.read(n)) for n in parts.namelist()])
    assert "OpenDocument-regneark" in _refused(data)


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.99])
def test_a_truncated_workbook_is_refused(keep):
    data = M.xlsx_bytes(M.base_sheets())
    assert "avkortet" in _refused(data[: int(len(data) * keep)])


def test_a_corrupt_member_is_refused():
    data = bytearray(M.xlsx_bytes(M.base_sheets()))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 10: start + 20] = b"\xff" * 10  # inside the deflate stream
    assert "ødelagt" in _refused(bytes(data))


def test_zip_level_encryption_is_refused():
    data = bytearray(M.xlsx_bytes(M.base_sheets()))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    for info in zf.infolist():  # set the "encrypted" flag bit in the local header and the central directory
        struct.pack_into("<H", data, info.header_offset + 6, info.flag_bits | 1)
    cd = data.find(b"PK\x01\x02")
    while cd >= 0:
        struct.pack_into("<H", data, cd + 8, struct.unpack_from("<H", data, cd + 8)[0] | 1)
        cd = data.find(b"PK\x01\x02", cd + 4)
    assert "kryptert" in _refused(bytes(data))


# --- bombs and entities


def test_a_gigabyte_of_zeros_is_refused_before_it_is_expanded(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    M.zeros_bomb(bomb)
    assert bomb.stat().st_size < 2_000_000
    info = zipfile.ZipFile(bomb).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size > 1_000_000_000
    start = time.perf_counter()
    with pytest.raises(InputRefused, match=r"pakkes ut til 1,07\d,\d{3},\d{3} byte"):
        ke_rules.load_snapshot(bomb)
    assert time.perf_counter() - start < 10  # generous: it is refused on the sizes the zip declares


def test_a_member_that_expands_beyond_its_declared_size_fails_its_crc_check():
    message = _refused(M.lying_size_xlsx())
    assert "ødelagt" in message and "CRC" in message


@pytest.mark.parametrize("part", ["sheet", "sst", "styles", "workbook", "rels"])
def test_entity_declarations_are_refused_in_every_part(part):
    if part == "sheet":
        sheets = M.base_sheets()
        sheets[0].prolog = M.LAUGHS
        data = M.xlsx_bytes(sheets)
    elif part == "sst":
        data = M.xlsx_bytes(M.base_sheets(), sst_prolog=M.LAUGHS, sst_entity="&lol9;")
    else:
        member = {"styles": "xl/styles.xml", "workbook": "xl/workbook.xml",
                  "rels": "xl/_rels/workbook.xml.rels"}[part]
        parts = [(n, b.replace(b"?>\n", b"?>\n" + M.LAUGHS.encode(), 1) if n == member else b)
                 for n, b in M.xlsx_parts(M.base_sheets())]
        data = M.zip_bytes(parts)
    assert "DOCTYPE" in _refused(data)


def test_calamine_itself_neither_expands_nor_hangs_on_entities():
    """Why refusing is about the message, not safety: quick-xml does not expand user entities."""
    sheets = M.base_sheets()
    sheets[0].prolog = M.LAUGHS
    sheets[0].rows[1][0] = M.Raw('<c r="{ref}" t="inlineStr"><is><t>&lol9;</t></is></c>')
    wb = CalamineWorkbook.from_filelike(io.BytesIO(M.xlsx_bytes(sheets)))
    start = time.perf_counter()
    with pytest.raises(Exception, match="entity"):
        wb.get_sheet_by_name("cases").to_python()
    assert time.perf_counter() - start < 5


# --- merged headers, formulas, error cells


def test_a_merged_header_names_the_sheet_and_the_range():
    sheets = M.base_sheets(nb=True)
    sheets[5].merges = ["C1:D1", "A5:B5"]
    message = _refused(M.xlsx_bytes(sheets))
    assert "'møter'" in message and "C1:D1" in message and "A5:B5" not in message


def test_merges_outside_the_header_or_outside_the_tables_are_read(tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_bytes(M.xlsx_bytes([M.Sheet("LES_MEG", [["Les meg", None]], merges=["A1:B1"]),
                                   M.Sheet("notater", [["a", None]], merges=["A1:B1"]), *M.base_sheets()]))
    assert _findings(path) == BASE_FINDINGS


def test_a_merged_title_row_says_the_headers_belong_on_row_1():
    sheets = M.base_sheets()
    sheets[0].rows.insert(0, ["Saksliste per 1. november", None, None])
    sheets[0].merges = ["A1:C1"]
    message = _refused(M.xlsx_bytes(sheets))
    assert "A1:C1" in message and "overskriftene må stå på rad 1" in message


def test_a_vertical_merge_into_the_header_is_refused():
    sheets = M.base_sheets()
    sheets[0].merges = ["A1:A2"]
    assert "A1:A2" in _refused(M.xlsx_bytes(sheets))


def test_formulas_without_a_result_are_refused_and_named():
    sheets = M.base_sheets()
    sheets[0].rows[1][2] = M.F("DATE(1980,5,1)", None, style=M.STYLE_DATE)
    sheets[0].rows[2][0] = M.Raw('<c r="{ref}"><f>"S-"&amp;2</f></c>')  # no <v> at all
    message = _refused(M.xlsx_bytes(sheets))
    assert "2 formel(er)" in message and "C2" in message and "A3" in message


def test_formulas_with_results_are_read_as_their_results(tmp_path):
    path = tmp_path / "f.xlsx"
    path.write_bytes(M.xlsx_bytes(M.formula_sheets()))
    snap = ke_rules.load_snapshot(path)
    cases = snap.tables["cases"]
    assert list(cases["case_id"]) == ["S-1", "S-2", "S-3"]
    assert str(cases["birth_date"].iat[0].date()) == "1980-05-01"
    assert cases["municipality"].iat[1] == "1112" and cases["closed_on"].isna().iat[1]
    assert snap.tables["coordinators"]["agreed_max_cases"].iat[1] == 3
    assert _findings(path) == BASE_FINDINGS


def test_what_calamine_gives_for_a_formula_without_a_result():
    """The reason for refusing: the cell (and a row of only such cells) silently vanishes."""
    sheets = [M.Sheet("cases", [["case_id", "x"], ["S-1", 1], [M.F("A2", None), None]])]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(M.xlsx_bytes(sheets))).get_sheet_by_name("cases").to_python()
    assert rows == [["case_id", "x"], ["S-1", 1.0]]


def test_excel_error_cells_become_problems_with_their_text(tmp_path):
    path = tmp_path / "e.xlsx"
    path.write_bytes(M.xlsx_bytes([M.Sheet("cases", [
        ["case_id", "opened_on", "wants_coordinator"], ["S-1", M.F("NA()", "#N/A", "e"), M.F("1/0", "#DIV/0!", "e")],
        ["S-2", M.Raw('<c r="{ref}" t="e"><v>#REF!</v></c>'), True]])]))
    snap = ke_rules.load_snapshot(path)
    got = {(p.row, p.column, p.code.value, p.value) for p in snap.problems if p.table == "cases"}
    assert got == {(2, "opened_on", "excel_error", "#N/A"), (2, "wants_coordinator", "excel_error", "#DIV/0!"),
                   (3, "opened_on", "excel_error", "#REF!")}


# --- the used range


def test_a_dimension_claiming_a_million_rows_costs_nothing(tmp_path):
    data = M.xlsx_bytes(M.base_sheets(dimension="A1:Z1048576"))
    assert check_xlsx("d.xlsx", data) is data  # calamine ignores <dimension>; so does the guard
    path = tmp_path / "d.xlsx"
    path.write_bytes(data)
    assert _findings(path) == BASE_FINDINGS


_LOAD_CHILD = """
    import sys, time, json
    import ke_rules
    start = time.perf_counter()
    try:
        snap = ke_rules.load_snapshot(sys.argv[1])
        out = {"rows": {k: v.rows for k, v in snap.counts.items()}}
    except ke_rules.InputRefused as exc:
        out = {"refused": str(exc)}
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out))
"""


def test_a_blank_cell_a_million_rows_down_is_dropped_not_allocated(tmp_path):
    sheets = M.base_sheets()
    sheets[0].far = [("Z1048576", M.Inline(""))]
    sheets[5].far = [("AB1048000", " ")]  # a blank shared string
    data = M.xlsx_bytes(sheets)
    out = check_xlsx("p.xlsx", data)
    assert out is not data
    wb = CalamineWorkbook.from_filelike(io.BytesIO(out))
    assert wb.get_sheet_by_name("cases").height == 4 and wb.get_sheet_by_name("meetings").height == 2
    path = tmp_path / "p.xlsx"
    path.write_bytes(data)
    result = _run_child(_LOAD_CHILD, str(path))  # in a child: without the guard this takes a gigabyte
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"]["cases"] == 3
    assert _findings(path) == BASE_FINDINGS


@pytest.mark.parametrize("ref", ["XFD1048576", "ZZ1048576", "XFD5000"])
def test_values_spread_over_an_enormous_range_are_refused(tmp_path, ref):
    sheets = M.base_sheets()
    sheets[3].far = [(ref, "glemt")]  # assignments
    path = tmp_path / "far.xlsx"
    path.write_bytes(M.xlsx_bytes(sheets))
    result = _run_child(_LOAD_CHILD, str(path))  # without the guard, calamine aborts the process
    assert result.returncode == 0, result.stderr
    refused = json.loads(result.stdout)["refused"]
    assert "'assignments'" in refused and f"A1:{ref}" in refused


def test_a_far_value_within_the_cell_budget_is_read(tmp_path):
    sheets = M.base_sheets()
    sheets[0].far = [("A200000", "S-9")]  # 200,000 rows x 9 columns < MAX_CELLS
    assert MAX_CELLS > 200_000 * 9
    path = tmp_path / "far.xlsx"
    path.write_bytes(M.xlsx_bytes(sheets))
    snap = ke_rules.load_snapshot(path)
    assert list(snap.tables["cases"]["case_id"]) == ["S-1", "S-2", "S-3", "S-9"]
    assert list(snap.tables["cases"]["_row"]) == [2, 3, 4, 200_000]


def test_a_cell_reference_that_contradicts_its_row_is_still_seen():
    sheets = M.base_sheets()
    sheets[0].rows[2][0] = M.Raw('<c r="XFD1048576" t="inlineStr"><is><t>S-2</t></is></c>')
    assert "A1:XFD1048576" in _refused(M.xlsx_bytes(sheets))


def test_namespace_prefixed_parts_are_checked_too():
    """Some writers prefix every element (<x:row>, <x:c>, <x:f>); the checks still find them."""
    sheets = M.base_sheets()
    sheets[0].rows[1][2] = M.F("DATE(1980,5,1)", None, style=M.STYLE_DATE)
    sheets[0].merges = ["B1:C1"]

    def prefixed(xml: bytes) -> bytes:
        xml = xml.replace(b'<worksheet xmlns="', b'<x:worksheet xmlns:x="').replace(b"</worksheet>", b"</x:worksheet>")
        for tag in (b"dimension", b"sheetData", b"row", b"c", b"v", b"f", b"is", b"t", b"mergeCells", b"mergeCell"):
            xml = xml.replace(b"<" + tag + b" ", b"<x:" + tag + b" ").replace(b"<" + tag + b">", b"<x:" + tag + b">")
            xml = xml.replace(b"</" + tag + b">", b"</x:" + tag + b">")
        return xml

    parts = [(n, prefixed(b) if n.startswith("xl/worksheets/") else b) for n, b in M.xlsx_parts(sheets)]
    assert "B1:C1" in _refused(M.zip_bytes(parts))
    sheets[0].merges = []
    parts = [(n, prefixed(b) if n.startswith("xl/worksheets/") else b) for n, b in M.xlsx_parts(sheets)]
    assert "C2" in _refused(M.zip_bytes(parts))
