"""100,000 findings render as HTML and XLSX well within their targets (the bounds here are loose for shared CI)."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from ke_rules.report.models import CoordinatorLoad
from ke_rules.report.render import render
from ke_rules.report.render.xlsx_render import MAX_LINKS_PER_SHEET

N = 100_000


@pytest.mark.slow
def test_html_for_100k_findings_and_25k_coordinators(demo_nb, ruleset):
    base = demo_nb.findings
    findings = [base[i % len(base)].model_copy(update={"subject_id": f"S-{i}"}) for i in range(N)]
    loads = [CoordinatorLoad(coordinator_id=f"K-{i}", active_cases=(i * 7919) % 11, limit=5) for i in range(25_000)]
    big = demo_nb.model_copy(update={"findings": findings, "coordinator_load": loads})
    start = time.perf_counter()
    html = render(big, "html", ruleset=ruleset)
    elapsed = time.perf_counter() - start
    assert html.count(b'<tr class="sev-') == N + len(demo_nb.input_problems)
    assert b'class="hist-bar"' in html and b'class="coord-bar"' not in html
    assert elapsed < 20, f"HTML for {N:,} findings took {elapsed:.1f} s"


@pytest.mark.slow
def test_xlsx_for_100k_findings(demo_nb, ruleset):
    """About 15 s on a busy 2-core machine (openpyxl took 50-120 s); past Excel's 65,530 links the URL is text."""
    base = [f for f in demo_nb.findings if any(b.url for b in f.basis)]  # every row has a link to make
    findings = [base[i % len(base)].model_copy(update={"subject_id": f"S-{i}"}) for i in range(N)]
    big = demo_nb.model_copy(update={"findings": findings})
    start = time.perf_counter()
    data = render(big, "xlsx", ruleset=ruleset)
    elapsed = time.perf_counter() - start
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet2.xml")
    assert sheet.count(b"<hyperlink ") == MAX_LINKS_PER_SHEET
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Funn").to_python()
    assert len(rows) == N + 1 and rows[-1][4] == f"S-{N - 1}"
    urls = [r[8] for r in rows[1:]]
    assert len(urls) == N and all(u.startswith("https://") for u in urls)
    assert elapsed < 60, f"XLSX for {N:,} findings took {elapsed:.1f} s"
