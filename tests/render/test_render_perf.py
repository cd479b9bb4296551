"""100,000 findings render as HTML well within the 10-second target (the bound here is loose for shared CI)."""

from __future__ import annotations

import time

import pytest

from ke_rules.models import CoordinatorLoad
from ke_rules.render import render

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
