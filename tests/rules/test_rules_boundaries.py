"""Table-driven boundary tests for every rule of the `nasjonal` ruleset.

Each table row builds a small snapshot (``snapshot_builder.Snap``), evaluates it at
D = 2026-11-23 (2026 is not a leap year) and asserts, for the one rule under test,
the *exact* set of (rule_id, subject_id) findings, the rule's population and, where
the spec gives one, the severity. The semantics are those of
``docs/spec/rules.md``; the parameters are the ones under ``params:`` in
``rulesets/nasjonal.yaml``, overridden through a municipal ruleset
(``extends: nasjonal``) written to ``tmp_path``.

Sections: helpers · KE-COORD-LOAD · KE-MEET-FREQ · KE-INVITE-LEAD · KE-CONSENT ·
KE-CHILD-RELATIVE · KE-REFERRAL-MISSING · KE-INVITE-CONTENT · KE-MEET-NEXT ·
KE-CONSENT-MEETING · messages (language, local routine) · coverage of rules/params.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))

from snapshot_builder import (  # noqa: E402
    NASJONAL,
    UNSET,
    D,
    Snap,
    day,
    finding,
    measure,
    pairs,
    ruleset_with,
)

from .test_duties_boundaries import DUTY_PARAM_TESTS, DUTY_RULE_TESTS  # noqa: E402

P = pytest.param

# ===================================================================================
# helpers
# ===================================================================================

SUBJECT = {
    "KE-COORD-LOAD": "coordinator", "KE-MEET-FREQ": "group", "KE-INVITE-LEAD": "meeting",
    "KE-CONSENT": "case", "KE-CHILD-RELATIVE": "case", "KE-REFERRAL-MISSING": "case",
    "KE-INVITE-CONTENT": "meeting", "KE-MEET-NEXT": "group", "KE-CONSENT-MEETING": "meeting",
    # the second wave (tables in test_duties_boundaries.py)
    "KE-COORD-MISSING": "case", "KE-CHILD-COORD": "case", "KE-IP-EVAL": "case", "KE-MINUTES": "meeting",
    "KE-MEET-OVERDUE": "group", "KE-COORD-TRAINING": "coordinator", "KE-IP-CONTENT": "case",
    "KE-SYSTEM-ROUTINES": "routine",
}
DEFAULT_SEVERITY = {
    "KE-COORD-LOAD": "medium", "KE-MEET-FREQ": "medium", "KE-INVITE-LEAD": "low",
    "KE-CONSENT": "high", "KE-REFERRAL-MISSING": "high", "KE-INVITE-CONTENT": "low",
    "KE-MEET-NEXT": "low", "KE-CONSENT-MEETING": "high",
    "KE-COORD-MISSING": "high", "KE-CHILD-COORD": "high", "KE-IP-EVAL": "medium", "KE-MINUTES": "low",
    "KE-MEET-OVERDUE": "low", "KE-COORD-TRAINING": "medium", "KE-IP-CONTENT": "medium",
    "KE-SYSTEM-ROUTINES": "medium",
    # KE-CHILD-RELATIVE: high or medium, asserted per case
}


def check(report: Any, rule_id: str, expected: set[str], population: int | None = None,
          severity: str | None = None) -> None:
    """Exact set of failing ids for ``rule_id``; population; severity; subject type; case id."""
    assert pairs(report, rule_id) == {(rule_id, s) for s in expected}
    m = measure(report, rule_id)
    assert m.findings == len(expected)
    if population is not None:
        assert m.population == population, f"{rule_id} population"
        assert m.compliant == population - len(expected)
    severity = severity or DEFAULT_SEVERITY.get(rule_id)
    for f in report.findings:
        if f.rule_id != rule_id:
            continue
        assert str(f.subject_type) == SUBJECT[rule_id]
        if severity is not None:
            assert f.severity == severity, f"{rule_id} {f.subject_id} severity"
        if SUBJECT[rule_id] not in ("coordinator", "routine"):
            assert f.case_id == "c1"  # every table below puts its subject in case c1


def _codes(report: Any) -> set[str]:
    return {str(p.code.value) for p in report.input_problems}


# ===================================================================================
# KE-COORD-LOAD — coordinator load
#   params: max_cases_per_coordinator (5), count_only_cases_with_ip (false);
#   column: coordinators.agreed_max_cases
# ===================================================================================

def coord_snap(n: int, coordinator: dict | None = None, ips: list | None = None,
               edits: tuple = ()) -> Snap:
    """Coordinator k1 with cases c1..cn, one active assignment each (started D-100).

    ``ips``: per case None (no IP) or (ip_started_on, ip_ended_on) offsets.
    ``edits``: (table, index, changes) to change a row, or (table, None, row) to add one.
    """
    s = Snap().coordinator("k1", **(coordinator or {}))
    for i in range(1, n + 1):
        ip = (ips or [None] * n)[i - 1]
        s.case(f"c{i}", **({} if ip is None else {"ip_started_on": ip[0], "ip_ended_on":
                                                   UNSET if ip[1] is None else ip[1]}))
        s.assignment(f"c{i}", "k1", start=-100)
    for table, index, changes in edits:
        if index is None:
            s.add(table, **changes)
        else:
            s.edit(table, index, **changes)
    return s


LAST_ASSIGNMENT = ("assignments", -1)
LAST_CASE = ("cases", -1)
UNASSIGNED_CASE = ("cases", None, {"case_id": "c0"})  # a case no coordinator is assigned to


@pytest.mark.parametrize("n, coordinator, edits, params, expected, population", [
    # the default limit 5
    P(5, {}, (), {}, set(), 1, id="5-cases-limit-5-ok"),
    P(6, {}, (), {}, {"k1"}, 1, id="6-cases-limit-5-finding"),
    # (a case of no one's: a snapshot without case rows is refused)
    P(0, {}, (UNASSIGNED_CASE,), {}, set(), 0, id="no-counted-case-not-in-population"),
    P(1, {}, (), {}, set(), 1, id="1-case-in-population"),
    # agreed_max_cases replaces the default (any whole number >= 0)
    P(6, {"agreed_max_cases": 6}, (), {}, set(), 1, id="agreed-6-with-6-ok"),
    P(7, {"agreed_max_cases": 6}, (), {}, {"k1"}, 1, id="agreed-6-with-7-finding"),
    P(1, {"agreed_max_cases": 0}, (), {}, {"k1"}, 1, id="agreed-0-with-1-finding"),
    P(0, {"agreed_max_cases": 0}, (UNASSIGNED_CASE,), {}, set(), 0, id="agreed-0-with-0-no-population"),
    P(5, {"agreed_max_cases": 4}, (), {}, {"k1"}, 1, id="agreed-4-below-default-finding"),
    P(6, {"agreed_max_cases": "6"}, (), {}, set(), 1, id="agreed-6-as-text"),
    P(6, {"agreed_max_cases": "6.0"}, (), {}, set(), 1, id="agreed-6.0-as-text"),
    P(6, {"agreed_max_cases": None}, (), {}, {"k1"}, 1, id="agreed-empty-uses-default"),
    # a municipal ruleset's max_cases_per_coordinator
    P(6, {}, (), {"max_cases_per_coordinator": 6}, set(), 1, id="municipal-max-6-with-6-ok"),
    P(7, {}, (), {"max_cases_per_coordinator": 6}, {"k1"}, 1, id="municipal-max-6-with-7"),
    P(6, {"agreed_max_cases": 5}, (), {"max_cases_per_coordinator": 6}, {"k1"}, 1,
      id="agreed-5-wins-over-municipal-6"),
    P(7, {"agreed_max_cases": 7}, (), {"max_cases_per_coordinator": 6}, set(), 1,
      id="agreed-7-wins-over-municipal-6"),
    # assignment dates: end_date inclusive
    P(6, {}, ((*LAST_ASSIGNMENT, {"end_date": 0}),), {}, {"k1"}, 1,
      id="assignment-ends-D-counts"),
    P(6, {}, ((*LAST_ASSIGNMENT, {"end_date": -1}),), {}, set(), 1,
      id="assignment-ended-D-1-not-counted"),
    P(6, {}, ((*LAST_ASSIGNMENT, {"start_date": 0}),), {}, {"k1"}, 1,
      id="assignment-starts-D-counts"),
    P(6, {}, ((*LAST_ASSIGNMENT, {"start_date": 1}),), {}, set(), 1,
      id="assignment-starts-D+1-not-counted"),
    # case scope
    P(6, {}, ((*LAST_CASE, {"closed_on": 0}),), {}, {"k1"}, 1, id="case-closed-D-in-scope"),
    P(6, {}, ((*LAST_CASE, {"closed_on": -1}),), {}, set(), 1, id="case-closed-D-1-out"),
    P(6, {}, ((*LAST_CASE, {"opened_on": 1}),), {}, set(), 1, id="case-opened-D+1-out"),
    P(6, {}, ((*LAST_CASE, {"opened_on": 0}),), {}, {"k1"}, 1, id="case-opened-D-in-scope"),
    # distinct cases, any role
    P(5, {}, (("assignments", None, {"case_id": "c1", "coordinator_id": "k1",
                                      "start_date": day(-50), "role": "barnekoordinator"}),),
      {}, set(), 1, id="same-case-twice-counted-once"),
    P(6, {}, ((*LAST_ASSIGNMENT, {"role": "barnekoordinator"}),), {}, {"k1"}, 1,
      id="barnekoordinator-role-counts"),
])
def test_coord_load(tmp_path, n, coordinator, edits, params, expected, population):
    report = coord_snap(n, coordinator, edits=edits).evaluate(tmp_path, ruleset_with(tmp_path, params))
    check(report, "KE-COORD-LOAD", expected, population)


NO_IP, IP = None, (-200, None)


@pytest.mark.parametrize("ips, params, expected, population", [
    P([NO_IP] * 6, {"count_only_cases_with_ip": False}, {"k1"}, 1, id="false-counts-cases-without-ip"),
    P([NO_IP] * 6, {}, {"k1"}, 1, id="default-false-counts-cases-without-ip"),
    P([NO_IP] * 6, {"count_only_cases_with_ip": True}, set(), 0, id="true-no-ip-no-population"),
    P([IP] * 6, {"count_only_cases_with_ip": True}, {"k1"}, 1, id="true-6-with-ip"),
    P([IP] * 5 + [NO_IP], {"count_only_cases_with_ip": True}, set(), 1, id="true-5-with-ip"),
    P([IP] * 5 + [(-200, 0)], {"count_only_cases_with_ip": True}, {"k1"}, 1,
      id="true-ip-ends-D-counts"),
    P([IP] * 5 + [(-200, -1)], {"count_only_cases_with_ip": True}, set(), 1,
      id="true-ip-ended-D-1-not-counted"),
    P([IP] * 5 + [(0, None)], {"count_only_cases_with_ip": True}, {"k1"}, 1,
      id="true-ip-starts-D-counts"),
    P([IP] * 5 + [(1, None)], {"count_only_cases_with_ip": True}, set(), 1,
      id="true-ip-starts-D+1-not-counted"),
    P([IP] * 6, {"count_only_cases_with_ip": True, "max_cases_per_coordinator": 6}, set(), 1,
      id="true-with-municipal-max-6"),
])
def test_coord_load_count_only_cases_with_ip(tmp_path, ips, params, expected, population):
    report = coord_snap(len(ips), ips=ips).evaluate(tmp_path, ruleset_with(tmp_path, params))
    check(report, "KE-COORD-LOAD", expected, population)


def test_coord_load_evidence_and_two_coordinators(tmp_path):
    s = coord_snap(6).coordinator("k2")
    for i in range(7, 12):
        s.case(f"c{i}").assignment(f"c{i}", "k2")
    report = s.evaluate(tmp_path)
    check(report, "KE-COORD-LOAD", {"k1"}, population=2)
    f = finding(report, "KE-COORD-LOAD", "k1")
    assert f.evidence["active_cases"] == 6
    assert f.evidence["limit"] == 5
    assert set(f.evidence["case_ids"]) == {f"c{i}" for i in range(1, 7)}


# ===================================================================================
# KE-MEET-FREQ — responsibility-group meeting frequency
#   param: min_group_meetings_per_year (2); required = floor(p × min(365, D − est) / 365)
# ===================================================================================

def M(offset: int, status: Any = UNSET, kind: Any = UNSET, case: str = "c1",
      next_on: Any = UNSET) -> dict:
    return {"date": offset, "status": status, "kind": kind, "case": case, "next_on": next_on}


def H(offset: int, **kw: Any) -> dict:
    return M(offset, status="held", **kw)


def group_snap(est: int, meetings: list[dict], dissolved: Any = UNSET,
               case: dict | None = None) -> Snap:
    """Case c1 with group g1 (established ``est``) and meetings m1, m2, ... ."""
    s = Snap().case("c1", **(case or {}))
    s.group("g1", "c1", est, dissolved)
    if any(m["case"] == "c2" for m in meetings):
        s.case("c2")
    for i, m in enumerate(meetings, 1):
        s.meeting(f"m{i}", m["case"], m["date"], status=m["status"], kind=m["kind"],
                  next_on=m["next_on"])
    return s


@pytest.mark.parametrize("est, meetings, extra, params, expected, population, evidence", [
    # required = floor(2 × days_active / 365)
    P(-182, [], {}, {}, set(), 1, None, id="est-D-182-required-0"),
    P(-183, [], {}, {}, {"g1"}, 1, (0, 1), id="est-D-183-required-1"),
    P(-183, [H(-10)], {}, {}, set(), 1, None, id="est-D-183-one-held-ok"),
    P(-364, [H(-10)], {}, {}, set(), 1, None, id="est-D-364-required-1"),
    P(-365, [H(-10)], {}, {}, {"g1"}, 1, (1, 2), id="est-D-365-required-2"),
    P(-365, [H(-10), H(-100)], {}, {}, set(), 1, None, id="est-D-365-two-held-ok"),
    P(-1000, [H(-10)], {}, {}, {"g1"}, 1, (1, 2), id="days-active-capped-at-365"),
    P(0, [], {}, {}, set(), 1, None, id="est-D-required-0"),
    # the window W = (D-365, D]
    P(-1000, [H(-10), H(-364)], {}, {}, set(), 1, None, id="meeting-D-364-in-window"),
    P(-1000, [H(-10), H(-365)], {}, {}, {"g1"}, 1, (1, 2), id="meeting-D-365-outside-window"),
    P(-183, [H(0)], {}, {}, set(), 1, None, id="held-meeting-on-D-counts"),
    # only held ansvarsgruppe meetings on/after established_on
    P(-183, [H(-184)], {}, {}, {"g1"}, 1, (0, 1), id="meeting-before-established-not-counted"),
    P(-183, [H(-183)], {}, {}, set(), 1, None, id="meeting-on-established-counts"),
    P(-183, [M(-10, "planned")], {}, {}, {"g1"}, 1, (0, 1), id="planned-in-past-not-counted"),
    P(-183, [M(-10, "cancelled")], {}, {}, {"g1"}, 1, (0, 1), id="cancelled-not-counted"),
    P(-183, [M(-10)], {}, {}, set(), 1, None, id="empty-status-in-past-is-held"),
    P(-183, [M(1, "held")], {}, {}, {"g1"}, 1, (0, 1), id="held-in-future-taken-as-planned"),
    P(-183, [H(-10, kind="samarbeidsmote")], {}, {}, {"g1"}, 1, (0, 1), id="samarbeidsmote-not-counted"),
    P(-183, [H(-10, kind="evaluering")], {}, {}, {"g1"}, 1, (0, 1), id="evaluering-not-counted"),
    P(-183, [H(-10, case="c2")], {}, {}, {"g1"}, 1, (0, 1), id="other-case-meeting-not-counted"),
    # groups active at D (dissolved_on inclusive)
    P(-400, [], {"dissolved": -1}, {}, set(), 0, None, id="dissolved-D-1-not-active"),
    P(-400, [], {"dissolved": 0}, {}, {"g1"}, 1, (0, 2), id="dissolved-D-still-active"),
    P(1, [], {}, {}, set(), 0, None, id="established-D+1-not-active"),
    P(-400, [], {"case": {"closed_on": -1}}, {}, set(), 0, None, id="case-closed-D-1-out-of-scope"),
    P(-400, [], {"case": {"closed_on": 0}}, {}, {"g1"}, 1, (0, 2), id="case-closed-D-in-scope"),
    # min_group_meetings_per_year
    P(-365, [H(-10), H(-50), H(-90)], {}, {"min_group_meetings_per_year": 4}, {"g1"}, 1, (3, 4),
      id="per-year-4-three-held"),
    P(-365, [H(-10), H(-50), H(-90), H(-130)], {}, {"min_group_meetings_per_year": 4}, set(), 1,
      None, id="per-year-4-four-held"),
    P(-91, [], {}, {"min_group_meetings_per_year": 4}, set(), 1, None, id="per-year-4-est-D-91-req-0"),
    P(-92, [], {}, {"min_group_meetings_per_year": 4}, {"g1"}, 1, (0, 1), id="per-year-4-est-D-92-req-1"),
    P(-365, [], {}, {"min_group_meetings_per_year": 1}, {"g1"}, 1, (0, 1), id="per-year-1-est-D-365"),
    P(-364, [], {}, {"min_group_meetings_per_year": 1}, set(), 1, None, id="per-year-1-est-D-364"),
])
def test_meet_freq(tmp_path, est, meetings, extra, params, expected, population, evidence):
    report = group_snap(est, meetings, **extra).evaluate(tmp_path, ruleset_with(tmp_path, params))
    check(report, "KE-MEET-FREQ", expected, population)
    if evidence is not None:
        f = finding(report, "KE-MEET-FREQ", "g1")
        assert (f.evidence["held_meetings"], f.evidence["required_meetings"]) == evidence
        assert f.evidence["window"] == f"({day(-365)}, {day(0)}]"


def test_meet_freq_planned_in_past_is_a_warning(tmp_path):
    report = group_snap(-183, [M(-10, "planned"), M(3, "held")]).evaluate(tmp_path)
    assert {"planned_in_past", "held_in_future"} <= _codes(report)


def test_meet_freq_meetings_belong_to_the_case_not_the_group(tmp_path):
    # two active groups of c1 see the same meetings: g1 (est D-400) needs 2, g2 (D-183) needs 1
    s = group_snap(-400, [H(-10)]).group("g2", "c1", -183)
    report = s.evaluate(tmp_path)
    check(report, "KE-MEET-FREQ", {"g1"}, population=2)
    assert "two_active_groups" in _codes(report)


# ===================================================================================
# KE-INVITE-LEAD — invitation lead time
#   param: invitation_lead_days L (14); examined: (D − 365, D + L], not cancelled
# ===================================================================================

def meeting_snap(case: dict | None = None, **meeting: Any) -> Snap:
    """Case c1 with one meeting m1; the invitation is complete unless a flag is given."""
    flags = {k: True for k in ("invitation_has_subject", "invitation_has_participants",
                               "invitation_has_time_place", "invitation_has_agenda")}
    flags.update({k: v for k, v in meeting.items() if k.startswith("invitation_has_")})
    rest = {k: v for k, v in meeting.items() if not k.startswith("invitation_has_")}
    date = rest.pop("date")
    return Snap().case("c1", **(case or {})).meeting("m1", "c1", date, **rest, **flags)


L10 = {"invitation_lead_days": 10}


@pytest.mark.parametrize("meeting, params, expected, population", [
    # past meetings (meeting_date <= D): lead < L or no invitation
    P(dict(date=-10, sent=-24), {}, set(), 1, id="past-lead-14-ok"),
    P(dict(date=-10, sent=-23), {}, {"m1"}, 1, id="past-lead-13-finding"),
    P(dict(date=-10), {}, {"m1"}, 1, id="past-no-invitation"),
    P(dict(date=-10, sent=-5), {}, {"m1"}, 1, id="invitation-after-meeting"),
    P(dict(date=0), {}, {"m1"}, 1, id="meeting-on-D-no-invitation"),
    P(dict(date=0, sent=-14), {}, set(), 1, id="meeting-on-D-lead-14"),
    P(dict(date=-364), {}, {"m1"}, 1, id="meeting-D-364-examined"),
    P(dict(date=-365), {}, set(), 0, id="meeting-D-365-not-examined"),
    # effective status
    P(dict(date=-10, status="cancelled"), {}, set(), 0, id="cancelled-past-not-examined"),
    P(dict(date=5, status="cancelled"), {}, set(), 0, id="cancelled-future-not-examined"),
    P(dict(date=-10, status="planned"), {}, {"m1"}, 1, id="planned-in-past-examined"),
    P(dict(date=5, status="held"), {}, {"m1"}, 1, id="held-in-future-examined-as-planned"),
    P(dict(date=-10, kind="samarbeidsmote"), {}, set(), 0, id="samarbeidsmote-not-examined"),
    P(dict(date=-10, kind="oppstart"), {}, set(), 0, id="oppstart-not-examined"),
    # future meetings (meeting_date > D)
    P(dict(date=13), {}, {"m1"}, 1, id="future-D+13-no-invitation-finding"),
    P(dict(date=14), {}, set(), 1, id="future-D+14-no-invitation-ok"),
    P(dict(date=15), {}, set(), 0, id="future-D+15-not-examined"),
    P(dict(date=1), {}, {"m1"}, 1, id="future-D+1-no-invitation"),
    P(dict(date=14, sent=1), {}, {"m1"}, 1, id="future-D+14-lead-13"),
    P(dict(date=14, sent=0), {}, set(), 1, id="future-D+14-lead-14"),
    P(dict(date=5, sent=-9), {}, set(), 1, id="future-D+5-lead-14"),
    P(dict(date=5, sent=-8), {}, {"m1"}, 1, id="future-D+5-lead-13"),
    P(dict(date=20, sent=-1), {}, set(), 0, id="future-D+20-not-examined"),
    # case scope
    P(dict(date=-10, case={"closed_on": -1}), {}, set(), 0, id="case-closed-D-1-out-of-scope"),
    P(dict(date=-10, case={"closed_on": 0}), {}, {"m1"}, 1, id="case-closed-D-in-scope"),
    P(dict(date=-10, case={"opened_on": 1}), {}, set(), 0, id="case-opened-D+1-out-of-scope"),
    # invitation_lead_days: 10
    P(dict(date=-10, sent=-20), L10, set(), 1, id="L10-past-lead-10-ok"),
    P(dict(date=-10, sent=-19), L10, {"m1"}, 1, id="L10-past-lead-9"),
    P(dict(date=-10, sent=-23), L10, set(), 1, id="L10-lead-13-ok"),
    P(dict(date=9), L10, {"m1"}, 1, id="L10-future-D+9-no-invitation"),
    P(dict(date=10), L10, set(), 1, id="L10-future-D+10-no-invitation-ok"),
    P(dict(date=11), L10, set(), 0, id="L10-future-D+11-not-examined"),
    P(dict(date=13), L10, set(), 0, id="L10-future-D+13-not-examined"),
])
def test_invite_lead(tmp_path, meeting, params, expected, population):
    case = meeting.pop("case", None)
    report = meeting_snap(case, **meeting).evaluate(tmp_path, ruleset_with(tmp_path, params))
    check(report, "KE-INVITE-LEAD", expected, population)


def test_invite_lead_evidence(tmp_path):
    report = meeting_snap(date=-10, sent=-23).evaluate(tmp_path)
    f = finding(report, "KE-INVITE-LEAD", "m1")
    assert f.case_id == "c1"
    assert f.evidence == {"meeting_date": day(-10), "invitation_sent_on": day(-23), "lead_days": 13}
    report = meeting_snap(date=13).evaluate(tmp_path)
    assert finding(report, "KE-INVITE-LEAD", "m1").evidence == {
        "meeting_date": day(13), "invitation_sent_on": None, "lead_days": None}


# ===================================================================================
# KE-CONSENT — consent present (withdrawn_on takes effect that day)
# ===================================================================================

IP_ACTIVE = {"ip_started_on": -100}


@pytest.mark.parametrize("case, group, consents, expected, population, uncovered", [
    # scope ip
    P(IP_ACTIVE, None, [("ip", -100, UNSET)], set(), 1, None, id="ip-covered"),
    P(IP_ACTIVE, None, [], {"c1"}, 1, ["ip"], id="ip-no-consent"),
    P(IP_ACTIVE, None, [("ip", -100, 0)], {"c1"}, 1, ["ip"], id="withdrawn-D-not-covering"),
    P(IP_ACTIVE, None, [("ip", -100, 1)], set(), 1, None, id="withdrawn-D+1-covering"),
    P(IP_ACTIVE, None, [("ip", 0, UNSET)], set(), 1, None, id="given-D-covering"),
    P(IP_ACTIVE, None, [("ip", 1, UNSET)], {"c1"}, 1, ["ip"], id="given-D+1-not-covering"),
    P(IP_ACTIVE, None, [("ip", -100, -10), ("ip", -5, UNSET)], set(), 1, None,
      id="withdrawn-then-given-again"),
    P(IP_ACTIVE, None, [("informasjonsdeling", -100, UNSET)], {"c1"}, 1, ["ip"],
      id="informasjonsdeling-does-not-cover-ip"),
    P(IP_ACTIVE, None, [("ansvarsgruppe", -100, UNSET)], {"c1"}, 1, ["ip"],
      id="ansvarsgruppe-does-not-cover-ip"),
    # scope ansvarsgruppe
    P({}, -100, [("ansvarsgruppe", -100, UNSET)], set(), 1, None, id="group-covered"),
    P({}, -100, [], {"c1"}, 1, ["ansvarsgruppe"], id="group-no-consent"),
    P({}, -100, [("samarbeidsmote", -100, UNSET)], {"c1"}, 1, ["ansvarsgruppe"],
      id="samarbeidsmote-does-not-cover-group"),
    # scope alle covers both
    P(IP_ACTIVE, -100, [("alle", -100, UNSET)], set(), 1, None, id="alle-covers-both"),
    P(IP_ACTIVE, -100, [("alle", -100, 0)], {"c1"}, 1, ["ip", "ansvarsgruppe"],
      id="alle-withdrawn-D"),
    P(IP_ACTIVE, -100, [("ip", -100, UNSET)], {"c1"}, 1, ["ansvarsgruppe"], id="ip-only-group-uncovered"),
    P(IP_ACTIVE, -100, [("ip", -100, UNSET), ("ansvarsgruppe", -100, UNSET)], set(), 1, None,
      id="both-scopes-separately"),
    # need: IP active at D, group active at D
    P({}, None, [], set(), 0, None, id="no-need-no-population"),
    P({"ip_started_on": -100, "ip_ended_on": -1}, None, [], set(), 0, None, id="ip-ended-D-1-no-need"),
    P({"ip_started_on": -100, "ip_ended_on": 0}, None, [], {"c1"}, 1, ["ip"], id="ip-ends-D-need"),
    P({"ip_started_on": 1}, None, [], set(), 0, None, id="ip-starts-D+1-no-need"),
    P({"ip_started_on": 0}, None, [], {"c1"}, 1, ["ip"], id="ip-starts-D-need"),
    P({}, (-100, -1), [], set(), 0, None, id="group-dissolved-D-1-no-need"),
    P({}, (-100, 0), [], {"c1"}, 1, ["ansvarsgruppe"], id="group-dissolved-D-need"),
    P({}, 1, [], set(), 0, None, id="group-established-D+1-no-need"),
    # scope of the case
    P({**IP_ACTIVE, "closed_on": -1}, None, [], set(), 0, None, id="case-closed-D-1-out-of-scope"),
    P({**IP_ACTIVE, "closed_on": 0}, None, [], {"c1"}, 1, ["ip"], id="case-closed-D-in-scope"),
])
def test_consent(tmp_path, case, group, consents, expected, population, uncovered):
    s = Snap().case("c1", **case)
    if group is not None:
        est, dissolved = group if isinstance(group, tuple) else (group, UNSET)
        s.group("g1", "c1", est, dissolved)
    for scope, given, withdrawn in consents:
        s.consent("c1", scope, given, withdrawn)
    report = s.evaluate(tmp_path)
    check(report, "KE-CONSENT", expected, population)
    if uncovered is not None:
        assert sorted(finding(report, "KE-CONSENT", "c1").evidence["uncovered_scopes"]) == sorted(uncovered)


def test_consent_of_another_case_does_not_cover(tmp_path):
    s = Snap().case("c1", **IP_ACTIVE).case("c2", **IP_ACTIVE).consent("c2", "alle", -100)
    check(s.evaluate(tmp_path), "KE-CONSENT", {"c1"}, population=2)


# ===================================================================================
# KE-CHILD-RELATIVE — children as relatives mapped
#   param: mapping_grace_days (30); severity high with a minor barn/sosken, else medium
# ===================================================================================

def child_snap(assignments: list, mapped: Any = UNSET, relatives: list = (),
               case: dict | None = None, as_of: dt.date = D) -> Snap:
    s = Snap(as_of).case("c1", relatives_mapped_on=mapped, **(case or {})).coordinator("k1")
    for a in assignments:
        start, end = a if isinstance(a, tuple) else (a, UNSET)
        s.assignment("c1", "k1", start=start, end=end)
    for relation, birth in relatives:
        s.relative("c1", relation, birth)
    return s


G10 = {"mapping_grace_days": 10}


@pytest.mark.parametrize("assignments, mapped, case, params, expected, population", [
    # grace: start <= D - 30
    P([-30], UNSET, {}, {}, {"c1"}, 1, id="start-D-30-examined"),
    P([-29], UNSET, {}, {}, set(), 0, id="start-D-29-not-examined"),
    P([-29, -31], UNSET, {}, {}, {"c1"}, 1, id="one-qualifying-of-two"),
    P([(-100, 0)], UNSET, {}, {}, {"c1"}, 1, id="assignment-ends-D-active"),
    P([(-100, -1)], UNSET, {}, {}, set(), 0, id="assignment-ended-D-1-not-active"),
    P([], UNSET, {}, {}, set(), 0, id="no-assignment"),
    # relatives_mapped_on
    P([-30], 0, {}, {}, set(), 1, id="mapped-on-D-ok"),
    P([-30], 1, {}, {}, {"c1"}, 1, id="mapped-D+1-finding"),
    P([-30], -1000, {}, {}, set(), 1, id="mapped-long-ago-ok"),
    P([-30], None, {}, {}, {"c1"}, 1, id="mapped-null-finding"),
    # case scope
    P([-100], UNSET, {"closed_on": -1}, {}, set(), 0, id="case-closed-D-1-out-of-scope"),
    P([-100], UNSET, {"closed_on": 0}, {}, {"c1"}, 1, id="case-closed-D-in-scope"),
    # mapping_grace_days
    P([-10], UNSET, {}, G10, {"c1"}, 1, id="grace-10-start-D-10-examined"),
    P([-9], UNSET, {}, G10, set(), 0, id="grace-10-start-D-9-not-examined"),
    P([-29], UNSET, {}, G10, {"c1"}, 1, id="grace-10-start-D-29-examined"),
    P([0], UNSET, {}, {"mapping_grace_days": 0}, {"c1"}, 1, id="grace-0-start-D-examined"),
])
def test_child_relative(tmp_path, assignments, mapped, case, params, expected, population):
    report = child_snap(assignments, mapped, case=case).evaluate(tmp_path, ruleset_with(tmp_path, params))
    check(report, "KE-CHILD-RELATIVE", expected, population, severity="medium")


def test_child_relative_evidence_and_message(tmp_path):
    report = child_snap([-31, -400, -10], relatives=[("barn", "2015-01-01")]).evaluate(tmp_path)
    f = finding(report, "KE-CHILD-RELATIVE", "c1")
    assert f.evidence["earliest_qualifying_assignment_start"] == day(-400)
    assert f.evidence["minor_children_siblings"] == 1
    assert "ikke dokumentert" in f.message  # says the mapping is not documented ...
    assert "koordinator har ikke" not in f.message.lower()  # ... without blaming the coordinator


@pytest.mark.parametrize("relatives, severity", [
    P([], "medium", id="no-relatives-medium"),
    P([("barn", "2008-11-24")], "high", id="barn-aged-17-high"),
    P([("barn", "2008-11-23")], "medium", id="barn-turns-18-on-D-medium"),
    P([("barn", "2008-11-22")], "medium", id="barn-turned-18-D-1-medium"),
    P([("sosken", "2008-11-24")], "high", id="sosken-aged-17-high"),
    P([("sosken", "2008-11-23")], "medium", id="sosken-18-on-D-medium"),
    P([("datter", "2015-06-01")], "high", id="synonym-datter-is-barn"),
    P([("halvbror", "2015-06-01")], "high", id="synonym-halvbror-is-sosken"),
    P([("barn", day(0))], "high", id="barn-born-on-D-high"),
    P([("barn", day(1))], "medium", id="barn-born-D+1-not-a-minor"),
    P([("barn", UNSET)], "medium", id="barn-without-birth-date-not-a-minor"),
    P([("forelder", "2015-06-01")], "medium", id="minor-forelder-does-not-escalate"),
    P([("partner", "2010-06-01")], "medium", id="minor-partner-does-not-escalate"),
    P([("annet", "2015-06-01")], "medium", id="minor-annet-does-not-escalate"),
    P([("barn", "2000-01-01"), ("sosken", "2010-01-01")], "high", id="one-minor-of-two"),
])
def test_child_relative_severity(tmp_path, relatives, severity):
    report = child_snap([-100], relatives=relatives).evaluate(tmp_path)
    check(report, "KE-CHILD-RELATIVE", {"c1"}, population=1, severity=severity)


def test_child_relative_minor_of_another_case_does_not_escalate(tmp_path):
    s = child_snap([-100]).case("c2").relative("c2", "barn", "2015-06-01")
    check(s.evaluate(tmp_path), "KE-CHILD-RELATIVE", {"c1"}, population=1, severity="medium")


@pytest.mark.parametrize("as_of, birth, severity", [
    # born 29 February 2008; 2026 is not a leap year: the 18th birthday is 1 March 2026
    P(dt.date(2026, 2, 28), "2008-02-29", "high", id="29feb-on-28feb-non-leap-still-17"),
    P(dt.date(2026, 3, 1), "2008-02-29", "medium", id="29feb-on-1mar-non-leap-18"),
    P(dt.date(2026, 2, 27), "2008-02-29", "high", id="29feb-on-27feb-non-leap-17"),
    # a leap D year: the birthday is 29 February itself
    P(dt.date(2028, 2, 29), "2010-02-28", "medium", id="leap-D-29feb-born-28feb-18"),
    P(dt.date(2028, 2, 29), "2010-03-01", "high", id="leap-D-29feb-born-1mar-17"),
    P(dt.date(2030, 2, 28), "2012-02-29", "high", id="29feb-2012-on-28feb-2030-17"),
    P(dt.date(2030, 3, 1), "2012-02-29", "medium", id="29feb-2012-on-1mar-2030-18"),
])
def test_child_relative_29_february(tmp_path, as_of, birth, severity):
    report = child_snap([-100], relatives=[("barn", birth)], as_of=as_of).evaluate(tmp_path)
    check(report, "KE-CHILD-RELATIVE", {"c1"}, population=1, severity=severity)


# ===================================================================================
# KE-REFERRAL-MISSING — need for coordination without a notice to the KE
#   params: coordination_categories ([helse, omsorg, spesialist]), long_term_days (90)
# ===================================================================================

def referral_snap(services: list, long_term_need: Any = UNSET, referrals: list = (),
                  case: dict | None = None) -> Snap:
    s = Snap().case("c1", long_term_need=long_term_need, **(case or {}))
    for name, category, start, *end in services:
        s.service("c1", name, category, start, end[0] if end else UNSET)
    for received in referrals:
        s.referral("c1", received)
    return s


HJEM, PRAKT = ("hjemmesykepleie", "helse"), ("praktisk bistand", "omsorg")
CATS_PLUS_OPPVEKST = {"coordination_categories": ["helse", "omsorg", "spesialist", "oppvekst"]}


@pytest.mark.parametrize("services, ltn, referrals, case, params, expected, population", [
    # long_term_days 90: a name is long-running when it started on or before D-90
    P([(*HJEM, -90), (*PRAKT, -90)], UNSET, [], {}, {}, {"c1"}, 1, id="two-long-running-D-90"),
    P([(*HJEM, -90), (*PRAKT, -89)], UNSET, [], {}, {}, set(), 0, id="one-long-one-D-89"),
    P([(*HJEM, -89), (*PRAKT, -89)], UNSET, [], {}, {}, set(), 0, id="two-short-no-need"),
    P([(*HJEM, -200), ("BUP", "spesialist", -200)], UNSET, [], {}, {}, {"c1"}, 1,
      id="helse-and-spesialist"),
    # long_term_need branch: >= 2 qualifying names
    P([(*HJEM, -89), (*PRAKT, -1)], True, [], {}, {}, {"c1"}, 1, id="long-term-need-two-short"),
    P([(*HJEM, 0), (*PRAKT, 0)], True, [], {}, {}, {"c1"}, 1, id="long-term-need-started-D"),
    P([(*HJEM, -200)], True, [], {}, {}, set(), 0, id="long-term-need-one-service"),
    P([(*HJEM, -89), (*PRAKT, -1)], False, [], {}, {}, set(), 0, id="long-term-need-false"),
    # fastlege / helsesykepleier never qualify
    P([(*HJEM, -200), ("fastlege", "fastlege", -200)], UNSET, [], {}, {}, set(), 0,
      id="fastlege-never-qualifies"),
    P([(*HJEM, -200), ("helsestasjon", "helsesykepleier", -200)], UNSET, [], {}, {}, set(), 0,
      id="helsesykepleier-never-qualifies"),
    P([(*HJEM, -200), ("fastlege", "fastlege", -200)], True, [], {}, {}, set(), 0,
      id="fastlege-never-qualifies-long-term-need"),
    P([(*HJEM, -200), ("fastlege", "fastlege", -200)], UNSET, [], {},
      {"coordination_categories": ["helse", "omsorg", "spesialist", "fastlege", "helsesykepleier"]},
      set(), 0, id="fastlege-in-param-still-never-qualifies"),
    # other categories
    P([(*HJEM, -200), ("skole", "oppvekst", -200)], UNSET, [], {}, {}, set(), 0, id="oppvekst-not-default"),
    P([(*HJEM, -200), ("nav", "nav", -200)], UNSET, [], {}, {}, set(), 0, id="nav-not-default"),
    # coordination_categories parameter
    P([(*HJEM, -200), ("skole", "oppvekst", -200)], UNSET, [], {}, CATS_PLUS_OPPVEKST, {"c1"}, 1,
      id="param-adds-oppvekst"),
    P([(*HJEM, -200), (*PRAKT, -200)], UNSET, [], {}, {"coordination_categories": ["helse"]},
      set(), 0, id="param-helse-only"),
    P([(*HJEM, -200), ("fysioterapi", "helse", -200)], UNSET, [], {},
      {"coordination_categories": ["helse"]}, {"c1"}, 1, id="param-helse-only-two-helse"),
    # distinct names (trimmed, case-insensitive)
    P([(*HJEM, -200), (" Hjemmesykepleie ", "helse", -150)], UNSET, [], {}, {}, set(), 0,
      id="same-name-twice-counted-once"),
    P([(*HJEM, -200), ("HJEMMESYKEPLEIE", "helse", -10)], True, [], {}, {}, set(), 0,
      id="same-name-twice-counted-once-long-term-need"),
    P([(*HJEM, -10), (*HJEM, -200), (*PRAKT, -200)], UNSET, [], {}, {}, {"c1"}, 1,
      id="name-long-running-when-any-row-is"),
    # services active at D (end inclusive)
    P([(*HJEM, -200, 0), (*PRAKT, -200)], UNSET, [], {}, {}, {"c1"}, 1, id="service-ends-D-active"),
    P([(*HJEM, -200, -1), (*PRAKT, -200)], UNSET, [], {}, {}, set(), 0, id="service-ended-D-1"),
    P([(*HJEM, 1), (*PRAKT, -200)], True, [], {}, {}, set(), 0, id="service-starts-D+1"),
    P([(*HJEM, -200, -1), (*HJEM, -10), (*PRAKT, -200)], UNSET, [], {}, {}, set(), 0,
      id="only-active-rows-make-a-name-long-running"),
    # a given category is never second-guessed
    P([("hjemmesykepleie", "annet", -200), (*PRAKT, -200)], UNSET, [], {}, {}, set(), 0,
      id="given-category-annet-not-second-guessed"),
    # category inferred from the service name when empty
    P([("hjemmesykepleie", UNSET, -200), ("praktisk bistand", UNSET, -200)], UNSET, [], {}, {},
      {"c1"}, 1, id="category-inferred"),
    # referral received on or before D
    P([(*HJEM, -200), (*PRAKT, -200)], UNSET, [0], {}, {}, set(), 1, id="referral-received-D"),
    P([(*HJEM, -200), (*PRAKT, -200)], UNSET, [1], {}, {}, {"c1"}, 1, id="referral-received-D+1"),
    P([(*HJEM, -200), (*PRAKT, -200)], UNSET, [-1000], {}, {}, set(), 1, id="referral-long-ago"),
    # long_term_days parameter
    P([(*HJEM, -30), (*PRAKT, -30)], UNSET, [], {}, {"long_term_days": 30}, {"c1"}, 1,
      id="long-term-30-start-D-30"),
    P([(*HJEM, -30), (*PRAKT, -29)], UNSET, [], {}, {"long_term_days": 30}, set(), 0,
      id="long-term-30-start-D-29"),
    P([(*HJEM, -90), (*PRAKT, -90)], UNSET, [], {}, {"long_term_days": 91}, set(), 0,
      id="long-term-91-start-D-90"),
    # case scope
    P([(*HJEM, -200), (*PRAKT, -200)], UNSET, [], {"closed_on": -1}, {}, set(), 0,
      id="case-closed-D-1-out-of-scope"),
    P([(*HJEM, -200), (*PRAKT, -200)], UNSET, [], {"opened_on": 1}, {}, set(), 0,
      id="case-opened-D+1-out-of-scope"),
])
def test_referral_missing(tmp_path, services, ltn, referrals, case, params, expected, population):
    report = referral_snap(services, ltn, referrals, case).evaluate(tmp_path, ruleset_with(tmp_path, params))
    check(report, "KE-REFERRAL-MISSING", expected, population)


def test_referral_missing_evidence(tmp_path):
    report = referral_snap([(*HJEM, -200), (" hjemmesykepleie", "helse", -10), (*PRAKT, -10)],
                           long_term_need=True).evaluate(tmp_path)
    f = finding(report, "KE-REFERRAL-MISSING", "c1")
    assert sorted(s.casefold() for s in f.evidence["qualifying_services"]) == [
        "hjemmesykepleie", "praktisk bistand"]
    assert f.evidence["long_running_count"] == 1


# ===================================================================================
# KE-INVITE-CONTENT — the invitation names subject, participants, time/place, agenda
#   examined: the meetings KE-INVITE-LEAD examines that have invitation_sent_on
# ===================================================================================

FLAGS = {
    "invitation_has_subject": "hvem møtet gjelder",
    "invitation_has_participants": "deltakere",
    "invitation_has_time_place": "tid og sted",
    "invitation_has_agenda": "saksliste",
}


@pytest.mark.parametrize("flag", list(FLAGS))
@pytest.mark.parametrize("value", [
    P(False, id="false"), P(None, id="null"), P("", id="empty-text"), P(UNSET, id="absent"),
])
def test_invite_content_each_missing_flag(tmp_path, flag, value):
    report = meeting_snap(date=-10, sent=-30, **{flag: value}).evaluate(tmp_path)
    check(report, "KE-INVITE-CONTENT", {"m1"}, population=1)
    missing = finding(report, "KE-INVITE-CONTENT", "m1").evidence["invitation_missing"]
    assert missing == [FLAGS[flag]]


@pytest.mark.parametrize("meeting, params, expected, population", [
    P(dict(date=-10, sent=-30), {}, set(), 1, id="complete-invitation-ok"),
    P(dict(date=-10, sent=-30, invitation_has_agenda="ja"), {}, set(), 1, id="bool-ja-is-true"),
    P(dict(date=-10, sent=-30, invitation_has_agenda="nei"), {}, {"m1"}, 1, id="bool-nei-is-false"),
    P(dict(date=-10, invitation_has_agenda=False), {}, set(), 0, id="no-invitation-not-examined"),
    P(dict(date=-10, sent=-30, status="cancelled", invitation_has_agenda=False), {}, set(), 0,
      id="cancelled-not-examined"),
    P(dict(date=-10, sent=-30, kind="samarbeidsmote", invitation_has_agenda=False), {}, set(), 0,
      id="samarbeidsmote-not-examined"),
    P(dict(date=-364, sent=-400, invitation_has_agenda=False), {}, {"m1"}, 1, id="D-364-examined"),
    P(dict(date=-365, sent=-400, invitation_has_agenda=False), {}, set(), 0, id="D-365-not-examined"),
    P(dict(date=14, sent=-1, invitation_has_agenda=False), {}, {"m1"}, 1, id="D+14-examined"),
    P(dict(date=15, sent=-1, invitation_has_agenda=False), {}, set(), 0, id="D+15-not-examined"),
    P(dict(date=10, sent=-1, invitation_has_agenda=False), L10, {"m1"}, 1, id="L10-D+10-examined"),
    P(dict(date=11, sent=-1, invitation_has_agenda=False), L10, set(), 0, id="L10-D+11-not-examined"),
    P(dict(date=-10, sent=-30, case={"closed_on": -1}, invitation_has_agenda=False), {}, set(), 0,
      id="case-closed-D-1-out-of-scope"),
])
def test_invite_content(tmp_path, meeting, params, expected, population):
    case = meeting.pop("case", None)
    report = meeting_snap(case, **meeting).evaluate(tmp_path, ruleset_with(tmp_path, params))
    check(report, "KE-INVITE-CONTENT", expected, population)


def test_invite_content_all_missing(tmp_path):
    report = meeting_snap(date=-10, sent=-30, **dict.fromkeys(FLAGS, False)).evaluate(tmp_path)
    f = finding(report, "KE-INVITE-CONTENT", "m1")
    assert sorted(f.evidence["invitation_missing"]) == sorted(FLAGS.values())


# ===================================================================================
# KE-MEET-NEXT — next meeting agreed at the latest held meeting
# ===================================================================================

@pytest.mark.parametrize("est, meetings, extra, expected, population", [
    P(-400, [], {}, set(), 0, id="no-held-meeting-not-in-population"),
    P(-400, [H(-10, next_on=30)], {}, set(), 1, id="latest-with-next-ok"),
    P(-400, [H(-10)], {}, {"g1"}, 1, id="latest-without-next"),
    P(-400, [H(-50, next_on=-10), H(-10)], {}, {"g1"}, 1, id="earlier-had-next-latest-not"),
    P(-400, [H(-50), H(-10, next_on=30)], {}, set(), 1, id="latest-had-next-earlier-not"),
    P(-400, [H(-10), H(-10, next_on=30)], {}, set(), 1, id="two-on-latest-date-one-with-next"),
    P(-400, [H(-10), H(-10)], {}, {"g1"}, 1, id="two-on-latest-date-none-with-next"),
    P(-400, [H(0, next_on=30)], {}, set(), 1, id="meeting-on-D-with-next"),
    P(-400, [H(0)], {}, {"g1"}, 1, id="meeting-on-D-without-next"),
    P(-400, [H(-10, next_on=5), M(5, "planned")], {}, set(), 1, id="future-planned-not-latest"),
    P(-400, [H(-10, next_on=5), M(5, "held")], {}, set(), 1, id="future-held-taken-as-planned"),
    P(-400, [H(-10, next_on=5), M(-2, "planned")], {}, set(), 1, id="planned-in-past-not-held"),
    P(-400, [H(-10, next_on=5), M(-2, "cancelled")], {}, set(), 1, id="cancelled-not-held"),
    P(-400, [H(-10, next_on=5), H(-2, kind="samarbeidsmote")], {}, set(), 1,
      id="samarbeidsmote-not-counted"),
    P(-400, [H(-10, next_on=5), M(-2)], {}, {"g1"}, 1, id="empty-status-past-is-held"),
    P(-400, [H(-390)], {}, {"g1"}, 1, id="held-outside-window-still-latest"),
    P(-100, [H(-101)], {}, set(), 0, id="meeting-before-established-not-counted"),
    P(-100, [H(-100)], {}, {"g1"}, 1, id="meeting-on-established-counts"),
    P(-400, [H(-10)], {"dissolved": -1}, set(), 0, id="group-dissolved-D-1-not-active"),
    P(-400, [H(-10)], {"dissolved": 0}, {"g1"}, 1, id="group-dissolved-D-active"),
    P(-400, [H(-10, case="c2")], {}, set(), 0, id="other-case-meeting-not-counted"),
    P(-400, [H(-10)], {"case": {"closed_on": -1}}, set(), 0, id="case-closed-D-1-out-of-scope"),
])
def test_meet_next(tmp_path, est, meetings, extra, expected, population):
    report = group_snap(est, meetings, **extra).evaluate(tmp_path)
    check(report, "KE-MEET-NEXT", expected, population)


def test_meet_next_evidence(tmp_path):
    report = group_snap(-400, [H(-50, next_on=-10), H(-10)]).evaluate(tmp_path)
    assert finding(report, "KE-MEET-NEXT", "g1").evidence == {"latest_meeting_on": day(-10)}


# ===================================================================================
# KE-CONSENT-MEETING — consent for a held samarbeidsmøte, on its date
# ===================================================================================

@pytest.mark.parametrize("meeting, consents, expected, population", [
    # scope on the meeting date t = D-10
    P(dict(date=-10), [], {"m1"}, 1, id="no-consent"),
    P(dict(date=-10), [("samarbeidsmote", -10, UNSET)], set(), 1, id="samarbeidsmote-given-on-t"),
    P(dict(date=-10), [("informasjonsdeling", -10, UNSET)], set(), 1, id="informasjonsdeling-given-on-t"),
    P(dict(date=-10), [("alle", -10, UNSET)], set(), 1, id="alle-given-on-t"),
    P(dict(date=-10), [("ip", -10, UNSET)], {"m1"}, 1, id="ip-does-not-cover"),
    P(dict(date=-10), [("ansvarsgruppe", -10, UNSET)], {"m1"}, 1, id="ansvarsgruppe-does-not-cover"),
    P(dict(date=-10), [("samarbeidsmote", -9, UNSET)], {"m1"}, 1, id="given-t+1-not-covering"),
    P(dict(date=-10), [("samarbeidsmote", -100, -10)], {"m1"}, 1, id="withdrawn-on-t-not-covering"),
    P(dict(date=-10), [("alle", -100, -10)], {"m1"}, 1, id="alle-withdrawn-on-t"),
    P(dict(date=-10), [("samarbeidsmote", -100, -9)], set(), 1, id="withdrawn-t+1-covering"),
    P(dict(date=-10), [("informasjonsdeling", -100, -5)], set(), 1,
      id="withdrawn-after-meeting-before-D-covering"),
    P(dict(date=-10), [("samarbeidsmote", 0, UNSET)], {"m1"}, 1, id="given-only-at-D-not-covering"),
    # examined meetings: held samarbeidsmoter with meeting_date in W
    P(dict(date=-364), [], {"m1"}, 1, id="D-364-examined"),
    P(dict(date=-365), [], set(), 0, id="D-365-not-examined"),
    P(dict(date=0), [], {"m1"}, 1, id="on-D-examined"),
    P(dict(date=0), [("samarbeidsmote", 0, UNSET)], set(), 1, id="on-D-consent-given-D"),
    P(dict(date=1, status="held"), [], set(), 0, id="held-in-future-not-examined"),
    P(dict(date=-10, status="planned"), [], set(), 0, id="planned-in-past-not-held"),
    P(dict(date=-10, status="cancelled"), [], set(), 0, id="cancelled-not-examined"),
    P(dict(date=-10, kind="ansvarsgruppe"), [], set(), 0, id="ansvarsgruppe-meeting-not-examined"),
    P(dict(date=-10, status=UNSET), [], {"m1"}, 1, id="empty-status-past-is-held"),
    P(dict(date=-10, case={"closed_on": -1}), [], set(), 0, id="case-closed-D-1-out-of-scope"),
    P(dict(date=-10, case={"closed_on": 0}), [], {"m1"}, 1, id="case-closed-D-in-scope"),
    P(dict(date=-10, case={"closed_on": -10}), [], set(), 0, id="case-closed-on-t-out-of-scope-at-D"),
])
def test_consent_meeting(tmp_path, meeting, consents, expected, population):
    meeting = {"kind": "samarbeidsmote", "status": "held", **meeting}
    case = meeting.pop("case", None)
    s = Snap().case("c1", **(case or {}))
    s.meeting("m1", "c1", meeting.pop("date"), **meeting)
    for scope, given, withdrawn in consents:
        s.consent("c1", scope, given, withdrawn)
    check(s.evaluate(tmp_path), "KE-CONSENT-MEETING", expected, population)


def test_consent_meeting_consent_of_another_case_does_not_cover(tmp_path):
    s = (Snap().case("c1").case("c2").meeting("m1", "c1", -10, kind="samarbeidsmote")
         .consent("c2", "alle", -100))
    report = s.evaluate(tmp_path)
    check(report, "KE-CONSENT-MEETING", {"m1"}, population=1)
    assert finding(report, "KE-CONSENT-MEETING", "m1").evidence == {"meeting_date": day(-10)}


# ===================================================================================
# messages: language, and the local-routine note
# ===================================================================================

def all_rules_snap() -> Snap:
    """One case c1 (and c2, the KE's routines) that break all seventeen rules of nasjonal at D."""
    s = Snap().coordinator("k1", agreed_max_cases=0)                  # COORD-TRAINING: not trained
    s.case("c1", ip_started_on=-400, birth_date="2015-01-01", opened_on=-300,  # KE-CONSENT; IP-EVAL
           wants_coordinator=True, child_coordinator_eligible=True)   # CHILD-COORD: no barnekoordinator
    s.case("c2", wants_coordinator=True, opened_on=-40)               # COORD-MISSING
    s.assignment("c1", "k1", start=-100)                              # COORD-LOAD, CHILD-RELATIVE
    s.group("g1", "c1", -400)                                         # MEET-FREQ: 2 needed
    s.meeting("m1", "c1", -10, status="held")                         # INVITE-LEAD, MEET-NEXT
    s.case("c3").group("g3", "c3", -400)
    s.meeting("m4", "c3", -60, status="held", next_on=-30)            # MINUTES, MEET-OVERDUE
    s.add("ip_reviews", case_id="c1", reviewed_on=day(-20), goals=False)  # IP-CONTENT
    s.add("ke_routines", task="meldinger", last_revised_on=day(-800))     # SYSTEM-ROUTINES
    s.meeting("m2", "c1", 10, status="planned", sent=-5,              # INVITE-CONTENT
              **dict.fromkeys(FLAGS, False))
    s.meeting("m3", "c1", -5, status="held", kind="samarbeidsmote")   # CONSENT-MEETING
    s.service("c1", "hjemmesykepleie", "helse", -200)                 # REFERRAL-MISSING
    s.service("c1", "praktisk bistand", "omsorg", -200)
    return s


@pytest.fixture(scope="module")
def both_languages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lang")
    s = all_rules_snap()
    return s.evaluate(folder, lang="nb"), s.evaluate(folder, lang="en")


def test_all_rules_snapshot_breaks_every_rule(both_languages):
    nb, _ = both_languages
    assert {f.rule_id for f in nb.findings} == set(NASJONAL.rules)


def test_english_messages_differ_from_bokmal(both_languages):
    nb, en = both_languages
    key = lambda f: (f.rule_id, f.subject_id)  # noqa: E731
    nb_msg = {key(f): f.message for f in nb.findings}
    en_msg = {key(f): f.message for f in en.findings}
    assert nb_msg.keys() == en_msg.keys()
    for k in nb_msg:
        assert nb_msg[k] != en_msg[k], k
        assert nb_msg[k].strip() and en_msg[k].strip()
    # the same findings otherwise: severity, evidence, basis
    assert [(f.rule_id, f.subject_id, f.severity, f.evidence) for f in nb.findings] == [
        (f.rule_id, f.subject_id, f.severity, f.evidence) for f in en.findings]


def test_english_message_content(both_languages):
    _, en = both_languages
    assert "has 1 cases; the limit is 0" in finding(en, "KE-COORD-LOAD", "k1").message
    assert "avvik" not in " ".join(f.message for f in en.findings)


LOCAL_ROUTINE_FIRST = {"KE-COORD-LOAD", "KE-MEET-FREQ", "KE-INVITE-LEAD", "KE-INVITE-CONTENT",
                       "KE-MEET-NEXT", "KE-IP-EVAL", "KE-MINUTES", "KE-MEET-OVERDUE"}


def test_which_rules_rest_first_on_a_local_routine():
    got = {r.id for r in NASJONAL.rules.values() if str(r.basis[0].kind) == "lokal_rutine"}
    assert got == LOCAL_ROUTINE_FIRST


@pytest.mark.parametrize("rule_id", sorted(SUBJECT))
def test_local_routine_message_says_deviation_not_breach_of_law(both_languages, rule_id):
    nb, en = both_languages
    f_nb = next(f for f in nb.findings if f.rule_id == rule_id)
    f_en = next(f for f in en.findings if f.rule_id == rule_id)
    primary = f_nb.basis[0]
    if rule_id in LOCAL_ROUTINE_FIRST:
        assert str(primary.kind) == "lokal_rutine"
        assert "avvik fra rutinen" in f_nb.message
        assert "ikke et lovbrudd" in f_nb.message
        assert primary.citation in f_nb.message
        assert "brukt som mal" in primary.citation  # nasjonal cites Lund's routine as a model
        assert "deviation from the routine" in f_en.message
        assert primary.citation in f_en.message
        assert "not a breach of law" in f_en.message
    else:
        assert str(primary.kind) != "lokal_rutine"
        assert "avvik fra rutinen" not in f_nb.message
        assert "deviation from the routine" not in f_en.message


# ===================================================================================
# robustness and coverage of this file
# ===================================================================================

def test_snapshot_without_any_group_meeting_evaluates(tmp_path):
    """A snapshot with no held group meeting at all (no groups) must evaluate normally."""
    report = coord_snap(6).evaluate(tmp_path)
    check(report, "KE-COORD-LOAD", {"k1"}, population=1)
    check(report, "KE-MEET-NEXT", set(), population=0)


# every rule of nasjonal and every parameter it depends on has a table above
RULE_TESTS = {
    "KE-COORD-LOAD": test_coord_load, "KE-MEET-FREQ": test_meet_freq,
    "KE-INVITE-LEAD": test_invite_lead, "KE-CONSENT": test_consent,
    "KE-CHILD-RELATIVE": test_child_relative, "KE-REFERRAL-MISSING": test_referral_missing,
    "KE-INVITE-CONTENT": test_invite_content, "KE-MEET-NEXT": test_meet_next,
    "KE-CONSENT-MEETING": test_consent_meeting,
    **DUTY_RULE_TESTS,
}
PARAM_TESTS = {
    "max_cases_per_coordinator": test_coord_load,
    "count_only_cases_with_ip": test_coord_load_count_only_cases_with_ip,
    "min_group_meetings_per_year": test_meet_freq,
    "invitation_lead_days": test_invite_lead,  # and test_invite_content
    "mapping_grace_days": test_child_relative,
    "coordination_categories": test_referral_missing,
    "long_term_days": test_referral_missing,
    **DUTY_PARAM_TESTS,
}
# the avvik deadlines are read by the avvik format only (no rule); declared in every ruleset.params
AVVIK_PARAMS = {"deadline_days_high": 14, "deadline_days_medium": 30, "deadline_days_low": 90}


def test_every_enabled_rule_and_parameter_is_covered():
    assert set(RULE_TESTS) == set(NASJONAL.rules)
    assert set(PARAM_TESTS) == set(NASJONAL.params) - set(AVVIK_PARAMS)
    assert {k: NASJONAL.params[k] for k in AVVIK_PARAMS} == AVVIK_PARAMS
    for param, test in PARAM_TESTS.items():
        marks = [m for m in getattr(test, "pytestmark", []) if m.name == "parametrize"]
        assert any(param in repr(m.args) for m in marks), f"no table row sets {param}"
    assert NASJONAL.params["max_cases_per_coordinator"] == 5
    assert NASJONAL.params["invitation_lead_days"] == 14
    assert NASJONAL.params["mapping_grace_days"] == 30
    assert NASJONAL.params["long_term_days"] == 90
    assert NASJONAL.params["min_group_meetings_per_year"] == 2
    assert NASJONAL.params["count_only_cases_with_ip"] is False
    assert sorted(NASJONAL.params["coordination_categories"]) == ["helse", "omsorg", "spesialist"]
