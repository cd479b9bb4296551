"""Step 2 of 4: derive one fact per subject (case, coordinator, group, meeting, KE month, KE routine).

All the date arithmetic of rules.md happens in this wing, column-wise with pandas, so the
rule engine only compares ready values (``active_cases > limit``). Every column produced
is listed in the field catalogue (``fields.py``). Rows that belong to cases outside the
scope at D are not evaluated.

This module puts the subjects together; each subject's fields are derived in the module
named for it (``case.py``, ``coordinator.py``, ``group.py``, ``meeting.py``, ``ke.py``, ``routine.py``),
with the typed parameters of ``params.py`` and the column-wise helpers of ``kit.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ke_rules.derive.case import case_facts
from ke_rules.derive.coordinator import coordinator_facts
from ke_rules.derive.fields import FIELDS, SUBJECT_ID
from ke_rules.derive.group import group_facts, warn_two_active_groups
from ke_rules.derive.ke import ke_facts
from ke_rules.derive.kit import CaseKeys, active, natural_key
from ke_rules.derive.meeting import effective_status, meeting_facts, warn_minutes_before_meeting
from ke_rules.derive.params import DerivationParams, with_defaults
from ke_rules.derive.routine import routine_facts, warn_revised_after_as_of
from ke_rules.ingest.validate import Snapshot
from ke_rules.ingest.values import ProblemCode
from ke_rules.report.models import InputProblem, Severity

__all__ = ["Facts", "derive_facts", "natural_key"]


@dataclass
class Facts:
    """Derived subject frames (columns = field catalogue + ``_id``, ``_case``) and warnings."""

    as_of: date
    frames: dict[str, pd.DataFrame]
    problems: list[InputProblem]


def derive_facts(snapshot: Snapshot, as_of: date, params: dict[str, Any]) -> Facts:
    """Compute every subject's fields at ``as_of`` with the ruleset's ``params``.

    A parameter the ruleset does not set is one no enabled rule depends on (``ruleset``
    refuses the others), so its national default serves the fields nobody reads.
    """
    p = DerivationParams.model_validate(with_defaults(params))
    d = pd.Timestamp(as_of)
    t = snapshot.tables
    problems: list[InputProblem] = []

    cases = t["cases"]
    in_scope = ((cases["opened_on"].isna() | (cases["opened_on"] <= d)) & (
        cases["closed_on"].isna() | (cases["closed_on"] >= d))).to_numpy()
    c = cases[in_scope].set_index("case_id", drop=False)
    keys = CaseKeys(t, in_scope)

    warn_evaluated_after_as_of(cases, d, problems)
    meetings_all = t["meetings"]
    status = effective_status(meetings_all, d, problems).to_numpy()
    warn_minutes_before_meeting(meetings_all, problems)
    warn_revised_after_as_of(t["ke_routines"], d, problems)
    m_in = keys.in_scope("meetings")
    meetings, m_status, m_keys = meetings_all[m_in], status[m_in], keys.of["meetings"][m_in]

    groups_all = t["groups"]
    groups_all = groups_all.assign(active=active(groups_all["established_on"], groups_all["dissolved_on"], d))
    warn_two_active_groups(groups_all, keys.of["groups"], problems)
    g_in = keys.in_scope("groups")
    groups = groups_all[g_in]

    frames = {
        "case": case_facts(c, keys, t, groups_all["active"].to_numpy(dtype=bool), status, d, p),
        "group": group_facts(groups, keys.of["groups"][g_in], meetings, m_status, m_keys, d, p),
        "meeting": meeting_facts(meetings, m_status, m_keys, t["consents"], keys.of["consents"], d),
    }
    with_ip = keys.any_of(keys.cases, frames["case"]["ip_active"].to_numpy(dtype=bool))
    frames["coordinator"] = coordinator_facts(t["coordinators"], t["assignments"], keys, with_ip, d, p)
    frames["ke"] = ke_facts(t["ke_meetings"], d)
    frames["routine"] = routine_facts(t["ke_routines"], d, p)
    for subject, frame in frames.items():
        missing = set(FIELDS[subject]) - set(frame.columns)
        assert not missing, f"facts for {subject} lack catalogue fields {missing}"
        frame["_id"] = frame[SUBJECT_ID[subject]].astype(str)
        frame["_case"] = frame["case_id"] if "case_id" in frame.columns and subject != "coordinator" else None
        frames[subject] = frame.reset_index(drop=True)
    return Facts(as_of=as_of, frames=frames, problems=problems)


def warn_evaluated_after_as_of(cases: pd.DataFrame, d: pd.Timestamp, problems: list[InputProblem]) -> None:
    """A warning per kept case (in scope or not) whose ip_last_evaluated_on is after ``d``; KE-IP-EVAL ignores it."""
    for i in np.flatnonzero((cases["ip_last_evaluated_on"] > d).fillna(False).to_numpy(dtype=bool)):
        problems.append(InputProblem(table="cases", row=int(cases["_row"].iat[i]), column="ip_last_evaluated_on",
                                     value=cases["ip_last_evaluated_on"].iat[i].date().isoformat(),
                                     code=ProblemCode.EVALUATED_AFTER_AS_OF, severity=Severity.warning))
