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

from .fields import FIELDS, SUBJECT_ID
from .models import InputProblem, Severity
from .validate import Snapshot
from .values import ProblemCode

__all__ = ["Facts", "derive_facts", "natural_key"]

WINDOW_DAYS = 365
INVITATION_ITEMS = {
    "invitation_has_subject": "hvem møtet gjelder",
    "invitation_has_participants": "deltakere",
    "invitation_has_time_place": "tid og sted",
    "invitation_has_agenda": "saksliste",
}


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that puts K-9 before K-10."""
    text = str(text)
    simple = _PREFIX_NUMBER.fullmatch(text)  # the usual id shape, 'K-17': the same key, faster
    if simple:
        return (simple[1], int(simple[2]), "")
    return tuple(int(p) if p.isdigit() else p for p in _DIGIT_RUNS.split(text))


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
    """Compute every subject's fields at ``as_of`` with the ruleset's ``params``."""
    d = pd.Timestamp(as_of)
    t = snapshot.tables
    problems: list[InputProblem] = []

    cases = t["cases"]
    in_scope = (cases["opened_on"].isna() | (cases["opened_on"] <= d)) & (
        cases["closed_on"].isna() | (cases["closed_on"] >= d))
    c = cases[in_scope.to_numpy()].set_index("case_id", drop=False)
    scope_ids = c.index

    def of_scope(name: str) -> pd.DataFrame:
        df = t[name]
        return df[df["case_id"].isin(scope_ids).to_numpy()]

    meetings_all = t["meetings"]
    status = _effective_status(meetings_all, d, problems)
    meetings_all = meetings_all.assign(eff_status=status)
    meetings = meetings_all[meetings_all["case_id"].isin(scope_ids).to_numpy()]

    groups_all = t["groups"]
    groups_all = groups_all.assign(active=_active(groups_all["established_on"], groups_all["dissolved_on"], d))
    _warn_two_groups(groups_all, problems)
    groups = groups_all[groups_all["case_id"].isin(scope_ids).to_numpy()]

    frames = {
        "case": _case_facts(c, groups, of_scope("consents"), of_scope("assignments"),
                            of_scope("relatives"), of_scope("services"), of_scope("referrals"), d, params),
        "group": _group_facts(groups, meetings, d, params),
        "meeting": _meeting_facts(meetings, of_scope("consents"), d),
    }
    frames["coordinator"] = _coordinator_facts(t["coordinators"], of_scope("assignments"), frames["case"], d, params)
    frames["ke"] = _ke_facts(t["ke_meetings"], d)
    for subject, frame in frames.items():
        missing = set(FIELDS[subject]) - set(frame.columns)
        assert not missing, f"facts for {subject} lack catalogue fields {missing}"
        frame["_id"] = frame[SUBJECT_ID[subject]].astype(str)
        frame["_case"] = frame["case_id"] if "case_id" in frame.columns and subject != "coordinator" else None
        frames[subject] = frame.reset_index(drop=True)
    return Facts(as_of=as_of, frames=frames, problems=problems)


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


def _warn_two_groups(groups: pd.DataFrame, problems: list[InputProblem]) -> None:
    active = groups[groups["active"].to_numpy()]
    extra = active[active["case_id"].duplicated(keep="first").to_numpy()]
    for _, row in extra.iterrows():
        problems.append(InputProblem(table="groups", row=int(row["_row"]), column="case_id",
                                     value=str(row["case_id"]), code=ProblemCode.TWO_ACTIVE_GROUPS,
                                     severity=Severity.warning))


def _covered(consents: pd.DataFrame, scopes: tuple[str, ...], at: pd.Series | pd.Timestamp) -> pd.Series:
    """Per consent row: valid on ``at`` (given <= t and withdrawn empty or > t) for one of ``scopes``."""
    return (consents["scope"].isin(scopes) & (consents["given_on"] <= at)
            & (consents["withdrawn_on"].isna() | (consents["withdrawn_on"] > at))).fillna(False)


def _case_facts(c: pd.DataFrame, groups: pd.DataFrame, consents: pd.DataFrame, assignments: pd.DataFrame,
                relatives: pd.DataFrame, services: pd.DataFrame, referrals: pd.DataFrame,
                d: pd.Timestamp, params: dict[str, Any]) -> pd.DataFrame:
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

    active_groups = groups[groups["active"].to_numpy()].groupby("case_id").size()
    out["active_groups"] = active_groups.reindex(idx, fill_value=0).astype(int)

    cov_ip = consents.loc[_covered(consents, ("ip", "alle"), d).to_numpy(), "case_id"].unique()
    cov_gr = consents.loc[_covered(consents, ("ansvarsgruppe", "alle"), d).to_numpy(), "case_id"].unique()
    need_ip = ip_active.to_numpy()
    need_gr = (out["active_groups"] > 0).to_numpy()
    unc_ip = need_ip & ~idx.isin(cov_ip)
    unc_gr = need_gr & ~idx.isin(cov_gr)
    out["consent_needs"] = need_ip.astype(int) + need_gr.astype(int)
    out["needed_scopes"] = _scope_lists(need_ip, need_gr)
    out["uncovered_scopes"] = _scope_lists(unc_ip, unc_gr)
    out["uncovered_count"] = unc_ip.astype(int) + unc_gr.astype(int)

    a_active = assignments[_active(assignments["start_date"], assignments["end_date"], d).to_numpy()]
    out["active_assignments"] = a_active.groupby("case_id").size().reindex(idx, fill_value=0).astype(int)
    child_roles = (a_active["role"] == "barnekoordinator").to_numpy()
    out["has_child_coordinator"] = idx.isin(a_active.loc[child_roles, "case_id"])
    grace = pd.Timedelta(days=int(params["mapping_grace_days"]))
    qual = a_active[(a_active["start_date"] <= d - grace).to_numpy()]
    earliest = qual.groupby("case_id")["start_date"].min()
    out["qualifying_assignment"] = idx.isin(earliest.index)
    out["earliest_qualifying_assignment_start"] = earliest.reindex(idx)
    out["relatives_mapped"] = (c["relatives_mapped_on"] <= d).fillna(False).astype(bool)
    out["relatives_mapped_on"] = c["relatives_mapped_on"]
    rel_age = _age(relatives["birth_date"], d)
    minor_rel = relatives[(relatives["relation"].isin(["barn", "sosken"]) & (rel_age < 18).fillna(False)).to_numpy()]
    out["minor_children_siblings"] = minor_rel.groupby("case_id").size().reindex(idx, fill_value=0).astype(int)

    cats = [x for x in params["coordination_categories"] if x not in ("fastlege", "helsesykepleier")]
    s = services[(_active(services["start_date"], services["end_date"], d)
                  & services["category"].isin(cats)).to_numpy()]
    s = s.assign(_key=s["service"].str.strip().str.casefold(),
                 _long=(s["start_date"] <= d - pd.Timedelta(days=int(params["long_term_days"]))).to_numpy())
    per_name = s.groupby(["case_id", "_key"], sort=True).agg(name=("service", "first"), long=("_long", "any"))
    names = _lists_by(per_name.index.get_level_values("case_id"), [str(v).strip() for v in per_name["name"]])
    out["qualifying_services"] = [names.get(k) or [] for k in idx.tolist()]
    out["qualifying_service_count"] = per_name.groupby(level="case_id").size().reindex(idx, fill_value=0).astype(int)
    out["long_running_count"] = per_name["long"].groupby(level="case_id").sum().reindex(idx, fill_value=0).astype(int)
    out["needs_coordination"] = (out["long_running_count"] >= 2) | (
        out["long_term_need"] & (out["qualifying_service_count"] >= 2))
    received = referrals[(referrals["received_on"] <= d).to_numpy()]
    out["has_referral"] = idx.isin(received["case_id"])
    first = referrals.groupby("case_id")["received_on"].min().reindex(idx)
    out["first_referral_on"] = first
    out["days_since_first_referral"] = _days(d, first)
    return out


def _lists_by(keys: Any, values: list[Any]) -> dict[Any, list[Any]]:
    """Values gathered per key, in the order given (a plain loop: pandas' per-group lambdas cost far more)."""
    out: dict[Any, list[Any]] = {}
    for k, v in zip(list(keys), values, strict=True):
        if k in out:
            out[k].append(v)
        else:
            out[k] = [v]
    return out


def _scope_lists(ip: np.ndarray, group: np.ndarray) -> list[list[str]]:
    table = {(False, False): [], (True, False): ["ip"], (False, True): ["ansvarsgruppe"],
             (True, True): ["ip", "ansvarsgruppe"]}
    return [list(table[(bool(a), bool(b))]) for a, b in zip(ip, group, strict=True)]


def _coordinator_facts(coordinators: pd.DataFrame, assignments: pd.DataFrame, case_facts: pd.DataFrame,
                       d: pd.Timestamp, params: dict[str, Any]) -> pd.DataFrame:
    a = assignments[_active(assignments["start_date"], assignments["end_date"], d).to_numpy()]
    pairs = a[["coordinator_id", "case_id"]].drop_duplicates()
    out = pd.DataFrame({"coordinator_id": coordinators["coordinator_id"].to_numpy(),
                        "unit": coordinators["unit"].to_numpy()})
    out.index = pd.Index(out["coordinator_id"])
    counted = pairs
    if params["count_only_cases_with_ip"]:
        with_ip = case_facts.index[case_facts["ip_active"].to_numpy()]
        counted = pairs[pairs["case_id"].isin(with_ip).to_numpy()]
    ids = _lists_by(counted["coordinator_id"], counted["case_id"].tolist())
    out["case_ids"] = [sorted(ids[k], key=natural_key) if k in ids else [] for k in out.index.tolist()]
    out["active_cases"] = out["case_ids"].map(len).astype(int)
    agreed = pd.Series(coordinators["agreed_max_cases"].to_numpy(), index=out.index, dtype="Int64")
    out["agreed_max_cases"] = agreed
    out["limit"] = agreed.fillna(int(params["max_cases_per_coordinator"])).astype(int)
    out["active_assignments"] = pairs.groupby("coordinator_id").size().reindex(out.index, fill_value=0).astype(int)
    trained = pd.Series(coordinators["trained_on"].to_numpy(), index=out.index)
    out["trained"] = (trained <= d).fillna(False).astype(bool)
    return out


def _group_facts(groups: pd.DataFrame, meetings: pd.DataFrame, d: pd.Timestamp,
                 params: dict[str, Any]) -> pd.DataFrame:
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
    held = meetings[((meetings["kind"] == "ansvarsgruppe") & (meetings["eff_status"] == "held")
                     & (meetings["meeting_date"] <= d)).to_numpy()]
    joined = out[["group_id", "case_id", "established_on"]].reset_index(drop=True).merge(
        held[["case_id", "meeting_date", "next_meeting_on"]], on="case_id", how="inner")
    since = joined[(joined["meeting_date"] >= joined["established_on"]).to_numpy()]
    in_window = since[(since["meeting_date"] > window_start).to_numpy()]
    out["held_meetings"] = in_window.groupby("group_id").size().reindex(out.index, fill_value=0).astype(int)
    out["held_since_established"] = since.groupby("group_id").size().reindex(out.index, fill_value=0).astype(int)
    latest = since.groupby("group_id")["meeting_date"].max()
    out["latest_meeting_on"] = latest.reindex(out.index).astype("datetime64[s]")
    latest_per_row = since.groupby("group_id")["meeting_date"].transform("max")
    on_latest = since[(since["meeting_date"] == latest_per_row).to_numpy()]
    agreed_ids = on_latest.loc[on_latest["next_meeting_on"].notna().to_numpy(), "group_id"].unique()
    out["next_meeting_agreed"] = out.index.isin(agreed_ids)
    out["days_since_latest_meeting"] = _days(d, out["latest_meeting_on"])
    return out


def _meeting_facts(m: pd.DataFrame, consents: pd.DataFrame, d: pd.Timestamp) -> pd.DataFrame:
    out = pd.DataFrame({
        "meeting_id": m["meeting_id"].to_numpy(),
        "case_id": m["case_id"].to_numpy(),
        "kind": m["kind"].to_numpy(),
        "status": m["eff_status"].to_numpy(),
        "meeting_date": m["meeting_date"].to_numpy(),
        "invitation_sent_on": m["invitation_sent_on"].to_numpy(),
        "minutes_sent_on": m["minutes_sent_on"].to_numpy(),
        "next_meeting_on": m["next_meeting_on"].to_numpy(),
    })
    out["days_from_as_of"] = _days(out["meeting_date"], d)
    out["invitation_sent"] = out["invitation_sent_on"].notna()
    out["lead_days"] = _days(out["meeting_date"], out["invitation_sent_on"])
    flags = {k: m[k].fillna(False).to_numpy(dtype=bool) for k in INVITATION_ITEMS}
    missing: list[list[str]] = [[] for _ in range(len(out))]
    for k, label in INVITATION_ITEMS.items():
        for i in np.flatnonzero(~flags[k]):
            missing[i].append(label)
    out["invitation_missing"] = missing
    out["invitation_complete"] = np.logical_and.reduce([flags[k] for k in INVITATION_ITEMS]) if len(out) else []
    out["minutes_sent"] = out["minutes_sent_on"].notna()
    scoped = consents[consents["scope"].isin(["samarbeidsmote", "informasjonsdeling", "alle"]).to_numpy()]
    pairs = out[["meeting_id", "case_id", "meeting_date"]].merge(
        scoped[["case_id", "given_on", "withdrawn_on", "scope"]], on="case_id", how="inner")
    ok = pairs[_covered(pairs, ("samarbeidsmote", "informasjonsdeling", "alle"), pairs["meeting_date"]).to_numpy()]
    out["samarbeid_consent_covered"] = out["meeting_id"].isin(ok["meeting_id"]).to_numpy()
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
