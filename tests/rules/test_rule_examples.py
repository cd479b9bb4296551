"""Rules tested like code: the built-in rulesets' examples pass, a wrong example fails by name.

The examples themselves are the rule tests (``rulesets/*.examples.yaml``); this file
runs them through ``ke-rules rules test``, holds every rule to having examples, and
checks that the runner can fail: a wrong expectation, a bad examples file, a rule a
municipal ruleset rewrote.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import ke_rules
from ke_rules.cli import main
from ke_rules.rules.examples import examples_path, load_examples, run_examples
from ke_rules.rules.ruleset import _builtin_dir

BUILTIN = ["nasjonal", "lund", "stor-elvdal"]


def _cli(*args: str):
    return CliRunner().invoke(main, ["rules", "test", *args])


@pytest.fixture(scope="module")
def builtin_results():
    return {name: run_examples(name) for name in BUILTIN}


def test_the_command_passes_the_national_examples():
    result = _cli("nasjonal")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("nasjonal: ") and "0 feilet" in result.output


@pytest.mark.parametrize("name", BUILTIN)
def test_the_builtin_rulesets_pass_their_examples(builtin_results, name):
    failed = [f"{r.rule_id} «{r.name}»: {r.why}" for r in builtin_results[name] if r.status != "pass"]
    assert not failed, failed


@pytest.mark.parametrize("name", BUILTIN)
def test_every_enabled_rule_has_an_example_that_runs(builtin_results, name):
    ruleset = ke_rules.load_ruleset(name)
    ran = {r.rule_id for r in builtin_results[name] if r.status == "pass"}
    assert set(ruleset.rules) <= ran, sorted(set(ruleset.rules) - ran)


def test_every_rule_of_every_builtin_ruleset_has_examples_somewhere():
    rule_ids: set[str] = set()
    for name in BUILTIN:
        ruleset = ke_rules.load_ruleset(name)
        rule_ids |= set(ruleset.rules) | set(ruleset.disabled)
    with_examples: set[str] = set()
    for path in _builtin_dir().glob("*.examples.yaml"):
        with_examples |= set(load_examples(path))
    assert rule_ids <= with_examples, sorted(rule_ids - with_examples)


def _municipal(tmp_path: Path, examples: str, rules: str = "", extends: bool = False) -> Path:
    """A municipal ruleset with its own examples: extending nasjonal, or (faster: no inherited examples
    to run) standalone with nasjonal's KE-COORD-LOAD and the parameters it needs."""
    ruleset = tmp_path / "min-kommune.yaml"
    if extends:
        ruleset.write_text("extends: nasjonal\nname: min-kommune\nparams:\n  max_cases_per_coordinator: 1\n" + rules,
                           encoding="utf-8")
    else:
        national = yaml.safe_load((_builtin_dir() / "nasjonal.yaml").read_text(encoding="utf-8"))
        doc = {"name": "min-kommune", "params": {"max_cases_per_coordinator": 1, "count_only_cases_with_ip": False},
               "rules": {"KE-COORD-LOAD": national["rules"]["KE-COORD-LOAD"]}}
        ruleset.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    examples_path(ruleset).write_text(textwrap.dedent(examples), encoding="utf-8")
    return ruleset


ONE_COORDINATOR_TWO_CASES = """\
    KE-COORD-LOAD:
      - name: {name}
        input:
          cases: [{{case_id: S-1}}, {{case_id: S-2}}]
          coordinators: [{{coordinator_id: K-1}}]
          assignments:
            - {{case_id: S-1, coordinator_id: K-1, start_date: "2026-01-01"}}
            - {{case_id: S-2, coordinator_id: K-1, start_date: "2026-01-01"}}
        findings: {findings}
"""


def test_a_municipal_ruleset_carries_its_own_examples(tmp_path):
    path = _municipal(tmp_path, ONE_COORDINATOR_TWO_CASES.format(name="to saker er for mange", findings="[K-1]"),
                      extends=True)
    result = _cli(str(path), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "«to saker er for mange» (min-kommune.examples.yaml)" in result.output
    assert "(nasjonal.examples.yaml)" in result.output  # the inherited ones run too


def test_a_wrong_example_fails_with_exit_1_naming_it(tmp_path):
    path = _municipal(tmp_path, ONE_COORDINATOR_TWO_CASES.format(name="feil forventning", findings="[]"))
    result = _cli(str(path))
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if x.startswith("FEIL"))
    assert "KE-COORD-LOAD" in line and "«feil forventning»" in line and "expected findings [], got ['K-1']" in line


@pytest.mark.parametrize(("extra", "fragment"), [
    ("    population: 2\n", "expected population 2, got 1"),
    ("    severity: {K-1: high}\n", "expected K-1 at severity high, got medium"),
    ("    params: {max_case_per_coordinator: 1}\n", "unknown parameter 'max_case_per_coordinator'"),
])
def test_population_severity_and_params_are_checked(tmp_path, extra, fragment):
    text = ONE_COORDINATOR_TWO_CASES.format(name="x", findings="[K-1]") + textwrap.indent(extra, "    ")
    result = _cli(str(_municipal(tmp_path, text)))
    assert result.exit_code == 1 and fragment in result.output, result.output


def test_an_example_whose_input_has_an_error_fails(tmp_path):
    text = ONE_COORDINATOR_TWO_CASES.format(name="dårlig dato", findings="[K-1]").replace('"2026-01-01"}\n', '"31.02.2026"}\n', 1)
    result = _cli(str(_municipal(tmp_path, text)))
    assert result.exit_code == 1 and "input has an error" in result.output, result.output


def test_inherited_examples_are_skipped_for_a_rule_the_municipality_rewrote(tmp_path):
    rewritten = "rules:\n  KE-MEET-NEXT:\n    when: not next_meeting_agreed and held_since_established >= 2\n"
    path = _municipal(tmp_path, ONE_COORDINATOR_TWO_CASES.format(name="x", findings="[K-1]"), rewritten, extends=True)
    results = run_examples(path)
    skipped = {r.rule_id for r in results if r.status == "skip"}
    assert skipped == {"KE-MEET-NEXT"}
    assert all(r.status != "fail" for r in results)


@pytest.mark.parametrize(("text", "fragment"), [
    ("KE-COORD-LAOD: []\n", "Did you mean 'KE-COORD-LOAD'"),
    ("- just a list\n", "expected a mapping"),
    ("KE-COORD-LOAD:\n  - name: x\n", "input"),
    ("KE-COORD-LOAD: [\n", "not valid YAML"),
])
def test_a_broken_examples_file_is_exit_2(tmp_path, text, fragment):
    result = _cli(str(_municipal(tmp_path, text)))
    assert result.exit_code == 2 and fragment in result.output, result.output


def test_the_builtin_examples_files_are_not_rulesets():
    assert not [n for n in ke_rules.builtin_rulesets() if "examples" in n]
