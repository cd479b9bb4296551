"""The rules as a capable analyst would script them: standard library only, one pass.

The yardstick of the "speed, round 3" issue: a plain-Python script that loads the same
JSON snapshot with the json module and evaluates the rules row by row. Unlike
benchmarks/reference_script.py (which runs the test oracle tests/reference.py, written
for obvious correctness), this one is written to be fast the ordinary way: each table is
read once and indexed in dicts keyed by case id, each distinct date string is parsed once
(a dict cache) into a day number (date.toordinal()), and no rule loops over more than the
rows of its own case. No numpy, no pandas, no ke_rules import: the one thing it borrows is
the documented service vocabulary (ke_rules/ingest/vocabulary.py, loaded as a single
file) to fill an empty service category, as the loader does.

It evaluates the nine first-wave rules and the eight second-wave rules of
docs/spec/rules.md with the `nasjonal` defaults (override them with --params), on a clean
snapshot with canonical table and column names as ``ke-rules synth`` writes them (ISO
dates, JSON booleans, canonical enumeration values). KE-SYSTEM-MONTHLY is not in it.

    python3 benchmarks/bare_script.py SNAPSHOT.json --as-of 2026-11-23 [--params JSON] [--output F.json]

prints ``load:`` and ``evaluate:`` times on stderr and writes {"findings": [[rule_id,
subject_type, subject_id, severity], ...], "populations": {rule_id: n}}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import sys
import time
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_PARAMS = {
    "max_cases_per_coordinator": 5,
    "count_only_cases_with_ip": False,
    "min_group_meetings_per_year": 2,
    "invitation_lead_days": 14,
    "mapping_grace_days": 30,
    "coordination_categories": ["helse", "omsorg", "spesialist"],
    "long_term_days": 90,
    "appointment_grace_days": 30,
    "ip_evaluation_days": 365,
    "minutes_days": 14,
    "overdue_grace_days": 14,
    "training_grace_days": 90,
    "required_routines": ["meldinger", "rutiner_ip", "oppnevning", "opplaering"],
    "routine_review_months": 24,
}

RULE_IDS = (
    "KE-COORD-LOAD", "KE-MEET-FREQ", "KE-INVITE-LEAD", "KE-CONSENT", "KE-CHILD-RELATIVE",
    "KE-REFERRAL-MISSING", "KE-INVITE-CONTENT", "KE-MEET-NEXT", "KE-CONSENT-MEETING",
    "KE-COORD-MISSING", "KE-CHILD-COORD", "KE-IP-EVAL", "KE-MINUTES", "KE-MEET-OVERDUE",
    "KE-COORD-TRAINING", "KE-IP-CONTENT", "KE-SYSTEM-ROUTINES",
)
FIRST_WAVE = RULE_IDS[:9]
SECOND_WAVE = RULE_IDS[9:]

NEVER_QUALIFYING = {"fastlege", "helsesykepleier"}
IP_REVIEW_ITEMS = ("goals", "participants", "coordinator", "contributions", "measures",
                   "implementation", "period", "consent", "cooperation")
INVITATION_ITEMS = ("invitation_has_subject", "invitation_has_participants",
                    "invitation_has_time_place", "invitation_has_agenda")
CONSENT_MEETING_SCOPES = {"samarbeidsmote", "informasjonsdeling", "alle"}
IP_RIGHTS_IN_FORCE = dt.date(2022, 8, 1).toordinal()  # pbrl § 2-5 b/c: KE-CHILD-COORD applies from then


class _Days(dict):
    """ISO date string -> day number (date.toordinal()), parsed once per distinct string.
    None and "" give None; a date-time is cut to its date as written."""

    def __missing__(self, text):
        value = dt.date.fromisoformat(text[:10]).toordinal() if text else None
        self[text] = value
        return value


def _vocabulary():
    spec = importlib.util.spec_from_file_location("_ke_vocabulary", ROOT / "ke_rules" / "ingest" / "vocabulary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SERVICE_CATEGORIES, module.normalise_name


def load(path: str | Path) -> dict:
    """The snapshot as json gives it, with every empty service category filled from the vocabulary."""
    with open(path, encoding="utf-8") as fh:
        snapshot = json.load(fh)
    categories, normalise = _vocabulary()
    inferred: dict[str, str] = {}
    for row in snapshot.get("services") or ():
        if not row.get("category"):
            name = row["service"]
            category = inferred.get(name)
            if category is None:
                category = inferred[name] = categories.get(normalise(name), "annet")
            row["category"] = category
    return snapshot


def _is_minor_or_unborn(birth: int | None, D: int, adult_from: tuple[int, int, int]) -> bool:
    """Younger than 18 at D, or born after D; adult_from is D's (year − 18, month, day):
    a person is 18 when (birth year, month, day) ≤ it (29 February turns older on 1 March)."""
    if birth is None:
        return False
    if birth > D:
        return True
    b = dt.date.fromordinal(birth)
    return (b.year, b.month, b.day) > adult_from


def evaluate(snapshot: dict, as_of: dt.date, params: dict | None = None) -> dict:
    """{"findings": [(rule_id, subject_type, subject_id, severity), ...], "populations": {rule_id: n}}."""
    p = dict(DEFAULT_PARAMS)
    p.update(params or {})
    day = _Days()
    D = as_of.toordinal()
    W0 = D - 365  # the review window W = (W0, D]
    adult_from = (as_of.year - 18, as_of.month, as_of.day)
    findings: list[tuple[str, str, str, str]] = []
    add = findings.append
    pop = dict.fromkeys(RULE_IDS, 0)

    def table(name):
        return snapshot.get(name) or ()

    # ---- cases in scope at D, and the per-case facts every rule needs
    cases: dict[str, dict] = {}
    ip_start: dict[str, int] = {}  # case -> ip_started_on, only for cases whose IP is active at D
    for c in table("cases"):
        opened, closed = day[c.get("opened_on")], day[c.get("closed_on")]
        if (opened is None or opened <= D) and (closed is None or closed >= D):
            cid = c["case_id"]
            cases[cid] = c
            s = day[c.get("ip_started_on")]
            if s is not None and s <= D:
                e = day[c.get("ip_ended_on")]
                if e is None or e >= D:
                    ip_start[cid] = s

    # ---- one pass per table, keeping only rows of in-scope cases
    active_assign: dict[str, list[tuple[str, str, int]]] = defaultdict(list)  # case -> (coordinator, role, start)
    for a in table("assignments"):
        cid = a["case_id"]
        if cid in cases:
            s = day[a["start_date"]]
            if s <= D:
                e = day[a.get("end_date")]
                if e is None or e >= D:
                    active_assign[cid].append((a["coordinator_id"], a.get("role") or "koordinator", s))

    first_referral: dict[str, int] = {}  # case -> earliest received_on ≤ D
    for r in table("referrals"):
        cid = r["case_id"]
        if cid in cases:
            t = day[r["received_on"]]
            if t <= D and t < first_referral.get(cid, D + 1):
                first_referral[cid] = t

    consents: dict[str, list[tuple[str, int, int | None]]] = defaultdict(list)  # case -> (scope, given, withdrawn)
    for c in table("consents"):
        cid = c["case_id"]
        if cid in cases:
            consents[cid].append((c["scope"], day[c["given_on"]], day[c.get("withdrawn_on")]))

    minor_rel: set[str] = set()    # cases listing a minor barn or sosken (KE-CHILD-RELATIVE severity)
    child_rel: set[str] = set()    # cases listing a barn who is a minor or not yet born (KE-CHILD-COORD)
    for r in table("relatives"):
        cid = r["case_id"]
        if cid in cases:
            relation = r["relation"]
            if relation == "barn" or relation == "sosken":
                birth = day[r.get("birth_date")]
                if _is_minor_or_unborn(birth, D, adult_from):
                    if birth <= D:
                        minor_rel.add(cid)
                    if relation == "barn":
                        child_rel.add(cid)

    # meetings: case -> [(date, kind, effective status, row)]
    meetings: dict[str, list[tuple[int, str, str, dict]]] = defaultdict(list)
    for m in table("meetings"):
        cid = m["case_id"]
        if cid in cases:
            t = day[m["meeting_date"]]
            status = m.get("status")
            if not status:
                status = "held" if t <= D else "planned"
            elif status == "held" and t > D:
                status = "planned"  # a future meeting cannot have been held
            meetings[cid].append((t, m.get("kind") or "ansvarsgruppe", status, m))

    active_groups: list[tuple[str, str, int]] = []  # (group, case, established_on)
    for g in table("groups"):
        cid = g["case_id"]
        if cid in cases:
            est = day[g["established_on"]]
            if est <= D:
                dis = day[g.get("dissolved_on")]
                if dis is None or dis >= D:
                    active_groups.append((g["group_id"], cid, est))
    cases_with_group = {cid for _, cid, _ in active_groups}

    def covered(cid: str, scopes: set[str], t: int) -> bool:
        return any((scope in scopes or scope == "alle") and given <= t and (withdrawn is None or withdrawn > t)
                   for scope, given, withdrawn in consents.get(cid, ()))

    # ---- coordinators: KE-COORD-LOAD and KE-COORD-TRAINING
    coordinators = {c["coordinator_id"]: c for c in table("coordinators")}
    only_ip = bool(p["count_only_cases_with_ip"])
    load_cases: dict[str, set[str]] = defaultdict(set)
    earliest: dict[str, int] = {}
    for cid, assigned in active_assign.items():
        counted = not only_ip or cid in ip_start
        for coord, _role, s in assigned:
            if counted:
                load_cases[coord].add(cid)
            if s < earliest.get(coord, D + 1):
                earliest[coord] = s
    default_limit = p["max_cases_per_coordinator"]
    for coord, counted_cases in load_cases.items():
        pop["KE-COORD-LOAD"] += 1
        agreed = coordinators.get(coord, {}).get("agreed_max_cases")
        if len(counted_cases) > (default_limit if agreed is None else agreed):
            add(("KE-COORD-LOAD", "coordinator", coord, "medium"))
    training_cutoff = D - p["training_grace_days"]
    for coord, s in earliest.items():
        if s <= training_cutoff:
            pop["KE-COORD-TRAINING"] += 1
            trained = day[coordinators.get(coord, {}).get("trained_on")]
            if trained is None or trained > D:
                add(("KE-COORD-TRAINING", "coordinator", coord, "medium"))

    # ---- groups: KE-MEET-FREQ, KE-MEET-NEXT, KE-MEET-OVERDUE
    per_year = p["min_group_meetings_per_year"]
    per_year = per_year if isinstance(per_year, int) else Fraction(repr(per_year))
    overdue_before = D - p["overdue_grace_days"]
    for gid, cid, est in active_groups:
        held_in_w = 0
        latest = None            # the latest held ansvarsgruppe meeting date in [est, D]
        latest_has_next = False  # a meeting on that date has next_meeting_on
        last_with_next = None    # M: the latest such date with a next_meeting_on
        agreed_next = None       # N: the greatest next_meeting_on on date M
        for t, kind, status, m in meetings.get(cid, ()):
            if kind != "ansvarsgruppe" or status != "held" or t < est:
                continue  # held implies t ≤ D
            if t > W0:
                held_in_w += 1
            nxt = day[m.get("next_meeting_on")]
            if latest is None or t > latest:
                latest, latest_has_next = t, nxt is not None
            elif t == latest and nxt is not None:
                latest_has_next = True
            if nxt is not None:
                if last_with_next is None or t > last_with_next:
                    last_with_next, agreed_next = t, nxt
                elif t == last_with_next and nxt > agreed_next:
                    agreed_next = nxt
        pop["KE-MEET-FREQ"] += 1
        if held_in_w < per_year * min(365, D - est) // 365:
            add(("KE-MEET-FREQ", "group", gid, "medium"))
        if latest is not None:
            pop["KE-MEET-NEXT"] += 1
            if not latest_has_next:
                add(("KE-MEET-NEXT", "group", gid, "low"))
        if agreed_next is not None and agreed_next < overdue_before:
            pop["KE-MEET-OVERDUE"] += 1
            # any held ansvarsgruppe meeting after M clears it; such a meeting lies in (M, D] and
            # est ≤ M, so it is one of those seen above: cleared exactly when latest > M
            if latest == last_with_next:
                add(("KE-MEET-OVERDUE", "group", gid, "low"))

    # ---- meetings: KE-INVITE-LEAD, KE-INVITE-CONTENT, KE-CONSENT-MEETING, KE-MINUTES; evaluations for KE-IP-EVAL
    L = p["invitation_lead_days"]
    minutes_days = p["minutes_days"]
    minutes_cutoff = D - minutes_days
    last_evaluation: dict[str, int] = {}
    for cid, case_meetings in meetings.items():
        for t, kind, status, m in case_meetings:
            if kind == "ansvarsgruppe":
                if status != "cancelled" and W0 < t <= D + L:
                    pop["KE-INVITE-LEAD"] += 1
                    sent = day[m.get("invitation_sent_on")]
                    if sent is None:
                        if t <= D or t - D < L:
                            add(("KE-INVITE-LEAD", "meeting", m["meeting_id"], "low"))
                    else:
                        if t - sent < L:
                            add(("KE-INVITE-LEAD", "meeting", m["meeting_id"], "low"))
                        pop["KE-INVITE-CONTENT"] += 1
                        if not all(m.get(item) is True for item in INVITATION_ITEMS):
                            add(("KE-INVITE-CONTENT", "meeting", m["meeting_id"], "low"))
                if status == "held" and W0 < t <= minutes_cutoff:
                    pop["KE-MINUTES"] += 1
                    sent = day[m.get("minutes_sent_on")]
                    if sent is None or sent - t > minutes_days:
                        add(("KE-MINUTES", "meeting", m["meeting_id"], "low"))
            elif kind == "samarbeidsmote":
                if status == "held" and t > W0:
                    pop["KE-CONSENT-MEETING"] += 1
                    if not covered(cid, CONSENT_MEETING_SCOPES, t):
                        add(("KE-CONSENT-MEETING", "meeting", m["meeting_id"], "high"))
            elif kind == "evaluering" and status == "held" and t > last_evaluation.get(cid, -1):
                last_evaluation[cid] = t

    # ---- cases: KE-CONSENT, KE-CHILD-RELATIVE, KE-REFERRAL-MISSING, KE-COORD-MISSING, KE-CHILD-COORD, KE-IP-EVAL
    mapping_cutoff = D - p["mapping_grace_days"]
    appointment_cutoff = D - p["appointment_grace_days"]
    child_rule_applies = D >= IP_RIGHTS_IN_FORCE
    eval_days = p["ip_evaluation_days"]
    for cid, c in cases.items():
        ip_active = cid in ip_start
        has_group = cid in cases_with_group
        if ip_active or has_group:
            pop["KE-CONSENT"] += 1
            if (ip_active and not covered(cid, {"ip"}, D)) or (has_group and not covered(cid, {"ansvarsgruppe"}, D)):
                add(("KE-CONSENT", "case", cid, "high"))
        assigned = active_assign.get(cid, ())
        if any(s <= mapping_cutoff for _, _, s in assigned):
            pop["KE-CHILD-RELATIVE"] += 1
            mapped = day[c.get("relatives_mapped_on")]
            if mapped is None or mapped > D:
                add(("KE-CHILD-RELATIVE", "case", cid, "high" if cid in minor_rel else "medium"))
        reference = first_referral.get(cid)
        if reference is None:
            opened = day[c.get("opened_on")]  # in scope: an opened_on is ≤ D
            reference = opened
        if reference is not None and reference <= appointment_cutoff:
            wants = c.get("wants_coordinator")
            if wants is True or (wants is None and ip_active):
                pop["KE-COORD-MISSING"] += 1
                if not assigned:
                    add(("KE-COORD-MISSING", "case", cid, "high"))
            if (child_rule_applies and wants is True and c.get("child_coordinator_eligible") is True
                    and (cid in child_rel or _is_minor_or_unborn(day[c.get("birth_date")], D, adult_from))):
                pop["KE-CHILD-COORD"] += 1
                if not any(role == "barnekoordinator" for _, role, _ in assigned):
                    add(("KE-CHILD-COORD", "case", cid, "high"))
        if ip_active and D - ip_start[cid] > eval_days:
            pop["KE-IP-EVAL"] += 1
            evaluated = day[c.get("ip_last_evaluated_on")]
            if evaluated is not None and evaluated > D:
                evaluated = None  # an input warning: ignored
            held = last_evaluation.get(cid)
            if held is not None and (evaluated is None or held > evaluated):
                evaluated = held
            if evaluated is None or D - evaluated > eval_days:
                add(("KE-IP-EVAL", "case", cid, "medium"))

    # KE-REFERRAL-MISSING: qualifying service names per case, long-running when any active row started early
    qualifying = set(p["coordination_categories"]) - NEVER_QUALIFYING
    long_cutoff = D - p["long_term_days"]
    names: dict[str, dict[str, bool]] = defaultdict(dict)
    for s in table("services"):
        cid = s["case_id"]
        if cid in cases and s["category"] in qualifying:
            start = day[s["start_date"]]
            if start <= D:
                end = day[s.get("end_date")]
                if end is None or end >= D:
                    case_names = names[cid]
                    name = s["service"].strip().casefold()
                    case_names[name] = case_names.get(name, False) or start <= long_cutoff
    for cid, case_names in names.items():
        long_running = sum(case_names.values())
        if long_running >= 2 or (len(case_names) >= 2 and cases[cid].get("long_term_need") is True):
            pop["KE-REFERRAL-MISSING"] += 1
            if cid not in first_referral:
                add(("KE-REFERRAL-MISSING", "case", cid, "high"))

    # KE-IP-CONTENT: the latest review of the active plan (on equal dates, the later row)
    latest_review: dict[str, tuple[int, dict]] = {}
    for r in table("ip_reviews"):
        cid = r["case_id"]
        started = ip_start.get(cid)  # only cases in scope with an active IP
        if started is not None:
            t = day[r["reviewed_on"]]
            if started <= t <= D:
                seen = latest_review.get(cid)
                if seen is None or t >= seen[0]:
                    latest_review[cid] = (t, r)
    for cid, (_, r) in latest_review.items():
        pop["KE-IP-CONTENT"] += 1
        if not all(r.get(item) is True for item in IP_REVIEW_ITEMS):
            add(("KE-IP-CONTENT", "case", cid, "medium"))

    # KE-SYSTEM-ROUTINES: each required task's latest routine (only when the table has rows)
    routines = table("ke_routines")
    if routines:
        max_age = int(Fraction("30.4375") * p["routine_review_months"])
        latest_routine: dict[str, tuple[int, dict]] = {}
        for r in routines:
            revised = day[r.get("last_revised_on")]
            if revised is None or revised > D:
                revised = -1  # empty, or after D (an input warning): taken as empty, sorts first
            seen = latest_routine.get(r["task"])
            if seen is None or revised >= seen[0]:
                latest_routine[r["task"]] = (revised, r)
        for task in p["required_routines"]:
            pop["KE-SYSTEM-ROUTINES"] += 1
            seen = latest_routine.get(task)
            if (seen is None or seen[0] < 0 or D - seen[0] > max_age
                    or seen[1].get("in_quality_system") is not True):
                add(("KE-SYSTEM-ROUTINES", "routine", task, "medium"))

    return {"findings": findings, "populations": pop}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("snapshot")
    ap.add_argument("--as-of", required=True, type=dt.date.fromisoformat)
    ap.add_argument("--params", default="{}", help="ruleset parameters as JSON (default: nasjonal's)")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    snapshot = load(args.snapshot)
    t1 = time.perf_counter()
    out = evaluate(snapshot, args.as_of, json.loads(args.params))
    t2 = time.perf_counter()
    print(f"{'load':>9}: {t1 - t0:8.3f} s\n{'evaluate':>9}: {t2 - t1:8.3f} s", file=sys.stderr)
    if args.output:
        args.output.write_text(json.dumps({"findings": sorted(out["findings"]), "populations": out["populations"]}),
                               encoding="utf-8")
    print(f"bare: {len(out['findings'])} findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
