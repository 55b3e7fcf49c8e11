"""Programs and actions: X行动, X工程, X计划, X试点, and X示范区/示范县/示范村 being created.

A program name is read

* from a quoted name followed by a short program word (``“万企兴万村”行动``,
  ``“乡村职业经理人”培养计划``) or a quoted name that is itself one (``“千万工程”``);
* after an implementing verb (实施/开展/推进/启动 …) up to the program word, with no clause
  punctuation in between (``深入实施农产品网销行动``);
* after a creating verb (创建/争创/创成/打造) up to 示范区/示范县/示范镇/示范村/示范带.

Aliases declared in the text (``“千村示范、万村整治”工程（以下简称“千万工程”）``) join the
program they follow; :func:`collect_aliases` gathers them over a corpus so a document that
only uses the short name points at the same entity. Entity id: ``program:{name}`` with quotes
removed.

>>> [(p.name, p.kind) for p in find_programs("持续推进“万企兴万村”行动，深入实施农产品网销行动。")]
[('万企兴万村行动', '行动'), ('农产品网销行动', '行动')]
>>> [p.name for p in find_programs("实施规模化供水工程建设行动（以下简称“规模化行动”）。")]
['规模化供水工程建设行动', '规模化行动']
>>> find_aliases("以学习运用“千村示范、万村整治”工程（以下简称“千万工程”）经验为引领")
[('千万工程', '千村示范、万村整治工程')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.model import Document
from kg.extract.slogans import is_slogan_name
from kg.extract.text import (
    find_quoted,
    in_ranges,
    iter_sentences,
    make_span,
    strip_quotes,
    strip_ws,
    title_ranges,
)
from kg.records import Entity, Mention

PROGRAM_WORDS = ("行动计划", "专项行动", "行动", "工程", "计划", "试点")
DEMO_WORDS = ("示范区", "示范县", "示范镇", "示范村", "示范带", "示范片")
_WORD_ALT = "|".join(PROGRAM_WORDS)
_AFTER_QUOTE = re.compile(r"^([\u4e00-\u9fff]{0,4}?)(" + _WORD_ALT + r")(?![\u4e00-\u9fff]{0,1}(?:质量|项目|建设|管理|技术|经验))")
IMPLEMENT_VERBS = ("联动配合实施", "深入实施", "持续实施", "大力实施", "接续实施", "推动实施", "全面实施",
                   "组织实施", "集成实施", "实施好", "实施", "深入开展", "持续开展", "扎实开展", "组织开展",
                   "开展", "深入推进", "持续推进", "扎实推进", "推进", "启动", "深化")
_IMPLEMENTED = re.compile(
    r"(?:" + "|".join(IMPLEMENT_VERBS) + r")([\u4e00-\u9fff“”\"·•]{2,22}?(?:" + _WORD_ALT + r"))"
    r"(?![\u4e00-\u9fff]{0,1}(?:质量|项目|管理|技术|经验|资金))"
)
_EXTEND = re.compile(r"[\u4e00-\u9fff]{0,6}?(?:" + _WORD_ALT + r")(?![\u4e00-\u9fff])")
_CREATED = re.compile(r"(?:创建|(?<!力)争创|创成|打造)([\u4e00-\u9fff]{2,20}?(?:" + "|".join(DEMO_WORDS) + r"))")
_ALIAS = re.compile(r"[（(]\s*以下简称\s*[“\"「]([^”\"」]{2,12})[”\"」]\s*[）)]")
_GENERIC = re.compile(r"^(各项|相关|重点|重大|有关|这些|该|本|此|专项|示范|一批|一个|\d)|各项|等(?:" + _WORD_ALT + r")$|"
                      r"[一二三四五六七八九十\d]+[大项](?:" + _WORD_ALT + r")$")


@dataclass(frozen=True)
class FoundProgram:
    name: str
    kind: str
    start: int
    end: int


def canonical_name(surface: str) -> str:
    """Quotes and whitespace removed: ``“万企兴万村”行动`` → ``万企兴万村行动``."""
    return strip_quotes(strip_ws(surface))


def _kind(name: str) -> str:
    return next((w for w in PROGRAM_WORDS + DEMO_WORDS if name.endswith(w)), "")


def find_programs(text: str) -> list[FoundProgram]:
    """Programs named in one sentence (local offsets), in order, without overlaps."""
    titles = title_ranges(text)
    found: list[FoundProgram] = []
    for q in find_quoted(text):
        if in_ranges(q.start, titles):
            continue
        m = _AFTER_QUOTE.match(text[q.end + 1:])
        if m:
            name = canonical_name(q.text + m.group(1) + m.group(2))
            found.append(FoundProgram(name, m.group(2), q.start - 1, q.end + 1 + m.end()))
        elif (_kind(q.text) in PROGRAM_WORDS and len(q.text) >= 4 and "、" not in q.text
              and not is_slogan_name(strip_ws(q.text))):
            found.append(FoundProgram(canonical_name(q.text), _kind(q.text), q.start - 1, q.end + 1))
    for rx in (_IMPLEMENTED, _CREATED):
        for m in rx.finditer(text):
            surface, end = m.group(1), m.end(1)
            longer = _EXTEND.match(text, end) if rx is _IMPLEMENTED else None
            if longer and len(surface) + longer.end() - end <= 24:  # 供水工程建设行动: the whole name
                surface, end = text[m.start(1): longer.end()], longer.end()
            name = canonical_name(surface)
            if len(name) < 4 or _GENERIC.search(name) or in_ranges(m.start(1), titles):
                continue
            found.append(FoundProgram(name, _kind(name), m.start(1), end))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    out: list[FoundProgram] = []
    for f in found:
        if out and f.start < out[-1].end:  # overlapping: keep the first, longest
            continue
        out.append(f)
    return out


def find_aliases(text: str) -> list[tuple[str, str]]:
    """(alias, program name) pairs declared with 以下简称 in one sentence."""
    out = []
    programs = find_programs(text)
    for m in _ALIAS.finditer(text):
        before = [p for p in programs if p.end <= m.start() and not strip_ws(text[p.end:m.start()])]
        if before:
            alias = canonical_name(m.group(1))
            if alias != before[-1].name:
                out.append((alias, before[-1].name))
    return out


def collect_aliases(docs: list[Document]) -> dict[str, str]:
    """alias → program name over a corpus."""
    out: dict[str, str] = {}
    for doc in docs:
        for _, sent in iter_sentences(doc):
            if "简称" in sent.text:
                for alias, name in find_aliases(sent.text):
                    out.setdefault(alias, name)
    return out


def program_id(name: str) -> str:
    return f"program:{name}"


def extract_programs(doc: Document, aliases: dict[str, str] | None = None) -> tuple[list[Entity], list[Mention]]:
    """Program entities (aliases attached) and their mentions in one document."""
    aliases = dict(aliases or {})
    for _, sent in iter_sentences(doc):
        if "简称" in sent.text:
            for alias, name in find_aliases(sent.text):
                aliases.setdefault(alias, name)
    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    for prov, sent in iter_sentences(doc):
        for f in find_programs(sent.text):
            name = aliases.get(f.name, f.name)
            pid = program_id(name)
            ent = entities.setdefault(pid, Entity(id=pid, type="program", name=name,
                                                  attrs={"kind": _kind(name) or f.kind}))
            if f.name != name and f.name not in ent.aliases:
                ent.aliases.append(f.name)
            mentions.append(Mention(entity_id=pid, surface=sent.text[f.start:f.end],
                                    span=make_span(doc, prov, sent, f.start, f.end)))
    for alias, name in aliases.items():
        ent = entities.get(program_id(name))
        if ent is not None and alias not in ent.aliases:
            ent.aliases.append(alias)
    return list(entities.values()), mentions
