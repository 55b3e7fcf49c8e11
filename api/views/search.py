"""Readable text for ``policykg search`` and ``policykg precedent``: ``render_search`` /
``render_precedent`` turn the service core's JSON (``PolicyKG.search`` / ``.precedent``) into text.

>>> print(render_search({"query": "粮食", "results": []}))
no results for 粮食
>>> mark("稳定粮食生产", [[2, 4]])
'稳定[粮食]生产'
"""
from __future__ import annotations


def mark(text: str, spans: list[list[int]]) -> str:
    """``text`` with each highlight span in [brackets]."""
    out, pos = [], 0
    for a, b in sorted(spans):
        out += [text[pos:a], "[", text[a:b], "]"]
        pos = b
    out.append(text[pos:])
    return "".join(out)


def render_search(res: dict) -> str:
    """Readable search results: one block per provision, best sentence with highlights."""
    if not res["results"]:
        return f"no results for {res['query']}" + (f" (offset {res['offset']} of {res['total']})" if res.get("total") else "")
    offset = res.get("offset", 0)
    head = f"search: {res['query']}"
    if "total" in res:
        head += f"  · results {offset + 1}–{offset + len(res['results'])} of {res['total']} · sorted by {res.get('sort', 'relevance')}"
    lines = [head]
    for i, r in enumerate(res["results"], offset + 1):
        where = " ".join(x for x in [r.get("provision_number"), r.get("provision_title")] if x)
        meta = " · ".join(x for x in [r.get("level"), r.get("place"), r.get("doc_number")] if x)
        tag = f" ({r['match']})" if r.get("match") else ""
        lines.append(f"{i:2d}. {r['score']:.3f}{tag}  《{r['doc_title']}》 {where}  [{meta}]")
        lines.append(f"    {mark(r['text'], r.get('highlights', []))}")
        lines.append(f"    lexical {r['lexical_score']:.2f} · dense {r['dense_score']:.3f} · {r['doc_id']} {r['provision_id']}")
    return "\n".join(lines)


def render_diff(diff: list[dict]) -> str:
    """Inline diff: [-draft-]{+precedent+} for changed stretches.

    >>> render_diff([{"op": "equal", "draft": "建成", "precedent": "建成"}, {"op": "replace", "draft": "2", "precedent": "3"}])
    '建成[-2-]{+3+}'
    """
    parts = []
    for d in diff:
        if d["op"] == "equal":
            parts.append(d["draft"])
        else:
            if d["draft"]:
                parts.append(f"[-{d['draft']}-]")
            if d["precedent"]:
                parts.append(f"{{+{d['precedent']}+}}")
    return "".join(parts)


def render_precedent(res: dict) -> str:
    """Readable precedents: citation, similarity, diff against the draft, reuse counts;
    a draft of several sentences gets one block per draft sentence.

    >>> r = {"op": "replace", "draft": "2", "precedent": "3"}
    >>> hit = {"score": 0.9, "text": "建成3个", "citation": {"text": "《甲》（一）", "level": "township"},
    ...        "diff": [{"op": "equal", "draft": "建成", "precedent": "建成"}, r, {"op": "equal", "draft": "个", "precedent": "个"}]}
    >>> print(render_precedent({"draft": "建成2个。稳产", "results": [hit], "reuse": [],
    ...     "parts": [{"text": "建成2个。", "start": 0, "end": 5, "results": [hit]},
    ...               {"text": "稳产", "start": 5, "end": 7, "results": []}]}))
    draft: 建成2个。稳产
    [1] 0–5: 建成2个。
     1. 0.900  《甲》（一）  [township]
        建成3个
        diff: 建成[-2-]{+3+}个
    [2] 5–7: 稳产
        no precedent found
    """
    lines = [f"draft: {res['draft']}"]
    parts = res.get("parts")
    if parts:
        for n, part in enumerate(parts, 1):
            lines.append(f"[{n}] {part['start']}–{part['end']}: {part['text']}")
            lines += _precedent_lines(part["results"], "    ")
    else:
        lines += _precedent_lines(res["results"], "")
    for u in res.get("reuse", []):
        lines.append(f"reuse: “{u['phrase']}” — {u['message']} ({', '.join(u['levels'])})")
    return "\n".join(lines)


def _precedent_lines(results: list[dict], indent: str) -> list[str]:
    if not results:
        return [f"{indent}no precedent found"]
    lines = []
    for i, r in enumerate(results, 1):
        c = r["citation"]
        meta = " · ".join(str(x) for x in [c.get("level"), c.get("place"), c.get("date")] if x)
        lines.append(f"{i:2d}. {r['score']:.3f}  {c['text']}  [{meta}]")
        lines.append(f"    {r['text']}")
        lines.append(f"    diff: {render_diff(r['diff'])}")
    return lines
