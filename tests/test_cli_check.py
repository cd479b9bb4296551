"""`ke-rules check` options beyond the contract's core: formats, pseudonyms, workers, quiet, masking."""

from __future__ import annotations

import io
import json
import re

import pytest
from click.testing import CliRunner

from ke_rules.cli import main
from ke_rules.runtime.progress import Progress

from .conftest import requires_durable, write_json

# a valid fødselsnummer (both check digits right) typed into a free-text column and an unknown one
FNR = "01019912368"
SNAP = {
    "cases": [{"case_id": f"S-{i}", "merknad": f"pasient {FNR}" if i == 1 else None} for i in range(7)],
    "coordinators": [{"coordinator_id": "K-1", "name": "Kari Nordmann", "unit": FNR}],
    "assignments": [{"case_id": f"S-{i}", "coordinator_id": "K-1", "start_date": "2026-11-01"} for i in range(6)],
    "groups": [{"group_id": "G-1", "case_id": "S-6", "established_on": "2026-01-01"}],
}
KEY = "en-lang-nok-hemmelig-nokkel"


def run(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.fixture
def snap(tmp_path):
    return str(write_json(tmp_path / "s.json", SNAP))


def test_identity_numbers_are_counted_per_column_and_never_printed(snap):
    code, out, err = run("check", snap, "--as-of", "2026-11-23")
    assert code == 0
    assert FNR not in out.decode() and FNR not in err
    report = json.loads(out)
    found = {(p["table"], p["column"]): p for p in report["input_problems"] if p["code"] == "identity_number"}
    assert set(found) == {("cases", "merknad"), ("coordinators", "unit")}
    assert all(p["row"] is None and p["value"] is None and p["severity"] == "notice" for p in found.values())


@pytest.mark.parametrize(("suffix", "magic"), [(".json", b"{"), (".csv", b"\xef\xbb\xbf"), (".xlsx", b"PK"),
                                               (".html", b"<!DOCTYPE html>"), (".md", b"#")])
def test_format_follows_the_output_suffix(snap, tmp_path, suffix, magic):
    out = tmp_path / f"r{suffix}"
    code, _, _ = run("check", snap, "--as-of", "2026-11-23", "-o", str(out))
    assert code == 0
    assert out.read_bytes()[:len(magic)].lower() == magic.lower()


def test_format_option_wins_over_the_suffix(snap, tmp_path):
    out = tmp_path / "r.txt"
    assert run("check", snap, "--as-of", "2026-11-23", "--format", "md", "-o", str(out))[0] == 0
    assert out.read_text(encoding="utf-8").startswith("#")


def test_pseudonyms_replace_ids_and_names_and_are_stable_for_one_key(snap):
    a = run("check", snap, "--as-of", "2026-11-23", "--pseudonymize", KEY)[1].decode()
    b = run("check", snap, "--as-of", "2026-11-23", env={"KE_RULES_PSEUDONYM_KEY": KEY})[1].decode()
    c = run("check", snap, "--as-of", "2026-11-23", "--pseudonymize", KEY + "-annen")[1].decode()
    plain = run("check", snap, "--as-of", "2026-11-23")[1].decode()
    assert a == b != c
    for original in ("K-1", "S-6", "G-1", "Kari Nordmann"):
        assert not re.search(rf"(?<![\w-]){original}(?![\w-])", a), original
    ids = {f["subject_id"] for f in json.loads(a)["findings"]}
    assert ids and not ids & {f["subject_id"] for f in json.loads(plain)["findings"]}
    assert json.loads(a)["summary"] == json.loads(plain)["summary"]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_workers_do_not_change_the_report(snap, workers):
    one = run("check", snap, "--as-of", "2026-11-23", "--workers", "1")[1]
    assert run("check", snap, "--as-of", "2026-11-23", "--workers", workers)[1] == one


def test_quiet_prints_nothing_on_stderr(snap):
    code, out, err = run("check", snap, "--as-of", "2026-11-23", "--quiet")
    assert code == 0 and out and err == ""


def test_summary_line_follows_the_language(snap):
    assert "funn" in run("check", snap, "--as-of", "2026-11-23")[2]
    assert "findings" in run("check", snap, "--as-of", "2026-11-23", "--lang", "en")[2]


def test_an_unexpected_error_is_one_masked_paragraph(snap, monkeypatch):
    import ke_rules.derive.facts

    def broken(*args, **kwargs):
        raise ValueError(f"bad value {FNR}")

    monkeypatch.setattr(ke_rules.derive.facts, "derive_facts", broken)
    code, _, err = run("check", snap, "--as-of", "2026-11-23")
    assert code == 2
    assert "intern feil" in err and FNR not in err and "Traceback" not in err


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_only_after_the_delay_and_clears_its_line():
    stream = _Tty()
    with Progress(enabled=True, delay=0.0, stream=stream) as progress:
        progress.stage("evaluate")
        import time
        time.sleep(0.6)
    text = stream.getvalue()
    assert "vurderer regler" in text and "[" in text and text.endswith("\r\x1b[2K")
    quiet = _Tty()
    with Progress(enabled=True, delay=60.0, stream=quiet) as progress:
        progress.stage("load")
    assert quiet.getvalue() == ""


def test_progress_line_shows_stages_done():
    p = Progress(enabled=False, lang="en", width=20)
    p.stage("report")
    assert p.line(now=p.started + 3.0) == "ke-rules [" + "#" * 16 + "...." + "] writing report   3.0 s"


def test_progress_is_off_when_stderr_is_not_a_terminal():
    assert Progress.for_terminal(quiet=False).enabled is False  # pytest captures stderr: not a tty


def test_identity_count_in_a_forked_process_gives_the_same_report(snap, monkeypatch):
    import ke_rules.ingest.read

    inline = run("check", snap, "--as-of", "2026-11-23")[1]
    monkeypatch.setattr(ke_rules.ingest.read, "BACKGROUND_SCAN_FROM", 0)
    forked = run("check", snap, "--as-of", "2026-11-23")[1]
    assert forked == inline and b"identity_number" in forked


def _fails(x):
    raise ValueError(f"nope {x}")


def test_a_failing_background_process_raises_a_ke_rules_error():
    from ke_rules.errors import KeRulesError
    from ke_rules.runtime import background

    pending = background.start(_fails, 3, fork=True)
    assert pending.forked
    with pytest.raises(KeRulesError, match="background process failed: ValueError: nope 3"):
        pending.result()
    assert background.start(sum, [1, 2], fork=True).result() == 3
    assert background.start(sum, [1, 2], fork=False).result() == 3


@pytest.mark.parametrize("threshold", [10**12, 0])  # checked inline, and in the forked process
def test_a_key_twice_in_one_json_object_is_refused_either_way(tmp_path, monkeypatch, threshold):
    import ke_rules.ingest.read

    monkeypatch.setattr(ke_rules.ingest.read, "BACKGROUND_SCAN_FROM", threshold)
    path = tmp_path / "dup.json"
    path.write_text('{"cases": [{"case_id": "S-1", "case_id": "S-2"}]}', encoding="utf-8")
    code, out, err = run("check", str(path), "--as-of", "2026-11-23")
    assert code == 2 and not out
    assert "case_id" in err and "to ganger" in err and "Traceback" not in err


# --- --engine: two engines, one report


@requires_durable
def test_the_engines_give_the_same_report_but_for_tool_engine(tmp_path):
    src = write_json(tmp_path / "s.json", SNAP)
    reports = {}
    for engine in ("durable", "columnar", "auto"):
        code, out, _ = run("check", str(src), "--as-of", "2026-11-23", "--engine", engine)
        assert code == 0
        reports[engine] = json.loads(out)
    assert reports["durable"]["tool"]["engine"] == reports["auto"]["tool"]["engine"] == "durable-rules"
    assert reports["columnar"]["tool"]["engine"] == "columnar"
    for r in reports.values():
        del r["tool"]["engine"]
    assert reports["durable"] == reports["columnar"] == reports["auto"]
    assert reports["durable"]["findings"]


def test_without_durable_rules_auto_runs_columnar_and_durable_is_refused(tmp_path, monkeypatch):
    import ke_rules.engines.choice as backend

    monkeypatch.setattr(backend, "_durable_modules", None)
    monkeypatch.setattr(backend, "_durable_error", "No module named 'durable_rules_engine'")
    src = write_json(tmp_path / "s.json", SNAP)
    code, out, _ = run("check", str(src), "--as-of", "2026-11-23")
    assert code == 0 and json.loads(out)["tool"]["engine"] == "columnar"
    code, out, err = run("check", str(src), "--as-of", "2026-11-23", "--engine", "durable")
    assert code == 2 and not out
    assert 'pip install "ke-rules[durable]"' in err and len(err.strip().splitlines()) == 1
    code, out, _ = run("rules", "list")
    assert "motor: columnar" in out.decode("utf-8").splitlines()[0]


def test_timings_name_the_engine(tmp_path):
    src = write_json(tmp_path / "s.json", SNAP)
    code, _, err = run("check", str(src), "--as-of", "2026-11-23", "--engine", "columnar", "--timings")
    assert code == 0
    assert [line.split(":")[0].strip() for line in err.splitlines()[:5]] == ["load", "derive", "evaluate", "report",
                                                                             "engine"]
    assert "engine: columnar" in err


def test_the_summary_line_counts_rows_set_aside_not_problems(tmp_path):
    """A row with two errors is one row set aside."""
    src = write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1"}, {"case_id": "S-2"}],
                                           "groups": [{"group_id": "", "case_id": "S-1", "established_on": "x"}]})
    code, out, err = run("check", str(src), "--as-of", "2026-11-23")
    report = json.loads(out)
    errors = [p for p in report["input_problems"] if p["severity"] == "error"]
    assert len(errors) == 2 and report["input"]["tables"]["groups"]["set_aside"] == 1
    assert "1 rader satt til side" in err


