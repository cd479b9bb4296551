"""The paths Windows and macOS take: no fork, and a console that is not UTF-8.

On Linux ke-rules forks for the second core (``background.can_fork``); elsewhere the same
work runs in one process. ``KE_RULES_NO_FORK=1`` takes that path here, and the report
must be the same bytes. A Windows console in cp850 or cp1252 shows æ, ø and å, and a
readable stand-in for what it cannot show (a dash, an arrow), never a UnicodeEncodeError.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ke_rules
from ke_rules.derive.facts import derive_facts
from ke_rules.engines.evaluation import evaluate_facts
from ke_rules.runtime import background
from ke_rules.tools.synth import generate

from .conftest import requires_durable, write_json

ROOT = Path(__file__).resolve().parents[1]
D = "2026-11-23"


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", "from ke_rules.cli import main; main()", *args],
                          capture_output=True, env=full, timeout=120)


def test_without_fork_the_work_runs_inline(monkeypatch):
    monkeypatch.setenv("KE_RULES_NO_FORK", "1")
    assert not background.can_fork()
    pending = background.start(sum, [1, 2], fork=True)
    assert not pending.forked and pending.result() == 3


@requires_durable
def test_two_workers_without_fork_give_the_forked_evaluation(tmp_path, monkeypatch):
    import datetime as dt

    day = dt.date(2026, 11, 23)
    snapshot = ke_rules.load_snapshot(write_json(tmp_path / "s.json", generate(600, seed=2, as_of=day)))
    ruleset = ke_rules.load_ruleset("nasjonal")
    facts = derive_facts(snapshot, day, ruleset.params)
    forked = evaluate_facts(ruleset, facts, workers=2, engine="durable")
    monkeypatch.setenv("KE_RULES_NO_FORK", "1")
    inline = evaluate_facts(ruleset, facts, workers=2, engine="durable")
    for rule_id in forked.findings:
        assert forked.findings[rule_id].tolist() == inline.findings[rule_id].tolist()
        assert forked.severities[rule_id] == inline.severities[rule_id]


@pytest.mark.slow
def test_a_big_run_without_fork_writes_the_same_report(tmp_path):
    src = write_json(tmp_path / "s.json", generate(6_000, seed=9, as_of=ke_rules.today_in_oslo()))
    outputs = {}
    for name, env in (("fork", {}), ("no-fork", {"KE_RULES_NO_FORK": "1"})):
        out = tmp_path / f"{name}.json"
        done = _cli(["check", str(src), "--as-of", D, "--workers", "2", "--output", str(out), "-q"], **env)
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        outputs[name] = out.read_bytes()
    assert outputs["fork"] == outputs["no-fork"]


@pytest.mark.parametrize("encoding", ["cp850", "cp1252"])
def test_a_windows_console_shows_norwegian_letters_and_never_fails(tmp_path, encoding):
    listed = _cli(["rules", "list"], PYTHONIOENCODING=encoding)
    assert listed.returncode == 0, listed.stderr.decode(encoding, "replace")
    text = listed.stdout.decode(encoding)
    dash = "—" if encoding == "cp1252" else "-"  # cp1252 has the em dash; cp850 gets a hyphen in its place
    assert "Møtehyppighet" in text and f"Arbeidsmåter {dash} brukt som mal" in text
    shown = _cli(["rules", "show", "KE-CHILD-RELATIVE"], PYTHONIOENCODING=encoding)
    assert shown.returncode == 0 and "pårørende" in shown.stdout.decode(encoding)
    src = write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1", "ip_started_on": "2026-01-01"}]})
    checked = _cli(["check", str(src), "--as-of", D, "--output", str(tmp_path / "r.md")], PYTHONIOENCODING=encoding)
    assert checked.returncode == 0
    assert "høy" in checked.stderr.decode(encoding)
    refused = _cli(["check", str(tmp_path / "finnes-ikke.json")], PYTHONIOENCODING=encoding)
    assert refused.returncode == 2 and b"Traceback" not in refused.stderr
    assert "Finner ikke inndata" in refused.stderr.decode(encoding)
