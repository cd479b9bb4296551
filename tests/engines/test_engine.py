"""The durable-rules engine at scale: no match may be lost (docs/engine.md)."""

from __future__ import annotations

import datetime as dt
import os
import random

import numpy as np
import pandas as pd
import pytest

import ke_rules
from ke_rules.derive.facts import Facts
from ke_rules.derive.fields import FIELDS, SUBJECT_ID
from ke_rules.engines.evaluation import evaluate_facts
from ke_rules.errors import EngineError

from ..conftest import requires_durable, write_json

D = dt.date(2026, 11, 23)


def _facts(n_coordinators: int, n_meetings: int, seed: int) -> Facts:
    """Hand-made fact frames (no derivation): the engine alone is under test."""
    rng = random.Random(seed)
    coord = pd.DataFrame({
        "coordinator_id": [f"K-{i}" for i in range(n_coordinators)],
        "active_cases": [rng.randint(0, 8) for _ in range(n_coordinators)],
        "limit": [rng.choice([5, 5, 5, 3, 6, 0]) for _ in range(n_coordinators)],
    })
    meet = pd.DataFrame({
        "meeting_id": [f"M-{i}" for i in range(n_meetings)],
        "kind": [rng.choice(["ansvarsgruppe", "samarbeidsmote", "oppstart"]) for _ in range(n_meetings)],
        "status": [rng.choice(["held", "planned", "cancelled"]) for _ in range(n_meetings)],
        "days_from_as_of": [rng.randint(-400, 30) for _ in range(n_meetings)],
        "lead_days": pd.array([rng.choice([None, *range(0, 30)]) for _ in range(n_meetings)], dtype="Int64"),
    })
    meet["invitation_sent"] = meet["lead_days"].notna().to_numpy()
    frames = {}
    for subject, frame in (("coordinator", coord), ("meeting", meet)):
        for name, info in FIELDS[subject].items():
            if name not in frame:
                frame[name] = [[] for _ in range(len(frame))] if info.type == "list" else None
        frame["_id"] = frame[SUBJECT_ID[subject]]
        frame["_case"] = None
        frames[subject] = frame
    for subject in (s for s in FIELDS if s not in frames):  # case, group, ke, routine: none
        frames[subject] = pd.DataFrame({name: [] for name in FIELDS[subject]} | {"_id": [], "_case": []})
    return Facts(as_of=D, frames=frames, problems=[])


def _in_some_population(ruleset, facts) -> int:
    total = 0
    for subject, frame in facts.frames.items():
        anyone = np.zeros(len(frame), dtype=bool)
        for rule in ruleset.rules.values():
            if rule.subject == subject:
                anyone |= rule.applies.mask(frame)
        total += int(anyone.sum())
    return total


@requires_durable
@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_no_match_lost_over_120k_subjects(workers):
    facts = _facts(40_000, 80_000, seed=7)
    ruleset = ke_rules.load_ruleset("nasjonal")
    ev = evaluate_facts(ruleset, facts, workers=workers)
    # only facts inside some rule's population go to the engine; no other fact can match
    assert ev.facts_asserted == _in_some_population(ruleset, facts) > 50_000
    coord = facts.frames["coordinator"]
    # independent computation in plain Python
    expected_load = [i for i, (n, lim) in enumerate(zip(coord["active_cases"], coord["limit"], strict=True))
                     if n >= 1 and n > lim]
    assert ev.findings["KE-COORD-LOAD"].tolist() == expected_load
    meet = facts.frames["meeting"]
    expected_lead = []
    for i, (kind, status, days, lead) in enumerate(zip(meet["kind"], meet["status"], meet["days_from_as_of"],
                                                       meet["lead_days"], strict=True)):
        if kind != "ansvarsgruppe" or status == "cancelled" or not (-365 < days <= 14):
            continue
        sent = lead is not pd.NA
        if days <= 0 and (not sent or lead < 14) or days > 0 and (not sent and days < 14 or sent and lead < 14):
            expected_lead.append(i)
    assert ev.findings["KE-INVITE-LEAD"].tolist() == expected_lead
    assert len(expected_load) > 5_000 and len(expected_lead) > 5_000
    assert ev.sessions >= ev.facts_asserted // 256


