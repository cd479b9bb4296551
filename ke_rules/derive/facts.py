"""Step 2 of 4: derive one fact per subject (case, coordinator, group, meeting, KE month).

All the date arithmetic of rules.md happens here, column-wise with pandas, so the
rule engine only compares ready values (``active_cases > limit``). Every column
produced is listed in the field catalogue (``fields.py``). Rows that belong to
cases outside the scope at D are not evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ke_rules.derive.fields import FIELDS, SUBJECT_ID
from ke_rules.derive.params import with_defaults
from ke_rules.ingest.validate import Snapshot
from ke_rules.ingest.values import ProblemCode
from ke_rules.report.models import InputProblem, Severity

__all__ = ["Facts", "derive_facts", "natural_key"]

WINDOW_DAYS = 365
INVITATION_ITEMS = {
    "invitation_has_subject": "hvem møtet gjelder",
    "invitation_has_participants": "deltakere",
    "invitation_has_time_place": "tid og sted",
    "invitation_has_agenda": "saksliste",
}


def natural_key(text: str) -> tuple[tuple[Any, ...], str]:
    """Sort key of the report's natural order: K-9 before K-10, and one order whatever the input's.

    The contract's order: digit runs compare as numbers, other text by code point
    (case-sensitive), and ids that compare equal so (``K-9``, ``K-09``, ``K-009``) by their
    plain text. The key is (the parts, the text): the parts alternate text and number
    (``('K-', 9, '')``), and the text makes it a total order, so a sort never falls back on
    the order the rows came in.
    """
    text = str(text)
    simple = _PREFIX_NUMBER.fullmatch(text)  # the usual id shape, 'K-17': the same key, faster
    if simple:
        return (simple[1], int(simple[2]), ""), text
    # split() puts the digit runs at the odd places (int() reads any script's decimal digits)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(_DIGIT_RUNS.split(text))), text


_DIGIT_RUNS = re.compile(r"(\d+)")
_PREFIX_NUMBER = re.compile(r"(\D*)(\d+)")


@dataclass
class Facts:
    """Derived subject frames (columns = field catalogue + ``_id``, ``_case``) and warnings."""

    as_of: date
    frames: dict[str, pd.DataFrame]
    problems: list[InputProblem]


def _active(start: pd.Series, end: pd.Series, d: pd.Timestamp) -> pd.Series:
    return (start <= d).fillna(False) & (end.isna() | (end >= d)).fillna(False)


def _days(later: Any, earlier: Any) -> pd.Series:
    delta = later - earlier
    return (delta.dt.days if hasattr(delta, "dt") else delta.days).astype("Int64")


def _age(birth: pd.Series, d: pd.Timestamp) -> pd.Series:
    """Whole years at d; a birthday is reached when (month, day) >= the birth's (29 Feb -> 1 Mar)."""
    before = (d.month < birth.dt.month) | ((d.month == birth.dt.month) & (d.day < birth.dt.day))
    age = d.year - birth.dt.year - before.astype("Int64")
    return age.where(birth.notna() & (birth <= d)).astype("Int64")


