"""The meeting subject: one row per meeting of an in-scope case, with its effective status.

Also the effective status itself (``effective_status``), which the group subject counts
held meetings by: an empty status is read from the date, and a meeting marked held on a
future date is taken as planned (both kinds of contradiction are reported as warnings).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ke_rules.derive.kit import copies, days, join, objects
from ke_rules.ingest.values import ProblemCode
from ke_rules.report.models import InputProblem, Severity

__all__ = ["INVITATION_ITEMS", "effective_status", "meeting_facts", "warn_minutes_before_meeting"]

INVITATION_ITEMS = {
    "invitation_has_subject": "hvem møtet gjelder",
    "invitation_has_participants": "deltakere",
    "invitation_has_time_place": "tid og sted",
    "invitation_has_agenda": "saksliste",
}
SAMARBEID_SCOPES = ["samarbeidsmote", "informasjonsdeling", "alle"]


def effective_status(m: pd.DataFrame, d: pd.Timestamp, problems: list[InputProblem]) -> pd.Series:
    """Per meeting: the status given, else held on or before ``d`` and planned after it; held in
    the future is planned. Appends a warning per held-in-the-future and planned-in-the-past row."""
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


def warn_minutes_before_meeting(m: pd.DataFrame, problems: list[InputProblem]) -> None:
    """A warning per kept meeting (whatever its case's scope, kind or status) whose minutes_sent_on is
    before its meeting_date; the date is kept as written (KE-MINUTES gives it no finding)."""
    for i in np.flatnonzero((m["minutes_sent_on"] < m["meeting_date"]).fillna(False).to_numpy(dtype=bool)):
        problems.append(InputProblem(table="meetings", row=int(m["_row"].iat[i]), column="minutes_sent_on",
                                     value=m["minutes_sent_on"].iat[i].date().isoformat(),
                                     code=ProblemCode.MINUTES_BEFORE_MEETING, severity=Severity.warning,
                                     detail=f"meeting_date {m['meeting_date'].iat[i].date().isoformat()}"))


def _invitation_missing_table() -> np.ndarray:
    """Per bit pattern of the invitation flags (bit i: item i present): the labels of the missing."""
    labels = list(INVITATION_ITEMS.values())
    return objects([[label for i, label in enumerate(labels) if not bits >> i & 1]
                    for bits in range(1 << len(labels))])


_INVITATION_MISSING = _invitation_missing_table()


def invitation_flags(m: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per invitation item: whether each meeting's invitation has it (empty = no)."""
    return {k: m[k].fillna(False).to_numpy(dtype=bool) for k in INVITATION_ITEMS}


def invitation_missing(flags: dict[str, np.ndarray], n: int) -> list[list[str]]:
    """Per meeting: the labels of the items its invitation lacks, in ``INVITATION_ITEMS`` order."""
    bits = np.zeros(n, dtype=np.int64)
    for i, k in enumerate(INVITATION_ITEMS):
        bits |= flags[k].astype(np.int64) << i
    return copies(_INVITATION_MISSING, bits)


def samarbeid_consent_covered(m: pd.DataFrame, case_keys: np.ndarray, consents: pd.DataFrame,
                              consent_keys: np.ndarray) -> np.ndarray:
    """Per meeting: a consent of its case, for one of ``SAMARBEID_SCOPES``, was valid on its date
    (given on or before it, and not withdrawn or withdrawn after it)."""
    scoped = consents["scope"].isin(SAMARBEID_SCOPES).to_numpy(dtype=bool)
    mi, ci = join(case_keys, consent_keys[scoped])
    at = m["meeting_date"].to_numpy()[mi]
    given = consents["given_on"].to_numpy()[scoped][ci]
    withdrawn = consents["withdrawn_on"].to_numpy()[scoped][ci]
    ok = (given <= at) & (np.isnat(withdrawn) | (withdrawn > at))
    covered = np.zeros(len(m), dtype=bool)
    covered[mi[ok]] = True
    return covered


def meeting_facts(m: pd.DataFrame, status: np.ndarray, case_keys: np.ndarray, consents: pd.DataFrame,
                  consent_keys: np.ndarray, d: pd.Timestamp) -> pd.DataFrame:
    """One row per meeting of ``m`` (its ``status`` effective, ``case_keys`` from ``CaseKeys``)."""
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
    out["days_from_as_of"] = days(out["meeting_date"], d)
    out["invitation_sent"] = out["invitation_sent_on"].notna()
    out["lead_days"] = days(out["meeting_date"], out["invitation_sent_on"])
    flags = invitation_flags(m)
    out["invitation_missing"] = invitation_missing(flags, len(out))
    out["invitation_complete"] = np.logical_and.reduce([flags[k] for k in INVITATION_ITEMS]) if len(out) else []
    out["minutes_sent"] = out["minutes_sent_on"].notna()
    out["days_to_minutes"] = days(out["minutes_sent_on"], out["meeting_date"])
    out["samarbeid_consent_covered"] = samarbeid_consent_covered(m, case_keys, consents, consent_keys)
    return out