@requires_durable
def test_sessions_are_small_and_the_sentinel_keeps_them_deletable():
    # every fact in the population but unhandled by the rules (no finding) must still not crash on delete
    facts = _facts(3_000, 0, seed=1)
    facts.frames["coordinator"]["active_cases"] = 1
    facts.frames["coordinator"]["limit"] = 5
    ev = evaluate_facts(ke_rules.load_ruleset("nasjonal"), facts, session_size=1)
    assert ev.findings["KE-COORD-LOAD"].size == 0 and ev.sessions == ev.facts_asserted == 3_000


@pytest.mark.parametrize("workers", [2, 3])
def test_parallel_evaluation_gives_the_same_evaluation_as_one_process(workers):
    facts = _facts(2_000, 4_000, seed=11)
    ruleset = ke_rules.load_ruleset("nasjonal")
    one = evaluate_facts(ruleset, facts, workers=1)
    many = evaluate_facts(ruleset, facts, workers=workers)
    for rule_id in ruleset.rules:
        assert one.findings[rule_id].tolist() == many.findings[rule_id].tolist()
        assert one.severities[rule_id] == many.severities[rule_id]
        assert one.populations[rule_id].tolist() == many.populations[rule_id].tolist()
    assert one.facts_asserted == many.facts_asserted


@requires_durable
def test_a_failing_worker_process_is_an_engine_error(monkeypatch):
    import ke_rules.engines.evaluation as eng

    facts = _facts(300, 300, seed=5)
    original = eng._run_jobs

    def broken_in_child(ruleset, facts_, jobs, session_size):
        if os.getpid() != parent:
            raise RuntimeError("boom")
        return original(ruleset, facts_, jobs, session_size)

    parent = os.getpid()
    monkeypatch.setattr(eng, "_run_jobs", broken_in_child)
    with pytest.raises(EngineError, match="worker process failed: RuntimeError: boom"):
        evaluate_facts(ke_rules.load_ruleset("nasjonal"), facts, workers=2)


@requires_durable
def test_engine_disagreement_is_an_error_not_a_silent_loss(monkeypatch):
    facts = _facts(500, 0, seed=3)
    import ke_rules.engines.evaluation as eng

    original = eng._Session.record
    seen = {"n": 0}

    def drop_every_tenth(self, message):
        if "KE-COORD-LOAD" in message:
            seen["n"] += 1
            if not seen["n"] % 10:
                return
        original(self, message)

    monkeypatch.setattr(eng._Session, "record", drop_every_tenth)
    with pytest.raises(EngineError, match="lost"):
        evaluate_facts(ke_rules.load_ruleset("nasjonal"), facts)
    assert seen["n"] >= 10


@pytest.mark.slow
def test_random_snapshot_matches_independent_reference(tmp_path):
    """20,000 synthetic cases: finding for finding equal to tests/reference.py (rules.md by hand)."""
    from ke_rules.ingest.vocabulary import SERVICE_CATEGORIES, normalise_name
    from ke_rules.tools.synth import generate

    from ..reference import reference_evaluate

    snapshot = generate(20_000, seed=11, as_of=D)
    path = write_json(tmp_path / "s.json", snapshot)
    for name in ("nasjonal", "lund"):
        ruleset = ke_rules.load_ruleset(name)
        report = ke_rules.evaluate(ke_rules.load_snapshot(path), ruleset, as_of=D)
        assert not [p for p in report.input_problems if p.severity.value == "error"]
        # the reference is given the categories the documented vocabulary infers
        for row in snapshot.get("services", []):
            if not row.get("category"):
                row["category"] = SERVICE_CATEGORIES.get(normalise_name(row["service"]), "annet")
        ref = reference_evaluate(snapshot, D, ruleset.params)
        mine = {(f.rule_id, f.subject_type.value, f.subject_id, f.severity) for f in report.findings}
        assert mine == ref["findings"], (name, sorted(mine ^ ref["findings"])[:10])
        assert {m.rule_id: m.population for m in report.measures} == ref["populations"]
        assert {f[0] for f in mine} == set(ruleset.rules)  # every rule fires on this data
        assert np.all([m.compliant + m.findings == m.population for m in report.measures])


@pytest.mark.parametrize("column, expected", [
    (pd.Series([1, None, 3], dtype="Int64"), [1, None, 3]),
    (pd.Series([2, 5], dtype="int64"), [2, 5]),
    (pd.Series([True, None], dtype="boolean"), [True, None]),
    (pd.Series([True, False]), [True, False]),
    (pd.Series([1.5, np.nan, 2.0, 1e20]), [1.5, None, 2, 100000000000000000000]),
    (pd.Series(["S-1", None, np.nan], dtype=object), ["S-1", None, None]),
    (pd.Series([np.True_, None], dtype=object), [True, None]),
])
def test_fact_values_are_plain_json_values(column, expected):
    """Facts go to durable-rules as JSON: empty cells are left out, whole numbers are ints, no numpy types."""
    from ke_rules.engines.evaluation import _plain

    got = _plain(column)
    assert got == expected
    assert [type(v) for v in got] == [type(v) for v in expected]


