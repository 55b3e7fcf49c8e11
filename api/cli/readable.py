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

import pyoxigraph

from api.cli.tables import render_table
from api.views.facts import value_label
from api.web.i18n import translator
from corpus.model import Document
from kg.iris import BASE
from kg.records import COMPARATOR_ZH
from kg.vocab import PREFIXES

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
