"""Target moves (层层加码): how a lower document restates the numeric goals of an upper one.

For every indicator stated at both levels, each lower target is paired with the upper target
of the same indicator that fits it best (same year first, then the nearest year, then the
same kind of comparator) and the move is read off the values:

* ``raised`` / ``lowered`` / ``same`` — when the two values can be compared: rates and
  shares (%, ‰, 个百分点), growth targets (increaseBy), and per-capita / per-unit values
  (人均, 亩均, 户均, 每…) in the same or a convertible unit;
* ``incomparable`` — absolute quantities (3012万亩 vs 2.4万亩): a province and a town
  measure different territories, so the numbers say nothing about ambition; also any pair
  whose units cannot be converted.

>>> _unit_scale("万亩"), _unit_scale("%"), _unit_scale("元")
(('亩', 10000.0), ('%', 1.0), ('元', 1.0))
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from kg.records import TargetRecord

RATE_UNITS = frozenset({"%", "‰", "个百分点"})
_PER_UNIT = re.compile(r"人均|亩均|户均|单产|每[^\s，。]{0,4}?(?:人|户|亩|村|年)|率|比例|占比|比重|系数|指数")
_SCALE = {"万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2}
_FULLWIDTH = {"％": "%", "‰": "‰"}
EPS = 1e-9


@dataclass(frozen=True)
class TargetMove:
    indicator: str
    indicator_id: str
    upper: TargetRecord
    lower: TargetRecord
    move: str  # raised | lowered | same | incomparable
    reason: str  # why comparable / incomparable

    def to_dict(self) -> dict:
        def side(t: TargetRecord) -> dict:
            return {"value": t.value, "unit": t.unit, "comparator": t.comparator, "year": t.year,
                    "value_text": t.value_text, "provision_id": t.provision_id, "indicator_text": t.indicator_text}

        return {"indicator": self.indicator, "indicator_id": self.indicator_id, "upper": side(self.upper),
                "lower": side(self.lower), "move": self.move, "reason": self.reason}


def _unit_scale(unit: str) -> tuple[str, float]:
    """(base unit, factor): 万亩 → (亩, 10000)."""
    u = "".join(_FULLWIDTH.get(c, c) for c in unit.strip())
    if len(u) > 1 and u[0] in _SCALE and u not in RATE_UNITS:
        return u[1:], _SCALE[u[0]]
    return u, 1.0


def comparability(upper: TargetRecord, lower: TargetRecord) -> tuple[bool, str]:
    """Whether two targets of one indicator can be compared across levels, and why.

    >>> from kg.records import Span
    >>> sp = Span(doc_id="d", provision_id="p", sentence_id="p/s_1", start=0, end=1, quote="x")
    >>> def t(v, u, c="gte", ind="农作物耕种收综合机械化率"):
    ...     return TargetRecord(indicator=ind, indicator_id="indicator:" + ind, indicator_text=ind, value=v,
    ...         unit=u, comparator=c, value_text=f"{v}{u}", doc_id="d", provision_id="p", sentence="", span=sp)
    >>> comparability(t(58, "%"), t(62, "%"))
    (True, 'rate')
    >>> comparability(t(3012, "万亩", ind="粮食播种面积"), t(2.4, "万亩", ind="粮食播种面积"))
    (False, 'absolute quantity at different levels')
    >>> comparability(t(1.5, "万元", ind="农村居民人均可支配收入"), t(16000, "元", ind="农村居民人均可支配收入"))
    (True, 'per-unit value')
    """
    ub, uf = _unit_scale(upper.unit)
    lb, lf = _unit_scale(lower.unit)
    if ub != lb:
        return False, f"units differ ({upper.unit} vs {lower.unit})"
    if ub in RATE_UNITS:
        return True, "rate"
    if _PER_UNIT.search(upper.indicator) or _PER_UNIT.search(upper.indicator_text) or _PER_UNIT.search(lower.indicator_text):
        return True, "per-unit value"
    return False, "absolute quantity at different levels"


def move_of(upper: TargetRecord, lower: TargetRecord) -> tuple[str, str]:
    """(move, reason) from upper to lower."""
    ok, reason = comparability(upper, lower)
    if not ok:
        return "incomparable", reason
    uv = upper.value * _unit_scale(upper.unit)[1]
    lv = lower.value * _unit_scale(lower.unit)[1]
    if abs(uv - lv) <= EPS * max(1.0, abs(uv)):
        return "same", reason
    return ("raised" if lv > uv else "lowered"), reason


def _fit(upper: TargetRecord, lower: TargetRecord) -> tuple:
    """Sort key: lower is better."""
    year_gap = abs(upper.year - lower.year) if upper.year and lower.year else (0 if upper.year == lower.year else 50)
    unit_same = _unit_scale(upper.unit)[0] == _unit_scale(lower.unit)[0]
    return (year_gap, not unit_same, upper.comparator != lower.comparator, upper.span.start)


def indicator_key(t: TargetRecord) -> str:
    return t.indicator_id or f"indicator:{t.indicator}"


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _similar_name(a: str, b: str, threshold: float) -> bool:
    x, y = _bigrams(a), _bigrams(b)
    return bool(x and y) and 2 * len(x & y) / (len(x) + len(y)) >= threshold


def target_moves(
    upper: Iterable[TargetRecord], lower: Iterable[TargetRecord], *, fuzzy: float = 0.8
) -> list[TargetMove]:
    """One move per distinct lower target whose indicator the upper document also states,
    in the lower document's order. Indicators match by id; an indicator with no exact match
    falls back to an upper indicator whose name shares ≥ ``fuzzy`` of its bigrams (Dice) and
    whose unit is the same (typos and small wording variants across levels)."""
    by_ind: dict[str, list[TargetRecord]] = defaultdict(list)
    for t in upper:
        by_ind[indicator_key(t)].append(t)
    for t in lower:
        key = indicator_key(t)
        if key in by_ind:
            continue
        for k, ts in list(by_ind.items()):
            if _similar_name(t.indicator, ts[0].indicator, fuzzy) and any(
                _unit_scale(u.unit)[0] == _unit_scale(t.unit)[0] for u in ts
            ):
                by_ind[key] = ts
                break
    out: list[TargetMove] = []
    seen: set[tuple] = set()
    for t in sorted(lower, key=lambda r: r.span.start):
        cands = by_ind.get(indicator_key(t))
        if not cands:
            continue
        key = (indicator_key(t), t.value, t.unit, t.comparator, t.year)
        if key in seen:
            continue
        seen.add(key)
        best = min(cands, key=lambda u: _fit(u, t))
        move, reason = move_of(best, t)
        out.append(TargetMove(t.indicator, indicator_key(t), best, t, move, reason))
    return out
