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
