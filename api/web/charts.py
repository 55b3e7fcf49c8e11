"""Inline SVG charts of target values: round value ticks, a time axis in years, undated values set
apart and labelled in the page's language.

>>> nice_ticks(88.28, 97.6)
[88, 90, 92, 94, 96, 98]
>>> nice_ticks(1.2, 1.5)
[1.2, 1.3, 1.4, 1.5]
>>> nice_ticks(95, 95)
[94.0, 94.5, 95.0, 95.5, 96.0]
>>> year_ticks([2024, 2025, 2027])
[2024, 2025, 2026, 2027]
>>> year_ticks([2020, 2035])
[2020, 2025, 2030, 2035]
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from api.web.render import LEVEL_COLOURS

_DEFAULT_TEXT = {"chart.undated": "undated", "chart.year": "year", "chart.change": "change",
                 "chart.left_out": "{n} more in other units not drawn"}


def _nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10^k not below ``raw``."""
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw - 1e-12)


def nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Round value ticks covering ``[lo, hi]`` (about ``n`` of them; a single value gets a small
    band around it)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        pad = abs(lo) * 0.01 if lo else 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step((hi - lo) / max(1, n - 1))
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def year_ticks(years: Sequence[int], most: int = 6) -> list[int]:
    """Every year from the first to the last, or every 2nd/5th/10th … when there are too many."""
    lo, hi = min(years), max(years)
    step = next((s for s in (1, 2, 5, 10, 20, 50) if (hi - lo) / s <= most), 100)
    first = lo - lo % step if step > 1 else lo
    return [y for y in range(first, hi + 1, step) if y >= lo] + ([] if (hi - first) % step == 0 else [hi])


def _kind(t: dict) -> tuple[str, bool]:
    """What a value measures: its unit, and whether it is a change (增长 5%) or a level (达到 5%)."""
    return t.get("unit") or "", t.get("comparator") in ("increaseBy", "percentagePoint")


def _fmt(v: float, step: float) -> str:
    digits = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    return f"{v:,.{digits}f}"


