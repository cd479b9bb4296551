"""`ke-rules synth`: a synthetic snapshot by suffix, reproducible, clean, and checkable."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ke_rules.cli import main

AS_OF = "2026-11-23"


def _synth(path, *extra: str, cases: int = 300, seed: int = 4):
    result = CliRunner().invoke(main, ["synth", "--cases", str(cases), "--seed", str(seed),
                                       "--output", str(path), "--as-of", AS_OF, *extra])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("name", ["s.json", "s.xlsx", "csv"])
def test_synth_then_check_strict_has_every_rule(name, tmp_path):
    path = tmp_path / name
    _synth(path)
    assert path.is_dir() if name == "csv" else path.is_file()
    report_path = tmp_path / "report.json"
    # --strict exits 2 on any input error or warning: synth data has none
    result = CliRunner().invoke(main, ["check", str(path), "--ruleset", "stor-elvdal", "--as-of", AS_OF,
                                       "--strict", "--output", str(report_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert not [p for p in report["input_problems"] if p["severity"] in ("error", "warning")]
    assert {f["rule_id"] for f in report["findings"]} == {m["rule_id"] for m in report["measures"]}
    assert len(report["measures"]) == 18  # the seventeen of nasjonal and KE-SYSTEM-MONTHLY


def test_same_seed_same_file(tmp_path):
    _synth(tmp_path / "a.json", seed=8, cases=120)
    _synth(tmp_path / "b.json", seed=8, cases=120)
    _synth(tmp_path / "c.json", seed=9, cases=120)
    a, b, c = ((tmp_path / f"{x}.json").read_bytes() for x in "abc")
    assert a == b and a != c


def test_with_input_warnings(tmp_path):
    _synth(tmp_path / "w.json", "--with-input-warnings")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "w.json"), "--as-of", AS_OF, "--strict",
                                       "--output", str(tmp_path / "r.json")])
    assert result.exit_code == 2  # warnings, so --strict fails


@pytest.mark.parametrize(("output", "as_of"), [("x.csv", AS_OF), ("s.json", "23.11.2026x")])
def test_refused_without_traceback(output, as_of, tmp_path):
    result = CliRunner().invoke(main, ["synth", "--cases", "5", "--output", str(tmp_path / output),
                                       "--as-of", as_of])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.startswith("ke-rules:")
