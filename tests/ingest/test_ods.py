"""OpenDocument spreadsheets (.ods): read like .xlsx, with the same guards, cells and row numbers.

The files are written by tests/corpus/make_corpus.py's ODS writer (LibreOffice's shape of
content.xml: typed cells, runs of equal cells and rows, a sheet ending in runs of empty
cells to column XFD and row 1048576). The corpus (expected.yaml) holds the end-to-end
outcomes; these tests pin the pieces: the reader, the guard's range arithmetic and
refusals, and that the bytes, not the name, choose the reader.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import ke_rules
from ke_rules import InputRefused
from ke_rules.ingest import zip_guard
from ke_rules.ingest.ods_guard import check_ods
from ke_rules.ingest.read import read_snapshot

from ..conftest import BASE_FINDINGS, make_corpus

M = make_corpus()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _refused(data: bytes, name: str = "t.ods") -> str:
    with pytest.raises(InputRefused) as info:
        check_ods(name, data)
    message = str(info.value)
    assert message.count("\n") == 0 and "(" in message  # one paragraph, bokmål then English
    return message


def _cells(data: bytes) -> dict[str, list[list[object]]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(check_ods("t.ods", data).data))
    return {n: wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names}


# --- the reader


def test_an_ods_reads_the_same_raw_tables_as_the_same_xlsx(tmp_path):
    sheets = M.messy_xlsx_sheets()
    ods = read_snapshot(_write(tmp_path, "s.ods", M.ods_bytes_of(sheets)))
    xlsx = read_snapshot(_write(tmp_path, "s.xlsx", M.xlsx_bytes(sheets)))
    assert ods.tables.keys() == xlsx.tables.keys()
    for name, table in ods.tables.items():
        pd.testing.assert_frame_equal(table.frame, xlsx.tables[name].frame)
        assert list(table.rows) == list(xlsx.tables[name].rows), name
    assert ods.problems == xlsx.problems


def test_base_as_ods_gives_the_five_findings(tmp_path):
    report = ke_rules.check(_write(tmp_path, "s.ods", M.ods_bytes_of(M.base_sheets())), "nasjonal",
                            as_of="2026-11-23")
    assert sorted(f"{f.rule_id}:{f.subject_id}" for f in report.findings) == BASE_FINDINGS


@pytest.mark.parametrize(("value", "read"), [
    ("S-1", "S-1"),
    ("  to  mellomrom ", "  to  mellomrom "),  # runs of spaces are <text:s text:c="n"/>
    ("linje 1\nlinje 2", "linje 1\nlinje 2"),  # one <text:p> per line
    (dt.date(2024, 1, 10), dt.date(2024, 1, 10)),  # office:date-value
    (dt.datetime(2024, 1, 10, 13, 45), dt.datetime(2024, 1, 10, 13, 45)),
    (True, True), (False, False),  # office:boolean-value
    (1112, 1112.0), (2.5, 2.5),  # office:value, as calamine gives an .xlsx number
    (M.F("1+2", 3), 3.0), (M.F('"S-"&1', "S-1", "str"), "S-1"), (M.F("TRUE()", 1, "b"), True),
    (M.F("DATE(2024;1;10)", M.serial(dt.date(2024, 1, 10)), style=M.STYLE_DATE), dt.date(2024, 1, 10)),
    (M.F("NA()", "#N/A", "e"), "#N/A"),  # an error result: its text, not an empty cell
])
def test_typed_cells_are_read_as_calamine_reads_xlsx(value, read):
    rows = _cells(M.ods_bytes_of([M.Sheet("cases", [["case_id", "x"], ["S-1", value]])]))["cases"]
    assert rows[1][1] == read and type(rows[1][1]) is type(read)


def test_row_numbers_count_repeated_and_empty_rows_as_libreoffice_shows_them(tmp_path):
    rows = [["case_id", "opened_on"], ["S-1", "i går"], ["S-1", "i går"], [], [], ["S-2", "i dag"],
            ["S-3", dt.date(2024, 1, 1)]]
    content = M.ods_content([M.Sheet("cases", rows)])
    assert 'table:number-rows-repeated="2"' in content  # S-1's two rows and the two empty rows: runs
    snap = ke_rules.load_snapshot(_write(tmp_path, "s.ods", M.ods_bytes_of([M.Sheet("cases", rows)])))
    assert [(p.row, p.value) for p in snap.problems if p.code.value == "not_a_date"] == \
        [(2, "i går"), (3, "i går"), (6, "i dag")]
    assert snap.counts["cases"].rows == 4  # rows read: the empty ones are not counted


@pytest.mark.parametrize(("name", "data"), [
    ("s.ods", M.ods_bytes_of(M.base_sheets())),
    ("s.xlsx", M.ods_bytes_of(M.base_sheets())),  # an .ods renamed .xlsx: read as .ods, without a word
    ("s.xlsm", M.ods_bytes_of(M.base_sheets())),
    ("s.ods", M.xlsx_bytes(M.base_sheets())),  # an .xlsx named .ods: read as .xlsx
    ("S.ODS", M.ods_bytes_of(M.base_sheets())),
])
def test_the_bytes_choose_the_reader(tmp_path, name, data):
    report = ke_rules.check(_write(tmp_path, name, data), "nasjonal", as_of="2026-11-23")
    assert sorted(f"{f.rule_id}:{f.subject_id}" for f in report.findings) == BASE_FINDINGS
    assert not report.input_problems or all(p.code.value == "absent_table" for p in report.input_problems)


@pytest.mark.parametrize(("name", "data", "fragments"), [
    ("s.ods", b"case_id;x\r\nS-1;2\r\n", ["filen heter .ods", "tekst, kanskje CSV"]),
    ("s.ods", M.zip_bytes([("a.txt", b"x")]), ["filen heter .ods", "et zip-arkiv"]),
    ("s.ods", M.ods_zip(M.ods_parts([M.Sheet("cases", [["case_id"], ["S-1"]])]),
                        mime=b"application/vnd.oasis.opendocument.text"), ["OpenDocument-dokument, ikke et regneark"]),
    ("s.ods", M.ods_bytes_of(M.base_sheets())[:700], [".ods-fil", "avkortet"]),  # broken: named a broken .ods
    ("s.ods", M.xlsx_bytes(M.base_sheets())[:700], [".ods-fil", "avkortet"]),
])
def test_what_is_not_a_spreadsheet_named_ods_is_refused_naming_it(tmp_path, name, data, fragments):
    with pytest.raises(InputRefused) as info:
        ke_rules.load_snapshot(_write(tmp_path, name, data))
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


# --- the guard: zip, bomb, declarations, encryption (the zip part is shared with check_xlsx)


def _lying(data: bytes, member: str, declared: int) -> bytes:
    """``data`` with ``member``'s uncompressed size patched to ``declared`` in both headers."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    struct.pack_into("<I", out, info.header_offset + 22, declared)
    cd = out.find(b"PK\x01\x02")
    while cd >= 0:
        n = struct.unpack_from("<H", out, cd + 28)[0]
        if out[cd + 46:cd + 46 + n] == member.encode():
            struct.pack_into("<I", out, cd + 24, declared)
        cd = out.find(b"PK\x01\x02", cd + 4)
    return bytes(out)


