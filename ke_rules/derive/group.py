"""The responsibility-group subject: one row per group of an in-scope case.

Its meetings are the held ``ansvarsgruppe`` meetings of its case on or after the day it was
established; the window is W = (D - 365, D] and the meetings required in it are
``min_group_meetings_per_year`` pro rata to the days the group has been active in it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from ke_rules.derive.kit import NAT, WINDOW_DAYS, days, join
from ke_rules.derive.params import DerivationParams
from ke_rules.ingest.values import ProblemCode
from ke_rules.report.models import InputProblem, Severity

__all__ = ["group_facts", "required_meetings", "warn_two_active_groups"]


def warn_two_active_groups(groups: pd.DataFrame, case_keys: np.ndarray, problems: list[InputProblem]) -> None:
    """A warning for every active group of a case after its first active one (``groups`` has ``active``)."""
    active = np.flatnonzero(groups["active"].to_numpy(dtype=bool))
    repeated = pd.Series(case_keys[active]).duplicated(keep="first").to_numpy()
    for _, row in groups.iloc[active[repeated]].iterrows():
        problems.append(InputProblem(table="groups", row=int(row["_row"]), column="case_id",
                                     value=str(row["case_id"]), code=ProblemCode.TWO_ACTIVE_GROUPS,
                                     severity=Severity.warning))


def required_meetings(days_active: pd.Series, per_year: int | float) -> pd.Series:
    """floor(per_year * days_active / 365) in exact integers (per_year read as its decimal text,
    days_active >= 0); empty where days_active is."""
    ratio = Fraction(str(per_year))
    required = pd.array([pd.NA] * len(days_active), dtype="Int64")
    known = days_active.notna().to_numpy()
    whole = days_active.to_numpy(dtype=float, na_value=np.nan)[known].astype(np.int64)
    required[known] = (ratio.numerator * whole) // (ratio.denominator * WINDOW_DAYS)
    return pd.Series(required, index=days_active.index)


def group_facts(groups: pd.DataFrame, group_keys: np.ndarray, meetings: pd.DataFrame, status: np.ndarray,
                meeting_keys: np.ndarray, d: pd.Timestamp, params: DerivationParams) -> pd.DataFrame:
    """One row per group of ``groups`` (with ``active``); ``meetings`` with their effective ``status``."""
    out = groups[["group_id", "case_id", "active", "established_on"]].copy()
    out.index = pd.Index(out["group_id"])
    days_active = days(d, out["established_on"]).clip(upper=WINDOW_DAYS).where(out["active"])
    out["days_active"] = days_active
    out["required_meetings"] = required_meetings(days_active, params.min_group_meetings_per_year)
    window_start = d - pd.Timedelta(days=WINDOW_DAYS)
    out["window"] = f"({window_start.date().isoformat()}, {d.date().isoformat()}]"
    held = ((meetings["kind"] == "ansvarsgruppe").to_numpy(dtype=bool) & (status == "held")
            & (meetings["meeting_date"] <= d).to_numpy(dtype=bool))
    # each group with the held meetings of its case, on or after the group was established (per row:
    # validate keeps one row per group_id and per meeting_id)
    gi, mi = join(group_keys, meeting_keys[held])
    dates = meetings["meeting_date"].to_numpy()
    date = dates[held][mi]
    since = date >= out["established_on"].to_numpy()[gi]
    gi, date, agreed_next = gi[since], date[since], meetings["next_meeting_on"].notna().to_numpy()[held][mi][since]
    n = len(out)
    out["held_meetings"] = np.bincount(gi[date > window_start.to_datetime64()], minlength=n)
    out["held_since_established"] = np.bincount(gi, minlength=n)
    latest = np.full(n, NAT, dtype=np.int64)
    np.maximum.at(latest, gi, date.view(np.int64))
    out["latest_meeting_on"] = pd.Series(latest.view(dates.dtype), index=out.index).astype("datetime64[s]")
    agreed = np.zeros(n, dtype=bool)
    agreed[gi[(date.view(np.int64) == latest[gi]) & agreed_next]] = True
    out["next_meeting_agreed"] = agreed
    out["days_since_latest_meeting"] = days(d, out["latest_meeting_on"])

    # KE-MEET-OVERDUE: M, the latest of those meetings that agreed a next one; N, the greatest next date
    # agreed on day M; and whether a held meeting came after M (it clears the group, even before N)
    nxt = meetings["next_meeting_on"].to_numpy().astype("datetime64[s]")[held][mi][since].view(np.int64)
    at = date.astype("datetime64[s]").view(np.int64)
    last = np.full(n, NAT, dtype=np.int64)
    np.maximum.at(last, gi[agreed_next], at[agreed_next])
    on_last = agreed_next & (at == last[gi])
    agreed = np.full(n, NAT, dtype=np.int64)
    np.maximum.at(agreed, gi[on_last], nxt[on_last])
    out["last_meeting"] = pd.Series(last.view("datetime64[s]"), index=out.index)
    out["agreed_next"] = pd.Series(agreed.view("datetime64[s]"), index=out.index)
    out["days_overdue"] = days(d, out["agreed_next"])
    after = np.zeros(n, dtype=bool)
    after[gi[(last[gi] != NAT) & (at > last[gi])]] = True
    out["held_after_last_meeting"] = after
    return out
