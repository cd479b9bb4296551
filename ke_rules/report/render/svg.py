"""Charts as inline SVG, drawn in Python: the HTML report needs no script and no remote asset.

Every text that reaches the SVG passes through ``markupsafe.escape`` and every number is
formatted here, so a rule id or coordinator id from a user's file cannot inject markup.
Each function returns ``Markup`` that the (autoescaping) template inserts as is.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from markupsafe import Markup, escape

from ke_rules.report.models import CoordinatorLoad
from ke_rules.report.render.common import RuleRow, fmt_int, fmt_percent
from ke_rules.report.render.labels import labels

__all__ = ["compliance_chart", "load_bars", "load_histogram", "MAX_BARS"]

MAX_BARS = 60  # above this many coordinators the load chart becomes a histogram
_WIDTH = 820
_BAR = "#2f6f9f"
_OVER = "#c0392b"
_TRACK = "#e6e9ee"
_INK = "#1f2933"
_MUTED = "#5f6b7a"


def _num(x: float) -> str:
    """A coordinate: at most one decimal, no exponent."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _svg(height: float, label: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_WIDTH} {_num(height)}" '
            f'width="{_WIDTH}" height="{_num(height)}" role="img" aria-label="{escape(label)}" '
            f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="12">')
    return Markup(head + "".join(body) + "</svg>")


def nice_step(span: float, target: int = 5) -> int:
    """A 1-2-5 tick step giving about ``target`` ticks over ``span`` (at least 1)."""
    if span <= target:
        return 1
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return int(m * power)
    return int(10 * power)


def compliance_chart(rows: Sequence[RuleRow], lang: str) -> Markup:
    """One horizontal bar per rule: the share compliant, labelled with the rate and the population."""
    t = labels(lang)
    left, bar_w, row_h, top = 270, 380, 36, 8
    height = top + row_h * max(len(rows), 1) + 8
    body: list[str] = []
    for i, r in enumerate(rows):
        y = top + i * row_h
        name = escape(r.rule_id)
        body.append(f'<g class="rule-bar"><title>{name}{" – " + escape(r.title) if r.title else ""}: '
                    f'{escape(fmt_percent(r.rate, lang))}, n = {escape(fmt_int(r.population, lang))}</title>')
        body.append(f'<text x="0" y="{_num(y + 13)}" font-weight="600" fill="{_INK}">{name}</text>')
        if r.title:
            body.append(f'<text x="0" y="{_num(y + 28)}" font-size="11" fill="{_MUTED}">'
                        f'{escape(_clip(r.title, 44))}</text>')
        body.append(f'<rect x="{left}" y="{_num(y + 6)}" width="{bar_w}" height="18" fill="{_TRACK}"/>')
        if r.rate is None:
            body.append(f'<text x="{left + 6}" y="{_num(y + 19)}" fill="{_MUTED}">{escape(t["no_population"])}</text>')
        else:
            w = max(0.0, min(1.0, r.rate)) * bar_w
            body.append(f'<rect x="{left}" y="{_num(y + 6)}" width="{_num(w)}" height="18" fill="{_BAR}"/>')
        label = f"{fmt_percent(r.rate, lang)} · n = {fmt_int(r.population, lang)}"
        body.append(f'<text x="{left + bar_w + 8}" y="{_num(y + 19)}" fill="{_INK}">{escape(label)}</text></g>')
    return _svg(height, t["compliance"], body)


