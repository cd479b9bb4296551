"""Each subject's service unit, for the rates by unit (report-contract.md, "Rates by unit").

A coordinator's unit is ``coordinators.unit``. A case's (and its groups' and meetings')
is ``cases.unit``, else the unit of the coordinator of the case's earliest-starting
assignment active at D (ties: the earlier row; a coordinator without a unit gives no
unit, with no fall-through to another assignment), else none. KE-level subjects (the
KE's months, its routines) have no unit. Units are the trimmed text (the input's text
columns are trimmed), compared case-sensitively; an empty unit is None. A personal identity
number typed as a unit is masked, as everywhere.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ke_rules.ingest.validate import Snapshot
from ke_rules.privacy.identity import mask_identity_numbers

__all__ = ["case_units", "coordinator_units", "subject_units"]


def coordinator_units(snapshot: Snapshot) -> dict[str, str | None]:
    """coordinator_id -> unit (None when empty)."""
    coordinators = snapshot.tables.get("coordinators")
    if coordinators is None or coordinators.empty:
        return {}
    return {str(c): _unit(u) for c, u in zip(coordinators["coordinator_id"].tolist(),
                                            coordinators["unit"].tolist(), strict=True)}


def case_units(snapshot: Snapshot, as_of: dt.date) -> dict[str, str | None]:
    """case_id -> unit: ``cases.unit``, else the unit of the coordinator of the earliest-starting active assignment."""
    cases = snapshot.tables["cases"]
    own = {str(c): _unit(u) for c, u in zip(cases["case_id"].tolist(),
                                           cases["unit"].tolist() if "unit" in cases.columns else [None] * len(cases),
                                           strict=True)}
    assignments = snapshot.tables.get("assignments")
    if assignments is None or assignments.empty or all(u is not None for u in own.values()):
        return own
    d = pd.Timestamp(as_of)
    active = assignments[(assignments["start_date"] <= d)
                         & (assignments["end_date"].isna() | (assignments["end_date"] >= d))]
    first = active.sort_values(["start_date", "_row"], kind="stable").drop_duplicates("case_id", keep="first")
    by_coordinator = coordinator_units(snapshot)
    fallback = {str(c): by_coordinator.get(str(k)) for c, k in zip(first["case_id"].tolist(),
                                                                     first["coordinator_id"].tolist(), strict=True)}
    return {c: u if u is not None else fallback.get(c) for c, u in own.items()}


def subject_units(snapshot: Snapshot, as_of: dt.date, subject: str, frame: pd.DataFrame) -> list[str | None]:
    """The unit of each row of a subject's fact frame (``_id``, ``_case``), in the frame's order."""
    if frame.empty:
        return []
    if subject == "coordinator":
        units = coordinator_units(snapshot)
        return [units.get(str(i)) for i in frame["_id"].tolist()]
    if subject in ("ke", "routine") or "_case" not in frame.columns:
        return [None] * len(frame)
    units = case_units(snapshot, as_of)
    return [None if c is None or c != c else units.get(str(c)) for c in frame["_case"].tolist()]


def _unit(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return mask_identity_numbers(text) if text else None
