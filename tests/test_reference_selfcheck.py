"""Hand-made checks of the independent oracle in tests/reference.py."""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from reference import reference_evaluate  # noqa: E402

D = datetime.date(2025, 6, 15)


def iso(days_before_d):
    return (D - datetime.timedelta(days=days_before_d)).isoformat()


def rule_findings(result, rule):
    return {f for f in result["findings"] if f[0] == rule}


def coord_snapshot(n_cases, agreed=None):
    cases = [{"case_id": f"c{i}"} for i in range(n_cases)]
    assignments = [{"case_id": f"c{i}", "coordinator_id": "k1", "start_date": iso(10)}
                   for i in range(n_cases)]
    return {"cases": cases, "assignments": assignments,
            "coordinators": [{"coordinator_id": "k1", "agreed_max_cases": agreed}]}


def test_coord_load_5_vs_6():
    r5 = reference_evaluate(coord_snapshot(5), D)
    assert rule_findings(r5, "KE-COORD-LOAD") == set()
    assert r5["populations"]["KE-COORD-LOAD"] == 1
    r6 = reference_evaluate(coord_snapshot(6), D)
    assert rule_findings(r6, "KE-COORD-LOAD") == {("KE-COORD-LOAD", "coordinator", "k1", "medium")}


def test_coord_load_agreed_limit_and_ended_assignment_and_ip_param():
    snap = coord_snapshot(2, agreed=1)
    assert rule_findings(reference_evaluate(snap, D), "KE-COORD-LOAD")
    # end date inclusive: ending on D still counts; ending D-1 does not
    snap["assignments"][1]["end_date"] = D.isoformat()
    assert rule_findings(reference_evaluate(snap, D), "KE-COORD-LOAD")
    snap["assignments"][1]["end_date"] = iso(1)
    assert not rule_findings(reference_evaluate(snap, D), "KE-COORD-LOAD")
    # count_only_cases_with_ip: no IP -> nothing counted, population 0
    snap = coord_snapshot(7)
    r = reference_evaluate(snap, D, {"count_only_cases_with_ip": True})
    assert r["populations"]["KE-COORD-LOAD"] == 0 and not rule_findings(r, "KE-COORD-LOAD")
    # a closed case (closed D-1) is out of scope
    snap = coord_snapshot(6)
    snap["cases"][0]["closed_on"] = iso(1)
    assert not rule_findings(reference_evaluate(snap, D), "KE-COORD-LOAD")


def invite_snapshot(meeting_date, sent):
    return {"cases": [{"case_id": "c1"}],
            "meetings": [{"meeting_id": "m1", "case_id": "c1", "meeting_date": meeting_date,
                          "status": "held", "invitation_sent_on": sent,
                          "invitation_has_subject": True, "invitation_has_participants": True,
                          "invitation_has_time_place": True, "invitation_has_agenda": None}]}


def test_invite_lead_13_vs_14_days():
    r13 = reference_evaluate(invite_snapshot(iso(10), iso(23)), D)
    assert rule_findings(r13, "KE-INVITE-LEAD") == {("KE-INVITE-LEAD", "meeting", "m1", "low")}
    r14 = reference_evaluate(invite_snapshot(iso(10), iso(24)), D)
    assert rule_findings(r14, "KE-INVITE-LEAD") == set()
    assert r14["populations"]["KE-INVITE-LEAD"] == 1
    # companion: agenda flag empty -> content finding
    assert rule_findings(r14, "KE-INVITE-CONTENT") == {("KE-INVITE-CONTENT", "meeting", "m1", "low")}
    assert r14["populations"]["KE-INVITE-CONTENT"] == 1


def test_invite_lead_future_meetings():
    # future, no invitation, 13 days ahead -> finding; 14 days ahead -> none
    r = reference_evaluate(invite_snapshot(iso(-13), None), D)
    assert rule_findings(r, "KE-INVITE-LEAD")
    assert r["populations"]["KE-INVITE-CONTENT"] == 0
    r = reference_evaluate(invite_snapshot(iso(-14), None), D)
    assert not rule_findings(r, "KE-INVITE-LEAD")
    assert r["populations"]["KE-INVITE-LEAD"] == 1
    # 15 days ahead is outside (D-365, D+14]
    r = reference_evaluate(invite_snapshot(iso(-15), None), D)
    assert r["populations"]["KE-INVITE-LEAD"] == 0
    # exactly D-365 is outside too, D-364 inside
    assert reference_evaluate(invite_snapshot(iso(365), None), D)["populations"]["KE-INVITE-LEAD"] == 0
    assert reference_evaluate(invite_snapshot(iso(364), None), D)["populations"]["KE-INVITE-LEAD"] == 1


