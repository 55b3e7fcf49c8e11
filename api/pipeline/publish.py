"""Publish a build's graph to an external graph store and its search index to an external index.

The build writes the graph into the data directory (the embedded store stays the record the
atomic swap protects); a configured external store (``api.config``) then receives every
document's named graph, the analysis graphs and the derived graphs, and loses the documents the
build no longer has. Re-publishing the same build changes nothing.
"""
from __future__ import annotations

import time

from pathlib import Path

from api.datadir import INDEX
from embeddings.index import HybridIndex
from embeddings.milvus import MilvusIndex
from kg.cascade.rdf import ANALYSIS_GRAPH
from kg.store import GraphStore, Store


def publish_graph(source: Store, target: GraphStore) -> dict:
    """Make ``target`` hold what ``source`` holds; returns a summary (documents, quads, seconds)."""
    t0 = time.perf_counter()
    ids = source.document_ids()
    for gone in sorted(set(target.document_ids()) - set(ids)):
        target.remove_document(gone, refresh=False)
    target.load_document_dumps(source.dump_document(doc_id) for doc_id in ids)
    analysis = {g.value for g in source.graphs() if g.value.startswith(ANALYSIS_GRAPH + "/")}
    stale = {g.value for g in target.graphs() if g.value.startswith(ANALYSIS_GRAPH + "/")} - analysis
    for name in sorted(analysis):
        target.replace_graph(name, source.quads(name))
    for name in sorted(stale):
        target.replace_graph(name, [])
    target.flush()
    return {"documents": len(ids), "quads": target.count(), "seconds": round(time.perf_counter() - t0, 3)}


def publish_search_index(data_dir: Path, target: MilvusIndex) -> dict:
    """Make the external search index hold what the data directory's index holds (new and changed
    documents written, removed ones deleted); returns its summary."""
    return target.sync(HybridIndex.load(Path(data_dir) / INDEX))
