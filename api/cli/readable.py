"""What the ``policykg`` listings print by default: SPARQL results as a table, targets,
slogans and entities as tables with Chinese labels (the machine names stay in ``--json``).

>>> term({"type": "uri", "value": "https://w3id.org/policykg/ont#Slogan"})
'pk:Slogan'
>>> term({"type": "literal", "value": "县级", "xml:lang": "zh"})
'县级'
>>> term({"type": "literal", "value": "3", "datatype": "http://www.w3.org/2001/XMLSchema#integer"})
'3'
>>> term({"type": "uri", "value": "https://w3id.org/policykg/place/500231119000"})
'<place/500231119000>'
>>> term({"type": "uri", "value": "http://example.org/x"})
'<http://example.org/x>'
>>> level_label("township"), level_label(None), comparator_label("gte")
('乡镇', '', '不低于')
"""
from __future__ import annotations

import json
import re
from typing import Iterable

from api.cli.tables import render_table
from api.views.facts import value_label
from api.web.i18n import translator
from corpus.model import Document
from kg.iris import BASE
from kg.prefixes import PREFIXES
from kg.records import COMPARATOR_ZH

_LOCAL = re.compile(r"[\w.-]*\w\Z")  # a local name a prefixed name can carry unescaped
_ZH = translator("zh")


def shorten(iri: str, prefixes: dict[str, str] = PREFIXES) -> str:
    """``iri`` as ``prefix:local`` under the longest matching namespace, else unchanged."""
    best = max((ns for ns in prefixes.values() if iri.startswith(ns)), key=len, default=None)
    if best is not None:
        local = iri[len(best):]
        if _LOCAL.match(local):
            name = next(p for p, ns in prefixes.items() if ns == best)
            return f"{name}:{local}"
    return iri


DATA_BASE = BASE + "/"  # the graph's own IRIs print relative to it


def term(t: dict | None) -> str:
    """One SPARQL JSON results term as text: IRIs as prefixed names, else in <> and relative to
    :data:`DATA_BASE` when under it; literals without language tag or datatype; blank nodes as
    ``_:id``; unbound as empty."""
    if not t:
        return ""
    if t["type"] == "uri":
        short = shorten(t["value"])
        if short != t["value"]:
            return short
        return f"<{short.removeprefix(DATA_BASE)}>"
    if t["type"] == "bnode":
        return f"_:{t['value']}"
    return t["value"]


def sparql_table(body: str) -> str:
    """A SPARQL JSON results document (SELECT or ASK) as text: ASK → ``true`` / ``false``;
    SELECT → a table with the variables as headers and the row count below."""
    doc = json.loads(body)
    if "boolean" in doc:
        return "true" if doc["boolean"] else "false"
    names = doc["head"].get("vars", [])
    bindings = doc["results"]["bindings"]
    rows = [[term(b.get(v)) for v in names] for b in bindings]
    relative = any(t["type"] == "uri" and t["value"].startswith(DATA_BASE) and term(t).startswith("<")
                   for b in bindings for t in b.values())
    note = f"；<…> 相对于 BASE <{DATA_BASE}>" if relative else ""
    return f"{render_table(names, rows)}\n({len(rows)} 行{note})"


def turtle(body: str) -> str:
    """A Turtle graph (CONSTRUCT, DESCRIBE) re-serialised with the project's prefixes that it uses
    (its own IRIs stay absolute: a base would turn the ``pk:`` namespace into ``<ont#>``)."""
    import pyoxigraph  # only `policykg sparql` prints Turtle: the other commands do without it

    used = {p: ns for p, ns in PREFIXES.items() if ns in body}
    triples = pyoxigraph.parse(body.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE)
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=used).decode("utf-8")


def level_label(level: str | None) -> str:
    """A document level in Chinese (``township`` → 乡镇); empty when unknown."""
    return _ZH(f"level.{level}") if level else ""


