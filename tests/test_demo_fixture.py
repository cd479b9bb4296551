"""The demo fixture (fixtures/demo.json, fixtures/demo.xlsx) gives exactly the findings and
input problems declared in fixtures/demo.expected.json, in both spellings.

The expectation is written by fixtures/make_demo.py from per-case reasoning over
rules.md; it is cross-checked here against the production code (both files, the
library and the command) and against the independent oracle tests/reference.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ke_rules

sys.path.insert(0, os.path.dirname(__file__))

from reference import reference_evaluate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
EXPECTED = json.loads((FIXTURES / "demo.expected.json").read_text(encoding="utf-8"))
AS_OF = EXPECTED["as_of"]
RULESET = EXPECTED["ruleset"]
FILES = ["demo.json", "demo.xlsx"]


def _load_make_demo():
    if "make_demo" in sys.modules:
        return sys.modules["make_demo"]
    spec = importlib.util.spec_from_file_location("make_demo", FIXTURES / "make_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_demo"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    return {name: ke_rules.check(FIXTURES / name, ruleset=RULESET, as_of=AS_OF).to_dict()
            for name in FILES}


def finding_rows(report: dict) -> list[list[str]]:
    return sorted([f["rule_id"], f["subject_type"], f["subject_id"], f["severity"]]
                  for f in report["findings"])


def problem_rows(report: dict) -> list[list]:
    return sorted([p["table"], p["row"], p["column"], p["severity"]]
                  for p in report["input_problems"])


@pytest.mark.parametrize("name", FILES)
def test_findings_are_exactly_the_expected_ones(reports, name):
    assert finding_rows(reports[name]) == EXPECTED["findings"]


@pytest.mark.parametrize("name", FILES)
def test_input_problems_are_exactly_the_expected_ones(reports, name):
    report = reports[name]
    assert problem_rows(report) == EXPECTED["input_problems"][name]
    by_severity = {p["severity"]: p for p in report["input_problems"]}
    assert by_severity["error"]["value"] == "31.02.2026"
    assert by_severity["warning"]["value"] == "Hørselskontakt"
    # the impossible date sets its meeting aside; nothing else is set aside
    tables = report["input"]["tables"]
    assert {t: c["set_aside"] for t, c in tables.items() if c["set_aside"]} == {"meetings": 1}
    assert tables["cases"]["rows"] == 37
    assert (tables["ip_reviews"]["rows"], tables["ke_routines"]["rows"]) == (9, 7)


@pytest.mark.parametrize("name", FILES)
def test_every_nasjonal_rule_has_findings_and_compliant_subjects(reports, name):
    report = reports[name]
    rules = set(ke_rules.load_ruleset(RULESET).rules)
    assert rules == set(EXPECTED["findings_per_rule"])  # every rule of nasjonal fires in the demo
    assert rules <= {f["rule_id"] for f in report["findings"]}
    per_rule = {}
    for f in report["findings"]:
        per_rule[f["rule_id"]] = per_rule.get(f["rule_id"], 0) + 1
    assert per_rule == EXPECTED["findings_per_rule"]
    measures = {m["rule_id"]: m for m in report["measures"]}
    assert set(measures) == rules
    for rule_id, m in measures.items():
        assert m["findings"] == per_rule[rule_id]
        assert m["compliant"] >= 1, f"{rule_id} has no compliant subject in the demo"


def test_xlsx_and_json_reports_are_the_same(reports):
    """Identical apart from input.source and input.sha256 and the rows of row-level input
    problems: xlsx rows count the header as row 1, json rows count from 1 and json has no
    header row (a problem with a column name has row null there)."""
    a, b = copy.deepcopy(reports["demo.json"]), copy.deepcopy(reports["demo.xlsx"])
    assert (a["input"]["source"], b["input"]["source"]) == ("demo.json", "demo.xlsx")
    assert a["input"]["sha256"] != b["input"]["sha256"]
    for r in (a, b):
        del r["input"]["source"], r["input"]["sha256"]
    assert len(a["input_problems"]) == len(b["input_problems"])
    for pa, pb in zip(a["input_problems"], b["input_problems"], strict=True):
        if pa["row"] is None:  # a header-level notice
            assert pb["row"] == 1, (pa, pb)
        else:
            assert pb["row"] == pa["row"] + 1, (pa, pb)
        del pa["row"], pb["row"]
    assert a == b


def test_oracle_agrees_with_the_expectation():
    demo = _load_make_demo().build()
    result = reference_evaluate(demo.canonical(), dt.date.fromisoformat(AS_OF))
    assert sorted(list(f) for f in result["findings"]) == EXPECTED["findings"]


@pytest.mark.parametrize("name", FILES)
def test_loader_reads_the_mixed_spellings_back_to_the_canonical_data(name):
    """Every cell of both files loads to the canonical value make_demo.py started from
    (dates, yes/no, bokmål enumeration words, inferred service categories)."""
    import pandas as pd

    defaults = {("assignments", "role"): "koordinator", ("meetings", "kind"): "ansvarsgruppe"}

    def loaded(v):
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            return None
        if isinstance(v, pd.Timestamp):
            return v.date().isoformat()
        return v.item() if hasattr(v, "item") else v

    def canonical(table, col, v):
        if v is None:
            return defaults.get((table, col))
        return v.strip() if isinstance(v, str) else v

    snapshot = ke_rules.load_snapshot(FIXTURES / name)
    for table, rows in _load_make_demo().build().canonical().items():
        frame = snapshot.tables[table]
        got = [{c: loaded(v) for c, v in r.items() if c != "_row"}
               for r in frame.to_dict("records")]
        want = [{c: canonical(table, c, v) for c, v in r.items()} for r in rows]
        assert got == want, table


def test_cli_fails_on_high_and_writes_json():
    proc = subprocess.run(
        [sys.executable, "-c", "from ke_rules.cli import main; main()", "check",
         "fixtures/demo.xlsx", "--as-of", AS_OF, "--fail-on", "high"],
        cwd=REPO, capture_output=True, text=True, encoding="utf-8", timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["as_of"] == AS_OF
    assert report["input"]["source"] == "demo.xlsx"
    assert finding_rows(report) == EXPECTED["findings"]
    assert problem_rows(report) == EXPECTED["input_problems"]["demo.xlsx"]


def test_make_demo_regenerates_the_committed_files(tmp_path):
    make_demo = _load_make_demo()
    make_demo.write_all(tmp_path)
    for name in ("demo.json", "demo.expected.json"):
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name
    first = (tmp_path / "demo.xlsx").read_bytes()
    make_demo.write_all(tmp_path)
    assert (tmp_path / "demo.xlsx").read_bytes() == first, "demo.xlsx is not deterministic"
    # the committed workbook holds the same cells (bytes may differ with the openpyxl version)
    assert _xlsx_cells(tmp_path / "demo.xlsx") == _xlsx_cells(FIXTURES / "demo.xlsx")


def _xlsx_cells(path: Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return {s: wb.get_sheet_by_name(s).to_python() for s in wb.sheet_names}


def test_fixture_spellings_are_mixed():
    text = (FIXTURES / "demo.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert {"saker", "møter", "oppnevninger", "pårørende", "services", "ke_meetings"} <= set(doc)
    assert {"sak_id", "møtedato"} <= set(doc["saker"][0]) | set(doc["møter"][0])
    values = [v for rows in doc.values() for row in rows for v in row.values()]
    strings = [v for v in values if isinstance(v, str)]
    for pattern in (r"^\d{4}-\d{2}-\d{2}$", r"^\d{4}-\d{1,2}-\d{1,2}$", r"^\d{2}\.\d{2}\.\d{4}$",
                    r"^\d{1,2}\.\d{1,2}\.\d{4}$"):
        assert any(re.match(pattern, s) for s in strings), pattern
    assert {"ja", "nei"} <= set(strings) and True in values and False in values

    cells = _xlsx_cells(FIXTURES / "demo.xlsx")
    assert {"saker", "møter", "samtykker", "pårørende", "LES_MEG", "ip_gjennomganger", "ke_rutiner"} <= set(cells)
    assert {"Motta meldinger", "Opplæring og veiledning av koordinatorer"} <= {
        v for row in cells["ke_rutiner"] for v in row}
    assert "Enhet" in cells["saker"][0] and "Sist revidert" in cells["ke_rutiner"][0]
    flat = [v for rows in cells.values() for row in rows for v in row]
    assert sum(isinstance(v, dt.date) for v in flat) > 100
    assert any(isinstance(v, str) and re.match(r"^\d{2}\.\d{2}\.\d{4}$", v) for v in flat)
    assert {"ja", "nei"} <= {v for v in flat if isinstance(v, str)}


def test_no_personal_identity_numbers_in_the_fixture():
    # fødselsnummer, D- and H-numbers are 11 digits (often written 6 + 5)
    pnr = re.compile(r"(?<!\d)\d{6}\s?\d{5}(?!\d)")
    assert not pnr.search((FIXTURES / "demo.json").read_text(encoding="utf-8"))
    for rows in _xlsx_cells(FIXTURES / "demo.xlsx").values():
        for row in rows:
            for v in row:
                assert not (isinstance(v, str) and pnr.search(v)), v
