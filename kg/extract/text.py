"""Shared helpers for the rule extractors: spans, clauses, quotes, numerals.

Every extractor works sentence by sentence; offsets inside a sentence are turned into
document offsets with :func:`make_span` (``Sentence.start`` + local offset).

>>> split_clauses("甲，乙；丙。")
[(0, '甲'), (2, '乙'), (4, '丙')]
>>> [q.text for q in find_quoted("以A“四千行动”为抓手，推行“三事分流“三制一化”")]
['四千行动', '三事分流', '三制一化']
>>> strip_ws("千亿级生\\n\\n态特色")
'千亿级生态特色'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from corpus.model import Document, Provision, Sentence
from kg.records import Span

QUOTE_CHARS = "“”\"「」『』‘’"
OPEN_QUOTES = "“「『‘"
CLOSE_QUOTES = "”」』’"
CLAUSE_SEPS = "，；。！？,;：:"
PUNCT = set("，；。！？,;：:、（）()《》【】…—")
_WS = re.compile(r"\s+")


def strip_ws(text: str) -> str:
    """Remove all whitespace (page breaks and padding inside Chinese text)."""
    return _WS.sub("", text)


def strip_quotes(text: str) -> str:
    """Remove quote characters: ``“达标村”创建率`` → ``达标村创建率``."""
    return "".join(ch for ch in text if ch not in QUOTE_CHARS)


def iter_sentences(doc: Document) -> Iterator[tuple[Provision, Sentence]]:
    """Every (provision, sentence) pair in reading order."""
    for prov in doc.provisions:
        for sent in prov.sentences:
            yield prov, sent


def make_span(doc: Document, prov: Provision, sent: Sentence, start: int, end: int) -> Span:
    """A Span for ``sent.text[start:end]`` in document offsets."""
    s, e = sent.start + start, sent.start + end
    quote = doc.text[s:e] if doc.text[s:e] == sent.text[start:end] else sent.text[start:end]
    return Span(doc_id=doc.id, provision_id=prov.id, sentence_id=sent.id, start=s, end=e, quote=quote)


def split_clauses(text: str, seps: str = CLAUSE_SEPS) -> list[tuple[int, str]]:
    """Split on clause punctuation; returns (offset, clause) pairs, empty clauses dropped."""
    out: list[tuple[int, str]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in seps:
            if i > start:
                out.append((start, text[start:i]))
            start = i + 1
    if start < len(text):
        out.append((start, text[start:]))
    return [(o, c) for o, c in out if c.strip()]


@dataclass(frozen=True)
class Quoted:
    """A quoted stretch: ``text`` lies at ``start:end`` (quotes excluded)."""

    text: str
    start: int
    end: int


def title_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges inside 《…》 (titles are never slogans or programs)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "《":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                out.append((start, i + 1))
    return out


def in_ranges(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def find_quoted(text: str, max_len: int = 40) -> list[Quoted]:
    """Stretches between two quote marks that look like quoted phrases.

    Quote glyphs are often mis-paired in these documents (``“稻渔“粮油``,
    ``”四万产业“``), so direction is ignored: any stretch between two consecutive
    quote marks that is short and holds no clause punctuation counts, as does a
    well-formed “…” pair. Stretches inside 《》 are skipped.
    """
    marks = [i for i, ch in enumerate(text) if ch in QUOTE_CHARS]
    titles = title_ranges(text)
    out: list[Quoted] = []
    for a, b in zip(marks, marks[1:]):
        inner = text[a + 1:b]
        if not inner.strip() or len(inner) > max_len:
            continue
        well_formed = text[a] in OPEN_QUOTES and text[b] in CLOSE_QUOTES
        if not well_formed and any(ch in "，；。！？,;：:" for ch in inner):
            continue
        if not well_formed and text[a] in CLOSE_QUOTES and text[b] in OPEN_QUOTES:
            # ”…“ is normally the text between two quotes; accept it only as a mis-paired
            # quote opening a phrase (after punctuation or at the start)
            if any(ch in PUNCT for ch in inner) or len(inner) > 12:
                continue
            if a > 0 and text[a - 1] not in PUNCT and not text[a - 1].isspace():
                continue
        if in_ranges(a, titles):
            continue
        out.append(Quoted(inner, a + 1, b))
    return out


YEAR_RE = re.compile(r"(20\d\d)\s*年")
FIVE_YEAR_PLANS = {"十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}
