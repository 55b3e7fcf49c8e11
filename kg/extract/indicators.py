"""Indicator normalisation: one node per measured thing across documents.

``normalise_indicator`` cleans the text a target was read from (quotes, units in brackets,
place prefixes such as 全镇/全市, goal verbs such as 达到/稳定在, doubled words), applies a small
set of synonym rules (农业科技贡献率 → 农业科技进步贡献率), and — when an
:class:`IndicatorRegistry` of indicators already seen in the corpus is passed — maps a
near-duplicate onto the indicator already known (character overlap, same head word).

>>> normalise_indicator("全镇粮食面积")
('粮食播种面积', 'indicator:粮食播种面积')
>>> normalise_indicator("农业科技贡献率贡献率")[0]
'农业科技进步贡献率'
>>> normalise_indicator("巴渝和美乡村“达标村”创建率")[0]
'巴渝和美乡村达标村创建率'
>>> normalise_indicator("粮食综合生产能力（万吨）")[0]
'粮食综合生产能力'
>>> reg = IndicatorRegistry()
>>> normalise_indicator("农村卫生厕所普及率", reg)[0]
'农村卫生厕所普及率'
>>> normalise_indicator("农村卫生户厕普及率", reg)[0]
'农村卫生厕所普及率'
>>> normalise_indicator("农村自来水普及率", reg)[0]
'农村自来水普及率'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz.distance import Indel

from kg.extract.text import strip_quotes, strip_ws

_UNIT_PAREN = re.compile(r"[（(]\s*(%|％|[万亿千百]?[亩吨元人户头个斤米]|[万亿]元|公里|平方米|人次|个百分点)\s*[）)]")
_PLACE_PREFIX = re.compile(r"^(?:全|我)(?:省|市|县|区|镇|乡|街道|国|村)")
_LEADING = (
    "主要目标是", "其中", "确保", "力争", "争取", "努力", "实现", "推动", "使", "让", "并", "同时",
    "全年", "年内", "今年", "本年度", "当年", "累计", "保持",
)
_TRAILING = ("稳定在", "保持在", "提升至", "提高到", "提高至", "提升到", "达到", "同比", "年均", "分别",
             "总体", "要", "将", "均", "保持", "达", "为")
# (pattern, replacement): spellings of the same indicator
SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"科技贡献率$", "科技进步贡献率"),
    (r"^粮食面积$", "粮食播种面积"),
    (r"^粮食总产量?$", "粮食产量"),
    (r"^农村居民人均可支配收入", "农村常住居民人均可支配收入"),
    (r"^农民人均可支配收入", "农村常住居民人均可支配收入"),
    (r"卫生户厕普及率$", "卫生厕所普及率"),
)
HEADS = ("播种面积", "种植面积", "面积", "总产量", "产量", "出栏量", "存栏量", "增加值", "产值", "占比",
         "比重", "比例", "覆盖率", "普及率", "贡献率", "率", "收入", "增速", "数量", "规模", "总量",
         "人数", "水平")


def head_of(name: str) -> str:
    """The measure word a name ends with (面积, 产量, 率 …), or ''.

    >>> head_of("粮食播种面积"), head_of("蔬菜")
    ('播种面积', '')
    """
    return next((h for h in HEADS if name.endswith(h)), "")


def clean_indicator(text: str) -> str:
    """Surface clean-up without synonym rules."""
    name = strip_quotes(strip_ws(text))
    name = _UNIT_PAREN.sub("", name)
    changed = True
    while changed and name:
        changed = False
        m = _PLACE_PREFIX.match(name)
        if m and len(name) > m.end() + 1:
            name, changed = name[m.end():], True
        for w in _LEADING:
            if name.startswith(w) and len(name) > len(w) + 1:
                name, changed = name[len(w):], True
        for w in _TRAILING:
            if name.endswith(w) and len(name) > len(w) + 1:
                name, changed = name[: -len(w)], True
        name = name.strip("，、；：,;:的")
    # 贡献率贡献率 → 贡献率 (a doubled tail)
    name = re.sub(r"(.{2,4})\1$", r"\1", name)
    return name


def apply_synonyms(name: str) -> str:
    for pattern, repl in SYNONYMS:
        new = re.sub(pattern, repl, name)
        if new != name:
            return new
    return name


_PLACE_HEAD = re.compile(r"^[\u4e00-\u9fff]{1,6}?(?:街道|社区|镇|乡|村|县|区|市)")
# 国家级 / 省级 / 市级以上 …: the same measure at another level of government
_LEVEL_HEAD = re.compile(r"^(?:国家|省|市|州|县|区|乡镇)级(?:以上|及以上)?")


def _other_place(a: str, b: str) -> bool:
    """Same measure of two different places (甲镇供水能力 / 乙镇供水能力): never one indicator.

    >>> _other_place("珠山镇日供水能力", "椒园镇日供水能力"), _other_place("农村卫生厕所普及率", "农村卫生户厕普及率")
    (True, False)
    >>> _other_place("国家级技术转移示范机构", "省级技术转移示范机构")
    True
    """
    for head in (_PLACE_HEAD, _LEVEL_HEAD):
        pa, pb = head.match(a), head.match(b)
        if pa and pb and pa.group(0) != pb.group(0) and a[pa.end():] == b[pb.end():]:
            return True
    return False


def indicator_id(name: str) -> str:
    return f"indicator:{name}"


@dataclass
class IndicatorRegistry:
    """Indicators seen so far in a corpus: canonical name → the surface forms mapped to it."""

    names: dict[str, set[str]] = field(default_factory=dict)
    threshold: float = 0.85

    def match(self, name: str) -> str | None:
        """An already-known indicator that ``name`` spells differently, if any."""
        if name in self.names:
            return name
        head = head_of(name)
        best, best_score = None, self.threshold
        for known in self.names:
            if known[-2:] != name[-2:] or head_of(known) != head or abs(len(known) - len(name)) > 3:
                continue
            if _other_place(known, name):
                continue
            score = 1.0 - Indel.normalized_distance(known, name)
            if score >= best_score:
                best, best_score = known, score
        return best

    def add(self, name: str, surface: str) -> str:
        canonical = self.match(name) or name
        self.names.setdefault(canonical, set()).add(surface)
        return canonical


def normalise_indicator(text: str, registry: IndicatorRegistry | None = None) -> tuple[str, str]:
    """``(canonical name, entity id)`` for an indicator as written."""
    name = apply_synonyms(clean_indicator(text))
    if registry is not None:
        name = registry.add(name, text)
    return name, indicator_id(name)
