"""docs/scaling.md's example: a snapshot split by municipality, evaluated per part on a local
Dask cluster, merges to the findings and populations of one run over the whole."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
from pathlib import Path

import pytest

from ke_rules.tools.synth import generate

ROOT = Path(__file__).resolve().parent.parent
D = dt.date(2026, 11, 23)


def _example():
    spec = importlib.util.spec_from_file_location("dask_example", ROOT / "benchmarks" / "dask_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_keeps_every_row_once_and_each_coordinator_whole():
    ex = _example()
    snapshot = generate(600, seed=3, as_of=D)
    parts = ex.split_by_municipality(snapshot)
    assert len(parts) == len({c["municipality"] for c in snapshot["cases"]}) >= 4
    for table, rows in snapshot.items():
        assert sum(len(p[table]) for p in parts.values()) == len(rows), table
    for p in parts.values():  # every assignment's case and coordinator are in its part
        cases = {c["case_id"] for c in p["cases"]}
        coordinators = {c["coordinator_id"] for c in p["coordinators"]}
        assert all(a["case_id"] in cases and a["coordinator_id"] in coordinators for a in p["assignments"])
    assert sum(bool(p["ke_meetings"]) for p in parts.values()) == 1
    assert sum(bool(p["ke_routines"]) for p in parts.values()) == 1


def test_a_coordinator_in_two_municipalities_joins_them():
    ex = _example()
    snapshot = {
        "cases": [{"case_id": "S-1", "municipality": "0301"}, {"case_id": "S-2", "municipality": "4601"},
                  {"case_id": "S-3", "municipality": "5001"}],
        "coordinators": [{"coordinator_id": "K-1"}, {"coordinator_id": "K-2"}],
        "assignments": [{"case_id": "S-1", "coordinator_id": "K-1", "start_date": "2026-01-01"},
                        {"case_id": "S-2", "coordinator_id": "K-1", "start_date": "2026-01-01"}],
    }
    parts = ex.split_by_municipality(snapshot)
    assert sorted(parts) == ["0301+4601", "5001"]
    assert {c["case_id"] for c in parts["0301+4601"]["cases"]} == {"S-1", "S-2"}
    assert parts["5001"]["coordinators"] == [] and len(parts["0301+4601"]["coordinators"]) == 2


def test_parts_on_a_local_dask_cluster_merge_to_one_run(tmp_path):
    if not os.environ.get("CI"):  # in CI dask is installed (the test extra): a missing one is a failure there
        pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    ex = _example()
    snapshot = generate(1_000, seed=4, as_of=D)
    whole = tmp_path / "whole.json"
    whole.write_text(json.dumps(snapshot), encoding="utf-8")
    paths = ex.write_parts(ex.split_by_municipality(snapshot), tmp_path / "parts")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        for ruleset in ("nasjonal", "stor-elvdal"):
            merged = ex.run_distributed(paths, ruleset, D.isoformat(), client)
            single = ex.evaluate_file(str(whole), ruleset, D.isoformat())
            assert single["findings"] and not single["problems"]
            assert ex.finding_keys(merged["findings"]) == ex.finding_keys(single["findings"]), ruleset
            assert merged["populations"] == single["populations"], ruleset
            assert merged["tables"] == single["tables"]