def _padded_content(megabytes: int) -> bytes:
    parts = M.ods_parts([M.Sheet("cases", [["case_id"], ["S-1"]])])
    content = parts[0][1].replace(b"<office:body>", b"<office:body>" + b" " * (megabytes * 1_000_000))
    return M.ods_zip([("content.xml", content), *parts[1:]], level=9)


@pytest.mark.parametrize(("data", "fragments"), [
    (_padded_content(3), ["regnearket pakkes ut til", "decompression bomb"]),  # with the limit lowered below
    (_lying(_padded_content(2), "content.xml", 1000), ["ødelagt", "Bad CRC-32"]),
    (M.ods_bytes_of(M.base_sheets(), prolog=M.LAUGHS), ["content.xml", "DOCTYPE", "OpenDocument-regneark"]),
    (M.ods_zip([(n, b.replace(b"?>\n", b'?>\n<!DOCTYPE x [<!ENTITY a "b">]>', 1) if n == "styles.xml" else b)
                for n, b in M.ods_parts(M.base_sheets())]), ["styles.xml", "DOCTYPE"]),
    (M.encrypted_ods_bytes(), ["passordbeskyttet", "«Lagre med passord»", "Save with password"]),
    (M.ods_zip([(n, b) for n, b in M.ods_parts(M.base_sheets()) if n != "content.xml"]), ["mangler content.xml"]),
    (b"case_id\r\nS-1\r\n", ["ikke et OpenDocument-regneark", "tekst"]),
])
def test_the_guard_refuses_hostile_and_broken_files(monkeypatch, data, fragments):
    monkeypatch.setattr(zip_guard, "RATIO_FLOOR_BYTES", 2_500_000)
    message = _refused(data)
    for fragment in fragments:
        assert fragment in message, message


