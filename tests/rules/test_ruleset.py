"""Rulesets as data: inheritance, overrides, custom rules, and errors that point at the line."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

import ke_rules
from ke_rules import RulesetError

from ..conftest import write_json

D = dt.date(2026, 11, 23)
NINE = {"KE-COORD-LOAD", "KE-MEET-FREQ", "KE-INVITE-LEAD", "KE-CONSENT", "KE-CHILD-RELATIVE",
        "KE-REFERRAL-MISSING", "KE-INVITE-CONTENT", "KE-MEET-NEXT", "KE-CONSENT-MEETING"}
SECOND_WAVE = {"KE-COORD-MISSING", "KE-CHILD-COORD", "KE-IP-EVAL", "KE-MINUTES", "KE-MEET-OVERDUE",
               "KE-COORD-TRAINING", "KE-IP-CONTENT", "KE-SYSTEM-ROUTINES"}


def write(tmp_path, text, name="r.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def of(report, rule_id):
    return [f for f in report.findings if f.rule_id == rule_id]


def six_cases(tmp_path):
    cases = [{"case_id": f"S-{i}"} for i in range(6)]
    assignments = [{"case_id": f"S-{i}", "coordinator_id": "K-1", "start_date": "2026-01-01"} for i in range(6)]
    return ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": cases, "coordinators": [{"coordinator_id": "K-1"}], "assignments": assignments}))


def test_builtin_rulesets():
    assert {"nasjonal", "lund", "stor-elvdal"} <= set(ke_rules.builtin_rulesets())
    nasjonal = ke_rules.load_ruleset("nasjonal")
    assert set(nasjonal.rules) == NINE | SECOND_WAVE
    lund = ke_rules.load_ruleset("lund")
    assert lund.extends == ["nasjonal"] and lund.params["count_only_cases_with_ip"] is True
    assert "brukt som mal" not in lund.rule("KE-MEET-FREQ").basis[0].citation
    se = ke_rules.load_ruleset("stor-elvdal")
    assert set(se.rules) == NINE | SECOND_WAVE | {"KE-SYSTEM-MONTHLY"}


def test_every_rule_traces_to_its_basis():
    for name in ke_rules.builtin_rulesets():
        for rule in ke_rules.load_ruleset(name).rules.values():
            assert rule.basis, rule.id
            for b in rule.basis:
                assert b.kind in ("lov", "forskrift", "veileder", "lokal_rutine")
                if b.url:
                    assert b.url.startswith("https://lovdata.no/") and "KAPITTEL" not in b.url
                if b.kind == "lov":
                    assert b.url, f"{rule.id}: a statute citation needs its lovdata link"
            if name == "nasjonal" and rule.basis[0].kind == "lokal_rutine":
                assert "brukt som mal" in rule.basis[0].citation


def test_municipal_file_changes_a_limit_and_it_works(tmp_path):
    path = write(tmp_path, """\
        extends: nasjonal
        params:
          max_cases_per_coordinator: 6
        """)
    snap = six_cases(tmp_path)
    assert [f.subject_id for f in of(ke_rules.evaluate(snap, "nasjonal", as_of=D), "KE-COORD-LOAD")] == ["K-1"]
    rs = ke_rules.load_ruleset(path)
    assert rs.params["max_cases_per_coordinator"] == 6 and rs.name == "r"
    assert of(ke_rules.evaluate(snap, rs, as_of=D), "KE-COORD-LOAD") == []


def test_disable_and_change_severity(tmp_path):
    snap = six_cases(tmp_path)
    off = write(tmp_path, "extends: nasjonal\nrules:\n  KE-COORD-LOAD:\n    enabled: false\n", "off.yaml")
    assert "KE-COORD-LOAD" not in ke_rules.load_ruleset(off).rules
    assert of(ke_rules.evaluate(snap, ke_rules.load_ruleset(off), as_of=D), "KE-COORD-LOAD") == []
    high = write(tmp_path, "extends: nasjonal\nrules:\n  KE-COORD-LOAD:\n    severity: high\n", "high.yaml")
    [finding] = of(ke_rules.evaluate(snap, ke_rules.load_ruleset(high), as_of=D), "KE-COORD-LOAD")
    assert finding.severity == "high"


def test_a_new_rule_without_python(tmp_path):
    """KE-COORD-TRAINING is not shipped: a municipality adds it over the field catalogue."""
    path = write(tmp_path, """\
        extends: nasjonal
        rules:
          KE-COORD-TRAINING:
            title: {nb: Koordinator har opplæring, en: Coordinator is trained}
            severity: medium
            subject: coordinator
            applies_to: active_assignments >= 1
            when: not trained
            evidence: [active_assignments]
            message:
              nb: "Koordinator {{ coordinator_id }} har {{ active_assignments }} saker uten registrert opplæring."
              en: "Coordinator {{ coordinator_id }} has {{ active_assignments }} cases and no training on record."
            basis:
              - citation: "Helse- og omsorgstjenesteloven § 7-3"
                kind: lov
                url: "https://lovdata.no/lov/2011-06-24-30/§7-3"
        """)
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [{"case_id": "S-1"}, {"case_id": "S-2"}],
        "coordinators": [{"coordinator_id": "K-1"}, {"coordinator_id": "K-2", "trained_on": "2026-01-05"},
                         {"coordinator_id": "K-3"}],
        "assignments": [{"case_id": "S-1", "coordinator_id": "K-1", "start_date": "2026-01-01"},
                        {"case_id": "S-2", "coordinator_id": "K-2", "start_date": "2026-01-01"}]}))
    report = ke_rules.evaluate(snap, ke_rules.load_ruleset(path), as_of=D)
    found = [(f.rule_id, f.subject_id, f.evidence) for f in of(report, "KE-COORD-TRAINING")]
    assert found == [("KE-COORD-TRAINING", "K-1", {"active_assignments": 1})]
    measure = next(m for m in report.measures if m.rule_id == "KE-COORD-TRAINING")
    assert (measure.population, measure.compliant, measure.rate) == (2, 1, 0.5)


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("extends: nasjonal\nparams:\n  max_case_per_coordinator: 6\n", 3, "Did you mean 'max_cases_per_coordinator'"),
    ("extends: nasjonal\nparams:\n  max_cases_per_coordinator: seks\n", 3, "whole number"),
    ("extends: nasjonl\n", 1, "Did you mean 'nasjonal'"),
    ("extends: nasjonal\nrules:\n  KE-COORD-LOAD:\n    severty: high\n", 4, "Did you mean 'severity'"),
    ("extends: nasjonal\nrules:\n  KE-COORD-LAOD:\n    severity: high\n", 3, "Did you mean 'KE-COORD-LOAD'"),
    ("extends: nasjonal\nrules:\n  KE-COORD-LOAD:\n    when: active_case > limit\n", 4, "Did you mean 'active_cases'"),
    ("extends: nasjonal\nrules:\n  KE-COORD-LOAD:\n    when: active_cases > params.max_cases\n", 4, "unknown parameter"),
    ("extends: nasjonal\nrules:\n  KE-COORD-LOAD:\n    when: active_cases >\n", 4, "cannot be read"),
    ("extends: nasjonal\nrules:\n  KE-COORD-LOAD:\n    severity: critical\n", 4, "critical"),
    ("extends: nasjonal\nparams: [1, 2\n", 3, "not valid YAML"),
    ("extends: nasjonal\nrules:\n  KE-COORD-LOAD:\n    message: {nb: '{{ coordinatr_id }}', en: x}\n", 4, "coordinator_id"),
])
def test_broken_ruleset_names_file_line_and_suggestion(tmp_path, text, line, fragment):
    path = write(tmp_path, text)
    with pytest.raises(RulesetError) as info:
        ke_rules.load_ruleset(path)
    message = str(info.value)
    assert info.value.line == line, message
    assert str(path) in message and fragment in message


def test_hash_ignores_layout_but_not_content(tmp_path):
    a = write(tmp_path, "extends: nasjonal\nparams:\n  max_cases_per_coordinator: 6\n", "a.yaml")
    b = write(tmp_path, "# kommentar\nparams: {max_cases_per_coordinator: 6}\nextends: nasjonal\n", "b.yaml")
    c = write(tmp_path, "extends: nasjonal\nparams:\n  max_cases_per_coordinator: 7\n", "c.yaml")
    ha, hb, hc = (ke_rules.load_ruleset(p).sha256 for p in (a, b, c))
    assert ha == hb != hc


def test_builtin_name_found_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert ke_rules.load_ruleset("lund").name == "lund"
    with pytest.raises(RulesetError, match="Did you mean 'lund'"):
        ke_rules.load_ruleset("lundd")
