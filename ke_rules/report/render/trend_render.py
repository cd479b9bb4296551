"""The trend as JSON, HTML or XLSX: one entry point, :func:`render_trend`.

HTML: one line chart per rule, drawn here as inline SVG (no script, font or image
fetched), with the compliance rate as a solid line and the rate after waivers as a
dashed one, dates on the x axis and 0–100 % on the y axis; each chart has a ``<title>``
and a ``<desc>`` that reads the points out, and the numbers are in a table beneath it.

XLSX, for the KE leader in Excel: first a rule × period table of the rates (what goes
into the annual internal-control report as it is, and what the eye compares across), then
the same for the rate after waivers; a "Data" sheet with one row per rule and as_of and
every measure (to filter or pivot); and a "Charts" sheet with a native Excel line chart
per rule drawn from the Data sheet, so a chart follows any correction made there.
"""

from __future__ import annotations

import datetime as dt
import io

from markupsafe import Markup, escape

from ke_rules.privacy.controls import escape_controls
from ke_rules.report.render.common import fmt_date, fmt_int, fmt_percent
from ke_rules.report.render.period_labels import note_text, period_labels
from ke_rules.report.trend import TrendPoint, TrendReport, TrendSeries

__all__ = ["render_trend", "TREND_FORMATS", "line_chart", "trend_notes"]

TREND_FORMATS: tuple[str, ...] = ("json", "xlsx", "html")

_RATE = "#2f6f9f"
_AFTER = "#c77c0e"
_GRID = "#e6e9ee"
_INK = "#1f2933"
_MUTED = "#5f6b7a"


def trend_notes(tr: TrendReport) -> list[str]:
    return [note_text(code, tr.lang) for code in tr.notes]


def render_trend(tr: TrendReport, fmt: str) -> bytes:
    """``tr`` as ``fmt`` (json, xlsx or html) bytes."""
    if fmt == "json":
        return tr.to_json_bytes()
    if fmt == "html":
        return _html(tr)
    if fmt == "xlsx":
        return _xlsx(tr)
    raise ValueError(f"unknown trend format {fmt!r}; choose one of {', '.join(TREND_FORMATS)}")


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _days(iso: str) -> int:
    return dt.date.fromisoformat(iso).toordinal()


