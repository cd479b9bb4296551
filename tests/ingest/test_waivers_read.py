"""Reading waivers (unntak): from a --waivers file and from the snapshot itself, with the snapshot's readers."""

from __future__ import annotations

import pytest

import ke_rules
from ke_rules.errors import InputRefused
from ke_rules.ingest.waivers import check_waivers, read_waivers_file

from ..conftest import write_csv_folder, write_xlsx

HEADER = ["rule_id", "subject_id", "reason", "decided_by", "decided_on", "expires_on"]
ROW = ["KE-CHILD-RELATIVE", "007", "venter", "KE-leder", "01.11.2026", "2026-12-31"]
CASES = [["case_id"], ["S-1"]]


def rows(src):
    valid, problems = check_waivers(src)
    return [(w.row, w.rule_id, w.subject_id, w.decided_on.isoformat(), w.expires_on.isoformat()) for w in valid], problems


@pytest.mark.parametrize("sheet", ["unntak", "waivers", "Unntak", "mine unntak 2026"])
def test_an_xlsx_file_reads_the_waivers_sheet_or_its_only_sheet(tmp_path, sheet):
    path = write_xlsx(tmp_path / "w.xlsx", {sheet: [HEADER, [], ROW]})
    got, problems = rows(read_waivers_file(path))
    assert got == [(3, "KE-CHILD-RELATIVE", "007", "2026-11-01", "2026-12-31")]  # the spreadsheet row
    assert problems == []


def test_an_xlsx_file_with_several_sheets_needs_one_named_unntak(tmp_path):
    path = write_xlsx(tmp_path / "w.xlsx", {"a": [HEADER, ROW], "b": [HEADER, ROW]})
    with pytest.raises(InputRefused, match="unntak"):
        read_waivers_file(path)


def test_a_number_cell_is_read_as_its_text(tmp_path):
    path = write_xlsx(tmp_path / "w.xlsx", {"unntak": [HEADER, ["KE-CHILD-RELATIVE", 1001, "r", "d", "01.11.2026",
                                                                "31.12.2026"]]})
    assert rows(read_waivers_file(path))[0][0][2] == "1001"


@pytest.mark.parametrize("sep", [",", ";"])
def test_a_csv_file_of_any_name_in_either_separator(tmp_path, sep):
    path = tmp_path / "godkjente-avvik.csv"
    path.write_text("\r\n".join(sep.join(r) for r in (["regel_id", "subject_id", "begrunnelse", "besluttet_av",
                                                         "besluttet", "utløper"], ROW)), encoding="cp1252")
    got, _ = rows(read_waivers_file(path))
    assert got == [(2, "KE-CHILD-RELATIVE", "007", "2026-11-01", "2026-12-31")]


def test_unknown_columns_are_notices_of_the_waivers_with_their_source(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("- {rule_id: KE-X, subject_id: S-1, reason: r, decided_by: d, decided_on: 2026-11-01, "
                    "expires_on: 2026-12-01, merknad: x}\n", encoding="utf-8")
    _, problems = rows(read_waivers_file(path))
    assert [(p.table, p.column, p.code.value, p.source) for p in problems] == [
        ("waivers", "merknad", "unknown_column", "file")]


@pytest.mark.parametrize("form", ["csv", "xlsx", "json"])
def test_the_snapshot_s_own_waivers_are_no_table(tmp_path, form):
    tables = {"saker": CASES, "unntak": [HEADER, ROW]}
    if form == "csv":
        path = write_csv_folder(tmp_path / "snap", tables)
    elif form == "xlsx":
        path = write_xlsx(tmp_path / "s.xlsx", tables)
    else:
        from ..conftest import write_json

        path = write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1"}],
                                                "waivers": [dict(zip(HEADER, ROW, strict=True))]})
    snapshot = ke_rules.load_snapshot(path)
    assert "waivers" not in snapshot.counts and "waivers" not in snapshot.tables
    assert not [p for p in snapshot.problems if p.table in ("waivers", "unntak")]
    assert snapshot.waivers is not None and snapshot.waivers.source == "snapshot"
    got, _ = rows(snapshot.waivers)
    assert got == [(1 if form == "json" else 2, "KE-CHILD-RELATIVE", "007", "2026-11-01", "2026-12-31")]


def test_waivers_given_twice_in_a_snapshot_are_refused(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", {"saker": CASES, "unntak": [HEADER, ROW], "waivers": [HEADER, ROW]})
    with pytest.raises(InputRefused, match="to ganger"):
        ke_rules.load_snapshot(path)


def test_a_snapshot_waivers_sheet_lacking_a_column_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", {"saker": CASES, "unntak": [HEADER[:-1], ROW[:-1]]})
    with pytest.raises(InputRefused, match="expires_on"):
        ke_rules.load_snapshot(path)
