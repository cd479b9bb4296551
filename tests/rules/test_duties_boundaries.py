"""Table-driven boundary tests for the KE's further duties (rules.md, second wave).

As in ``test_rules_boundaries.py``: each row builds a small snapshot at D = 2026-11-23,
evaluates ``nasjonal`` (parameters overridden through ``ruleset_with``) and asserts the
exact findings and population of the one rule under test. Evidence keys and values are
asserted where rules.md names them; the three data-quality warnings are asserted on every
kept row, whatever the scope.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))

from snapshot_builder import UNSET, D, Snap, day, finding, measure, pairs, ruleset_with  # noqa: E402

P = pytest.param
WANTS = {"wants_coordinator": True}
CHILD = {"wants_coordinator": True, "child_coordinator_eligible": True, "birth_date": "2015-01-01"}


def check(report: Any, rule_id: str, expected: set[str], population: int) -> None:
    assert pairs(report, rule_id) == {(rule_id, s) for s in expected}
    m = measure(report, rule_id)
    assert (m.population, m.findings, m.compliant) == (population, len(expected), population - len(expected))


def codes(report: Any) -> list[tuple[str, int | None, str | None, str, str | None, str]]:
    return sorted((p.table, p.row, p.column, str(p.code.value), p.value, str(p.severity))
                  for p in report.input_problems if p.severity != "notice")


# ===================================================================================
# KE-COORD-MISSING — params: appointment_grace_days (30)
# ===================================================================================

@pytest.mark.parametrize("case, referrals, assignments, params, expected, population", [
    P(WANTS | {"opened_on": -29}, [], [], {}, set(), 0, id="R-29-within-grace"),
    P(WANTS | {"opened_on": -30}, [], [], {}, {"c1"}, 1, id="R-30-finding"),
    P(WANTS | {"opened_on": -31}, [], [], {}, {"c1"}, 1, id="R-31-finding"),
    P(WANTS | {"opened_on": -10}, [], [], {"appointment_grace_days": 10}, {"c1"}, 1, id="grace-10-R-10"),
    P(WANTS | {"opened_on": -9}, [], [], {"appointment_grace_days": 10}, set(), 0, id="grace-10-R-9"),
    P(WANTS | {"opened_on": -100}, [-20], [], {}, set(), 0, id="referral-after-opening-sets-R"),
    P(WANTS | {"opened_on": -5}, [-40], [], {}, {"c1"}, 1, id="referral-before-opening-sets-R"),
    P(WANTS | {"opened_on": -40}, [5], [], {}, {"c1"}, 1, id="referral-after-D-ignored"),
    P(WANTS, [], [], {}, set(), 0, id="no-R-not-examined"),
    P(WANTS, [-40, -35], [], {}, {"c1"}, 1, id="earliest-referral"),
    P({"opened_on": -40, "ip_started_on": -40}, [], [], {}, {"c1"}, 1, id="wish-empty-ip-active"),
    P({"opened_on": -40, "ip_started_on": -40, "wants_coordinator": False}, [], [], {}, set(), 0,
      id="recorded-no-declined"),
    P({"opened_on": -40}, [], [], {}, set(), 0, id="wish-empty-no-ip"),
    P({"opened_on": -40, "ip_started_on": -40, "ip_ended_on": -1}, [], [], {}, set(), 0, id="ip-ended-D-1"),
    P(WANTS | {"opened_on": -40}, [], [(-30, UNSET, UNSET)], {}, set(), 1, id="assigned"),
    P(WANTS | {"opened_on": -40}, [], [(-30, 0, UNSET)], {}, set(), 1, id="assignment-ends-D"),
    P(WANTS | {"opened_on": -40}, [], [(-30, -1, UNSET)], {}, {"c1"}, 1, id="assignment-ended-D-1"),
    P(WANTS | {"opened_on": -40}, [], [(1, UNSET, UNSET)], {}, {"c1"}, 1, id="assignment-starts-D+1"),
    P(WANTS | {"opened_on": -40}, [], [(-30, UNSET, "barnekoordinator")], {}, set(), 1, id="any-role"),
    P(WANTS | {"opened_on": -40, "closed_on": -1}, [], [], {}, set(), 0, id="closed-D-1-out-of-scope"),
])
def test_coord_missing(tmp_path, case, referrals, assignments, params, expected, population):
    s = Snap().coordinator("k1").case("c1", **case)
    for received in referrals:
        s.referral("c1", received)
    for start, end, role in assignments:
        s.assignment("c1", "k1", start=start, end=end, role=role)
    check(s.evaluate(tmp_path, ruleset_with(tmp_path, params)), "KE-COORD-MISSING", expected, population)


@pytest.mark.parametrize("wants, shown", [(True, True), (UNSET, None)])
def test_coord_missing_evidence_shows_the_wish_as_recorded(tmp_path, wants, shown):
    s = Snap().case("c1", opened_on=-100, ip_started_on=-50, wants_coordinator=wants).referral("c1", -60)
    f = finding(s.evaluate(tmp_path), "KE-COORD-MISSING", "c1")
    assert f.evidence == {"wants_coordinator": shown, "ip_active": True, "reference_date": day(-60),
                          "days_waiting": 60}
    assert f.severity == "high" and f.subject_type == "case" and f.case_id == "c1"
    assert [b.url for b in f.basis] == ["https://lovdata.no/lov/2011-06-24-30/§7-2",
                                        "https://lovdata.no/lov/1999-07-02-63/§2-5b"]


# ===================================================================================
# KE-CHILD-COORD — params: appointment_grace_days (30); from 2022-08-01
# ===================================================================================

@pytest.mark.parametrize("as_of, case, relatives, roles, expected, population", [
    P("2022-07-31", CHILD, [], [], set(), 0, id="D-2022-07-31-not-in-force"),
    P("2022-08-01", CHILD, [], [], {"c1"}, 1, id="D-2022-08-01-in-force"),
    P(None, CHILD | {"opened_on": -29}, [], [], set(), 0, id="R-29"),
    P(None, CHILD | {"opened_on": -30}, [], [], {"c1"}, 1, id="R-30"),
    P(None, CHILD | {"birth_date": day(-1, dt.date(2008, 11, 24))}, [], [], set(), 0, id="recipient-18-today"),
    P(None, CHILD | {"birth_date": "2008-11-24"}, [], [], {"c1"}, 1, id="recipient-17"),
    P(None, CHILD | {"birth_date": day(30)}, [], [], {"c1"}, 1, id="recipient-unborn"),
    P(None, CHILD | {"birth_date": "1980-01-01"}, [("barn", "2010-01-01")], [], {"c1"}, 1, id="parent-minor-barn"),
    P(None, CHILD | {"birth_date": "1980-01-01"}, [("barn", "2008-11-23")], [], set(), 0, id="parent-barn-18"),
    P(None, CHILD | {"birth_date": "1980-01-01"}, [("barn", day(60))], [], {"c1"}, 1, id="parent-unborn-barn"),
    P(None, CHILD | {"birth_date": "1980-01-01"}, [("sosken", "2015-01-01")], [], set(), 0, id="sibling-no"),
    P(None, CHILD | {"birth_date": "1980-01-01"}, [("barn", UNSET)], [], set(), 0, id="barn-no-birth-date"),
    P(None, CHILD | {"birth_date": UNSET}, [], [], set(), 0, id="recipient-no-birth-date"),
    P(None, CHILD | {"wants_coordinator": UNSET}, [], [], set(), 0, id="wish-empty"),
    P(None, CHILD | {"child_coordinator_eligible": UNSET}, [], [], set(), 0, id="not-eligible"),
    P(None, CHILD, [], ["koordinator"], {"c1"}, 1, id="ordinary-coordinator-does-not-satisfy"),
    P(None, CHILD, [], ["barnekoordinator"], set(), 1, id="child-coordinator"),
])
def test_child_coord(tmp_path, as_of, case, relatives, roles, expected, population):
    at = dt.date.fromisoformat(as_of) if as_of else D
    case = {"opened_on": "2022-01-01", **case}
    s = Snap(as_of=at).coordinator("k1").case("c1", **case)
    for relation, birth in relatives:
        s.relative("c1", relation, birth)
    for role in roles:
        s.assignment("c1", "k1", start="2022-02-01", role=role)
    check(s.evaluate(tmp_path), "KE-CHILD-COORD", expected, population)


def test_child_coord_evidence(tmp_path):
    s = Snap().coordinator("k1").case("c1", opened_on=-45, **CHILD).assignment("c1", "k1", start=-10)
    f = finding(s.evaluate(tmp_path), "KE-CHILD-COORD", "c1")
    assert f.evidence == {"has_coordinator": True, "reference_date": day(-45), "days_waiting": 45}
    assert [b.url for b in f.basis] == ["https://lovdata.no/lov/1999-07-02-63/§2-5c",
                                        "https://lovdata.no/lov/2011-06-24-30/§7-2a"]


# ===================================================================================
# KE-IP-EVAL — params: ip_evaluation_days (365)
# ===================================================================================

@pytest.mark.parametrize("case, meetings, params, expected, population", [
    P({"ip_started_on": -365}, [], {}, set(), 0, id="started-365-not-examined"),
    P({"ip_started_on": -366}, [], {}, {"c1"}, 1, id="started-366-no-evaluation"),
    P({"ip_started_on": -800, "ip_last_evaluated_on": -365}, [], {}, set(), 1, id="evaluated-365"),
    P({"ip_started_on": -800, "ip_last_evaluated_on": -366}, [], {}, {"c1"}, 1, id="evaluated-366"),
    P({"ip_started_on": -800, "ip_last_evaluated_on": 1}, [], {}, {"c1"}, 1, id="evaluated-after-D-ignored"),
    P({"ip_started_on": -800, "ip_last_evaluated_on": 0}, [], {}, set(), 1, id="evaluated-on-D"),
    P({"ip_started_on": -800}, [(-365, "held")], {}, set(), 1, id="evaluering-meeting-365"),
    P({"ip_started_on": -800}, [(-366, "held")], {}, {"c1"}, 1, id="evaluering-meeting-366"),
    P({"ip_started_on": -800, "ip_last_evaluated_on": -400}, [(-10, "held")], {}, set(), 1,
      id="latest-of-both"),
    P({"ip_started_on": -800}, [(-10, "cancelled")], {}, {"c1"}, 1, id="cancelled-meeting"),
    P({"ip_started_on": -800}, [(-10, "planned")], {}, {"c1"}, 1, id="planned-in-past-not-held"),
    P({"ip_started_on": -800}, [(-10, UNSET)], {}, set(), 1, id="empty-status-past-held"),
    P({"ip_started_on": -100, "ip_last_evaluated_on": -31}, [], {"ip_evaluation_days": 30}, {"c1"}, 1,
      id="days-30-evaluated-31"),
    P({"ip_started_on": -100, "ip_last_evaluated_on": -30}, [], {"ip_evaluation_days": 30}, set(), 1,
      id="days-30-evaluated-30"),
    P({"ip_started_on": -800, "ip_ended_on": -1}, [], {}, set(), 0, id="ip-ended-D-1"),
    P({"ip_started_on": -800, "ip_ended_on": 0}, [], {}, {"c1"}, 1, id="ip-ends-D"),
])
def test_ip_eval(tmp_path, case, meetings, params, expected, population):
    s = Snap().case("c1", **case)
    for i, (date, status) in enumerate(meetings):
        s.meeting(f"m{i}", "c1", date, status=status, kind="evaluering")
    check(s.evaluate(tmp_path, ruleset_with(tmp_path, params)), "KE-IP-EVAL", expected, population)


@pytest.mark.parametrize("evaluated, evidence", [
    (UNSET, {"last_evaluated_on": None, "days_since": None}),
    (-400, {"last_evaluated_on": day(-400), "days_since": 400}),
])
def test_ip_eval_evidence(tmp_path, evaluated, evidence):
    report = Snap().case("c1", ip_started_on=-500, ip_last_evaluated_on=evaluated).evaluate(tmp_path)
    assert finding(report, "KE-IP-EVAL", "c1").evidence == {"ip_started_on": day(-500), **evidence}


# ===================================================================================
# KE-MINUTES — params: minutes_days (14)
# ===================================================================================

@pytest.mark.parametrize("meeting, params, expected, population", [
    P({"date": -30, "minutes_sent_on": -16}, {}, set(), 1, id="sent-after-14-days"),
    P({"date": -30, "minutes_sent_on": -15}, {}, {"m1"}, 1, id="sent-after-15-days"),
    P({"date": -30}, {}, {"m1"}, 1, id="not-sent"),
    P({"date": -30, "minutes_sent_on": -31}, {}, set(), 1, id="sent-before-meeting-no-finding"),
    P({"date": -14}, {}, {"m1"}, 1, id="meeting-D-14-examined"),
    P({"date": -13}, {}, set(), 0, id="meeting-D-13-not-yet"),
    P({"date": -364}, {}, {"m1"}, 1, id="D-364-in-window"),
    P({"date": -365}, {}, set(), 0, id="D-365-outside-window"),
    P({"date": -7}, {"minutes_days": 7}, {"m1"}, 1, id="days-7-meeting-D-7"),
    P({"date": -20, "minutes_sent_on": -12}, {"minutes_days": 7}, {"m1"}, 1, id="days-7-sent-after-8"),
    P({"date": -30, "status": "cancelled"}, {}, set(), 0, id="cancelled"),
    P({"date": -30, "status": "planned"}, {}, set(), 0, id="planned-in-past"),
    P({"date": -30, "status": UNSET}, {}, {"m1"}, 1, id="empty-status-held"),
    P({"date": -30, "kind": "samarbeidsmote"}, {}, set(), 0, id="other-kind"),
    P({"date": -30, "case": {"closed_on": -1}}, {}, set(), 0, id="case-closed-D-1"),
])
def test_minutes(tmp_path, meeting, params, expected, population):
    meeting = {"status": "held", **meeting}
    s = Snap().case("c1", **meeting.pop("case", {}))
    s.meeting("m1", "c1", meeting.pop("date"), **meeting)
    check(s.evaluate(tmp_path, ruleset_with(tmp_path, params)), "KE-MINUTES", expected, population)


def test_minutes_evidence(tmp_path):
    report = Snap().case("c1").meeting("m1", "c1", -40, status="held", minutes_sent_on=-20).evaluate(tmp_path)
    f = finding(report, "KE-MINUTES", "m1")
    assert f.evidence == {"meeting_date": day(-40), "minutes_sent_on": day(-20), "days_to_minutes": 20}
    assert f.subject_type == "meeting" and f.case_id == "c1"


# ===================================================================================
# KE-MEET-OVERDUE — params: overdue_grace_days (14)
# ===================================================================================

def H(date: int, next_on: Any = UNSET, status: Any = "held") -> dict[str, Any]:
    return {"date": date, "next_on": next_on, "status": status}


@pytest.mark.parametrize("established, meetings, params, expected, population", [
    P(-400, [H(-100, -14)], {}, set(), 0, id="N-D-14-not-examined"),
    P(-400, [H(-100, -15)], {}, {"g1"}, 1, id="N-D-15-overdue"),
    P(-400, [H(-100, -15), H(-50)], {}, set(), 1, id="held-after-M-before-N-clears"),
    P(-400, [H(-100, -15), H(-15)], {}, set(), 1, id="held-on-N-clears"),
    P(-400, [H(-100, -15), H(-100)], {}, {"g1"}, 1, id="held-on-M-does-not-clear"),
    P(-400, [H(-100, -15), H(-50, status="cancelled")], {}, {"g1"}, 1, id="cancelled-after-M"),
    P(-400, [H(-100, -15), H(5, status="planned")], {}, {"g1"}, 1, id="planned-after-D"),
    P(-400, [H(-100, -30), H(-100, -5)], {}, set(), 0, id="N-greatest-on-M"),
    P(-400, [H(-100, -30), H(-60)], {}, set(), 1, id="later-meeting-without-next"),
    P(-400, [H(-100, -60), H(-80, -20)], {}, {"g1"}, 1, id="M-latest-with-next"),
    P(-50, [H(-100, -20)], {}, set(), 0, id="meeting-before-established"),
    P(-400, [H(-100, -8)], {"overdue_grace_days": 7}, {"g1"}, 1, id="grace-7-N-D-8"),
    P(-400, [H(-100, -7)], {"overdue_grace_days": 7}, set(), 0, id="grace-7-N-D-7"),
])
def test_meet_overdue(tmp_path, established, meetings, params, expected, population):
    s = Snap().case("c1").group("g1", "c1", established)
    for i, m in enumerate(meetings):
        s.meeting(f"m{i}", "c1", m["date"], status=m["status"], next_on=m["next_on"])
    check(s.evaluate(tmp_path, ruleset_with(tmp_path, params)), "KE-MEET-OVERDUE", expected, population)


@pytest.mark.parametrize("group_edits, population", [({"dissolved_on": -1}, 0), ({"dissolved_on": 0}, 1)])
def test_meet_overdue_only_active_groups(tmp_path, group_edits, population):
    s = Snap().case("c1").group("g1", "c1", -400).meeting("m1", "c1", -100, status="held", next_on=-30)
    s.edit("groups", 0, **group_edits)
    report = s.evaluate(tmp_path)
    check(report, "KE-MEET-OVERDUE", {"g1"} if population else set(), population)
    if population:
        assert finding(report, "KE-MEET-OVERDUE", "g1").evidence == {
            "last_meeting": day(-100), "agreed_next": day(-30), "days_overdue": 30}


# ===================================================================================
# KE-COORD-TRAINING — params: training_grace_days (90)
# ===================================================================================

@pytest.mark.parametrize("coordinator, assignments, params, expected, population", [
    P({}, [(-89, UNSET)], {}, set(), 0, id="start-D-89"),
    P({}, [(-90, UNSET)], {}, {"k1"}, 1, id="start-D-90"),
    P({}, [(-91, UNSET)], {}, {"k1"}, 1, id="start-D-91"),
    P({"trained_on": 0}, [(-200, UNSET)], {}, set(), 1, id="trained-on-D"),
    P({"trained_on": 1}, [(-200, UNSET)], {}, {"k1"}, 1, id="trained-after-D"),
    P({}, [(-200, -1), (-10, UNSET)], {}, set(), 0, id="earliest-active-only"),
    P({}, [(-200, 0)], {}, {"k1"}, 1, id="assignment-ends-D"),
    P({}, [(-30, UNSET)], {"training_grace_days": 30}, {"k1"}, 1, id="grace-30-start-D-30"),
    P({}, [(-29, UNSET)], {"training_grace_days": 30}, set(), 0, id="grace-30-start-D-29"),
])
def test_coord_training(tmp_path, coordinator, assignments, params, expected, population):
    s = Snap().coordinator("k1", **coordinator).case("c1")
    for start, end in assignments:
        s.assignment("c1", "k1", start=start, end=end)
    check(s.evaluate(tmp_path, ruleset_with(tmp_path, params)), "KE-COORD-TRAINING", expected, population)


@pytest.mark.parametrize("count_only_cases_with_ip", [False, True])
def test_coord_training_evidence_counts_every_active_case(tmp_path, count_only_cases_with_ip):
    s = Snap().coordinator("k1", trained_on=10).case("c1").case("c2", ip_started_on=-300).case("c3", closed_on=-1)
    s.assignment("c1", "k1", start=-120).assignment("c2", "k1", start=-100).assignment("c2", "k1", start=-50)
    s.assignment("c3", "k1", start=-300)
    report = s.evaluate(tmp_path, ruleset_with(tmp_path, {"count_only_cases_with_ip": count_only_cases_with_ip}))
    f = finding(report, "KE-COORD-TRAINING", "k1")
    assert f.evidence == {"active_cases": 2, "earliest_assignment_start": day(-120), "trained_on": day(10)}
    assert f.case_id is None and f.subject_type == "coordinator"


# ===================================================================================
# KE-IP-CONTENT — the latest review of the current plan (ip_reviews)
# ===================================================================================

ITEMS = ("goals", "participants", "coordinator", "contributions", "measures", "implementation", "period",
         "consent", "cooperation")
ALL = dict.fromkeys(ITEMS, True)


@pytest.mark.parametrize("case, reviews, expected, population", [
    P({"ip_started_on": -100}, [(-100, ALL)], set(), 1, id="review-on-ip-start-complete"),
    P({"ip_started_on": -100}, [(-100, ALL | {"goals": False})], {"c1"}, 1, id="review-on-ip-start"),
    P({"ip_started_on": -100}, [(-101, ALL | {"goals": False})], set(), 0, id="review-before-ip-start"),
    P({"ip_started_on": -100}, [(0, ALL | {"consent": UNSET})], {"c1"}, 1, id="review-on-D-empty-item"),
    P({"ip_started_on": -100}, [(1, ALL | {"goals": False})], set(), 0, id="review-after-D"),
    P({"ip_started_on": -100}, [(-50, ALL), (-20, ALL | {"period": False})], {"c1"}, 1, id="latest-counts"),
    P({"ip_started_on": -100}, [(-20, ALL | {"period": False}), (-50, ALL)], {"c1"}, 1, id="latest-by-date"),
    P({"ip_started_on": -100}, [(-20, ALL | {"period": False}), (-20, ALL)], set(), 1, id="tie-later-row"),
    P({"ip_started_on": -100}, [(-20, ALL), (-20, ALL | {"period": False})], {"c1"}, 1, id="tie-later-row-2"),
    P({"ip_started_on": -100, "ip_ended_on": -1}, [(-20, {})], set(), 0, id="ip-ended"),
    P({}, [(-20, {})], set(), 0, id="no-ip"),
])
def test_ip_content(tmp_path, case, reviews, expected, population):
    s = Snap().case("c1", **case)
    for on, items in reviews:
        s.add("ip_reviews", case_id="c1", reviewed_on=day(on), **items)
    check(s.evaluate(tmp_path), "KE-IP-CONTENT", expected, population)


@pytest.mark.parametrize("lang, shown", [("nb", "mål, ressurser og behov; samtykke; samarbeid"),
                                         ("en", "goals, resources and needs; consent; cooperation")])
def test_ip_content_evidence_and_labels(tmp_path, lang, shown):
    s = Snap().case("c1", ip_started_on=-100)
    s.add("ip_reviews", case_id="c1", reviewed_on=day(-10), **(ALL | {"goals": False, "consent": UNSET,
                                                                       "cooperation": False}))
    f = finding(s.evaluate(tmp_path, lang=lang), "KE-IP-CONTENT", "c1")
    assert f.evidence == {"missing_items": ["goals", "consent", "cooperation"], "reviewed_on": day(-10)}
    assert shown in f.message


# ===================================================================================
# KE-SYSTEM-ROUTINES — params: required_routines, routine_review_months (24)
# ===================================================================================

def routines(*rows: tuple[str, Any, Any]) -> Snap:
    s = Snap().case("c1")
    for task, revised, quality in rows:
        s.add("ke_routines", task=task, last_revised_on=revised if revised is UNSET else day(revised),
              in_quality_system=quality)
    return s


@pytest.mark.parametrize("rows, params, expected, population", [
    P([], {}, set(), 0, id="no-rows-population-0"),
    P([("meldinger", -730, True), ("rutiner_ip", -731, True), ("oppnevning", -10, True),
       ("opplaering", -10, True)], {}, {"rutiner_ip"}, 4, id="730-ok-731-not"),
    P([("meldinger", -10, True)], {}, {"rutiner_ip", "oppnevning", "opplaering"}, 4, id="missing"),
    P([("meldinger", -10, UNSET), ("rutiner_ip", -10, False)], {"required_routines": ["meldinger", "rutiner_ip"]},
      {"meldinger", "rutiner_ip"}, 2, id="not-in-quality-system"),
    P([("meldinger", UNSET, True)], {"required_routines": ["meldinger"]}, {"meldinger"}, 1, id="never-revised"),
    P([("meldinger", 1, True)], {"required_routines": ["meldinger"]}, {"meldinger"}, 1, id="revised-after-D"),
    P([("meldinger", -10, True), ("meldinger", UNSET, False)], {"required_routines": ["meldinger"]}, set(), 1,
      id="empty-sorts-first"),
    P([("meldinger", -10, False), ("meldinger", -10, True)], {"required_routines": ["meldinger"]}, set(), 1,
      id="tie-later-row"),
    P([("meldinger", -10, True), ("meldinger", -10, False)], {"required_routines": ["meldinger"]}, {"meldinger"},
      1, id="tie-later-row-2"),
    P([("meldinger", -365, True)], {"required_routines": ["meldinger"], "routine_review_months": 12}, set(), 1,
      id="12-months-365"),
    P([("meldinger", -366, True)], {"required_routines": ["meldinger"], "routine_review_months": 12},
      {"meldinger"}, 1, id="12-months-366"),
    P([("meldinger", -30, True)], {"required_routines": ["meldinger"], "routine_review_months": 1}, set(), 1,
      id="1-month-30"),
    P([("meldinger", -31, True)], {"required_routines": ["meldinger"], "routine_review_months": 1},
      {"meldinger"}, 1, id="1-month-31"),
    P([("kompetanse", -10, True)], {"required_routines": ["kompetanse"]}, set(), 1, id="other-task"),
])
def test_system_routines(tmp_path, rows, params, expected, population):
    report = routines(*rows).evaluate(tmp_path, ruleset_with(tmp_path, params))
    check(report, "KE-SYSTEM-ROUTINES", expected, population)
    for f in report.findings:
        if f.rule_id == "KE-SYSTEM-ROUTINES":
            assert f.subject_type == "routine" and f.case_id is None


@pytest.mark.parametrize("row, evidence", [
    (None, {"problems": ["mangler"], "last_revised_on": None}),
    (("meldinger", -800, False), {"problems": ["ikke_revidert", "utenfor_kvalitetssystemet"],
                                  "last_revised_on": day(-800)}),
    (("meldinger", 1, True), {"problems": ["ikke_revidert"], "last_revised_on": None}),
    (("meldinger", -10, UNSET), {"problems": ["utenfor_kvalitetssystemet"], "last_revised_on": day(-10)}),
])
def test_system_routines_evidence(tmp_path, row, evidence):
    s = routines(*([row] if row else [("kompetanse", -10, True)]))
    report = s.evaluate(tmp_path, ruleset_with(tmp_path, {"required_routines": ["meldinger"]}))
    assert finding(report, "KE-SYSTEM-ROUTINES", "meldinger").evidence == evidence


# ===================================================================================
# data-quality warnings: on every kept row, whatever scope, kind, status or rules
# ===================================================================================

def test_the_three_warnings_on_every_kept_row(tmp_path):
    s = Snap().case("c1", ip_last_evaluated_on=5).case("c2", closed_on=-10, ip_last_evaluated_on=1)
    s.case("c3", ip_last_evaluated_on=0)
    s.meeting("m1", "c2", -40, kind="samarbeidsmote", status="cancelled", minutes_sent_on=-41)
    s.meeting("m2", "c1", 10, minutes_sent_on=9).meeting("m3", "c1", -10, minutes_sent_on=-10)
    s.add("ke_routines", task="samarbeid", last_revised_on=day(1)).add("ke_routines", task="meldinger",
                                                                       last_revised_on=day(0))
    report = s.evaluate(tmp_path)
    assert codes(report) == [
        ("cases", 1, "ip_last_evaluated_on", "evaluated_after_as_of", day(5), "warning"),
        ("cases", 2, "ip_last_evaluated_on", "evaluated_after_as_of", day(1), "warning"),
        ("ke_routines", 1, "last_revised_on", "revised_after_as_of", day(1), "warning"),
        ("meetings", 1, "minutes_sent_on", "minutes_before_meeting", day(-41), "warning"),
        ("meetings", 2, "minutes_sent_on", "minutes_before_meeting", day(9), "warning"),
    ]
    texts = {p.code.value: p.problem for p in s.evaluate(tmp_path, lang="en").input_problems}
    assert "after the evaluation date" in texts["evaluated_after_as_of"]
    assert "before the meeting date" in texts["minutes_before_meeting"]


# every second-wave rule and parameter has a table above (test_rules_boundaries checks the whole ruleset)
DUTY_RULE_TESTS = {
    "KE-COORD-MISSING": test_coord_missing, "KE-CHILD-COORD": test_child_coord, "KE-IP-EVAL": test_ip_eval,
    "KE-MINUTES": test_minutes, "KE-MEET-OVERDUE": test_meet_overdue, "KE-COORD-TRAINING": test_coord_training,
    "KE-IP-CONTENT": test_ip_content, "KE-SYSTEM-ROUTINES": test_system_routines,
}
DUTY_PARAM_TESTS = {
    "appointment_grace_days": test_coord_missing, "ip_evaluation_days": test_ip_eval, "minutes_days": test_minutes,
    "overdue_grace_days": test_meet_overdue, "training_grace_days": test_coord_training,
    "required_routines": test_system_routines, "routine_review_months": test_system_routines,
}
