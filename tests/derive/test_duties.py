"""The second wave's derived fields, function by function (table-driven), and the routine parameters."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import ke_rules
from ke_rules import RulesetError
from ke_rules.derive.facts import derive_facts
from ke_rules.derive.params import check_param
from ke_rules.derive.routine import review_limit_days

from ..conftest import write_json

D = dt.date(2026, 11, 23)


def facts(tmp_path, tables: dict, as_of: dt.date = D) -> dict[str, pd.DataFrame]:
    snapshot = ke_rules.load_snapshot(write_json(tmp_path / "s.json", tables))
    return derive_facts(snapshot, as_of, ke_rules.load_ruleset("nasjonal").params).frames


def one(frame: pd.DataFrame, field: str, subject: str) -> object:
    value = frame.set_index("_id")[field][subject]
    if isinstance(value, np.bool_ | np.integer):
        return value.item()
    return None if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)) else value


@pytest.mark.parametrize(("months", "days"), [(0, 0), (1, 30), (2, 60), (3, 91), (12, 365), (24, 730), (48, 1461)])
def test_review_limit_is_floor_of_30_4375_per_month(months, days):
    assert review_limit_days(months) == days


@pytest.mark.parametrize(("case", "referrals", "reference"), [
    ({"opened_on": "2026-01-01"}, [], "2026-01-01"),
    ({"opened_on": "2026-01-01"}, ["2026-03-01", "2026-02-01"], "2026-02-01"),
    ({"opened_on": "2026-05-01"}, ["2026-02-01"], "2026-02-01"),
    ({"opened_on": "2026-01-01"}, ["2026-12-01"], "2026-01-01"),
    ({}, ["2026-12-01"], None),
    ({}, [], None),
])
def test_reference_date(tmp_path, case, referrals, reference):
    frame = facts(tmp_path, {"cases": [{"case_id": "S-1", **case}],
                             "referrals": [{"case_id": "S-1", "received_on": r} for r in referrals]})["case"]
    got = one(frame, "reference_date", "S-1")
    assert (None if got is None else got.date().isoformat()) == reference
    waiting = one(frame, "days_waiting", "S-1")
    assert waiting == (None if reference is None else (D - dt.date.fromisoformat(reference)).days)


@pytest.mark.parametrize(("wants", "ip", "recorded", "wants_or_needs"), [
    ("ja", None, True, True), ("nei", "2026-01-01", False, False), (None, "2026-01-01", None, True),
    (None, None, None, False), ("nei", None, False, False),
])
def test_the_wish_as_recorded(tmp_path, wants, ip, recorded, wants_or_needs):
    frame = facts(tmp_path, {"cases": [{"case_id": "S-1", "wants_coordinator": wants, "ip_started_on": ip}]})["case"]
    assert one(frame, "wants_coordinator_recorded", "S-1") == recorded
    assert one(frame, "wants_coordinator", "S-1") is (recorded is True)
    assert one(frame, "wants_or_needs_coordinator", "S-1") is wants_or_needs


@pytest.mark.parametrize(("birth", "relatives", "child"), [
    ("2008-11-24", [], True), ("2008-11-23", [], False), ("2027-01-01", [], True), (None, [], False),
    ("1980-01-01", [("barn", "2010-03-01")], True),
    ("1980-01-01", [("barn", "2008-11-23")], False), ("1980-01-01", [("barn", "2026-12-24")], True),
    ("1980-01-01", [("sosken", "2015-01-01")], False), ("1980-01-01", [("barn", None)], False),
])
def test_has_child(tmp_path, birth, relatives, child):
    frame = facts(tmp_path, {"cases": [{"case_id": "S-1", "birth_date": birth}],
                             "relatives": [{"case_id": "S-1", "relation": r, "birth_date": b} for r, b in relatives]})
    assert one(frame["case"], "has_child", "S-1") is child


@pytest.mark.parametrize(("recorded", "meetings", "evaluated"), [
    (None, [], None),
    ("2026-01-01", [], "2026-01-01"),
    ("2026-12-01", [], None),
    ("2026-01-01", [("evaluering", "2026-05-01", "held")], "2026-05-01"),
    ("2026-06-01", [("evaluering", "2026-05-01", "held")], "2026-06-01"),
    (None, [("evaluering", "2026-05-01", "cancelled")], None),
    (None, [("evaluering", "2026-12-01", "held")], None),
    (None, [("ansvarsgruppe", "2026-05-01", "held")], None),
    (None, [("evaluering", "2026-11-23", None)], "2026-11-23"),
])
def test_last_evaluation(tmp_path, recorded, meetings, evaluated):
    frame = facts(tmp_path, {
        "cases": [{"case_id": "S-1", "ip_started_on": "2024-01-01", "ip_last_evaluated_on": recorded}],
        "meetings": [{"meeting_id": f"M-{i}", "case_id": "S-1", "kind": k, "meeting_date": on, "status": st}
                     for i, (k, on, st) in enumerate(meetings)]})["case"]
    got = one(frame, "last_evaluated_on", "S-1")
    assert (None if got is None else got.date().isoformat()) == evaluated
    assert one(frame, "ip_evaluated", "S-1") is (evaluated is not None)


@pytest.mark.parametrize(("reviews", "has", "missing"), [
    ([], False, []),
    ([("2026-01-01", {"goals": "ja"})], True, ["participants", "coordinator", "contributions", "measures",
                                             "implementation", "period", "consent", "cooperation"]),
    ([("2025-12-31", {})], False, []),
    ([("2026-03-01", {"goals": "nei"}), ("2026-03-01", {"cooperation": "nei", "goals": "ja", "participants": "ja",
      "coordinator": "ja", "contributions": "ja", "measures": "ja", "implementation": "ja", "period": "ja",
      "consent": "ja"})], True, ["cooperation"]),
])
def test_latest_ip_review(tmp_path, reviews, has, missing):
    frame = facts(tmp_path, {"cases": [{"case_id": "S-1", "ip_started_on": "2026-01-01"}],
                             "ip_reviews": [{"case_id": "S-1", "reviewed_on": on, **items} for on, items in reviews]})
    assert one(frame["case"], "has_plan_review", "S-1") is has
    assert one(frame["case"], "missing_items", "S-1") == missing
    assert one(frame["case"], "missing_item_count", "S-1") == len(missing)


def test_routine_subject_is_absent_without_routines(tmp_path):
    assert facts(tmp_path, {"cases": [{"case_id": "S-1"}]})["routine"].empty


@pytest.mark.parametrize(("value", "fragment"), [
    (["meldinger", "opplering"], "[1]: 'opplering' is not a task key. Did you mean 'opplaering'?"),
    (["motta meldinger"], "[0]: 'motta meldinger' is not a task key. Did you mean 'meldinger'?"),
    (["meldinger", "meldinger"], "[1]: 'meldinger' is named twice"),
    (["plan", "interne_meldinger"], None),
])
def test_required_routines_are_known_distinct_task_keys(value, fragment):
    problem = check_param("required_routines", value)
    assert (problem is None) if fragment is None else (fragment in problem)


def test_a_ruleset_with_an_unknown_routine_is_refused_with_its_line(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("extends: nasjonal\nparams:\n  required_routines: [meldinger, oppnevnig]\n", encoding="utf-8")
    with pytest.raises(RulesetError) as err:
        ke_rules.load_ruleset(path)
    assert err.value.line == 3 and "Did you mean 'oppnevning'?" in str(err.value)
