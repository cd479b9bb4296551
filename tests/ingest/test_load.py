"""Reading snapshots: xlsx, csv folders and json; aliases; row numbers; refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import ke_rules
from ke_rules import InputRefused

from ..conftest import write_csv_folder, write_json, write_xlsx

CASES = [["sak_id", "Fødselsdato", "Åpnet"], ["S-1", dt.date(2010, 5, 1), "01.02.2024"],
         ["S-2", "2011-06-01", dt.datetime(2024, 1, 2, 12, 0)]]
MEETINGS = [["Møte_ID", "sak_id", "Møtedato", "status", "Type"],
            ["M-1", "S-1", "10.11.2026", "avholdt", "Ansvarsgruppemøte"],
            ["M-2", "S-2", "31.02.2026", "", ""]]


def _problems(snap, severity=None):
    return [(p.table, p.row, p.column, p.code.value) for p in snap.problems
            if severity is None or p.severity.value == severity]


@pytest.mark.parametrize("form", ["xlsx", "csv", "csv;", "csv-cp1252", "json"])
def test_every_form_reads_the_same(tmp_path, form):
    if form == "xlsx":
        path = write_xlsx(tmp_path / "s.xlsx", {"saker": CASES, "møter": MEETINGS})
    elif form == "json":
        def rows(t):
            return [dict(zip(t[0], [v.isoformat() if isinstance(v, dt.date) else v for v in r], strict=True))
                    for r in t[1:]]
        path = write_json(tmp_path / "s.json", {"saker": rows(CASES), "møter": rows(MEETINGS)})
    else:
        def text(t):
            return [[v.strftime("%d.%m.%Y") if isinstance(v, dt.date) else v for v in r] for r in t]
        delimiter = ";" if form in ("csv;", "csv-cp1252") else ","
        encoding = "cp1252" if form == "csv-cp1252" else "utf-8-sig"
        path = write_csv_folder(tmp_path / "s", {"saker": text(CASES), "møter": text(MEETINGS)},
                                delimiter=delimiter, encoding=encoding)
    snap = ke_rules.load_snapshot(path)
    cases = snap.tables["cases"]
    assert list(cases["case_id"]) == ["S-1", "S-2"]
    assert str(cases["birth_date"].iat[0].date()) == "2010-05-01"
    assert str(cases["opened_on"].iat[1].date()) == "2024-01-02"
    meetings = snap.tables["meetings"]
    assert list(meetings["meeting_id"]) == ["M-1"]
    assert meetings["status"].iat[0] == "held" and meetings["kind"].iat[0] == "ansvarsgruppe"
    row = 2 if form == "json" else 3  # json: position in the list; sheets: header is row 1
    assert ("meetings", row, "meeting_date", "impossible_date") in _problems(snap, "error")
    assert snap.counts["meetings"].rows == 2 and snap.counts["meetings"].set_aside == 1


def test_empty_rows_are_skipped_and_not_counted_but_row_numbers_stay_true(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", {"cases": [["case_id", "birth_date"], ["S-1", None],
                                                      [None, None], [None, None], ["", "01.02.2033x"]]})
    snap = ke_rules.load_snapshot(path)
    assert snap.counts["cases"].rows == 2
    assert ("cases", 5, "case_id", "required_empty") in _problems(snap, "error")


def test_unknown_columns_and_sheets_are_notices_and_les_meg_is_silent(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", {"cases": [["case_id", "farge"], ["S-1", "blå"]],
                                            "LES_MEG": [["hei"]], "diverse": [["a"], [1]]})
    snap = ke_rules.load_snapshot(path)
    notices = _problems(snap, "notice")
    assert ("cases", 1, "farge", "unknown_column") in notices
    assert ("diverse", None, None, "unknown_table") in notices
    assert not any(t == "LES_MEG" for t, *_ in notices)


@pytest.mark.parametrize(("tables", "fragment"), [
    ({"meetings": []}, "'cases'"),
    ({"cases": [{"birth_date": "2020-01-01"}]}, "case_id"),
    ({"cases": [{"case_id": "S-1", "sak_id": "S-1"}]}, "betyr det samme"),
    ({"cases": {"case_id": "S-1"}}, "list of row objects"),
    ({"cases": [["S-1"]]}, "not an object"),
    ({"cases": [{"case_id": {"id": 1}}]}, "nested"),
])
def test_refused_inputs(tmp_path, tables, fragment):
    path = write_json(tmp_path / "s.json", tables)
    with pytest.raises(InputRefused, match=fragment):
        ke_rules.load_snapshot(path)


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("s.json", b'{"cases": [{"case_id": "S-1"', "avkortet"),
    ("s.json", b'{"cases": [{"case_id": NaN}]}', "NaN"),
    ("s.json", b"[1, 2]", "JSON-objekt"),
    ("s.json", b"", "tom"),
    ("s.xlsx", b"this is not a workbook", "not a zip"),
    ("s.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    ("s.txt", b"hei", "ukjent filtype"),
])
def test_unreadable_files_are_refused_with_a_message(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputRefused, match=fragment):
        ke_rules.load_snapshot(path)


def test_truncated_xlsx_is_refused(tmp_path):
    good = write_xlsx(tmp_path / "g.xlsx", {"cases": [["case_id"], ["S-1"]]})
    bad = tmp_path / "b.xlsx"
    bad.write_bytes(good.read_bytes()[:300])
    with pytest.raises(InputRefused):
        ke_rules.load_snapshot(bad)


def test_input_hash_of_csv_folder_covers_names_and_bytes(tmp_path):
    a = write_csv_folder(tmp_path / "a", {"cases": [["case_id"], ["S-1"]]})
    b = write_csv_folder(tmp_path / "b", {"cases": [["case_id"], ["S-2"]]})
    assert ke_rules.load_snapshot(a).sha256 != ke_rules.load_snapshot(b).sha256
    c = write_csv_folder(tmp_path / "c", {"cases": [["case_id"], ["S-1"]]})
    assert ke_rules.load_snapshot(a).sha256 == ke_rules.load_snapshot(c).sha256


def test_json_ids_that_look_like_numbers(tmp_path):
    path = write_json(tmp_path / "s.json", {"cases": [{"case_id": 1001}, {"case_id": "007"}]})
    assert list(ke_rules.load_snapshot(path).tables["cases"]["case_id"]) == ["1001", "007"]
    assert json.loads(path.read_text())  # sanity: the file is what we wrote


@pytest.mark.parametrize("rows, expected", [
    # the same keys in another order: values stay with their column
    ([{"case_id": "S-1", "opened_on": "2024-01-01"}, {"opened_on": "2024-02-02", "case_id": "S-2"}],
     [("S-1", "2024-01-01"), ("S-2", "2024-02-02")]),
    # a key missing from a later row (rows of unequal length): the cell is empty
    ([{"case_id": "S-1", "opened_on": "2024-01-01"}, {"case_id": "S-2"}],
     [("S-1", "2024-01-01"), ("S-2", None)]),
    # equal length, different keys: the header is the union, each row's missing cell empty
    ([{"case_id": "S-1", "opened_on": "2024-01-01"}, {"case_id": "S-2", "closed_on": "2025-01-01"}],
     [("S-1", "2024-01-01"), ("S-2", None)]),
    # one column only
    ([{"case_id": "S-1"}, {"case_id": "S-2"}], [("S-1", None), ("S-2", None)]),
])
def test_json_rows_keep_their_values_in_their_columns(tmp_path, rows, expected):
    from ke_rules.ingest.read import read_snapshot

    path = write_json(tmp_path / "s.json", {"cases": rows})
    frame = read_snapshot(path).tables["cases"].frame
    assert list(zip(frame["case_id"], frame["opened_on"], strict=True)) == expected
    if any("closed_on" in r for r in rows):
        assert frame["closed_on"].tolist() == [None, "2025-01-01"]


# --- issue 10: an empty caseload, JSON ids, merged data cells, headers not on row 1, what a file is

def _corpus():
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).parents[1] / "corpus" / "make_corpus.py"
    spec = importlib.util.spec_from_file_location("make_corpus", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_corpus", module)
    spec.loader.exec_module(module)
    return module


M = _corpus()


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("name", "data"), [
    ("s/cases.csv", b""),
    ("s/cases.csv", b"\xef\xbb\xbf"),
    ("s/cases.csv", b"case_id,birth_date\r\n"),
    ("s/cases.csv", b"case_id;birth_date\r\n;\r\n ; \r\n"),  # rows of blank cells are not case rows
    ("s.xlsx", M.xlsx_bytes([M.Sheet("cases", [])])),
    ("s.xlsx", M.xlsx_bytes([M.Sheet("saker", [["sak_id", "åpnet"]]), M.base_sheet("services")])),
    ("s.xlsx", M.xlsx_bytes([M.Sheet("cases", [[None], [" "], [M.Inline("")]])])),
    ("s.json", b'{"cases": [], "services": [{"case_id": "S-1", "service": "BUP", "start_date": "2024-01-01"}]}'),
    ("s.json", b'{"cases": [{"case_id": null}, {"case_id": "  ", "merknad": ""}]}'),
])
def test_a_snapshot_without_case_rows_is_refused(tmp_path, name, data):
    path = _write(tmp_path, name, data)
    with pytest.raises(InputRefused, match=r"tabellen 'cases' \(saker\) har ingen rader.*not a clean bill of health"):
        ke_rules.load_snapshot(path.parent if name.startswith("s/") else path)


def test_case_rows_set_aside_for_bad_values_are_case_rows(tmp_path):
    """Only the raw table is judged: a row set aside later was read, and is reported, not refused."""
    path = write_json(tmp_path / "s.json", {"cases": [{"case_id": "", "birth_date": "2000-01-01"}]})
    snap = ke_rules.load_snapshot(path)
    assert snap.counts["cases"].rows == 1 and snap.counts["cases"].set_aside == 1
    assert ("cases", 1, "case_id", "required_empty") in _problems(snap, "error")


def test_two_cases_lists_of_which_the_last_is_empty_name_the_duplicate_key(tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes(b'{"cases": [{"case_id": "S-1"}], "cases": []}')
    with pytest.raises(InputRefused, match="nøkkelen 'cases' står to ganger"):
        ke_rules.load_snapshot(path)


@pytest.mark.parametrize(("literal", "raw", "case_id"), [
    (b"10000000000000000000001", 10**22 + 1, "10000000000000000000001"),
    (b"18446744073709551616", 2**64, "18446744073709551616"),  # one past orjson's largest exact int
    (b"-9223372036854775809", -(2**63) - 1, "-9223372036854775809"),  # one below its smallest
    (b"1" + b"0" * 5000, "1" + "0" * 5000, "1" + "0" * 5000),  # beyond Python's int conversion: its text
])
def test_json_integers_beyond_64_bits_keep_every_digit(tmp_path, literal, raw, case_id):
    from ke_rules.ingest.read import read_snapshot

    path = tmp_path / "s.json"
    path.write_bytes(b'{"cases": [{"case_id": ' + literal + b'}, {"case_id": ' + literal[:-1] + b'2}]}')
    frame = read_snapshot(path).tables["cases"].frame
    assert frame["case_id"].iat[0] == raw and type(frame["case_id"].iat[0]) is type(raw)
    ids = list(ke_rules.load_snapshot(path).tables["cases"]["case_id"])
    assert ids == [case_id, case_id[:-1] + "2"]  # two ids, not one float
    # among other ids, whole numbers and text
    path.write_bytes(b'{"cases": [{"case_id": 7}, {"case_id": "S-1"}, {"case_id": ' + literal + b'}]}')
    assert list(ke_rules.load_snapshot(path).tables["cases"]["case_id"]) == ["7", "S-1", case_id]
    # an int column gets the number exactly too (the value layer judges its range)
    path.write_bytes(b'{"cases": [{"case_id": "S-1"}], "coordinators": [{"coordinator_id": "K-1", '
                     b'"agreed_max_cases": ' + literal + b'}]}')
    assert read_snapshot(path).tables["coordinators"].frame["agreed_max_cases"].iat[0] == raw


def test_a_lone_surrogate_in_a_json_string_is_handed_on(tmp_path):
    from ke_rules.ingest.read import read_snapshot

    path = tmp_path / "s.json"
    path.write_bytes(b'{"cases": [{"case_id": "S-1", "merknad": "x \\ud83d y 01019012345"}, {"case_id": "S-\\udc00"}]}')
    raw = read_snapshot(path)
    assert raw.tables["cases"].frame["case_id"].tolist() == ["S-1", "S-\udc00"]
    assert raw.identity_number_problems() == []  # the scan reads past the half character


def test_a_lone_surrogate_in_a_key_is_named_with_a_replacement_character(tmp_path):
    """A table or column name is quoted in notices; half a character there would make the report unwritable."""
    path = tmp_path / "s.json"
    path.write_bytes(b'{"cases": [{"case_id": "S-1", "merknad \\ud83d": "x"}], "\\udc00": []}')
    snap = ke_rules.load_snapshot(path)
    assert ("cases", None, "merknad \ufffd", "unknown_column") in _problems(snap)
    assert ("\ufffd", None, None, "unknown_table") in _problems(snap)
    assert all(str(p.table).encode() and str(p.column).encode() for p in snap.problems)


def _merged(tmp_path, rows, merges, table="services"):
    sheets = [M.Sheet(table, rows, merges=merges)]
    if table != "cases":
        sheets.insert(0, M.Sheet("cases", [["case_id"], ["S-1"], ["S-2"]]))
    return _write(tmp_path, "m.xlsx", M.xlsx_bytes(sheets))


SERVICE_HEADER = ["case_id", "service", "category", "start_date"]


@pytest.mark.parametrize(("rows", "merges", "case_ids", "notices"), [
    # a case id merged down over the case's service rows belongs to each row
    ([SERVICE_HEADER, ["S-1", "BUP", "spesialist", "2024-01-01"], [None, "fysioterapi", "helse", "2024-01-01"],
      [None, "avlastning", "omsorg", "2024-01-01"], ["S-2", "BUP", "spesialist", "2024-01-01"]],
     ["A2:A4"], ["S-1", "S-1", "S-1", "S-2"], [(2, "case_id", "A2:A4")]),
    # a horizontal merge: the covered cell takes the value; the notice names the range's first column
    ([SERVICE_HEADER, ["S-1", "BUP", None, "2024-01-01"]], ["B2:C2"], ["S-1"], [(2, "service", "B2:C2")]),
    # a merge reaching far below the data adds no rows
    ([SERVICE_HEADER, ["S-1", "BUP", "spesialist", "2024-01-01"], [None, "BUP", "spesialist", "2024-02-01"]],
     ["A2:A900"], ["S-1", "S-1"], [(2, "case_id", "A2:A900")]),
    # a covered cell holding its own value (not written by Excel) keeps it
    ([SERVICE_HEADER, ["S-1", "BUP", "spesialist", "2024-01-01"], ["S-2", "BUP", "spesialist", "2024-01-01"]],
     ["A2:A3"], ["S-1", "S-2"], [(2, "case_id", "A2:A3")]),
    # two merges, one in a column without a known header
    ([[*SERVICE_HEADER, "merknad"], ["S-1", "BUP", "spesialist", "2024-01-01", "sjekk"],
      [None, "fysioterapi", "helse", "2024-01-01", None]],
     ["A2:A3", "E2:E3"], ["S-1", "S-1"], [(2, "case_id", "A2:A3"), (2, "merknad", "E2:E3")]),
    # an empty merged block (layout) applies nothing and is not reported
    ([[*SERVICE_HEADER, "merknad"], ["S-1", "BUP", "spesialist", "2024-01-01", None],
      ["S-1", "fysioterapi", "helse", "2024-01-01", None]], ["E2:E3"], ["S-1", "S-1"], []),
])
def test_merged_cells_below_the_header_apply_to_every_cell_they_cover(tmp_path, rows, merges, case_ids, notices):
    snap = ke_rules.load_snapshot(_merged(tmp_path, rows, merges))
    assert list(snap.tables["services"]["case_id"]) == case_ids
    got = [(p.row, p.column, p.value) for p in snap.problems if p.code.value == "merged_cells"]
    assert got == notices
    assert all(p.severity.value == "notice" and p.table == "services"
               for p in snap.problems if p.code.value == "merged_cells")


@pytest.mark.parametrize(("rows", "fragments"), [
    ([[], [], [None, "sak_id", "åpnet"], [None, "S-1", "01.01.2024"]],
     ["arket 'saker'", "må stå på rad 1", "rad 1 er tom", "rad 3 (B3: 'sak_id')"]),
    ([["Saksliste per 1.11."], [], ["sak_id", "åpnet"], ["S-1", "01.01.2024"]],
     ["må stå på rad 1", "rad 1 har ingen kjente kolonnenavn", "(A1: 'Saksliste per 1.11.')",
      "rad 3 (A3: 'sak_id')"]),
    ([["Saksliste", None, "utskrift 2026"], ["sak_id", "åpnet", "merknad"], ["S-1", "01.01.2024", None]],
     ["rad 1 har ingen kjente kolonnenavn", "rad 2 (A2: 'sak_id')"]),
    ([[], ["S-1", "01.01.2024"]], ["rad 1 er tom", "rad 2 (A2: 'S-1')"]),  # the header row was deleted
    ([[], [None, "\x1b[31mS-1"]], ["rad 2 (B2: '\\u001b[31mS-1')"]),  # quoted text never carries a control code
])
def test_a_header_that_is_not_on_row_1_is_refused_saying_where_the_text_is(tmp_path, rows, fragments):
    path = _write(tmp_path, "s.xlsx", M.xlsx_bytes([M.Sheet("saker", rows)]))
    with pytest.raises(InputRefused) as info:
        ke_rules.load_snapshot(path)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert "\x1b" not in str(info.value)


@pytest.mark.parametrize("data", [b"Saksliste for 2026\r\nsak_id,fodselsdato\r\nS-1,01.01.2000\r\n",
                                  b"\r\nsak_id,fodselsdato\r\nS-1,01.01.2000\r\n"])
def test_a_csv_file_with_a_title_or_blank_line_first_is_refused_the_same_way(tmp_path, data):
    folder = _write(tmp_path, "s/saker.csv", data).parent
    with pytest.raises(InputRefused, match=r"filen 'saker.csv'.*må stå på rad 1.*rad 2 \(A2: 'sak_id'\)"):
        ke_rules.load_snapshot(folder)


def test_a_first_row_of_unknown_names_without_known_names_below_is_not_a_misplaced_header(tmp_path):
    """Unknown column names with data below stay what they were: notices, or a missing required column."""
    path = _write(tmp_path, "s.xlsx", M.xlsx_bytes([M.Sheet("cases", [["sak", "dato"], ["S-1", "2024-01-01"]])]))
    with pytest.raises(InputRefused, match="påkrevd kolonne mangler: case_id"):
        ke_rules.load_snapshot(path)


def test_a_blank_optional_sheet_is_an_empty_table(tmp_path):
    path = _write(tmp_path, "s.xlsx", M.xlsx_bytes([M.Sheet("cases", [["case_id"], ["S-1"]]),
                                                    M.Sheet("services", [[None, " "], [M.Inline("")]])]))
    snap = ke_rules.load_snapshot(path)
    assert snap.counts["services"].rows == 0 and snap.counts["cases"].rows == 1


XLSX = M.xlsx_bytes(M.base_sheets())
ODS = M.ods_bytes()
CSV = b"case_id;birth_date\r\nS-1;01.01.2000\r\n"
JSON = b'\xef\xbb\xbf\n {"cases": [{"case_id": "S-1"}]}'


@pytest.mark.parametrize(("name", "data", "fragments"), [
    ("s.xlsx", JSON, ["ikke en Excel-arbeidsbok", "JSON-tekst", "gi filen endelsen .json"]),
    ("s.xlsx", CSV, ["tekst, kanskje CSV", "gi filen endelsen .csv"]),
    ("s.json", XLSX, ["filen heter .json", "en Excel-arbeidsbok (.xlsx)", "gi filen endelsen .xlsx"]),
    ("s.json", ODS, ["filen heter .json", "OpenDocument-regneark", "gi filen endelsen .ods"]),
    ("s.ods", JSON, ["filen heter .ods", "JSON-tekst", "gi filen endelsen .json"]),
    ("s.ods", M.zip_bytes([("a.txt", b"x")]), ["filen heter .ods", "et zip-arkiv, ikke et regneark"]),
    ("s.json", CSV, ["filen heter .json", "tekst, kanskje CSV", "gi filen endelsen .csv"]),
    ("s.json", b'"case_id","birth_date"\r\n"S-1","01.01.2000"\r\n', ["filen heter .json", "kanskje CSV"]),
    ("s.json", M.xls_bytes(), ["filen heter .json", "gammel Excel-arbeidsbok (.xls)", "lagre som"]),
    ("s.json", M.encrypted_xlsx_bytes(), ["filen heter .json", "passordbeskyttet", "fjern passordet"]),
    ("s.json", "case_id\r\nS-1\r\n".encode("utf-16"), ["filen heter .json", "UTF-16-tekst"]),
    ("s.json", b"%PDF-1.7\n", ["filen heter .json", "en PDF"]),
    ("s.xls", XLSX, ["filen heter .xls", "en Excel-arbeidsbok (.xlsx)", "gi filen endelsen .xlsx"]),
    ("s.xls", b"<html><table><tr><td>case_id</td></tr></table></html>", ["filen heter .xls", "HTML-side"]),
    ("s.xls", M.xls_bytes(), ["gammelt Excel-format (.xls) leses ikke", "lagre som .xlsx"]),
    ("s.xls", M.encrypted_xlsx_bytes(), ["filen heter .xls", "passordbeskyttet", "fjern passordet"]),
    ("cases.txt", CSV, ["ukjent filtype '.txt'", "tekst, kanskje CSV"]),
    ("s.numbers", XLSX, ["ukjent filtype '.numbers'", "en Excel-arbeidsbok (.xlsx)"]),
])
def test_a_file_is_named_by_what_its_bytes_are(tmp_path, name, data, fragments):
    path = _write(tmp_path, name, data)
    with pytest.raises(InputRefused) as info:
        ke_rules.load_snapshot(path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "(" in message and message.count("\n") == 0  # bokmål, then English in parentheses, one paragraph


@pytest.mark.parametrize(("data", "kind"), [
    (XLSX, "xlsx"), (ODS, "ods"), (M.zip_bytes([("a.txt", b"x")]), "zip"), (M.xls_bytes(), "xls"),
    (M.encrypted_xlsx_bytes(), "encrypted"), (M.cfb_bytes([("WordDocument", b"x")]), "ole2"),
    (JSON, "json"), (b"[1, 2]", "json"), (b"null", "text"), (CSV, "csv"), (b"case_id\r\nS-1\r\n", "text"),
    (b'"case_id";"x"\r\n', "csv"), ("a;b".encode("utf-16"), "utf16"), (b"%PDF-1.4", "pdf"),
    (b"<!DOCTYPE html><html>", "html"), (b"\x7fELF\x02\x01\0\0", "binary"),
])
def test_sniff_tells_the_kind_by_the_bytes(data, kind):
    from ke_rules.ingest.filekind import sniff

    assert sniff(data).key == kind


# --- a csv folder: every .csv entry is read or refused by name, never taken as an absent table (issue 10)


def _folder(tmp_path, **files: bytes):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "cases.csv").write_bytes(b"case_id\r\nS-1\r\n")
    for name, body in files.items():
        (folder / name).write_bytes(body)
    return folder


def test_a_broken_link_is_refused_naming_the_file(tmp_path):
    import os

    folder = _folder(tmp_path)
    os.symlink(tmp_path / "gone.csv", folder / "meetings.csv")
    with pytest.raises(InputRefused, match="meetings.csv: lenken peker på en fil som ikke finnes"):
        ke_rules.load_snapshot(folder)


def test_a_link_to_a_file_is_read(tmp_path):
    import os

    folder = _folder(tmp_path)
    (tmp_path / "m.csv").write_bytes(b"meeting_id,case_id,meeting_date\r\nM-1,S-1,2026-01-01\r\n")
    os.symlink(tmp_path / "m.csv", folder / "meetings.csv")
    assert list(ke_rules.load_snapshot(folder).tables["meetings"]["meeting_id"]) == ["M-1"]


def test_an_entry_that_is_not_a_regular_file_is_refused(tmp_path):
    folder = _folder(tmp_path)
    (folder / "meetings.csv").mkdir()
    with pytest.raises(InputRefused, match="meetings.csv: ikke en vanlig fil"):
        ke_rules.load_snapshot(folder)


@pytest.mark.parametrize(("error", "fragment"), [
    (PermissionError(13, "Permission denied"), "ingen tilgang"),
    (OSError(5, "Input/output error"), "lesefeil"),
])
def test_a_file_that_cannot_be_read_is_refused_naming_it(tmp_path, monkeypatch, error, fragment):
    from pathlib import Path

    folder = _folder(tmp_path, **{"meetings.csv": b"meeting_id\r\n"})
    read_bytes = Path.read_bytes

    def failing(self):
        if self.name == "meetings.csv":
            raise error
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", failing)
    with pytest.raises(InputRefused, match=f"meetings.csv: filen kan ikke leses: {fragment}"):
        ke_rules.load_snapshot(folder)


def test_two_files_of_one_stem_are_refused(tmp_path):
    folder = _folder(tmp_path, **{"cases.CSV": b"case_id\r\nS-2\r\n"})
    with pytest.raises(InputRefused, match="'cases.CSV' og 'cases.csv' er samme tabell"):
        ke_rules.load_snapshot(folder)


def test_office_owner_files_and_macos_forks_are_not_data(tmp_path):
    folder = _folder(tmp_path, **{"~$cases.csv": b"\x0bKari" + b"\0" * 40, "._cases.csv": b"\0\x05\x16\x07" * 8})
    snap = ke_rules.load_snapshot(folder)
    assert list(snap.tables["cases"]["case_id"]) == ["S-1"]


def test_a_single_csv_file_reports_its_stray_bytes(tmp_path):
    path = tmp_path / "saker.csv"
    path.write_bytes("sak_id;åpnet\r\nSø-1;01.01.2024\r\n".encode() + b"S\xf8-2;01.01.2024\r\n")
    snap = ke_rules.load_snapshot(path)
    assert list(snap.tables["cases"]["case_id"]) == ["Sø-1", "Sø-2"]
    assert str(snap.tables["cases"]["opened_on"].iat[1].date()) == "2024-01-01"
    assert [(p.table, p.row, p.column, p.code.value, p.severity.value, p.value) for p in snap.problems
            if p.code.value == "stray_byte"] == [("cases", 3, "case_id", "stray_byte", "warning", "Sø-2")]


# --- a big workbook's sheets read by two threads: exactly what one thread reads


def _snapshot_facts(path, monkeypatch, threaded_from):
    import ke_rules.ingest.read as read_module

    monkeypatch.setattr(read_module, "THREADED_WORKBOOK_FROM", threaded_from)
    snap = ke_rules.load_snapshot(path)
    return ({k: v.to_dict("list") for k, v in snap.tables.items()}, [p.model_dump() for p in snap.problems],
            snap.counts)


@pytest.mark.parametrize("form", ["synthetic", "merged cells"])
def test_a_workbook_read_by_two_threads_is_what_one_thread_reads(tmp_path, monkeypatch, form):
    from ke_rules.tools import synth

    if form == "synthetic":
        path = tmp_path / "s.xlsx"
        synth.write_snapshot(synth.generate(300, seed=5, as_of=dt.date(2026, 11, 23), input_warnings=True), path)
    else:
        path = _merged(tmp_path, [[*SERVICE_HEADER, "merknad"], ["S-1", "BUP", "spesialist", "2024-01-01", "sjekk"],
                                  [None, "fysioterapi", "helse", "2024-01-01", None]], ["A2:A3", "E2:E3"])
    assert _snapshot_facts(path, monkeypatch, 0) == _snapshot_facts(path, monkeypatch, 10**12)


def test_the_first_sheet_that_cannot_be_read_is_named_whichever_thread_fails_first(tmp_path, monkeypatch):
    import time

    import ke_rules.ingest.read as read_module

    path = write_xlsx(tmp_path / "s.xlsx", {"cases": [["case_id"], ["S-1"]], "groups": [["group_id"], ["G-1"]],
                                            "services": [["case_id"], ["S-1"]]})
    real = read_module._read_sheet

    def failing(name, wb, sheet_name, merged):
        if sheet_name == "groups":
            time.sleep(0.3)  # fails last in time, first in the workbook's order after cases
            raise InputRefused(f"{name}: arket '{sheet_name}' kan ikke leses")
        if sheet_name == "services":
            raise InputRefused(f"{name}: arket '{sheet_name}' kan ikke leses")
        return real(name, wb, sheet_name, merged)

    monkeypatch.setattr(read_module, "_read_sheet", failing)
    monkeypatch.setattr(read_module, "THREADED_WORKBOOK_FROM", 0)
    with pytest.raises(InputRefused, match="arket 'groups'"):
        ke_rules.load_snapshot(path)
