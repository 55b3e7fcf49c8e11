"""networkx views of the graph for analysis SPARQL does poorly; every function returns JSON-able data.

- ``cascade_dag`` / ``cascade_view``: documents linked by ``eli:applies`` / ``eli:based_on``
  (lower → higher), with levels, depth and inferred edges marked.
- ``chain_above``: the documents above one document, nearest first.
- ``place_tree``: the administrative tree of every place in the graph, with its documents.
- ``cooccurrence``: programs and slogans that appear together in documents.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import networkx as nx

from corpus.errors import NotFound
from kg import iris
from kg.graph import LEVEL_RANK

_PK = "https://w3id.org/policykg/ont#"


def _v(term) -> str | None:
    return None if term is None else term.value


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
                 "in_corpus": _v(r["in"]) == "true" or bool(node.get("in_corpus")),
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


def _depths(g: nx.DiGraph) -> dict[str, int]:
    """Longest number of hops from each node up to a document that implements nothing."""
    depth: dict[str, int] = {}
    if nx.is_directed_acyclic_graph(g):
        for n in reversed(list(nx.topological_sort(g))):
            depth[n] = max((depth[m] + 1 for m in g.successors(n)), default=0)
    else:  # a citation cycle: fall back to shortest distances to the top
        for n in g:
            lengths = nx.single_source_shortest_path_length(g, n)
            depth[n] = max(lengths.values(), default=0)
    return depth


def cascade_view(store) -> dict:
    """The cascade DAG as ``{"nodes": [...], "edges": [...]}`` with each node's depth."""
    g = cascade_dag(store)
    depth = _depths(g)
    nodes = [{"iri": n, **g.nodes[n], "depth": depth.get(n, 0)} for n in sorted(g)]
    edges = [{"source": a, "target": b, **g.edges[a, b]} for a, b in sorted(g.edges)]
    return {"nodes": nodes, "edges": edges, "acyclic": nx.is_directed_acyclic_graph(g)}


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


def place_tree(store) -> dict:
    """The administrative tree of every place in the graph, roots first; each node:
    ``{code, iri, name, level, documents: [iri...], children: [...]}``."""
    rows = store.query("""SELECT ?p ?code ?name ?level ?parent WHERE { ?p a pk:Place .
        OPTIONAL { ?p pk:adminCode ?code } OPTIONAL { ?p skos:prefLabel ?name }
        OPTIONAL { ?p pk:adminLevel ?level } OPTIONAL { ?p pk:withinAdmin ?parent } }""")
    t = nx.DiGraph()
    for r in rows:
        p = r["p"].value
        prev = t.nodes[p] if p in t else {}
        name = _v(r["name"])
        t.add_node(p, code=_v(r["code"]) or prev.get("code"), level=_level(r["level"]) or prev.get("level"),
                   name=min(filter(None, [name, prev.get("name")]), default=None))
        if r["parent"] is not None:
            t.add_edge(r["parent"].value, p)
    docs = defaultdict(list)
    for r in store.query("SELECT ?d ?p WHERE { ?d eli:jurisdiction ?p }"):
        docs[r["p"].value].append(r["d"].value)

    def node(n: str) -> dict:
        data = t.nodes[n]
        return {"iri": n, "code": data.get("code"), "name": data.get("name"), "level": data.get("level"),
                "documents": sorted(docs.get(n, [])), "children": [node(c) for c in sorted(t.successors(n))]}

    roots = sorted(n for n in t if t.in_degree(n) == 0)
    return {"roots": [node(r) for r in roots], "places": t.number_of_nodes()}


def cooccurrence(store, types: tuple[str, ...] = ("Program", "Slogan")) -> dict:
    """Entities of ``types`` mentioned in documents; an edge per pair found in the same document,
    weighted by the number of such documents. ``{"nodes": [...], "edges": [...]}``."""
    values = " ".join(f"pk:{t}" for t in types)
    rows = store.query(f"""SELECT DISTINCT ?e ?type ?label ?doc WHERE {{
        VALUES ?type {{ {values} }}
        ?e a ?type . ?s pk:mentions ?e . ?s pk:inDocument ?doc .
        OPTIONAL {{ ?e skos:prefLabel ?label }} }}""")
    docs_of: dict[str, set[str]] = defaultdict(set)
    info: dict[str, dict] = {}
    for r in rows:
        e = r["e"].value
        docs_of[e].add(r["doc"].value)
        label = _v(r["label"])
        prev = info.get(e, {}).get("label")
        info[e] = {"type": r["type"].value.removeprefix(_PK), "label": min(filter(None, [label, prev]), default=None)}
    g = nx.Graph()
    for e, ds in docs_of.items():
        g.add_node(e, **info[e], documents=len(ds))
    by_doc: dict[str, list[str]] = defaultdict(list)
    for e, ds in docs_of.items():
        for d in ds:
            by_doc[d].append(e)
    for ents in by_doc.values():
        for a, b in combinations(sorted(ents), 2):
            w = g.edges[a, b]["weight"] + 1 if g.has_edge(a, b) else 1
            g.add_edge(a, b, weight=w)
    return {"nodes": [{"iri": n, **g.nodes[n]} for n in sorted(g)],
            "edges": [{"source": a, "target": b, "weight": g.edges[a, b]["weight"]}
                      for a, b in sorted(tuple(sorted(e)) for e in g.edges)]}
