"""Rates by unit (report-contract.md, "Rates by unit")."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ke_rules

from ..snapshot_builder import NASJONAL, D, Snap, day

RULE = "KE-CHILD-RELATIVE"


def units_of(report: ke_rules.Report, rule_id: str = RULE) -> dict[str | None, tuple[int, int]]:
    return {m.unit: (m.population, m.findings) for m in report.measures_by_unit if m.rule_id == rule_id}


def one_case(tmp_path: Path, case_unit: Any, assignments: list[tuple[str, int, Any]],
             coordinator_units: dict[str, Any]) -> dict[str | None, tuple[int, int]]:
    s = Snap()
    for k, unit in coordinator_units.items():
        s.coordinator(k, unit=unit)
    s.case("c1", unit=case_unit)
    for k, start, end in assignments:
        s.assignment("c1", k, start=start, end=end)
    return units_of(ke_rules.check(s.write(tmp_path), NASJONAL, as_of=D))


@pytest.mark.parametrize(("case_unit", "assignments", "coordinators", "want"), [
    ("Sak-enhet", [("k1", -110, None)], {"k1": "Nord"}, "Sak-enhet"),  # cases.unit first
    ("  Sak-enhet ", [("k1", -110, None)], {"k1": "Nord"}, "Sak-enhet"),  # trimmed
    ("  ", [("k1", -110, None)], {"k1": "Nord"}, "Nord"),  # empty: the coordinator's
    (None, [("k1", -110, None), ("k2", -120, None)], {"k1": "Nord", "k2": "Sør"}, "Sør"),  # earliest start
    (None, [("k1", -110, None), ("k2", -110, None)], {"k1": "Nord", "k2": "Sør"}, "Nord"),  # tie: earlier row
    (None, [("k2", -110, None), ("k1", -110, None)], {"k1": "Nord", "k2": "Sør"}, "Sør"),
    (None, [("k2", -120, -1), ("k1", -110, None)], {"k1": "Nord", "k2": "Sør"}, "Nord"),  # ended before D: inactive
    (None, [("k2", -120, 0), ("k1", -110, None)], {"k1": "Nord", "k2": "Sør"}, "Sør"),  # ends at D: active
    (None, [("k1", -120, None), ("k2", -110, None)], {"k1": None, "k2": "Sør"}, None),  # no fall-through
    (None, [("k1", -110, None)], {"k1": "nord"}, "nord"),  # case-sensitive, as written
])
def test_a_case_unit_falls_back_to_its_first_active_coordinator(tmp_path, case_unit, assignments, coordinators, want):
    assert one_case(tmp_path, case_unit, assignments, coordinators) == {want: (1, 1)}


def test_units_sort_naturally_with_null_last_and_keys_follow_the_contract(tmp_path):
    s = Snap().coordinator("k1", unit="Sone 10").coordinator("k2", unit="Sone 9").coordinator("k3")
    for i, k in enumerate(["k1", "k2", "k3", "k1"]):
        s.case(f"c{i}").assignment(f"c{i}", k, start=-110)
    data = ke_rules.check(s.write(tmp_path), NASJONAL, as_of=D).to_dict()
    rows = data["measures_by_unit"]
    assert [r["unit"] for r in rows if r["rule_id"] == RULE] == ["Sone 9", "Sone 10", None]
    assert all(list(r) == ["unit", "rule_id", "population", "findings", "compliant", "rate", "waived",
                           "rate_after_waivers"] for r in rows)
    assert all(r["population"] > 0 for r in rows)
    assert rows == sorted(rows, key=lambda r: (r["unit"] is None, r["unit"] != "Sone 9", r["rule_id"]))
    coord = [r for r in rows if r["rule_id"] == "KE-COORD-LOAD"]
    assert [(r["unit"], r["population"]) for r in coord] == [("Sone 9", 1), ("Sone 10", 1), (None, 1)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([None, "A", "B", " A", "b"]), st.sampled_from(["k1", "k2", "k3", None]),
                          st.integers(-130, 5), st.booleans(), st.booleans()), min_size=1, max_size=12),
       st.dictionaries(st.sampled_from(["k1", "k2", "k3"]), st.sampled_from([None, "A", "B", "C"])))
def test_sums_over_units_equal_the_measure(cases, coordinator_units):
    s = Snap()
    for k in ("k1", "k2", "k3"):
        s.coordinator(k, unit=coordinator_units.get(k))
    for i, (unit, k, start, mapped, waived) in enumerate(cases):
        s.case(f"c{i}", unit=unit, relatives_mapped_on=-1 if mapped else None)
        if k is not None:
            s.assignment(f"c{i}", k, start=start)
            s.meeting(f"m{i}", f"c{i}", -3, kind="samarbeidsmote", status="held")
        if waived:
            s.add("unntak", rule_id=RULE, subject_id=f"c{i}", reason="r", decided_by="d",
                  decided_on=day(-1), expires_on=day(1))
    with tempfile.TemporaryDirectory() as tmp:
        report = ke_rules.check(s.write(Path(tmp)), NASJONAL, as_of=D)
    for m in report.measures:
        rows = [u for u in report.measures_by_unit if u.rule_id == m.rule_id]
        for key in ("population", "findings", "compliant", "waived"):
            assert sum(getattr(u, key) for u in rows) == getattr(m, key), (m.rule_id, key)
        assert len({u.unit for u in rows}) == len(rows)
