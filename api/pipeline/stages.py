"""The stages of a full build, in order: extraction → graph → cascade analysis → search index.

Each stage is a function of a :class:`~api.pipeline.context.BuildContext`; it writes under
``ctx.staging_dir`` and may leave objects in ``ctx.results`` for later stages (the JSON-able
value under its own name goes to the manifest). The layers below (``kg``, ``embeddings``) know
nothing of builds: the stages call their pure functions.
"""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from pathlib import Path

from api.datadir import DOCUMENTS, EXTRACTION, GRAPH, INDEX, MODEL, load_extractions
from api.pipeline.context import BuildContext, Stage
from api.pipeline.shards import (
    SHARDS,
    ExtractionShard,
    GraphShard,
    extraction_counts,
    graph_shard_path,
    read_extraction,
    write_extraction,
)
from embeddings.convert import ensure_model
from embeddings.encoder import configured_spec, load_encoder
from embeddings.index import HybridIndex, cache_vectors, uncached, warm_cache
from embeddings.vector_cache import VectorCache, default_path
from kg.cascade import analyse
from kg.cascade.rdf import analysis_quads, corpus_pairs, store_analysis
from kg.extract import canonical_indicators, prepare_corpus, rename_indicators
from kg.gazetteer import enclosing_places
from kg.graph import document_iri_of
from kg.records import DocumentExtraction
from kg.store import Store


def stage_extraction(ctx: BuildContext) -> dict[str, DocumentExtraction]:
    """doc id → extraction of every document, for the stages that need the whole corpus's records
    at once: the records an earlier stage handed over in ``ctx.results["extraction"]``, or the
    extraction shards in the staging dir; empty when there is neither."""
    ex = ctx.results.get("extraction")
    if isinstance(ex, dict) and all(isinstance(v, DocumentExtraction) for v in ex.values()):
        return ex
    return load_extractions(Path(ctx.staging_dir) / EXTRACTION)


def _shard_handed_over_records(ctx: BuildContext) -> None:
    """Records handed over in ``ctx.results["extraction"]`` (a stage run on its own) become
    extraction shards first, so the map steps, which read shards, see them."""
    ex = ctx.results.get("extraction")
    if isinstance(ex, dict) and ex:
        (Path(ctx.staging_dir) / EXTRACTION).mkdir(parents=True, exist_ok=True)
        for record in ex.values():
            write_extraction(ctx.staging_dir, record)


def extraction_stage(ctx: BuildContext) -> None:
    """``extraction/{doc_id}.json`` for every document: the corpus-wide pass (citations,
    program aliases, jurisdictions) first, then every document, each written as its shard by the
    worker that extracted it; then the corpus-wide indicator names, from the workers' summaries,
    rewriting only the shards they rename. Documents whose metadata the corpus pass changed
    (resolved citations, inferred 文号) are rewritten."""
    ectx, changed = prepare_corpus(ctx.docs)  # reduce: citations, aliases, jurisdictions
    ectx.gazetteer = None  # each worker loads its own (once per process) instead of receiving one
    out = ctx.staging_dir / EXTRACTION
    out.mkdir(parents=True, exist_ok=True)
    summaries = ctx.executor.map(ExtractionShard(str(ctx.staging_dir), ectx), ctx.docs)  # map: each document alone
    docs_using: dict[str, set[str]] = {}
    for s in summaries:
        for name in s["indicators"]:
            docs_using.setdefault(name, set()).add(s["doc_id"])
    canonical = canonical_indicators(docs_using)  # reduce: indicator names
    renamed = {old for old, new in canonical.items() if old != new}
    counts = {}
    for s in summaries:
        counts[s["doc_id"]] = s["counts"]
        if renamed.intersection(s["indicators"]):
            ex = read_extraction(ctx.staging_dir, s["doc_id"])
            if ex is not None and rename_indicators(ex, canonical):
                write_extraction(ctx.staging_dir, ex)
                counts[s["doc_id"]] = extraction_counts(ex)
    docs_dir = ctx.staging_dir / DOCUMENTS
    for doc in ctx.docs:
        if doc.id in changed or doc.cites:
            docs_dir.mkdir(parents=True, exist_ok=True)
            (docs_dir / f"{doc.id}.json").write_text(doc.model_dump_json(), encoding="utf-8")
    ctx.results["extraction_stage"] = {
        "documents": len(counts),
        **{k: sum(c[k] for c in counts.values()) for k in ("entities", "targets", "slogans", "responsibilities")},
        "metadata_changed": changed,
    }


