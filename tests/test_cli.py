"""The ke-rules command: options and exit codes of report-contract.md."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ke_rules.cli import main

from .conftest import write_json

SNAP = {
    "cases": [{"case_id": f"S-{i}"} for i in range(7)] + [{"case_id": "S-X", "birth_date": "31.02.2020"}],
    "coordinators": [{"coordinator_id": "K-1"}],
    "assignments": [{"case_id": f"S-{i}", "coordinator_id": "K-1", "start_date": "2026-11-01"} for i in range(6)],
    "groups": [{"group_id": "G-1", "case_id": "S-6", "established_on": "2026-01-01"}],
}


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def snap(tmp_path):
    return str(write_json(tmp_path / "s.json", SNAP))


@pytest.mark.parametrize(("fail_on", "code"), [("never", 0), ("high", 1), ("medium", 1), ("low", 1)])
def test_fail_on(snap, fail_on, code):
    # S-6 has an active group without consent (high); K-1 carries 6 cases (medium)
    assert run("check", snap, "--as-of", "2026-11-23", "--fail-on", fail_on)[0] == code


def test_fail_on_medium_ignores_only_low(tmp_path):
    path = write_json(tmp_path / "s.json", {
        "cases": [{"case_id": f"S-{i}"} for i in range(6)], "coordinators": [{"coordinator_id": "K-1"}],
        "assignments": [{"case_id": f"S-{i}", "coordinator_id": "K-1", "start_date": "2026-11-01"} for i in range(6)]})
    assert run("check", str(path), "--as-of", "2026-11-23", "--fail-on", "high")[0] == 0
    assert run("check", str(path), "--as-of", "2026-11-23", "--fail-on", "medium")[0] == 1


def test_report_on_stdout_and_output_file(snap, tmp_path):
    code, out, _ = run("check", snap, "--as-of", "2026-11-23")
    assert code == 0
    report = json.loads(out)
    assert report["as_of"] == "2026-11-23" and report["input"]["tables"]["cases"] == {"rows": 8, "set_aside": 0}
    target = tmp_path / "r.json"
    assert run("check", snap, "--as-of", "2026-11-23", "--output", str(target))[0] == 0
    assert target.read_text(encoding="utf-8") == out


def test_same_input_same_bytes(snap):
    assert run("check", snap, "--as-of", "2026-11-23")[1] == run("check", snap, "--as-of", "2026-11-23")[1]


def test_as_of_defaults_to_today_in_oslo(snap):
    from ke_rules import today_in_oslo

    assert json.loads(run("check", snap)[1])["as_of"] == today_in_oslo().isoformat()


def test_strict_exits_2_but_writes_the_report(snap, tmp_path):
    target = tmp_path / "r.json"
    assert run("check", snap, "--as-of", "2026-11-23", "--strict", "-o", str(target))[0] == 2
    assert json.loads(target.read_text(encoding="utf-8"))["input_problems"]


def test_lang_en_changes_messages(snap):
    nb = json.loads(run("check", snap, "--as-of", "2026-11-23")[1])
    en = json.loads(run("check", snap, "--as-of", "2026-11-23", "--lang", "en")[1])
    assert [f["rule_id"] for f in nb["findings"]] == [f["rule_id"] for f in en["findings"]]
    assert all(a["message"] != b["message"] for a, b in zip(nb["findings"], en["findings"], strict=True))
    assert "Coordinator K-1 has 6 cases" in json.dumps(en, ensure_ascii=False)


@pytest.mark.parametrize(("args", "fragment"), [
    (["--ruleset", "lundd"], "Did you mean 'lund'"),
    (["--as-of", "23.11.2026"], "YYYY-MM-DD"),
])
def test_bad_options_exit_2_with_a_message(snap, args, fragment):
    code, _, err = run("check", snap, *args)
    assert code == 2 and fragment in err


def test_truncated_json_exits_2_without_traceback(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(SNAP)[:120], encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", "from ke_rules.cli import main; main()", "check", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "t.json" in proc.stderr and proc.stdout == ""


def test_rules_list_and_show():
    code, out, _ = run("rules", "list", "--ruleset", "lund")
    assert code == 0
    for rule_id in ("KE-COORD-LOAD", "KE-MEET-FREQ", "KE-INVITE-LEAD", "KE-CONSENT", "KE-CHILD-RELATIVE",
                    "KE-REFERRAL-MISSING", "KE-INVITE-CONTENT", "KE-MEET-NEXT", "KE-CONSENT-MEETING"):
        assert rule_id in out
    code, out, _ = run("rules", "show", "KE-INVITE-LEAD")
    assert code == 0 and "invitation_lead_days=14" in out and "lokal_rutine" in out
    assert run("rules", "show", "KE-NOPE")[0] == 2


@pytest.mark.parametrize(("args", "code"), [
    (["--fail-on", "never"], 0),
    (["--fail-on", "high"], 1),
    (["--ruleset", "nope"], 2),
])
def test_console_command_keeps_exit_code_and_whole_report(snap, args, code):
    # `ke-rules` (cli.run) ends the process without freeing the run's objects: the report on stdout
    # must still be complete, the summary line printed and the exit code the command's
    proc = subprocess.run([sys.executable, "-m", "ke_rules", "check", snap, "--as-of", "2026-11-23", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == code, proc.stderr
    if code == 2:
        assert proc.stdout == "" and "nope" in proc.stderr and "Traceback" not in proc.stderr
    else:
        report = json.loads(proc.stdout)
        assert proc.stderr.startswith(f"ke-rules: {report['summary']['findings']} funn")
        assert run("check", snap, "--as-of", "2026-11-23")[1] == proc.stdout


def test_console_command_writes_the_output_file_before_it_ends(snap, tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "ke_rules.cli", "check", snap, "--as-of", "2026-11-23", "-q",
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    assert json.loads(out.read_bytes())["summary"]["findings"] == json.loads(
        run("check", snap, "--as-of", "2026-11-23")[1])["summary"]["findings"]
