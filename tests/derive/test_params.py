"""Derivation parameters: typed, with the national defaults; a standalone ruleset that lacks one its
rules need, or mistypes one, is refused with file and line instead of failing mid-run."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
import yaml

import ke_rules
from ke_rules import RulesetError
from ke_rules.derive.fields import FIELDS
from ke_rules.derive.params import DERIVATION_DEFAULTS, DerivationParams, check_param, with_defaults
from ke_rules.rules.ruleset import _builtin_dir

from ..conftest import write_json

D = dt.date(2026, 11, 23)

RULE = """\
name: alene
params:
{params}
rules:
  KE-MY-RULE:
    title: {{nb: Min regel, en: My rule}}
    severity: medium
    subject: {subject}
    when: {when}
    message: {{nb: "Funn.", en: "Finding."}}
    basis:
      - citation: "Helse- og omsorgstjenesteloven § 7-2"
        kind: lov
        url: null
"""


def _ruleset(tmp_path, subject: str, when: str, params: str):
    p = tmp_path / "alene.yaml"
    p.write_text(RULE.format(subject=subject, when=when, params=textwrap.indent(params or "{}", "  ")), encoding="utf-8")
    return p


def test_the_defaults_are_the_national_rulesets():
    nasjonal = yaml.safe_load((_builtin_dir() / "nasjonal.yaml").read_text(encoding="utf-8"))["params"]
    assert {k: nasjonal[k] for k in DERIVATION_DEFAULTS} == DERIVATION_DEFAULTS


@pytest.mark.parametrize(("subject", "when", "missing"), [
    ("case", "not qualifying_assignment", "mapping_grace_days"),
    ("case", "qualifying_service_count >= 2", "coordination_categories"),
    ("case", "long_running_count >= 2", "long_term_days"),
    ("coordinator", "active_cases > limit", "count_only_cases_with_ip"),
    ("coordinator", "limit < 3", "max_cases_per_coordinator"),
    ("case", "needs_coordination", "coordination_categories"),
])
def test_a_standalone_ruleset_lacking_a_parameter_its_rule_needs_is_refused(tmp_path, subject, when, missing):
    path = _ruleset(tmp_path, subject, when, "")
    with pytest.raises(RulesetError) as err:
        ke_rules.load_ruleset(path)
    assert err.value.line == 5 and str(path) in str(err.value) and f"'{missing}'" in str(err.value)


@pytest.mark.parametrize(("when", "given", "missing"), [
    ("needs_coordination", "long_term_days: 90", "coordination_categories"),
    ("needs_coordination", "coordination_categories: [helse]", "long_term_days"),
    ("long_running_count >= 2", "long_term_days: 90", "coordination_categories"),
])
def test_every_parameter_a_field_depends_on_is_required(tmp_path, when, given, missing):
    path = _ruleset(tmp_path, "case", when, given)
    with pytest.raises(RulesetError) as err:
        ke_rules.load_ruleset(path)
    set_one = given.split(":")[0]
    assert f"the parameter '{missing}'" in str(err.value) and f"'{set_one}'" not in str(err.value)


def test_a_field_names_only_derivation_parameters():
    for fields in FIELDS.values():
        for info in fields.values():
            assert isinstance(info.params, tuple) and set(info.params) <= set(DERIVATION_DEFAULTS)


@pytest.mark.parametrize("per_year", [2, 2.0, 1.5, 12])
def test_the_typed_parameters_keep_the_values_a_ruleset_gives(per_year):
    p = DerivationParams.model_validate(with_defaults({"min_group_meetings_per_year": per_year}))
    assert p.min_group_meetings_per_year == per_year and type(p.min_group_meetings_per_year) is type(per_year)
    nasjonal = DerivationParams.model_validate(with_defaults(ke_rules.load_ruleset("nasjonal").params))
    assert nasjonal.model_dump() == DERIVATION_DEFAULTS


@pytest.mark.parametrize(("params", "line", "fragment"), [
    ("mapping_grace_days: ja", 3, "mapping_grace_days"),
    ("mapping_grace_days: -1", 3, "greater than or equal to 0"),
    ("count_only_cases_with_ip: 1", 3, "boolean"),
    ("coordination_categories: [helse, sykehus]", 3, "coordination_categories'[1]"),
    ("min_group_meetings_per_year: 0", 3, "greater than 0"),
])
def test_a_mistyped_parameter_is_refused_with_its_line(tmp_path, params, line, fragment):
    path = _ruleset(tmp_path, "case", "not ip_active", params)
    with pytest.raises(RulesetError) as err:
        ke_rules.load_ruleset(path)
    assert err.value.line == line and fragment in str(err.value)


def test_a_standalone_ruleset_runs_without_the_parameters_no_rule_of_it_needs(tmp_path):
    ruleset = ke_rules.load_ruleset(_ruleset(tmp_path, "case", "not ip_active", ""))
    snapshot = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [{"case_id": "S-1"}, {"case_id": "S-2", "ip_started_on": "2026-01-01"}],
        "assignments": [{"case_id": "S-1", "coordinator_id": "K-1", "start_date": "2026-01-01"}],
        "coordinators": [{"coordinator_id": "K-1"}]}))
    report = ke_rules.evaluate(snapshot, ruleset, as_of=D)
    assert [f.subject_id for f in report.findings] == ["S-1"]
    assert report.ruleset.params == {}


@pytest.mark.parametrize(("name", "value", "ok"), [
    ("max_cases_per_coordinator", 0, True), ("max_cases_per_coordinator", 5.5, False),
    ("long_term_days", 90, True), ("long_term_days", "90", False),
    ("min_group_meetings_per_year", 1.5, True), ("min_group_meetings_per_year", -2, False),
    ("not_a_derivation_parameter", "anything", True),
])
def test_check_param(name, value, ok):
    assert (check_param(name, value) is None) is ok
