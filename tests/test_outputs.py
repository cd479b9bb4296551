"""Outputs: the input is never overwritten, every file is written whole or not at all, and nothing
from the input drives the terminal (control characters are shown escaped everywhere)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

import ke_rules.ingest.read
from ke_rules.cli import main
from ke_rules.privacy.controls import CONTROLS, escape_controls, escape_json_controls, escape_json_text_controls
from ke_rules.runtime.atomic import atomic_path, write_bytes_atomic

from .conftest import write_csv_folder, write_json

REPO = Path(__file__).resolve().parents[1]
# every control character but the line feed: none may reach stdout, stderr or a text report raw
RAW = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
SNAP = {
    "cases": [{"case_id": f"S-{i}", "opened_on": "2024-01-01", "ip_started_on": "2024-02-01"} for i in range(3)],
    "coordinators": [{"coordinator_id": "K-1"}],
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# --- one function shows every control character escaped


@pytest.mark.parametrize(("text", "shown"), [
    ("\x1b[2Jclear", "\\x1b[2Jclear"),  # CSI: clear the screen
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # OSC: retitle the window, ended by BEL
    ("\x1b]8;;http://x\x1b\\link", "\\x1b]8;;http://x\\x1b\\link"),  # OSC 8 hyperlink, ended by ST
    ("bell\x07", "bell\\x07"),
    ("nul\x00", "nul\\x00"),
    ("OK\rFEIL", "OK\\x0dFEIL"),  # a bare CR would print FEIL over OK
    ("abc\x08\x08\x08xyz", "abc\\x08\\x08\\x08xyz"),  # backspaces overwrite too
    ("tab\there", "tab\\x09here"),
    ("line\nbreak", "line\\x0abreak"),
    ("del\x7f", "del\\x7f"),
    ("\x9b2J", "\\x9b2J"),  # C1 CSI, one byte in Latin-1 terminals
    ("\x9d0;t\x9c", "\\x9d0;t\\x9c"),  # C1 OSC and ST
    ("\x80\x85\x9f", "\\x80\\x85\\x9f"),  # the ends of C1, and NEL
])
def test_escape_controls_shows_every_control_class(text, shown):
    assert escape_controls(text) == shown
    assert not RAW.search(escape_controls(text)) and "\n" not in escape_controls(text)


@pytest.mark.parametrize("text", ["", "æøå ÆØÅ", "«sitat» – “quote”", "nbsp\u00a0§", "\u2028\u2029",
                                  "😀", "S-1", "a\\x1b"])
def test_text_without_controls_is_returned_as_it_is(text):
    assert escape_controls(text) is text
    assert escape_json_text_controls(text) is text


def test_keep_leaves_the_named_controls():
    assert escape_controls("a\nb\x1b\tc", keep="\n") == "a\nb\\x1b\\x09c"
    assert escape_controls("a\nb\tc", keep="\n\t") == "a\nb\tc"
    assert len(CONTROLS) == 65 and all(escape_controls(c) != c for c in CONTROLS)


@pytest.mark.parametrize("value", ["del\x7f", "csi\x9b2J", "\x80\x9f", "mixed \x1b\x7f\x85 «æ» \u00a0", "plain"])
def test_json_escapes_del_and_c1_and_keeps_the_data(value):
    raw = json.dumps({"v": value}, ensure_ascii=False)
    for escaped in (escape_json_text_controls(raw), escape_json_controls(raw.encode()).decode()):
        assert json.loads(escaped) == {"v": value}
        assert not RAW.search(escaped)
    data = raw.encode()
    assert (escape_json_controls(data) is data) == (value == "plain")


# --- --output never names the input


def _folder(tmp_path: Path) -> Path:
    return write_csv_folder(tmp_path / "mappe", {
        "cases": [["case_id", "opened_on"], ["S-1", "2024-01-01"]],
        "coordinators": [["coordinator_id"], ["K-1"]],
    })


def _json(tmp_path: Path) -> Path:
    return write_json(tmp_path / "saker.json", SNAP)


def _link(target: Path, link: Path, hard: bool = False) -> Path:
    try:
        os.link(target, link) if hard else os.symlink(target, link)
    except (OSError, NotImplementedError) as exc:  # Windows without the privilege
        pytest.skip(f"no links here: {exc}")
    return link


REFUSED = {
    "same path": lambda t: (_json(t), t / "saker.json"),
    "./ path": lambda t: (_json(t), t / "." / "sub" / ".." / "saker.json"),
    "symlink to the input": lambda t: (_json(t), _link(t / "saker.json", t / "lenke.json")),
    "hard link to the input": lambda t: (_json(t), _link(t / "saker.json", t / "hard.json", hard=True)),
    "the input folder": lambda t: (_folder(t), t / "mappe"),
    "a table of the folder": lambda t: (_folder(t), t / "mappe" / "cases.csv"),
    "another file in the folder": lambda t: (_folder(t), _touch(t / "mappe" / "notat.txt")),
    "a new csv in the folder": lambda t: (_folder(t), t / "mappe" / "rapport.csv"),
    "a new CSV in the folder": lambda t: (_folder(t), t / "mappe" / "rapport.CSV"),
    "a symlink out of the folder onto a table": lambda t: (_folder(t), _link(t / "mappe" / "cases.csv",
                                                                              t / "rapport.csv")),
}


def _touch(path: Path) -> Path:
    path.write_bytes(b"notat\n")
    return path


def _snapshot_bytes(path: Path) -> dict[str, bytes]:
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    return {str(f): f.read_bytes() for f in files if f.is_file()}


@pytest.mark.parametrize("case", list(REFUSED))
def test_output_over_the_input_is_refused_before_any_work(case, tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    source, output = REFUSED[case](tmp_path)
    before = _snapshot_bytes(source)
    names_before = sorted(p.name for p in tmp_path.rglob("*"))

    def no_reading(*args, **kwargs):
        raise AssertionError("the input was read before the output was checked")

    monkeypatch.setattr(ke_rules.ingest.read, "read_snapshot", no_reading)
    for fmt in ("json", "csv", "md"):
        code, out, err = run("check", str(source), "--output", str(output), "--format", fmt)
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1 and err.startswith("ke-rules: --output") and "(--output" in err
        assert not out
    assert _snapshot_bytes(source) == before  # not a byte changed
    assert sorted(p.name for p in tmp_path.rglob("*")) == names_before  # and nothing written beside it


def test_the_ruleset_file_is_refused_as_output(tmp_path):
    rules = tmp_path / "regler.yaml"
    rules.write_text("name: egen\nextends: nasjonal\n", encoding="utf-8")
    code, _, err = run("check", str(_json(tmp_path)), "--ruleset", str(rules), "--output", str(rules))
    assert code == 2 and "regelsettfilen" in err
    assert rules.read_text(encoding="utf-8") == "name: egen\nextends: nasjonal\n"


def test_another_case_of_the_name_is_refused_where_the_disk_ignores_case(tmp_path):
    source = _json(tmp_path)
    if not (tmp_path / "SAKER.JSON").exists():
        pytest.skip("this file system tells upper and lower case apart")
    code, _, err = run("check", str(source), "--output", str(tmp_path / "SAKER.JSON"))
    assert code == 2 and "inndatafilen" in err


@pytest.mark.parametrize("name", ["rapport.json", "rapport.md", "rapport.xlsx", "undermappe/rapport.csv"])
def test_a_new_report_that_the_loader_would_not_read_may_go_in_the_input_folder(tmp_path, name):
    folder = _folder(tmp_path)
    (folder / "undermappe").mkdir()
    before = _snapshot_bytes(folder)
    code, _, err = run("check", str(folder), "--output", str(folder / name), "-q")
    assert code == 0, err
    after = _snapshot_bytes(folder)
    assert after.pop(str(folder / name)) and after == before
    assert run("check", str(folder), "-q")[0] == 0  # and the next run reads the same tables


def test_a_missing_output_folder_is_refused_before_the_work(tmp_path, monkeypatch):
    monkeypatch.setattr(ke_rules.ingest.read, "read_snapshot", lambda *a, **k: pytest.fail("read"))
    code, _, err = run("check", str(_json(tmp_path)), "--output", str(tmp_path / "finnes-ikke" / "r.json"))
    assert code == 2 and "finnes ikke" in err


# --- every file is written whole or not at all


def _temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(("fmt", "module", "name"), [("md", "md_render", "render_md"),
                                                      ("csv", "csv_render", "render_csv"),
                                                      ("xlsx", "xlsx_render", "render_xlsx"),
                                                      ("html", "html_render", "render_html")])
def test_a_renderer_failing_midway_leaves_the_previous_report_and_no_temporary_file(tmp_path, monkeypatch,
                                                                                    fmt, module, name):
    import importlib

    source = _json(tmp_path)
    report = tmp_path / f"rapport.{fmt}"
    assert run("check", str(source), "-o", str(report), "-q")[0] == 0
    previous = report.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full halfway")

    monkeypatch.setattr(importlib.import_module(f"ke_rules.report.render.{module}"), name, broken)
    code, _, err = run("check", str(source), "-o", str(report), "--as-of", "2026-01-01")
    assert code == 2 and "disk full halfway" in err
    assert report.read_bytes() == previous
    assert _temporaries(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_a_disk_that_fills_up_while_writing_leaves_the_previous_report(tmp_path, fmt):
    """A real short write in a real process: the file-size limit makes the write fail partway (EFBIG)."""
    import resource

    source = _json(tmp_path)
    report = tmp_path / f"rapport.{fmt}"
    assert run("check", str(source), "-o", str(report), "-q")[0] == 0
    previous = report.read_bytes()
    limit = len(previous) // 2

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([sys.executable, "-c", "from ke_rules.cli import main; main()", "check", str(source),
                           "-o", str(report), "--as-of", "2026-01-01"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, preexec_fn=small_disk, timeout=120)
    assert done.returncode == 2 and "kan ikke lese eller skrive en fil" in done.stderr, done.stderr
    assert report.read_bytes() == previous and _temporaries(tmp_path) == []


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError, RuntimeError])
def test_an_interrupted_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path, monkeypatch,
                                                                                interruption):
    import ke_rules.runtime.atomic

    target = tmp_path / "rapport.json"
    target.write_bytes(b"old")

    def interrupted(path):
        assert Path(path).read_bytes() == b"new, half"  # written, not yet in place
        raise interruption()

    monkeypatch.setattr(ke_rules.runtime.atomic, "_fsync", interrupted)
    with pytest.raises(interruption):
        write_bytes_atomic(target, b"new, half")
    assert target.read_bytes() == b"old" and _temporaries(tmp_path) == []


def test_a_report_written_in_pieces_is_whole_or_not_at_all(tmp_path):
    # the JSON report is written a batch of findings at a time: a failure while the pieces are made
    # leaves the old report and no temporary file; success leaves exactly the pieces joined
    target = tmp_path / "rapport.json"
    target.write_bytes(b"old")

    def pieces(fail: bool):
        yield b"{"
        if fail:
            raise ValueError("a finding could not be written")
        yield b"}"

    with pytest.raises(ValueError):
        write_bytes_atomic(target, pieces(fail=True))
    assert target.read_bytes() == b"old" and _temporaries(tmp_path) == []
    write_bytes_atomic(target, pieces(fail=False))
    assert target.read_bytes() == b"{}" and _temporaries(tmp_path) == []


def test_atomic_path_replaces_a_file_keeping_its_mode_and_writes_a_new_one(tmp_path):
    target = tmp_path / "rapport.json"
    write_bytes_atomic(target, b"first")
    assert target.read_bytes() == b"first"
    if os.name == "posix":
        target.chmod(0o600)
    write_bytes_atomic(target, b"second")
    assert target.read_bytes() == b"second" and _temporaries(tmp_path) == []
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o600


def test_a_symlinked_output_keeps_its_link(tmp_path):
    real = tmp_path / "ekte.json"
    real.write_bytes(b"old")
    link = _link(real, tmp_path / "lenke.json")
    write_bytes_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


@pytest.mark.skipif(not os.path.exists(os.devnull) or os.name != "posix", reason="a POSIX null device")
def test_a_device_is_written_in_place(tmp_path):
    write_bytes_atomic(os.devnull, b"x")  # not replaced by a regular file
    with atomic_path(os.devnull) as path:
        assert str(path) == os.devnull
    code, _, err = run("check", str(_json(tmp_path)), "-o", os.devnull, "-q")
    assert code == 0, err


def test_a_folder_is_not_replaced(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_bytes_atomic(tmp_path, b"x")


def test_the_template_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    from openpyxl import Workbook

    path = tmp_path / "mal.xlsx"
    assert run("template", str(path))[0] == 0
    previous = path.read_bytes()

    def half_save(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a workbook")
        raise KeyboardInterrupt

    monkeypatch.setattr(Workbook, "save", half_save)
    result = CliRunner().invoke(main, ["template", str(path), "--force"])
    assert result.exit_code == 1 and "Aborted" in result.output  # click's answer to Ctrl-C
    assert path.read_bytes() == previous and _temporaries(tmp_path) == []


@pytest.mark.parametrize("name", ["s.json", "s.xlsx", "mappe"])
def test_synth_writes_through_temporary_files(tmp_path, name):
    out = tmp_path / name
    result = CliRunner().invoke(main, ["synth", "--cases", "3", "--output", str(out), "--as-of", "2026-11-23"])
    assert result.exit_code == 0, result.output
    folder = out if out.is_dir() else tmp_path
    assert _temporaries(folder) == [] and run("check", str(out), "-q")[0] == 0


# --- nothing from the input drives the terminal

ESC_TEXTS = ["\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "bell\x07", "nul\x00", "OK\rFEIL", "bs\x08\x08", "del\x7f",
             "\x9b31m", "\x9d0;t\x9c"]


def _hostile(tmp_path: Path) -> Path:
    """Control characters in a table name, column names and values (ids, dates, free text)."""
    tricks = "".join(ESC_TEXTS)
    return write_json(tmp_path / "ond.json", {
        "cases": [{"case_id": "S-1\x1b[2J\x7f\x9b", "opened_on": "2024-01-01", "ip_started_on": "2024-02-01",
                   "birth_date": "1.1.2000\x1b]0;x\x07", f"merknad{tricks}": tricks},
                  {"case_id": "S-2", "opened_on": "2024-01-01\r", "closed_on": "\x00"}],
        "coordinators": [{"coordinator_id": "K-1\x08\x08", "name": tricks, "unit": "\x1b[5m"}],
        "assignments": [{"case_id": "S-1\x1b[2J\x7f\x9b", "coordinator_id": "K-1\x08\x08",
                         "start_date": "2024-01-15"}],
        f"ark{tricks}": [{"x": tricks}],
    })


def _no_raw(text: str, where: str, allowed: str = "") -> None:
    raw = [c for c in RAW.findall(text) if c not in allowed]
    assert not raw, f"raw {sorted(set(raw))!r} in {where}"


@pytest.mark.parametrize("fmt", ["json", "md", "csv", "html"])
def test_control_characters_reach_no_output_raw(tmp_path, fmt):
    code, out, err = run("check", str(_hostile(tmp_path)), "--format", fmt, "--as-of", "2026-11-23")
    assert code == 0, err
    assert "\\x1b" in out or "\\u001b" in out  # shown, not dropped
    _no_raw(out, f"the {fmt} report", allowed="\r" if fmt == "csv" else "")
    _no_raw(err, "stderr")
    if fmt == "csv":
        assert "\r" not in out.replace("\r\n", "")  # only as the line end
    if fmt == "json":
        report = json.loads(out)
        assert any(p["value"] == "1.1.2000\x1b]0;x\x07" for p in report["input_problems"])  # the same data
        assert any(f["subject_id"] == "S-1\x1b[2J\x7f\x9b" for f in report["findings"])
    if fmt == "md":
        report = (tmp_path / "r.md")
        assert run("check", str(_hostile(tmp_path)), "-o", str(report), "-q")[0] == 0
        _no_raw(report.read_text(encoding="utf-8"), "the md file")


def test_an_xlsx_report_with_control_characters_is_a_valid_workbook(tmp_path):
    report = tmp_path / "r.xlsx"
    code, _, err = run("check", str(_hostile(tmp_path)), "-o", str(report), "--as-of", "2026-11-23")
    assert code == 0, err
    texts = [v for ws in openpyxl.load_workbook(report).worksheets
             for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "S-1\\x1b[2J\\x7f\\x9b" in texts and not any(RAW.search(t.replace("\n", "")) for t in texts)
    book = CalamineWorkbook.from_path(str(report))
    assert all(book.get_sheet_by_name(n).to_python() for n in book.sheet_names)


@pytest.mark.skipif(os.name == "nt", reason="Windows file names cannot hold control characters")
def test_file_and_column_names_of_a_csv_folder_are_shown_escaped(tmp_path):
    folder = write_csv_folder(tmp_path / "mappe\x1b[2J", {
        "cases": [["case_id", "opened_on", "merknad\x1b]0;x\x07"], ["S-1", "2024-01-01", "\x1b[5m"]],
        "ark\x1b[31m\x9b": [["x"], ["\x07"]],
    })
    for fmt in ("json", "md"):
        code, out, err = run("check", str(folder), "--format", fmt)
        assert code == 0, err
        _no_raw(out, fmt)
        _no_raw(err, "stderr")
    code, _, err = run("check", str(folder / "cases.csv" / "x"))  # a refusal quoting the path
    assert code == 2 and "mappe\\x1b[2J" in err
    _no_raw(err, "stderr")


@pytest.mark.parametrize("doc", [
    b'{"cases": [{"case_id": "S-1", "k\\u001b[2J\\u0007": 1, "k\\u001b[2J\\u0007": 2}]}',  # a key twice
    b'{"cases": [{"case_id": "S-1"}], "cases": [{"case_id": "S-2\\u001b]0;x\\u0007"}]}',  # a table twice
    b'{"cases\\u001b[2J\\r\\n": [{"case_id": "S-1"}]}',  # no cases table
])
def test_a_refusal_quoting_the_input_is_one_escaped_line(tmp_path, doc):
    path = tmp_path / "ond\r\x1b[2J.json" if os.name != "nt" else tmp_path / "ond.json"
    path.write_bytes(doc)
    code, out, err = run("check", str(path))
    assert code == 2 and not out
    assert len(err.splitlines()) == 1 and err.startswith("ke-rules: ")
    _no_raw(err, "stderr")


def test_a_real_process_prints_no_raw_control_character(tmp_path):
    """The same through a real stdout and stderr (click's terminal handling, the encoding of the streams)."""
    source = _hostile(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    prog = "from ke_rules.cli import main; main()"
    for fmt in ("json", "md"):
        done = subprocess.run([sys.executable, "-c", prog, "check", str(source), "--format", fmt],
                              capture_output=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        _no_raw(done.stdout.decode("utf-8"), f"stdout ({fmt})")
        _no_raw(done.stderr.decode("utf-8"), "stderr")
    bad = tmp_path / "ond.json"
    key = b'"k\\u001b]0;x\\u0007\\u009b"'
    bad.write_bytes(b'{"cases": [{"case_id": "S-1", ' + key + b": 1, " + key + b": 2}]}")
    done = subprocess.run([sys.executable, "-c", prog, "check", str(bad)], capture_output=True, env=env, timeout=120)
    assert done.returncode == 2 and b"\\x1b]0;x\\x07\\x9b" in done.stderr
    _no_raw(done.stderr.decode("utf-8"), "stderr")


def test_a_library_warning_is_one_escaped_line(tmp_path, monkeypatch):
    real = ke_rules.ingest.read.read_snapshot

    def warns(path):
        warnings.warn("Unknown extension in sheet 'ark\x1b[2J'\nsecond line", UserWarning, stacklevel=1)
        return real(path)

    monkeypatch.setattr(ke_rules.ingest.read, "read_snapshot", warns)
    code, out, err = run("check", str(_json(tmp_path)))
    assert code == 0 and json.loads(out)
    assert "ke-rules: UserWarning: Unknown extension in sheet 'ark\\x1b[2J' second line" in err.splitlines()
    _no_raw(err, "stderr")


def _evil_ruleset(tmp_path: Path) -> Path:
    path = tmp_path / "ond.yaml"
    path.write_text('name: "ond\\e[2J"\nextends: nasjonal\nrules:\n  KE-CONSENT:\n    title:\n'
                    '      nb: "Samtykke\\e]0;tittel\\a mangler\\x9b31m"\n      en: "Consent\\e[2J\\x7f"\n'
                    '    basis:\n      - citation: "Rutine\\e[5m pkt. 1\\r"\n        kind: lokal_rutine\n'
                    "        url: null\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [["rules", "list"], ["rules", "list", "--format", "json"],
                                  ["rules", "show", "KE-CONSENT"], ["rules", "show", "KE-CONSENT", "--lang", "en",
                                                                    "--format", "json"]])
def test_rules_list_and_show_print_a_rulesets_text_escaped(tmp_path, args):
    code, out, err = run(*args, "--ruleset", str(_evil_ruleset(tmp_path)))
    assert code == 0, err
    assert "x1b" in out or "u001b" in out
    _no_raw(out, "stdout")
    if "json" in args:
        assert json.loads(out)


def test_a_rulesets_text_in_the_reports(tmp_path):
    rules = _evil_ruleset(tmp_path)
    snap = write_json(tmp_path / "s.json", {"cases": [{"case_id": "S-1", "ip_started_on": "2024-01-01"}]})
    for fmt in ("md", "html", "csv", "json"):
        code, out, err = run("check", str(snap), "--ruleset", str(rules), "--format", fmt)
        assert code == 0, err
        _no_raw(out, fmt, allowed="\r" if fmt == "csv" else "")
    report = tmp_path / "r.xlsx"
    assert run("check", str(snap), "--ruleset", str(rules), "-o", str(report))[0] == 0
    assert "\\x1b" in openpyxl.load_workbook(report).properties.title  # the ruleset's name is in the title


def test_evidence_is_json_without_raw_controls():
    from ke_rules.report.render.common import evidence_json

    text = evidence_json({"v": "a\x1b\x7f\x9b", "n": 1})
    assert json.loads(text) == {"v": "a\x1b\x7f\x9b", "n": 1} and not RAW.search(text)



@pytest.mark.parametrize(("value", "cell"), [
    ("a\x1b[2J\r\nb\x07", "a\\\\x1b\\[2J b\\\\x07"),  # a line break is a space, ESC shows (its backslash escaped)
    ("\x9b31m\x7f", "\\\\x9b31m\\\\x7f"),
    ("plain | text", "plain \\| text"),
])
def test_a_markdown_cell_shows_controls_and_stays_one_line(value, cell):
    from ke_rules.report.render.md_render import md_text

    assert md_text(value) == cell


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="POSIX permissions, not as root")
def test_a_read_only_report_is_not_replaced(tmp_path):
    target = tmp_path / "rapport.json"
    target.write_bytes(b"keep")
    target.chmod(0o444)
    with pytest.raises(PermissionError):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"keep" and _temporaries(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
def test_an_xlsx_report_is_not_written_to_a_terminal(tmp_path):
    import pty

    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-c", "from ke_rules.cli import main; main()", "check",
                               str(_json(tmp_path)), "--format", "xlsx"], stdout=follower, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2 and b"--output" in done.stderr
