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
from api.pipeline.jobs import Done, Job
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
from embeddings.encoder import (
    SPECS,
    EncoderRef,
    PassageEncoding,
    configured_spec,
    fingerprint_of,
    is_loaded,
)
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


ENCODE_BATCH = 256  # sentences per executor batch (texts arrive sorted by length: little padding)
WORKER_MIN_TEXTS = 256  # fewer texts are encoded in this process: a worker process costs ~1.5 CPU-s to start
ENCODE_MODES = ("auto", "worker", "here")


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


@dataclass
class Encoding:
    """The sentence vectors a build needs: found (previous index, vector cache) or being encoded."""

    fingerprint: str
    texts: list[str]  # distinct texts to encode, longest first
    job: Job  # their vectors, in the same order
    from_vector_cache: int
    started: float
    mode: str  # worker | here
    seconds: float | None = None  # encoding time when encoded here (a worker's: started → collected)


def start_encoding(ctx: BuildContext, mode: str | None = None) -> Encoding:
    """Collect the distinct sentences of ``ctx.docs`` that neither the previous index (same model)
    nor the persistent vector cache holds, and start encoding them (map step: an actor pool on Ray).

    ``mode`` (default ``options["encode"]``, else ``auto``): ``worker`` hands them to the executor's
    :meth:`~api.pipeline.executor.Executor.submit_batches` (locally a worker process that runs beside
    the next stages), ``here`` encodes them at once; ``auto`` is ``worker`` for
    :data:`WORKER_MIN_TEXTS` texts or more unless this process already holds the model.
    """
    mode = mode or ctx.options.get("encode") or "auto"
    if mode not in ENCODE_MODES:
        raise ValueError(f"unknown encode mode {mode!r}; known: {', '.join(ENCODE_MODES)}")
    model_dir = ensure_model(ctx.staging_dir / MODEL)
    spec = configured_spec(ctx.options.get("encoder"))
    fp = fingerprint_of(model_dir, SPECS[spec])
    previous = ctx.previous_dir / INDEX if ctx.previous_dir is not None else None
    warm_cache(previous if previous and previous.is_dir() else None, {"fingerprint": fp})
    texts = uncached(fp, [s.text for d in ctx.docs for p in d.provisions for s in p.sentences if s.text.strip()])
    store = vector_cache_for(ctx)
    hits = store.get(fp, texts) if store is not None and texts else {}
    if store is not None:
        store.close()
    if hits:
        cache_vectors(fp, list(hits), list(hits.values()))
        texts = [x for x in texts if x not in hits]
    texts.sort(key=len, reverse=True)
    submit = getattr(ctx.executor, "submit_batches", None)
    if mode == "auto":
        mode = "worker" if len(texts) >= WORKER_MIN_TEXTS and not is_loaded(model_dir, spec) else "here"
    started = time.perf_counter()
    work = (PassageEncoding(str(model_dir), spec), texts, ENCODE_BATCH)
    if mode == "worker" and submit is not None and texts:
        job = submit(*work)
        ctx.cleanup.append(job.cancel)
    else:
        mode = "here"
        job = Done(ctx.executor.map_batches(*work) if texts else [])
    took = time.perf_counter() - started if mode == "here" else None
    return Encoding(fp, texts, job, len(hits), started, mode, took)


def encoding_stage(ctx: BuildContext) -> None:
    """Start encoding the build's new sentences (:func:`start_encoding`) for the index stage to
    collect: on a local build the extraction, graph and analysis stages run meanwhile."""
    enc = start_encoding(ctx)
    ctx.results["encoding"] = enc
    ctx.results["encoding_stage"] = {"texts": len(enc.texts), "from_vector_cache": enc.from_vector_cache,
                                     "mode": enc.mode}


def index_stage(ctx: BuildContext) -> None:
    """Index ``ctx.docs`` into ``staging_dir/index`` from the sentence vectors the encoding stage
    started (or, without it, encoded here first); new vectors go to the persistent vector cache.
    The model is loaded in this process only when a text is still missing."""
    enc = ctx.results.pop("encoding", None)
    if not isinstance(enc, Encoding):
        enc = start_encoding(ctx, mode="here")
    t = time.perf_counter()
    vectors = enc.job.result()
    waited = time.perf_counter() - t
    t_enc = enc.seconds if enc.seconds is not None else time.perf_counter() - enc.started
    if enc.texts:
        cache_vectors(enc.fingerprint, enc.texts, vectors)
        store = vector_cache_for(ctx)
        if store is not None:
            store.put(enc.fingerprint, enc.texts, vectors)
            store.close()
    model_dir = ensure_model(ctx.staging_dir / MODEL)
    encoder = EncoderRef(model_dir, configured_spec(ctx.options.get("encoder")))
    previous = ctx.previous_dir / INDEX if ctx.previous_dir is not None else None
    t = time.perf_counter()
    ix = HybridIndex.build(ctx.docs, encoder, stage_extraction(ctx) or None,
                           previous if previous and previous.is_dir() else None, place_chain=enclosing_places)
    ix.save(ctx.staging_dir / INDEX)
    ctx.results["index_stage"] = {**ix.manifest()["counts"], "index_type": ix.dense.kind,
                                  "encoded": len(enc.texts), "from_vector_cache": enc.from_vector_cache,
                                  "encode_seconds": round(t_enc, 2), "encode_wait_seconds": round(waited, 2),
                                  "encoded_in": enc.mode, "seconds": round(time.perf_counter() - t, 2)}


STAGES: list[Stage] = [encoding_stage, extraction_stage, graph_stage, analysis_stage, index_stage]
