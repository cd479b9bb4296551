"""The HTML report in a real browser: headless Chromium loads it with no error and no network request.

A self-contained page is the point of the HTML rendering (an auditor opens it offline,
years later), so the page must not ask for any script, font, image or stylesheet from
anywhere; a console error (a Content-Security-Policy violation is one) fails too.
A screenshot is kept for a human to look at: tmp_path and /tmp/ke-report.png.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from ke_rules.report.render import render

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SCREENSHOT_COPY = Path("/tmp/ke-report.png")


def _need(condition: bool, why: str) -> None:
    """Skip on a developer's machine without a browser; in CI a missing browser is a failure."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI is set, so the browser test must run)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    _need(CHROMIUM.is_file(), f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "the playwright package is missing (pip install -e '.[test]')")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, timeout=60_000)
        yield b
        b.close()


def _open(browser, page_file: Path):
    """Load ``page_file``; record console errors, page errors and every request (all but the file are aborted)."""
    url = page_file.as_uri()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))

    def guard(route):
        requests.append(route.request.url)
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    page.route("**/*", guard)
    page.goto(url, wait_until="load", timeout=60_000)
    page.wait_for_timeout(300)
    return page, url, requests, errors


def test_the_guard_catches_a_remote_asset(browser, demo_nb, tmp_path):
    """Control: the same checks fail for a page that loads something from elsewhere or logs an error."""
    html = render(demo_nb, "html").decode("utf-8")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', html)
    assert csp is not None
    remote = '<body><img src="https://example.invalid/x.png">'
    cases = {
        "request.html": (html.replace(csp.group(0), "").replace("<body>", remote, 1), "request"),
        "csp.html": (html.replace("<body>", remote, 1), "error"),  # blocked by the page's CSP: a console error
        "script.html": (html.replace("<head>", "<head><script>console.error('boom')</script>", 1), "error"),
    }
    for name, (text, expect) in cases.items():
        page_file = tmp_path / name
        page_file.write_text(text, encoding="utf-8")
        page, url, requests, errors = _open(browser, page_file)
        page.close()
        if expect == "request":
            assert "https://example.invalid/x.png" in requests, name
        else:
            assert errors, name


def test_demo_report_in_chromium(browser, demo_nb, ruleset, tmp_path):
    page_file = tmp_path / "ke-report.html"
    page_file.write_bytes(render(demo_nb, "html", ruleset=ruleset))
    page, url, requests, errors = _open(browser, page_file)

    assert requests == [url], f"the page asked for more than itself: {requests}"
    assert errors == []

    assert page.locator("h1").inner_text().startswith("Funnrapport")
    assert page.evaluate("document.documentElement.lang") == "nb"
    assert page.locator("table.findings").count() == len({f.rule_id for f in demo_nb.findings})
    assert page.locator("table.findings tbody tr").count() == len(demo_nb.findings)
    assert page.locator("table.problems tbody tr").count() == len(demo_nb.input_problems)
    charts = page.locator("svg.chart")
    assert charts.count() == 2
    for i in range(2):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
    assert page.locator("svg.chart .rule-bar").count() == len(demo_nb.measures)
    assert page.locator("svg.chart .coord-bar").count() == len(demo_nb.coordinator_load)
    assert page.locator("a[href^='https://lovdata.no/']").count() > 0
    assert len(page.inner_text("body")) > 2000

    shot = tmp_path / "ke-report.png"
    page.screenshot(path=str(shot))
    page.screenshot(path=str(tmp_path / "ke-report-full.png"), full_page=True)
    assert shot.stat().st_size > 10_000
    try:
        shutil.copyfile(shot, SCREENSHOT_COPY)
        shutil.copyfile(tmp_path / "ke-report-full.png", SCREENSHOT_COPY.with_name("ke-report-full.png"))
    except OSError:
        pass  # the copy is a convenience for a human; the test's own copy is in tmp_path

    # the print stylesheet: every section starts a new page, so there are several pages
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) >= 5  # summary, compliance, load, findings, problems
    assert errors == []
    page.close()
