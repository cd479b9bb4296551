"""The input template: generated from the contract, checks clean once a case is in, and reads back what is filled in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import ke_rules
from ke_rules.cli import main
from ke_rules.ingest import template as tpl
from ke_rules.ingest.read import IGNORED_SHEETS
from ke_rules.ingest.schema import TABLES
from ke_rules.ingest.vocabulary import BOOL_WORDS, ENUM_SYNONYMS, KE_TASK_LABELS, normalise_name


@pytest.fixture(scope="module", params=["nb", "en"])
def made(request, tmp_path_factory) -> tuple[str, Path]:
    path = tmp_path_factory.mktemp(f"tpl-{request.param}") / "mal.xlsx"
    return request.param, tpl.write_template(path, lang=request.param)


def _validations(ws) -> dict[str, object]:
    """First cell of each validated range (e.g. 'C2') -> its DataValidation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0]] = dv
    return out


def _list_values(wb, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, ref = formula.lstrip("=").split("!")
    return [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]


def _check(path: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", str(path), "--as-of", "2026-11-23", *extra])
    return result.exit_code, json.loads(result.stdout)


def _with_one_case(path: Path, out: Path) -> Path:
    """The template with one case filled in (``S-1``), saved as ``out``."""
    wb = openpyxl.load_workbook(path)
    wb["cases"].cell(row=2, column=1, value="S-1")
    wb.save(out)
    return out


def test_untouched_template_is_refused_as_an_empty_case_list(made):
    """No case rows is not a clean bill of health: the untouched template says so instead of 'no findings'."""
    _, path = made
    result = CliRunner().invoke(main, ["check", str(path), "--as-of", "2026-11-23"])
    assert result.exit_code == 2 and not result.stdout.strip()
    assert "tabellen 'cases' (saker) har ingen rader" in result.stderr
    assert "Traceback" not in result.stderr


def test_template_with_one_case_checks_clean(made, tmp_path):
    _, path = made
    code, report = _check(_with_one_case(path, tmp_path / "en_sak.xlsx"))
    assert code == 0
    assert report["findings"] == [] and report["input_problems"] == []
    assert set(report["input"]["tables"]) == set(TABLES)
    assert report["input"]["tables"]["cases"] == {"rows": 1, "set_aside": 0}


def test_sheets_and_headers_are_the_contract(made):
    lang, path = made
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == tpl.HELP_SHEET[lang]
    assert wb.sheetnames[1:] == [*TABLES, tpl.WAIVERS_SHEET, tpl.LISTS_SHEET]  # the hidden lists last
    assert wb[tpl.LISTS_SHEET].sheet_state == "hidden"
    for name, table in TABLES.items():
        ws = wb[name]
        assert [c.value for c in ws[1]] == table.column_names
        assert all(c.font.b for c in ws[1])
        assert ws.freeze_panes == "A2"


def test_every_choice_column_has_exactly_its_canonical_values(made):
    lang, path = made
    wb = openpyxl.load_workbook(path)
    for name, table in TABLES.items():
        ws = wb[name]
        dvs = _validations(ws)
        for idx, column in enumerate(table.columns, start=1):
            letter = openpyxl.utils.get_column_letter(idx)
            dv = dvs.get(f"{letter}2")
            if column.kind == "enum":
                canonical = list(dict.fromkeys(ENUM_SYNONYMS[column.enum].values()))
                assert dv is not None and dv.type == "list", (name, column.name)
                assert _list_values(wb, dv.formula1) == canonical
            elif column.kind == "bool":
                assert dv is not None and dv.type == "list", (name, column.name)
                values = _list_values(wb, dv.formula1)
                assert values == (["ja", "nei"] if lang == "nb" else ["yes", "no"])
                assert [BOOL_WORDS[v] for v in values] == [True, False]  # the loader reads them
            elif column.kind == "date":
                assert dv is not None and dv.type == "date"
                assert ws.column_dimensions[letter].number_format == "DD.MM.YYYY"
            elif column.kind in ("id", "text"):
                assert dv is None
                assert ws.column_dimensions[letter].number_format == "@"  # keeps 0301 and 007
            if dv is not None:
                assert str(dv.sqref) == f"{letter}2:{letter}{tpl.TEMPLATE_ROWS}"
                assert dv.allow_blank


def test_help_sheet_explains_every_column(made):
    lang, path = made
    ws = openpyxl.load_workbook(path)[tpl.HELP_SHEET[lang]]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    yes, no = ("ja", "nei") if lang == "nb" else ("yes", "no")
    for name, table in TABLES.items():
        start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith(f"{name} ("))
        described = {r[0]: r for r in rows[start + 2:start + 2 + len(table.columns)]}
        assert list(described) == table.column_names
        for column in table.columns:
            row = described[column.name]
            assert row[1] == (yes if column.required else no)
            assert row[4], (name, column.name)  # a meaning
            if column.kind == "enum":
                assert all(v in row[3] for v in dict.fromkeys(ENUM_SYNONYMS[column.enum].values()))


def _help_rows(path: Path, lang: str) -> list[list[object]]:
    return [[c.value for c in r] for r in openpyxl.load_workbook(path)[tpl.HELP_SHEET[lang]].iter_rows()]


def test_help_sheet_names_every_ke_task_by_its_guideline_heading(made):
    """The task cell reads as the guideline does, not as folded lookup keys (pa_tvers, nivaer)."""
    lang, path = made
    rows = _help_rows(path, lang)
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("ke_routines ("))
    task = next(r for r in rows[start:] if r[0] == "task")
    lines = task[3].split("\n")
    label = 0 if lang == "nb" else 1
    assert lines[:12] == [f"{key} — {labels[label]}" for key, labels in KE_TASK_LABELS.items()]
    assert "motta meldinger" in lines[12] and "_" not in lines[12]
    assert "pa_tvers" not in task[3] and "opplaering_og" not in task[3]