def test_consent_withdrawn_on_d():
    snap = {"cases": [{"case_id": "c1", "ip_started_on": iso(100)}],
            "consents": [{"case_id": "c1", "scope": "ip", "given_on": iso(100),
                          "withdrawn_on": D.isoformat()}]}
    r = reference_evaluate(snap, D)
    assert rule_findings(r, "KE-CONSENT") == {("KE-CONSENT", "case", "c1", "high")}
    assert r["populations"]["KE-CONSENT"] == 1
    snap["consents"][0]["withdrawn_on"] = iso(-1)
    assert not rule_findings(reference_evaluate(snap, D), "KE-CONSENT")
    # an active group adds the ansvarsgruppe need; scope alle covers both
    snap["groups"] = [{"group_id": "g1", "case_id": "c1", "established_on": iso(10)}]
    assert rule_findings(reference_evaluate(snap, D), "KE-CONSENT")
    snap["consents"][0]["scope"] = "alle"
    assert not rule_findings(reference_evaluate(snap, D), "KE-CONSENT")


def test_child_relative_grace_and_severity_29_feb():
    d = datetime.date(2025, 2, 28)
    snap = {"cases": [{"case_id": "c1"}],
            "assignments": [{"case_id": "c1", "coordinator_id": "k1",
                             "start_date": (d - datetime.timedelta(days=29)).isoformat()}],
            "relatives": [{"case_id": "c1", "relation": "barn", "birth_date": "2008-02-29"}]}
    r = reference_evaluate(snap, d)
    assert r["populations"]["KE-CHILD-RELATIVE"] == 0  # 29 days < grace
    snap["assignments"][0]["start_date"] = (d - datetime.timedelta(days=30)).isoformat()
    r = reference_evaluate(snap, d)
    # born 2008-02-29: on 2025-02-28 still 16 -> minor -> high
    assert rule_findings(r, "KE-CHILD-RELATIVE") == {("KE-CHILD-RELATIVE", "case", "c1", "high")}
    snap["relatives"][0]["birth_date"] = "2007-03-01"  # turns 18 on 2025-03-01: still minor
    assert rule_findings(reference_evaluate(snap, d), "KE-CHILD-RELATIVE") == {
        ("KE-CHILD-RELATIVE", "case", "c1", "high")}
    snap["relatives"][0]["birth_date"] = "2007-02-28"  # 18 on D
    assert rule_findings(reference_evaluate(snap, d), "KE-CHILD-RELATIVE") == {
        ("KE-CHILD-RELATIVE", "case", "c1", "medium")}
    # mapping after D does not count; on D it does
    snap["cases"][0]["relatives_mapped_on"] = (d + datetime.timedelta(days=1)).isoformat()
    assert rule_findings(reference_evaluate(snap, d), "KE-CHILD-RELATIVE")
    snap["cases"][0]["relatives_mapped_on"] = d.isoformat()
    assert not rule_findings(reference_evaluate(snap, d), "KE-CHILD-RELATIVE")


def test_29_feb_birthday_in_common_year():
    # born 2004-02-29: on 2022-02-28 age 17 (minor); on 2022-03-01 age 18.
    snap = {"cases": [{"case_id": "c1"}],
            "assignments": [{"case_id": "c1", "coordinator_id": "k1", "start_date": "2020-01-01"}],
            "relatives": [{"case_id": "c1", "relation": "sosken", "birth_date": "2004-02-29"}]}
    r = reference_evaluate(snap, datetime.date(2022, 2, 28))
    assert rule_findings(r, "KE-CHILD-RELATIVE") == {("KE-CHILD-RELATIVE", "case", "c1", "high")}
    r = reference_evaluate(snap, datetime.date(2022, 3, 1))
    assert rule_findings(r, "KE-CHILD-RELATIVE") == {("KE-CHILD-RELATIVE", "case", "c1", "medium")}


def test_meet_freq_required_and_status():
    # group established 200 days ago: required = floor(2*200/365) = 1
    snap = {"cases": [{"case_id": "c1"}],
            "groups": [{"group_id": "g1", "case_id": "c1", "established_on": iso(200)}],
            "meetings": [{"meeting_id": "m1", "case_id": "c1", "meeting_date": iso(50),
                          "status": "planned"}]}
    r = reference_evaluate(snap, D)
    assert rule_findings(r, "KE-MEET-FREQ") == {("KE-MEET-FREQ", "group", "g1", "medium")}
    assert r["populations"]["KE-MEET-FREQ"] == 1
    snap["meetings"][0]["status"] = None  # empty + past -> held
    assert not rule_findings(reference_evaluate(snap, D), "KE-MEET-FREQ")
    # established 182 days ago: floor(364/365) = 0 -> never a finding
    snap["groups"][0]["established_on"] = iso(182)
    snap["meetings"] = []
    assert not rule_findings(reference_evaluate(snap, D), "KE-MEET-FREQ")
    # meeting before established_on does not count
    snap["groups"][0]["established_on"] = iso(200)
    snap["meetings"] = [{"meeting_id": "m1", "case_id": "c1", "meeting_date": iso(201)}]
    assert rule_findings(reference_evaluate(snap, D), "KE-MEET-FREQ")