def graph_stage(ctx: BuildContext) -> None:
    """The graph of every document into ``staging_dir/graph``: each worker writes its document's
    quads as an N-Quads shard (``shards/{doc_id}.nq.gz``), then the store bulk-loads the shards,
    streaming, and derives the shared and inferred graphs."""
    t0 = time.perf_counter()
    _shard_handed_over_records(ctx)
    doc_iris = {d.id: document_iri_of(d) for d in ctx.docs}
    (Path(ctx.staging_dir) / SHARDS).mkdir(parents=True, exist_ok=True)
    quads = ctx.executor.map(GraphShard(str(ctx.staging_dir), doc_iris), ctx.docs)  # map: writes the shards
    t_map = time.perf_counter() - t0
    store = Store(Path(ctx.staging_dir) / GRAPH)
    store.load_document_files((d.id, graph_shard_path(ctx.staging_dir, d.id)) for d in ctx.docs)  # reduce
    store.flush()
    summary = {"quads": store.count(), "documents": len(store.document_ids()), "shard_quads": sum(quads),
               "map_seconds": round(t_map, 3), "seconds": round(time.perf_counter() - t0, 3)}
    del store
    gc.collect()  # release the RocksDB handle before the staging dir is swapped in
    ctx.results["graph_stage"] = summary


def analysis_stage(ctx: BuildContext) -> None:
    """Analyse every (upper, lower) pair the graph links — alignment and target moves — into the
    analysis graph of ``staging_dir/graph``. Summary in ``ctx.results["cascade"]``."""
    t0 = time.perf_counter()
    _shard_handed_over_records(ctx)
    docs = {d.id: d for d in ctx.docs}
    store = Store(Path(ctx.staging_dir) / GRAPH)
    pairs = [(u, lo) for u, lo in corpus_pairs(store) if u in docs and lo in docs]
    doc_iris = {d.id: document_iri_of(d) for d in ctx.docs}
    batches = []
    for u, lo in pairs:  # the extraction shards of one pair at a time
        upper_ex, lower_ex = read_extraction(ctx.staging_dir, u), read_extraction(ctx.staging_dir, lo)
        res = analyse(docs[u], docs[lo], upper_ex=upper_ex, lower_ex=lower_ex)
        batches.append((u, lo, analysis_quads(res, upper_ex, lower_ex, doc_iris)))
    n = store_analysis(store, batches)
    store.flush()
    del store
    gc.collect()
    ctx.results["cascade"] = {"pairs": [list(p) for p in pairs], "quads": n,
                              "seconds": round(time.perf_counter() - t0, 3)}


@dataclass(frozen=True)
class PassageEncoding:
    """Builds, once per worker, the function that encodes a batch of sentences (picklable)."""

    model_dir: str
    spec: str

    def __call__(self):
        return load_encoder(Path(self.model_dir), spec=self.spec).encode_passages


ENCODE_BATCH = 256  # sentences per executor batch (texts arrive sorted by length: little padding)


def vector_cache_for(ctx: BuildContext) -> VectorCache | None:
    """The persistent vector cache of this build: ``options["vector_cache"]`` (a path, or "off"),
    else :func:`embeddings.vector_cache.default_path` of the data dir; None when off."""
    opt = ctx.options.get("vector_cache")
    if opt:
        return None if str(opt).lower() == "off" else VectorCache(Path(opt))
    if ctx.data_dir is None:
        return None
    path = default_path(ctx.data_dir)
    return VectorCache(path) if path is not None else None


def index_stage(ctx: BuildContext) -> None:
    """Convert the model if needed and index ``ctx.docs`` into ``staging_dir/index``. Distinct
    sentences that neither the previous index (same model) nor the persistent vector cache holds
    are encoded by the executor, longest first (map step: an actor pool on Ray) and stored in the
    cache; the index is then built from the vectors (reduce)."""
    model_dir = ensure_model(ctx.staging_dir / MODEL)
    spec = configured_spec(ctx.options.get("encoder"))
    encoder = load_encoder(model_dir, spec=spec)
    extractions = stage_extraction(ctx) or None
    previous = ctx.previous_dir / INDEX if ctx.previous_dir is not None else None
    t = time.perf_counter()
    fp = encoder.fingerprint
    model = {"name": encoder.name, "fingerprint": fp, "dim": int(encoder.dim)}
    warm_cache(previous if previous and previous.is_dir() else None, model)
    texts = uncached(fp, [s.text for d in ctx.docs for p in d.provisions for s in p.sentences if s.text.strip()])
    store = vector_cache_for(ctx)
    hits = store.get(fp, texts) if store is not None and texts else {}
    if hits:
        cache_vectors(fp, list(hits), list(hits.values()))
        texts = [x for x in texts if x not in hits]
    t_enc = time.perf_counter()
    if texts:
        texts.sort(key=len, reverse=True)
        vectors = ctx.executor.map_batches(PassageEncoding(str(model_dir), spec), texts, ENCODE_BATCH)
        cache_vectors(fp, texts, vectors)
        if store is not None:
            store.put(fp, texts, vectors)
    t_enc = time.perf_counter() - t_enc
    if store is not None:
        store.close()
    ix = HybridIndex.build(ctx.docs, encoder, extractions, previous if previous and previous.is_dir() else None,
                           place_chain=enclosing_places)
    ix.save(ctx.staging_dir / INDEX)
    ctx.results["index_stage"] = {**ix.manifest()["counts"], "index_type": ix.dense.kind,
                                  "encoded": len(texts), "from_vector_cache": len(hits),
                                  "encode_seconds": round(t_enc, 2),
                                  "seconds": round(time.perf_counter() - t, 2)}


STAGES: list[Stage] = [extraction_stage, graph_stage, analysis_stage, index_stage]
