"""Step 1b: check raw tables against the input contract (lazy: every problem is collected).

Each row ends up either kept (typed, ready for fact derivation) or set aside with at
least one ``error`` problem naming table, row, column and value. Nothing is dropped
silently: ``rows == kept + set_aside`` holds for every table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ke_rules.ingest.read import RawSnapshot, RawTable
from ke_rules.ingest.schema import TABLES
from ke_rules.ingest.values import ProblemCode, cell_text, parse_column
from ke_rules.ingest.vocabulary import SERVICE_CATEGORIES, normalise_name
from ke_rules.report.models import InputProblem, Severity, TableCount

__all__ = ["Snapshot", "validate"]


@dataclass
class Snapshot:
    """A checked snapshot: typed frames of kept rows (with a ``_row`` column) and the problems."""

    source: str
    sha256: str
    tables: dict[str, pd.DataFrame]
    counts: dict[str, TableCount]
    problems: list[InputProblem] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]


# cases and coordinators first: the other tables' references are checked against their kept rows
_ORDER = ["cases", "coordinators", "services", "assignments", "groups", "meetings",
          "consents", "relatives", "referrals", "ke_meetings", "ip_reviews", "ke_routines"]


def validate(raw: RawSnapshot) -> Snapshot:
    """Parse and check every table of ``raw``; return the kept rows and all problems."""
    problems = list(raw.problems)
    tables: dict[str, pd.DataFrame] = {}
    counts: dict[str, TableCount] = {}
    all_case_ids: set[str] = set()
    all_coordinator_ids: set[str] = set()
    for name in _ORDER:
        rt = raw.tables.get(name) or _empty_raw(name)
        frame, set_aside, ids_seen = _check_table(
            rt, problems, tables, all_case_ids, all_coordinator_ids,
        )
        if name == "cases":
            all_case_ids = ids_seen
        elif name == "coordinators":
            all_coordinator_ids = ids_seen
        tables[name] = frame
        counts[name] = TableCount(rows=len(rt.frame), set_aside=int(set_aside))
    problems.extend(raw.identity_number_problems())
    return Snapshot(source=raw.source, sha256=raw.sha256, tables=tables, counts=counts, problems=problems)


def _empty_raw(name: str) -> RawTable:
    spec = TABLES[name]
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in spec.column_names})
    return RawTable(name=name, frame=frame, rows=np.zeros(0, dtype=np.int64), source="")


def _problem(table: str, row: int, column: str | None, value: object, code: ProblemCode,
             severity: Severity, detail: str | None = None) -> InputProblem:
    return InputProblem(table=table, row=int(row), column=column,
                        value=cell_text(value) if value is not None else None,
                        code=code, severity=severity, detail=detail)


def _check_table(
    rt: RawTable, problems: list[InputProblem], kept_tables: dict[str, pd.DataFrame],
    all_case_ids: set[str], all_coordinator_ids: set[str],
) -> tuple[pd.DataFrame, int, set[str]]:
    spec = TABLES[rt.name]
    raw = rt.frame
    n = len(raw)
    rows = rt.rows
    aside = np.zeros(n, dtype=bool)
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        parsed = parse_column(raw[col.name], col.kind, col.enum)
        failed = parsed.failure.notna().to_numpy()
        values = parsed.values
        cells = raw[col.name]
        for i in parsed.invisible.tolist():  # taken out, the rest of the value is used: a warning
            problems.append(_problem(rt.name, rows[i], col.name, cells.iat[i], ProblemCode.INVISIBLE_CHARACTER,
                                     Severity.warning))
        severity = Severity.error if col.required else Severity.warning
        for i in np.flatnonzero(failed):
            code = parsed.failure.iat[i]
            detail = _allowed(col.enum) if code == ProblemCode.NOT_IN_LIST else None
            problems.append(_problem(rt.name, rows[i], col.name, cells.iat[i], code, severity, detail))
        if col.required:
            for i in np.flatnonzero(parsed.empty & ~failed):
                problems.append(_problem(rt.name, rows[i], col.name, None, ProblemCode.REQUIRED_EMPTY, Severity.error))
            aside |= parsed.empty | failed
        else:
            if failed.any():
                values = values.copy()
                values[failed] = None if values.dtype == object else pd.NA
        if col.default is not None:
            values = values.where(values.notna(), col.default)
        out[col.name] = values
    frame = pd.DataFrame(out)
    frame["_row"] = rows

    # an end before its start on the same row
    for start, end in spec.date_pairs:
        bad = (frame[end] < frame[start]).fillna(False).to_numpy(dtype=bool) & ~aside
        for i in np.flatnonzero(bad):
            problems.append(_problem(rt.name, rows[i], end, raw[end].iat[i], ProblemCode.END_BEFORE_START,
                                     Severity.error, f"{start} = {cell_text(raw[start].iat[i])}"))
        aside |= bad

    # a unique id repeating an earlier kept row's: the first is kept
    ids_seen: set[str] = set()
    if spec.unique:
        key = frame[spec.unique]
        # judged over every row with a readable id, as the contract says: the first row is
        # kept, later ones are set aside even when the first was set aside for another reason
        dup = (key.notna() & key.duplicated(keep="first")).to_numpy()
        for i in np.flatnonzero(dup & ~aside):
            problems.append(_problem(rt.name, rows[i], spec.unique, frame[spec.unique].iat[i],
                                     ProblemCode.DUPLICATE_ID, Severity.error))
        aside |= dup
        ids_seen = {str(v) for v in key.dropna().to_numpy(dtype=object).tolist()}

    # references to cases and coordinators
    if "case_id" in spec.column_names and rt.name != "cases":
        kept_cases = kept_tables["cases"]["case_id"]
        known = frame["case_id"].isin(kept_cases).to_numpy() | frame["case_id"].isna().to_numpy()
        for i in np.flatnonzero(~known & ~aside):
            cid = frame["case_id"].iat[i]
            code = ProblemCode.CASE_SET_ASIDE if cid in all_case_ids else ProblemCode.UNKNOWN_CASE
            problems.append(_problem(rt.name, rows[i], "case_id", cid, code, Severity.error))
        aside |= ~known
    if rt.name == "assignments":
        kept_coords = kept_tables["coordinators"]["coordinator_id"]
        known = frame["coordinator_id"].isin(kept_coords).to_numpy() | frame["coordinator_id"].isna().to_numpy()
        for i in np.flatnonzero(~known & ~aside):
            cid = frame["coordinator_id"].iat[i]
            detail = "satt til side" if cid in all_coordinator_ids else None
            problems.append(_problem(rt.name, rows[i], "coordinator_id", cid,
                                     ProblemCode.UNKNOWN_COORDINATOR, Severity.error, detail))
        aside |= ~known

    kept = frame[~aside].reset_index(drop=True)
    if rt.name == "services":
        kept = _infer_categories(kept, problems)
    return kept, int(aside.sum()), ids_seen


def _allowed(enum: str | None) -> str | None:
    if enum is None:
        return None
    from ke_rules.ingest.vocabulary import ENUM_SYNONYMS

    return "tillatt: " + ", ".join(sorted(set(ENUM_SYNONYMS[enum].values())))


def _infer_categories(services: pd.DataFrame, problems: list[InputProblem]) -> pd.DataFrame:
    """An empty category is inferred from the service name; an unknown name counts as 'annet'."""
    empty = services["category"].isna()
    if not empty.any():
        return services
    inferred = services.loc[empty, "service"].map(lambda s: SERVICE_CATEGORIES.get(normalise_name(s)))
    unknown = inferred.isna()
    for i in np.flatnonzero(empty.to_numpy())[unknown.to_numpy()]:
        problems.append(_problem("services", services["_row"].iat[i], "service", services["service"].iat[i],
                                 ProblemCode.UNKNOWN_SERVICE, Severity.warning))
    services = services.copy()
    services.loc[empty, "category"] = inferred.fillna("annet")
    return services