def test_meet_next_latest_date():
    snap = {"cases": [{"case_id": "c1"}],
            "groups": [{"group_id": "g1", "case_id": "c1", "established_on": iso(300)}],
            "meetings": [
                {"meeting_id": "m1", "case_id": "c1", "meeting_date": iso(100),
                 "next_meeting_on": iso(20)},
                {"meeting_id": "m2", "case_id": "c1", "meeting_date": iso(20)},
                # future 'held' is taken as planned -> ignored
                {"meeting_id": "m3", "case_id": "c1", "meeting_date": iso(-5), "status": "held",
                 "next_meeting_on": iso(-50)},
            ]}
    r = reference_evaluate(snap, D)
    assert rule_findings(r, "KE-MEET-NEXT") == {("KE-MEET-NEXT", "group", "g1", "low")}
    assert r["populations"]["KE-MEET-NEXT"] == 1
    snap["meetings"].append({"meeting_id": "m4", "case_id": "c1", "meeting_date": iso(20),
                             "next_meeting_on": iso(-60)})
    assert not rule_findings(reference_evaluate(snap, D), "KE-MEET-NEXT")
    # dissolved group is not active -> not examined
    snap["groups"][0]["dissolved_on"] = iso(1)
    assert reference_evaluate(snap, D)["populations"]["KE-MEET-NEXT"] == 0


def test_referral_missing():
    snap = {"cases": [{"case_id": "c1"}],
            "services": [
                {"case_id": "c1", "service": "Hjemmesykepleie ", "category": "helse",
                 "start_date": iso(90)},
                {"case_id": "c1", "service": "hjemmesykepleie", "category": "helse",
                 "start_date": iso(10)},
                {"case_id": "c1", "service": "Fastlege", "category": "fastlege",
                 "start_date": iso(500)},
                {"case_id": "c1", "service": "Praktisk bistand", "category": "omsorg",
                 "start_date": iso(89)},
            ]}
    r = reference_evaluate(snap, D)
    assert r["populations"]["KE-REFERRAL-MISSING"] == 0  # only 1 long-running name
    snap["services"][3]["start_date"] = iso(90)
    r = reference_evaluate(snap, D)
    assert rule_findings(r, "KE-REFERRAL-MISSING") == {("KE-REFERRAL-MISSING", "case", "c1", "high")}
    # referral received after D does not count, on D does
    snap["referrals"] = [{"case_id": "c1", "received_on": iso(-1)}]
    assert rule_findings(reference_evaluate(snap, D), "KE-REFERRAL-MISSING")
    snap["referrals"] = [{"case_id": "c1", "received_on": D.isoformat()}]
    assert not rule_findings(reference_evaluate(snap, D), "KE-REFERRAL-MISSING")
    # long_term_need with two qualifying (not long-running) names
    snap2 = {"cases": [{"case_id": "c2", "long_term_need": True}],
             "services": [{"case_id": "c2", "service": "BUP", "category": "spesialist",
                           "start_date": iso(1)},
                          {"case_id": "c2", "service": "avlastning", "start_date": iso(1)},
                          {"case_id": "c2", "service": "fysio", "category": "omsorg",
                           "start_date": iso(1)}]}
    assert rule_findings(reference_evaluate(snap2, D), "KE-REFERRAL-MISSING")
    snap2["cases"][0]["long_term_need"] = None
    assert not rule_findings(reference_evaluate(snap2, D), "KE-REFERRAL-MISSING")


def test_consent_meeting():
    snap = {"cases": [{"case_id": "c1"}],
            "meetings": [{"meeting_id": "s1", "case_id": "c1", "kind": "samarbeidsmote",
                          "meeting_date": iso(30)},
                         {"meeting_id": "s2", "case_id": "c1", "kind": "samarbeidsmote",
                          "meeting_date": iso(5), "status": "cancelled"}],
            "consents": [{"case_id": "c1", "scope": "informasjonsdeling", "given_on": iso(30),
                          "withdrawn_on": iso(10)}]}
    r = reference_evaluate(snap, D)
    assert r["populations"]["KE-CONSENT-MEETING"] == 1
    assert not rule_findings(r, "KE-CONSENT-MEETING")
    snap["consents"][0]["given_on"] = iso(29)
    assert rule_findings(reference_evaluate(snap, D), "KE-CONSENT-MEETING") == {
        ("KE-CONSENT-MEETING", "meeting", "s1", "high")}
    # consent of scope ip does not cover a samarbeidsmote
    snap["consents"] = [{"case_id": "c1", "scope": "ip", "given_on": iso(300)}]
    assert rule_findings(reference_evaluate(snap, D), "KE-CONSENT-MEETING")


