"""Reading snapshots: xlsx, csv folders and json; aliases; row numbers; refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import ke_rules
from ke_rules import InputRefused

from .conftest import write_csv_folder, write_json, write_xlsx

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
    from ke_rules.load import read_snapshot

    path = write_json(tmp_path / "s.json", {"cases": rows})
    frame = read_snapshot(path).tables["cases"].frame
    assert list(zip(frame["case_id"], frame["opened_on"], strict=True)) == expected
    if any("closed_on" in r for r in rows):
        assert frame["closed_on"].tolist() == [None, "2025-01-01"]


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
