"""`ke_rules.trend`: report-contract.md, "Trend"."""

from __future__ import annotations

import io
import itertools
import re
import zipfile

import openpyxl
import pytest

import ke_rules
from ke_rules.report.periods import ComparisonRefused
from ke_rules.report.render.trend_render import render_trend

from .periods_helpers import made, measure, real

DATES = ["2026-03-31", "2026-06-30", "2026-11-23"]


@pytest.fixture(scope="module")
def three():
    return [real("lund", d) for d in DATES]


def test_trend_of_three_reports_equals_their_measures_in_date_order(three):
    t = ke_rules.trend([three[2], three[0], three[1]]).to_dict()  # given out of order
    assert list(t) == ["schema_version", "kind", "periods", "series"]
    assert t["schema_version"] == "1" and t["kind"] == "trend"
    assert t["periods"] == DATES
    rule_ids = sorted({m["rule_id"] for r in three for m in r["measures"]})
    assert [s["rule_id"] for s in t["series"]] == rule_ids
    for s in t["series"]:
        assert [p["as_of"] for p in s["points"]] == DATES
        for report, point in zip(three, s["points"], strict=True):
            m = next(m for m in report["measures"] if m["rule_id"] == s["rule_id"])
            assert list(point) == ["as_of", "population", "findings", "rate", "rate_after_waivers"]
            assert (point["population"], point["findings"], point["rate"]) == (m["population"], m["findings"],
                                                                              m["rate"])
            assert point["rate_after_waivers"] == m.get("rate_after_waivers", m["rate"])


def test_a_rule_missing_from_a_report_gives_a_null_point():
    a = made("2026-01-01", measures=[measure("R-2", 4, 1, 0.75)])
    b = made("2026-04-01", measures=[measure("R-1", 2, 0, 1.0), measure("R-2", 4, 0, 1.0, waived=0,
                                                                        rate_after_waivers=1.0)])
    t = ke_rules.trend([a, b]).to_dict()
    assert [s["rule_id"] for s in t["series"]] == ["R-1", "R-2"]
    assert t["series"][0]["points"][0] == {"as_of": "2026-01-01", "population": None, "findings": None,
                                           "rate": None, "rate_after_waivers": None}
    assert t["series"][0]["points"][1] == {"as_of": "2026-04-01", "population": 2, "findings": 0, "rate": 1.0,
                                           "rate_after_waivers": 1.0}


@pytest.mark.parametrize(("extra", "expected"), [
    ({}, 0.5),  # written before waivers: equals rate
    ({"waived": 1, "rate_after_waivers": 0.75}, 0.75),
    ({"waived": 0, "rate_after_waivers": None}, None),
])
def test_rate_after_waivers_is_read_or_defaults_to_rate(extra, expected):
    a = made("2026-01-01", measures=[measure("R-1", 4, 2, 0.5, **extra)])
    b = made("2026-02-01", measures=[measure("R-1", 4, 2, 0.5, **extra)])
    point = ke_rules.trend([a, b]).series[0].points[0]
    assert point.rate == 0.5 and point.rate_after_waivers == expected


@pytest.mark.parametrize(("reports", "nb", "en"), [
    ([made("2026-01-01"), made("2026-01-01")], "samme vurderingsdato", "same as_of"),
    ([made("2026-01-01")], "to eller flere", "two or more"),
    ([], "to eller flere", "two or more"),
    ([made("2026-01-01"), {**made("2026-02-01"), "schema_version": "2"}], "ulik schema_version",
     "different schema_version"),
    ([made("2026-01-01"), made("2026-02-01"), made("2026-03-01", pseudonymized=True, key_id="abcdef012345")],
     "pseudonymisert", "pseudonymised"),
    ([made("2026-01-01", pseudonymized=True, key_id="abcdef012345"),
      made("2026-02-01", pseudonymized=True, key_id="0123456789ab")], "ulike nøkler", "different keys"),
    ([made("2026-01-01"), {"cases": []}], "ikke en ke-rules-rapport", "not a ke-rules report"),
])
def test_trend_refusals(reports, nb, en):
    with pytest.raises(ComparisonRefused, match=nb):
        ke_rules.trend(reports)
    with pytest.raises(ComparisonRefused, match=en):
        ke_rules.trend(reports, lang="en")


def test_older_reports_and_changed_rulesets_are_noted():
    t = ke_rules.trend([made("2026-01-01", pseudonymized=None, sha="1" * 64), made("2026-02-01", sha="2" * 64)])
    assert t.notes == ["ruleset_changed", "pseudonymization_unchecked"]
    assert "notes" not in t.to_dict()


def test_html_has_an_accessible_inline_svg_line_chart_per_rule_and_fetches_nothing(three):
    t = ke_rules.trend(three)
    html = render_trend(t, "html").decode()
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == len(t.series)
    for svg, s in zip(svgs, t.series, strict=True):
        assert 'role="img"' in svg and "<title" in svg and "<desc" in svg and s.rule_id in svg
        assert "aria-labelledby" in svg
        for label in ("0\u00a0%", "50\u00a0%", "100\u00a0%", "31.03.2026", "23.11.2026"):
            assert label in svg
        joined = any(a.rate is not None and b.rate is not None for a, b in itertools.pairwise(s.points))
        if joined:  # a rule that examined nobody on a date has no point there, and no line through it
            assert 'class="line-rate"' in svg and 'class="line-rate_after_waivers"' in svg
    assert any('class="line-rate"' in svg for svg in svgs)
    assert "<script" not in html and "<img" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    en = render_trend(t.model_copy(update={"lang": "en"}), "html").decode()
    assert "2026-03-31" in en and "100%" in en and "Rate after waivers" in en


def test_a_missing_point_breaks_the_line():
    a = made("2026-01-01", measures=[measure("R-1", 2, 0, 1.0)])
    b = made("2026-02-01", measures=[])
    c = made("2026-03-01", measures=[measure("R-1", 2, 1, 0.5)])
    svg = render_trend(ke_rules.trend([a, b, c]), "html").decode()
    assert "<polyline" not in svg  # no two neighbouring points to join
    assert svg.count('class="point-rate"') == 2


def test_xlsx_has_the_rule_by_period_table_a_data_row_per_point_and_a_line_chart_per_rule(three):
    t = ke_rules.trend(three)
    data = render_trend(t, "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Samsvarsgrad", "Data", "Diagrammer"]
    table = wb["Samsvarsgrad"]
    rows = [[c.value for c in r] for r in table.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[0] == "Regel")
    assert [d.date().isoformat() for d in rows[head][1:4]] == DATES
    first = t.series[0]
    assert rows[head + 1][:4] == [first.rule_id, *(p.rate for p in first.points)]
    sheet = wb["Data"]
    body = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert len(body) == len(t.series) * len(DATES)
    assert body[0][0] == first.rule_id and body[0][1].date().isoformat() == DATES[0]
    assert body[0][2:] == [first.points[0].population, first.points[0].findings, first.points[0].rate,
                           first.points[0].rate_after_waivers]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) == len(t.series)
        xml = z.read(charts[0]).decode()
    assert "<c:lineChart>" in xml and xml.count("<c:ser>") == 2 and "Data'!$B$2:$B$4" in xml