def test_empty_snapshot_and_speed():
    r = reference_evaluate({}, D)
    assert r["findings"] == set() and all(v == 0 for v in r["populations"].values())
    cases, assignments, meetings, services = [], [], [], []
    for i in range(20000):
        cid = f"c{i}"
        cases.append({"case_id": cid, "ip_started_on": iso(400)})
        assignments.append({"case_id": cid, "coordinator_id": f"k{i % 3000}", "start_date": iso(200)})
        for j in range(4):
            meetings.append({"meeting_id": f"{cid}m{j}", "case_id": cid, "meeting_date": iso(j * 90)})
            services.append({"case_id": cid, "service": f"s{j}", "category": "helse",
                             "start_date": iso(100)})
    t = time.time()
    r = reference_evaluate({"cases": cases, "assignments": assignments,
                            "meetings": meetings, "services": services}, D)
    assert time.time() - t < 30
    assert r["populations"]["KE-REFERRAL-MISSING"] == 20000


# ---------------------------------------------------------------------------
# second wave (rules.md, "The KE's further duties"): every parameter edge
# ---------------------------------------------------------------------------

import pytest  # noqa: E402


def outcome(snapshot, rule, as_of=D, params=None):
    """(population, {subject_id: severity}) of one rule."""
    r = reference_evaluate(snapshot, as_of, params)
    return r["populations"][rule], {f[2]: f[3] for f in r["findings"] if f[0] == rule}


def assignment(case_id="c1", start=100, end=None, role=None, coordinator="k1"):
    return {"case_id": case_id, "coordinator_id": coordinator, "start_date": iso(start),
            "end_date": None if end is None else iso(end), "role": role}


@pytest.mark.parametrize("wants, ip, received, opened, assigned, population, finding", [
    # days waiting 29 / 30 / 31 (R = earliest referral <= D)
    (True, False, 29, None, False, 0, False),
    (True, False, 30, None, False, 1, True),
    (True, False, 31, None, False, 1, True),
    # an appointment of any role active at D clears it; one ended D-1 does not
    (True, False, 31, None, "koordinator", 1, False),
    (True, False, 31, None, "barnekoordinator", 1, False),
    (True, False, 31, None, "ended", 1, True),
    # wants empty: examined only with an IP active at D; a recorded "nei" is a declined offer
    (None, True, 40, None, False, 1, True),
    (None, False, 40, None, False, 0, False),
    (False, True, 40, None, False, 0, False),
    # no referral: R = opened_on (29 / 30 days); neither: not examined
    (True, False, None, 29, False, 0, False),
    (True, False, None, 30, False, 1, True),
    (True, False, None, None, False, 0, False),
    # a referral after D is ignored: R falls back to opened_on
    (True, False, -1, 30, False, 1, True),
    (True, False, -1, None, False, 0, False),
    # the earliest referral is R even when opened_on is later
    (True, False, 30, 5, False, 1, True),
])
def test_coord_missing(wants, ip, received, opened, assigned, population, finding):
    case = {"case_id": "c1", "wants_coordinator": wants,
            "ip_started_on": iso(50) if ip else None,
            "opened_on": iso(opened) if opened is not None else None}
    snap = {"cases": [case], "coordinators": [{"coordinator_id": "k1"}]}
    if received is not None:
        snap["referrals"] = [{"case_id": "c1", "received_on": iso(received)},
                             {"case_id": "c1", "received_on": iso(-10)}]
    if assigned == "ended":
        snap["assignments"] = [assignment(start=100, end=1)]
    elif assigned:
        snap["assignments"] = [assignment(role=assigned)]
    got = outcome(snap, "KE-COORD-MISSING")
    assert got == (population, {"c1": "high"} if finding else {})


def test_coord_missing_out_of_scope_and_opened_in_the_future():
    snap = {"cases": [{"case_id": "c1", "wants_coordinator": True, "closed_on": iso(1)},
                      {"case_id": "c2", "wants_coordinator": True, "opened_on": iso(-1)}],
            "referrals": [{"case_id": "c1", "received_on": iso(100)},
                          {"case_id": "c2", "received_on": iso(100)}]}
    assert outcome(snap, "KE-COORD-MISSING") == (0, {})


CHILD_D_BEFORE, CHILD_D_FROM = datetime.date(2022, 7, 31), datetime.date(2022, 8, 1)


def child_case(as_of, birth="2015-05-05", eligible=True, wants=True, waiting=40,
               relatives=(), roles=()):
    received = (as_of - datetime.timedelta(days=waiting)).isoformat()
    return {"cases": [{"case_id": "c1", "birth_date": birth, "child_coordinator_eligible": eligible,
                       "wants_coordinator": wants}],
            "referrals": [{"case_id": "c1", "received_on": received}],
            "relatives": [{"case_id": "c1", "relation": rel, "birth_date": b} for rel, b in relatives],
            "coordinators": [{"coordinator_id": "k1"}],
            "assignments": [{"case_id": "c1", "coordinator_id": "k1", "role": role,
                             "start_date": "2022-01-01"} for role in roles]}


