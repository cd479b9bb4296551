"""`ke-rules rules list` and `rules show`: every rule, parameters in force, basis, suggestions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ke_rules import builtin_rulesets, load_ruleset
from ke_rules.cli import main

BUILTIN = ["nasjonal", "lund", "stor-elvdal"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def rule_line(out: str, rule_id: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(rule_id + " "))


def test_builtins_are_the_three():
    assert set(BUILTIN) <= set(builtin_rulesets())


@pytest.mark.parametrize("name", BUILTIN)
def test_list_names_every_enabled_rule(name):
    rs = load_ruleset(name)
    code, out, _ = run("rules", "list", "--ruleset", name)
    assert code == 0
    for rule_id, rule in rs.rules.items():
        line = rule_line(out, rule_id)
        assert rule.severity in line and rule.subject in line and rule.spec.title.nb in line
        assert "[slått av]" not in line
        for b in rule.basis:
            assert b.citation in out


@pytest.mark.parametrize("name", BUILTIN)
def test_list_json_matches_ruleset(name):
    rs = load_ruleset(name)
    code, out, _ = run("rules", "list", "--ruleset", name, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows if r["enabled"]] == list(rs.rules)
    assert sorted(r["id"] for r in rows if not r["enabled"]) == sorted(rs.disabled)
    for r in rows:
        assert set(r) >= {"id", "enabled", "title", "severity", "severity_when", "subject", "params", "basis"}
        assert all(k in rs.params and rs.params[k] == v for k, v in r["params"].items())


def test_parameters_in_force_come_through_inheritance():
    _, lund, _ = run("rules", "list", "--ruleset", "lund")
    _, nasjonal, _ = run("rules", "list", "--ruleset", "nasjonal")
    assert "count_only_cases_with_ip=true" in lund and "count_only_cases_with_ip=false" in nasjonal
    assert "max_cases_per_coordinator=5" in lund  # set in nasjonal, restated by lund
    rows = {r["id"]: r for r in json.loads(run("rules", "list", "--ruleset", "lund", "--format", "json")[1])}
    assert rows["KE-COORD-LOAD"]["params"] == {"max_cases_per_coordinator": 5, "count_only_cases_with_ip": True}
    assert rows["KE-INVITE-LEAD"]["params"] == {"invitation_lead_days": 14}
    assert rows["KE-CONSENT"]["params"] == {}


def test_own_ruleset_parameters_in_force(tmp_path):
    path = tmp_path / "min-kommune.yaml"
    path.write_text("extends: lund\nname: min-kommune\nparams:\n  invitation_lead_days: 10\n", encoding="utf-8")
    code, out, _ = run("rules", "list", "--ruleset", str(path))
    assert code == 0 and "min-kommune" in out.splitlines()[0] and "lund" in out.splitlines()[0]
    assert "invitation_lead_days=10" in out and "count_only_cases_with_ip=true" in out


def test_system_monthly_disabled_in_nasjonal_enabled_in_stor_elvdal():
    _, out, _ = run("rules", "list", "--ruleset", "nasjonal")
    line = rule_line(out, "KE-SYSTEM-MONTHLY")
    assert "[slått av]" in line and "low" in line and "ke" in line  # a disabled rule still shows what it is
    _, out, _ = run("rules", "list", "--ruleset", "stor-elvdal")
    assert "[slått av]" not in rule_line(out, "KE-SYSTEM-MONTHLY")
    assert "«Koordinerende enhet har møter månedlig»" in out  # stor-elvdal's own basis
    _, out, _ = run("rules", "list", "--ruleset", "nasjonal", "--lang", "en")
    assert "[disabled]" in rule_line(out, "KE-SYSTEM-MONTHLY")


def test_list_shows_conditional_severity():
    _, out, _ = run("rules", "list")
    assert "medium→high" in rule_line(out, "KE-CHILD-RELATIVE")
    assert "high når minor_children_siblings >= 1" in out


def test_nb_and_en_titles_differ():
    _, nb, _ = run("rules", "list", "--lang", "nb")
    _, en, _ = run("rules", "list", "--lang", "en")
    assert "Koordinatorbelastning" in nb and "Coordinator load" not in nb
    assert "Coordinator load" in en and "Koordinatorbelastning" not in en
    _, nb, _ = run("rules", "show", "KE-MEET-NEXT")
    _, en, _ = run("rules", "show", "KE-MEET-NEXT", "--lang", "en")
    assert "Neste møte avtalt" in nb and "Next meeting agreed" in en and nb != en


def test_show_in_full():
    code, out, _ = run("rules", "show", "KE-INVITE-LEAD", "--ruleset", "lund")
    assert code == 0
    rs = load_ruleset("lund")
    spec = rs.rules["KE-INVITE-LEAD"].spec
    assert out.splitlines()[0] == "KE-INVITE-LEAD (lund)"
    for text in (spec.title.nb, spec.population.nb, "invitation_lead_days=14", "lokal_rutine", "low",
                 "meeting", *spec.evidence):
        assert text in out
    assert " ".join(spec.when.split()) in " ".join(out.split())
    code, out, _ = run("rules", "show", "KE-COORD-LOAD")
    assert "https://lovdata.no/lov/2011-06-24-30/§7-2" in out and "Helse- og omsorgstjenesteloven § 7-3" in out


def test_show_json():
    code, out, _ = run("rules", "show", "KE-CHILD-RELATIVE", "--format", "json", "--lang", "en")
    assert code == 0
    d = json.loads(out)
    assert d["ruleset"] == "nasjonal" and d["id"] == "KE-CHILD-RELATIVE" and d["enabled"] is True
    assert d["title"] == "Children as relatives mapped"
    assert d["severity_when"] == [{"severity": "high", "when": "minor_children_siblings >= 1"}]
    assert d["applies_to"] == "qualifying_assignment" and d["when"] == "not relatives_mapped"
    assert d["params"] == {"mapping_grace_days": 30}
    assert d["evidence"] == ["minor_children_siblings", "earliest_qualifying_assignment_start", "relatives_mapped_on"]
    assert {b["kind"] for b in d["basis"]} == {"lov", "lokal_rutine"} and all("url" in b for b in d["basis"])


def test_show_disabled_rule():
    code, out, _ = run("rules", "show", "KE-SYSTEM-MONTHLY")
    assert code == 0 and "slått av" in out and "ke_meetings_in_month == 0" in out
    d = json.loads(run("rules", "show", "KE-SYSTEM-MONTHLY", "--ruleset", "stor-elvdal", "--format", "json")[1])
    assert d["enabled"] is True


def test_show_typo_suggests_the_right_id():
    code, out, err = run("rules", "show", "KE-COORD-LAOD")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "KE-COORD-LAOD" in err and "Did you mean 'KE-COORD-LOAD'?" in err
    code, _, err = run("rules", "show", "KE-MEET-FRQ", "--ruleset", "lund")
    assert code == 2 and "'KE-MEET-FREQ'" in err and "Traceback" not in err


def test_show_is_case_insensitive():
    code, out, _ = run("rules", "show", "ke-consent")
    assert code == 0 and out.startswith("KE-CONSENT (nasjonal)")


def test_unknown_ruleset_exit_2():
    for args in (("rules", "list", "--ruleset", "lnud"), ("rules", "show", "KE-CONSENT", "--ruleset", "lnud")):
        code, out, err = run(*args)
        assert code == 2 and out == "" and "lund" in err and "Traceback" not in err


def test_disabled_rule_that_does_not_compile_is_listed_by_id(tmp_path):
    path = tmp_path / "utkast.yaml"
    path.write_text(
        "extends: nasjonal\nname: utkast\nrules:\n  KE-DRAFT:\n    enabled: false\n"
        "    title: {nb: Utkast, en: Draft}\n    severity: low\n    subject: case\n    when: no_such_field > 1\n"
        "    message: {nb: x, en: x}\n    basis:\n      - {citation: Rutine, kind: lokal_rutine}\n",
        encoding="utf-8")
    code, out, _ = run("rules", "list", "--ruleset", str(path))
    assert code == 0
    assert "[slått av]" in rule_line(out, "KE-DRAFT") and "[slått av]" in rule_line(out, "KE-SYSTEM-MONTHLY")
    assert "Stor-Elvdal kommune, Retningslinjer" in out  # the other disabled rule is still shown in full
    rows = {r["id"]: r for r in json.loads(run("rules", "list", "--ruleset", str(path), "--format", "json")[1])}
    assert rows["KE-DRAFT"] == {"id": "KE-DRAFT", "enabled": False}
    assert rows["KE-SYSTEM-MONTHLY"]["severity"] == "low"
