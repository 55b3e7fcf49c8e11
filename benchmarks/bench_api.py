"""Latency of every page and API call on the bundled corpus, once warm.

    python benchmarks/bench_api.py [--data DIR] [--n 40]

Builds the bundled corpus into a temporary directory unless ``--data`` names a built one.
Requests go through the full ASGI stack in-process (FastAPI TestClient: routing, validation,
templates, JSON) — no network. Prints p50/p95 in milliseconds per call; target p95 < 100 ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient  # noqa: E402

from api.web.app import create_app  # noqa: E402

QUERIES = ["高标准农田建设", "农业科技进步贡献率", "让农民在家门口就能找到活干", "农村人居环境整治", "粮食安全"]
DRAFTS = ["到2025年，农作物耕种收综合机械化率达到60%以上。", "深入实施农村人居环境整治提升行动，推进厕所革命。"]


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))]


def calls(client: TestClient) -> dict[str, list]:
    """Name → list of request thunks (rotated through during timing)."""
    html = {"accept": "text/html"}
    docs = client.get("/api/documents").json()
    ents = client.get("/api/entities").json()
    ind = next((e for e in ents if e["type"] == "indicator"), ents[0])
    queries = client.get("/api/queries").json()
    sparql_q = queries[0]["query"] if queries else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    get = client.get
    titles = [p["title"] for d in docs for p in client.get(f"/api/documents/{d['id']}").json()["provisions"]
              if len(p["title"]) >= 6]
    unseen = iter([f"{t[:12]}" for t in titles] * 10)  # a new query string per request: no encoder cache
    return {
        "GET /api/search": [lambda q=q: get("/api/search", params={"q": q}) for q in QUERIES],
        "GET /api/search (unseen queries)": [lambda: get("/api/search", params={"q": next(unseen) + "工作"})],
        "GET /api/search (level filter)": [lambda q=q: get("/api/search", params={"q": q, "level": "township"})
                                           for q in QUERIES],
        "GET / (search page)": [lambda q=q: get("/", params={"q": q}, headers=html) for q in QUERIES],
        "POST /api/precedent": [lambda d=d: client.post("/api/precedent", json={"text": d, "k": 5}) for d in DRAFTS],
        "POST /precedent (page)": [lambda d=d: client.post("/precedent", data={"text": d}, headers=html) for d in DRAFTS],
        "GET /api/documents": [lambda: get("/api/documents")],
        "GET /documents": [lambda: get("/documents", headers=html)],
        "GET /api/documents/{id}": [lambda i=d["id"]: get(f"/api/documents/{i}") for d in docs],
        "GET /doc/{id}": [lambda i=d["id"]: get(f"/doc/{i}", headers=html) for d in docs],
        "GET /api/entities": [lambda: get("/api/entities")],
        "GET /entities": [lambda: get("/entities", headers=html)],
        "GET /api/entities/{id}": [lambda: get(f"/api/entities/{ind['id']}")],
        "GET /entity/{id}": [lambda: get(f"/entity/{ind['id']}", headers=html)],
        "GET /api/targets": [lambda: get("/api/targets")],
        "GET /api/cascade 001→000": [lambda: get("/api/cascade", params={"upper": "001", "lower": "000"})],
        "GET /cascade 001→000": [lambda: get("/cascade", params={"upper": "001", "lower": "000"}, headers=html)],
        "GET /api/concept/千万工程": [lambda: get("/api/concept/千万工程")],
        "GET /concept?name=四千行动": [lambda: get("/concept", params={"name": "四千行动"}, headers=html)],
        "GET /sparql (editor)": [lambda: get("/sparql", headers=html)],
        "GET /sparql?query= (example)": [lambda: get("/sparql", params={"query": sparql_q},
                                                     headers={"accept": "application/sparql-results+json"})],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="a built data dir (default: build the bundled corpus into a temp dir)")
    ap.add_argument("--n", type=int, default=40, help="timed requests per call (default 40)")
    args = ap.parse_args()
    if args.data:
        data = Path(args.data)
    else:
        from corpus import BUNDLED_DIR
        from api.pipeline.build import build

        data = Path(tempfile.mkdtemp(prefix="policykg-bench-")) / "data"
        t = time.perf_counter()
        build(BUNDLED_DIR, data, progress=False)
        print(f"built bundled corpus in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    app = create_app(data)
    t = time.perf_counter()
    app.state.kg.warm()
    print(f"warm-up (load documents, extraction, index, model): {time.perf_counter() - t:.1f} s", file=sys.stderr)
    client = TestClient(app)
    table = calls(client)
    print(f"{'call':38s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}  status")
    worst = 0.0
    for name, thunks in table.items():
        for th in thunks:  # warm every variant once (first-use caches, lazy loads)
            th()
        times, statuses = [], set()
        for i in range(args.n):
            t0 = time.perf_counter()
            r = thunks[i % len(thunks)]()
            times.append((time.perf_counter() - t0) * 1000)
            statuses.add(r.status_code)
        p95 = percentile(times, 95)
        worst = max(worst, p95)
        print(f"{name:38s} {statistics.median(times):8.1f} {p95:8.1f} {max(times):8.1f}  {sorted(statuses)}")
    print(f"worst p95: {worst:.1f} ms (target < 100 ms)")
    app.state.kg.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