@pytest.mark.parametrize("as_of, kwargs, population, finding", [
    # the right is in force from 2022-08-01
    (CHILD_D_BEFORE, {}, 0, False),
    (CHILD_D_FROM, {}, 1, True),
    # waiting 29 / 30 days
    (CHILD_D_FROM, {"waiting": 29}, 0, False),
    (CHILD_D_FROM, {"waiting": 30}, 1, True),
    # eligible and wanting, both true
    (CHILD_D_FROM, {"eligible": None}, 0, False),
    (CHILD_D_FROM, {"wants": None}, 0, False),
    (CHILD_D_FROM, {"wants": False}, 0, False),
    # the recipient: 18 on D is no child; not yet born is one; no birth date is none
    (CHILD_D_FROM, {"birth": "2004-08-01"}, 0, False),
    (CHILD_D_FROM, {"birth": "2004-08-02"}, 1, True),
    (CHILD_D_FROM, {"birth": "2022-08-02"}, 1, True),
    (CHILD_D_FROM, {"birth": None}, 0, False),
    # a case kept under a parent: a minor or unborn barn on its relatives list; a sibling is not it
    (CHILD_D_FROM, {"birth": "1980-01-01", "relatives": [("barn", "2020-01-01")]}, 1, True),
    (CHILD_D_FROM, {"birth": "1980-01-01", "relatives": [("barn", "2022-12-24")]}, 1, True),
    (CHILD_D_FROM, {"birth": "1980-01-01", "relatives": [("barn", "2004-08-01")]}, 0, False),
    (CHILD_D_FROM, {"birth": "1980-01-01", "relatives": [("sosken", "2020-01-01")]}, 0, False),
    (CHILD_D_FROM, {"birth": "1980-01-01", "relatives": [("barn", None)]}, 0, False),
    # only a barnekoordinator satisfies it; an ordinary coordinator (also by default role) does not
    (CHILD_D_FROM, {"roles": ["barnekoordinator"]}, 1, False),
    (CHILD_D_FROM, {"roles": ["koordinator"]}, 1, True),
    (CHILD_D_FROM, {"roles": [None]}, 1, True),
])
def test_child_coord(as_of, kwargs, population, finding):
    got = outcome(child_case(as_of, **kwargs), "KE-CHILD-COORD", as_of=as_of)
    assert got == (population, {"c1": "high"} if finding else {})


def test_child_coord_needs_a_reference_date():
    snap = child_case(CHILD_D_FROM)
    snap["referrals"] = []
    assert outcome(snap, "KE-CHILD-COORD", as_of=CHILD_D_FROM) == (0, {})
    snap["cases"][0]["opened_on"] = "2022-07-01"  # R = opened_on, 31 days
    assert outcome(snap, "KE-CHILD-COORD", as_of=CHILD_D_FROM) == (1, {"c1": "high"})


def ev_meeting(days, kind="evaluering", status=None):
    return {"meeting_id": f"e{days}{kind}{status}", "case_id": "c1", "kind": kind,
            "meeting_date": iso(days), "status": status}


@pytest.mark.parametrize("started, last, meetings, population, finding", [
    # the plan is examined when D - ip_started_on > 365
    (365, None, [], 0, False),
    (366, None, [], 1, True),
    # last evaluation 365 / 366 days ago
    (800, 365, [], 1, False),
    (800, 366, [], 1, True),
    # ip_last_evaluated_on after D is ignored
    (800, -1, [], 1, True),
    (800, -1, [ev_meeting(10)], 1, False),
    # a held evaluering meeting counts as an evaluation (empty status in the past = held)
    (800, None, [ev_meeting(365)], 1, False),
    (800, None, [ev_meeting(366)], 1, True),
    (800, None, [ev_meeting(10, status="held")], 1, False),
    (800, 400, [ev_meeting(10)], 1, False),
    (800, 10, [ev_meeting(400)], 1, False),
    # not held, or not an evaluering, does not count
    (800, None, [ev_meeting(10, status="planned")], 1, True),
    (800, None, [ev_meeting(10, status="cancelled")], 1, True),
    (800, None, [ev_meeting(-5, status="held")], 1, True),
    (800, None, [ev_meeting(10, kind="ansvarsgruppe")], 1, True),
    (800, None, [ev_meeting(10, kind=None)], 1, True),
])
def test_ip_eval(started, last, meetings, population, finding):
    snap = {"cases": [{"case_id": "c1", "ip_started_on": iso(started),
                       "ip_last_evaluated_on": iso(last) if last is not None else None}],
            "meetings": meetings}
    assert outcome(snap, "KE-IP-EVAL") == (population, {"c1": "medium"} if finding else {})