@requires_durable
def test_a_fact_the_engine_says_it_has_seen_goes_to_a_fresh_session(monkeypatch):
    """durable-rules answers "observed" for a fact equal to one in the session (and, by a 32-bit hash
    collision, for some that are not): the fact is asserted again in a new session, nothing is lost."""
    import ke_rules.engines.evaluation as eng

    facts = _facts(300, 200, seed=5)
    ruleset = ke_rules.load_ruleset("nasjonal")
    plain = evaluate_facts(ruleset, facts, workers=1)
    original = eng._fact_rows

    def twice_each_tenth(frame, subject, fields, rows):
        for k, fact in enumerate(original(frame, subject, fields, rows)):
            yield fact
            if k % 10 == 0:  # the same fact again, as a collision would look to the engine
                yield dict(fact)

    monkeypatch.setattr(eng, "_fact_rows", twice_each_tenth)
    retried = evaluate_facts(ruleset, facts, workers=1)
    assert retried.collisions_retried > 10
    assert retried.sessions > plain.sessions
    for rule_id in plain.findings:
        assert np.array_equal(retried.findings[rule_id], plain.findings[rule_id])
        assert retried.severities[rule_id] == plain.severities[rule_id]


# --- two engines behind one seam


def _same_evaluation(a, b) -> None:
    assert a.findings.keys() == b.findings.keys()
    for rule_id in a.findings:
        assert np.array_equal(a.findings[rule_id], b.findings[rule_id]), rule_id
        assert a.severities[rule_id] == b.severities[rule_id], rule_id
        assert np.array_equal(a.populations[rule_id], b.populations[rule_id]), rule_id


@requires_durable
@pytest.mark.parametrize("ruleset_name", ["nasjonal", "lund", "stor-elvdal"])
def test_the_columnar_engine_gives_the_durable_engines_evaluation(ruleset_name):
    facts = _facts(3_000, 6_000, seed=3)
    ruleset = ke_rules.load_ruleset(ruleset_name)
    durable = evaluate_facts(ruleset, facts, workers=1, engine="durable")
    columnar = evaluate_facts(ruleset, facts, engine="columnar")
    assert (durable.engine, columnar.engine) == ("durable", "columnar")
    assert columnar.facts_asserted == 0 and durable.facts_asserted > 0
    _same_evaluation(durable, columnar)


@requires_durable
@pytest.mark.slow
def test_the_engines_agree_on_a_20k_synthetic_snapshot():
    import tempfile
    from pathlib import Path

    from ke_rules.derive.facts import derive_facts
    from ke_rules.tools.synth import generate

    with tempfile.TemporaryDirectory() as tmp:
        snapshot = ke_rules.load_snapshot(write_json(Path(tmp) / "s.json", generate(20_000, seed=5, as_of=D)))
    for name in ("nasjonal", "lund"):
        ruleset = ke_rules.load_ruleset(name)
        facts = derive_facts(snapshot, D, ruleset.params)
        _same_evaluation(evaluate_facts(ruleset, facts, engine="durable"), evaluate_facts(ruleset, facts, engine="columnar"))


def _without_durable(monkeypatch):
    import ke_rules.engines.choice as backend

    monkeypatch.setattr(backend, "_durable_modules", None)
    monkeypatch.setattr(backend, "_durable_error", "No module named 'durable_rules_engine'")


@requires_durable
def test_auto_takes_durable_rules_where_it_imports_and_columnar_where_it_does_not(monkeypatch):
    from ke_rules.engines.evaluation import resolve_engine

    assert resolve_engine("auto") == "durable"
    _without_durable(monkeypatch)
    assert resolve_engine("auto") == "columnar"
    assert resolve_engine("columnar") == "columnar"
    with pytest.raises(EngineError, match=r'pip install "ke-rules\[durable\]"'):
        resolve_engine("durable")
    facts = _facts(50, 50, seed=1)
    assert evaluate_facts(ke_rules.load_ruleset("nasjonal"), facts).engine == "columnar"


