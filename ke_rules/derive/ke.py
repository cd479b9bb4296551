"""The KE subject: one row per calendar month wholly inside the window, with the KE's meetings in it."""

from __future__ import annotations

import pandas as pd

from ke_rules.derive.kit import WINDOW_DAYS

__all__ = ["ke_facts", "months_inside_window"]


def months_inside_window(d: pd.Timestamp) -> list[pd.Period]:
    """The calendar months wholly inside W = (D - 365, D], oldest first."""
    start = d - pd.Timedelta(days=WINDOW_DAYS)
    months = pd.period_range(start.to_period("M"), d.to_period("M"), freq="M")
    return [p for p in months if p.start_time > start and p.end_time.normalize() <= d]


def ke_facts(ke_meetings: pd.DataFrame, d: pd.Timestamp) -> pd.DataFrame:
    """Calendar months wholly inside W = (D-365, D], only when the KE's meetings are on file."""
    if ke_meetings.empty:
        return pd.DataFrame({"month": pd.Series([], dtype=object),
                             "ke_meetings_in_month": pd.Series([], dtype=int)})
    inside = months_inside_window(d)
    per_month = ke_meetings["meeting_date"].dt.to_period("M").value_counts()
    return pd.DataFrame({"month": [str(p) for p in inside],
                         "ke_meetings_in_month": [int(per_month.get(p, 0)) for p in inside]})
