"""networkx views of the graph for what SPARQL does poorly (walking the cascade).

- ``cascade_dag``: documents linked by ``eli:applies`` / ``eli:based_on`` (lower → higher), with
  levels and inferred edges marked.
- ``chain_above``: the documents above one document, nearest first (JSON-able).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from corpus.errors import NotFound
from kg import iris
from kg.graph import LEVEL_RANK

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

_PK = "https://w3id.org/policykg/ont#"


def _v(term) -> str | None:
    return None if term is None else term.value


def _true(term) -> bool:
    """An xsd:boolean's value (stores may write true as "1")."""
    return _v(term) in ("true", "1")


def _level(term) -> str | None:
    v = _v(term)
    return v.rsplit("level_", 1)[-1] if v and "level_" in v else None


def cascade_dag(store) -> nx.DiGraph:
    """Documents as nodes (``title``, ``level``, ``rank``, ``in_corpus``, ``doc_id``, ``number``);
    an edge lower → higher per ``eli:applies`` / ``eli:based_on`` (``relation``, ``inferred``)."""
    import networkx as nx  # 0.3–0.7 s to import: only when a cascade is walked, not on every import of kg

    g = nx.DiGraph()
    rows = store.query("""SELECT ?d ?title ?level ?in ?id ?num WHERE { ?d a pk:PolicyDocument .
        OPTIONAL { ?d eli:title ?title } OPTIONAL { ?d pk:level ?level } OPTIONAL { ?d pk:inCorpus ?in }
        OPTIONAL { ?d pk:docId ?id } OPTIONAL { ?d eli:id_local ?num } }""")
    for r in rows:
        iri = r["d"].value
        level = _level(r["level"])
        node = g.nodes[iri] if iri in g else {}
        attrs = {"title": _v(r["title"]), "level": level, "rank": LEVEL_RANK.get(level or ""),
                 "in_corpus": _true(r["in"]) or bool(node.get("in_corpus")),
                 "doc_id": _v(r["id"]) or node.get("doc_id"), "number": _v(r["num"]) or node.get("number")}
        if node.get("title") and attrs["title"] and node["title"] < attrs["title"]:
            attrs["title"] = node["title"]  # deterministic when several titles are known
        g.add_node(iri, **attrs)
    edges = store.query("""SELECT ?a ?p ?b ?g WHERE { GRAPH ?g { ?a ?p ?b }
        VALUES ?p { eli:applies eli:based_on } }""")
    for r in edges:
        a, b = r["a"].value, r["b"].value
        inferred = r["g"].value == iris.INFERRED_GRAPH
        relation = r["p"].value.rsplit("#", 1)[-1]
        if g.has_edge(a, b) and not g.edges[a, b]["inferred"]:
            continue
        g.add_edge(a, b, relation=relation, inferred=inferred)
    return g


def _resolve(g: nx.DiGraph, doc: str) -> str:
    if doc in g:
        return doc
    for n, data in g.nodes(data=True):
        if data.get("doc_id") == doc:
            return n
    raise NotFound("document", doc)


def chain_above(store, doc: str, dag: nx.DiGraph | None = None) -> list[dict]:
    """Documents above ``doc`` (a doc id or IRI) in the cascade, nearest first, each with the
    ``via`` edge that reaches it (``relation``, ``inferred``) and its ``distance``. ``dag``: the
    store's :func:`cascade_dag`, when the caller keeps it (asking for several chains then reads
    the store once)."""
    g = cascade_dag(store) if dag is None else dag
    start = _resolve(g, doc)
    out, seen, frontier, distance = [], {start}, [start], 0
    while frontier:
        distance += 1
        nxt = []
        for n in frontier:
            for m in sorted(g.successors(n), key=lambda x: (g.nodes[x].get("rank") or 0, x), reverse=True):
                if m in seen:
                    continue
                seen.add(m)
                nxt.append(m)
                out.append({"iri": m, **g.nodes[m], "distance": distance, "from": n, **g.edges[n, m]})
        frontier = nxt
    return out
