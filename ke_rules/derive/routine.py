"""The routine subject: one row per KE task named in ``required_routines``, from the table ``ke_routines``.

KE-SYSTEM-ROUTINES asks whether the KE's own routines exist, are revised and sit in the
municipality's quality system. A task's routine is its latest row: the greatest
last_revised_on, an empty one (or one after D, taken as empty) sorting first and a tie
going to the later row. Without kept ke_routines rows there is nothing to examine and the
subject has no rows (population 0), since an absent table says nothing about the routines.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from ke_rules.derive.kit import days
from ke_rules.derive.params import DerivationParams
from ke_rules.ingest.values import ProblemCode
from ke_rules.ingest.vocabulary import KE_TASK_LABELS
from ke_rules.report.models import InputProblem, Severity

__all__ = ["DAYS_PER_MONTH", "ROUTINE_PROBLEMS", "review_limit_days", "routine_facts", "warn_revised_after_as_of"]

DAYS_PER_MONTH = Fraction("30.4375")  # 365.25 / 12: a month of the review period, in days
ROUTINE_PROBLEMS = ("mangler", "ikke_revidert", "utenfor_kvalitetssystemet")  # in the order the evidence lists them
_COLUMNS = ("task", "task_nb", "task_en", "has_routine", "title", "last_revised_on", "days_since_revised",
            "revised_in_time", "in_quality_system", "problems", "problem_count")


def review_limit_days(months: int) -> int:
    """The review period in whole days: floor(30.4375 × months), in exact arithmetic (24 months: 730)."""
    return int(DAYS_PER_MONTH * months // 1)


def warn_revised_after_as_of(routines: pd.DataFrame, d: pd.Timestamp, problems: list[InputProblem]) -> None:
    """A warning per kept ke_routines row revised after ``d`` (whatever the task); the date is taken as empty."""
    for i in np.flatnonzero((routines["last_revised_on"] > d).fillna(False).to_numpy(dtype=bool)):
        problems.append(InputProblem(table="ke_routines", row=int(routines["_row"].iat[i]), column="last_revised_on",
                                     value=routines["last_revised_on"].iat[i].date().isoformat(),
                                     code=ProblemCode.REVISED_AFTER_AS_OF, severity=Severity.warning))


def routine_facts(routines: pd.DataFrame, d: pd.Timestamp, params: DerivationParams) -> pd.DataFrame:
    """One row per task of ``params.required_routines`` (in that order), or none without kept routines."""
    if routines.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in _COLUMNS}).astype(
            {"has_routine": bool, "revised_in_time": bool, "in_quality_system": bool, "problem_count": int,
             "last_revised_on": "datetime64[s]", "days_since_revised": "Int64"})
    revised = routines["last_revised_on"].where(routines["last_revised_on"] <= d).astype("datetime64[s]")
    # the latest row per task: by date (empty first), then row; the last one of each task
    at = revised.to_numpy().view(np.int64)  # NaT is int64's least value: empty sorts first
    pick = {}
    for pos in np.lexsort((np.arange(len(routines)), at)).tolist():
        pick[routines["task"].iat[pos]] = pos  # the last one written wins
    tasks = list(params.required_routines)
    rows = [pick.get(task, -1) for task in tasks]
    has = np.array([r >= 0 for r in rows], dtype=bool)
    take = np.array([max(r, 0) for r in rows], dtype=np.int64)
    out = pd.DataFrame({"task": tasks})
    # the task's heading in the guideline, for messages a KE reads (the key stays the subject id)
    out["task_nb"] = [KE_TASK_LABELS[t][0] if t in KE_TASK_LABELS else t for t in tasks]
    out["task_en"] = [KE_TASK_LABELS[t][1] if t in KE_TASK_LABELS else t for t in tasks]
    out["has_routine"] = has
    out["title"] = [routines["title"].iat[r] if ok else None for r, ok in zip(take.tolist(), has.tolist(), strict=True)]
    last = pd.Series(revised.to_numpy()[take], dtype="datetime64[s]").where(has)
    out["last_revised_on"] = last
    out["days_since_revised"] = days(d, last)
    limit = review_limit_days(params.routine_review_months)
    out["revised_in_time"] = (out["days_since_revised"] <= limit).fillna(False).astype(bool) & has
    quality = routines["in_quality_system"].fillna(False).to_numpy(dtype=bool)[take] & has
    out["in_quality_system"] = quality
    out["problems"] = [["mangler"] if not ok else
                       [p for p, bad in zip(ROUTINE_PROBLEMS[1:], (not fresh, not q), strict=True) if bad]
                       for ok, fresh, q in zip(has.tolist(), out["revised_in_time"].tolist(), quality.tolist(),
                                               strict=True)]
    out["problem_count"] = [len(p) for p in out["problems"]]
    return out
