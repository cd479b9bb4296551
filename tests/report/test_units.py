"""A subject's unit (report-contract.md, "Rates by unit"): the one lookup avvik's ``enhet`` and
``measures_by_unit`` share. Table-driven over the fall-through from ``cases.unit`` to the
coordinator of the earliest-starting active assignment."""

from __future__ import annotations

from typing import Any

import pytest

import ke_rules
from ke_rules.report.units import clean_unit, subject_units
from tests.snapshot_builder import UNSET, D, Snap

# (id, case unit, coordinators [(id, unit)], assignments [(coordinator, start, end)], expected unit of c1)
CASES: list[tuple[str, Any, list[tuple[str, Any]], list[tuple[str, Any, Any]], str | None]] = [
    ("own unit wins over the assignment", "Enhet A", [("k1", "Enhet B")], [("k1", -10, UNSET)], "Enhet A"),
    ("own unit is trimmed", "  Enhet A ", [], [], "Enhet A"),
    ("blank own unit falls through", "   ", [("k1", "Enhet B")], [("k1", -10, UNSET)], "Enhet B"),
    ("no own unit: the coordinator's", UNSET, [("k1", "Enhet B")], [("k1", -10, UNSET)], "Enhet B"),
    ("earliest start wins", UNSET, [("k1", "B"), ("k2", "C")], [("k1", -5, UNSET), ("k2", -50, UNSET)], "C"),
    ("same start: the earlier row", UNSET, [("k1", "B"), ("k2", "C")], [("k2", -5, UNSET), ("k1", -5, UNSET)], "C"),
    ("ended yesterday is not active", UNSET, [("k1", "B"), ("k2", "C")], [("k1", -50, -1), ("k2", -5, UNSET)], "C"),
    ("ending today is active", UNSET, [("k1", "B"), ("k2", "C")], [("k1", -50, 0), ("k2", -5, UNSET)], "B"),
    ("starting today is active", UNSET, [("k1", "B")], [("k1", 0, UNSET)], "B"),
    ("starting tomorrow is not", UNSET, [("k1", "B")], [("k1", 1, UNSET)], None),
    ("coordinator without unit: null, no fall-through", UNSET, [("k1", UNSET), ("k2", "C")],
     [("k1", -50, UNSET), ("k2", -5, UNSET)], None),
    ("no assignment", UNSET, [("k1", "B")], [], None),
    ("units are case-sensitive text", "enhet a", [], [], "enhet a"),
]


def _snapshot(tmp_path, case_unit, coordinators, assignments):
    s = Snap()
    s.case("c1", unit=case_unit)
    s.case("c2")
    for cid, unit in coordinators:
        s.coordinator(cid, unit=unit)
    for cid, start, end in assignments:
        s.assignment("c1", cid, start=start, end=end)
    s.group("g1", "c1", established=-30)
    s.meeting("m1", "c1", -3)
    return ke_rules.load_snapshot(s.write(tmp_path))


@pytest.mark.parametrize(("name", "case_unit", "coordinators", "assignments", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_case_unit(tmp_path, name, case_unit, coordinators, assignments, expected):
    units = subject_units(_snapshot(tmp_path, case_unit, coordinators, assignments), D)
    assert units.of("case", "c1", "c1") == expected
    assert units.of("group", "g1", "c1") == expected  # a group's and a meeting's unit is their case's
    assert units.of("meeting", "m1", "c1") == expected
    assert units.of("case", "c2", "c2") is None


def test_coordinator_ke_and_routine(tmp_path):
    snap = _snapshot(tmp_path, "A", [("k1", " Enhet B "), ("k2", UNSET)], [("k1", -10, UNSET)])
    units = subject_units(snap, D.isoformat())  # an ISO date is accepted as well as a date
    assert units.of("coordinator", "k1", None) == "Enhet B"
    assert units.of("coordinator", "k2", None) is None
    assert units.of("coordinator", "unknown", None) is None
    assert units.of("ke", "2026-03", None) is None
    assert units.of("routine", "ke_task", None) is None
    assert units.of("meeting", "m-without-case", None) is None


@pytest.mark.parametrize(("value", "expected"), [(None, None), (float("nan"), None), ("", None), ("  ", None),
                                                 (" x ", "x"), ("Enhet", "Enhet")])
def test_clean_unit(value, expected):
    assert clean_unit(value) == expected
