"""Independent reference implementation (test oracle) of the KE rule semantics.

This module is the INDEPENDENT ORACLE used by the tests to cross-check the
production engine. It is written directly from docs/spec/rules.md and
docs/spec/input-contract.md, row by row, favouring obvious correctness
over speed. It must NOT import ke_rules (or anything from the production
package): an oracle that shares code with the thing it checks proves nothing.

Input: a clean snapshot (the loader has already validated it): canonical table
names mapped to lists of row dicts with canonical column names. Dates are ISO
strings "YYYY-MM-DD" (or datetime.date) or None/absent; bools are True/False or
None/absent; enumerations are canonical lowercase values.

Output of reference_evaluate():
    {"findings": set of (rule_id, subject_type, subject_id, severity),
     "populations": {rule_id: population size per the rules.md table}}
for the nine core and companion rules and the eight of the second wave (subject types
case, group, meeting, coordinator and routine; a routine's subject_id is its task key).
KE-SYSTEM-MONTHLY is not part of the oracle. Rows of one table keep their order: where
rules.md says "on ties the later row", later means later in the table's list.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from fractions import Fraction

DEFAULT_PARAMS = {
    "max_cases_per_coordinator": 5,
    "count_only_cases_with_ip": False,
    "min_group_meetings_per_year": 2,
    "invitation_lead_days": 14,
    "mapping_grace_days": 30,
    "coordination_categories": ["helse", "omsorg", "spesialist"],
    "long_term_days": 90,
    # second wave (rules.md, "The KE's further duties")
    "appointment_grace_days": 30,
    "ip_evaluation_days": 365,
    "minutes_days": 14,
    "overdue_grace_days": 14,
    "training_grace_days": 90,
    "required_routines": ["meldinger", "rutiner_ip", "oppnevning", "opplaering"],
    "routine_review_months": 24,
}

RULE_IDS = [
    "KE-COORD-LOAD",
    "KE-MEET-FREQ",
    "KE-INVITE-LEAD",
    "KE-CONSENT",
    "KE-CHILD-RELATIVE",
    "KE-REFERRAL-MISSING",
    "KE-INVITE-CONTENT",
    "KE-MEET-NEXT",
    "KE-CONSENT-MEETING",
    "KE-COORD-MISSING",
    "KE-CHILD-COORD",
    "KE-IP-EVAL",
    "KE-MINUTES",
    "KE-MEET-OVERDUE",
    "KE-COORD-TRAINING",
    "KE-IP-CONTENT",
    "KE-SYSTEM-ROUTINES",
]

SEVERITY = {
    "KE-COORD-LOAD": "medium",
    "KE-MEET-FREQ": "medium",
    "KE-INVITE-LEAD": "low",
    "KE-CONSENT": "high",
    # KE-CHILD-RELATIVE: "high" or "medium", decided per case
    "KE-REFERRAL-MISSING": "high",
    "KE-INVITE-CONTENT": "low",
    "KE-MEET-NEXT": "low",
    "KE-CONSENT-MEETING": "high",
    "KE-COORD-MISSING": "high",
    "KE-CHILD-COORD": "high",
    "KE-IP-EVAL": "medium",
    "KE-MINUTES": "low",
    "KE-MEET-OVERDUE": "low",
    "KE-COORD-TRAINING": "medium",
    "KE-IP-CONTENT": "medium",
    "KE-SYSTEM-ROUTINES": "medium",
}

# The barnekoordinator right (pbrl § 2-5 c) is in force from this day: KE-CHILD-COORD
# examines nothing at an earlier D.
CHILD_COORDINATOR_IN_FORCE = datetime.date(2022, 8, 1)

# The nine checklist items of ip_reviews, in the table's column order (input-contract.md).
IP_REVIEW_ITEMS = ["goals", "participants", "coordinator", "contributions", "measures",
                   "implementation", "period", "consent", "cooperation"]

# A month of routine_review_months is 30.4375 days (365.25 / 12), exactly.
DAYS_PER_MONTH = Fraction("30.4375")

# Categories that never qualify for KE-REFERRAL-MISSING, whatever the parameter says.
NEVER_QUALIFYING_CATEGORIES = {"fastlege", "helsesykepleier"}


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def to_date(value):
    """ISO string / date / None -> datetime.date or None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if text == "":
        return None
    return datetime.date.fromisoformat(text)