def test_ke_task_headings_are_read_as_their_task():
    """A user who types the heading shown in the template gets the task it stands beside."""
    assert list(KE_TASK_LABELS) == list(dict.fromkeys(ENUM_SYNONYMS["ke_task"].values()))
    for key, (nb, _) in KE_TASK_LABELS.items():
        assert ENUM_SYNONYMS["ke_task"][normalise_name(nb)] == key


@pytest.mark.parametrize("table, says", [
    ("ip_reviews", {"nb": "et tomt punkt regnes som manglende", "en": "an empty item counts as missing"}),
    ("ke_routines", {"nb": "gjelder den sist reviderte", "en": "the latest revised applies"}),
])
def test_help_sheet_explains_how_the_new_sheets_are_filled(made, table, says):
    """The note follows the table's column rows, so the column list itself stays as the contract's."""
    lang, path = made
    rows = _help_rows(path, lang)
    start = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith(f"{table} ("))
    note = rows[start + 2 + len(TABLES[table].columns)][0]
    assert says[lang] in note


def test_english_texts_cover_the_contract():
    assert set(tpl.EN_TABLE_TEXT) == set(TABLES)
    assert set(tpl.EN_COLUMN_TEXT) == {(t.name, c.name) for t in TABLES.values() for c in t.columns}
    assert set(tpl.TABLE_NOTES["nb"]) == set(tpl.TABLE_NOTES["en"])
    assert all(c.nb for t in TABLES.values() for c in t.columns)


def test_loader_skips_the_template_sheets():
    for name in [*tpl.HELP_SHEET.values(), tpl.LISTS_SHEET]:
        assert normalise_name(name) in IGNORED_SHEETS


