"""Waivers (unntak), report-contract.md "Waivers": which findings they waive, and what they report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import ke_rules
from ke_rules.report.build import round_rate

from ..snapshot_builder import NASJONAL, D, Snap, day

RULE = "KE-CHILD-RELATIVE"  # a case with an active coordinator and relatives not mapped: one finding per case
KEY = "en-lang-nok-hemmelig-nokkel"


def snap(*waivers: dict[str, Any]) -> Snap:
    s = Snap().coordinator("k1", unit="Nord")
    for case_id in ("c1", "c2", "007"):
        s.case(case_id).assignment(case_id, "k1", start=-100)
    s.case("c4")  # no coordinator: outside the rule's population
    for w in waivers:
        s.add("unntak", **w)
    return s


def waiver(subject_id: str = "c1", rule_id: str = RULE, decided: int | str | None = -10,
           expires: int | str | None = 30, reason: str | None = "Kartlegges i januar", **extra: Any) -> dict[str, Any]:
    row = {"rule_id": rule_id, "subject_id": subject_id, "reason": reason, "decided_by": "KE-leder",
           "decided_on": day(decided) if isinstance(decided, int) else decided,
           "expires_on": day(expires) if isinstance(expires, int) else expires}
    row.update(extra)
    return row


def run(tmp_path: Path, *waivers: dict[str, Any], lang: str = "nb", **kw: Any) -> ke_rules.Report:
    path = snap(*waivers).write(tmp_path)
    return ke_rules.check(path, NASJONAL, as_of=D, lang=lang, **kw)


def waiver_problems(report: ke_rules.Report) -> list[dict[str, Any]]:
    return [p for p in report.to_dict()["input_problems"] if p["table"] == "waivers"]


def status(report: ke_rules.Report, subject_id: str) -> str:
    (f,) = [f for f in report.findings if f.rule_id == RULE and f.subject_id == subject_id]
    return f.status


@pytest.mark.parametrize(("decided", "expires", "want_status", "want_code"), [
    (0, 0, "waived", None),  # decided_on = D and expires_on = D: applies
    (-30, 0, "waived", None),
    (0, 365, "waived", None),
    (-30, -1, "open", "waiver_expired"),  # lapsed the day after expires_on
    (1, 30, "open", "waiver_not_yet_valid"),  # decided after D
])
def test_a_waiver_applies_from_decided_on_to_expires_on(tmp_path, decided, expires, want_status, want_code):
    report = run(tmp_path, waiver("c1", decided=decided, expires=expires))
    assert status(report, "c1") == want_status
    assert status(report, "c2") == "open"
    problems = waiver_problems(report)
    assert [p["code"] for p in problems] == ([want_code] if want_code else [])
    for p in problems:
        assert p == {"table": "waivers", "row": 1, "column": None, "value": f"{RULE} c1", "problem": p["problem"],
                     "severity": "notice", "code": want_code, "source": "snapshot"}
    (f,) = [f for f in report.to_dict()["findings"] if f["subject_id"] == "c1"]
    assert list(f)[-2:] == ["status", "waiver"]
    if want_status == "waived":
        assert f["waiver"] == {"reason": "Kartlegges i januar", "decided_by": "KE-leder",
                               "decided_on": day(decided), "expires_on": day(expires)}
    else:
        assert f["waiver"] is None


def test_a_waived_finding_still_counts_in_population_and_findings(tmp_path):
    report = run(tmp_path, waiver("c1", decided=0, expires=0))
    m = {m.rule_id: m for m in report.measures}[RULE]
    assert (m.population, m.findings, m.compliant, m.waived) == (3, 3, 0, 1)
    assert (m.rate, m.rate_after_waivers) == (0.0, 0.3333)
    assert report.summary.findings == len(report.findings) - 1 and report.summary.waived == 1
    assert sum(report.summary.by_severity.values()) == report.summary.findings  # open findings only
    data = report.to_dict()
    assert list(data["measures"][0])[-2:] == ["waived", "rate_after_waivers"]
    assert all(m["waived"] == 0 and m["rate_after_waivers"] == m["rate"] for m in data["measures"]
               if m["rule_id"] != RULE)


@pytest.mark.parametrize(("row", "code", "column", "value"), [
    (waiver(rule_id="KE-CHILD-RELATIV"), "unknown_rule", "rule_id", "KE-CHILD-RELATIV"),
    (waiver(rule_id="KE-NOPE"), "unknown_rule", "rule_id", "KE-NOPE"),
    (waiver(decided=10, expires=9), "end_before_start", "expires_on", day(9)),
    (waiver(reason=None), "required_empty", "reason", None),
    (waiver(reason="  "), "required_empty", "reason", None),
    (waiver(decided="31.02.2026"), "impossible_date", "decided_on", "31.02.2026"),
    (waiver(expires="01.03.26"), "ambiguous_date", "expires_on", "01.03.26"),
    (waiver(subject_id=True), "not_a_value", "subject_id", "true"),
])
def test_a_bad_waiver_is_an_error_and_set_aside(tmp_path, row, code, column, value):
    report = run(tmp_path, row)
    assert status(report, "c1") == "open"
    (p,) = waiver_problems(report)
    assert (p["code"], p["severity"], p["row"], p["column"], p["value"], p["source"]) == (
        code, "error", 1, column, value, "snapshot")


def test_an_unknown_rule_suggests_the_closest_id_in_both_languages(tmp_path):
    nb = waiver_problems(run(tmp_path, waiver(rule_id="KE-CHILD-RELATIV")))[0]["problem"]
    en = waiver_problems(run(tmp_path, waiver(rule_id="ke-child-relative"), lang="en"))[0]["problem"]
    assert "mente du «KE-CHILD-RELATIVE»?" in nb
    assert "did you mean 'KE-CHILD-RELATIVE'?" in en


def test_a_waiver_of_a_disabled_rule_is_known_but_unmatched(tmp_path):
    (p,) = waiver_problems(run(tmp_path, waiver("2026-11", rule_id="KE-SYSTEM-MONTHLY")))
    assert (p["code"], p["severity"], p["value"]) == ("waiver_unmatched", "notice", "KE-SYSTEM-MONTHLY 2026-11")


def test_unmatched_waivers_are_notices_one_per_waiver_after_expired_ones(tmp_path):
    # c9 row 2 is expired and matches nothing: one notice, expired, not also unmatched
    report = run(tmp_path, waiver("c9"), waiver("c9", decided=-30, expires=-1), waiver("c1", expires=-1, decided=-5),
                 waiver("c2"))
    assert [(p["row"], p["code"]) for p in waiver_problems(report)] == [
        (2, "waiver_expired"), (3, "waiver_expired"), (1, "waiver_unmatched")]
    assert status(report, "c2") == "waived" and status(report, "c1") == "open"


def test_an_id_is_kept_as_written(tmp_path):
    report = run(tmp_path, waiver("007"), waiver("7"))
    assert status(report, "007") == "waived"
    assert [(p["value"], p["code"]) for p in waiver_problems(report)] == [(f"{RULE} 7", "waiver_unmatched")]


def test_yaml_file_reads_every_value_as_text(tmp_path):
    (tmp_path / "w.yaml").write_text(
        f"waivers:\n  - rule_id: {RULE}\n    subject_id: 007\n    reason: ja\n    decided_by: 1.0\n"
        f"    decided_on: {day(-1)}\n    expires_on: {day(0)}\n", encoding="utf-8")
    report = run(tmp_path, waivers=tmp_path / "w.yaml")
    (f,) = [f for f in report.findings if f.subject_id == "007"]
    assert f.status == "waived" and f.waiver is not None
    assert (f.waiver.reason, f.waiver.decided_by) == ("ja", "1.0")


def test_several_waivers_for_one_finding_show_the_latest_expiry(tmp_path):
    report = run(tmp_path, waiver("c1", expires=10, reason="a"), waiver("c1", expires=20, reason="b"),
                 waiver("c1", expires=20, decided=-20, reason="c"), waiver("c1", expires=20, reason="d"))
    (f,) = [f for f in report.findings if f.subject_id == "c1"]
    assert f.waiver is not None and f.waiver.reason == "b"  # latest expiry, then latest decision, then earlier row
    assert waiver_problems(report) == []  # every valid matching waiver counts as matched
    assert report.summary.waived == 1


def test_file_and_sheet_are_both_read_and_the_file_wins_a_tie(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "unntak"
    ws.append(["regel_id", "subject_id", "begrunnelse", "besluttet_av", "besluttet", "utløper"])
    ws.append([RULE, "c1", "fra fil", "leder", day(-10), day(30)])
    ws.append([RULE, "c8", "ukjent", "leder", day(-10), day(30)])
    wb.save(tmp_path / "w.xlsx")
    report = run(tmp_path, waiver("c1", reason="fra arket"), waiver("c2", reason="arket"),
                 waivers=tmp_path / "w.xlsx")
    by_id = {f.subject_id: f for f in report.findings if f.rule_id == RULE}
    assert by_id["c1"].waiver.reason == "fra fil" and by_id["c2"].waiver.reason == "arket"
    assert [(p["source"], p["row"], p["code"]) for p in waiver_problems(report)] == [
        ("file", 3, "waiver_unmatched")]
    assert report.input.waivers_sha256 == __import__("hashlib").sha256((tmp_path / "w.xlsx").read_bytes()).hexdigest()
    assert "waivers" not in report.input.tables
    assert not [p for p in report.input_problems if p.code.value in ("unknown_table", "absent_table")
                and p.table in ("waivers", "unntak")]


def test_without_waivers_every_added_key_is_null_or_zero(tmp_path):
    data = run(tmp_path).to_dict()
    assert list(data["input"])[-3:] == ["pseudonymized", "pseudonym_key_id", "waivers_sha256"]
    assert (data["input"]["pseudonymized"], data["input"]["pseudonym_key_id"], data["input"]["waivers_sha256"]) == (
        False, None, None)
    assert all(f["status"] == "open" and f["waiver"] is None for f in data["findings"])
    assert list(data)[-1] == "measures_by_unit"
    assert all(p["source"] is None for p in data["input_problems"])


def test_pseudonymised_waivers_match_the_pseudonymised_subject(tmp_path):
    report = run(tmp_path, waiver("c1"), waiver("c9"), waiver("2026-11", rule_id="KE-SYSTEM-MONTHLY"),
                 pseudonym_key=KEY)
    pz = __import__("ke_rules.privacy.pseudonym", fromlist=["Pseudonymizer"]).Pseudonymizer(KEY)
    by_id = {f.subject_id: f.status for f in report.findings if f.rule_id == RULE}
    assert by_id[pz.pseudonym("case_id", "c1")] == "waived"
    values = [p["value"] for p in waiver_problems(report)]
    assert values == [f"{RULE} {pz.pseudonym('case_id', 'c9')}", "KE-SYSTEM-MONTHLY 2026-11"]  # months unchanged
    text = report.to_json()
    assert '"c9"' not in text and " c9" not in text and '"c1"' not in text
    assert report.input.pseudonymized is True and report.input.pseudonym_key_id == pz.key_id


def test_pseudonym_key_id_is_hmac_of_the_fixed_text():
    import hashlib
    import hmac

    from ke_rules.privacy.pseudonym import Pseudonymizer

    want = hmac.new(KEY.encode(), b"ke-rules key id", hashlib.sha256).hexdigest()[:12]
    assert Pseudonymizer(KEY).key_id == want and len(want) == 12 and want == want.lower()
    assert Pseudonymizer(KEY + "x").key_id != want


@pytest.mark.parametrize(("num", "den", "want"), [
    (1, 32, 0.0313),  # 0.03125: a tie, away from zero (Python's round gives 0.0312)
    (3, 64, 0.0469),  # 0.046875
    (5, 32, 0.1563),  # 0.15625
    (1, 3, 0.3333),
    (2, 3, 0.6667),
    (1, 20000, 0.0001),  # 0.00005: a tie
    (1, 20001, 0.0),
    (0, 5, 0.0),
    (5, 5, 1.0),
    (0, 0, None),
    (-1, 32, -0.0313),
])
def test_rates_round_half_away_from_zero_like_excel(num, den, want):
    assert round_rate(num, den) == want
    if want is not None:
        assert json.dumps(round_rate(num, den)) == json.dumps(want)


def test_a_measure_rounds_a_tie_away_from_zero(tmp_path):
    s = Snap().coordinator("k1")
    for i in range(32):
        s.case(f"c{i}").assignment(f"c{i}", "k1", start=-100)
        if i == 0:  # the one compliant case
            s.add("relatives", case_id=f"c{i}", relation="barn", birth_date=day(-3000))
            s.edit("cases", i, relatives_mapped_on=-50)
    s.add("unntak", **waiver("c1"))
    s.add("unntak", **waiver("c2"))
    report = ke_rules.check(s.write(tmp_path), NASJONAL, as_of=D)
    m = {m.rule_id: m for m in report.measures}[RULE]
    assert (m.population, m.findings, m.waived) == (32, 31, 2)
    assert (m.rate, m.rate_after_waivers) == (0.0313, 0.0938)  # 1/32 = 0.03125, 3/32 = 0.09375: ties


def test_the_library_takes_waivers_as_a_file_or_read_once(tmp_path):
    (tmp_path / "w.csv").write_text(
        "rule_id,subject_id,reason,decided_by,decided_on,expires_on\r\n"
        f"{RULE},c2,fra fil,KE-leder,{day(-1)},{day(1)}\r\n", encoding="utf-8")
    snapshot = ke_rules.load_snapshot(snap(waiver("c1")).write(tmp_path))
    read = ke_rules.load_waivers(tmp_path / "w.csv")
    assert isinstance(read, ke_rules.WaiverSource) and read.source == "file"
    for given in (tmp_path / "w.csv", str(tmp_path / "w.csv"), read):
        report = ke_rules.evaluate(snapshot, NASJONAL, as_of=D, waivers=given)
        assert {f.subject_id for f in report.findings if f.status == "waived"} == {"c1", "c2"}
        assert all(isinstance(f.waiver, ke_rules.Waiver) for f in report.findings if f.status == "waived")
    assert {"Waiver", "WaiverSource", "MeasureByUnit", "load_waivers"} <= set(ke_rules.__all__)
    assert all(isinstance(m, ke_rules.MeasureByUnit) for m in report.measures_by_unit)
