"""A second, independent check of the engine: the rules hand-written as DuckDB SQL
(benchmarks/duckdb_peer.py, from rules.md) give ke-rules' findings and populations."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

import ke_rules
from ke_rules.tools.synth import generate, write_snapshot

pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parent.parent
D = dt.date(2026, 11, 23)


def _peer():
    spec = importlib.util.spec_from_file_location("duckdb_peer", ROOT / "benchmarks" / "duckdb_peer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def snapshot_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("peer")
    snapshot = generate(2_000, seed=21, as_of=D)
    write_snapshot(snapshot, root / "s.json")
    write_snapshot(snapshot, root / "csv")
    return root / "s.json", root / "csv"


@pytest.mark.parametrize("ruleset", ["nasjonal", "lund", "stor-elvdal"])
def test_duckdb_peer_equals_ke_rules(ruleset, snapshot_files):
    peer = _peer()
    report = ke_rules.evaluate(ke_rules.load_snapshot(snapshot_files[0]), ruleset, as_of=D)
    mine = {(f.rule_id, f.subject_type.value, f.subject_id, f.severity) for f in report.findings}
    populations = {m.rule_id: m.population for m in report.measures}
    assert {f[0] for f in mine} == set(populations)  # every rule has findings: a meaningful comparison
    for path in snapshot_files:  # json and the csv folder
        out = peer.run(path, D, ruleset, threads=1)
        assert out["findings"] == mine, (path.name, sorted(mine ^ out["findings"])[:10])
        assert out["populations"] == populations, path.name


def test_duckdb_peer_with_input_warnings_and_a_leap_day(tmp_path):
    """Effective meeting status (planned in the past, held in the future), two active groups,
    29 February as the evaluation date."""
    day = dt.date(2028, 2, 29)
    write_snapshot(generate(1_500, seed=5, as_of=day, input_warnings=True), tmp_path / "w.json")
    report = ke_rules.evaluate(ke_rules.load_snapshot(tmp_path / "w.json"), "stor-elvdal", as_of=day)
    assert {p.severity.value for p in report.input_problems} >= {"warning"}
    out = _peer().run(tmp_path / "w.json", day, "stor-elvdal", threads=1)
    mine = {(f.rule_id, f.subject_type.value, f.subject_id, f.severity) for f in report.findings}
    assert out["findings"] == mine, sorted(mine ^ out["findings"])[:10]
    assert out["populations"] == {m.rule_id: m.population for m in report.measures}