# --- waivers (report-contract.md, "Waivers")

WAIVED_SNAP = {
    "cases": [{"case_id": "S-1"}],
    "coordinators": [{"coordinator_id": "K-1", "unit": "Nord", "trained_on": "2025-06-01"}],  # one finding only
    "assignments": [{"case_id": "S-1", "coordinator_id": "K-1", "start_date": "2026-01-01"}],
}
WAIVER_HEADER = "rule_id;subject_id;reason;decided_by;decided_on;expires_on\r\n"


@pytest.mark.parametrize(("rows", "fail_on", "want"), [
    ("KE-CHILD-RELATIVE;S-1;venter;KE-leder;01.11.2026;31.12.2026\r\n", "low", 0),  # waived: not failed on
    ("KE-CHILD-RELATIVE;S-1;venter;KE-leder;01.11.2026;22.11.2026\r\n", "low", 1),  # expired: open
    ("", "low", 1),
    ("KE-CHILD-RELATIVE;S-1;venter;KE-leder;01.11.2026;31.12.2026\r\n", "never", 0),
])
def test_fail_on_looks_at_open_findings_only(tmp_path, rows, fail_on, want):
    snap = write_json(tmp_path / "s.json", WAIVED_SNAP)
    (tmp_path / "unntak.csv").write_text(WAIVER_HEADER + rows, encoding="utf-8")
    code, out, err = run("check", str(snap), "--as-of", "2026-11-23", "--waivers", str(tmp_path / "unntak.csv"),
                         "--fail-on", fail_on)
    assert code == want, err
    report = json.loads(out)
    assert report["summary"]["findings"] == sum(f["status"] == "open" for f in report["findings"])
    # the summary line on stderr names the waived findings beside the open ones
    assert ("1 unntatt" in err) == (report["summary"]["waived"] == 1)