def derive_facts(snapshot: Snapshot, as_of: date, params: dict[str, Any]) -> Facts:
    """Compute every subject's fields at ``as_of`` with the ruleset's ``params``.

    A parameter the ruleset does not set is one no enabled rule depends on (``ruleset``
    refuses the others), so its national default serves the fields nobody reads.
    """
    params = with_defaults(params)
    d = pd.Timestamp(as_of)
    t = snapshot.tables
    problems: list[InputProblem] = []

    cases = t["cases"]
    in_scope = ((cases["opened_on"].isna() | (cases["opened_on"] <= d)) & (
        cases["closed_on"].isna() | (cases["closed_on"] >= d))).to_numpy()
    c = cases[in_scope].set_index("case_id", drop=False)
    keys = _CaseKeys(t, in_scope)

    meetings_all = t["meetings"]
    status = _effective_status(meetings_all, d, problems).to_numpy()
    m_in = keys.in_scope("meetings")
    meetings, m_status, m_keys = meetings_all[m_in], status[m_in], keys.of["meetings"][m_in]

    groups_all = t["groups"]
    groups_all = groups_all.assign(active=_active(groups_all["established_on"], groups_all["dissolved_on"], d))
    _warn_two_groups(groups_all, keys.of["groups"], problems)
    g_in = keys.in_scope("groups")
    groups = groups_all[g_in]

    frames = {
        "case": _case_facts(c, keys, t, groups_all["active"].to_numpy(dtype=bool), d, params),
        "group": _group_facts(groups, keys.of["groups"][g_in], meetings, m_status, m_keys, d, params),
        "meeting": _meeting_facts(meetings, m_status, m_keys, t["consents"], keys.of["consents"], d),
    }
    with_ip = keys.any_of(keys.cases, frames["case"]["ip_active"].to_numpy(dtype=bool))
    frames["coordinator"] = _coordinator_facts(t["coordinators"], t["assignments"], keys, with_ip, d, params)
    frames["ke"] = _ke_facts(t["ke_meetings"], d)
    for subject, frame in frames.items():
        missing = set(FIELDS[subject]) - set(frame.columns)
        assert not missing, f"facts for {subject} lack catalogue fields {missing}"
        frame["_id"] = frame[SUBJECT_ID[subject]].astype(str)
        frame["_case"] = frame["case_id"] if "case_id" in frame.columns and subject != "coordinator" else None
        frames[subject] = frame.reset_index(drop=True)
    return Facts(as_of=as_of, frames=frames, problems=problems)