def is_empty(value):
    return value is None or (isinstance(value, str) and value.strip() == "")


def active_at(start, end, D):
    """start <= D and (end empty or end >= D); end dates inclusive."""
    if start is None or start > D:
        return False
    return end is None or end >= D


def case_in_scope(case, D):
    opened = to_date(case.get("opened_on"))
    closed = to_date(case.get("closed_on"))
    return (opened is None or opened <= D) and (closed is None or closed >= D)


def ip_active(case, D):
    started = to_date(case.get("ip_started_on"))
    ended = to_date(case.get("ip_ended_on"))
    return started is not None and started <= D and (ended is None or ended >= D)


def age_in_whole_years(birth, D):
    age = D.year - birth.year
    # a birthday is reached when (D.month, D.day) >= (birth month, birth day);
    # someone born 29 February therefore turns older on 1 March in common years.
    if (D.month, D.day) < (birth.month, birth.day):
        age -= 1
    return age


def is_minor(birth_value, D):
    birth = to_date(birth_value)
    if birth is None:
        return False
    if birth > D:
        return False
    return age_in_whole_years(birth, D) < 18


def in_window(date, D):
    """W = (D - 365, D]."""
    return D - datetime.timedelta(days=365) < date <= D


def meeting_kind(meeting):
    kind = meeting.get("kind")
    return "ansvarsgruppe" if is_empty(kind) else kind


def effective_status(meeting, D):
    date = to_date(meeting.get("meeting_date"))
    status = meeting.get("status")
    if is_empty(status):
        return "held" if date <= D else "planned"
    if status == "held" and date > D:
        return "planned"  # a future meeting cannot have been held
    # "planned" with date <= D stays planned (not counted as held)
    return status


def consent_covers(consent, scope, t):
    given = to_date(consent.get("given_on"))
    withdrawn = to_date(consent.get("withdrawn_on"))
    if given is None or given > t:
        return False
    if withdrawn is not None and withdrawn <= t:
        return False  # withdrawn_on takes effect that day
    return consent.get("scope") == scope or consent.get("scope") == "alle"


def covered(consents, scope, t):
    return any(consent_covers(c, scope, t) for c in consents)


def required_meetings(per_year, days_active):
    """floor(per_year * days_active / 365), computed exactly."""
    if isinstance(per_year, int):
        return (per_year * days_active) // 365
    return math.floor(Fraction(repr(per_year)) * days_active / 365)


def is_true(value):
    return value is True


def minor_or_unborn(birth_value, D):
    """KE-CHILD-COORD's child: a minor at D, or not yet born (birth_date > D)."""
    birth = to_date(birth_value)
    if birth is None:
        return False
    return birth > D or is_minor(birth, D)


def days_in_months(months):
    """floor(30.4375 x months): the routine review limit in whole days, computed exactly."""
    return math.floor(DAYS_PER_MONTH * Fraction(repr(months)))


def assignment_role(assignment):
    role = assignment.get("role")
    return "koordinator" if is_empty(role) else role


# ---------------------------------------------------------------------------
# the evaluation
# ---------------------------------------------------------------------------

