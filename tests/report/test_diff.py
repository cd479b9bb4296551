"""`ke_rules.diff`: report-contract.md, "Two periods"."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ke_rules
from ke_rules.report.diff import rate_change
from ke_rules.report.periods import ComparisonRefused
from ke_rules.report.render.diff_render import render_diff

from .periods_helpers import DEMO, finding, made, measure, real

ENTRY_KEYS = ["rule_id", "subject_type", "subject_id", "case_id", "severity", "message"]


def keys(entries):
    return [(e["rule_id"], e["subject_id"]) for e in entries]


def test_real_reports_split_into_the_four_lists_by_the_contracts_set_arithmetic():
    old, new = real("lund", "2026-06-30"), real("lund", "2026-11-23")
    d = ke_rules.diff(old, new).to_dict()
    assert list(d) == ["schema_version", "kind", "old", "new", "params_changed", "findings", "measures"]
    assert d["schema_version"] == "1" and d["kind"] == "diff"
    assert d["old"] == {"as_of": "2026-06-30", "ruleset": {"name": "lund", "sha256": old["ruleset"]["sha256"]}}
    assert d["new"] == {"as_of": "2026-11-23", "ruleset": {"name": "lund", "sha256": new["ruleset"]["sha256"]}}
    assert d["params_changed"] == []
    old_keys = [(f["rule_id"], f["subject_id"]) for f in old["findings"]]
    new_keys = [(f["rule_id"], f["subject_id"]) for f in new["findings"]]
    lists = d["findings"]
    assert list(lists) == ["new", "resolved", "persisting", "waived"]
    # report order kept: each list is a subsequence of its report's findings
    assert keys(lists["new"]) == [k for k in new_keys if k not in old_keys]
    assert keys(lists["persisting"]) == [k for k in new_keys if k in old_keys]
    assert keys(lists["resolved"]) == [k for k in old_keys if k not in new_keys]
    assert lists["waived"] == []
    assert lists["new"] and lists["persisting"] and lists["resolved"]
    for entries in lists.values():
        assert all(list(e) == ENTRY_KEYS for e in entries)


def test_entries_come_from_new_and_resolved_ones_from_old():
    old = made("2026-01-01", [finding("R-1", "S-1", message="old text", severity="low"),
                              finding("R-1", "S-2", message="gone")])
    new = made("2026-04-01", [finding("R-1", "S-1", message="new text", severity="high")])
    d = ke_rules.diff(old, new).to_dict()["findings"]
    assert d["persisting"] == [{"rule_id": "R-1", "subject_type": "case", "subject_id": "S-1", "case_id": "S-1",
                                "severity": "high", "message": "new text"}]
    assert d["resolved"][0]["message"] == "gone"


@pytest.mark.parametrize(("old_status", "new_status", "lists"), [
    (None, "open", {"new"}),
    ("open", None, {"resolved"}),
    ("waived", None, {"resolved"}),
    ("open", "open", {"persisting"}),
    ("waived", "open", {"persisting"}),
    ("open", "waived", {"waived"}),
    ("waived", "waived", {"waived"}),
    (None, "waived", {"waived"}),
])
def test_each_status_pair_lands_in_exactly_one_list(old_status, new_status, lists):
    old = made("2026-01-01", [finding("R-1", "S-1", old_status)] if old_status else [])
    new = made("2026-04-01", [finding("R-1", "S-1", new_status)] if new_status else [])
    d = ke_rules.diff(old, new).to_dict()["findings"]
    assert {name for name, entries in d.items() if entries} == lists
    assert sum(len(e) for e in d.values()) == 1


def test_the_same_subject_under_another_rule_is_another_finding():
    old = made("2026-01-01", [finding("R-1", "S-1")])
    new = made("2026-04-01", [finding("R-2", "S-1")])
    d = ke_rules.diff(old, new).to_dict()["findings"]
    assert keys(d["new"]) == [("R-2", "S-1")] and keys(d["resolved"]) == [("R-1", "S-1")]


statuses = st.sampled_from([None, "open", "waived"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["R-1", "R-2"]), st.sampled_from(["S-1", "S-2", "S-3", "K-1"]),
                          statuses, statuses), unique_by=lambda t: t[:2], max_size=8))
def test_set_arithmetic_property(rows):
    old = made("2026-01-01", [finding(r, s, o) for r, s, o, _ in rows if o])
    new = made("2026-04-01", [finding(r, s, n) for r, s, _, n in rows if n])
    d = ke_rules.diff(old, new).to_dict()["findings"]
    old_keys = {(r, s) for r, s, o, _ in rows if o}
    new_keys = {(r, s) for r, s, _, n in rows if n}
    got = {name: set(keys(entries)) for name, entries in d.items()}
    assert sum(len(e) for e in d.values()) == sum(len(v) for v in got.values())  # no entry twice
    assert got["new"] | got["persisting"] | got["waived"] == new_keys
    assert not (got["new"] & got["persisting"] or got["new"] & got["waived"] or got["persisting"] & got["waived"])
    assert got["resolved"] | got["persisting"] | (got["waived"] & old_keys) == old_keys
    assert not got["resolved"] & new_keys
    assert got["new"].isdisjoint(old_keys)


@pytest.mark.parametrize(("old", "new", "change"), [
    (0.85, 0.8, -0.05),
    (0.8, 0.85, 0.05),
    (0.1, 0.3, 0.2),
    (0.7, 0.7, 0.0),
    (1.0, 0.0, -1.0),
    (0.0, 1.0, 1.0),
    (0.4706, 0.8125, 0.3419),
    (0.0, 0.33335, 0.3334),  # half away from zero, hand-edited rates with 5 decimals
    (0.33335, 0.0, -0.3334),
    (None, 0.5, None),
    (0.5, None, None),
    (None, None, None),
])
def test_rate_change_is_the_decimal_difference_of_the_reported_rates(old, new, change):
    got = rate_change(old, new)
    assert got == change
    if got == 0:
        assert str(got) == "0.0"  # never -0.0


def test_measures_cover_the_union_of_rules_sorted_with_nulls_for_a_missing_side():
    old = made("2026-01-01", measures=[measure("R-B", 10, 2, 0.8), measure("R-C", 4, 1, 0.75)])
    new = made("2026-04-01", measures=[measure("R-B", 10, 1, 0.9), measure("R-A", 0, 0, None)])
    m = ke_rules.diff(old, new).to_dict()["measures"]
    assert [x["rule_id"] for x in m] == ["R-A", "R-B", "R-C"]
    assert m[0] == {"rule_id": "R-A", "old": {"population": None, "findings": None, "rate": None},
                    "new": {"population": 0, "findings": 0, "rate": None}, "rate_change": None}
    assert m[1] == {"rule_id": "R-B", "old": {"population": 10, "findings": 2, "rate": 0.8},
                    "new": {"population": 10, "findings": 1, "rate": 0.9}, "rate_change": 0.1}
    assert m[2]["new"] == {"population": None, "findings": None, "rate": None} and m[2]["rate_change"] is None


def test_params_changed_lists_differing_values_over_the_union_sorted_by_name():
    old = made("2026-01-01", params={"b": 5, "same": [1, 2], "only_old": True, "flag": False}, sha="1" * 64)
    new = made("2026-04-01", params={"b": 7, "same": [1, 2], "a_new": "x", "flag": 0}, sha="2" * 64)
    d = ke_rules.diff(old, new)
    assert d.to_dict()["params_changed"] == [
        {"name": "a_new", "old": None, "new": "x"},
        {"name": "b", "old": 5, "new": 7},
        {"name": "flag", "old": False, "new": 0},  # false and 0 are different values in a ruleset
        {"name": "only_old", "old": True, "new": None},
    ]
    assert d.notes[0] == "ruleset_changed"


def test_real_reports_with_different_rulesets_say_so_at_the_top():
    d = ke_rules.diff(real("nasjonal", "2026-06-30"), real("lund", "2026-11-23"))
    assert d.old.ruleset.sha256 != d.new.ruleset.sha256
    assert [p.name for p in d.params_changed] == ["count_only_cases_with_ip"]
    for lang, word in (("nb", "ulike regelsett"), ("en", "different rulesets")):
        d.lang = lang
        md = render_diff(d, "md").decode()
        first_lines = md.split("\n## ")[0]
        assert word in first_lines and "count\\_only\\_cases\\_with\\_ip" in first_lines
        html = render_diff(d, "html").decode()
        assert html.index(word) < html.index('id="changes"')


def test_same_ruleset_gives_no_ruleset_note():
    d = ke_rules.diff(made("2026-01-01", pseudonymized=False), made("2026-04-01", pseudonymized=False))
    assert d.notes == []
    assert "ulike regelsett" not in render_diff(d, "md").decode()


def test_an_older_report_is_accepted_with_the_pseudonymisation_note():
    old = made("2026-01-01", [finding("R-1", "S-1")], [measure("R-1", 3, 1, 0.6667)], pseudonymized=None)
    new = made("2026-04-01", [finding("R-1", "S-1")], [measure("R-1", 3, 1, 0.6667)])
    del old["summary"]["waived"]
    d = ke_rules.diff(old, new)
    assert d.notes == ["pseudonymization_unchecked"]
    assert "pseudonymization" not in d.to_json()  # the JSON keeps the contract's keys; the note is for readers
    assert "Pseudonymisering kunne ikke kontrolleres" in render_diff(d, "md").decode().split("\n- ")[0]


def test_same_as_of_is_allowed_and_the_same_report_gives_only_persisting():
    r = real("lund", "2026-11-23")
    d = ke_rules.diff(r, r).to_dict()
    assert len(d["findings"]["persisting"]) == len(r["findings"])
    assert d["findings"]["new"] == d["findings"]["resolved"] == d["findings"]["waived"] == []
    assert all(m["rate_change"] == 0.0 for m in d["measures"] if m["new"]["rate"] is not None)


def test_paths_dicts_and_report_models_give_the_same_diff(tmp_path):
    old_model = ke_rules.check(DEMO, "lund", "2026-06-30")
    new = real("lund", "2026-11-23")
    path = tmp_path / "new.json"
    path.write_text(json.dumps(new), encoding="utf-8")
    a = ke_rules.diff(old_model, path).to_json()
    b = ke_rules.diff(old_model.to_dict(), new).to_json()
    assert a == b
    assert isinstance(ke_rules.diff(old_model, new), ke_rules.DiffReport)


def _not_json(tmp_path):
    p = tmp_path / "r.xlsx"
    p.write_bytes(b"PK\x03\x04 not json")
    return str(p)


def _json_file(tmp_path, data):
    p = tmp_path / "x.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return str(p)


NOT_REPORTS = {
    "missing file": lambda tmp: str(tmp / "nope.json"),
    "folder": lambda tmp: str(tmp),
    "not json": _not_json,
    "json list": lambda tmp: _json_file(tmp, [1, 2]),
    "a snapshot": lambda tmp: _json_file(tmp, {"cases": [{"case_id": "S-1"}]}),
    "no measures": lambda tmp: _json_file(tmp, {k: v for k, v in made("2026-01-01").items() if k != "measures"}),
    "finding without subject_id": lambda tmp: _json_file(tmp, made("2026-01-01", [
        {k: v for k, v in finding("R-1", "S-1").items() if k != "subject_id"}])),
    "another tool": lambda tmp: _json_file(tmp, {**made("2026-01-01"), "tool": {"name": "other", "version": "1"}}),
    "bad as_of": lambda tmp: _json_file(tmp, made("23.11.2026")),
    "a diff": lambda tmp: _json_file(tmp, ke_rules.diff(made("2026-01-01"), made("2026-01-01")).to_dict()),
}


@pytest.mark.parametrize("case", list(NOT_REPORTS))
def test_anything_that_is_not_a_report_is_refused(tmp_path, case):
    bad = NOT_REPORTS[case](tmp_path)
    good = made("2026-06-01")
    with pytest.raises(ComparisonRefused) as nb:
        ke_rules.diff(bad, good)
    with pytest.raises(ComparisonRefused) as en:
        ke_rules.diff(good, bad, lang="en")
    assert "\n" not in str(nb.value) and str(nb.value) != str(en.value)
    if case != "missing file" and case != "folder":
        assert "ikke en ke-rules-rapport" in str(nb.value) and "not a ke-rules report" in str(en.value)


@pytest.mark.parametrize(("old", "new", "nb", "en"), [
    (made("2026-01-01"), {**made("2026-04-01"), "schema_version": "2"}, "ulik schema_version",
     "different schema_version"),
    (made("2026-01-01", pseudonymized=True, key_id="abcdef012345"), made("2026-04-01", pseudonymized=False),
     "pseudonymisert", "pseudonymised"),
    (made("2026-01-01", pseudonymized=False), made("2026-04-01", pseudonymized=True, key_id="abcdef012345"),
     "pseudonymisert", "pseudonymised"),
    (made("2026-01-01", pseudonymized=True, key_id="abcdef012345"),
     made("2026-04-01", pseudonymized=True, key_id="0123456789ab"), "ulike nøkler", "different keys"),
    (made("2026-04-01"), made("2026-01-01"), "tidsrekkefølge", "time order"),
    ({**made("2026-01-01"), "schema_version": "9"}, {**made("2026-04-01"), "schema_version": "9"},
     "schema_version «9»", "schema_version '9'"),
])
def test_reports_that_cannot_be_compared_are_refused(old, new, nb, en):
    with pytest.raises(ComparisonRefused, match=nb):
        ke_rules.diff(old, new)
    with pytest.raises(ComparisonRefused, match=en):
        ke_rules.diff(old, new, lang="en")


def test_same_key_id_is_accepted():
    key = "abcdef012345"
    d = ke_rules.diff(made("2026-01-01", pseudonymized=True, key_id=key),
                      made("2026-04-01", pseudonymized=True, key_id=key))
    assert d.notes == []


def test_an_identity_number_in_a_hand_edited_report_does_not_reach_the_diff():
    fnr = "01019912368"
    new = made("2026-04-01", [finding("R-1", "S-1", message=f"pasient {fnr}")])
    out = ke_rules.diff(made("2026-01-01"), new)
    assert "pasient" in out.findings.new[0].message
    for fmt in ("json", "md", "html"):
        assert fnr.encode() not in render_diff(out, fmt)
    with zipfile.ZipFile(io.BytesIO(render_diff(out, "xlsx"))) as z:
        text = b"".join(z.read(n) for n in z.namelist())
    assert b"pasient" in text and fnr.encode() not in text


def test_xlsx_has_a_summary_with_the_notes_first_the_rules_and_every_finding_once():
    import openpyxl

    d = ke_rules.diff(real("nasjonal", "2026-06-30"), real("lund", "2026-11-23"))
    wb = openpyxl.load_workbook(io.BytesIO(render_diff(d, "xlsx")))
    assert wb.sheetnames == ["Sammendrag", "Regler", "Funn"]
    assert "ulike regelsett" in wb["Sammendrag"]["A2"].value
    rules = [[c.value for c in r] for r in wb["Regler"].iter_rows(min_row=2)]
    assert [r[0] for r in rules] == [m.rule_id for m in d.measures]
    assert [r[7] for r in rules] == [None if m.rate_change is None else round(m.rate_change * 100, 2)
                                     for m in d.measures]
    found = [[c.value for c in r] for r in wb["Funn"].iter_rows(min_row=2)]
    lists = d.findings
    assert len(found) == sum(len(getattr(lists, k)) for k in ("new", "resolved", "persisting", "waived"))
    assert [r[0] for r in found].count("Nye funn") == len(lists.new)
    assert [r[0] for r in found].count("Lukkede funn") == len(lists.resolved)