@pytest.mark.parametrize(("name", "content", "says"), [
    ("w.csv", "rule_id;subject_id;reason;decided_by;decided_on\r\nKE-X;S-1;r;d;01.11.2026\r\n", "expires_on"),
    ("w.yaml", "- rule_id: KE-X\n  subject_id: S-1\n", "decided_by"),
    ("w.yaml", "- [1, 2\n", "YAML"),
    ("w.yaml", "just text\n", "liste"),
    ("w.xlsx", "not a zip", "w.xlsx"),
    ("w.txt", "rule_id\n", "filtype"),
    ("missing.yaml", None, "finner ikke"),
])
def test_an_unusable_waivers_file_is_exit_2_with_a_message(tmp_path, name, content, says):
    snap = write_json(tmp_path / "s.json", WAIVED_SNAP)
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    code, out, err = run("check", str(snap), "--as-of", "2026-11-23", "--waivers", str(tmp_path / name))
    assert code == 2 and out == b""
    assert says in err and "Traceback" not in err


def test_waivers_show_in_every_format(tmp_path):
    snap = write_json(tmp_path / "s.json", {**WAIVED_SNAP, "unntak": [
        {"rule_id": "KE-CHILD-RELATIVE", "subject_id": "S-1", "reason": "Venter på svar", "decided_by": "KE-leder",
         "decided_on": "2026-11-01", "expires_on": "2026-12-31"}]})
    for lang, words in (("nb", ("Unntatt", "Venter på svar", "KE-leder")), ("en", ("Waived", "Venter på svar"))):
        for fmt in ("csv", "html", "md"):
            code, out, err = run("check", str(snap), "--as-of", "2026-11-23", "--format", fmt, "--lang", lang)
            text = out.decode("utf-8-sig")
            assert code == 0 and all(w in text for w in words), (fmt, lang)
            assert "31.12.2026" in text if lang == "nb" else "2026-12-31" in text
        out_path = tmp_path / f"r-{lang}.xlsx"
        code, _, err = run("check", str(snap), "--as-of", "2026-11-23", "--output", str(out_path), "--lang", lang)
        assert code == 0, err
        import openpyxl

        wb = openpyxl.load_workbook(out_path)
        cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
        assert "Venter på svar" in cells and "KE-leder" in cells
        assert any(c == "Nord" for c in cells)  # the unit sheet


def test_the_report_never_overwrites_the_waivers_file(tmp_path):
    snap = write_json(tmp_path / "s.json", WAIVED_SNAP)
    waivers = tmp_path / "unntak.csv"
    waivers.write_bytes(WAIVER_HEADER.encode())
    code, _, err = run("check", str(snap), "--waivers", str(waivers), "--output", str(waivers), "--format", "csv")
    assert code == 2 and "unntaksfilen" in err
    assert waivers.read_bytes() == WAIVER_HEADER.encode()
