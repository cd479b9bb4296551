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


# --------------------------------------------------------------------------- peer == oracle
# The SQL peer and tests/reference.py are both written from rules.md alone; they check each
# other on every hand-built scenario of the oracle's self-checks and on random snapshots built
# here (not by ke_rules' generator), all seventeen rules, the second wave's edges included.

import csv  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
import reference  # noqa: E402
import test_reference_selfcheck as selfcheck  # noqa: E402

SECOND_WAVE = ["KE-COORD-MISSING", "KE-CHILD-COORD", "KE-IP-EVAL", "KE-MINUTES", "KE-MEET-OVERDUE",
               "KE-COORD-TRAINING", "KE-IP-CONTENT", "KE-SYSTEM-ROUTINES"]


def _peer_evaluate(path: Path, as_of: dt.date, params: dict | None = None,
                   vocabulary: dict[str, str] | None = None) -> dict:
    """The peer on every rule the oracle knows, with the oracle's defaults; without a service
    vocabulary an empty category is `annet`, as the oracle takes it."""
    import duckdb

    peer = _peer()
    con = duckdb.connect()
    con.execute("SET threads = 1")
    try:
        peer.load(con, path)
        return peer.evaluate(con, as_of, {**reference.DEFAULT_PARAMS, **(params or {})},
                             set(reference.RULE_IDS), vocabulary or {})
    finally:
        con.close()


def _same(path: Path, snapshot: dict, as_of: dt.date, params: dict | None = None,
          vocabulary: dict[str, str] | None = None) -> dict:
    ref = reference.reference_evaluate(snapshot, as_of, params)
    out = _peer_evaluate(path, as_of, params, vocabulary)
    assert out["findings"] == ref["findings"], sorted(out["findings"] ^ ref["findings"])[:10]
    assert out["populations"] == ref["populations"]
    return ref


def _selfcheck_cases():
    """Every test of test_reference_selfcheck.py, one per parameter set (the speed test aside)."""
    for name, fn in sorted(vars(selfcheck).items()):
        if not name.startswith("test_") or not callable(fn) or name == "test_empty_snapshot_and_speed":
            continue
        marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
        if not marks:
            yield pytest.param(fn, {}, id=name)
            continue
        argnames, argvalues = marks[0].args[:2]
        names = [a.strip() for a in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        for i, values in enumerate(argvalues):
            yield pytest.param(fn, dict(zip(names, values, strict=True)), id=f"{name}[{i}]")


@pytest.mark.parametrize("scenario, kwargs", list(_selfcheck_cases()))
def test_duckdb_peer_equals_the_oracle_at_every_selfcheck_scenario(scenario, kwargs, monkeypatch, tmp_path):
    calls = []

    def both(snapshot, as_of, params=None):
        path = tmp_path / f"s{len(calls)}.json"
        path.write_text(json.dumps(snapshot, default=str), encoding="utf-8")
        calls.append(path)
        return _same(path, snapshot, as_of, params)

    monkeypatch.setattr(selfcheck, "reference_evaluate", both)
    scenario(**kwargs)
    assert calls  # the scenario went through both implementations


from random_snapshot import random_snapshot  # noqa: E402


def write_csv_folder(snapshot: dict, folder: Path) -> None:
    """One UTF-8 .csv per table, canonical header, dates ISO, yes/no as ja/nei, empty for none."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, cols in _peer().COLUMNS.items():
        with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for row in snapshot.get(table) or []:
                w.writerow(["" if (v := row.get(c)) is None else {True: "ja", False: "nei"}.get(v, v)
                            if isinstance(v, bool) else v for c in cols])


@pytest.mark.parametrize("as_of, seed, params", [
    (dt.date(2025, 6, 15), 1, None),
    (dt.date(2022, 7, 31), 2, None),  # the day before the barnekoordinator right
    (dt.date(2022, 8, 1), 2, None),
    (dt.date(2028, 2, 29), 3, None),
    (dt.date(2025, 6, 15), 4, {"appointment_grace_days": 13, "ip_evaluation_days": 90, "minutes_days": 0,
                               "overdue_grace_days": 0, "training_grace_days": 365,
                               "routine_review_months": 7, "required_routines": ["plan", "meldinger"],
                               "count_only_cases_with_ip": True}),
])
def test_duckdb_peer_equals_the_oracle_on_a_random_snapshot(as_of, seed, params, tmp_path):
    snapshot = random_snapshot(1_500, seed, as_of)
    (tmp_path / "r.json").write_text(json.dumps(snapshot), encoding="utf-8")
    write_csv_folder(snapshot, tmp_path / "csv")
    for path in (tmp_path / "r.json", tmp_path / "csv"):
        ref = _same(path, snapshot, as_of, params)
    # a meaningful comparison: every second-wave rule examines subjects, finds some, clears some
    fired = {f[0] for f in ref["findings"]}
    for rule in SECOND_WAVE:
        if rule == "KE-CHILD-COORD" and as_of < dt.date(2022, 8, 1):
            assert ref["populations"][rule] == 0
            continue
        assert rule in fired, rule
        if rule != "KE-SYSTEM-ROUTINES":  # a handful of routines may all be flagged
            assert ref["populations"][rule] > sum(1 for f in ref["findings"] if f[0] == rule), rule


def test_duckdb_peer_equals_the_oracle_without_ke_routines(tmp_path):
    as_of = dt.date(2025, 6, 15)
    snapshot = random_snapshot(300, 9, as_of, routines=False)
    (tmp_path / "r.json").write_text(json.dumps(snapshot), encoding="utf-8")
    ref = _same(tmp_path / "r.json", snapshot, as_of)
    assert ref["populations"]["KE-SYSTEM-ROUTINES"] == 0


def test_duckdb_peer_equals_the_oracle_on_synthetic_data(snapshot_files):
    """ke_rules' generator, all seventeen rules of the oracle (json and the csv folder)."""
    from ke_rules.ingest.vocabulary import SERVICE_CATEGORIES, normalise_name

    snapshot = json.loads(snapshot_files[0].read_text(encoding="utf-8"))
    for row in snapshot.get("services") or []:  # the oracle gets the categories the vocabulary infers
        if not row.get("category"):
            row["category"] = SERVICE_CATEGORIES.get(normalise_name(row["service"]), "annet")
    for path in snapshot_files:
        _same(path, snapshot, D, vocabulary=dict(SERVICE_CATEGORIES))
