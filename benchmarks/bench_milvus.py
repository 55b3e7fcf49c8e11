"""Search on the embedded index vs on Milvus (milvus-lite): load rate, query latency, queries/s.

    python benchmarks/bench_milvus.py [--sizes 100000 1000000] [--queries 200] [--clients 1 8]
                                      [--milvus milvus://HOST:PORT] [--json OUT]

Synthetic corpus (``bench_search``): N sentences drawn from the bundled corpus's vocabulary,
eight per provision, 100 per document, with SYNTHETIC UNIT VECTORS shaped like e5's (shared mean
direction, low-dimensional spread; no encoder: 1M real encodings take hours on CPU). The same
``HybridIndex`` serves the embedded backend and is synced into Milvus (``MilvusIndex.sync``:
sentence rows with the index's BM25 weights as a sparse vector and the dense vector in HNSW,
provision rows, document digests). A query is one ``embeddings.search.retrieve`` call — both
candidate lists, scores of the union, fusion — on either backend; queries are corpus sentences
with a word dropped, their vectors the sentence's vector plus noise. ``--clients 8`` runs eight
threads issuing queries at once (queries/s is the aggregate). Without ``--milvus`` a milvus-lite
server is started on a free loopback port for the run.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import numpy as np  # noqa: E402

from bench_search import pct, rss_mb, synthetic_sentences, synthetic_vectors  # noqa: E402
from embeddings.dense import DenseIndex  # noqa: E402
from embeddings.index import HybridIndex, Tables  # noqa: E402
from embeddings.lexical import LexicalIndex  # noqa: E402
from embeddings.milvus import MilvusIndex  # noqa: E402
from embeddings.search import retrieve  # noqa: E402

PER_PROVISION, PER_DOC, DIM = 8, 100, 384
LEVELS = ("central", "provincial", "prefectural", "county", "township")


def synthetic_index(n: int, seed: int = 0) -> HybridIndex:
    """A ``HybridIndex`` of ``n`` synthetic sentences (documents of 100, provisions of 8)."""
    rng = np.random.default_rng(seed)
    texts = synthetic_sentences(n, seed)
    vecs = synthetic_vectors(n, DIM, rng)
    ids = np.arange(n, dtype=np.int64)
    t = Tables(ids=ids, doc=[f"d{i // PER_DOC:06d}" for i in range(n)],
               prov=[f"p{(i % PER_DOC) // PER_PROVISION}" for i in range(n)],
               sid=[f"s{i % PER_DOC}" for i in range(n)], text=texts, start=[0] * n)
    docs, pvecs, pid = {}, [], 0
    for d in range(0, n, PER_DOC):
        doc_id = f"d{d // PER_DOC:06d}"
        level = LEVELS[(d // PER_DOC) % len(LEVELS)]
        docs[doc_id] = {"id": doc_id, "title": doc_id, "doc_number": None, "date": "2024-01-01", "year": 2020 + d % 5,
                        "level": level, "place": None, "place_code": None, "places": [], "source": doc_id}
        for a in range(d, min(n, d + PER_DOC), PER_PROVISION):
            b = min(n, a + PER_PROVISION, d + PER_DOC)
            t.provisions[f"{doc_id}#p{(a - d) // PER_PROVISION}"] = {
                "doc_id": doc_id, "id": f"p{(a - d) // PER_PROVISION}", "number": "", "path_number": "",
                "title": "", "kind": "item", "pid": pid}
            v = vecs[a:b].mean(axis=0)
            pvecs.append(v / np.linalg.norm(v))
            pid += 1
    dense = DenseIndex.create(DIM, n)
    dense.add(ids, vecs)
    prov = DenseIndex.create(DIM, pid)
    prov.add(np.arange(pid, dtype=np.int64), np.vstack(pvecs).astype(np.float32))
    model = {"name": "synthetic-e5-shaped", "fingerprint": f"synthetic-{seed}", "dim": DIM}
    return HybridIndex(model, docs, t, LexicalIndex.build(texts), dense, prov, next_id=n, next_pid=pid)


def workload(ix: HybridIndex, n_queries: int, seed: int = 1) -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(ix.t), n_queries, replace=False)
    vecs = ix.dense.vectors(ix.t.ids[rows])
    out = []
    for r, v in zip(rows, vecs):
        words = ix.t.text[r].split("，")
        if len(words) > 1:
            words.pop(int(rng.integers(len(words))))
        q = v + 0.02 * rng.standard_normal(DIM).astype(np.float32)
        out.append(("，".join(words), (q / np.linalg.norm(q)).astype(np.float32)))
    return out


def run_queries(backend, queries, clients: int) -> dict:
    """Latency percentiles (ms) and aggregate queries/s of ``retrieve`` calls from ``clients`` threads."""
    def one(item):
        t = time.perf_counter()
        retrieve(backend, item[0], item[1])
        return time.perf_counter() - t

    for item in queries[:5]:  # warm caches and connections
        one(item)
    t0 = time.perf_counter()
    if clients == 1:
        lat = [one(q) for q in queries]
    else:
        with cf.ThreadPoolExecutor(clients) as pool:
            lat = list(pool.map(one, queries))
    wall = time.perf_counter() - t0
    p95 = round(float(np.percentile(np.asarray(lat) * 1000, 95)), 2)
    return {"clients": clients, **pct(lat), "p95_ms": p95, "qps": round(len(queries) / wall, 1)}


def bench(n: int, spec: str, n_queries: int, clients: list[int]) -> dict:
    t = time.perf_counter()
    ix = synthetic_index(n)
    build_s = time.perf_counter() - t
    rss_embedded = rss_mb()
    target = MilvusIndex(f"{spec}?collection=bench{n}")
    target.drop()
    t = time.perf_counter()
    summary = target.sync(ix)
    load_s = time.perf_counter() - t
    queries = workload(ix, n_queries)
    out = {"sentences": n, "documents": len(ix.docs), "embedded_build_s": round(build_s, 1),
           "rss_mb_after_embedded_build": round(rss_embedded), "milvus_load_s": round(load_s, 1),
           "milvus_load_rows_per_s": round(n / load_s), "sync": summary, "embedded": [], "milvus": []}
    backend = target.backend(ix.model)
    for c in clients:
        out["embedded"].append(run_queries(ix.core(), queries, c))
        out["milvus"].append(run_queries(backend, queries, c))
        print(json.dumps({"n": n, "clients": c, "embedded": out["embedded"][-1], "milvus": out["milvus"][-1]}),
              flush=True)
    agree = sum(np.array_equal(retrieve(ix.core(), q, v).ids[:10], retrieve(backend, q, v).ids[:10])
                for q, v in queries[:50])
    out["top10_identical_of_50"] = int(agree)
    target.drop()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--milvus", default=None, help="a running Milvus (default: start milvus-lite here)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    server = None
    if args.milvus is None:
        from servers import start_milvus_lite

        server = start_milvus_lite(tempfile.mkdtemp(prefix="bench-milvus-"), timeout=120)
    spec = args.milvus or server.spec
    try:
        results = [bench(n, spec, args.queries, args.clients) for n in args.sizes]
    finally:
        if server is not None:
            server.stop()
    print(json.dumps(results, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