def load_bars(loads: Sequence[CoordinatorLoad], lang: str) -> Markup:
    """One horizontal bar per coordinator (active cases), each with its own limit marked by a tick."""
    t = labels(lang)
    left, right, row_h, top = 130, 720, 20, 8
    scale_max = max([1] + [c.active_cases for c in loads] + [c.limit for c in loads])
    step = nice_step(scale_max)
    scale_max = math.ceil(scale_max / step) * step
    px = (right - left) / scale_max
    height = top + row_h * len(loads) + 30
    body: list[str] = []
    axis_y = top + row_h * len(loads) + 4
    for v in range(0, scale_max + 1, step):
        x = left + v * px
        body.append(f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{_num(axis_y)}" stroke="{_TRACK}"/>')
        body.append(f'<text x="{_num(x)}" y="{_num(axis_y + 14)}" text-anchor="middle" fill="{_MUTED}">{v}</text>')
    for i, c in enumerate(loads):
        y = top + i * row_h
        over = c.active_cases > c.limit
        cid = escape(c.coordinator_id)
        body.append(f'<g class="coord-bar"><title>{cid}: {escape(t["active_cases"])} {c.active_cases}, '
                    f'{escape(t["limit"])} {c.limit}</title>')
        body.append(f'<text x="{left - 8}" y="{_num(y + 14)}" text-anchor="end" fill="{_INK}">'
                    f'{escape(_clip(c.coordinator_id, 18))}</text>')
        body.append(f'<rect x="{left}" y="{_num(y + 4)}" width="{_num(c.active_cases * px)}" height="13" '
                    f'fill="{_OVER if over else _BAR}"/>')
        lx = left + c.limit * px
        body.append(f'<line x1="{_num(lx)}" y1="{_num(y + 1)}" x2="{_num(lx)}" y2="{_num(y + 20)}" '
                    f'stroke="{_INK}" stroke-width="2.5"/>')
        body.append(f'<text x="{_num(max(left + c.active_cases * px, lx) + 6)}" y="{_num(y + 14)}" '
                    f'fill="{_OVER if over else _MUTED}" font-size="11">{c.active_cases} / {c.limit}</text></g>')
    return _svg(height, t["coordinator_load"], body)


def load_histogram(loads: Sequence[CoordinatorLoad], limit: int | None, lang: str) -> Markup:
    """How many coordinators carry 0, 1, 2, … active cases, with the default limit as a dashed line.

    Used when there are too many coordinators for one bar each (a national snapshot has
    thousands); bins widen so there are at most 50 of them.
    """
    t = labels(lang)
    left, right, top, bottom = 64, 800, 24, 250
    height = bottom + 44
    top_value = max([0] + [c.active_cases for c in loads] + ([limit] if limit is not None else []))
    width = max(1, math.ceil((top_value + 1) / 50))
    n_bins = top_value // width + 1
    counts = Counter(c.active_cases // width for c in loads)
    y_max = max([1] + list(counts.values()))
    y_step = nice_step(y_max)
    y_max = math.ceil(y_max / y_step) * y_step
    bin_px = (right - left) / n_bins
    py = (bottom - top) / y_max
    body: list[str] = []
    for v in range(0, y_max + 1, y_step):
        y = bottom - v * py
        body.append(f'<line x1="{left}" y1="{_num(y)}" x2="{right}" y2="{_num(y)}" stroke="{_TRACK}"/>')
        body.append(f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end" fill="{_MUTED}">'
                    f'{escape(fmt_int(v, lang))}</text>')
    label_every = max(1, math.ceil(n_bins / 20))
    for b in range(n_bins):
        lo, hi = b * width, b * width + width - 1
        n = counts.get(b, 0)
        x = left + b * bin_px
        over = limit is not None and lo > limit
        name = str(lo) if width == 1 else f"{lo}–{hi}"
        if n:
            body.append(f'<rect class="hist-bar" x="{_num(x + 1)}" y="{_num(bottom - n * py)}" '
                        f'width="{_num(max(bin_px - 2, 1))}" height="{_num(n * py)}" fill="{_OVER if over else _BAR}">'
                        f'<title>{escape(name)}: {escape(fmt_int(n, lang))} {escape(t["coordinators_axis"])}</title>'
                        f'</rect>')
        if b % label_every == 0:
            body.append(f'<text x="{_num(x + bin_px / 2)}" y="{bottom + 16}" text-anchor="middle" '
                        f'fill="{_MUTED}">{escape(name)}</text>')
    body.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{_MUTED}"/>')
    body.append(f'<text x="{_num((left + right) / 2)}" y="{bottom + 36}" text-anchor="middle" fill="{_INK}">'
                f'{escape(t["active_cases"])}</text>')
    body.append(f'<text x="12" y="{_num(top - 8)}" fill="{_INK}">{escape(t["coordinators_axis"])}</text>')
    if limit is not None:
        # the boundary between "at the limit" and "above it"
        lx = left + (limit + 1) / width * bin_px
        body.append(f'<line class="limit" x1="{_num(lx)}" y1="{top - 4}" x2="{_num(lx)}" y2="{bottom}" '
                    f'stroke="{_OVER}" stroke-width="2" stroke-dasharray="6 4"/>')
        body.append(f'<text x="{_num(lx + 6)}" y="{top + 8}" fill="{_OVER}">'
                    f'{escape(t["limit"])} {escape(fmt_int(limit, lang))}</text>')
    return _svg(height, t["coordinator_load"], body)