def comparator_label(comparator: str) -> str:
    """A target's comparator in Chinese (``gte`` → 不低于)."""
    return COMPARATOR_ZH.get(comparator, comparator)


def doc_label(d: Document | None) -> str:
    """A document named briefly: its file's leading number or stem, place and level."""
    if d is None:
        return ""
    stem = d.source.rsplit(".", 1)[0]
    short = stem.split("_", 1)[0] if "_" in stem else stem
    where = " ".join(x for x in (d.place or "", level_label(d.level)) if x)
    return f"{short} {where}".strip()


def provision_path(d: Document | None, provision_id: str) -> str:
    """The provision's full number path as printed (``第八章 第四节``, ``五、（十六）``)."""
    if d is None:
        return provision_id
    by_id = {p.id: p for p in d.provisions}
    chain, p = [], by_id.get(provision_id)
    while p is not None:
        chain.append(p)
        p = by_id.get(p.parent) if p.parent else None
    out = ""
    for n in (p.number for p in reversed(chain) if p.number):
        out += n if not out or out.endswith(("、", "）", ")", ".", "．")) else f" {n}"
    return out or (chain[0].title[:16] if chain and chain[0].title else provision_id)


def _statements(d: Document | None, t: dict) -> str:
    """The provision of a target, then those of its other statements (表 and 正文 of one goal)."""
    more = [provision_path(d, s["provision_id"]) for s in t.get("also_stated") or []]
    return provision_path(d, t["provision_id"]) + (f"（另见 {'；'.join(more)}）" if more else "")


def targets_table(rows: Iterable[dict], docs: dict[str, Document]) -> str:
    """``targets`` rows as a table: document, indicator, comparator, value as printed, year, provision."""
    body = [[doc_label(docs.get(t["doc_id"])), t["indicator"], comparator_label(t["comparator"]),
             value_label(t["value_text"], t["value"], t["unit"]), str(t["year"] or ""),
             _statements(docs.get(t["doc_id"]), t)] for t in rows]
    return f"{render_table(['文件', '指标', '比较', '目标值', '年份', '条款'], body)}\n({len(body)} 条)"


def slogans_table(rows: Iterable[dict], docs: dict[str, Document]) -> str:
    """``slogans`` rows as a table: document, slogan, components (or a note), provision."""
    body = []
    for s in rows:
        comps = "、".join(s["components"]) if s["components"] else "（仅提及，未列出组成）"
        if s.get("count_matches") is False:
            comps += " ⚠ 条目数与数词不符"
        body.append([doc_label(docs.get(s["doc_id"])), s["name"],
                     provision_path(docs.get(s["doc_id"]), s["provision_id"]), comps])
    return f"{render_table(['文件', '提法', '条款', '组成'], body)}\n({len(body)} 条)"


def entities_table(rows: Iterable[dict], docs: dict[str, Document]) -> str:
    """``entities`` rows as a table: type, name (aliases), mentions, documents."""
    body = []
    for e in rows:
        name = e["name"] + (f"（{'、'.join(e['aliases'])}）" if e.get("aliases") else "")
        in_docs = sorted({doc_label(docs.get(m["doc_id"])).split(" ", 1)[0] for m in e["mentions"]})
        body.append([_ZH(f"type.{e['type']}"), name, str(len(e["mentions"])), " ".join(in_docs)])
    return f"{render_table(['类型', '名称', '提及次数', '文件'], body)}\n({len(body)} 个)"


def _qty(q: dict) -> str:
    text = q.get("value_text") or f"{q.get('value')}{q.get('unit', '')}"
    return f"{text}（{q['year']}年）" if q.get("year") else text


def _short(s: str, n: int = 24) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _finding(f: dict) -> str:
    """A finding in the page's Chinese wording (the machine message stays in ``--json``)."""
    tmpl = _ZH(f"finding.{f.get('kind', '')}")
    if tmpl == f"finding.{f.get('kind', '')}":
        return f.get("message", "")
    return tmpl.format(word=f.get("word") or "", number=f.get("path") or f.get("number") or "")


