"""Work split over two processes must give exactly what one process gives."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import ke_rules
import ke_rules.ingest.read
from ke_rules.tools import synth


def test_identity_count_in_a_forked_process_gives_the_same_snapshot_and_report(tmp_path, monkeypatch):
    path = tmp_path / "s.json"  # 400 synthetic cases: inline below the threshold, forked at 0
    synth.write_snapshot(synth.generate(400, seed=3, as_of=dt.date(2026, 11, 23)), path)
    one = ke_rules.load_snapshot(path)
    monkeypatch.setattr(ke_rules.ingest.read, "BACKGROUND_SCAN_FROM", 0)
    monkeypatch.setattr(ke_rules.ingest.read, "BACKGROUND_JSON_FROM", 0)
    two = ke_rules.load_snapshot(path)
    assert one.counts == two.counts
    assert [p.model_dump() for p in one.problems] == [p.model_dump() for p in two.problems]
    for name, frame in one.tables.items():
        pd.testing.assert_frame_equal(frame, two.tables[name])
    a = ke_rules.evaluate(one, "nasjonal", as_of="2026-11-23").to_json()
    assert a == ke_rules.evaluate(two, "nasjonal", as_of="2026-11-23").to_json()


def test_a_duplicate_key_found_in_the_forked_check_refuses_the_file(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    path.write_text('{"cases": [{"case_id": "S-1", "case_id": "S-2"}]}', encoding="utf-8")
    monkeypatch.setattr(ke_rules.ingest.read, "BACKGROUND_JSON_FROM", 0)
    with pytest.raises(ke_rules.InputRefused, match="'case_id'.*to ganger"):
        ke_rules.load_snapshot(path)


def test_a_file_that_cannot_be_parsed_stops_the_forked_key_count(tmp_path, monkeypatch):
    import multiprocessing

    path = tmp_path / "s.json"
    path.write_text('{"cases": [{"case_id": "S-1"}', encoding="utf-8")  # truncated
    monkeypatch.setattr(ke_rules.ingest.read, "BACKGROUND_JSON_FROM", 0)
    monkeypatch.setattr(ke_rules.ingest.read, "count_keys", _slow)
    with pytest.raises(ke_rules.InputRefused, match="avkortet"):
        ke_rules.load_snapshot(path)
    assert not multiprocessing.active_children()


@pytest.mark.parametrize("fork_from", [0, 10**12])
def test_a_file_whose_keys_add_up_is_not_parsed_a_second_time(tmp_path, monkeypatch, fork_from):
    path = tmp_path / "s.json"
    path.write_text('{"cases": [{"case_id": "S-1", "note": "a \\"b\\": c"}],\n "groups": []}', encoding="utf-8")
    monkeypatch.setattr(ke_rules.ingest.read, "BACKGROUND_JSON_FROM", fork_from)
    monkeypatch.setattr(ke_rules.ingest.read, "duplicate_key_problem", _must_not_run)
    assert ke_rules.load_snapshot(path).counts["cases"].rows == 1


def _slow(*args):
    import time

    time.sleep(60)


def _must_not_run(*args):
    raise AssertionError("the file was parsed a second time")