def test_zip_level_encryption_is_refused():
    data = bytearray(M.ods_bytes_of(M.base_sheets()))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("content.xml")
    struct.pack_into("<H", data, info.header_offset + 6, 1)
    cd = data.find(b"PK\x01\x02")
    while cd >= 0:
        struct.pack_into("<H", data, cd + 8, struct.unpack_from("<H", data, cd + 8)[0] | 1)
        cd = data.find(b"PK\x01\x02", cd + 4)
    assert "zip-arkivet er kryptert" in _refused(bytes(data))


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.99])
def test_a_truncated_ods_is_refused(keep):
    data = M.ods_bytes_of(M.base_sheets())
    assert "avkortet" in _refused(data[: int(len(data) * keep)])


# --- merges


@pytest.mark.parametrize(("merges", "refs"), [
    (["B1:C1"], "B1:C1"),  # columns spanned on a header cell
    (["A1:A2"], "A1:A2"),  # rows spanned from the header down
    (["A1:B1", "D1:E1"], "A1:B1, D1:E1"),
])
def test_a_merged_header_cell_in_a_table_sheet_is_refused(merges, refs):
    rows = [["case_id", None, "opened_on", "x", None], ["S-1", None, None, None, None]]
    message = _refused(M.ods_bytes_of([M.Sheet("cases", rows, merges=merges)]))
    assert "sammenslåtte celler i overskriftsraden" in message and f"({refs})" in message


def test_a_merged_title_in_les_meg_is_not_a_header():
    sheets = [M.Sheet("LES_MEG", [["Les meg", None, None]], merges=["A1:C1"]), *M.base_sheets()]
    assert check_ods("t.ods", M.ods_bytes_of(sheets)).merges == {}


def test_merges_below_the_header_are_given_as_calamine_gives_xlsx_ranges(tmp_path):
    rows = [["case_id", "opened_on", "merknad"], ["S-1", dt.date(2024, 1, 1), "to rader"],
            [None, dt.date(2024, 1, 1), None], ["S-2", dt.date(2024, 1, 1), None], [None, None, None],
            [None, None, None]]
    sheet = M.Sheet("cases", rows, merges=["A2:A3", "C2:C3", "B5:C6"])  # B5:C6: an empty block, nothing filled
    checked = check_ods("t.ods", M.ods_bytes_of([sheet]))
    from python_calamine import CalamineWorkbook

    xlsx = CalamineWorkbook.from_filelike(io.BytesIO(M.xlsx_bytes([sheet]))).get_sheet_by_name("cases")
    assert sorted(checked.merges["cases"]) == sorted(xlsx.merged_cell_ranges)
    ods = read_snapshot(_write(tmp_path, "s.ods", M.ods_bytes_of([sheet])))
    assert list(ods.tables["cases"].frame["case_id"]) == ["S-1", "S-1", "S-2"]
    assert [(p.row, p.column, p.value) for p in ods.problems if p.code.value == "merged_cells"] == \
        [(2, "case_id", "A2:A3"), (2, "merknad", "C2:C3")]