def cascade_report(obj: dict) -> str:
    """``policykg cascade`` without ``--json``: the cascade page's sections as Chinese tables.

    Slogans that both documents only name (no components on either side) are counted, not listed,
    as on the page; the similarity is the text similarity (0–1) the page shows.
    """
    def head(d: dict) -> str:
        number = f"（{d['doc_number']}）" if d.get("doc_number") else ""
        return f"《{d['title']}》{number} [{level_label(d.get('level')) or '层级不明'}]"

    out = [f"上级文件：{head(obj['upper'])}", f"下级文件：{head(obj['lower'])}",
           "语义相似度：" + ("已使用" if obj["embedding"] else "未使用（仅文字与结构）"), ""]
    rows = []
    for p in obj["pairs"]:
        kinds: dict[str, int] = {}
        for c in (p["diff"] or {}).get("changes", []):
            kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
        sim = "" if p.get("similarity") is None else f"{p['similarity']:.2f}"
        rows.append([p["lower"].get("path") or p["lower"]["number"] or _unit_name(p["lower"]["provision_id"]),
                     _short(p["lower"]["title"], 16),
                     p["upper"].get("path") or p["upper"]["number"] or _unit_name(p["upper"]["provision_id"]),
                     _short(p["upper"]["title"], 16), sim, _ZH(f"cascade.rel.{p['relation']}"),
                     "，".join(f"{_ZH('change.' + k)} {n}" for k, n in sorted(kinds.items()))])
    out += [f"{_ZH('cascade.pairs')}（{len(rows)}）",
            render_table(["下级条款", "标题", "上级条款", "标题", "相似度", "关系", "变化"], rows), ""]
    for key, side in (("lower_only", "cascade.lower_only"), ("upper_only", "cascade.upper_only")):
        units = obj[key]
        out += [f"{_ZH(side)}（{len(units)}）",
                render_table(["条款", "标题"], [[u.get("path") or u["number"] or _unit_name(u["provision_id"]), _short(u["title"], 30)]
                                                for u in units]), ""]
    if obj["targets"]:
        out += [f"{_ZH('cascade.targets')}（{len(obj['targets'])}）",
                render_table(["指标", "上级", "下级", "变化"],
                             [[_short(t["indicator"], 18), _qty(t["upper"]), _qty(t["lower"]), _ZH(f"move.{t['move']}")]
                              for t in obj["targets"]]), ""]
    listed = [s for s in obj["slogans"] if s["kept"] or s["reworded"] or s["added"] or s["dropped"]]
    if listed:
        rows = []
        for s in listed:
            name = s["name"] if not s["renamed"] else f"{s['upper_name']} → {s['name']}"
            rows.append([name, str(len(s["kept"])), "；".join(f"{a}→{b}" for a, b in s["reworded"]) or "—",
                         "、".join(s["added"]) or "—", "、".join(s["dropped"]) or "—"])
        out += [f"{_ZH('cascade.slogans')}（{len(rows)}）", render_table(["提法", "保留", "改写", "新增", "删去"], rows)]
    if len(listed) < len(obj["slogans"]):
        out.append(_ZH("cascade.unlisted").format(n=len(obj["slogans"]) - len(listed)))
    if obj["slogans"]:
        out.append("")
    elif not obj["extraction"]:
        out += ["（无抽取结果：未比较目标与提法）", ""]
    if obj["findings"]:
        out += [f"{_ZH('cascade.findings')}（{len(obj['findings'])}）"] + [f"  {_finding(f)}：…{f['context']}…"
                                                                      for f in obj["findings"]]
    return "\n".join(out).rstrip() + "\n"