def reference_evaluate(snapshot: dict[str, list[dict]], as_of: datetime.date,
                       params: dict | None = None) -> dict:
    D = as_of
    p = dict(DEFAULT_PARAMS)
    if params:
        p.update(params)

    def rows(table):
        return snapshot.get(table) or []

    # --- in-scope cases ----------------------------------------------------
    cases = {}
    for case in rows("cases"):
        if case_in_scope(case, D):
            cases[case["case_id"]] = case

    # --- index every other table by case_id (only rows of in-scope cases) ---
    def by_case(table):
        index = defaultdict(list)
        for row in rows(table):
            if row["case_id"] in cases:
                index[row["case_id"]].append(row)
        return index

    services = by_case("services")
    assignments = by_case("assignments")
    groups = by_case("groups")
    meetings = by_case("meetings")
    consents = by_case("consents")
    relatives = by_case("relatives")
    referrals = by_case("referrals")
    ip_reviews = by_case("ip_reviews")

    coordinators = {c["coordinator_id"]: c for c in rows("coordinators")}

    findings = set()
    populations = {rule: 0 for rule in RULE_IDS}

    def add(rule, subject_type, subject_id, severity=None):
        findings.add((rule, subject_type, subject_id, severity or SEVERITY[rule]))

    # --- groups active at D (of in-scope cases) ------------------------------
    active_groups = []  # (group row, established_on)
    for _case_id, case_groups in groups.items():
        for g in case_groups:
            est = to_date(g.get("established_on"))
            dis = to_date(g.get("dissolved_on"))
            if active_at(est, dis, D):
                active_groups.append((g, est))
    cases_with_active_group = {g["case_id"] for g, _ in active_groups}

    # ======================================================================
    # KE-COORD-LOAD (subject: coordinator)
    # ======================================================================
    counted_cases = defaultdict(set)  # coordinator_id -> set of case ids
    for case_id, case_assignments in assignments.items():
        if p["count_only_cases_with_ip"] and not ip_active(cases[case_id], D):
            continue
        for a in case_assignments:
            if active_at(to_date(a.get("start_date")), to_date(a.get("end_date")), D):
                counted_cases[a["coordinator_id"]].add(case_id)
    for coord_id, case_ids in counted_cases.items():
        n = len(case_ids)
        if n < 1:
            continue
        populations["KE-COORD-LOAD"] += 1
        agreed = coordinators.get(coord_id, {}).get("agreed_max_cases")
        limit = agreed if agreed is not None else p["max_cases_per_coordinator"]
        if n > limit:
            add("KE-COORD-LOAD", "coordinator", coord_id)

    # ======================================================================
    # KE-MEET-FREQ (subject: group)
    # ======================================================================
    for g, est in active_groups:
        populations["KE-MEET-FREQ"] += 1
        days_active = min(365, (D - est).days)
        required = required_meetings(p["min_group_meetings_per_year"], days_active)
        held = 0
        for m in meetings.get(g["case_id"], []):
            date = to_date(m.get("meeting_date"))
            if (meeting_kind(m) == "ansvarsgruppe"
                    and effective_status(m, D) == "held"
                    and in_window(date, D)
                    and date >= est):
                held += 1
        if held < required:
            add("KE-MEET-FREQ", "group", g["group_id"])

    # ======================================================================
    # KE-INVITE-LEAD and KE-INVITE-CONTENT (subject: meeting)
    # ======================================================================
    L = p["invitation_lead_days"]
    lower = D - datetime.timedelta(days=365)
    upper = D + datetime.timedelta(days=L)
    for _case_id, case_meetings in meetings.items():
        for m in case_meetings:
            date = to_date(m.get("meeting_date"))
            if meeting_kind(m) != "ansvarsgruppe":
                continue
            if effective_status(m, D) == "cancelled":
                continue
            if not (lower < date <= upper):
                continue
            populations["KE-INVITE-LEAD"] += 1
            sent = to_date(m.get("invitation_sent_on"))
            lead = (date - sent).days if sent is not None else None
            if date <= D:
                bad = sent is None or lead < L
            else:
                bad = (sent is None and (date - D).days < L) or (sent is not None and lead < L)
            if bad:
                add("KE-INVITE-LEAD", "meeting", m["meeting_id"])

            # companion: KE-INVITE-CONTENT, examined meetings with an invitation
            if sent is not None:
                populations["KE-INVITE-CONTENT"] += 1
                flags = [m.get("invitation_has_subject"),
                         m.get("invitation_has_participants"),
                         m.get("invitation_has_time_place"),
                         m.get("invitation_has_agenda")]
                if not all(is_true(f) for f in flags):
                    add("KE-INVITE-CONTENT", "meeting", m["meeting_id"])

    # ======================================================================
    # KE-CONSENT (subject: case)
    # ======================================================================
    for case_id, case in cases.items():
        needs = []
        if ip_active(case, D):
            needs.append("ip")
        if case_id in cases_with_active_group:
            needs.append("ansvarsgruppe")
        if not needs:
            continue
        populations["KE-CONSENT"] += 1
        uncovered = [s for s in needs if not covered(consents.get(case_id, []), s, D)]
        if uncovered:
            add("KE-CONSENT", "case", case_id)

    # ======================================================================
    # KE-CHILD-RELATIVE (subject: case)
    # ======================================================================
    cutoff = D - datetime.timedelta(days=p["mapping_grace_days"])
    for case_id, case_assignments in assignments.items():
        qualifying = False
        for a in case_assignments:
            start = to_date(a.get("start_date"))
            if active_at(start, to_date(a.get("end_date")), D) and start <= cutoff:
                qualifying = True
        if not qualifying:
            continue
        populations["KE-CHILD-RELATIVE"] += 1
        mapped = to_date(cases[case_id].get("relatives_mapped_on"))
        if mapped is None or mapped > D:
            has_minor_child_or_sibling = any(
                r.get("relation") in ("barn", "sosken") and is_minor(r.get("birth_date"), D)
                for r in relatives.get(case_id, [])
            )
            add("KE-CHILD-RELATIVE", "case", case_id,
                "high" if has_minor_child_or_sibling else "medium")

    # ======================================================================
    # KE-REFERRAL-MISSING (subject: case)
    # ======================================================================
    categories = set(p["coordination_categories"]) - NEVER_QUALIFYING_CATEGORIES
    long_cutoff = D - datetime.timedelta(days=p["long_term_days"])
    for case_id, case in cases.items():
        names = {}  # normalised name -> long-running?
        for s in services.get(case_id, []):
            category = s.get("category")
            if is_empty(category):
                category = "annet"
            if category not in categories:
                continue
            start = to_date(s.get("start_date"))
            if not active_at(start, to_date(s.get("end_date")), D):
                continue
            name = str(s["service"]).strip().casefold()
            names[name] = names.get(name, False) or start <= long_cutoff
        long_running = sum(1 for v in names.values() if v)
        needs = long_running >= 2 or (is_true(case.get("long_term_need")) and len(names) >= 2)
        if not needs:
            continue
        populations["KE-REFERRAL-MISSING"] += 1
        has_referral = any(
            (r_date := to_date(r.get("received_on"))) is not None and r_date <= D
            for r in referrals.get(case_id, [])
        )
        if not has_referral:
            add("KE-REFERRAL-MISSING", "case", case_id)

    # ======================================================================
    # KE-MEET-NEXT (subject: group)
    # ======================================================================
    for g, est in active_groups:
        held = []
        for m in meetings.get(g["case_id"], []):
            date = to_date(m.get("meeting_date"))
            if (meeting_kind(m) == "ansvarsgruppe"
                    and effective_status(m, D) == "held"
                    and est <= date <= D):
                held.append((date, m))
        if not held:
            continue
        populations["KE-MEET-NEXT"] += 1
        latest = max(date for date, _ in held)
        if not any(to_date(m.get("next_meeting_on")) is not None
                   for date, m in held if date == latest):
            add("KE-MEET-NEXT", "group", g["group_id"])

    # ======================================================================
    # KE-CONSENT-MEETING (subject: meeting)
    # ======================================================================
    for case_id, case_meetings in meetings.items():
        for m in case_meetings:
            date = to_date(m.get("meeting_date"))
            if meeting_kind(m) != "samarbeidsmote":
                continue
            if effective_status(m, D) != "held":
                continue
            if not in_window(date, D):
                continue
            populations["KE-CONSENT-MEETING"] += 1
            case_consents = consents.get(case_id, [])
            if not any(covered(case_consents, s, date)
                       for s in ("samarbeidsmote", "informasjonsdeling", "alle")):
                add("KE-CONSENT-MEETING", "meeting", m["meeting_id"])

    # ======================================================================
    # second wave: shared definitions
    # ======================================================================
    def reference_date(case_id):
        """R(c): earliest referrals.received_on <= D, else opened_on (<= D), else None."""
        received = [d for r in referrals.get(case_id, [])
                    if (d := to_date(r.get("received_on"))) is not None and d <= D]
        if received:
            return min(received)
        opened = to_date(cases[case_id].get("opened_on"))
        if opened is not None and opened <= D:
            return opened
        return None

    def active_assignments(case_id):
        return [a for a in assignments.get(case_id, [])
                if active_at(to_date(a.get("start_date")), to_date(a.get("end_date")), D)]

    def held_ansvarsgruppe(case_id):
        """(date, meeting) of the case's held ansvarsgruppe meetings (effective held => date <= D)."""
        out = []
        for m in meetings.get(case_id, []):
            if meeting_kind(m) == "ansvarsgruppe" and effective_status(m, D) == "held":
                out.append((to_date(m.get("meeting_date")), m))
        return out

    appointment_cutoff = D - datetime.timedelta(days=p["appointment_grace_days"])

    # ======================================================================
    # KE-COORD-MISSING (subject: case)
    # ======================================================================
    for case_id, case in cases.items():
        wants = case.get("wants_coordinator")
        if not (wants is True or (wants is None and ip_active(case, D))):
            continue  # a recorded "nei" is a declined offer
        ref_date = reference_date(case_id)
        if ref_date is None or ref_date > appointment_cutoff:
            continue
        populations["KE-COORD-MISSING"] += 1
        if not active_assignments(case_id):
            add("KE-COORD-MISSING", "case", case_id)

    # ======================================================================
    # KE-CHILD-COORD (subject: case)
    # ======================================================================
    if D >= CHILD_COORDINATOR_IN_FORCE:
        for case_id, case in cases.items():
            if not (is_true(case.get("child_coordinator_eligible"))
                    and is_true(case.get("wants_coordinator"))):
                continue
            ref_date = reference_date(case_id)
            if ref_date is None or ref_date > appointment_cutoff:
                continue
            has_child = minor_or_unborn(case.get("birth_date"), D) or any(
                r.get("relation") == "barn" and minor_or_unborn(r.get("birth_date"), D)
                for r in relatives.get(case_id, []))
            if not has_child:
                continue
            populations["KE-CHILD-COORD"] += 1
            if not any(assignment_role(a) == "barnekoordinator"
                       for a in active_assignments(case_id)):
                add("KE-CHILD-COORD", "case", case_id)

    # ======================================================================
    # KE-IP-EVAL (subject: case)
    # ======================================================================
    for case_id, case in cases.items():
        if not ip_active(case, D):
            continue
        if (D - to_date(case.get("ip_started_on"))).days <= p["ip_evaluation_days"]:
            continue
        populations["KE-IP-EVAL"] += 1
        evaluations = []
        last = to_date(case.get("ip_last_evaluated_on"))
        if last is not None and last <= D:  # after D: an input problem, ignored
            evaluations.append(last)
        for m in meetings.get(case_id, []):
            date = to_date(m.get("meeting_date"))
            if meeting_kind(m) == "evaluering" and effective_status(m, D) == "held" and date <= D:
                evaluations.append(date)
        E = max(evaluations) if evaluations else None
        if E is None or (D - E).days > p["ip_evaluation_days"]:
            add("KE-IP-EVAL", "case", case_id)

    # ======================================================================
    # KE-MINUTES (subject: meeting)
    # ======================================================================
    minutes_cutoff = D - datetime.timedelta(days=p["minutes_days"])
    for case_id in meetings:
        for date, m in held_ansvarsgruppe(case_id):
            if not in_window(date, D) or date > minutes_cutoff:
                continue
            populations["KE-MINUTES"] += 1
            sent = to_date(m.get("minutes_sent_on"))
            if sent is None or (sent - date).days > p["minutes_days"]:
                add("KE-MINUTES", "meeting", m["meeting_id"])

    # ======================================================================
    # KE-MEET-OVERDUE (subject: group)
    # ======================================================================
    overdue_cutoff = D - datetime.timedelta(days=p["overdue_grace_days"])
    for g, est in active_groups:
        held = held_ansvarsgruppe(g["case_id"])
        agreed = [(date, to_date(m.get("next_meeting_on"))) for date, m in held
                  if est <= date <= D and to_date(m.get("next_meeting_on")) is not None]
        if not agreed:
            continue
        last_meeting = max(date for date, _ in agreed)  # M
        agreed_next = max(nxt for date, nxt in agreed if date == last_meeting)  # N
        if agreed_next >= overdue_cutoff:
            continue  # examined only when N < D - overdue_grace_days
        populations["KE-MEET-OVERDUE"] += 1
        if not any(last_meeting < date <= D for date, _ in held):
            add("KE-MEET-OVERDUE", "group", g["group_id"])

    # ======================================================================
    # KE-COORD-TRAINING (subject: coordinator)
    # ======================================================================
    earliest = {}  # coordinator_id -> earliest start of an assignment active at D (in-scope case)
    for case_id in assignments:
        for a in active_assignments(case_id):
            start = to_date(a.get("start_date"))
            k = a["coordinator_id"]
            earliest[k] = start if k not in earliest else min(earliest[k], start)
    training_cutoff = D - datetime.timedelta(days=p["training_grace_days"])
    for coord_id, start in earliest.items():
        if start > training_cutoff:
            continue
        populations["KE-COORD-TRAINING"] += 1
        trained = to_date(coordinators.get(coord_id, {}).get("trained_on"))
        if trained is None or trained > D:
            add("KE-COORD-TRAINING", "coordinator", coord_id)

    # ======================================================================
    # KE-IP-CONTENT (subject: case)
    # ======================================================================
    for case_id, case in cases.items():
        if not ip_active(case, D):
            continue
        started = to_date(case.get("ip_started_on"))
        latest = None  # (reviewed_on, review); a later row wins a tie
        for r in ip_reviews.get(case_id, []):
            reviewed = to_date(r.get("reviewed_on"))
            if reviewed is None or not started <= reviewed <= D:
                continue  # a review of an earlier plan, or one after D, does not count
            if latest is None or reviewed >= latest[0]:
                latest = (reviewed, r)
        if latest is None:
            continue
        populations["KE-IP-CONTENT"] += 1
        if not all(is_true(latest[1].get(item)) for item in IP_REVIEW_ITEMS):
            add("KE-IP-CONTENT", "case", case_id)

    # ======================================================================
    # KE-SYSTEM-ROUTINES (subject: routine)
    # ======================================================================
    routines = rows("ke_routines")
    if routines:
        limit_days = days_in_months(p["routine_review_months"])
        for task in p["required_routines"]:
            populations["KE-SYSTEM-ROUTINES"] += 1
            latest = None  # (sort key, row); empty (or after D) sorts first, a later row wins a tie
            for row in routines:
                if row.get("task") != task:
                    continue
                revised = to_date(row.get("last_revised_on"))
                if revised is not None and revised > D:
                    revised = None  # an input problem: taken as empty
                key = (0, datetime.date.min) if revised is None else (1, revised)
                if latest is None or key >= latest[0]:
                    latest = (key, row, revised)
            if latest is None:
                add("KE-SYSTEM-ROUTINES", "routine", task)  # problems: [mangler]
                continue
            _, row, revised = latest
            stale = revised is None or (D - revised).days > limit_days
            if stale or not is_true(row.get("in_quality_system")):
                add("KE-SYSTEM-ROUTINES", "routine", task)

    return {"findings": findings, "populations": populations}
