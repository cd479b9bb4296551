"""Work split over two processes must give exactly what one process gives."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import ke_rules
import ke_rules.load
from ke_rules import synth


def test_identity_count_in_a_forked_process_gives_the_same_snapshot_and_report(tmp_path, monkeypatch):
    path = tmp_path / "s.json"  # 400 synthetic cases: inline below the threshold, forked at 0
    synth.write_snapshot(synth.generate(400, seed=3, as_of=dt.date(2026, 11, 23)), path)
    one = ke_rules.load_snapshot(path)
    monkeypatch.setattr(ke_rules.load, "BACKGROUND_SCAN_FROM", 0)
    two = ke_rules.load_snapshot(path)
    assert one.counts == two.counts
    assert [p.model_dump() for p in one.problems] == [p.model_dump() for p in two.problems]
    for name, frame in one.tables.items():
        pd.testing.assert_frame_equal(frame, two.tables[name])
    a = ke_rules.evaluate(one, "nasjonal", as_of="2026-11-23").to_json()
    assert a == ke_rules.evaluate(two, "nasjonal", as_of="2026-11-23").to_json()