# --- formulas


@pytest.mark.parametrize(("cell", "uncached"), [
    ('<table:table-cell table:formula="of:=1+2"/>', True),  # no type, no result
    ('<table:table-cell table:formula="of:=1+2" office:value-type="float"><text:p>3</text:p></table:table-cell>',
     True),  # a number type without office:value: calamine reads an empty cell
    ('<table:table-cell table:formula="of:=TODAY()" office:value-type="date"/>', True),
    ('<table:table-cell table:formula="of:=1=1" office:value-type="boolean"/>', True),
    ('<table:table-cell table:formula="of:=1+2" office:value-type="float" office:value="3"/>', False),
    ('<table:table-cell table:formula="of:=TODAY()" office:value-type="date" office:date-value="2024-01-01"/>',
     False),
    ('<table:table-cell table:formula="of:=1=1" office:value-type="boolean" office:boolean-value="true"/>', False),
    ('<table:table-cell table:formula="of:=&quot;&quot;" office:value-type="string"><text:p/></table:table-cell>',
     False),  # an empty text result is a result
    ('<table:table-cell table:formula="of:=NA()" office:value-type="string" office:string-value="" '
     'calcext:value-type="error"><text:p>#N/A</text:p></table:table-cell>', False),
])
def test_formulas_without_a_stored_result_are_refused(cell, uncached):
    data = M.ods_bytes_of([M.Sheet("cases", [["case_id", "x"], ["S-1", M.Raw(cell)]])])
    if uncached:
        message = _refused(data)
        assert "arket 'cases' har 1 formel(er) uten lagret resultat (B2)" in message
    else:
        check_ods("t.ods", data)


def test_an_uncached_formula_outside_a_table_sheet_is_not_refused():
    sheets = [*M.base_sheets(), M.Sheet("Lister", [[M.Raw('<table:table-cell table:formula="of:=1+2"/>')]])]
    check_ods("t.ods", M.ods_bytes_of(sheets))


# --- ranges: runs of empty cells cost nothing; a value far away is refused as in an .xlsx


def _run_row(value_xml: str, repeat: int) -> str:
    return f'<table:table-row table:number-rows-repeated="{repeat}">{value_xml}</table:table-row>'


def _with_rows(extra: str) -> bytes:
    """BASE's cases sheet with ``extra`` row elements in place of the sheet's trailing run of empty rows."""
    trailing = (f'<table:table-row table:style-name="ro1" table:number-rows-repeated="{M.ODS_ROWS - 4}">'
                f"{M.ods_cell(None, M.ODS_COLUMNS)}</table:table-row>")
    content = M.ods_content(M.base_sheets()).replace(trailing, extra, 1)
    return M.ods_zip([("content.xml", content.encode()), *M.ods_parts(M.base_sheets())[1:]])


X = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
SPACE = '<table:table-cell office:value-type="string"><text:p><text:s/></text:p></table:table-cell>'


@pytest.mark.parametrize(("extra", "extent"), [
    (_run_row(f'<table:table-cell table:number-columns-repeated="16383"/>{X}', 1), "A1:XFD5"),  # a far column
    (_run_row("<table:table-cell/>", 1_048_570) + _run_row(X, 1), "A1:I1048575"),  # a value far down
    (_run_row(f'<table:table-cell table:number-columns-repeated="99"/>{X}', 1_000_000), "A1:CV1000004"),
    (_run_row(X.replace("<table:table-cell", '<table:table-cell table:number-columns-repeated="30"'), 1_000_000),
     "A1:AD1000004"),
])
def test_the_values_range_is_worked_out_from_the_runs(monkeypatch, extra, extent):
    monkeypatch.setattr("ke_rules.ingest.ods_guard.MAX_CELLS", 1_000)
    message = _refused(_with_rows(extra))
    assert f"arket 'cases' har verdier spredt over {extent}" in message


