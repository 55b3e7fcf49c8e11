"""networkx views of the graph for what SPARQL does poorly (walking the cascade).

- ``cascade_dag``: documents linked by ``eli:applies`` / ``eli:based_on`` (lower → higher), with
  levels and inferred edges marked.
- ``chain_above``: the documents above one document, nearest first (JSON-able).
- ``linked_pairs``: every (upper, lower) pair of corpus documents the cascade links, directly or
  through documents outside the corpus.
- ``corpus_document_iris``: document IRI → corpus doc id (permalinks resolve through it).
"""
from __future__ import annotations


import networkx as nx

from corpus.errors import NotFound
from kg import iris
from kg.graph import LEVEL_RANK

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


def chain_above(store, doc: str) -> list[dict]:
    """Documents above ``doc`` (a doc id or IRI) in the cascade, nearest first, each with the
    ``via`` edge that reaches it (``relation``, ``inferred``) and its ``distance``."""
    g = cascade_dag(store)
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


def linked_pairs(store) -> list[dict]:
    """(upper, lower) pairs of corpus documents where ``lower`` applies or is based on ``upper``,
    stated or inferred, directly or through documents outside the corpus: ``{upper, lower,
    relation, inferred, distance}`` (``inferred`` when any link on the way is), higher uppers first."""
    g = cascade_dag(store)
    out = []
    for lower, data in g.nodes(data=True):
        if not data.get("doc_id"):
            continue
        seen, frontier, distance = {lower}, [(lower, False, None)], 0
        while frontier:
            distance += 1
            nxt = []
            for n, inferred, relation in frontier:
                for m in g.successors(n):
                    if m in seen:
                        continue
                    seen.add(m)
                    edge = g.edges[n, m]
                    step = (m, inferred or edge["inferred"], relation or edge["relation"])
                    nxt.append(step)
                    upper = g.nodes[m].get("doc_id")
                    if upper and upper != data["doc_id"]:
                        out.append({"upper": upper, "lower": data["doc_id"], "relation": step[2],
                                    "inferred": step[1], "distance": distance,
                                    "upper_rank": g.nodes[m].get("rank"), "lower_rank": data.get("rank")})
            frontier = nxt
    return sorted(out, key=lambda p: (p["upper_rank"] if p["upper_rank"] is not None else 9,
                                      p["lower_rank"] if p["lower_rank"] is not None else 9, p["upper"], p["lower"]))


def corpus_document_iris(store) -> dict[str, str]:
    """The IRI of every corpus document → its doc id."""
    rows = store.query("SELECT ?d ?id WHERE { ?d pk:docId ?id }")
    return {r["d"].value: r["id"].value for r in rows}