def test_ip_eval_only_an_active_plan():
    snap = {"cases": [{"case_id": "c1", "ip_started_on": iso(800), "ip_ended_on": iso(1)},
                      {"case_id": "c2", "ip_started_on": iso(800), "ip_ended_on": D.isoformat()}]}
    assert outcome(snap, "KE-IP-EVAL") == (1, {"c2": "medium"})
    assert outcome(snap, "KE-IP-EVAL", params={"ip_evaluation_days": 800}) == (0, {})


@pytest.mark.parametrize("held_days_ago, minutes_after, kind, status, population, finding", [
    # meetings less than minutes_days (14) before D are not examined yet
    (13, None, None, None, 0, False),
    (14, None, None, None, 1, True),
    (15, None, "ansvarsgruppe", None, 1, True),
    # minutes 14 / 15 days after the meeting
    (20, 14, None, None, 1, False),
    (20, 15, None, None, 1, True),
    (20, 0, None, "held", 1, False),
    # minutes before the meeting: kept as written, no finding
    (20, -3, None, None, 1, False),
    # the window W = (D - 365, D]
    (364, None, None, None, 1, True),
    (365, None, None, None, 0, False),
    # only held ansvarsgruppe meetings
    (20, None, None, "planned", 0, False),
    (20, None, None, "cancelled", 0, False),
    (20, None, "samarbeidsmote", None, 0, False),
    (20, None, "evaluering", None, 0, False),
])
def test_minutes(held_days_ago, minutes_after, kind, status, population, finding):
    date = D - datetime.timedelta(days=held_days_ago)
    sent = None if minutes_after is None else (date + datetime.timedelta(days=minutes_after)).isoformat()
    snap = {"cases": [{"case_id": "c1"}],
            "meetings": [{"meeting_id": "m1", "case_id": "c1", "kind": kind, "status": status,
                          "meeting_date": date.isoformat(), "minutes_sent_on": sent}]}
    assert outcome(snap, "KE-MINUTES") == (population, {"m1": "low"} if finding else {})


def test_minutes_parameter_and_scope():
    snap = {"cases": [{"case_id": "c1"}, {"case_id": "c2", "closed_on": iso(1)}],
            "meetings": [{"meeting_id": "m1", "case_id": "c1", "meeting_date": iso(10),
                          "minutes_sent_on": iso(3)},
                         {"meeting_id": "m2", "case_id": "c2", "meeting_date": iso(40)}]}
    assert outcome(snap, "KE-MINUTES") == (0, {})
    assert outcome(snap, "KE-MINUTES", params={"minutes_days": 7}) == (1, {})
    assert outcome(snap, "KE-MINUTES", params={"minutes_days": 6}) == (1, {"m1": "low"})


def ag_meeting(mid, days, nxt=None, status=None, kind=None):
    return {"meeting_id": mid, "case_id": "c1", "kind": kind, "status": status,
            "meeting_date": iso(days), "next_meeting_on": None if nxt is None else iso(nxt)}


@pytest.mark.parametrize("meetings, population, finding", [
    # N = D - 14 is within the grace; D - 15 is overdue
    ([ag_meeting("m1", 100, nxt=14)], 0, False),
    ([ag_meeting("m1", 100, nxt=15)], 1, True),
    # no next_meeting_on anywhere: not examined
    ([ag_meeting("m1", 100)], 0, False),
    # a held meeting after M clears it, even one before N; one on M itself does not
    ([ag_meeting("m1", 100, nxt=20), ag_meeting("m2", 50)], 1, False),
    ([ag_meeting("m1", 100, nxt=20), ag_meeting("m2", 100)], 1, True),
    # a meeting after M that was not held does not clear it
    ([ag_meeting("m1", 100, nxt=20), ag_meeting("m2", 50, status="planned")], 1, True),
    ([ag_meeting("m1", 100, nxt=20), ag_meeting("m2", 50, status="cancelled")], 1, True),
    ([ag_meeting("m1", 100, nxt=20), ag_meeting("m2", 50, kind="samarbeidsmote")], 1, True),
    # M is the latest meeting WITH a next_meeting_on; N the greatest on that date
    ([ag_meeting("m1", 100, nxt=20), ag_meeting("m2", 100, nxt=10)], 0, False),
    ([ag_meeting("m1", 100, nxt=20), ag_meeting("m2", 100, nxt=16)], 1, True),
    ([ag_meeting("m1", 200, nxt=150), ag_meeting("m2", 100, nxt=-5)], 0, False),
    # meetings before established_on (300 days ago) do not give M; a future 'held' is planned
    ([ag_meeting("m1", 301, nxt=200)], 0, False),
    ([ag_meeting("m1", -3, nxt=20, status="held")], 0, False),
    # an evaluering meeting's next_meeting_on is not the group's
    ([ag_meeting("m1", 100, nxt=20, kind="evaluering")], 0, False),
])
def test_meet_overdue(meetings, population, finding):
    snap = {"cases": [{"case_id": "c1"}],
            "groups": [{"group_id": "g1", "case_id": "c1", "established_on": iso(300)}],
            "meetings": meetings}
    assert outcome(snap, "KE-MEET-OVERDUE") == (population, {"g1": "low"} if finding else {})


