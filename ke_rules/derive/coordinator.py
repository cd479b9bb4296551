"""The coordinator subject: one row per coordinator, with the cases they carry at D.

A coordinator's load is their distinct in-scope cases with an active assignment at D (only
those with an active individual plan when ``count_only_cases_with_ip``), against the agreed
maximum or else ``max_cases_per_coordinator``. For the training duty (KE-COORD-TRAINING) the
earliest start of an assignment active at D to an in-scope case, whatever the load counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ke_rules.derive.kit import NAT, CaseKeys, active, days, natural_ranks
from ke_rules.derive.params import DerivationParams

__all__ = ["coordinator_facts", "coordinator_load"]


def active_pairs(assignments: pd.DataFrame, keys: CaseKeys, d: pd.Timestamp, a_co: np.ndarray) -> np.ndarray:
    """The rows of ``assignments`` active at ``d`` for an in-scope case, one per distinct (coordinator,
    case) pair, in the order the pairs first appear (``a_co``: the rows' coordinator keys)."""
    a_case = keys.of["assignments"]
    rows = np.flatnonzero(active(assignments["start_date"], assignments["end_date"], d).to_numpy(dtype=bool)
                          & keys.in_scope("assignments"))
    _, first = np.unique(a_co[rows] * keys.size + a_case[rows], return_index=True)
    return rows[np.sort(first)]


def coordinator_load(assignments: pd.DataFrame, keys: CaseKeys, counted: np.ndarray, a_co: np.ndarray,
                     co_key: np.ndarray) -> tuple[list[list[str]], np.ndarray]:
    """Per coordinator (``co_key``): the case ids of the ``counted`` assignment rows, in natural order
    (ties: the order they appear), and how many."""
    a_case = keys.of["assignments"]
    case_rank = natural_ranks(keys, a_case[counted])
    order = np.argsort(a_co[counted] * (int(case_rank.max(initial=0)) + 1) + case_rank, kind="stable")
    case_ids = assignments["case_id"].to_numpy(dtype=object)[counted[order]].tolist()
    coordinator = a_co[counted[order]]
    lo = np.searchsorted(coordinator, co_key, "left")
    hi = np.searchsorted(coordinator, co_key, "right")
    return [case_ids[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)], (hi - lo).astype(np.int64)


def coordinator_facts(coordinators: pd.DataFrame, assignments: pd.DataFrame, keys: CaseKeys,
                      with_ip: np.ndarray, d: pd.Timestamp, params: DerivationParams) -> pd.DataFrame:
    """One row per coordinator; ``with_ip`` per case key: the case has an active individual plan."""
    n_co = len(coordinators)
    co_codes, co_uniques = pd.factorize(np.concatenate([coordinators["coordinator_id"].to_numpy(dtype=object),
                                                       assignments["coordinator_id"].to_numpy(dtype=object)]))
    co_codes = co_codes.astype(np.int64) + 1  # 0: no id
    co_key, a_co = co_codes[:n_co], co_codes[n_co:]
    pairs = active_pairs(assignments, keys, d, a_co)
    out = pd.DataFrame({"coordinator_id": coordinators["coordinator_id"].to_numpy(),
                        "unit": coordinators["unit"].to_numpy()})
    out.index = pd.Index(out["coordinator_id"])
    counted = pairs
    if params.count_only_cases_with_ip:
        counted = pairs[with_ip[keys.of["assignments"][pairs]]]
    case_ids, active_cases = coordinator_load(assignments, keys, counted, a_co, co_key)
    out["case_ids"] = case_ids
    out["active_cases"] = active_cases
    agreed = pd.Series(coordinators["agreed_max_cases"].to_numpy(), index=out.index, dtype="Int64")
    out["agreed_max_cases"] = agreed
    out["limit"] = agreed.fillna(int(params.max_cases_per_coordinator)).astype(int)
    out["active_assignments"] = np.bincount(a_co[pairs], minlength=len(co_uniques) + 1)[co_key]
    trained = pd.Series(coordinators["trained_on"].to_numpy(), index=out.index)
    out["trained"] = (trained <= d).fillna(False).astype(bool)
    out["trained_on"] = trained
    # KE-COORD-TRAINING: the earliest start among the coordinator's assignments active at d to in-scope cases
    rows = np.flatnonzero(active(assignments["start_date"], assignments["end_date"], d).to_numpy(dtype=bool)
                          & keys.in_scope("assignments"))
    least = np.full(len(co_uniques) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    starts = assignments["start_date"].to_numpy().astype("datetime64[s]")
    np.minimum.at(least, a_co[rows], starts[rows].view(np.int64))
    least[least == np.iinfo(np.int64).max] = NAT
    earliest = pd.Series(least[co_key].view("datetime64[s]"), index=out.index)
    out["earliest_assignment_start"] = earliest
    out["days_since_earliest_assignment"] = days(d, earliest)
    return out
