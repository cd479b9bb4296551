"""``--format pdf`` (report-contract.md, "More output formats"): the HTML report printed to A4 by a
headless Chromium/Edge, checked with poppler: every rule with findings in the text; the as_of date
(30.06.2026 / 2026-06-30), the ruleset and "Side i / N" on every page; page 1 A4-sized and not blank;
no machine path anywhere in the file; a long unbroken word wraps instead of shrinking the page.

Needs a Chromium-family browser (Debian: apt-get install chromium) and poppler-utils (pdftotext,
pdftoppm). Without them the tests skip, except with CI set (CI=true), where a skip would hide a
missing install step and is a failure instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ke_rules.cli import main
from ke_rules.errors import KeRulesError
from ke_rules.report.render import pdf_render, render
from ke_rules.report.render.pdf_render import BROWSER_ENV, find_browser, print_css

from .conftest import DEMO, RULESET

AS_OF = "2026-06-30"
A4_PT = (595.0, 842.0)


def _need(condition: bool, why: str) -> None:
    """Skip on a developer's machine without the tools; with CI set that is a failure."""
    if condition:
        return
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{why} (CI is set, so the PDF tests must run)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def tools() -> None:
    try:
        find_browser()
        browser = True
    except KeRulesError:
        browser = False
    _need(browser, "no Chromium, Chrome or Edge ≥ 131 to print with (apt-get install chromium)")
    _need(bool(shutil.which("pdftotext") and shutil.which("pdftoppm")),
          "pdftotext/pdftoppm missing (apt-get install poppler-utils)")


def _pdf_via_cli(folder: Path, lang: str) -> Path:
    out = folder / f"rapport-{lang}.pdf"
    result = CliRunner().invoke(main, ["check", str(DEMO), "--ruleset", RULESET, "--as-of", AS_OF, "--lang", lang,
                                       "-q", "--output", str(out)])  # the format from the suffix
    assert result.exit_code == 0, result.output
    assert not list(folder.glob(".*.tmp")), "written through a temporary file and renamed"
    return out


@pytest.fixture(scope="module")
def pdf_nb(tools, tmp_path_factory) -> Path:
    return _pdf_via_cli(tmp_path_factory.mktemp("pdf-nb"), "nb")


@pytest.fixture(scope="module")
def pdf_en(tools, tmp_path_factory) -> Path:
    return _pdf_via_cli(tmp_path_factory.mktemp("pdf-en"), "en")


@pytest.fixture(scope="module")
def demo_june(ruleset):
    import ke_rules

    return ke_rules.check(DEMO, ruleset=ruleset, as_of=AS_OF, lang="nb")


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    pages = text.decode("utf-8").split("\f")
    return [p for p in pages if p.strip()]


def _all_bytes(pdf: Path) -> bytes:
    """The file and every Flate stream in it decompressed (where link targets and metadata live)."""
    raw = pdf.read_bytes()
    parts = [raw]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", raw, re.S):
        try:
            parts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


@pytest.mark.parametrize(("lang", "date", "page_word", "ruleset_word"), [
    ("nb", "30.06.2026", "Side", "Regelsett: lund"),
    ("en", "2026-06-30", "Page", "Ruleset: lund"),
])
def test_every_page_has_date_ruleset_and_number(request, lang, date, page_word, ruleset_word):
    pages = _pages(request.getfixturevalue(f"pdf_{lang}"))
    n = len(pages)
    assert n >= 2, "the demo report is several pages long"
    for i, page in enumerate(pages, start=1):
        assert date in page, f"page {i}: the as_of date"
        assert ruleset_word in page, f"page {i}: the ruleset"
        assert re.search(rf"{page_word} {i} / {n}\b", page), f"page {i}: '{page_word} {i} / {n}'"


def test_text_holds_every_rule_with_findings(pdf_nb, demo_june):
    text = "\n".join(_pages(pdf_nb))
    rule_ids = {f.rule_id for f in demo_june.findings}
    assert rule_ids
    for rule_id in rule_ids:
        assert rule_id in text, rule_id
    for f in demo_june.findings:  # every subject of a finding too
        assert f.subject_id in text, f.subject_id


def test_page_one_is_a4_and_not_blank(pdf_nb, tmp_path):
    info = subprocess.run(["pdfinfo", str(pdf_nb)], capture_output=True, check=False).stdout.decode()
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    if size:  # pdfinfo comes with pdftotext (poppler-utils)
        assert abs(float(size.group(1)) - A4_PT[0]) < 2 and abs(float(size.group(2)) - A4_PT[1]) < 2, info
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", "-singlefile", str(pdf_nb),
                    str(tmp_path / "p1")], check=True)
    png = (tmp_path / "p1.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert abs(width - 595) <= 2 and abs(height - 842) <= 2, (width, height)  # A4 at 72 dpi, portrait
    subprocess.run(["pdftoppm", "-gray", "-r", "20", "-f", "1", "-l", "1", "-singlefile", str(pdf_nb),
                    str(tmp_path / "p1")], check=True)
    pgm = (tmp_path / "p1.pgm").read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    assert header is not None
    pixels = pgm[header.end():]
    dark = sum(1 for b in pixels if b < 200)
    assert dark / len(pixels) > 0.02, "page 1 is not blank"


def test_no_machine_path_in_the_pdf(pdf_nb):
    data = _all_bytes(pdf_nb)
    for needle in (b"file:", b"rapport.html", b"ke-rules-pdf-", str(Path.home()).encode(),
                   str(pdf_nb.parent).encode(), os.getcwd().encode()):
        assert needle not in data, needle


def _word_boxes(pdf: Path, word: str) -> list[tuple[float, float, float, float]]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    boxes = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)
    return [tuple(map(float, b[:4])) for b in boxes if b[4] == word]  # type: ignore[misc]


