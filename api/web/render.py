"""HTML fragments built in Python: highlighted text, entity links, diffs (charts: ``api.web.charts``).

Every function escapes its input and returns ``markupsafe.Markup``.

>>> str(mark_query("稳定粮食生产，确保粮食安全", "粮食安全"))
'稳定<mark>粮食</mark>生产，确保<mark>粮食安全</mark>'
>>> str(mark_spans("a<b>c", [(1, 4)]))
'a<mark>&lt;b&gt;</mark>c'
>>> str(link_mentions("到三溪镇", [{"start": 1, "end": 4, "entity_id": "place:1", "type": "place"}]))
'到<a class="ent ent-place" href="/entity/place:1">三溪镇</a>'
"""
from __future__ import annotations

from typing import Iterable, Sequence
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from embeddings.highlight import highlights

LEVEL_COLOURS = {
    "central": "#7b2d26",
    "provincial": "#b5542d",
    "prefectural": "#c98b2b",
    "county": "#3f7f5f",
    "township": "#2f5d8a",
    "village": "#6b4f8a",
}


def _merge(spans: Iterable[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted((max(0, s), min(n, e)) for s, e in spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def mark_spans(text: str, spans: Iterable[Sequence[int]], tag: str = "mark") -> Markup:
    """Wrap each ``(start, end)`` span of ``text`` in ``<tag>`` (overlaps merged)."""
    parts, pos = [], 0
    for s, e in _merge(((int(a), int(b)) for a, b, *_ in spans), len(text)):
        parts.append(escape(text[pos:s]))
        parts.append(Markup(f"<{tag}>") + escape(text[s:e]) + Markup(f"</{tag}>"))
        pos = e
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)


def mark_window(text: str, start: int, end: int, width: int = 70) -> Markup:
    """``text[start:end]`` in ``<mark>`` with at most ``width`` characters of context each side.

    >>> str(mark_window("甲乙丙丁戊己庚", 3, 4, width=2))
    '…乙丙<mark>丁</mark>戊己…'
    """
    lo, hi = max(0, start - width), min(len(text), end + width)
    return (Markup("…" if lo > 0 else "") + mark_spans(text[lo:hi], [(start - lo, end - lo)])
            + Markup("…" if hi < len(text) else ""))


def query_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that the query's terms cover: the search index's own highlighter
    (``embeddings.highlight.highlights``: character bigrams after normalisation)."""
    return [(a, b) for a, b in highlights(text, query)]


def mark_query(text: str, query: str) -> Markup:
    """``text`` with the query's terms in ``<mark>``."""
    return mark_spans(text, query_spans(text, query))


def query_string(params: dict, key: str | None = None, value: object = None) -> str:
    """URL query of ``params`` with ``key`` set to ``value``, empty values left out.

    >>> query_string({"q": "粮食", "level": ""}, "doc", "000")
    'q=%E7%B2%AE%E9%A3%9F&doc=000'
    """
    merged = dict(params)
    if key is not None:
        merged[key] = value
    return urlencode({k: v for k, v in merged.items() if v not in ("", None)})


def mark_query_window(text: str, query: str, width: int = 90) -> Markup:
    """Like :func:`mark_query`, cut to ``width`` characters either side of the first match.

    >>> str(mark_query_window("一二三四五六七八九十", "五六", width=2))
    '…三四<mark>五六</mark>七八…'
    """
    spans = query_spans(text, query)
    if not spans:
        return escape(text if len(text) <= 2 * width else text[: 2 * width] + "…")
    lo, hi = max(0, spans[0][0] - width), min(len(text), spans[0][1] + width)
    inside = [(a - lo, b - lo) for a, b in spans if a >= lo and b <= hi]
    return (Markup("…" if lo > 0 else "") + mark_spans(text[lo:hi], inside)
            + Markup("…" if hi < len(text) else ""))


def entity_url(entity_id: str) -> str:
    """The page of an entity."""
    return "/entity/" + quote(entity_id, safe=":")


def link_mentions(text: str, mentions: Iterable[dict], start: int = 0, end: int | None = None) -> Markup:
    """``text[start:end]`` with entity mentions (``start``/``end`` offsets into ``text``) linked to
    their pages. Overlapping mentions: the earlier (then longer) one wins.

    >>> str(link_mentions("一、到三溪镇", [{"start": 3, "end": 6, "entity_id": "place:1"}], start=2))
    '到<a class="ent ent-other" href="/entity/place:1">三溪镇</a>'
    """
    end = len(text) if end is None else end
    parts, pos = [], start
    for m in sorted(mentions, key=lambda m: (m["start"], -m["end"])):
        s, e = int(m["start"]), int(m["end"])
        if s < pos or e > end or e <= s:
            continue
        parts.append(escape(text[pos:s]))
        cls = f"ent ent-{escape(m.get('type') or 'other')}"
        parts.append(Markup(f'<a class="{cls}" href="{escape(entity_url(m["entity_id"]))}">')
                     + escape(text[s:e]) + Markup("</a>"))
        pos = e
    parts.append(escape(text[pos:end]))
    return Markup("").join(parts)


def heading_length(number: str, title: str, text: str) -> int:
    """Length of the heading line at the start of a provision's text (0 if none).

    >>> heading_length("一、", "总体要求", "一、总体要求坚持…")
    6
    >>> heading_length("（一）", "全力稳定粮油生产", "（一）全力稳定粮油生产。推广…")
    12
    """
    head = number + title
    if not title or not text.startswith(head):
        return 0
    n = len(head)
    if text[n:n + 1] in ("。", "．", ".", "：", ":"):
        n += 1
    return n


def skip_space(text: str, i: int) -> int:
    """The first non-whitespace offset at or after ``i``.

    >>> skip_space("一、总体要求\\n\\n坚持", 6)
    8
    """
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def diff_side(ops: Iterable[dict] | None, key: str, tag: str = "mark") -> Markup:
    """One side of a character edit script ``[{op, draft, precedent}]``: the ``key`` text with
    every non-equal run wrapped in ``<tag>``.

    >>> ops = [{"op": "equal", "draft": "建成", "precedent": "建成"}, {"op": "replace", "draft": "2", "precedent": "3"}]
    >>> str(diff_side(ops, "precedent", "ins")), str(diff_side(ops, "draft", "del"))
    ('建成<ins>3</ins>', '建成<del>2</del>')
    """
    parts = []
    for op in ops or []:
        text = op.get(key, "")
        if not text:
            continue
        if op.get("op") == "equal":
            parts.append(escape(text))
        else:
            parts.append(Markup(f"<{tag}>") + escape(text) + Markup(f"</{tag}>"))
    return Markup("").join(parts)


def mark_changes(text: str, changes: Iterable[dict] | None, side: str, label=lambda kind: kind) -> Markup:
    """``text`` with the diff changes of one ``side`` ("upper" → ``<del>``, "lower" → ``<ins>``)
    marked and classed by change kind, ``label(kind)`` as its hover title; changes use
    ``{side}_start``/``{side}_end`` offsets.

    >>> str(mark_changes("全市3012万亩", [{"kind": "number_changed", "upper_start": 2, "upper_end": 8}], "upper"))
    '全市<del class="number_changed" title="number_changed">3012万亩</del>'
    """
    tag = "del" if side == "upper" else "ins"
    parts, pos = [], 0
    spans = sorted(((int(c[f"{side}_start"]), int(c[f"{side}_end"]), c.get("kind", "")) for c in changes or []))
    for s, e, kind in spans:
        if s < pos or e > len(text) or e <= s:
            continue
        parts.append(escape(text[pos:s]))
        parts.append(Markup(f'<{tag} class="{escape(kind)}" title="{escape(label(kind))}">') + escape(text[s:e])
                     + Markup(f"</{tag}>"))
        pos = e
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)


def with_prefixes(query: str, prefixes: dict[str, str]) -> str:
    """``query`` with a PREFIX line for every predeclared prefix it uses but does not declare
    (after its leading comment lines), so the editor's syntax check and other endpoints accept it.

    >>> print(with_prefixes("# t\\nSELECT * { ?d a pk:Doc }", {"pk": "https://x/#", "eli": "https://e/#"}))
    # t
    PREFIX pk: <https://x/#>
    SELECT * { ?d a pk:Doc }
    """
    import re

    lines = query.splitlines()
    head = 0
    while head < len(lines) and lines[head].lstrip().startswith("#"):
        head += 1
    body = "\n".join(lines[head:])
    code = re.sub(r"<[^>\s]*>|\"[^\"\n]*\"|#[^\n]*", " ", body)
    needed = [p for p in prefixes if re.search(rf"(?<![\w:?$]){re.escape(p)}:", code)
              and not re.search(rf"(?i)PREFIX\s+{re.escape(p)}:", code)]
    decl = [f"PREFIX {p}: <{prefixes[p]}>" for p in needed]
    return "\n".join(lines[:head] + decl + lines[head:])