def test_long_lists_go_through_the_hidden_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(tpl, "INLINE_LIST_LIMIT", 10)  # every list is now "too long" for an inline formula
    path = tpl.write_template(tmp_path / "mal.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-1] == tpl.LISTS_SHEET and wb[tpl.LISTS_SHEET].sheet_state == "hidden"
    dv = _validations(wb["meetings"])["E2"]  # status
    assert dv.formula1.startswith(f"{tpl.LISTS_SHEET}!$")
    assert _list_values(wb, dv.formula1) == ["held", "planned", "cancelled"]
    yes_no = {_validations(wb["cases"])[c].formula1 for c in ("F2", "G2", "L2")}
    assert len(yes_no) == 1  # one list column per distinct list
    code, report = _check(_with_one_case(path, tmp_path / "en_sak.xlsx"))
    assert code == 0 and report["findings"] == [] and report["input_problems"] == []


def test_real_excel_limit_is_respected():
    assert tpl.INLINE_LIST_LIMIT == 255


def test_filled_template_round_trips(tmp_path):
    path = tpl.write_template(tmp_path / "uttrekk.xlsx")
    wb = openpyxl.load_workbook(path)
    d = dt.date
    rows = {
        "cases": [["S-1", "0301", d(2015, 4, 2), d(2025, 1, 10), None, "ja", "ja", d(2025, 2, 1), None,
                   d(2026, 2, 1), d(2025, 3, 1), "nei", "  Hjemmetjenesten sone nord "],
                  ["007", "1112", "02.04.1980", "2025-01-10", None, "nei", None, None, None, None, None, None,
                   None]],
        "services": [["S-1", "hjemmesykepleie", "helse", "Hjemmetjenesten", d(2025, 1, 1), None],
                     ["S-1", "BUP", None, None, d(2025, 1, 1), None]],
        "coordinators": [["K-1", "Kari Nordmann", "Helsestasjon", d(2024, 9, 1), 6]],
        "assignments": [["S-1", "K-1", "barnekoordinator", d(2025, 2, 1), None]],
        "groups": [["G-1", "S-1", d(2025, 2, 1), None]],
        "meetings": [["M-1", "S-1", "ansvarsgruppe", d(2026, 6, 1), "held", d(2026, 5, 10), "ja", "ja", "ja",
                      "ja", d(2026, 6, 3), d(2026, 12, 1)]],
        "consents": [["S-1", "alle", d(2025, 1, 15), None, "skriftlig"]],
        "relatives": [["S-1", "sosken", d(2012, 5, 5)]],
        "referrals": [["S-1", d(2025, 1, 5), "fastlege"]],
        "ke_meetings": [[d(2026, 10, 5)]],
        "ip_reviews": [["S-1", d(2026, 3, 1), "KE-leder", "ja", "ja", "ja", "nei", "ja", "ja", "ja", None, "ja"]],
        "ke_routines": [["Opplæring og veiledning av koordinatorer", "Opplæringsplan", "KE-leder", d(2025, 9, 1),
                         "ja"],
                        ["meldinger", "Mottak av meldinger", None, "01.02.2024", "nei"]],
    }
    for name, body in rows.items():
        for r, values in enumerate(body, start=2):
            for c, value in enumerate(values, start=1):
                wb[name].cell(row=r, column=c, value=value)
    wb.save(path)
    snapshot = ke_rules.load_snapshot(path)
    assert snapshot.problems == []
    assert {name: snapshot.counts[name].rows for name in TABLES} == {name: len(b) for name, b in rows.items()}
    cases = snapshot.table("cases").set_index("case_id")
    assert list(cases.index) == ["S-1", "007"] and cases.loc["S-1", "municipality"] == "0301"
    assert cases.loc["007", "birth_date"].date() == dt.date(1980, 4, 2)
    assert cases.loc["S-1", "birth_date"].date() == dt.date(2015, 4, 2)
    assert cases.loc["S-1", "unit"] == "Hjemmetjenesten sone nord" and pd.isna(cases.loc["007", "unit"])
    meeting = snapshot.table("meetings").iloc[0]
    assert meeting["kind"] == "ansvarsgruppe" and meeting["status"] == "held"
    review = snapshot.table("ip_reviews").iloc[0]
    assert review["reviewed_on"].date() == dt.date(2026, 3, 1) and review["goals"] == True  # noqa: E712
    assert review["contributions"] == False and pd.isna(review["consent"])  # noqa: E712
    routines = snapshot.table("ke_routines")
    assert list(routines["task"]) == ["opplaering", "meldinger"]
    assert list(routines["in_quality_system"]) == [True, False]
    assert routines["last_revised_on"].iloc[1].date() == dt.date(2024, 2, 1)
    code, report = _check(path)
    assert code == 0 and report["input_problems"] == []


def test_template_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "mal.xlsx"
    result = runner.invoke(main, ["template", str(out)])
    assert result.exit_code == 0 and out.is_file()
    assert openpyxl.load_workbook(out).sheetnames[0] == "LES_MEG"
    again = runner.invoke(main, ["template", str(out)])
    assert again.exit_code == 2 and "--force" in again.stderr
    result = runner.invoke(main, ["template", str(out), "--lang", "en", "--force"])
    assert result.exit_code == 0 and openpyxl.load_workbook(out).sheetnames[0] == "README"
    wrong = runner.invoke(main, ["template", str(tmp_path / "mal.csv")])
    assert wrong.exit_code == 2 and "Traceback" not in wrong.output


def test_the_waivers_sheet_has_the_waiver_columns_and_a_rule_id_list(made):
    from ke_rules.ingest.schema import WAIVERS

    lang, path = made
    wb = openpyxl.load_workbook(path)
    ws = wb[tpl.WAIVERS_SHEET]
    assert [c.value for c in ws[1]] == WAIVERS.column_names
    nasjonal = ke_rules.load_ruleset("nasjonal")
    dv = _validations(ws)["A2"]
    assert dv.type == "list" and _list_values(wb, dv.formula1) == sorted([*nasjonal.rules, *nasjonal.disabled])
    assert {k for k, v in _validations(ws).items() if v.type == "date"} == {"E2", "F2"}


def test_a_waiver_filled_into_the_template_is_applied(tmp_path):
    path = tpl.write_template(tmp_path / "mal.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["cases"].cell(row=2, column=1, value="S-1")
    wb["coordinators"].append(["K-1", None, None, dt.date(2025, 6, 1)])  # trained: one finding only
    wb["assignments"].append(["S-1", "K-1", None, dt.date(2026, 1, 1)])
    wb[tpl.WAIVERS_SHEET].append(["KE-CHILD-RELATIVE", "S-1", "Kartlegges i januar", "KE-leder",
                                  dt.date(2026, 11, 1), dt.date(2026, 12, 31)])
    wb.save(tmp_path / "utfylt.xlsx")
    code, report = _check(tmp_path / "utfylt.xlsx")
    assert code == 0 and report["input_problems"] == []
    (f,) = report["findings"]
    assert (f["status"], f["waiver"]) == ("waived", {"reason": "Kartlegges i januar", "decided_by": "KE-leder",
                                                     "decided_on": "2026-11-01", "expires_on": "2026-12-31"})