def line_chart(s: TrendSeries, lang: str, *, chart_id: str) -> Markup:
    """An accessible SVG line chart of one rule's rate and rate after waivers over the periods.

    The x axis is time (points spaced by their real dates, so an uneven gap shows), the y
    axis 0–100 % with gridlines every 25 %. A missing point (the rule was not in that
    report, or nobody was examined) breaks the line rather than joining its neighbours.
    """
    t = period_labels(lang)
    width, height = 720, 260
    left, right, top, bottom = 56, 650, 16, 200  # room for the last date label
    first, last = s.points[0].as_of, s.points[-1].as_of
    span = max(_days(last) - _days(first), 1)

    def x(p: TrendPoint) -> float:
        if len(s.points) == 1:
            return (left + right) / 2
        return left + (_days(p.as_of) - _days(first)) / span * (right - left)

    def y(rate: float) -> float:
        return bottom - max(0.0, min(1.0, rate)) * (bottom - top)

    spoken = "; ".join(t["chart_point"].format(date=fmt_date(p.as_of, lang), rate=fmt_percent(p.rate, lang),
                                               after=fmt_percent(p.rate_after_waivers, lang)) for p in s.points)
    desc = t["chart_desc"].format(rule=s.rule_id, first=fmt_date(first, lang), last=fmt_date(last, lang),
                                  points=spoken)
    title = f"{s.rule_id} – {t['rate']}"
    cid = escape(chart_id)
    body = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart trend" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-labelledby="{cid}-title {cid}-desc" '
            f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12">',
            f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>']
    for pct in (0, 25, 50, 75, 100):
        gy = y(pct / 100)
        body.append(f'<line x1="{left}" y1="{_num(gy)}" x2="{right}" y2="{_num(gy)}" '
                    f'stroke="{_MUTED if pct == 0 else _GRID}"/>')
        label = f"{pct}\u00a0%" if lang != "en" else f"{pct}%"
        body.append(f'<text x="{left - 6}" y="{_num(gy + 4)}" text-anchor="end" fill="{_MUTED}">{label}</text>')
    every = max(1, -(-len(s.points) // 8))  # at most about 8 date labels
    for i, p in enumerate(s.points):
        px = x(p)
        body.append(f'<line x1="{_num(px)}" y1="{bottom}" x2="{_num(px)}" y2="{bottom + 4}" stroke="{_MUTED}"/>')
        if i % every == 0 or i == len(s.points) - 1:
            body.append(f'<text x="{_num(px)}" y="{bottom + 18}" text-anchor="middle" fill="{_MUTED}">'
                        f'{escape(fmt_date(p.as_of, lang))}</text>')
    # the dashed line last: where the two coincide (no waivers) the solid one shows through its gaps
    for key, colour, dash, name in (("rate", _RATE, "", t["rate"]),
                                    ("rate_after_waivers", _AFTER, ' stroke-dasharray="6 4"', t["rate_after_waivers"])):
        runs: list[list[tuple[float, float, TrendPoint]]] = [[]]
        for p in s.points:
            value = getattr(p, key)
            if value is None:
                runs.append([])
            else:
                runs[-1].append((x(p), y(value), p))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{_num(a)},{_num(b)}" for a, b, _ in run)
                body.append(f'<polyline class="line-{key}" points="{path}" fill="none" stroke="{colour}" '
                            f'stroke-width="2.5"{dash}/>')
            for a, b, p in run:
                body.append(f'<circle class="point-{key}" cx="{_num(a)}" cy="{_num(b)}" r="3.5" fill="{colour}">'
                            f'<title>{escape(fmt_date(p.as_of, lang))}: {escape(name)} '
                            f'{escape(fmt_percent(getattr(p, key), lang))}</title></circle>')
    ly = height - 18
    body.append(f'<line x1="{left}" y1="{ly}" x2="{left + 28}" y2="{ly}" stroke="{_RATE}" stroke-width="2.5"/>')
    body.append(f'<text x="{left + 34}" y="{ly + 4}" fill="{_INK}">{escape(t["rate"])}</text>')
    lx = left + 220
    body.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 28}" y2="{ly}" stroke="{_AFTER}" stroke-width="2.5" '
                f'stroke-dasharray="6 4"/>')
    body.append(f'<text x="{lx + 34}" y="{ly + 4}" fill="{_INK}">{escape(t["rate_after_waivers"])}</text>')
    body.append("</svg>")
    return Markup("".join(body))


def _html(tr: TrendReport) -> bytes:
    from ke_rules import __version__
    from ke_rules.report.render.diff_render import _env_template

    lang = tr.lang
    t = period_labels(lang)
    rulesets = tr.rulesets or [("", "")] * len(tr.periods)
    periods = [{"iso": p, "date": fmt_date(p, lang), "ruleset": name, "sha256": sha}
               for p, (name, sha) in zip(tr.periods, rulesets, strict=True)]
    series = []
    for i, s in enumerate(tr.series):
        rows = [(t["population"], [_count(p.population, lang) for p in s.points]),
                (t["findings"], [_count(p.findings, lang) for p in s.points]),
                (t["rate"], [fmt_percent(p.rate, lang) for p in s.points]),
                (t["rate_after_waivers"], [fmt_percent(p.rate_after_waivers, lang) for p in s.points])]
        series.append({"rule_id": s.rule_id, "chart": line_chart(s, lang, chart_id=f"chart-{i}"), "rows": rows})
    page = _env_template("trend.html.j2").render(
        lang=lang, t=t, version=__version__, schema_version=tr.schema_version,
        title=f"{t['trend_title']} – {fmt_date(tr.periods[0], lang)} → {fmt_date(tr.periods[-1], lang)}",
        notes=trend_notes(tr), periods=periods, series=series)
    return escape_controls(page, keep="\n").encode("utf-8")


def _count(n: int | None, lang: str) -> str:
    return "–" if n is None else fmt_int(n, lang)


