"""ke_rules against the independent oracle (tests/reference.py) on random snapshots that are
dense around every boundary of rules.md (tests/random_snapshot.py, not ke_rules' generator):
all seventeen rules of the oracle, finding for finding and population for population."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import pytest

import ke_rules

sys.path.insert(0, os.path.dirname(__file__))

from random_snapshot import random_snapshot  # noqa: E402
from reference import RULE_IDS, reference_evaluate  # noqa: E402


@pytest.mark.parametrize("ruleset, as_of, seed", [
    ("nasjonal", dt.date(2025, 6, 15), 1),
    ("nasjonal", dt.date(2022, 7, 31), 2),  # the day before the barnekoordinator right
    ("nasjonal", dt.date(2022, 8, 1), 2),
    ("nasjonal", dt.date(2028, 2, 29), 3),
    ("lund", dt.date(2025, 6, 15), 4),
])
def test_ke_rules_equals_the_oracle_on_a_random_snapshot(ruleset, as_of, seed, tmp_path):
    snapshot = random_snapshot(1_500, seed, as_of)  # every service has a category: no vocabulary needed
    path = tmp_path / "r.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    rs = ke_rules.load_ruleset(ruleset)
    assert set(RULE_IDS) <= set(rs.rules)  # the comparison covers every rule the oracle knows
    report = ke_rules.evaluate(ke_rules.load_snapshot(path), rs, as_of=as_of)
    assert not [p for p in report.input_problems if p.severity.value == "error"]
    ref = reference_evaluate(snapshot, as_of, dict(rs.params))
    mine = {(f.rule_id, f.subject_type.value, f.subject_id, f.severity) for f in report.findings}
    mine = {f for f in mine if f[0] in RULE_IDS}
    assert mine == ref["findings"], sorted(mine ^ ref["findings"])[:10]
    populations = {m.rule_id: m.population for m in report.measures if m.rule_id in RULE_IDS}
    assert populations == ref["populations"]