def test_meet_overdue_only_active_groups_and_every_group_of_the_case():
    snap = {"cases": [{"case_id": "c1"}],
            "groups": [{"group_id": "g1", "case_id": "c1", "established_on": iso(300)},
                       {"group_id": "g2", "case_id": "c1", "established_on": iso(90)},
                       {"group_id": "g3", "case_id": "c1", "established_on": iso(300),
                        "dissolved_on": iso(1)}],
            "meetings": [ag_meeting("m1", 100, nxt=20), ag_meeting("m2", 60, nxt=30)]}
    # g1: M = 60 (N = 30) -> overdue; g2 only sees m2 (60 days ago, after its start): same M
    assert outcome(snap, "KE-MEET-OVERDUE") == (2, {"g1": "low", "g2": "low"})
    assert outcome(snap, "KE-MEET-OVERDUE", params={"overdue_grace_days": 30}) == (0, {})


@pytest.mark.parametrize("earliest, trained, population, finding", [
    # earliest active assignment started 89 / 90 / 91 days ago
    (89, None, 0, False),
    (90, None, 1, True),
    (91, None, 1, True),
    # trained on D counts; trained after D does not
    (90, 0, 1, False),
    (90, -1, 1, True),
    (90, 1000, 1, False),
])
def test_coord_training(earliest, trained, population, finding):
    snap = {"cases": [{"case_id": "c1"}, {"case_id": "c2"}],
            "coordinators": [{"coordinator_id": "k1",
                              "trained_on": None if trained is None else iso(trained)}],
            "assignments": [assignment("c1", start=earliest), assignment("c2", start=10)]}
    assert outcome(snap, "KE-COORD-TRAINING") == (population, {"k1": "medium"} if finding else {})


def test_coord_training_only_assignments_active_at_d_to_in_scope_cases():
    snap = {"cases": [{"case_id": "c1"}, {"case_id": "c2", "closed_on": iso(1)}],
            "coordinators": [{"coordinator_id": "k1"}],
            "assignments": [assignment("c1", start=500, end=1),      # ended D-1
                            assignment("c2", start=500),             # case closed
                            assignment("c1", start=89)]}
    assert outcome(snap, "KE-COORD-TRAINING") == (0, {})
    snap["assignments"][0]["end_date"] = D.isoformat()  # ends on D: still active
    assert outcome(snap, "KE-COORD-TRAINING") == (1, {"k1": "medium"})
    assert outcome(snap, "KE-COORD-TRAINING", params={"training_grace_days": 501}) == (0, {})


ITEMS = ["goals", "participants", "coordinator", "contributions", "measures",
         "implementation", "period", "consent", "cooperation"]


def review(days, missing=(), empty=()):
    row = {"case_id": "c1", "reviewed_on": iso(days)}
    row.update({item: (False if item in missing else None if item in empty else True) for item in ITEMS})
    return row


@pytest.mark.parametrize("reviews, ip_active_at_d, population, finding", [
    # a review on ip_started_on (200 days ago) counts; one before it is of an earlier plan
    ([review(200)], True, 1, False),
    ([review(200, missing=["goals"])], True, 1, True),
    ([review(201, missing=["goals"])], True, 0, False),
    # a review after D does not count
    ([review(-1, missing=["goals"])], True, 0, False),
    ([review(0, missing=["cooperation"])], True, 1, True),
    # any item false or empty
    ([review(50, empty=["period"])], True, 1, True),
    ([review(50, missing=ITEMS)], True, 1, True),
    # the latest review counts
    ([review(100, missing=["consent"]), review(50)], True, 1, False),
    ([review(50), review(100, missing=["consent"])], True, 1, False),
    ([review(50, missing=["consent"]), review(100)], True, 1, True),
    # on equal dates the later row counts
    ([review(50, missing=["consent"]), review(50)], True, 1, False),
    ([review(50), review(50, missing=["consent"])], True, 1, True),
    # no active IP: not examined
    ([review(50, missing=["goals"])], False, 0, False),
    ([], True, 0, False),
])
def test_ip_content(reviews, ip_active_at_d, population, finding):
    snap = {"cases": [{"case_id": "c1", "ip_started_on": iso(200),
                       "ip_ended_on": None if ip_active_at_d else iso(1)}],
            "ip_reviews": reviews}
    assert outcome(snap, "KE-IP-CONTENT") == (population, {"c1": "medium"} if finding else {})