def test_a_long_word_wraps_and_the_page_is_not_shrunk(tools, demo_june, ruleset, tmp_path, pdf_nb):
    token = "Ubruttord" * 60  # 540 characters with no break opportunity
    first = demo_june.findings[0].model_copy(update={"message": token, "subject_id": "S-" + "9" * 80})
    report = demo_june.model_copy(update={"findings": [first, *demo_june.findings[1:]]})
    out = tmp_path / "long.pdf"
    out.write_bytes(render(report, "pdf", ruleset=ruleset))
    html = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, check=True).stdout.decode()
    pieces = []  # the token's wrapped lines, page by page, top to bottom
    for page_no, page in enumerate(html.split("<page ")[1:]):
        for x0, y0, _x1, _y1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page):
            if len(word) >= 10 and re.fullmatch(r"[Ubrutod]+", word):  # a wrapped line of the token
                pieces.append((page_no, float(y0), float(x0), word))
    lines = [p[3] for p in sorted(pieces)]
    assert len(lines) > 3, "the word is wrapped over several lines"
    assert "".join(lines) == token, "the whole word is printed, none of it cut off at the page edge"
    xmax = [float(x) for x in re.findall(r'xMax="([\d.]+)"', html)]
    assert max(xmax) <= A4_PT[0], "nothing runs off the page"
    # the same heading is the same size as in the ordinary report: the page was not scaled down to fit
    plain, long = _word_boxes(pdf_nb, "Sammendrag"), _word_boxes(out, "Sammendrag")
    assert plain and long
    assert abs((plain[0][3] - plain[0][1]) - (long[0][3] - long[0][1])) < 0.5


def test_long_tables_repeat_their_header(tools, demo_june, ruleset, tmp_path):
    """A findings table over several pages shows its header row again on each page it continues on."""
    many = [demo_june.findings[0].model_copy(update={"subject_id": f"S-{i}", "message": f"Melding nummer {i}."})
            for i in range(120)]
    report = demo_june.model_copy(update={"findings": many})
    out = tmp_path / "many.pdf"
    out.write_bytes(render(report, "pdf", ruleset=ruleset))
    pages = [p for p in _pages(out) if "Melding nummer" in p]
    assert len(pages) >= 3
    for page in pages:
        assert "Beskrivelse" in page and "Grunnlag" in page, "the header row is repeated"


# -- without a browser ------------------------------------------------------------------------------------------------

def test_no_browser_is_exit_2_naming_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(BROWSER_ENV, raising=False)
    monkeypatch.setattr(pdf_render.sys, "platform", "linux")  # no Windows or macOS install folders to look in
    with pytest.raises(KeRulesError, match="apt-get install chromium"):
        find_browser()
    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(main, ["check", str(DEMO), "--ruleset", RULESET, "-q", "--output", str(out)])
    assert result.exit_code == 2
    assert "Microsoft Edge" in result.output and "apt-get install chromium" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_missing_chosen_browser_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(BROWSER_ENV, str(tmp_path / "nope" / "msedge.exe"))
    with pytest.raises(KeRulesError, match=f"{BROWSER_ENV}=.*no such browser"):
        find_browser()


@pytest.mark.skipif(sys.platform == "win32", reason="a fake browser as a shell script")
@pytest.mark.parametrize(("version", "ok"), [("120.0.6099.109", False), ("130.0.1.1", False),
                                             ("131.0.6778.85", True), ("156.0.8078.114", True)])
def test_browser_version_boundary(tmp_path, monkeypatch, version, ok):
    fake = tmp_path / "chromium"
    fake.write_text(f"#!/bin/sh\necho 'Chromium {version} built on Debian'\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(BROWSER_ENV, raising=False)
    monkeypatch.setattr(pdf_render.sys, "platform", "linux")
    if ok:
        assert find_browser().version == int(version.split(".")[0])
    else:
        with pytest.raises(KeRulesError, match=f"too old\\): chromium {version.split('.')[0]}"):
            find_browser()


def test_print_css_cannot_be_broken_out_of(demo_june):
    hostile = demo_june.model_copy(update={"ruleset": demo_june.ruleset.model_copy(
        update={"name": 'x"; } </style><script>alert(1)</script>'})})
    css = print_css(hostile)
    assert "</style>" not in css[:-len("</style>\n")] and "<script" not in css
    assert css.count('"') % 2 == 0


@pytest.mark.parametrize(("ci", "outcome"), [("true", "fail"), ("1", "fail"), ("", "skip"), ("false", "skip")])
def test_ci_turns_a_skip_into_a_failure(monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception
    with pytest.raises(expected):
        _need(False, "tool missing")
