"""`ke-rules diff OLD NEW` and `ke-rules trend REPORT...` on reports written by `ke-rules check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ke_rules.cli import main

from .report.periods_helpers import DEMO, made

DATES = ["2026-03-31", "2026-06-30", "2026-11-23"]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("reports")
    paths = []
    for day in DATES:
        out = folder / f"rapport-{day}.json"
        assert run("check", DEMO, "--ruleset", "lund", "--as-of", day, "-o", out, "-q")[0] == 0
        paths.append(out)
    return paths


def test_diff_writes_the_json_to_stdout_and_exits_0(reports):
    code, out, err = run("diff", reports[0], reports[2])
    assert code == 0
    d = json.loads(out)
    assert d["kind"] == "diff" and d["old"]["as_of"] == DATES[0] and d["new"]["as_of"] == DATES[2]
    assert d["findings"]["new"] or d["findings"]["resolved"]
    assert "Traceback" not in err


@pytest.mark.parametrize(("suffix", "magic"), [(".json", b"{"), (".xlsx", b"PK"), (".html", b"<!DOCTYPE html>"),
                                               (".md", b"# ")])
def test_diff_format_follows_the_output_suffix(reports, tmp_path, suffix, magic):
    out = tmp_path / f"endringer{suffix}"
    assert run("diff", reports[0], reports[1], "-o", out)[0] == 0
    assert out.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


@pytest.mark.parametrize(("suffix", "magic"), [(".json", b"{"), (".xlsx", b"PK"), (".html", b"<!DOCTYPE html>")])
def test_trend_format_follows_the_output_suffix(reports, tmp_path, suffix, magic):
    out = tmp_path / f"utvikling{suffix}"
    assert run("trend", *reports, "-o", out)[0] == 0
    assert out.read_bytes().startswith(magic)


def test_trend_sorts_the_reports_by_date(reports):
    code, out, _ = run("trend", reports[2], reports[0], reports[1])
    assert code == 0 and json.loads(out)["periods"] == DATES


def test_english_headings_with_lang_en(reports):
    en = run("diff", reports[0], reports[2], "--format", "md", "--lang", "en")[1].decode()
    nb = run("diff", reports[0], reports[2], "--format", "md")[1].decode()
    assert "## New findings" in en and "## Nye funn" in nb


def test_the_notes_go_to_stderr_too(tmp_path):
    old, new = tmp_path / "a.json", tmp_path / "b.json"
    old.write_text(json.dumps(made("2026-01-01", pseudonymized=None, sha="1" * 64)), encoding="utf-8")
    new.write_text(json.dumps(made("2026-02-01", sha="2" * 64)), encoding="utf-8")
    code, out, err = run("diff", old, new)
    assert code == 0 and json.loads(out)["kind"] == "diff"
    assert "ulike regelsett" in err and "Pseudonymisering kunne ikke kontrolleres" in err
    assert "different rulesets" in run("diff", old, new, "--lang", "en")[2]


@pytest.mark.parametrize("command", ["diff", "trend"])
@pytest.mark.parametrize("which", [0, 1])
def test_output_over_an_input_is_refused(reports, command, which):
    before = reports[which].read_bytes()
    code, out, err = run(command, reports[0], reports[1], "-o", reports[which])
    assert code == 2 and out == b""
    assert "skrevet over" in err and "Traceback" not in err
    assert reports[which].read_bytes() == before


def _write(tmp_path: Path, name: str, data) -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return p


REFUSALS = [
    ("not json", lambda t: (_write(t, "a.json", made("2026-01-01")), _write(t, "b.json", "a;b\n1;2\n")),
     "ikke en ke-rules-rapport", "not a ke-rules report"),
    ("missing file", lambda t: (_write(t, "a.json", made("2026-01-01")), t / "borte.json"), "finnes ikke",
     "does not exist"),
    ("schema", lambda t: (_write(t, "a.json", made("2026-01-01")),
                          _write(t, "b.json", {**made("2026-02-01"), "schema_version": "2"})),
     "ulik schema_version", "different schema_version"),
    ("pseudonymised", lambda t: (_write(t, "a.json", made("2026-01-01", pseudonymized=True, key_id="0" * 12)),
                                 _write(t, "b.json", made("2026-02-01"))), "pseudonymisert", "pseudonymised"),
    ("key", lambda t: (_write(t, "a.json", made("2026-01-01", pseudonymized=True, key_id="0" * 12)),
                       _write(t, "b.json", made("2026-02-01", pseudonymized=True, key_id="1" * 12))),
     "ulike nøkler", "different keys"),
]


@pytest.mark.parametrize(("case", "make", "nb", "en"), REFUSALS, ids=[r[0] for r in REFUSALS])
@pytest.mark.parametrize("command", ["diff", "trend"])
def test_refusals_are_one_paragraph_exit_2_in_the_chosen_language(tmp_path, case, make, nb, en, command):
    a, b = make(tmp_path)
    for lang, words in (("nb", nb), ("en", en)):
        code, out, err = run(command, a, b, "--lang", lang)
        assert code == 2 and out == b""
        assert words in err and "Traceback" not in err
        assert err.startswith("ke-rules: ") and err.count("\n") == 1


def test_diff_refuses_old_later_than_new(reports):
    code, _, err = run("diff", reports[2], reports[0])
    assert code == 2 and "tidsrekkefølge" in err
    assert "time order" in run("diff", reports[2], reports[0], "--lang", "en")[2]


def test_trend_refuses_two_reports_with_the_same_date(reports, tmp_path):
    copy = tmp_path / "kopi.json"
    copy.write_bytes(reports[0].read_bytes())
    code, _, err = run("trend", reports[0], copy, reports[1])
    assert code == 2 and "samme vurderingsdato" in err


def test_trend_needs_two_reports(reports):
    code, _, err = run("trend", reports[0])
    assert code == 2 and "to eller flere" in err


def test_help_lists_the_commands():
    code, out, _ = run("--help")
    assert code == 0 and b"diff" in out and b"trend" in out
