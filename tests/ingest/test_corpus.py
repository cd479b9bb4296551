"""The loader corpus: every file under tests/corpus/ gives exactly the outcome expected.yaml states.

Each entry runs ``ke-rules check FILE --as-of 2026-11-23`` (click's CliRunner; entries marked
``isolate`` run in a child process with a timeout and a memory limit, since without the guards
they would hang, exhaust memory or abort). Besides the exit code, findings, input problems and
message of the entry, every run is held to the same rules: no traceback or internal error on
stderr, a refusal is one paragraph, a report keeps the integrity rule (the rows set aside are
exactly the rows with an error problem), and planted identity numbers never appear.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from ke_rules.cli import main

from ..conftest import CORPUS, make_corpus

AS_OF = "2026-11-23"
ENTRIES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
M = make_corpus()


def _entry_id(entry: dict[str, Any]) -> str:
    return entry["file"] + (f"[{' '.join(entry['args'])}]" if entry.get("args") else "")


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


def _run(path: Path, args: list[str], isolate: bool = False) -> Outcome:
    argv = ["check", str(path), "--as-of", AS_OF, *args]
    if isolate:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        done = subprocess.run([sys.executable, "-c", "from ke_rules.cli import main; main()", *argv],
                              capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory, env=env)
        return Outcome(done.returncode, done.stdout, done.stderr)
    result = _runner().invoke(main, argv, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _problems(report: dict[str, Any]) -> list[list[Any]]:
    rows = [[p["table"], p["row"], p["column"], p["code"], p["value"]]
            for p in report["input_problems"] if p["code"] != "absent_table"]
    return sorted(rows, key=lambda r: [str(v) for v in r])


def _planted_spellings() -> list[str]:
    out = []
    for n in M.PLANTED:  # every written form, and the ten digits a cut or a lost leading zero leaves
        out += [n, f"{n[:6]} {n[6:]}", f"{n[:6]}-{n[6:]}", f"{n[:6]}.{n[6:]}", n[:10], n[1:]]
    out.append(M.FNR_LEADING_ZERO.lstrip("0"))  # a number cell drops the leading zero
    return out


def test_every_corpus_file_has_an_entry_and_every_entry_a_file():
    files = {p.name for p in CORPUS.iterdir() if p.name not in M.OWN_FILES and p.name != "__pycache__"}
    assert files == {e["file"] for e in ENTRIES}
    assert len(files) >= 40


def test_the_committed_corpus_is_what_make_corpus_writes(capsys):
    assert M.check(CORPUS) == 0, capsys.readouterr().out


def test_the_planted_numbers_are_valid_identity_numbers():
    from ke_rules.privacy.identity import is_identity_number

    assert all(is_identity_number(n) for n in M.PLANTED)


# a control character other than a line end (C0, DEL, C1), which would act on the terminal instead of showing
_RAW_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("entry", ENTRIES, ids=_entry_id)
def test_corpus_outcome(entry):
    out = _run(CORPUS / entry["file"], entry.get("args", []), entry.get("isolate", False))
    assert "Traceback" not in out.stderr and "intern feil" not in out.stderr, out.stderr
    for stream, text in (("stdout", out.stdout), ("stderr", out.stderr)):
        raw = _RAW_CONTROL.search(text)
        assert raw is None, f"raw {raw and raw.group()!r} on {stream}: {text[:300]!r}"
    assert out.code == entry["exit"], out.stderr
    if "message" in entry:
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr  # one paragraph
        for fragment in entry["message"]:
            assert fragment in out.stderr
        assert not out.stdout.strip()
    if "findings" in entry:
        report = json.loads(out.stdout)
        assert sorted(f"{f['rule_id']}:{f['subject_id']}" for f in report["findings"]) == entry["findings"]
        expected = sorted(entry["problems"], key=lambda r: [str(v) for v in r])
        assert _problems(report) == expected
        # integrity: a row set aside is a row with an error problem, and every such row is set aside
        for table, count in report["input"]["tables"].items():
            error_rows = {p["row"] for p in report["input_problems"]
                          if p["table"] == table and p["severity"] == "error"}
            assert count["set_aside"] == len(error_rows), table
            assert count["set_aside"] <= count["rows"], table
        if "same_as" in entry:
            other = json.loads(_run((CORPUS / entry["same_as"]).resolve(), entry.get("args", [])).stdout)
            for key in ("findings", "measures", "summary"):
                assert report[key] == other[key], key
            assert {t: c["rows"] for t, c in report["input"]["tables"].items()} == \
                {t: c["rows"] for t, c in other["input"]["tables"].items()}
    if entry.get("planted"):
        for number in _planted_spellings():
            assert number not in out.stdout and number not in out.stderr


# --- the loader fixes the corpus brought out (ke_rules/ingest/read.py), one behaviour each


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir()
    for name, body in files.items():
        (folder / name).write_bytes(body)
    return folder


def test_a_quoted_note_over_several_lines_in_the_last_row_is_read(tmp_path):
    from ke_rules import load_snapshot

    path = _write(tmp_path / "s", {"cases.csv": b'case_id,merknad\r\nS-1,"a\r\nb ""c"""\r\nS-2,"d\r\ne"\r\n'})
    assert list(load_snapshot(path).tables["cases"]["case_id"]) == ["S-1", "S-2"]


def test_a_stray_inch_mark_in_an_unquoted_cell_is_text(tmp_path):
    from ke_rules import load_snapshot

    path = _write(tmp_path / "s", {"cases.csv": b'case_id;merknad\r\nS-1;12" skjerm\r\nS-2;\r\n'})
    assert list(load_snapshot(path).tables["cases"]["case_id"]) == ["S-1", "S-2"]


def test_an_excel_sep_line_sets_the_delimiter_and_the_header_stays_row_1(tmp_path):
    from ke_rules import load_snapshot

    path = _write(tmp_path / "s", {"cases.csv": b"sep=,\r\ncase_id,birth_date\r\nS-1,1.1.2000\r\nS-2,31.02.2000\r\n"})
    snap = load_snapshot(path)
    assert list(snap.tables["cases"]["case_id"]) == ["S-1", "S-2"]
    assert [(p.row, p.column, p.code.value) for p in snap.problems if p.table == "cases"] == \
        [(3, "birth_date", "impossible_date")]


def test_a_key_twice_in_a_row_object_is_refused_but_the_same_key_in_two_rows_is_not(tmp_path):
    from ke_rules import InputRefused, load_snapshot

    path = tmp_path / "s.json"
    path.write_bytes(b'{"cases": [{"case_id": "S-1"}, {"case_id": "S-2", "birth_date": "1.1.2000"}]}')
    assert len(load_snapshot(path).tables["cases"]) == 2
    path.write_bytes(b'{"cases": [{"case_id": "S-1"}, {"case_id": "S-2", "merknad": 1, "merknad": 2}]}')
    with pytest.raises(InputRefused, match="'merknad' står to ganger"):
        load_snapshot(path)