def target_chart(targets: Sequence[dict], level_label: Callable[[str], str] = lambda lv: lv,
                 text: Callable[[str], str] = lambda k: _DEFAULT_TEXT.get(k, k),
                 width: int = 560, height: int = 230) -> Markup:
    """Target values by year, one colour per level: a time axis with a tick per year (or per 2, 5 …
    years), round value ticks, and targets without a year in a separate column on the right,
    drawn hollow and labelled ``text("chart.undated")``. Only the most common kind of value is drawn
    (one unit, levels or changes: a growth of 5% is not a level of 5%); a note counts the others.

    >>> svg = str(target_chart([{"value": 63.5, "unit": "%", "year": 2024, "level": "provincial"},
    ...                          {"value": 64, "unit": "%", "year": 2027, "level": "township"},
    ...                          {"value": 60, "unit": "%", "year": None, "level": "county"}],
    ...                         text={"chart.undated": "未注明年份", "chart.year": "年份"}.get))
    >>> svg.startswith("<svg") and svg.count("<title>") == 3  # one point per target
    True
    >>> "未注明年份" in svg and ">2026<" in svg and "n.d." not in svg
    True
    >>> svg = str(target_chart([{"value": 5, "unit": "%", "year": 2024, "comparator": "increaseBy"},
    ...                          {"value": 4, "unit": "%", "year": 2024, "comparator": "increaseBy"},
    ...                          {"value": 13.86, "unit": "亿元", "year": 2025, "comparator": "eq"}]))
    >>> '>change <tspan lang="zh-CN">%<' in svg and "1 more in other units not drawn" in svg and svg.count("<title>") == 2
    True
    >>> str(target_chart([]))
    ''
    """
    pts = [t for t in targets if isinstance(t.get("value"), (int, float))]
    if not pts:
        return Markup("")
    kinds: dict[tuple[str, bool], int] = {}
    for t in pts:
        kinds[_kind(t)] = kinds.get(_kind(t), 0) + 1
    kind = max(kinds, key=lambda k: kinds[k])
    left_out = len(pts) - kinds[kind]
    pts = [t for t in pts if _kind(t) == kind]
    years = sorted({t["year"] for t in pts if t.get("year")})
    undated = any(not t.get("year") for t in pts)
    ticks = nice_ticks(min(t["value"] for t in pts), max(t["value"] for t in pts))
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    left, right, top, bottom = 64, 130, 22, 42
    pw, ph = width - left - right, height - top - bottom
    undated_w = 64 if undated else 0
    tw = pw - undated_w  # the time axis; the undated column sits to its right
    x_ticks = year_ticks(years) if years else []

    def x(year: int | None) -> float:
        if not year:
            return left + tw + undated_w / 2
        if len(x_ticks) < 2 and len(years) < 2:
            return left + tw / 2
        y0, y1 = min(x_ticks[0], years[0]), max(x_ticks[-1], years[-1])
        return left + 20 + (tw - 40) * (year - y0) / (y1 - y0)

    def y(v: float) -> float:
        return top + ph - (v - lo) / (hi - lo) * ph

    out = [(f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img">')]
    for v in ticks:
        yy = y(v)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" class="grid"/>')
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" class="tick">{_fmt(v, step)}</text>')
    for yr in x_ticks:
        out.append(f'<line x1="{x(yr):.1f}" x2="{x(yr):.1f}" y1="{top + ph}" y2="{top + ph + 4}" class="axis"/>')
        out.append(f'<text x="{x(yr):.1f}" y="{top + ph + 16}" text-anchor="middle" class="tick">{yr}</text>')
    if years:
        out.append(f'<text x="{left + tw / 2:.1f}" y="{height - 6}" text-anchor="middle" class="tick">'
                   f'{escape(text("chart.year"))}</text>')
    if undated:
        ux = left + tw
        out.append(f'<line x1="{ux}" x2="{ux}" y1="{top}" y2="{top + ph}" class="axis" stroke-dasharray="3 3"/>')
        out.append(f'<text x="{ux + undated_w / 2:.1f}" y="{top + ph + 16}" text-anchor="middle" '
                   f'class="tick undated">{escape(text("chart.undated"))}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" class="axis"/>')
    change = escape(text("chart.change")) + " " if kind[1] else ""
    out.append(f'<text x="{left}" y="{top - 8}" class="tick">{change}<tspan lang="zh-CN">{escape(kind[0])}</tspan></text>')  # unit as printed
    if left_out:
        out.append(f'<text x="{width - 6}" y="{height - 6}" text-anchor="end" class="note">'
                   f'{escape(text("chart.left_out").format(n=left_out))}</text>')
    levels = [lv for lv in LEVEL_COLOURS if any(t.get("level") == lv for t in pts)]
    levels += sorted({t.get("level") or "unknown" for t in pts} - set(levels))
    for li, lv in enumerate(levels):
        colour = LEVEL_COLOURS.get(lv, "#666")
        mine = [t for t in pts if (t.get("level") or "unknown") == lv]
        dated = sorted((t for t in mine if t.get("year")), key=lambda t: t["year"])
        if len(dated) > 1:
            path = " ".join(f"{x(t['year']):.1f},{y(t['value']):.1f}" for t in dated)
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5" opacity="0.6"/>')
        for t in mine:
            when = t.get("year") or text("chart.undated")
            tip = escape(f"{t.get('doc_place') or t.get('place') or ''} "
                         f"{t.get('value_label') or t.get('value_text') or t['value']} · {when}")
            fill = colour if t.get("year") else "#fff"
            out.append(f'<circle cx="{x(t.get("year")):.1f}" cy="{y(t["value"]):.1f}" r="5" fill="{fill}" '
                       f'stroke="{colour}" stroke-width="1.5" lang="zh-CN"><title>{tip}</title></circle>')  # place, value as printed
        ly = top + 14 + li * 18
        out.append(f'<circle cx="{left + pw + 16}" cy="{ly - 4}" r="5" fill="{colour}"/>')
        out.append(f'<text x="{left + pw + 26}" y="{ly}" class="legend">{escape(level_label(lv))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


__all__ = ["nice_ticks", "target_chart", "year_ticks"]