def test_a_range_of_max_cells_is_read_and_one_more_row_is_refused(monkeypatch):
    monkeypatch.setattr("ke_rules.ingest.ods_guard.MAX_CELLS", 9 * 10)  # BASE's cases sheet is 9 columns wide
    check_ods("t.ods", _with_rows(_run_row(X, 6)))  # rows 1 to 10
    assert "A1:I11 (99 celler)" in _refused(_with_rows(_run_row(X, 7)))


def test_runs_of_empty_rows_and_cells_change_nothing_and_cost_nothing():
    data = M.ods_bytes_of(M.base_sheets())  # every sheet ends in runs to XFD and row 1048576
    checked = check_ods("t.ods", data)
    assert checked.data is data and checked.merges == {}
    assert len(_cells(data)["cases"]) == 4


def test_a_space_typed_far_away_is_dropped_not_allocated(tmp_path):
    sheets = M.base_sheets()
    sheets[0].far = [("Z1048576", " ")]
    data = M.ods_bytes_of(sheets)
    checked = check_ods("t.ods", data)
    assert checked.data != data  # content.xml rewritten without the blank cell
    assert len(_cells(data)["cases"]) == 4
    report = ke_rules.check(_write(tmp_path, "s.ods", data), "nasjonal", as_of="2026-11-23")
    assert sorted(f"{f.rule_id}:{f.subject_id}" for f in report.findings) == BASE_FINDINGS


def test_a_value_far_down_within_the_limit_keeps_its_row_number(tmp_path):
    sheets = [M.Sheet("cases", [["case_id", "opened_on"], ["S-1", dt.date(2024, 1, 1)]],
                      far=[("B150000", "i morgen")])]
    snap = ke_rules.load_snapshot(_write(tmp_path, "s.ods", M.ods_bytes_of(sheets)))
    assert [(p.row, p.column, p.code.value) for p in snap.problems if p.row] == \
        [(150000, "case_id", "required_empty"), (150000, "opened_on", "not_a_date")]
    assert (snap.counts["cases"].rows, snap.counts["cases"].set_aside) == (2, 1)  # read = evaluated + set aside


RUNS = ("<table:table-row table:number-rows-repeated='1048000'><table:table-cell office:value-type='string' "
        "table:number-columns-repeated = '16384'><text:p>x</text:p></table:table-cell></table:table-row >")


@pytest.mark.parametrize(("label", "edit"), [
    ("quotes", lambda c: c),  # single quotes and spaces around "=" (RUNS itself)
    ("tab in a table's start tag", lambda c: c.replace('<table:table table:name="cases"',
                                                       '<table:table\ttable:name="cases"')),
    ("character reference", lambda c: c.replace("'1048000'", "'&#49;048000'")),
    ("space before a row's >", lambda c: c.replace("</table:table-row>", "</table:table-row >")),
])
def test_every_spelling_xml_allows_is_counted_as_calamine_reads_it(label, edit):
    data = _with_rows(RUNS)
    content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml").decode()
    data = M.ods_zip([("content.xml", edit(content).encode()), *M.ods_parts(M.base_sheets())[1:]])
    assert "A1:XFD1048004" in _refused(data), label


def test_a_row_of_many_megabytes_is_scanned_once():
    cell = M.Raw(f'<table:table-cell office:value-type="string"><text:p>{"x" * 40_000_000}</text:p>'
                 "</table:table-cell>")  # 40 chunks of content.xml without a row's tag
    sheets = [*M.base_sheets(), M.Sheet("notater", [["tekst"], [cell]])]
    checked = check_ods("t.ods", M.ods_bytes_of(sheets))
    assert checked.merges == {}
