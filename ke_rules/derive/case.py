"""The case subject: one row per in-scope case, the other tables' rows matched to it by case key.

Rows of out-of-scope cases have other keys, so they need no filtering out first. The
parameters read: ``mapping_grace_days`` (a qualifying assignment), ``coordination_categories``
and ``long_term_days`` (qualifying services, long-running services, the need for coordination).
The KE's further duties (rules.md, second wave) add the reference date R(c) and the days
waiting since it, the recorded wish for a coordinator, the family's child, the plan's last
evaluation and its latest review against the guideline's checklist; their deadlines stay in
the rules' conditions, so none of these fields reads a parameter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ke_rules.derive.kit import CaseKeys, active, age, copies, days, objects
from ke_rules.derive.params import DerivationParams

__all__ = ["CHILD_COORDINATOR_FROM", "IP_REVIEW_ITEMS", "case_facts", "consent_covered", "family_has_child",
           "last_evaluation", "latest_ip_review", "qualifying_services", "reference_date"]

IP_SCOPES = ("ip", "alle")
GROUP_SCOPES = ("ansvarsgruppe", "alle")
NOT_COORDINATION = ("fastlege", "helsesykepleier")  # never a qualifying service, whatever the categories
_SCOPE_LISTS = objects([[], ["ip"], ["ansvarsgruppe"], ["ip", "ansvarsgruppe"]])
CHILD_COORDINATOR_FROM = pd.Timestamp("2022-08-01")  # pasient- og brukerrettighetsloven § 2-5 c in force
# the checklist of ip_reviews (Helsedirektoratet's guideline 13.6), in the table's column order: labels nb, en
IP_REVIEW_ITEMS: dict[str, tuple[str, str]] = {
    "goals": ("mål, ressurser og behov", "goals, resources and needs"),
    "participants": ("hvem som deltar", "who takes part"),
    "coordinator": ("hvem som er koordinator", "who the coordinator is"),
    "contributions": ("bidrag", "contributions"),
    "measures": ("tiltak, omfang og ansvar", "measures, scope and responsibility"),
    "implementation": ("gjennomføring", "implementation"),
    "period": ("planperiode og revisjon", "plan period and revision"),
    "consent": ("samtykke", "consent"),
    "cooperation": ("samarbeid", "cooperation"),
}


def consent_covered(consents: pd.DataFrame, scopes: tuple[str, ...], at: pd.Series | pd.Timestamp) -> pd.Series:
    """Per consent row: valid on ``at`` (given <= t and withdrawn empty or > t) for one of ``scopes``."""
    return (consents["scope"].isin(scopes) & (consents["given_on"] <= at)
            & (consents["withdrawn_on"].isna() | (consents["withdrawn_on"] > at))).fillna(False)


def scope_lists(ip: np.ndarray, group: np.ndarray) -> list[list[str]]:
    """Per case: the consent scopes flagged, ``ip`` before ``ansvarsgruppe``."""
    return copies(_SCOPE_LISTS, ip.astype(np.int64) + 2 * group.astype(np.int64))


def minor_children_siblings(relatives: pd.DataFrame, keys: CaseKeys, d: pd.Timestamp) -> np.ndarray:
    """Per in-scope case: its relatives who are children or siblings under 18 at ``d``."""
    rel_age = age(relatives["birth_date"], d)
    minor = (relatives["relation"].isin(["barn", "sosken"]) & (rel_age < 18).fillna(False)).to_numpy(dtype=bool)
    return keys.count("relatives", minor)


def qualifying_services(services: pd.DataFrame, keys: CaseKeys, d: pd.Timestamp,
                        params: DerivationParams) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    """Per in-scope case: its active services in the coordination categories, one per name (compared
    stripped and casefolded; the least spelling shown, stripped), in name order; how many; and
    how many of them have run at least ``long_term_days`` (any row of the name)."""
    cats = [x for x in params.coordination_categories if x not in NOT_COORDINATION]
    sel = (active(services["start_date"], services["end_date"], d)
           & services["category"].isin(cats)).to_numpy(dtype=bool) & keys.in_scope("services")
    long = (services["start_date"] <= d - pd.Timedelta(days=int(params.long_term_days))).to_numpy(dtype=bool)
    # the distinct names are few: strip and casefold those, not every row
    name_codes, names = pd.factorize(services["service"].to_numpy(dtype=object)[sel])
    name_keys = pd.Series(np.asarray(names, dtype=object), dtype=object).str.strip().str.casefold()
    key_rank, _ = pd.factorize(name_keys, sort=True)  # the groupby's order of the names; -1: none
    rank = np.append(key_rank, -1)[name_codes]
    named = rank >= 0
    case = keys.of["services"][sel][named]
    rank, name_codes, long = rank[named], name_codes[named], long[sel][named]
    group = case * (int(key_rank.max(initial=0)) + 1) + rank
    order = np.argsort(group, kind="stable")  # by case, then name; rows in table order within
    group = group[order]
    starts = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1]))) if len(group) else order
    g_case = case[order][starts]
    g_long = np.logical_or.reduceat(long[order], starts) if len(starts) else np.zeros(0, dtype=bool)
    # each name shown in the case's least spelling of it (by code point): neither the order of the rows
    # nor another case's rows (a snapshot split by municipality) can choose it
    # (the distinct spellings are few: rank them once by code point, then take each group's least rank)
    spellings, spelling_rank = np.unique(objects([str(v).strip() for v in names]), return_inverse=True)
    g_names = (spellings[np.minimum.reduceat(spelling_rank[name_codes[order]], starts)].tolist()
               if len(group) else [])
    lo = np.searchsorted(g_case, keys.cases, "left")
    hi = np.searchsorted(g_case, keys.cases, "right")
    lists = [g_names[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
    long_count = np.bincount(g_case[g_long], minlength=keys.size)[keys.cases]
    return lists, (hi - lo).astype(np.int64), long_count


def reference_date(c: pd.DataFrame, keys: CaseKeys, referrals: pd.DataFrame, d: pd.Timestamp) -> pd.Series:
    """Per in-scope case: R(c), its earliest referral received on or before ``d``, else its opened_on
    (on or before ``d``), else empty."""
    received = referrals["received_on"].to_numpy()
    first = pd.Series(keys.earliest("referrals", (referrals["received_on"] <= d).to_numpy(dtype=bool), received),
                      index=c.index).astype("datetime64[s]")
    opened = c["opened_on"].where(c["opened_on"] <= d).astype("datetime64[s]")
    return first.fillna(opened)


def family_has_child(c: pd.DataFrame, keys: CaseKeys, relatives: pd.DataFrame, d: pd.Timestamp) -> np.ndarray:
    """Per in-scope case: the recipient is a minor at ``d`` or not yet born, or the case's relatives
    list a ``barn`` who is (the right to a child coordinator is the family's)."""
    own = ((age(c["birth_date"], d) < 18).fillna(False) | (c["birth_date"] > d).fillna(False)).to_numpy(dtype=bool)
    rel_birth = relatives["birth_date"]
    child = (relatives["relation"] == "barn") & ((age(rel_birth, d) < 18).fillna(False) | (rel_birth > d).fillna(False))
    return own | keys.any("relatives", child.to_numpy(dtype=bool))


def last_evaluation(c: pd.DataFrame, keys: CaseKeys, meetings: pd.DataFrame, meeting_status: np.ndarray,
                    d: pd.Timestamp) -> pd.Series:
    """Per in-scope case: E, the latest of ip_last_evaluated_on (when on or before ``d``) and the dates of
    its held ``evaluering`` meetings (on or before ``d``); empty without either."""
    held = ((meetings["kind"] == "evaluering").to_numpy(dtype=bool) & (meeting_status == "held")
            & (meetings["meeting_date"] <= d).to_numpy(dtype=bool))
    met = keys.latest("meetings", held, meetings["meeting_date"].to_numpy().astype("datetime64[s]"))
    recorded = c["ip_last_evaluated_on"].where(c["ip_last_evaluated_on"] <= d).to_numpy().astype("datetime64[s]")
    latest = np.where(np.isnat(recorded) | (~np.isnat(met) & (met > recorded)), met, recorded)
    return pd.Series(latest, index=c.index)


def latest_ip_review(c: pd.DataFrame, keys: CaseKeys, reviews: pd.DataFrame,
                     d: pd.Timestamp) -> tuple[np.ndarray, pd.Series, list[list[str]]]:
    """Per in-scope case: whether it has a review of its current plan (ip_started_on <= reviewed_on <= ``d``),
    the latest such review's date (equal dates: the later row) and its checklist items not true, in the
    table's column order."""
    started = keys.by_case(c["ip_started_on"].to_numpy().astype("datetime64[s]"), np.datetime64("NaT", "s"))
    case = keys.of["ip_reviews"]
    on = reviews["reviewed_on"].to_numpy().astype("datetime64[s]")
    start = started[case]
    ok = keys.in_scope("ip_reviews") & ~np.isnat(start) & ~np.isnat(on) & (on >= start) & (on <= d.to_datetime64())
    rows = np.flatnonzero(ok)
    # by case, then date, then row: the last row of each case is its latest review
    order = rows[np.lexsort((rows, on[rows], case[rows]))]
    last = order[np.append(case[order][1:] != case[order][:-1], True)] if len(order) else order
    pick = np.full(keys.size, -1, dtype=np.int64)
    pick[case[last]] = last
    chosen = pick[keys.cases]
    has = chosen >= 0
    reviewed = np.full(len(chosen), np.datetime64("NaT", "s"))
    reviewed[has] = on[chosen[has]]
    flags = {k: reviews[k].fillna(False).to_numpy(dtype=bool) for k in IP_REVIEW_ITEMS}
    missing: list[list[str]] = []
    for i in chosen.tolist():
        missing.append([] if i < 0 else [k for k in IP_REVIEW_ITEMS if not flags[k][i]])
    return has, pd.Series(reviewed, index=c.index), missing


def case_facts(c: pd.DataFrame, keys: CaseKeys, t: dict[str, pd.DataFrame], group_active: np.ndarray,
               meeting_status: np.ndarray, d: pd.Timestamp, params: DerivationParams) -> pd.DataFrame:
    """One row per in-scope case ``c`` (indexed by case_id); ``group_active`` per row of the groups table,
    ``meeting_status`` (the effective status) per row of the meetings table."""
    idx = c.index
    out = pd.DataFrame(index=idx)
    out["case_id"] = c["case_id"]
    out["municipality"] = c["municipality"]
    out["age"] = age(c["birth_date"], d)
    out["is_minor"] = (out["age"] < 18).fillna(False).astype(bool)
    for col in ("wants_coordinator", "long_term_need", "child_coordinator_eligible"):
        out[col] = c[col].fillna(False).astype(bool)
    ip_active = (c["ip_started_on"].notna() & active(c["ip_started_on"], c["ip_ended_on"], d)).astype(bool)
    out["ip_active"] = ip_active
    out["ip_started_on"] = c["ip_started_on"]
    last_eval = c["ip_last_evaluated_on"].fillna(c["ip_started_on"])
    out["days_since_ip_evaluated"] = days(d, last_eval).where(ip_active)

    out["active_groups"] = keys.count("groups", group_active)

    # consent: an active IP needs one for 'ip', an active group one for 'ansvarsgruppe' ('alle' covers both)
    consents = t["consents"]
    cov_ip = keys.any("consents", consent_covered(consents, IP_SCOPES, d).to_numpy(dtype=bool))
    cov_gr = keys.any("consents", consent_covered(consents, GROUP_SCOPES, d).to_numpy(dtype=bool))
    need_ip = ip_active.to_numpy()
    need_gr = out["active_groups"].to_numpy() > 0
    unc_ip = need_ip & ~cov_ip
    unc_gr = need_gr & ~cov_gr
    out["consent_needs"] = need_ip.astype(int) + need_gr.astype(int)
    out["needed_scopes"] = scope_lists(need_ip, need_gr)
    out["uncovered_scopes"] = scope_lists(unc_ip, unc_gr)
    out["uncovered_count"] = unc_ip.astype(int) + unc_gr.astype(int)

    # coordinator assignments: qualifying once active for at least mapping_grace_days
    a = t["assignments"]
    a_active = active(a["start_date"], a["end_date"], d).to_numpy(dtype=bool)
    out["active_assignments"] = keys.count("assignments", a_active)
    out["has_child_coordinator"] = keys.any("assignments", a_active & (a["role"] == "barnekoordinator").to_numpy())
    grace = pd.Timedelta(days=int(params.mapping_grace_days))
    qual = a_active & (a["start_date"] <= d - grace).to_numpy(dtype=bool)
    out["qualifying_assignment"] = keys.any("assignments", qual)
    out["earliest_qualifying_assignment_start"] = keys.earliest("assignments", qual, a["start_date"].to_numpy())
    out["relatives_mapped"] = (c["relatives_mapped_on"] <= d).fillna(False).astype(bool)
    out["relatives_mapped_on"] = c["relatives_mapped_on"]
    out["minor_children_siblings"] = minor_children_siblings(t["relatives"], keys, d)

    names, count, long_count = qualifying_services(t["services"], keys, d, params)
    out["qualifying_services"] = names
    out["qualifying_service_count"] = count
    out["long_running_count"] = long_count
    out["needs_coordination"] = (out["long_running_count"] >= 2) | (
        out["long_term_need"] & (out["qualifying_service_count"] >= 2))

    referrals = t["referrals"]
    out["has_referral"] = keys.any("referrals", (referrals["received_on"] <= d).to_numpy(dtype=bool))
    first = pd.Series(keys.earliest("referrals", np.ones(len(referrals), dtype=bool),
                                    referrals["received_on"].to_numpy()), index=idx)
    out["first_referral_on"] = first
    out["days_since_first_referral"] = days(d, first)

    # the KE's further duties: a wanted or needed coordinator, the child coordinator, the plan's upkeep
    recorded = c["wants_coordinator"].astype("boolean")
    out["wants_coordinator_recorded"] = recorded
    out["wants_or_needs_coordinator"] = (recorded.fillna(False) | (recorded.isna() & ip_active)).astype(bool)
    ref = reference_date(c, keys, referrals, d)
    out["reference_date"] = ref
    out["days_waiting"] = days(d, ref)
    out["has_coordinator"] = out["active_assignments"] > 0
    out["has_child"] = family_has_child(c, keys, t["relatives"], d)
    out["child_coordinator_in_force"] = bool(d >= CHILD_COORDINATOR_FROM)
    out["days_since_ip_started"] = days(d, c["ip_started_on"])
    evaluated = last_evaluation(c, keys, t["meetings"], meeting_status, d)
    out["last_evaluated_on"] = evaluated
    out["ip_evaluated"] = evaluated.notna()
    out["days_since_evaluated"] = days(d, evaluated)
    has_review, reviewed_on, missing = latest_ip_review(c, keys, t["ip_reviews"], d)
    out["has_plan_review"] = has_review
    out["reviewed_on"] = reviewed_on
    out["missing_items"] = missing
    out["missing_item_count"] = np.fromiter(map(len, missing), dtype=np.int64, count=len(missing))
    out["missing_items_nb"] = ["; ".join(IP_REVIEW_ITEMS[k][0] for k in m) for m in missing]
    out["missing_items_en"] = ["; ".join(IP_REVIEW_ITEMS[k][1] for k in m) for m in missing]
    return out