def _xlsx(tr: TrendReport) -> bytes:
    from xlsxwriter import Workbook
    from xlsxwriter.utility import xl_rowcol_to_cell

    from ke_rules.report.render.safe import xlsx_text
    from ke_rules.report.render.xlsx_render import _Formats, _lines, _Sheet

    lang = tr.lang
    t = period_labels(lang)
    out = io.BytesIO()
    wb = Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                        "strings_to_numbers": False})
    wb.set_properties({"title": xlsx_text(f"{t['trend_title']} – {tr.periods[0]} – {tr.periods[-1]}"),
                       "author": "ke-rules",
                       "created": dt.datetime.combine(dt.date.fromisoformat(tr.periods[-1]), dt.time())})
    date_format = "dd.mm.yyyy" if lang != "en" else "yyyy-mm-dd"
    fm = _Formats(wb, date_format)
    head_date = wb.add_format({"bold": True, "valign": "top", "align": "right", "pattern": 1, "bg_color": "#DDE4EE",
                               "num_format": date_format})
    dates = [dt.date.fromisoformat(p) for p in tr.periods]

    # 1: rule × period tables, the notes first
    s = _Sheet(wb, t["rate"], fm)
    s.widths([24] + [12] * len(dates))
    s.fit_width(landscape=len(dates) > 6)
    s.next_row()
    s.text(0, t["trend_title"], fm.title)
    note_format = wb.add_format({"text_wrap": True, "valign": "top", "pattern": 1, "bg_color": "#FCD9A0",
                                 "bold": True})
    last_col = max(len(dates), 4)
    for note in trend_notes(tr):
        s.next_row()
        s.ws.merge_range(s.row, 0, s.row, last_col, xlsx_text(note), note_format)
        s.ws.set_row(s.row, 15.0 * _lines(note, 24 + 12 * last_col) + 4)
    for key, title in (("rate", t["table_rate"]), ("rate_after_waivers", t["table_rate_after"])):
        s.next_row()
        s.next_row()
        s.text(0, title, fm.bold)
        s.next_row()
        s.text(0, t["rule_id"], fm.header)
        for col, day in enumerate(dates, 1):
            s.ws.write_datetime(s.row, col, day, head_date)
        for series in tr.series:
            s.next_row()
            s.text(0, series.rule_id)
            for col, p in enumerate(series.points, 1):
                s.number(col, getattr(p, key), fm.percent)

    # 2: one row per rule and as_of, every measure
    data = _Sheet(wb, t["data"], fm)
    header = [t["rule_id"], t["as_of"], t["population"], t["findings"], t["rate"], t["rate_after_waivers"]]
    data.widths([24, 14, 12, 10, 14, 16])
    n_rows = sum(len(x.points) for x in tr.series)
    data.table_frame(len(header), n_rows)
    data.header(header)
    spans: list[tuple[str, int, int]] = []  # rule id, first and last data row
    for series in tr.series:
        start = data.row + 1
        for p in series.points:
            data.next_row()
            data.text(0, series.rule_id)
            data.date(1, dt.date.fromisoformat(p.as_of))
            data.number(2, p.population)
            data.number(3, p.findings)
            data.number(4, p.rate, fm.percent)
            data.number(5, p.rate_after_waivers, fm.percent)
        spans.append((series.rule_id, start, data.row))

    # 3: a native line chart per rule, two per row
    charts = wb.add_worksheet(t["charts"])
    sheet_ref = "'" + t["data"].replace("'", "''") + "'"
    for i, (rule_id, first, last) in enumerate(spans):
        chart = wb.add_chart({"type": "line"})
        for col, name, colour, dash in ((4, t["rate"], "#2F6F9F", "solid"),
                                        (5, t["rate_after_waivers"], "#C77C0E", "dash")):
            chart.add_series({
                "name": name,
                "categories": f"={sheet_ref}!{xl_rowcol_to_cell(first, 1, True, True)}:"
                              f"{xl_rowcol_to_cell(last, 1, True, True)}",
                "values": f"={sheet_ref}!{xl_rowcol_to_cell(first, col, True, True)}:"
                          f"{xl_rowcol_to_cell(last, col, True, True)}",
                "line": {"color": colour, "width": 2.25, "dash_type": dash},
                "marker": {"type": "circle", "size": 5, "fill": {"color": colour}, "border": {"color": colour}},
            })
        chart.set_title({"name": xlsx_text(rule_id), "name_font": {"size": 12}})
        chart.set_y_axis({"min": 0, "max": 1, "major_unit": 0.25, "num_format": "0%",
                          "major_gridlines": {"visible": True, "line": {"color": "#E6E9EE"}}})
        chart.set_x_axis({"date_axis": True, "num_format": date_format})
        chart.set_legend({"position": "bottom"})
        chart.show_blanks_as("gap")
        chart.set_size({"width": 520, "height": 300})
        charts.insert_chart(1 + (i // 2) * 16, 1 + (i % 2) * 9, chart)
    wb.close()
    return out.getvalue()
