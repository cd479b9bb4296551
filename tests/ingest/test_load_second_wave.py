"""Reading the second wave's input: cases.unit, ip_reviews (ip_gjennomganger) and ke_routines (ke_rutiner).

The loader is generic (schema.py declares the tables); these tests hold it to what a KE
relies on for the new sheets: bokmål names and the guideline's headings are read in every
form, a plan review of an unknown case is set aside, a bad yes/no in a checklist item is
a warning that keeps the row, and an unknown task is an error that names the value and
what is allowed.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner

import ke_rules
from ke_rules.cli import main
from ke_rules.ingest.schema import TABLES
from ke_rules.ingest.vocabulary import ENUM_SYNONYMS

from ..conftest import write_csv_folder, write_json, write_xlsx

CHECKLIST = ["goals", "participants", "coordinator", "contributions", "measures", "implementation",
             "period", "consent", "cooperation"]

CASES = [["sak_id", "fødselsdato", "enhet"],
         ["S-1", "01.05.1980", "  Hjemmetjenesten sone nord "],
         ["S-2", "02.06.2012", ""],
         ["S-3", "03.07.1990", "Barn og familie"]]
# bokmål headers: sak_id, gjennomgått, gjennomgått_av and the checklist's aliases
REVIEWS = [["sak_id", "gjennomgått", "gjennomgått_av", "mål", "deltakere", "koordinator", "bidrag", "tiltak",
            "gjennomføring", "planperiode", "samtykke", "samarbeid"],
           ["S-1", "01.03.2026", "KE-leder", "ja", "ja", "ja", "nei", "ja", "ja", "ja", "", "ja"],
           ["S-9", "02.03.2026", "KE-leder", "ja", "ja", "ja", "ja", "ja", "ja", "ja", "ja", "ja"],
           ["S-2", "03.03.2026", "", "kanskje", "ja", "ja", "ja", "ja", "ja", "ja", "ja", "ja"]]
ROUTINES = [["oppgave", "tittel", "eier", "sist_revidert", "i_kvalitetssystemet"],
            ["Motta meldinger", "Mottak av meldinger til KE", "KE-leder", "15.01.2026", "ja"],
            ["Opplæring og veiledning av koordinatorer", "Opplæringsplan", "KE-leder", "01.09.2024", "nei"],
            ["rutiner for individuell plan", "IP-rutine", "", "", "ja"],
            ["kvalitetsrutiner", "Noe annet", "", "01.01.2025", "ja"]]
SHEETS = {"saker": CASES, "ip_gjennomganger": REVIEWS, "ke_rutiner": ROUTINES}


def _write(tmp_path, form: str):
    if form == "xlsx":
        return write_xlsx(tmp_path / "s.xlsx", SHEETS)
    if form == "json":
        return write_json(tmp_path / "s.json",
                          {name: [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
                           for name, rows in SHEETS.items()})
    delimiter, encoding = {"csv": (",", "utf-8"), "csv-cp1252": (";", "cp1252")}[form]
    return write_csv_folder(tmp_path / "s", SHEETS, delimiter=delimiter, encoding=encoding)


def _problems(snap) -> set[tuple]:
    return {(p.table, p.row, p.column, p.code.value, p.severity.value, p.value) for p in snap.problems}


@pytest.fixture(params=["xlsx", "csv", "csv-cp1252", "json"])
def snap(request, tmp_path):
    form = request.param
    return form, ke_rules.load_snapshot(_write(tmp_path, form))


def test_bokmal_sheets_columns_and_task_headings_read_alike_in_every_form(snap):
    _, s = snap
    routines = s.table("ke_routines")
    assert list(routines["task"]) == ["meldinger", "opplaering", "rutiner_ip"]
    assert list(routines["title"]) == ["Mottak av meldinger til KE", "Opplæringsplan", "IP-rutine"]
    assert [d.date() if pd.notna(d) else None for d in routines["last_revised_on"]] == [
        dt.date(2026, 1, 15), dt.date(2024, 9, 1), None]
    assert list(routines["in_quality_system"]) == [True, False, True]
    reviews = s.table("ip_reviews")
    assert list(reviews.columns[:len(TABLES["ip_reviews"].columns)]) == TABLES["ip_reviews"].column_names
    assert list(reviews["case_id"]) == ["S-1", "S-2"]


def test_cases_unit_is_read_under_its_alias_and_trimmed(snap):
    _, s = snap
    units = s.table("cases").set_index("case_id")["unit"]
    assert units["S-1"] == "Hjemmetjenesten sone nord"
    assert pd.isna(units["S-2"])  # an empty cell is empty, not ""
    assert units["S-3"] == "Barn og familie"


def test_a_review_of_an_unknown_case_is_set_aside(snap):
    form, s = snap
    row = 2 if form == "json" else 3  # json: position in the list; sheets: header is row 1
    assert ("ip_reviews", row, "case_id", "unknown_case", "error", "S-9") in _problems(s)
    assert s.counts["ip_reviews"].rows == 3 and s.counts["ip_reviews"].set_aside == 1


def test_a_bad_yes_no_in_a_checklist_item_is_a_warning_and_the_review_is_kept(snap):
    form, s = snap
    row = 3 if form == "json" else 4
    assert ("ip_reviews", row, "goals", "not_a_bool", "warning", "kanskje") in _problems(s)
    kept = s.table("ip_reviews").set_index("case_id")
    assert pd.isna(kept.loc["S-2", "goals"]) and kept.loc["S-2", "participants"] == True  # noqa: E712
    # an empty item stays empty (the rule counts it as missing), a "nei" is False
    assert pd.isna(kept.loc["S-1", "consent"]) and kept.loc["S-1", "contributions"] == False  # noqa: E712


def test_an_unknown_task_is_an_error_naming_the_value_and_the_allowed_tasks(snap):
    form, s = snap
    row = 4 if form == "json" else 5
    problem = next(p for p in s.problems if p.table == "ke_routines")
    assert (problem.row, problem.column, problem.code.value, problem.severity.value, problem.value) == (
        row, "task", "not_in_list", "error", "kvalitetsrutiner")
    allowed = set(ENUM_SYNONYMS["ke_task"].values())
    assert all(task in problem.text("nb") for task in allowed) and len(allowed) == 12
    assert s.counts["ke_routines"] == type(s.counts["ke_routines"])(rows=4, set_aside=1)


@pytest.mark.parametrize("written, task", [
    ("meldinger", "meldinger"),
    ("MELDINGER", "meldinger"),
    (" Motta meldinger ", "meldinger"),
    ("Motta meldinger om behov for individuell plan og koordinator", "meldinger"),
    ("Opplæring og veiledning av koordinatorer", "opplaering"),
    ("opplaering og veiledning av koordinatorer", "opplaering"),
    ("Bidra til samarbeid på tvers av fagområder, nivåer og sektorer", "samarbeid"),
    ("Utarbeide rutiner for arbeidet med individuell plan og koordinator", "rutiner_ip"),
    ("Oppnevning av koordinator", "oppnevning"),
    ("Ivareta familieperspektivet", "familieperspektiv"),
    ("Motta interne meldinger", "interne_meldinger"),
    ("interne meldinger", "interne_meldinger"),
])
def test_task_synonyms(tmp_path, written, task):
    path = write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1"}],
                                            "ke_rutiner": [{"oppgave": written}]})
    s = ke_rules.load_snapshot(path)
    assert list(s.table("ke_routines")["task"]) == [task] and not [p for p in s.problems
                                                                   if p.table == "ke_routines"]


@pytest.mark.parametrize("written", ["meldinger om IP", "motta", "veiledning", "12.3", "rutine for IP"])
def test_near_misses_are_not_guessed(tmp_path, written):
    """A word that is not a documented synonym is an error, not a guess at the nearest task."""
    path = write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1"}], "ke_rutiner": [{"oppgave": written}]})
    s = ke_rules.load_snapshot(path)
    assert s.table("ke_routines").empty
    assert [(p.code.value, p.severity.value, p.value) for p in s.problems if p.table == "ke_routines"] == [
        ("not_in_list", "error", written)]


@pytest.mark.parametrize("table, row, column, code", [
    ("ip_reviews", {"sak_id": "S-1", "gjennomgått": ""}, "reviewed_on", "required_empty"),
    ("ip_reviews", {"sak_id": "S-1", "gjennomgått": "31.02.2026"}, "reviewed_on", "impossible_date"),
    ("ip_reviews", {"sak_id": "", "gjennomgått": "01.03.2026"}, "case_id", "required_empty"),
    ("ke_routines", {"oppgave": ""}, "task", "required_empty"),
])
def test_required_values_set_the_row_aside(tmp_path, table, row, column, code):
    sheet = {"ip_reviews": "ip_gjennomganger", "ke_routines": "ke_rutiner"}[table]
    if table == "ke_routines":
        row = {**row, "sist_revidert": "01.01.2026"}
    s = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1"}], sheet: [row]}))
    assert [(p.table, p.row, p.column, p.code.value, p.severity.value) for p in s.problems
            if p.table == table] == [(table, 1, column, code, "error")]
    assert s.counts[table].rows == 1 and s.counts[table].set_aside == 1


@pytest.mark.parametrize("column, value, code", [
    ("sist_revidert", "01.01.26", "ambiguous_date"),
    ("sist_revidert", "2025/01/01", "ambiguous_date"),
    ("sist_revidert", "46000", "number_not_date"),
    ("i_kvalitetssystemet", "kanskje", "not_a_bool"),
    ("i_kvalitetssystemet", "2", "not_a_bool"),
])
def test_bad_optional_routine_values_are_warnings_and_taken_as_empty(tmp_path, column, value, code):
    row = {"oppgave": "meldinger", "sist_revidert": "01.01.2026", "i_kvalitetssystemet": "ja", column: value}
    s = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1"}], "ke_rutiner": [row]}))
    assert [(p.column, p.code.value, p.severity.value, p.value) for p in s.problems if p.table == "ke_routines"] == [
        ({"sist_revidert": "last_revised_on", "i_kvalitetssystemet": "in_quality_system"}[column], code,
         "warning", value)]
    kept = s.table("ke_routines")
    canonical = {"sist_revidert": "last_revised_on", "i_kvalitetssystemet": "in_quality_system"}[column]
    assert len(kept) == 1 and pd.isna(kept[canonical].iat[0])


def test_a_routines_sheet_without_its_task_column_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", {"saker": [["sak_id"], ["S-1"]],
                                            "ke_rutiner": [["tittel", "sist_revidert"], ["IP-rutine", "01.01.2026"]]})
    result = CliRunner().invoke(main, ["check", str(path), "--as-of", "2026-11-23"])
    assert result.exit_code == 2 and "task" in result.stderr and "Traceback" not in result.stderr


def test_the_report_counts_the_new_tables(tmp_path):
    """input.tables lists every snapshot table, the new ones too, with rows and set_aside."""
    path = _write(tmp_path, "json")
    result = CliRunner().invoke(main, ["check", str(path), "--as-of", "2026-11-23"])
    report = json.loads(result.stdout)
    assert report["input"]["tables"]["ip_reviews"] == {"rows": 3, "set_aside": 1}
    assert report["input"]["tables"]["ke_routines"] == {"rows": 4, "set_aside": 1}
    assert set(report["input"]["tables"]) == set(TABLES)