def routine(task, revised, in_qs=True):
    return {"task": task, "title": f"Rutine {task}",
            "last_revised_on": None if revised is None else iso(revised), "in_quality_system": in_qs}


ALL_FOUR_FRESH = [routine(t, 10) for t in ("meldinger", "rutiner_ip", "oppnevning", "opplaering")]


@pytest.mark.parametrize("rows, flagged", [
    # every required routine present, revised and in the quality system
    (ALL_FOUR_FRESH, set()),
    # a missing task: [mangler]
    (ALL_FOUR_FRESH[:3], {"opplaering"}),
    ([routine("plan", 10)], {"meldinger", "rutiner_ip", "oppnevning", "opplaering"}),
    # revised floor(30.4375 x 24) = 730 days ago is in time, 731 is not
    ([routine("meldinger", 730)] + ALL_FOUR_FRESH[1:], set()),
    ([routine("meldinger", 731)] + ALL_FOUR_FRESH[1:], {"meldinger"}),
    ([routine("meldinger", None)] + ALL_FOUR_FRESH[1:], {"meldinger"}),
    # the latest revision counts; an empty one sorts first
    ([routine("meldinger", 900), routine("meldinger", 10)] + ALL_FOUR_FRESH[1:], set()),
    ([routine("meldinger", 10), routine("meldinger", None)] + ALL_FOUR_FRESH[1:], set()),
    ([routine("meldinger", None, in_qs=True), routine("meldinger", 900)] + ALL_FOUR_FRESH[1:],
     {"meldinger"}),
    # a last_revised_on after D is taken as empty
    ([routine("meldinger", -1)] + ALL_FOUR_FRESH[1:], {"meldinger"}),
    ([routine("meldinger", 900), routine("meldinger", -1)] + ALL_FOUR_FRESH[1:], {"meldinger"}),
    ([routine("meldinger", 10), routine("meldinger", -1, in_qs=False)] + ALL_FOUR_FRESH[1:], set()),
    # in_quality_system not true
    ([routine("meldinger", 10, in_qs=None)] + ALL_FOUR_FRESH[1:], {"meldinger"}),
    ([routine("meldinger", 10, in_qs=False)] + ALL_FOUR_FRESH[1:], {"meldinger"}),
    ([routine("meldinger", 900, in_qs=True), routine("meldinger", 10, in_qs=False)]
     + ALL_FOUR_FRESH[1:], {"meldinger"}),
    # on equal dates the later row counts
    ([routine("meldinger", 10, in_qs=True), routine("meldinger", 10, in_qs=False)]
     + ALL_FOUR_FRESH[1:], {"meldinger"}),
    ([routine("meldinger", 10, in_qs=False), routine("meldinger", 10, in_qs=True)]
     + ALL_FOUR_FRESH[1:], set()),
])
def test_system_routines(rows, flagged):
    population, found = outcome({"cases": [], "ke_routines": rows}, "KE-SYSTEM-ROUTINES")
    assert population == 4
    assert found == {task: "medium" for task in flagged}


def test_system_routines_population_and_parameters():
    # no ke_routines rows: population 0, nothing found (the required list is not a finding)
    assert outcome({"cases": [{"case_id": "c1"}]}, "KE-SYSTEM-ROUTINES") == (0, {})
    assert outcome({"cases": [], "ke_routines": []}, "KE-SYSTEM-ROUTINES") == (0, {})
    rows = [routine("plan", 365), routine("kompetanse", 366)]
    # 12 months = floor(365.25) = 365 days
    params = {"required_routines": ["plan", "kompetanse"], "routine_review_months": 12}
    assert outcome({"ke_routines": rows}, "KE-SYSTEM-ROUTINES", params=params) == (
        2, {"kompetanse": "medium"})
    # 1 month = floor(30.4375) = 30 days; 6 months = floor(182.625) = 182
    rows = [routine("plan", 30), routine("kompetanse", 31)]
    params["routine_review_months"] = 1
    assert outcome({"ke_routines": rows}, "KE-SYSTEM-ROUTINES", params=params) == (
        2, {"kompetanse": "medium"})
    rows = [routine("plan", 182), routine("kompetanse", 183)]
    params["routine_review_months"] = 6
    assert outcome({"ke_routines": rows}, "KE-SYSTEM-ROUTINES", params=params) == (
        2, {"kompetanse": "medium"})


def test_second_wave_rules_have_populations_on_an_empty_snapshot():
    r = reference_evaluate({}, D)
    assert set(r["populations"]) >= {
        "KE-COORD-MISSING", "KE-CHILD-COORD", "KE-IP-EVAL", "KE-MINUTES", "KE-MEET-OVERDUE",
        "KE-COORD-TRAINING", "KE-IP-CONTENT", "KE-SYSTEM-ROUTINES"}
    assert len(r["populations"]) == 17
