"""Views of the graph for what SPARQL does poorly (walking the cascade).

- ``cascade_links``: documents linked by ``eli:applies`` / ``eli:based_on`` (lower → higher), with
  levels and inferred edges marked, as plain dicts; ``cascade_dag``: the same as a networkx graph.
- ``chain_above``: the documents above one document, nearest first (JSON-able); a breadth-first
  walk over ``cascade_links``, so a concept page does not import networkx.
- ``linked_pairs``: every (upper, lower) pair of corpus documents the cascade links, directly or
  through documents outside the corpus.
- ``corpus_document_iris``: document IRI → corpus doc id (permalinks resolve through it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class CascadeLinks:
    """The cascade as plain dicts: document IRI → attributes (``title``, ``level``, ``rank``,
    ``in_corpus``, ``doc_id``, ``number``; empty for an IRI only an edge names), and lower →
    higher → edge attributes (``relation``, ``inferred``), both in the order the store gave them."""

    nodes: dict[str, dict] = field(default_factory=dict)
    up: dict[str, dict[str, dict]] = field(default_factory=dict)


def cascade_links(store) -> CascadeLinks:
    """Documents and their ``eli:applies`` / ``eli:based_on`` links (lower → higher) as read from
    the store; a stated link wins over an inferred one between the same documents."""
    links = CascadeLinks()
    rows = store.query("""SELECT ?d ?title ?level ?in ?id ?num WHERE { ?d a pk:PolicyDocument .
        OPTIONAL { ?d eli:title ?title } OPTIONAL { ?d pk:level ?level } OPTIONAL { ?d pk:inCorpus ?in }
        OPTIONAL { ?d pk:docId ?id } OPTIONAL { ?d eli:id_local ?num } }""")
    for r in rows:
        iri = r["d"].value
        level = _level(r["level"])
        node = links.nodes.setdefault(iri, {})
        attrs = {"title": _v(r["title"]), "level": level, "rank": LEVEL_RANK.get(level or ""),
                 "in_corpus": _true(r["in"]) or bool(node.get("in_corpus")),
                 "doc_id": _v(r["id"]) or node.get("doc_id"), "number": _v(r["num"]) or node.get("number")}
        if node.get("title") and attrs["title"] and node["title"] < attrs["title"]:
            attrs["title"] = node["title"]  # deterministic when several titles are known
        node.update(attrs)
    edges = store.query("""SELECT ?a ?p ?b ?g WHERE { GRAPH ?g { ?a ?p ?b }
        VALUES ?p { eli:applies eli:based_on } }""")
    for r in edges:
        a, b = r["a"].value, r["b"].value
        inferred = r["g"].value == iris.INFERRED_GRAPH
        relation = r["p"].value.rsplit("#", 1)[-1]
        links.nodes.setdefault(a, {})
        links.nodes.setdefault(b, {})
        higher = links.up.setdefault(a, {})
        if b in higher and not higher[b]["inferred"]:
            continue
        higher[b] = {"relation": relation, "inferred": inferred}
    return links


def cascade_dag(store) -> nx.DiGraph:
    """The cascade as a networkx graph: documents as nodes (``title``, ``level``, ``rank``,
    ``in_corpus``, ``doc_id``, ``number``); an edge lower → higher per ``eli:applies`` /
    ``eli:based_on`` (``relation``, ``inferred``). See :func:`cascade_links`."""
    import networkx as nx  # 0.1–0.7 s to import: only for callers that want the graph object

    links = cascade_links(store)
    g = nx.DiGraph()
    g.add_nodes_from(links.nodes.items())
    g.add_edges_from((a, b, e) for a, higher in links.up.items() for b, e in higher.items())
    return g


def _resolve(links: CascadeLinks, doc: str) -> str:
    if doc in links.nodes:
        return doc
    for n, data in links.nodes.items():
        if data.get("doc_id") == doc:
            return n
    raise NotFound("document", doc)


def chain_above(store, doc: str, links: CascadeLinks | None = None) -> list[dict]:
    """Documents above ``doc`` (a doc id or IRI) in the cascade, nearest first, each with the
    ``via`` edge that reaches it (``relation``, ``inferred``) and its ``distance``. ``links``: the
    store's :func:`cascade_links`, when the caller keeps them (several chains then read the store
    once)."""
    g = cascade_links(store) if links is None else links
    start = _resolve(g, doc)
    out, seen, frontier, distance = [], {start}, [start], 0
    while frontier:
        distance += 1
        nxt = []
        for n in frontier:
            higher = g.up.get(n, {})
            for m in sorted(higher, key=lambda x: (g.nodes[x].get("rank") or 0, x), reverse=True):
                if m in seen:
                    continue
                seen.add(m)
                nxt.append(m)
                out.append({"iri": m, **g.nodes[m], "distance": distance, "from": n, **higher[m]})
        frontier = nxt
    return out


def linked_pairs(store, links: CascadeLinks | None = None) -> list[dict]:
    """(upper, lower) pairs of corpus documents where ``lower`` applies or is based on ``upper``,
    stated or inferred, directly or through documents outside the corpus: ``{upper, lower,
    relation, inferred, distance}`` (``inferred`` when any link on the way is), higher uppers first.
    ``links``: as for :func:`chain_above`."""
    g = cascade_links(store) if links is None else links
    out = []
    for lower, data in g.nodes.items():
        if not data.get("doc_id"):
            continue
        seen, frontier, distance = {lower}, [(lower, False, None)], 0
        while frontier:
            distance += 1
            nxt = []
            for n, inferred, relation in frontier:
                for m, edge in g.up.get(n, {}).items():
                    if m in seen:
                        continue
                    seen.add(m)
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
