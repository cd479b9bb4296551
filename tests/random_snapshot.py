"""Clean random KE snapshots written here, not by ke_rules' generator: dense around every
boundary of rules.md relative to the evaluation date, second-wave tables included. Used to
cross-check the oracle (tests/reference.py), the DuckDB peer and ke_rules; plain Python, no
ke_rules import."""

from __future__ import annotations

import datetime as dt
import random

# the nine checklist items of ip_reviews, in the table's column order (input-contract.md)
_ITEMS = ["goals", "participants", "coordinator", "contributions", "measures",
          "implementation", "period", "consent", "cooperation"]

# offsets in days before D on both sides of every boundary of rules.md (negative: after D)
_OFFSETS = [-40, -15, -14, -13, -1, 0, 1, 13, 14, 15, 29, 30, 31, 60, 89, 90, 91, 182, 183, 200,
            364, 365, 366, 367, 400, 500, 730, 731, 800, 1200]
_TASKS = ["plan", "brukermedvirkning", "oversikt", "meldinger", "rutiner_ip", "oppnevning",
          "kompetanse", "opplaering", "samarbeid", "familieperspektiv", "informasjon", "interne_meldinger"]


def random_snapshot(n_cases: int, seed: int, as_of: dt.date, routines: bool = True) -> dict:
    """A clean random snapshot (every end on or after its start, every reference resolvable), dense
    around the boundaries of rules.md relative to as_of, with ip_reviews and ke_routines."""
    rnd = random.Random(seed)

    def day(offset):
        return as_of - dt.timedelta(days=offset)

    def off():
        return rnd.choice(_OFFSETS)

    def maybe(p, value):
        return value if rnd.random() < p else None

    def later(start):  # an end on or after start
        return start + dt.timedelta(days=rnd.choice([0, 1, 30, 200, 400, 800]))

    def flag(p_true=0.8):
        return rnd.choices([True, False, None], [p_true, (1 - p_true) / 2, (1 - p_true) / 2])[0]

    def iso(d):
        return None if d is None else d.isoformat()

    n_coord = max(2, n_cases // 4)
    snap = {t: [] for t in ("cases", "services", "coordinators", "assignments", "groups", "meetings",
                            "consents", "relatives", "referrals", "ip_reviews", "ke_routines")}
    for k in range(n_coord):
        snap["coordinators"].append({"coordinator_id": f"k{k}", "name": f"Koordinator {k}",
                                     "trained_on": iso(maybe(0.6, day(off()))),
                                     "agreed_max_cases": maybe(0.2, rnd.randint(0, 6))})
    for i in range(n_cases):
        cid = f"c{i}"
        birth = rnd.choice([
            None, day(rnd.randint(0, 90 * 365)), day(rnd.randint(-200, -1)),
            as_of.replace(year=as_of.year - 18) if (as_of.month, as_of.day) != (2, 29) else dt.date(as_of.year - 18, 3, 1),
            day(rnd.randint(0, 17 * 365))])
        opened = rnd.choice([None, day(off()), day(off()), day(rnd.choice([-30, -1]))])
        closed = rnd.choice([None, None, None, later(opened) if opened else day(rnd.choice([1, 0, -5]))])
        ip_start = maybe(0.6, day(off()))
        ip_end = maybe(0.2, later(ip_start)) if ip_start else None
        snap["cases"].append({
            "case_id": cid, "municipality": "3424", "birth_date": iso(birth), "opened_on": iso(opened),
            "closed_on": iso(closed), "wants_coordinator": flag(0.5), "long_term_need": flag(0.5),
            "ip_started_on": iso(ip_start), "ip_ended_on": iso(ip_end),
            "ip_last_evaluated_on": iso(maybe(0.5, day(off()))),
            "relatives_mapped_on": iso(maybe(0.5, day(off()))),
            "child_coordinator_eligible": flag(0.5), "unit": rnd.choice([None, "Nord", "Sør"])})
        for _ in range(rnd.randint(0, 2)):
            start = day(rnd.choice(_OFFSETS[3:]))
            snap["assignments"].append({"case_id": cid, "coordinator_id": f"k{rnd.randrange(n_coord)}",
                                        "role": rnd.choice([None, "koordinator", "barnekoordinator"]),
                                        "start_date": iso(start), "end_date": iso(maybe(0.3, later(start)))})
        for j in range(rnd.choice([0, 0, 1, 1, 2])):
            est = day(off())
            snap["groups"].append({"group_id": f"{cid}g{j}", "case_id": cid, "established_on": iso(est),
                                   "dissolved_on": iso(maybe(0.2, later(est)))})
        for j in range(rnd.randint(0, 7)):
            date = day(rnd.choice(_OFFSETS))
            snap["meetings"].append({
                "meeting_id": f"{cid}m{j}", "case_id": cid,
                "kind": rnd.choice([None, "ansvarsgruppe", "ansvarsgruppe", "evaluering", "samarbeidsmote",
                                    "oppstart", "annet"]),
                "meeting_date": iso(date),
                "status": rnd.choice([None, None, "held", "planned", "cancelled"]),
                "invitation_sent_on": iso(maybe(0.7, date - dt.timedelta(days=rnd.choice([13, 14, 15, 30])))),
                "invitation_has_subject": flag(), "invitation_has_participants": flag(),
                "invitation_has_time_place": flag(), "invitation_has_agenda": flag(),
                "minutes_sent_on": iso(maybe(0.7, date + dt.timedelta(days=rnd.choice([-2, 0, 13, 14, 15, 40])))),
                "next_meeting_on": iso(maybe(0.6, rnd.choice([date + dt.timedelta(days=rnd.choice([-3, 30, 90, 180])),
                                                              day(rnd.choice([13, 14, 15, 16, 0, -30]))])))})
        for _ in range(rnd.randint(0, 2)):
            given = day(off())
            snap["consents"].append({"case_id": cid, "scope": rnd.choice(
                ["ip", "ansvarsgruppe", "samarbeidsmote", "informasjonsdeling", "alle"]),
                "given_on": iso(given), "withdrawn_on": iso(maybe(0.3, later(given)))})
        for _ in range(rnd.randint(0, 2)):
            snap["relatives"].append({"case_id": cid, "relation": rnd.choice(["barn", "sosken", "forelder",
                                                                              "partner", "annet"]),
                                      "birth_date": iso(rnd.choice([None, day(rnd.randint(-100, 40 * 365))]))})
        for _ in range(rnd.choice([0, 0, 1, 2])):
            snap["referrals"].append({"case_id": cid, "received_on": iso(day(off())), "source": "bruker"})
        for _ in range(rnd.randint(0, 3)):
            start = day(rnd.choice(_OFFSETS[3:]))
            snap["services"].append({"case_id": cid, "service": rnd.choice(["Hjemmesykepleie", "BUP ",
                                                                           "avlastning", "fysioterapi"]),
                                     "category": rnd.choice(["helse", "omsorg", "spesialist", "fastlege", "nav"]),
                                     "start_date": iso(start), "end_date": iso(maybe(0.3, later(start)))})
        if ip_start is not None:
            for _ in range(rnd.choice([0, 1, 2, 3])):
                reviewed = rnd.choice([ip_start, ip_start - dt.timedelta(days=1), ip_start + dt.timedelta(days=20),
                                       day(rnd.choice([-1, 0, 30]))])
                snap["ip_reviews"].append({"case_id": cid, "reviewed_on": iso(reviewed), "reviewer": "KE",
                                           **{item: flag(0.9) for item in _ITEMS}})
    if routines:
        for task in rnd.sample(_TASKS, len(_TASKS)):  # rows of one task need not be adjacent
            for _ in range(rnd.choice([0, 1, 1, 1, 2, 3])):
                snap["ke_routines"].append({"task": task, "title": "Rutine",
                                            "last_revised_on": iso(rnd.choice([None, day(-1), day(0), day(729),
                                                                               day(730), day(731), day(100)])),
                                            "in_quality_system": flag(0.7)})
        rnd.shuffle(snap["ke_routines"])
    return snap
