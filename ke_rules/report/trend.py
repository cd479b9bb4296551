"""``ke-rules trend REPORT...``: each rule's measures over several periods (report-contract.md, "Trend").

For the yearly internal-control review: is the share of compliant subjects rising, rule by
rule, and how much of it is accepted deviations (``rate_after_waivers`` above ``rate``)?
The reports are sorted by as_of whatever order they are given in; two with the same as_of
are refused (one period, two answers). ``series`` is sorted by rule id over the union of
the reports' rules; a report without a rule gives that point nulls. The refusals are
diff's (:func:`~ke_rules.report.periods.comparable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from ke_rules.report.periods import (
    ComparisonRefused,
    LoadedReport,
    PeriodsOutput,
    ReportSource,
    comparable,
    load_report,
)

__all__ = ["trend", "trend_loaded", "TrendReport", "TrendSeries", "TrendPoint"]


class TrendPoint(BaseModel):
    """One rule in one period; all but as_of null when that period's report lacks the rule."""

    as_of: str
    population: int | None
    findings: int | None
    rate: float | None
    rate_after_waivers: float | None


class TrendSeries(BaseModel):
    rule_id: str
    points: list[TrendPoint]


class TrendReport(PeriodsOutput):
    """Measures per rule and period; ``to_json_bytes()`` is the contract's JSON."""

    schema_version: str = "1"
    kind: Literal["trend"] = "trend"
    periods: list[str]
    series: list[TrendSeries]
    # not in the JSON: the notes the renderings show at the top, the rulesets per period, the language
    notes: list[str] = Field(default_factory=list, exclude=True)
    rulesets: list[tuple[str, str]] = Field(default_factory=list, exclude=True)  # (name, sha256) per period
    lang: Literal["nb", "en"] = Field(default="nb", exclude=True)



def trend_loaded(reports: Sequence[LoadedReport], lang: str = "nb") -> TrendReport:
    """The trend of reports already read by :func:`~ke_rules.report.periods.load_report`."""
    if len(reports) < 2:
        raise ComparisonRefused(
            "a trend needs two or more reports (one per period)." if lang == "en" else
            "en utvikling over tid trenger to eller flere rapporter (én per periode).")
    notes = comparable(reports, lang)
    ordered = sorted(reports, key=lambda r: r.as_of)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.as_of == b.as_of:
            raise ComparisonRefused(
                f"{a.label} and {b.label} have the same as_of ({a.as_of}); a trend has one report per date. "
                "Leave one of them out." if lang == "en" else
                f"{a.label} og {b.label} har samme vurderingsdato ({a.as_of}); en utvikling har én rapport per "
                "dato. Utelat en av dem.")
    by_period = [{m.rule_id: m for m in r.measures} for r in ordered]
    rule_ids = sorted(set().union(*by_period))
    series = []
    for rule_id in rule_ids:
        points = []
        for r, measures in zip(ordered, by_period, strict=True):
            m = measures.get(rule_id)
            points.append(TrendPoint(as_of=r.as_of, population=None, findings=None, rate=None, rate_after_waivers=None)
                          if m is None else
                          TrendPoint(as_of=r.as_of, population=m.population, findings=m.findings, rate=m.rate,
                                     rate_after_waivers=m.rate_after_waivers))
        series.append(TrendSeries(rule_id=rule_id, points=points))
    return TrendReport(periods=[r.as_of for r in ordered], series=series, notes=notes,
                       rulesets=[(r.ruleset_name, r.ruleset_sha256) for r in ordered],
                       lang="en" if lang == "en" else "nb")


def trend(reports: Sequence[ReportSource], *, lang: str = "nb") -> TrendReport:
    """Measures per rule across two or more reports (paths, parsed dicts, or Report models), in as_of order.

    Raises :class:`~ke_rules.report.periods.ComparisonRefused` as :func:`ke_rules.diff` does,
    and for fewer than two reports or two with the same as_of.
    """
    if isinstance(reports, str | bytes | dict):
        raise ComparisonRefused("trend takes a list of reports." if lang == "en" else
                                "trend tar en liste med rapporter.")
    loaded = [load_report(r, label=f"{'report' if lang == 'en' else 'rapport'} {i}", lang=lang)
              for i, r in enumerate(reports, 1)]
    return trend_loaded(loaded, lang)
