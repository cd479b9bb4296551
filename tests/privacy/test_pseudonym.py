"""Keyed pseudonyms: stable per key, consistent across tables, and no original id left in the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import ke_rules
from ke_rules import KeRulesError
from ke_rules.ingest.schema import TABLES
from ke_rules.privacy import pseudonym
from ke_rules.privacy.pseudonym import PSEUDONYM_PREFIX, Pseudonymizer, pseudonymize_snapshot

from ..conftest import write_json

ROOT = Path(__file__).resolve().parents[2]
KEY = "kommunens-hemmelige-nokkel-2026"
OTHER_KEY = "en-helt-annen-nokkel-for-testing"
FNR = "01010101006"


@pytest.fixture(scope="module")
def demo() -> ke_rules.Snapshot:
    return ke_rules.load_snapshot(ROOT / "fixtures" / "demo.json")


def _originals(snapshot: ke_rules.Snapshot, columns=("case_id", "coordinator_id", "group_id", "meeting_id", "name")):
    out: set[str] = set()
    for frame in snapshot.tables.values():
        for c in columns:
            if c in frame.columns:
                out |= set(frame[c].dropna().astype(str))
    return out


def _occurs(value: str, text: str) -> bool:
    """``value`` as a whole token in ``text`` (so 'K-2' is not found inside a pseudonym 'K-2QX…')."""
    return re.search(r"(?<![\w-])" + re.escape(value) + r"(?![\w])", text) is not None


def test_stable_for_a_key_and_different_across_keys_and_kinds():
    a, b, c = Pseudonymizer(KEY), Pseudonymizer(KEY), Pseudonymizer(OTHER_KEY)
    assert a.pseudonym("case_id", "S-101") == b.pseudonym("case_id", "S-101")
    assert a.pseudonym("case_id", "S-101") != c.pseudonym("case_id", "S-101")
    assert a.pseudonym("case_id", "S-101") != a.pseudonym("case_id", "S-102")
    assert a.pseudonym("case_id", "1001")[2:] != a.pseudonym("coordinator_id", "1001")[2:]
    assert re.fullmatch(r"S-[A-Z2-7]{10}", a.pseudonym("case_id", "S-101"))
    assert re.fullmatch(r"K-[A-Z2-7]{10}", a.pseudonym("coordinator_id", "K-1"))
    assert re.fullmatch(r"N-[A-Z2-7]{10}", a.pseudonym("name", "Ingrid Testdal"))
    assert Pseudonymizer(KEY.encode()).pseudonym("case_id", "S-101") == a.pseudonym("case_id", "S-101")


def test_a_short_key_is_refused_and_the_key_is_never_shown():
    with pytest.raises(KeRulesError, match="16"):
        Pseudonymizer("kort")
    assert KEY not in repr(Pseudonymizer(KEY))


def test_every_id_column_of_the_contract_is_pseudonymised():
    ids = {c.name for t in TABLES.values() for c in t.columns if c.kind == "id"}
    assert ids <= set(PSEUDONYM_PREFIX)
    assert {"name", "provider"} <= set(PSEUDONYM_PREFIX)
    known = {c.name for t in TABLES.values() for c in t.columns}
    assert set(PSEUDONYM_PREFIX) <= known


def test_snapshot_is_pseudonymised_consistently_and_keeps_its_shape(demo):
    out = pseudonymize_snapshot(demo, KEY)
    pz = Pseudonymizer(KEY)
    assert out is not demo and out.counts == demo.counts and out.source == demo.source
    for name, frame in demo.tables.items():
        new = out.tables[name]
        assert list(new.columns) == list(frame.columns)
        assert (new.dtypes == frame.dtypes).all(), name
        assert len(new) == len(frame)
        for c in frame.columns:
            if c in PSEUDONYM_PREFIX:
                expected = [None if v is None or v != v else pz.pseudonym(c, str(v)) for v in frame[c]]
                assert new[c].tolist() == expected, (name, c)
            else:
                pd.testing.assert_series_equal(new[c], frame[c])
    # the input snapshot is untouched
    assert "S-101" in set(demo.tables["cases"]["case_id"])
    # references between tables still hold
    assert set(out.tables["assignments"]["case_id"]) <= set(out.tables["cases"]["case_id"])
    assert set(out.tables["assignments"]["coordinator_id"]) <= set(out.tables["coordinators"]["coordinator_id"])


def test_the_report_carries_pseudonyms_only_and_the_same_results(demo):
    plain = ke_rules.evaluate(demo, "lund", as_of="2026-11-23")
    report = ke_rules.evaluate(pseudonymize_snapshot(demo, KEY), "lund", as_of="2026-11-23")
    text = report.to_json()
    left = sorted(v for v in _originals(demo) if _occurs(v, text))
    assert left == []
    assert report.summary == plain.summary
    assert [m.model_dump() for m in report.measures] == [m.model_dump() for m in plain.measures]
    for f in report.findings:
        if f.subject_type == "routine":  # a KE routine's subject is its task key, never a person's id
            assert f.subject_id in ("meldinger", "rutiner_ip", "oppnevning", "opplaering") and f.case_id is None
            continue
        assert re.fullmatch(r"[SKGM]-[A-Z2-7]{10}", f.subject_id), f.subject_id
        assert f.case_id is None or re.fullmatch(r"S-[A-Z2-7]{10}", f.case_id)
        for v in f.evidence.get("case_ids", []) or []:
            assert re.fullmatch(r"S-[A-Z2-7]{10}", v)
    for load in report.coordinator_load:
        assert re.fullmatch(r"K-[A-Z2-7]{10}", load.coordinator_id)
    # the same key gives the same report; another key another one
    again = ke_rules.evaluate(pseudonymize_snapshot(demo, KEY), "lund", as_of="2026-11-23")
    assert again.to_json() == text
    other = ke_rules.evaluate(pseudonymize_snapshot(demo, OTHER_KEY), "lund", as_of="2026-11-23")
    def pseudonymised(r):
        return {f.subject_id for f in r.findings if f.subject_type != "routine"}  # task keys stay as they are

    assert pseudonymised(other).isdisjoint(pseudonymised(report))


def test_input_problem_values_in_id_columns_are_pseudonymised(tmp_path):
    path = write_json(tmp_path / "s.json", {
        "cases": [{"case_id": "S-1"}, {"case_id": "S-1"}, {"case_id": FNR}],
        "coordinators": [{"coordinator_id": "K-1", "name": "Kari Nordmann"}],
        "assignments": [{"case_id": "S-9", "coordinator_id": "K-1", "start_date": "2025-01-01"},
                        {"case_id": "S-1", "coordinator_id": "K-7", "start_date": "2025-01-01"}],
        "meetings": [{"meeting_id": "M-1", "case_id": "S-1", "meeting_date": "31.02.2026"}],
    })
    snap = ke_rules.load_snapshot(path)
    out = pseudonymize_snapshot(snap, KEY)
    pz = Pseudonymizer(KEY)
    by_code = {(p.table, p.column, p.code.value): p.value for p in out.problems if p.value is not None}
    assert by_code[("cases", "case_id", "duplicate_id")] == pz.pseudonym("case_id", "S-1")
    assert by_code[("assignments", "case_id", "unknown_case")] == pz.pseudonym("case_id", "S-9")
    assert by_code[("assignments", "coordinator_id", "unknown_coordinator")] == pz.pseudonym("coordinator_id", "K-7")
    assert by_code[("meetings", "meeting_date", "impossible_date")] == "31.02.2026"  # not an id: kept
    # the fødselsnummer used as a case id: pseudonymised in the table, never in any output
    assert pz.pseudonym("case_id", FNR) in set(out.tables["cases"]["case_id"])
    report = ke_rules.evaluate(out, "nasjonal", as_of="2026-11-23")
    text = report.to_json()
    for original in ("S-1", "S-9", "K-1", "K-7", "M-1", "Kari Nordmann", FNR):
        assert not _occurs(original, text), original
    # the problems given are untouched
    assert ("cases", "case_id", "S-1") in {(p.table, p.column, p.value) for p in snap.problems}


def test_a_masked_identity_number_in_a_problem_stays_masked(tmp_path):
    path = write_json(tmp_path / "s.json", {"cases": [{"case_id": FNR}, {"case_id": FNR}]})
    out = pseudonymize_snapshot(ke_rules.load_snapshot(path), KEY)
    dup = [p for p in out.problems if p.code.value == "duplicate_id"]
    assert [p.value for p in dup] == ["***********"]


def test_a_collision_is_an_error_not_a_merge(monkeypatch):
    monkeypatch.setattr(pseudonym, "_LENGTH", 1)  # 32 possible pseudonyms: 40 ids must collide
    pz = Pseudonymizer(KEY)
    with pytest.raises(KeRulesError, match="same pseudonym"):
        for i in range(40):
            pz.pseudonym("case_id", f"S-{i}")


def test_typed_and_empty_cells_keep_their_dtype():
    pz = Pseudonymizer(KEY)
    s = pd.Series(["a", None, "b", "a"], dtype="string", name="case_id")
    out = pz.column("case_id", s)
    assert out.dtype == s.dtype and out.isna().tolist() == [False, True, False, False]
    assert out.iat[0] == out.iat[3] != out.iat[2]
    obj = pz.column("case_id", pd.Series(["a", None], dtype=object))
    assert obj.iat[1] is None


def test_the_demo_json_is_what_the_tests_expect():
    doc = json.loads((ROOT / "fixtures" / "demo.json").read_text(encoding="utf-8"))
    assert any(r.get("navn") or r.get("name") for r in doc["coordinators"])  # a name column to pseudonymise
