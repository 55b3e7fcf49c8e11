"""Slogan genealogy: how a numbered formulation (“四千行动”, “三改善”) changes between levels.

Slogans are matched by id (the same name at both levels) or, when the numeral moves with the
list, by the rest of the name (城市 “三改善” → 镇 “四改善”: a rename). Their components are
then aligned one-to-one by character-bigram similarity with quantities folded out (so that
“千万亩高标准农田改造提升” still meets “高标准农田改造提升”): identical → kept, similar →
reworded (a pair), left over → added (lower only) or dropped (upper only).

>>> g = component_alignment(["农村住房条件", "农民出行条件"], ["农村住房条件", "农村卫生厕所条件", "农民出行条件"])
>>> g["kept"], g["added"], g["dropped"]
(['农村住房条件', '农民出行条件'], ['农村卫生厕所条件'], [])
>>> component_alignment(["千万亩高标准农田改造提升"], ["高标准农田改造提升"])["reworded"]
[['千万亩高标准农田改造提升', '高标准农田改造提升']]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from kg.records import SloganRecord

_NUMERAL = "零一二三四五六七八九十百千万亿两"
_LEADING = re.compile(rf"^[{_NUMERAL}\d]+(?:个)?")
#: quantity words inside components: 千万亩, 千亿级, 千个, 10万, 100个
_QUANTITY = re.compile(rf"[{_NUMERAL}\d.]+(?:亩|级|个|家|户|名|吨|元|人|村|镇|项)?(?=[\u4e00-\u9fff])")
_PUNCT = re.compile(r"[\s“”\"'‘’《》、，,。；;：:（）()·•]")


def name_stem(name: str) -> str:
    """A slogan name without its leading numeral: 四改善 → 改善, 三个提升 → 提升.

    >>> name_stem("四改善"), name_stem("三个提升"), name_stem("千万工程")
    ('改善', '提升', '工程')
    """
    return _LEADING.sub("", name)


def _fold(text: str) -> str:
    return _QUANTITY.sub("", _PUNCT.sub("", text))


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} or ({s} if s else set())


def similarity(a: str, b: str) -> float:
    """Bigram overlap of two components with quantities folded out: the larger of Dice and
    containment of the shorter (a component that lost a qualifier stays similar)."""
    x, y = _bigrams(_fold(a)), _bigrams(_fold(b))
    if not x or not y:
        return 0.0
    common = len(x & y)
    return max(2 * common / (len(x) + len(y)), common / min(len(x), len(y)) * 0.9)


def component_alignment(upper: list[str], lower: list[str], threshold: float = 0.45) -> dict:
    """kept / reworded (pairs, upper first) / added / dropped, each in list order."""
    kept: list[str] = []
    reworded: list[list[str]] = []
    matched_u: set[int] = set()
    matched_l: set[int] = set()
    if upper and lower:
        # scipy.optimize takes 0.4–1.3 s to import: only where slogans are aligned
        from scipy.optimize import linear_sum_assignment

        sim = np.array([[similarity(u, l) if _PUNCT.sub("", u) != _PUNCT.sub("", l) else 2.0 for l in lower]
                        for u in upper])
        rows, cols = linear_sum_assignment(-sim)
        pairs = sorted((c, r) for r, c in zip(rows, cols) if sim[r, c] >= threshold)
        for c, r in pairs:
            matched_u.add(r)
            matched_l.add(c)
            if sim[r, c] >= 2.0:
                kept.append(lower[c])
            else:
                reworded.append([upper[r], lower[c]])
    return {
        "kept": kept,
        "reworded": reworded,
        "added": [l for i, l in enumerate(lower) if i not in matched_l],
        "dropped": [u for i, u in enumerate(upper) if i not in matched_u],
    }


@dataclass(frozen=True)
class SloganPair:
    upper: SloganRecord
    lower: SloganRecord
    renamed: bool

    def to_dict(self) -> dict:
        comp = component_alignment(self.upper.components, self.lower.components)
        return {
            "name": self.lower.name,
            "upper_name": self.upper.name,
            "slogan_id": self.lower.slogan_id,
            "renamed": self.renamed,
            "upper_numeral": self.upper.numeral,
            "lower_numeral": self.lower.numeral,
            "upper_components": list(self.upper.components),
            "lower_components": list(self.lower.components),
            "upper_provision_id": self.upper.provision_id,
            "lower_provision_id": self.lower.provision_id,
            **comp,
        }


def _best_record(records: list[SloganRecord]) -> SloganRecord:
    """The defining occurrence: defined with components first, then the earliest."""
    return min(records, key=lambda r: (not r.components, not r.defined, r.span.start))


def slogan_pairs(upper: Iterable[SloganRecord], lower: Iterable[SloganRecord]) -> list[SloganPair]:
    """Slogans present at both levels (same name, or renamed with the numeral), lower order."""
    ups: dict[str, list[SloganRecord]] = {}
    for r in upper:
        ups.setdefault(r.slogan_id, []).append(r)
    lows: dict[str, list[SloganRecord]] = {}
    for r in lower:
        lows.setdefault(r.slogan_id, []).append(r)
    up_best = {k: _best_record(v) for k, v in ups.items()}
    by_stem: dict[str, list[SloganRecord]] = {}
    for r in up_best.values():
        if r.numeral is not None and len(name_stem(r.name)) >= 2:
            by_stem.setdefault(name_stem(r.name), []).append(r)
    out: list[SloganPair] = []
    used: set[str] = set()
    for sid, recs in sorted(lows.items(), key=lambda kv: min(r.span.start for r in kv[1])):
        low = _best_record(recs)
        if sid in up_best:
            out.append(SloganPair(up_best[sid], low, False))
            used.add(sid)
            continue
        if low.numeral is None:
            continue
        cands = [u for u in by_stem.get(name_stem(low.name), []) if u.slogan_id not in lows and u.numeral != low.numeral]
        if not cands:
            continue
        if low.components:  # the rename whose components overlap most
            best = max(cands, key=lambda u: len(component_alignment(u.components, low.components)["kept"]))
        else:
            best = min(cands, key=lambda u: abs((u.numeral or 0) - low.numeral))
        out.append(SloganPair(best, low, True))
    return out
