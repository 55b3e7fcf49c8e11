"""Search build time, query latency and memory: bundled corpus and synthetic 100k / 1M sentences.

    python benchmarks/bench_search.py [--data DIR] [--sizes 100000] [--million] [--queries 200]
                                      [--skip-bundled] [--threads 2] [--json OUT]

Bundled: parse + index the five documents with the real encoder (model in ``DATA/model``,
converted if missing); latency per fused query = query encoding + retrieval + fusion +
grouping, over the dev-set queries and drafts cut from corpus sentences (model load excluded).

Synthetic: N sentences drawn from the corpus vocabulary (pseudo-words = 2–4 character pieces
of corpus text, by corpus frequency, lengths as in the corpus, commas between clauses) with
RANDOM UNIT VECTORS on the dense side (no encoder: 1M real encodings take hours on CPU; shaped
like e5's: shared mean direction, low-dimensional spread — see ``synthetic_vectors``), eight
sentences per provision. Queries are sentences of the synthetic corpus with a word dropped,
their vectors the sentence's vector plus noise. Reported latency is retrieval + fusion
(lexical scores, faiss HNSW/flat search, provision search, candidate scoring, fusion); add the
bundled query-encoding time for an end-to-end figure. RSS is the process's resident memory.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def rss_mb() -> float:
    """Current resident set size in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(xs: list[float]) -> dict:
    a = np.asarray(xs) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p99_ms": round(float(np.percentile(a, 99)), 2),
            "mean_ms": round(float(a.mean()), 2), "n": len(xs)}


