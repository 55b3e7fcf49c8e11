"""Brands and branded products: 箐口大米, 三溪鲫鱼, 涪陵榨菜, “巴味渝珍” …

Brands are the short names listed right before a brand word — 地理标志(农产品),
区域公用品牌, 公用品牌, (农业/劳务/…)品牌 — optionally with 等 or a count (三大):
``做大做强涪陵榨菜、奉节脐橙、潼南柠檬等地理标志农产品``,
``培育“箐口大米”、“三溪鲫鱼”和“道地黄精”三大农业品牌``,
``申报箐口大米市级地理标志``. Items must be 2–8 characters and not generic words
(农产品, 品牌, 特色 …). Entity id ``brand:{name}``; ``attrs.kind`` is the brand word.

>>> [(b.name, b.kind) for b in find_brands("积极培育“箐口大米”、“三溪鲫鱼”和“道地黄精”三大农业品牌。")]
[('箐口大米', '品牌'), ('三溪鲫鱼', '品牌'), ('道地黄精', '品牌')]
>>> [b.name for b in find_brands("做大做强涪陵榨菜、奉节脐橙、潼南柠檬等地理标志农产品")]
['涪陵榨菜', '奉节脐橙', '潼南柠檬']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.model import Document
from kg.extract.slogans import COUNT_CHARS, is_slogan_name
from kg.extract.text import QUOTE_CHARS, iter_sentences, make_span, strip_quotes
from kg.records import Entity, Mention

_BRAND_WORD = re.compile(
    r"(?:等|[一二三四五六七八九十两\d]大)?\s*(?:优质|特色)?(?:农产品|农业|劳务|市级|省级|国家级|一级|二级)*"
    r"(?P<word>地理标志|区域公用品牌|公用品牌|品牌)"
)
LEAD_VERBS = ("做大做强", "积极培育", "培育", "切实彰显", "彰显", "创响", "积极推广", "推广", "打造", "持续打造",
              "力争", "成功申报", "申报", "保护利用", "重点推进", "推进", "创建", "使用", "鼓励", "联动推动",
              "推动", "建设", "发展", "擦亮", "叫响", "唱响", "深入打造", "大力发展", "培育壮大", "壮大")
GENERIC = re.compile(r"^(?:创建|融入|申报|加强|实施|建立|提升|壮大|树立|严守|做响|打造|培育|推进|健全|完善|强化)|"
                     r"就业|创业|市场|消费|电商|农产品|品牌|产品|特色|优质|绿色|有机|农业|乡村|服务|产业|基地|企业|生产|规模|"
                     r"公用|区域|一批|系列|字号|目录|制度|精品|知名|影响|核心|文化|治理|标志")
_SPLIT = re.compile(r"[、，,“”\"「」]|和|及|与|以及|\s+")


@dataclass(frozen=True)
class FoundBrand:
    name: str
    kind: str
    start: int
    end: int


def _kind(word: str) -> str:
    return "地理标志" if word == "地理标志" else word


def find_brands(text: str) -> list[FoundBrand]:
    """Brands listed before a brand word in one sentence (local offsets)."""
    out: list[FoundBrand] = []
    for m in _BRAND_WORD.finditer(text):
        # the list runs back to the previous clause boundary
        i = m.start()
        while i > 0 and text[i - 1] not in "，；。：:！？（）()":
            i -= 1
        seg = text[i:m.start()]
        led = False
        for verb in sorted(LEAD_VERBS, key=len, reverse=True):
            k = seg.rfind(verb)
            if k >= 0:
                seg_off = i + k + len(verb)
                seg = text[seg_off:m.start()]
                led = True
                break
        else:
            seg_off = i
        if seg.rstrip().endswith("的"):  # “立得住、叫得响”的农产品品牌: a description
            continue
        quoted = any(ch in QUOTE_CHARS for ch in seg)
        if not led and not quoted:
            continue
        pos = seg_off
        for piece in _SPLIT.split(seg):
            start = text.find(piece, pos) if piece else -1
            if start >= 0:
                pos = start + len(piece)
            name = strip_quotes(piece).strip()
            if not (2 <= len(name) <= 8) or GENERIC.search(name) or re.search(r"\d|年|个", name):
                continue
            # “一村一品” is a formulation, not a brand (a brand may start with 三: 三溪鲫鱼)
            if any(ch in QUOTE_CHARS for ch in name) or (
                    is_slogan_name(name) and any(ch in COUNT_CHARS for ch in name[1:])):
                continue
            out.append(FoundBrand(name, _kind(m.group("word")), start, start + len(piece)))
    return out


def brand_id(name: str) -> str:
    return f"brand:{name}"


def extract_brands(doc: Document) -> tuple[list[Entity], list[Mention]]:
    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    for prov, sent in iter_sentences(doc):
        if "品牌" not in sent.text and "地理标志" not in sent.text:
            continue
        for b in find_brands(sent.text):
            bid = brand_id(b.name)
            ent = entities.setdefault(bid, Entity(id=bid, type="brand", name=b.name, attrs={"kind": b.kind}))
            if b.kind == "地理标志":
                ent.attrs["kind"] = "地理标志"
            mentions.append(Mention(entity_id=bid, surface=sent.text[b.start:b.end],
                                    span=make_span(doc, prov, sent, b.start, b.end)))
    return list(entities.values()), mentions