class _CaseKeys:
    """Every table's ``case_id`` as an integer key, from one factorization of all of them.

    Hashing the string ids is most of the cost at scale, so it happens once, here; the scope
    filters, per-case counts and joins then work on the integer keys. Equal ids have equal keys
    in every table; key 0 means no id. Arrays indexed by key have ``size`` entries.
    """

    def __init__(self, tables: dict[str, pd.DataFrame], in_scope: np.ndarray) -> None:
        names = ["cases"] + [n for n, df in tables.items() if n != "cases" and "case_id" in df.columns]
        columns = [tables[n]["case_id"].to_numpy(dtype=object) for n in names]
        codes, uniques = pd.factorize(np.concatenate(columns))
        codes = codes.astype(np.int64) + 1
        self.uniques = np.asarray(uniques, dtype=object)
        self.size = len(uniques) + 1
        self.of: dict[str, np.ndarray] = {}
        at = 0
        for name, column in zip(names, columns, strict=True):
            self.of[name] = codes[at:at + len(column)]
            at += len(column)
        self.cases = self.of["cases"][in_scope]  # the in-scope cases' keys, in their order
        self.scoped = np.zeros(self.size, dtype=bool)
        self.scoped[self.cases] = True
        self.scoped[0] = False

    def in_scope(self, table: str) -> np.ndarray:
        """Per row of ``table``: it belongs to an in-scope case."""
        return self.scoped[self.of[table]]

    def any_of(self, keys: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Per key: one of ``keys`` under ``mask`` is it."""
        hit = np.zeros(self.size, dtype=bool)
        hit[keys[mask]] = True
        return hit

    def any(self, table: str, mask: np.ndarray) -> np.ndarray:
        """Per in-scope case: one of the rows of ``table`` under ``mask`` is its."""
        return self.any_of(self.of[table], mask)[self.cases]

    def count(self, table: str, mask: np.ndarray) -> np.ndarray:
        """Per in-scope case: how many of the rows of ``table`` under ``mask`` are its."""
        return np.bincount(self.of[table][mask], minlength=self.size)[self.cases]

    def earliest(self, table: str, mask: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """Per in-scope case: the earliest of its rows' ``dates`` under ``mask`` (NaT: none)."""
        mask = mask & ~np.isnat(dates)
        least = np.full(self.size, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(least, self.of[table][mask], dates[mask].view(np.int64))
        least[least == np.iinfo(np.int64).max] = _NAT
        return least[self.cases].view(dates.dtype)


_NAT = np.datetime64("NaT", "s").view(np.int64)


def _join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The row pairs (i, j) with ``left[i] == right[j]`` (integer keys): an inner join."""
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    lo = np.searchsorted(ordered, left, "left")
    n = np.searchsorted(ordered, left, "right") - lo
    li = np.repeat(np.arange(len(left)), n)
    ri = order[np.arange(int(n.sum())) + np.repeat(lo - (np.cumsum(n) - n), n)]
    return li, ri


def _effective_status(m: pd.DataFrame, d: pd.Timestamp, problems: list[InputProblem]) -> pd.Series:
    given = m["status"]
    future = m["meeting_date"] > d
    held_future = (given == "held") & future
    planned_past = (given == "planned") & ~future
    for i in np.flatnonzero(held_future.to_numpy()):
        problems.append(InputProblem(table="meetings", row=int(m["_row"].iat[i]), column="status",
                                     value=str(given.iat[i]), code=ProblemCode.HELD_IN_FUTURE,
                                     severity=Severity.warning,
                                     detail=f"meeting_date {m['meeting_date'].iat[i].date().isoformat()}"))
    for i in np.flatnonzero(planned_past.to_numpy()):
        problems.append(InputProblem(table="meetings", row=int(m["_row"].iat[i]), column="status",
                                     value=str(given.iat[i]), code=ProblemCode.PLANNED_IN_PAST,
                                     severity=Severity.warning,
                                     detail=f"meeting_date {m['meeting_date'].iat[i].date().isoformat()}"))
    status = given.where(given.notna(), np.where(future, "planned", "held"))
    return status.where(~held_future, "planned")


def _warn_two_groups(groups: pd.DataFrame, case_keys: np.ndarray, problems: list[InputProblem]) -> None:
    active = np.flatnonzero(groups["active"].to_numpy(dtype=bool))
    repeated = pd.Series(case_keys[active]).duplicated(keep="first").to_numpy()
    for _, row in groups.iloc[active[repeated]].iterrows():
        problems.append(InputProblem(table="groups", row=int(row["_row"]), column="case_id",
                                     value=str(row["case_id"]), code=ProblemCode.TWO_ACTIVE_GROUPS,
                                     severity=Severity.warning))


def _covered(consents: pd.DataFrame, scopes: tuple[str, ...], at: pd.Series | pd.Timestamp) -> pd.Series:
    """Per consent row: valid on ``at`` (given <= t and withdrawn empty or > t) for one of ``scopes``."""
    return (consents["scope"].isin(scopes) & (consents["given_on"] <= at)
            & (consents["withdrawn_on"].isna() | (consents["withdrawn_on"] > at))).fillna(False)


def _case_facts(c: pd.DataFrame, keys: _CaseKeys, t: dict[str, pd.DataFrame], group_active: np.ndarray,
                d: pd.Timestamp, params: dict[str, Any]) -> pd.DataFrame:
    """One row per in-scope case; the other tables' rows are matched to it by case key (rows of
    out-of-scope cases have other keys, so they need no filtering out first)."""
    idx = c.index
    out = pd.DataFrame(index=idx)
    out["case_id"] = c["case_id"]
    out["municipality"] = c["municipality"]
    out["age"] = _age(c["birth_date"], d)
    out["is_minor"] = (out["age"] < 18).fillna(False).astype(bool)
    for col in ("wants_coordinator", "long_term_need", "child_coordinator_eligible"):
        out[col] = c[col].fillna(False).astype(bool)
    ip_active = (c["ip_started_on"].notna() & _active(c["ip_started_on"], c["ip_ended_on"], d)).astype(bool)
    out["ip_active"] = ip_active
    out["ip_started_on"] = c["ip_started_on"]
    last_eval = c["ip_last_evaluated_on"].fillna(c["ip_started_on"])
    out["days_since_ip_evaluated"] = _days(d, last_eval).where(ip_active)

    out["active_groups"] = keys.count("groups", group_active)

    consents = t["consents"]
    cov_ip = keys.any("consents", _covered(consents, ("ip", "alle"), d).to_numpy(dtype=bool))
    cov_gr = keys.any("consents", _covered(consents, ("ansvarsgruppe", "alle"), d).to_numpy(dtype=bool))
    need_ip = ip_active.to_numpy()
    need_gr = out["active_groups"].to_numpy() > 0
    unc_ip = need_ip & ~cov_ip
    unc_gr = need_gr & ~cov_gr
    out["consent_needs"] = need_ip.astype(int) + need_gr.astype(int)
    out["needed_scopes"] = _scope_lists(need_ip, need_gr)
    out["uncovered_scopes"] = _scope_lists(unc_ip, unc_gr)
    out["uncovered_count"] = unc_ip.astype(int) + unc_gr.astype(int)

    a = t["assignments"]
    a_active = _active(a["start_date"], a["end_date"], d).to_numpy(dtype=bool)
    out["active_assignments"] = keys.count("assignments", a_active)
    out["has_child_coordinator"] = keys.any("assignments", a_active & (a["role"] == "barnekoordinator").to_numpy())
    grace = pd.Timedelta(days=int(params["mapping_grace_days"]))
    qual = a_active & (a["start_date"] <= d - grace).to_numpy(dtype=bool)
    out["qualifying_assignment"] = keys.any("assignments", qual)
    out["earliest_qualifying_assignment_start"] = keys.earliest("assignments", qual, a["start_date"].to_numpy())
    out["relatives_mapped"] = (c["relatives_mapped_on"] <= d).fillna(False).astype(bool)
    out["relatives_mapped_on"] = c["relatives_mapped_on"]
    relatives = t["relatives"]
    rel_age = _age(relatives["birth_date"], d)
    minor_rel = (relatives["relation"].isin(["barn", "sosken"]) & (rel_age < 18).fillna(False)).to_numpy(dtype=bool)
    out["minor_children_siblings"] = keys.count("relatives", minor_rel)

    names, count, long_count = _qualifying_services(t["services"], keys, d, params)
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
    out["days_since_first_referral"] = _days(d, first)
    return out


def _qualifying_services(services: pd.DataFrame, keys: _CaseKeys, d: pd.Timestamp,
                         params: dict[str, Any]) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    """Per in-scope case: its active services in the coordination categories, one per name (compared
    stripped and casefolded; the least spelling shown, stripped), in name order; how many; and
    how many of them have run at least ``long_term_days`` (any row of the name)."""
    cats = [x for x in params["coordination_categories"] if x not in ("fastlege", "helsesykepleier")]
    sel = (_active(services["start_date"], services["end_date"], d)
           & services["category"].isin(cats)).to_numpy(dtype=bool) & keys.in_scope("services")
    long = (services["start_date"] <= d - pd.Timedelta(days=int(params["long_term_days"]))).to_numpy(dtype=bool)
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
    spellings, spelling_rank = np.unique(_objects([str(v).strip() for v in names]), return_inverse=True)
    g_names = (spellings[np.minimum.reduceat(spelling_rank[name_codes[order]], starts)].tolist()
               if len(group) else [])
    lo = np.searchsorted(g_case, keys.cases, "left")
    hi = np.searchsorted(g_case, keys.cases, "right")
    lists = [g_names[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
    long_count = np.bincount(g_case[g_long], minlength=keys.size)[keys.cases]
    return lists, (hi - lo).astype(np.int64), long_count


def _objects(items: list[Any]) -> np.ndarray:
    """A 1-d object array of ``items`` (lists stay elements, not a second dimension)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _copies(table: np.ndarray, which: np.ndarray) -> list[list[str]]:
    """A fresh copy of the list ``table[k]`` for each ``k`` of ``which``."""
    return list(map(list.copy, table[which].tolist()))


_SCOPE_LISTS = _objects([[], ["ip"], ["ansvarsgruppe"], ["ip", "ansvarsgruppe"]])


def _scope_lists(ip: np.ndarray, group: np.ndarray) -> list[list[str]]:
    return _copies(_SCOPE_LISTS, ip.astype(np.int64) + 2 * group.astype(np.int64))


def _coordinator_facts(coordinators: pd.DataFrame, assignments: pd.DataFrame, keys: _CaseKeys,
                       with_ip: np.ndarray, d: pd.Timestamp, params: dict[str, Any]) -> pd.DataFrame:
    n_co = len(coordinators)
    co_codes, co_uniques = pd.factorize(np.concatenate([coordinators["coordinator_id"].to_numpy(dtype=object),
                                                       assignments["coordinator_id"].to_numpy(dtype=object)]))
    co_codes = co_codes.astype(np.int64) + 1  # 0: no id
    co_key, a_co = co_codes[:n_co], co_codes[n_co:]
    a_case = keys.of["assignments"]
    rows = np.flatnonzero(_active(assignments["start_date"], assignments["end_date"], d).to_numpy(dtype=bool)
                          & keys.in_scope("assignments"))
    # the distinct (coordinator, case) pairs, in the order they first appear
    _, first = np.unique(a_co[rows] * keys.size + a_case[rows], return_index=True)
    pairs = rows[np.sort(first)]
    out = pd.DataFrame({"coordinator_id": coordinators["coordinator_id"].to_numpy(),
                        "unit": coordinators["unit"].to_numpy()})
    out.index = pd.Index(out["coordinator_id"])
    counted = pairs
    if params["count_only_cases_with_ip"]:
        counted = pairs[with_ip[a_case[pairs]]]
    # each coordinator's cases in natural order (ties: the order they appear), as slices of one sorted list
    case_rank = _natural_ranks(keys, a_case[counted])
    order = np.argsort(a_co[counted] * (int(case_rank.max(initial=0)) + 1) + case_rank, kind="stable")
    case_ids = assignments["case_id"].to_numpy(dtype=object)[counted[order]].tolist()
    coordinator = a_co[counted[order]]
    lo = np.searchsorted(coordinator, co_key, "left")
    hi = np.searchsorted(coordinator, co_key, "right")
    out["case_ids"] = [case_ids[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
    out["active_cases"] = (hi - lo).astype(np.int64)
    agreed = pd.Series(coordinators["agreed_max_cases"].to_numpy(), index=out.index, dtype="Int64")
    out["agreed_max_cases"] = agreed
    out["limit"] = agreed.fillna(int(params["max_cases_per_coordinator"])).astype(int)
    out["active_assignments"] = np.bincount(a_co[pairs], minlength=len(co_uniques) + 1)[co_key]
    trained = pd.Series(coordinators["trained_on"].to_numpy(), index=out.index)
    out["trained"] = (trained <= d).fillna(False).astype(bool)
    return out


def _natural_ranks(keys: _CaseKeys, case: np.ndarray) -> np.ndarray:
    """Per entry of ``case`` (keys): its id's rank in ``natural_key`` order (distinct ids, distinct ranks)."""
    distinct, where = np.unique(case, return_inverse=True)
    texts = keys.uniques[distinct - 1]
    rank = _usual_natural_ranks(texts)
    if rank is None:
        natural = [natural_key(v) for v in texts]
        rank = np.empty(len(natural), dtype=np.int64)
        r, previous = -1, None
        for i in sorted(range(len(natural)), key=natural.__getitem__):
            if natural[i] != previous:
                r, previous = r + 1, natural[i]
            rank[i] = r
    return rank[where.reshape(-1)]


def _usual_natural_ranks(texts: np.ndarray) -> np.ndarray | None:
    """``natural_key`` ranks (equal keys equal rank) computed column-wise, when every text has the
    usual shape: ASCII, some non-digits then 1 to 18 digits ('K-17', key (('K-', 17, ''), 'K-17')); else None.
    Ties in prefix and number ('K-9', 'K-09') go by the text, as in the key."""
    if not len(texts) or pd.api.types.infer_dtype(texts, skipna=False) != "string":
        return None
    fixed = texts.astype(str)  # fixed-width code points; trailing NULs would be lost, hence the length check
    length = np.char.str_len(fixed)
    if int(length.sum()) != sum(map(len, texts)):
        return None
    points = fixed.view(np.uint32).reshape(len(fixed), -1).astype(np.int64)
    inside = np.arange(points.shape[1]) < length[:, None]
    digit = (points >= 48) & (points <= 57)
    n_digits = digit.sum(axis=1)
    usual = ((n_digits >= 1) & (n_digits <= 18) & (np.argmax(digit, axis=1) + n_digits == length)
             & ((points > 0) & (points < 128) | ~inside).all(axis=1))
    if not usual.all():
        return None
    number = np.zeros(len(fixed), dtype=np.int64)
    for j in range(points.shape[1]):
        number = np.where(digit[:, j], number * 10 + (points[:, j] - 48), number)
    _, prefix = np.unique(np.char.rstrip(fixed, "0123456789"), return_inverse=True)
    prefix = prefix.reshape(-1)
    order = np.lexsort((fixed, number, prefix))
    step = np.ones(len(order), dtype=np.int64)
    step[0] = 0
    step[1:] = fixed[order][1:] != fixed[order][:-1]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.cumsum(step)
    return rank


def _group_facts(groups: pd.DataFrame, group_keys: np.ndarray, meetings: pd.DataFrame, status: np.ndarray,
                 meeting_keys: np.ndarray, d: pd.Timestamp, params: dict[str, Any]) -> pd.DataFrame:
    out = groups[["group_id", "case_id", "active", "established_on"]].copy()
    out.index = pd.Index(out["group_id"])
    days_active = _days(d, out["established_on"]).clip(upper=WINDOW_DAYS).where(out["active"])
    out["days_active"] = days_active
    per_year = Fraction(str(params["min_group_meetings_per_year"]))
    # floor(per_year * days / WINDOW_DAYS) in exact integers (per_year = p/q, days >= 0), column-wise
    required = pd.array([pd.NA] * len(out), dtype="Int64")
    known = days_active.notna().to_numpy()
    days = days_active.to_numpy(dtype=float, na_value=np.nan)[known].astype(np.int64)
    required[known] = (per_year.numerator * days) // (per_year.denominator * WINDOW_DAYS)
    out["required_meetings"] = pd.Series(required, index=out.index)
    window_start = d - pd.Timedelta(days=WINDOW_DAYS)
    out["window"] = f"({window_start.date().isoformat()}, {d.date().isoformat()}]"
    held = ((meetings["kind"] == "ansvarsgruppe").to_numpy(dtype=bool) & (status == "held")
            & (meetings["meeting_date"] <= d).to_numpy(dtype=bool))
    # each group with the held meetings of its case, on or after the group was established (per row:
    # validate keeps one row per group_id and per meeting_id)
    gi, mi = _join(group_keys, meeting_keys[held])
    dates = meetings["meeting_date"].to_numpy()
    date = dates[held][mi]
    since = date >= out["established_on"].to_numpy()[gi]
    gi, date, agreed_next = gi[since], date[since], meetings["next_meeting_on"].notna().to_numpy()[held][mi][since]
    n = len(out)
    out["held_meetings"] = np.bincount(gi[date > window_start.to_datetime64()], minlength=n)
    out["held_since_established"] = np.bincount(gi, minlength=n)
    latest = np.full(n, _NAT, dtype=np.int64)
    np.maximum.at(latest, gi, date.view(np.int64))
    out["latest_meeting_on"] = pd.Series(latest.view(dates.dtype), index=out.index).astype("datetime64[s]")
    agreed = np.zeros(n, dtype=bool)
    agreed[gi[(date.view(np.int64) == latest[gi]) & agreed_next]] = True
    out["next_meeting_agreed"] = agreed
    out["days_since_latest_meeting"] = _days(d, out["latest_meeting_on"])
    return out


def _invitation_missing_table() -> np.ndarray:
    """Per bit pattern of the invitation flags (bit i: item i present): the labels of the missing."""
    labels = list(INVITATION_ITEMS.values())
    return _objects([[label for i, label in enumerate(labels) if not bits >> i & 1]
                     for bits in range(1 << len(labels))])


_INVITATION_MISSING = _invitation_missing_table()


def _meeting_facts(m: pd.DataFrame, status: np.ndarray, case_keys: np.ndarray, consents: pd.DataFrame,
                   consent_keys: np.ndarray, d: pd.Timestamp) -> pd.DataFrame:
    out = pd.DataFrame({
        "meeting_id": m["meeting_id"].to_numpy(),
        "case_id": m["case_id"].to_numpy(),
        "kind": m["kind"].to_numpy(),
        "status": status,
        "meeting_date": m["meeting_date"].to_numpy(),
        "invitation_sent_on": m["invitation_sent_on"].to_numpy(),
        "minutes_sent_on": m["minutes_sent_on"].to_numpy(),
        "next_meeting_on": m["next_meeting_on"].to_numpy(),
    })
    out["days_from_as_of"] = _days(out["meeting_date"], d)
    out["invitation_sent"] = out["invitation_sent_on"].notna()
    out["lead_days"] = _days(out["meeting_date"], out["invitation_sent_on"])
    flags = {k: m[k].fillna(False).to_numpy(dtype=bool) for k in INVITATION_ITEMS}
    bits = np.zeros(len(out), dtype=np.int64)
    for i, k in enumerate(INVITATION_ITEMS):
        bits |= flags[k].astype(np.int64) << i
    out["invitation_missing"] = _copies(_INVITATION_MISSING, bits)
    out["invitation_complete"] = np.logical_and.reduce([flags[k] for k in INVITATION_ITEMS]) if len(out) else []
    out["minutes_sent"] = out["minutes_sent_on"].notna()
    # a consent of the meeting's case, for one of the scopes, valid on the meeting's date
    scoped = consents["scope"].isin(["samarbeidsmote", "informasjonsdeling", "alle"]).to_numpy(dtype=bool)
    mi, ci = _join(case_keys, consent_keys[scoped])
    at = m["meeting_date"].to_numpy()[mi]
    given = consents["given_on"].to_numpy()[scoped][ci]
    withdrawn = consents["withdrawn_on"].to_numpy()[scoped][ci]
    ok = (given <= at) & (np.isnat(withdrawn) | (withdrawn > at))
    covered = np.zeros(len(out), dtype=bool)
    covered[mi[ok]] = True
    out["samarbeid_consent_covered"] = covered
    return out


def _ke_facts(ke_meetings: pd.DataFrame, d: pd.Timestamp) -> pd.DataFrame:
    """Calendar months wholly inside W = (D-365, D], only when the KE's meetings are on file."""
    if ke_meetings.empty:
        return pd.DataFrame({"month": pd.Series([], dtype=object),
                             "ke_meetings_in_month": pd.Series([], dtype=int)})
    start = d - pd.Timedelta(days=WINDOW_DAYS)
    months = pd.period_range(start.to_period("M"), d.to_period("M"), freq="M")
    inside = [p for p in months if p.start_time > start and p.end_time.normalize() <= d]
    per_month = ke_meetings["meeting_date"].dt.to_period("M").value_counts()
    return pd.DataFrame({"month": [str(p) for p in inside],
                         "ke_meetings_in_month": [int(per_month.get(p, 0)) for p in inside]})