# ---------------------------------------------------------------------------- bundled corpus
def bench_bundled(data: Path, n_queries: int) -> dict:
    from corpus import BUNDLED_DIR
    from corpus.ingest import ingest_dir
    from embeddings.convert import ensure_model
    from embeddings.encoder import load_encoder
    from api.evaluation.search import GOLD
    from embeddings.index import HybridIndex
    from embeddings.search import SearchIndex

    out: dict = {}
    t = time.perf_counter()
    docs, _ = ingest_dir(BUNDLED_DIR)
    out["parse_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    enc = load_encoder(ensure_model(data / "model"))
    out["model_load_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    ix = HybridIndex.build(docs, enc)
    out["index_build_s"] = round(time.perf_counter() - t, 2)
    out["sentences"] = len(ix.t)
    out["encode_sentences_per_s"] = round(len(ix.t) / out["index_build_s"], 1)
    si = SearchIndex(ix, enc)
    gold = [q["query"] for q in json.loads(GOLD.read_text(encoding="utf-8"))["queries"]]
    rng = np.random.default_rng(0)
    drafts = [ix.t.text[i][: rng.integers(12, 40)] for i in rng.choice(len(ix.t), max(0, n_queries - len(gold)))]
    queries = gold + drafts
    si.search(queries[:2], k=10)  # warm-up
    end_to_end, retrieval = [], []
    for q in queries:
        si._qcache.clear()
        t = time.perf_counter()
        si.search([q], k=10)
        end_to_end.append(time.perf_counter() - t)
        t = time.perf_counter()
        si.search([q], k=10)  # query vector cached: retrieval + fusion + grouping only
        retrieval.append(time.perf_counter() - t)
    out["fused_query_end_to_end"] = pct(end_to_end)
    out["fused_query_retrieval_only"] = pct(retrieval)
    t = time.perf_counter()
    for q in gold[:20]:
        si.precedent(q, k=5)
    out["precedent_ms_mean"] = round((time.perf_counter() - t) / 20 * 1000, 1)
    out["rss_mb"] = round(rss_mb(), 1)
    return out


# ---------------------------------------------------------------------------- synthetic corpora
def vocabulary() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Pseudo-words (2–4 character pieces of corpus runs) with frequencies, and sentence lengths."""
    from collections import Counter

    from corpus import BUNDLED_DIR
    from corpus.ingest import ingest_dir
    from embeddings.lexical import runs

    docs, _ = ingest_dir(BUNDLED_DIR)
    rng = np.random.default_rng(1)
    words: Counter = Counter()
    lengths = []
    for d in docs:
        for _, s in d.sentences():
            lengths.append(len(s.text))
            for r in runs(s.text):
                i = 0
                while i < len(r):
                    w = int(rng.integers(2, 5))
                    words[r[i : i + w]] += 1
                    i += w
    vocab = list(words)
    freq = np.asarray([words[w] for w in vocab], dtype=np.float64)
    return vocab, freq / freq.sum(), np.asarray(lengths)


def synthetic_sentences(n: int, seed: int = 0) -> list[str]:
    vocab, p, lengths = vocabulary()
    rng = np.random.default_rng(seed)
    target = rng.choice(lengths, n)
    n_words = np.maximum(2, target // 3)
    total = int(n_words.sum())
    picks = rng.choice(len(vocab), total, p=p)
    commas = rng.random(total) < 0.12
    out, k = [], 0
    for m in n_words.tolist():
        parts = []
        for j in range(k, k + m):
            parts.append(vocab[picks[j]])
            if commas[j]:
                parts.append("，")
        out.append("".join(parts) + "。")
        k += m
    return out


def synthetic_vectors(n: int, dim: int, rng: np.random.Generator, latent: int = 96) -> np.ndarray:
    """Random unit vectors shaped like e5 sentence vectors: a shared mean direction (mean
    pairwise cosine ~0.9, as measured on the bundled corpus) plus a random ``latent``-dimensional
    component and a little isotropic noise. Isotropic random vectors would be an unrealistically
    hard case for HNSW (no neighbourhood structure)."""
    mu = rng.standard_normal(dim).astype(np.float32)
    mu *= 0.95 / np.linalg.norm(mu)
    basis = rng.standard_normal((latent, dim)).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for a in range(0, n, 100_000):
        b = min(n, a + 100_000)
        r = rng.standard_normal((b - a, latent)).astype(np.float32) @ basis
        r += 0.15 * np.linalg.norm(r, axis=1, keepdims=True).mean() / np.sqrt(dim) * rng.standard_normal((b - a, dim), dtype=np.float32)
        r *= 0.32 / np.linalg.norm(r, axis=1, keepdims=True)
        v = mu + r
        out[a:b] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def bench_synthetic(n: int, n_queries: int, dim: int = 384) -> dict:
    from embeddings.dense import DenseIndex
    from embeddings.lexical import LexicalIndex
    from embeddings.core import Core
    from embeddings.search import retrieve

    out: dict = {"sentences": n, "dense_vectors": "random unit vectors, e5-like anisotropy (no encoder)"}
    rss0 = rss_mb()
    t = time.perf_counter()
    texts = synthetic_sentences(n)
    out["generate_s"] = round(time.perf_counter() - t, 1)
    rng = np.random.default_rng(2)
    t = time.perf_counter()
    lex = LexicalIndex.build(texts)
    out["lexical_build_s"] = round(time.perf_counter() - t, 1)
    vecs = synthetic_vectors(n, dim, rng)
    ids = np.arange(n, dtype=np.int64)
    per_prov = 8
    row_pid = ids // per_prov
    n_prov = int(row_pid[-1]) + 1
    pvecs = vecs[: n_prov * per_prov].reshape(-1, per_prov, dim).mean(1) if n % per_prov == 0 else \
        np.vstack([vecs[i : i + per_prov].mean(0) for i in range(0, n, per_prov)])
    pvecs /= np.linalg.norm(pvecs, axis=1, keepdims=True)
    t = time.perf_counter()
    dense = DenseIndex.create(dim, n)
    dense.add(ids, vecs)
    out["dense_build_s"] = round(time.perf_counter() - t, 1)
    out["dense_index"] = dense.kind
    t = time.perf_counter()
    pdense = DenseIndex.create(dim, n_prov)
    pdense.add(np.arange(n_prov, dtype=np.int64), pvecs)
    out["provision_index_build_s"] = round(time.perf_counter() - t, 1)
    out["provision_index"] = pdense.kind
    core = Core(lex, dense, ids, pdense, row_pid)
    qrows = rng.choice(n, n_queries, replace=False)
    queries = []
    for r in qrows:
        words = texts[r][:-1]
        cut = int(rng.integers(0, max(1, len(words) - 3)))
        queries.append(words[:cut] + words[cut + 3 :])
    qv = vecs[qrows] + 0.01 * rng.standard_normal((n_queries, dim), dtype=np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    retrieve(core, queries[0], qv[0])  # warm-up
    lat, lex_t, dense_t, found = [], [], [], 0
    for q, v, r in zip(queries, qv, qrows):
        t = time.perf_counter()
        ranked = retrieve(core, q, v)
        lat.append(time.perf_counter() - t)
        found += int(core.rows_of(ranked.ids[:1])[0] == r)
        t = time.perf_counter()
        lex.scores(q)
        lex_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        dense.search(v[None, :], 100)
        dense_t.append(time.perf_counter() - t)
    out["fused_query_retrieval"] = pct(lat)
    out["lexical_scoring"] = pct(lex_t)
    out["dense_search_top100"] = pct(dense_t)
    out["source_sentence_ranked_first"] = round(found / n_queries, 3)
    if dense.kind == "hnsw":
        exact = vecs @ qv[:50].T
        truth = np.argsort(-exact, axis=0)[:10].T
        got, _ = dense.search(qv[:50], 10)
        out["hnsw_recall@10"] = round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got)])), 3)
    out["rss_mb"] = round(rss_mb(), 1)
    out["rss_added_mb"] = round(rss_mb() - rss0, 1)
    del lex, dense, pdense, core, vecs, texts
    gc.collect()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("data"))
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000])
    ap.add_argument("--million", action="store_true", help="also the 1M-sentence synthetic corpus")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--skip-bundled", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    import faiss
    import torch

    faiss.omp_set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    report: dict = {"threads": args.threads, "cpus": os.cpu_count()}
    if not args.skip_bundled:
        report["bundled"] = bench_bundled(args.data, args.queries)
        print("bundled", json.dumps(report["bundled"], ensure_ascii=False), flush=True)
    sizes = list(args.sizes) + ([1_000_000] if args.million else [])
    for n in sizes:
        report[f"synthetic_{n}"] = bench_synthetic(n, args.queries)
        print(f"synthetic_{n}", json.dumps(report[f"synthetic_{n}"], ensure_ascii=False), flush=True)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
