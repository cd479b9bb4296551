"""Every form of the condition language, through both backends, on hand-made fact frames.

A condition compiles two ways from one tree: to durable-rules JSON (the engine that
produces findings) and to a pandas mask (the population count and the guard that the
engine lost no match; alone, the columnar engine). Each row below runs one condition over
the same small frame of coordinators through durable-rules alone, the mask alone and the
columnar engine, and each must give exactly the expected subjects, including the empty-value cases: an empty field never
satisfies a comparison, and only ``is None`` finds it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml

import ke_rules
from ke_rules import RulesetError
from ke_rules.derive.facts import Facts
from ke_rules.engines.evaluation import _run_jobs, durable_available, evaluate_facts

D = dt.date(2026, 11, 23)

#               id     unit     active  agreed  limit  trained
COORDINATORS = [("K-1", "Hjem", 6, None, 5, True),
                ("K-2", None, 3, 3, 3, False),
                ("K-3", "Psyk", 0, 0, 0, False),
                ("K-4", "Hjem", 5, None, 5, True)]


def _frame() -> pd.DataFrame:
    ids, units, active, agreed, limit, trained = zip(*COORDINATORS, strict=True)
    return pd.DataFrame({
        "coordinator_id": pd.Series(ids, dtype=object), "unit": pd.Series(units, dtype=object),
        "case_ids": pd.Series([[] for _ in ids], dtype=object),
        "active_cases": pd.Series(active, dtype="int64"), "agreed_max_cases": pd.Series(agreed, dtype="Int64"),
        "limit": pd.Series(limit, dtype="int64"), "active_assignments": pd.Series(active, dtype="int64"),
        "trained": pd.Series(trained, dtype=bool), "_id": pd.Series(ids, dtype=object),
        "_case": pd.Series([None] * len(ids), dtype=object)})


def _ruleset(tmp_path, when: str):
    doc = {"name": "vilkar", "params": {"max_cases_per_coordinator": 5, "count_only_cases_with_ip": False},
           "rules": {"KE-TEST": {"title": {"nb": "Test", "en": "Test"}, "severity": "low", "subject": "coordinator",
                                 "when": when, "message": {"nb": "Funn.", "en": "Finding."},
                                 "basis": [{"citation": "Test", "kind": "lov", "url": None}]}}}
    path = tmp_path / "vilkar.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return ke_rules.load_ruleset(path)


def _both(tmp_path, when: str) -> tuple[list[str] | None, list[str], list[str]]:
    ruleset = _ruleset(tmp_path, when)
    frame = _frame()
    facts = Facts(as_of=D, frames={"coordinator": frame}, problems=[])
    ids = frame["coordinator_id"].tolist()
    durable = None  # where durable-rules is not installed, the other two are still held to the table
    if durable_available():
        hits, _, _, _ = _run_jobs(ruleset, facts, [("coordinator", np.arange(len(frame)))], 256)
        durable = sorted(ids[i] for rule_id, i in hits if rule_id == "KE-TEST")
    mask = sorted(np.asarray(ids)[ruleset.rule("KE-TEST").finding.mask(frame)].tolist())
    columnar = sorted(ids[i] for i in evaluate_facts(ruleset, facts, engine="columnar").findings["KE-TEST"])
    return durable, mask, columnar


@pytest.mark.parametrize(("when", "expected"), [
    # comparisons with a number, in both directions
    ("active_cases > 5", ["K-1"]),
    ("active_cases >= 5", ["K-1", "K-4"]),
    ("active_cases < 3", ["K-3"]),
    ("active_cases <= 3", ["K-2", "K-3"]),
    ("active_cases == 3", ["K-2"]),
    ("active_cases != 3", ["K-1", "K-3", "K-4"]),
    ("5 < active_cases", ["K-1"]),
    ("3 >= active_cases", ["K-2", "K-3"]),
    # field against field, and against params.NAME, with + and -
    ("active_cases > limit", ["K-1"]),
    ("active_cases >= limit", ["K-1", "K-2", "K-3", "K-4"]),
    ("active_cases >= limit + 1", ["K-1"]),
    ("active_cases > limit - 1", ["K-1", "K-2", "K-3", "K-4"]),
    ("active_cases > params.max_cases_per_coordinator", ["K-1"]),
    ("active_cases > params.max_cases_per_coordinator - 3", ["K-1", "K-2", "K-4"]),
    ("active_cases + 1 > limit", ["K-1", "K-2", "K-3", "K-4"]),
    # an empty field never satisfies a comparison, whatever the operator or the other side
    ("agreed_max_cases < 3", ["K-3"]),
    ("agreed_max_cases != 3", ["K-3"]),
    ("agreed_max_cases == 3", ["K-2"]),
    ("active_cases > agreed_max_cases", []),
    ("active_cases >= agreed_max_cases", ["K-2", "K-3"]),
    ("unit != 'Hjem'", ["K-3"]),
    # text, lists, emptiness
    ("unit == 'Hjem'", ["K-1", "K-4"]),
    ("unit == \"Psyk\"", ["K-3"]),
    ("unit in ['Hjem', 'Psyk']", ["K-1", "K-3", "K-4"]),
    ("unit not in ['Hjem']", ["K-3"]),
    ("unit is None", ["K-2"]),
    ("unit is not None", ["K-1", "K-3", "K-4"]),
    ("agreed_max_cases is None", ["K-1", "K-4"]),
    ("agreed_max_cases is not None", ["K-2", "K-3"]),
    ("active_cases in [0, 6]", ["K-1", "K-3"]),
    # yes/no fields, and/or/not, brackets
    ("trained", ["K-1", "K-4"]),
    ("not trained", ["K-2", "K-3"]),
    ("trained == True", ["K-1", "K-4"]),
    ("trained and active_cases > 5", ["K-1"]),
    ("not trained or active_cases > 5", ["K-1", "K-2", "K-3"]),
    ("(active_cases > 5 or unit is None) and not trained", ["K-2"]),
    ("trained and (unit == 'Hjem' and active_cases < 6)", ["K-4"]),
    ("true", ["K-1", "K-2", "K-3", "K-4"]),
])
def test_condition_form_in_both_backends(tmp_path, when, expected):
    durable, mask, columnar = _both(tmp_path, when)
    assert durable in (expected, None), "durable-rules"
    assert mask == expected, "column mask"
    assert columnar == expected, "columnar engine"


@pytest.mark.parametrize(("when", "fragment"), [
    ("active_case > 5", "Did you mean 'active_cases'"),
    ("active_cases > params.max_case_per_coordinator", "max_cases_per_coordinator"),
    ("__import__('os')", ""),
    ("active_cases > 5 if trained else 0", ""),
    ("active_cases.real > 5", ""),
    ("active_cases > ", "cannot be read"),
    ("lambda: 1", ""),
])
def test_a_condition_outside_the_language_is_refused(tmp_path, when, fragment):
    with pytest.raises(RulesetError) as err:
        _ruleset(tmp_path, when)
    assert fragment in str(err.value)