def _snippet(text: str, surface: str | None, n: int = 40) -> str:
    """About ``n`` characters of ``text`` around ``surface``.

    >>> _snippet("甲" * 50 + "千万工程" + "乙" * 50, "千万工程", 12)
    '…甲甲甲甲千万工程乙乙…'
    """
    i = text.find(surface) if surface else -1
    if i < 0 or len(text) <= n:
        return _short(text, n)
    start = max(0, i - (n - len(surface)) // 2)
    end = min(len(text), start + n - 2)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _cited(o: dict) -> tuple[str, str]:
    """A concept occurrence's document (《title》（文号）, title shortened) and provision path."""
    number = f"（{o['doc_number']}）" if o.get("doc_number") else ""
    where = o.get("provision_path") or o.get("provision_number") or _unit_name(o["provision_id"])
    return f"《{_short(o.get('doc_title') or o['doc_id'], 16)}》{number}", where


def _unit_name(provision_id: str) -> str:
    return "序言" if provision_id == "preamble" else provision_id


def concept_report(obj: dict) -> str:
    """``policykg concept`` without ``--json``: literal mentions by level and place, semantic
    neighbours apart and marked, and the chain of documents that mention the concept."""
    out = [f"概念：{obj['concept']}　规范名称：{obj['canonical']}", f"别名：{'、'.join(obj['aliases']) or '—'}",
           "语义匹配：" + ("已使用" if obj["semantic"] else "未使用（无检索索引）"), ""]
    if not obj.get("found", True):
        out += [_ZH("concept.not_found"), ""]
    for g in obj["groups"]:
        out.append(f"[{level_label(g['level']) or '层级不明'}]")
        for pl in g["places"]:
            out.append(f"  {pl['place'] or '地点不明'}：{len(pl['doc_ids'])} 份文件，{pl['count']} 处")
    if obj["groups"]:
        out.append("")
    rows = [[level_label(o["level"]) or "—", o["place"] or "—", *_cited(o), _ZH(f"match.{o['match']}"),
             _snippet(o["text"], o.get("surface"))] for o in obj["occurrences"]]
    if rows:
        out += [f"{_ZH('concept.occurrences')}（{len(rows)}）",
                render_table(["层级", "地点", "文件", "条款", "匹配", "原文"], rows), ""]
    near = [[level_label(o["level"]) or "—", *_cited(o), f"{o['score']:.3f}" if o.get("score") is not None else "",
             _snippet(o["text"], None)] for o in obj.get("neighbours", [])]
    if near:
        title = _ZH("concept.suggestions") if not obj.get("found", True) else _ZH("concept.neighbours")
        out += [f"{title}（{len(near)}）", render_table(["层级", "文件", "条款", "得分", "原文"], near), ""]
    if obj["chain"]:
        rows = [[_short(e.get("from_title") or e["from"] or "?", 26), _short(e.get("to_title") or e["to"], 26),
                 _ZH(f"relation.{e['relation']}") if e["relation"] else "", "推断" if e["inferred"] else "明示",
                 "是" if e["to_has_occurrences"] else "否"] for e in obj["chain"]]
        out += [f"文件链（{len(rows)}）", render_table(["下级文件", "上级文件", "关系", "依据", "上级是否提及"], rows)]
    return "\n".join(out).rstrip() + "\n"


def mark(text: str, spans: list[list[int]]) -> str:
    """``text`` with each highlight span in 【brackets】.

    >>> mark("稳定粮食生产", [[2, 4]])
    '稳定【粮食】生产'
    """
    out, pos = [], 0
    for a, b in sorted(spans):
        out += [text[pos:a], "【", text[a:b], "】"]
        pos = b
    out.append(text[pos:])
    return "".join(out)


_MATCH_ZH = {"exact": "完全匹配", "phrase": "短语匹配", "semantic": "语义相近"}


def search_report(res: dict) -> str:
    """``policykg search`` without ``--json``: one block per provision, its full citation
    (《title》（文号） + provision path), the best sentence with the query's hits in 【】.

    >>> print(search_report({"query": "粮食", "results": []}))
    没有找到“粮食”的匹配条文
    """
    if not res["results"]:
        tail = f"（从第 {res['offset'] + 1} 条起，共 {res['total']} 条）" if res.get("total") else ""
        return f"没有找到“{res['query']}”的匹配条文{tail}"
    offset = res.get("offset", 0)
    head = f"检索：{res['query']}"
    if "total" in res:
        order = _ZH(f"search.sort.{res.get('sort') or 'relevance'}")
        head += f"　第 {offset + 1}–{offset + len(res['results'])} 条，共 {res['total']} 条，按{order}排序"
    lines = [head]
    for i, r in enumerate(res["results"], offset + 1):
        number = f"（{r['doc_number']}）" if r.get("doc_number") else ""
        where = r.get("provision_path") or r.get("provision_number") or ""
        title = f" {r['provision_title']}" if r.get("provision_title") else ""
        meta = " · ".join(x for x in [level_label(r.get("level")), r.get("place")] if x)
        tag = f"（{_MATCH_ZH.get(r['match'], r['match'])}）" if r.get("match") else ""
        lines.append(f"{i:2d}. {r['score']:.3f}{tag}  《{r['doc_title']}》{number} {where}{title}  [{meta}]")
        lines.append(f"    {mark(r['text'], r.get('highlights', []))}")
        lines.append(f"    字面 {r['lexical_score']:.2f} · 语义 {r['dense_score']:.3f} · {r['doc_id']} {r['provision_id']}")
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


def precedent_report(res: dict) -> str:
    """``policykg precedent`` without ``--json``: citation, similarity, the diff against the
    draft ([-草稿-]{+先例+}) and how often a shared phrase is reused; a draft of several
    sentences gets one block per draft sentence.

    >>> r = {"op": "replace", "draft": "2", "precedent": "3"}
    >>> hit = {"score": 0.9, "text": "建成3个", "citation": {"text": "《甲》（一）", "level": "township"},
    ...        "diff": [{"op": "equal", "draft": "建成", "precedent": "建成"}, r, {"op": "equal", "draft": "个", "precedent": "个"}]}
    >>> print(precedent_report({"draft": "建成2个。稳产", "results": [hit], "reuse": [],
    ...     "parts": [{"text": "建成2个。", "start": 0, "end": 5, "results": [hit]},
    ...               {"text": "稳产", "start": 5, "end": 7, "results": []}]}))
    草稿：建成2个。稳产
    [1] 0–5：建成2个。
     1. 0.900  《甲》（一）  [乡镇]
        建成3个
        差异：建成[-2-]{+3+}个
    [2] 5–7：稳产
        未找到先例
    """
    lines = [f"草稿：{res['draft']}"]
    parts = res.get("parts")
    if parts:
        for n, part in enumerate(parts, 1):
            lines.append(f"[{n}] {part['start']}–{part['end']}：{part['text']}")
            lines += _precedent_lines(part["results"], "    ")
    else:
        lines += _precedent_lines(res["results"], "")
    for u in res.get("reuse", []):
        levels = "、".join(level_label(lv) for lv in u["levels"])
        lines.append(f"复用：“{u['phrase']}”见于 {u['documents']} 份文件（{levels}）")
    return "\n".join(lines)


def _precedent_lines(results: list[dict], indent: str) -> list[str]:
    if not results:
        return [f"{indent}未找到先例"]
    lines = []
    for i, r in enumerate(results, 1):
        c = r["citation"]
        meta = " · ".join(str(x) for x in [level_label(c.get("level")), c.get("place"), c.get("date")] if x)
        lines.append(f"{i:2d}. {r['score']:.3f}  {c['text']}  [{meta}]")
        lines.append(f"    {r['text']}")
        lines.append(f"    差异：{render_diff(r['diff'])}")
    return lines