def test_an_unknown_engine_is_refused():
    from ke_rules.engines.evaluation import resolve_engine

    with pytest.raises(EngineError, match="choose one of auto, durable, columnar"):
        resolve_engine("drools")


@requires_durable
@pytest.mark.slow
def test_both_engines_write_the_same_report_at_20k_cases(tmp_path):
    """The report of each engine, byte for byte, apart from tool.engine (report-contract.md)."""
    from ke_rules.tools.synth import generate

    path = write_json(tmp_path / "s.json", generate(20_000, seed=13, as_of=D))
    snapshot = ke_rules.load_snapshot(path)
    for name in ("nasjonal", "lund"):
        durable = ke_rules.evaluate(snapshot, name, as_of=D, engine="durable").to_json()
        columnar = ke_rules.evaluate(snapshot, name, as_of=D, engine="columnar").to_json()
        assert '"engine": "durable-rules"' in durable and '"engine": "columnar"' in columnar
        assert durable.replace('"engine": "durable-rules"', '"engine": "columnar"', 1) == columnar, name


@requires_durable
@pytest.mark.parametrize("workers", [2, 3])
def test_deferred_evaluation_is_durable_rules_once_confirmed(workers):
    # a big CLI run builds its report while durable-rules runs in a forked process: once confirmed,
    # the evaluation is exactly what waiting for durable-rules first gives
    facts = _facts(2_000, 4_000, seed=11)
    ruleset = ke_rules.load_ruleset("nasjonal")
    waited = evaluate_facts(ruleset, facts, workers=workers)
    deferred = evaluate_facts(ruleset, facts, workers=workers, defer=True)
    assert deferred._running is not None and deferred.facts_asserted == 0
    deferred.confirm()
    assert deferred._running is None and deferred.engine == waited.engine == "durable"
    assert deferred.facts_asserted == waited.facts_asserted  # sessions differ: the facts are split another way
    for rule_id in ruleset.rules:
        assert deferred.findings[rule_id].tolist() == waited.findings[rule_id].tolist()
        assert deferred.severities[rule_id] == waited.severities[rule_id]
    assert evaluate_facts(ruleset, facts, workers=1, defer=True)._running is None  # one process: nothing to wait for


def _drop_one_coordinator_match(monkeypatch):
    import ke_rules.engines.evaluation as eng

    original = eng._Session.record
    seen = {"n": 0}

    def drop_the_first(self, message):
        if "KE-COORD-LOAD" in message:
            seen["n"] += 1
            if seen["n"] == 1:
                return
        original(self, message)

    monkeypatch.setattr(eng._Session, "record", drop_the_first)


@requires_durable
def test_deferred_disagreement_is_raised_by_confirm(monkeypatch):
    facts = _facts(500, 0, seed=3)
    _drop_one_coordinator_match(monkeypatch)  # in the forked process too: it is forked from this one
    deferred = evaluate_facts(ke_rules.load_ruleset("nasjonal"), facts, workers=2, defer=True)
    with pytest.raises(EngineError, match="KE-COORD-LOAD.*1 lost"):
        deferred.confirm()


@requires_durable
@pytest.mark.parametrize("to_file", [True, False])
def test_a_report_durable_rules_disagrees_with_is_not_written(tmp_path, monkeypatch, to_file):
    from click.testing import CliRunner

    import ke_rules.engines.evaluation as eng
    from ke_rules.cli import main

    snapshot = {"cases": [{"case_id": f"S-{i}"} for i in range(8)], "coordinators": [{"coordinator_id": "K-1"}],
                "assignments": [{"case_id": f"S-{i}", "coordinator_id": "K-1", "start_date": "2026-11-01"}
                                for i in range(8)]}
    path = write_json(tmp_path / "s.json", snapshot)
    out = tmp_path / "rapport.json"
    out.write_text("forrige rapport", encoding="utf-8")
    monkeypatch.setattr(eng, "PARALLEL_FROM", 0)  # two processes, the report built while durable-rules runs
    args = ["check", str(path), "--as-of", "2026-11-23", "-q"] + (["-o", str(out)] if to_file else [])
    assert CliRunner().invoke(main, args).exit_code == 0  # K-1 carries 8 cases: a KE-COORD-LOAD finding
    out.write_text("forrige rapport", encoding="utf-8")
    _drop_one_coordinator_match(monkeypatch)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "KE-COORD-LOAD" in result.stderr and "lost" in result.stderr
    assert result.stdout == "" and out.read_text(encoding="utf-8") == "forrige rapport"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.json", "s.json"]  # no temporary file left
