"""Which service unit (enhet) answers for a finding's subject: one lookup for every output that needs it.

report-contract.md ("Rates by unit"): a coordinator's unit is ``coordinators.unit``; a
case's (and its groups' and meetings') is ``cases.unit``, else the unit of the
coordinator of the case's earliest-starting assignment active at D (ties to the earlier
row; that coordinator without a unit gives None, with no fall-through to another
assignment), else None; KE-level subjects (``ke``, ``routine``) have none. Units are
the trimmed text, compared case-sensitively; empty is None.

Kept in one small module so that the deviation export (``--format avvik``, column
``enhet``) and ``measures_by_unit`` can never disagree on a subject's unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ke_rules.derive.kit import active
from ke_rules.privacy.identity import mask_identity_numbers

if TYPE_CHECKING:
    from ke_rules.ingest.validate import Snapshot

__all__ = ["SubjectUnits", "subject_units", "clean_unit", "frame_units"]

_CASE_BOUND = frozenset({"case", "group", "meeting"})


def clean_unit(value: Any) -> str | None:
    """A unit cell as the trimmed text, None when empty or missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    # a personal identity number typed as a unit is masked, as in every other text
    return mask_identity_numbers(text) if text else None


@dataclass(frozen=True)
class SubjectUnits:
    """Units by coordinator id and by case id (already resolved through the assignments)."""

    coordinators: dict[str, str | None] = field(default_factory=dict)
    cases: dict[str, str | None] = field(default_factory=dict)

    def of(self, subject_type: str, subject_id: str, case_id: str | None = None) -> str | None:
        """The unit of one subject: a coordinator by its id; a case, group or meeting by its case."""
        subject_type = str(subject_type)
        if subject_type == "coordinator":
            return self.coordinators.get(subject_id)
        if subject_type in _CASE_BOUND:
            key = subject_id if subject_type == "case" else case_id
            return self.cases.get(key) if key is not None else None
        return None  # ke, routine: the KE as a whole


def _column(frame: pd.DataFrame | None, name: str) -> pd.Series | None:
    if frame is None or name not in frame.columns:
        return None
    return frame[name]


def _cleaned(values: pd.Series) -> list[str | None]:
    """:func:`clean_unit` of every cell, computed once per distinct value (units are few, cells many)."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    cleaned = np.array([clean_unit(u) for u in uniques] + [None], dtype=object)
    return cleaned[codes].tolist()  # code -1 (an empty cell) takes the last entry, None


def _units_by(table: pd.DataFrame | None, key: str) -> dict[str, str | None]:
    """id -> cleaned unit for a table with a ``unit`` column (the first row of an id counts)."""
    if table is None or not len(table):
        return {}
    kept = table.drop_duplicates(key, keep="first")
    units = _column(kept, "unit")
    values = _cleaned(units) if units is not None else [None] * len(kept)
    return dict(zip(kept[key].tolist(), values, strict=True))


def subject_units(snapshot: Snapshot, as_of: dt.date | str) -> SubjectUnits:
    """Every coordinator's and case's unit at ``as_of`` from the snapshot's kept rows."""
    day = pd.Timestamp(dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of)
    tables = snapshot.tables
    co_units = _units_by(tables.get("coordinators"), "coordinator_id")

    # the coordinator of each case's earliest-starting assignment active at D (ties: the earlier row)
    by_assignment: dict[str, str | None] = {}
    a = tables.get("assignments")
    if a is not None and len(a):
        live = a.loc[active(a["start_date"], a["end_date"], day).to_numpy(bool),
                     ["case_id", "coordinator_id", "start_date", "_row"]]
        first = live.sort_values(["start_date", "_row"], kind="stable").drop_duplicates("case_id", keep="first")
        by_assignment = {c: co_units.get(k) for c, k in zip(first["case_id"].tolist(),
                                                            first["coordinator_id"].tolist(), strict=True)}

    own = _units_by(tables.get("cases"), "case_id")
    cases = {c: u if u is not None else by_assignment.get(c) for c, u in own.items()}
    return SubjectUnits(coordinators=co_units, cases=cases)


def frame_units(units: SubjectUnits, subject: str, frame: pd.DataFrame) -> list[str | None]:
    """The unit of each row of a subject's fact frame (``_id``, ``_case``), in the frame's order."""
    if frame.empty:
        return []
    if subject == "coordinator":
        keys, lookup = frame["_id"], units.coordinators
    elif subject in _CASE_BOUND:
        keys, lookup = (frame["_id"] if subject == "case" else frame["_case"]), units.cases
    else:  # ke, routine: the KE as a whole
        return [None] * len(frame)
    # one dict lookup per row in C (Series.map); a key the dict lacks, or no key, has no unit
    found = keys.astype(object).map(lookup)
    return found.astype(object).where(found.notna(), None).tolist()
