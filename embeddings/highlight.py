"""Query-term highlighting and draft/precedent character diffs.

Highlights are ``[start, end]`` character offsets into the shown text covering every stretch
made of the query's character bigrams (after the same normalisation the lexical index uses),
or every occurrence of the character of a one-character query.

>>> highlights("加强高标准农田管护利用", "高标准农田建设")
[[2, 7]]
>>> highlights("建成长者食堂１个", "食堂")
[[4, 6]]
>>> highlights("稳定粮食生产", "粮")
[[2, 3]]
"""
from __future__ import annotations

import difflib

from embeddings.lexical import normalize, query_terms


def _norm_char(c: str) -> str:
    n = normalize(c)
    return n[:1] if n and (n[:1].isalnum()) else ""


def highlights(text: str, query: str) -> list[list[int]]:
    """Merged spans of ``text`` matched by the query's bigrams (or its single character)."""
    terms = set(query_terms(query))
    if not terms:
        return []
    chars = [_norm_char(c) for c in text]
    covered = [False] * len(text)
    single = {t for t in terms if len(t) == 1}
    for i, c in enumerate(chars):
        if not c:
            continue
        if c in single:
            covered[i] = True
        if i + 1 < len(chars) and chars[i + 1] and c + chars[i + 1] in terms:
            covered[i] = covered[i + 1] = True
    spans: list[list[int]] = []
    for i, on in enumerate(covered):
        if on:
            if spans and spans[-1][1] == i:
                spans[-1][1] = i + 1
            else:
                spans.append([i, i + 1])
    return spans


def char_diff(draft: str, precedent: str) -> list[dict]:
    """Character-level edit script from ``draft`` to ``precedent``.

    >>> char_diff("建成2个", "建成3个")
    [{'op': 'equal', 'draft': '建成', 'precedent': '建成'}, {'op': 'replace', 'draft': '2', 'precedent': '3'}, {'op': 'equal', 'draft': '个', 'precedent': '个'}]
    """
    sm = difflib.SequenceMatcher(None, draft, precedent, autojunk=False)
    return [{"op": op, "draft": draft[a:b], "precedent": precedent[c:d]} for op, a, b, c, d in sm.get_opcodes()]


def shared_phrases(draft: str, precedent: str, min_len: int = 8) -> list[str]:
    """Stretches of at least ``min_len`` characters the two texts share verbatim, longest first.

    >>> shared_phrases("确保建一块、成一块，全面完成", "加强工程质量管理，确保建一块、成一块。")
    ['确保建一块、成一块']
    """
    sm = difflib.SequenceMatcher(None, draft, precedent, autojunk=False)
    out = {draft[b.a : b.a + b.size].strip() for b in sm.get_matching_blocks() if b.size >= min_len}
    return sorted((p for p in out if len(p) >= min_len), key=lambda p: (-len(p), p))
