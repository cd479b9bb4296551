"""Lazy validation: every bad row is set aside with a problem; nothing is lost."""

from __future__ import annotations

import ke_rules

from .conftest import write_json


def problems(snap):
    return {(p.table, p.row, p.column, p.code.value, p.severity.value) for p in snap.problems
            if p.severity.value != "notice"}


def test_set_aside_rules_and_cascade(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [
            {"case_id": "S-1", "opened_on": "2024-01-01"},
            {"case_id": "S-1"},                                     # duplicate: later row set aside
            {"case_id": "S-2", "opened_on": "2024-05-01", "closed_on": "2024-04-30"},  # end before start
            {"case_id": "S-3", "opened_on": "2024-05-01", "closed_on": "2024-05-01"},  # equal is fine
            {"case_id": "S-4", "wants_coordinator": "kanskje"},     # optional invalid: warning, kept
        ],
        "coordinators": [{"coordinator_id": "K-1"}],
        "assignments": [
            {"case_id": "S-1", "coordinator_id": "K-1", "start_date": "2024-01-01"},
            {"case_id": "S-1", "coordinator_id": "K-9", "start_date": "2024-01-01"},  # unknown coordinator
            {"case_id": "S-2", "coordinator_id": "K-1", "start_date": "2024-01-01"},  # case set aside
            {"case_id": "S-7", "coordinator_id": "K-1", "start_date": "2024-01-01"},  # unknown case
        ],
        "services": [{"case_id": "S-3", "service": "Trylleskole", "start_date": "2024-01-01"}],
    }))
    assert problems(snap) == {
        ("cases", 2, "case_id", "duplicate_id", "error"),
        ("cases", 3, "closed_on", "end_before_start", "error"),
        ("cases", 5, "wants_coordinator", "not_a_bool", "warning"),
        ("assignments", 2, "coordinator_id", "unknown_coordinator", "error"),
        ("assignments", 3, "case_id", "case_set_aside", "error"),
        ("assignments", 4, "case_id", "unknown_case", "error"),
        ("services", 1, "service", "unknown_service", "warning"),
    }
    assert list(snap.tables["cases"]["case_id"]) == ["S-1", "S-3", "S-4"]
    assert snap.tables["services"]["category"].tolist() == ["annet"]
    for name, count in snap.counts.items():
        kept = len(snap.tables[name])
        assert count.rows == kept + count.set_aside, name


def test_service_category_is_inferred_and_never_second_guessed(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [{"case_id": "S-1"}],
        "services": [
            {"case_id": "S-1", "service": "Hjemmesykepleie", "start_date": "2024-01-01"},
            {"case_id": "S-1", "service": "BUP", "start_date": "2024-01-01"},
            {"case_id": "S-1", "service": "Hjemmesykepleie", "category": "annet", "start_date": "2024-01-01"},
        ]}))
    assert snap.tables["services"]["category"].tolist() == ["helse", "spesialist", "annet"]


def test_problem_values_never_show_identity_numbers(tmp_path):
    snap = ke_rules.load_snapshot(write_json(tmp_path / "s.json", {
        "cases": [{"case_id": "S-1", "birth_date": "01017012345"}, {"case_id": "S-2", "birth_date": "010170 12345"}]}))
    values = [p.value for p in snap.problems if p.column == "birth_date"]
    assert values and all("12345" not in v for v in values)
