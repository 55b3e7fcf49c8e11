"""Readable terminal tables for the ``policykg`` listings: columns aligned by display width
(a CJK character takes two cells), long cells cut with an ellipsis.

>>> print(render_table(["指标", "值"], [["粮食产量", "1万吨"], ["rate", "64%"]]))
指标      值
--------  -----
粮食产量  1万吨
rate      64%
>>> cut("农业科技进步贡献率", 10)
'农业科技…'
"""
from __future__ import annotations

from typing import Sequence

from wcwidth import wcswidth, wcwidth

GAP = "  "


def width(text: str) -> int:
    """Terminal cells ``text`` takes (control characters count as one)."""
    w = wcswidth(text)
    return w if w >= 0 else sum(max(wcwidth(c), 1) for c in text)


def cut(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` cells, ending in … when shortened."""
    if width(text) <= limit:
        return text
    out, used = [], 1
    for c in text:
        cw = max(wcwidth(c), 1)
        if used + cw > limit:
            break
        out.append(c)
        used += cw
    return "".join(out) + "…"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 40) -> str:
    """``rows`` under ``headers``, left-aligned, each cell but the last column's at most
    ``max_width`` cells wide (newlines flattened to spaces); trailing blanks stripped."""
    last = len(headers) - 1
    cells = [[c if i == last else cut(c, max_width) for i, c in enumerate(" ".join(str(x).split()) for x in row)]
             for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return GAP.join(v + " " * (w - width(v)) for v, w in zip(values, widths)).rstrip()

    rule = ["-" * (w if i < last else min(w, max(max_width, width(headers[last])))) for i, w in enumerate(widths)]
    return "\n".join([line(headers), line(rule), *(line(r) for r in cells)])
