"""Cascade results as RDF, one named graph per analysed pair of documents.

Graph ``https://w3id.org/policykg/graph/analysis/{upper_id}/{lower_id}`` (:func:`analysis_graph`)
holds, for that (upper, lower) pair:

* one ``pk:Alignment`` per aligned provision pair — ``pk:alignedFrom`` the lower provision,
  ``pk:alignedTo`` the upper one, ``pk:similarity`` the alignment score and ``pk:kind`` the
  relation (``copied`` / ``adapted`` / ``reworded``), ``pk:alignmentScore`` the aligner's score;
* one ``pk:TargetMove`` per target stated at both levels — ``pk:fromTarget`` (upper) and
  ``pk:toTarget`` (lower) point at the ``pk:Target`` nodes of the document graphs, ``pk:move``
  at ``pk:move_raised`` / ``_lowered`` / ``_same`` / ``_incomparable``.

Node IRIs are ``{base}/analysis/{upper_id}/{lower_id}/…``; re-analysing a pair replaces its
graph through the graph-store seam (:func:`store_analysis`).

>>> pair_prefix("aaa", "bbb"), analysis_graph("aaa", "bbb")
('https://w3id.org/policykg/analysis/aaa/bbb/', 'https://w3id.org/policykg/graph/analysis/aaa/bbb')
"""
from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from corpus.model import Document
from kg import iris, views
from kg.cascade import CascadeResult
from kg.graph import N, decimal, document_iri_of
from kg.records import DocumentExtraction, TargetRecord
from kg.store import GraphStore
from kg.vocab import PK, RDF, RDFS

ANALYSIS_GRAPH = f"{iris.GRAPH_BASE}/analysis"


def analysis_graph(upper_id: str, lower_id: str) -> str:
    """The named graph of one analysed pair."""
    return f"{ANALYSIS_GRAPH}/{upper_id}/{lower_id}"


def pair_prefix(upper_id: str, lower_id: str) -> str:
    return f"{iris.BASE}/analysis/{upper_id}/{lower_id}/"


def target_iris(doc: Document, ex: DocumentExtraction, doc_iri: str | None = None) -> dict[int, str]:
    """``id(target record)`` → the IRI ``kg.graph.document_quads`` gives that target
    (``{sentence}/target_{n}``, n counting the document's targets per sentence in order)."""
    d = doc_iri or document_iri_of(doc)
    per_sentence: dict[str, int] = {}
    out: dict[int, str] = {}
    for t in ex.targets:
        n = per_sentence[t.span.sentence_id] = per_sentence.get(t.span.sentence_id, 0) + 1
        out[id(t)] = f"{iris.provision_iri(d, t.span.sentence_id)}/target_{n}"
    return out


def analysis_quads(
    result: CascadeResult,
    upper_ex: DocumentExtraction | None = None,
    lower_ex: DocumentExtraction | None = None,
    doc_iris: dict[str, str] | None = None,
) -> list[ox.Quad]:
    """The quads describing one analysed pair (alignments and target moves)."""
    up, low = result.upper, result.lower
    g = N(analysis_graph(up.id, low.id))
    ud = (doc_iris or {}).get(up.id) or document_iri_of(up)
    ld = (doc_iris or {}).get(low.id) or document_iri_of(low)
    prefix = pair_prefix(up.id, low.id)
    quads: list[ox.Quad] = []

    def add(s: str, p: str, o) -> None:
        quads.append(ox.Quad(N(s), N(p), N(o) if isinstance(o, str) else o, g))

    for pair in result.alignment.pairs:
        a = f"{prefix}align/{pair.lower.provision_id}"
        add(a, RDF.type, PK.Alignment)
        add(a, PK.alignedFrom, iris.provision_iri(ld, pair.lower.provision_id))
        add(a, PK.alignedTo, iris.provision_iri(ud, pair.upper.provision_id))
        add(a, RDFS.label, ox.Literal(f"{pair.lower.provision_id} ≈ {pair.upper.provision_id}"))
        add(a, PK.similarity, decimal(round(min(1.0, max(0.0, pair.lexical)), 4)))
        add(a, PK.alignmentScore, decimal(round(pair.score, 4)))
        if pair.relation:
            add(a, PK.kind, ox.Literal(pair.relation))
    if result.targets and upper_ex is not None and lower_ex is not None:
        uiris, liris = target_iris(up, upper_ex, ud), target_iris(low, lower_ex, ld)
        for n, mv in enumerate(result.targets, 1):
            ut, lt = _iri_of(mv.upper, uiris), _iri_of(mv.lower, liris)
            if not ut or not lt:
                continue
            m = f"{prefix}move/{n}"
            add(m, RDF.type, PK.TargetMove)
            add(m, RDFS.label, ox.Literal(f"{mv.upper.indicator}：{mv.upper.value_text} → {mv.lower.value_text}",
                                          language="zh"))
            add(m, PK.fromTarget, ut)
            add(m, PK.toTarget, lt)
            add(m, PK.move, getattr(PK, f"move_{mv.move}"))
    return quads


def _iri_of(t: TargetRecord, table: dict[int, str]) -> str | None:
    return table.get(id(t))


def store_analysis(store: GraphStore, results: Iterable[tuple[str, str, list[ox.Quad]]]) -> int:
    """Replace, in ``store``, the analysis graph of each ``(upper_id, lower_id, quads)`` pair;
    returns the number of quads written."""
    written = 0
    for upper_id, lower_id, quads in results:
        store.replace_graph(analysis_graph(upper_id, lower_id), quads)
        written += len(quads)
    return written


def corpus_pairs(store) -> list[tuple[str, str]]:
    """(upper doc id, lower doc id) for every corpus document and each corpus document above it
    in the cascade (stated or inferred links, also through documents outside the corpus)."""
    out: list[tuple[str, str]] = []
    links = views.cascade_links(store)
    for low in sorted(store.document_ids()):
        try:
            rows = views.chain_above(store, low, links)
        except Exception:  # noqa: BLE001 - a document without a node has nothing above it
            continue
        out += [(r["doc_id"], low) for r in rows if r.get("doc_id") and r["doc_id"] != low]
    return list(dict.fromkeys(out))
