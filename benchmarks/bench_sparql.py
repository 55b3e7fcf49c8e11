"""SPARQL endpoint throughput and latency: the five example queries with 1, 4 and 16 concurrent clients.

    python benchmarks/bench_sparql.py [--data DIR] [--clients 1 4 16] [--seconds 5] [--workers N]

Serves the SPARQL 1.1 protocol router (uvicorn on a free loopback port, the real worker pool)
over the graph of ``--data`` (a built data directory) or, without it, over a graph built here
from the bundled corpus (parse + extract + graph; no embeddings). Each client loops over one
query by HTTP GET for ``--seconds``; prints queries/s, p50 and p95 per query and concurrency.
"""
from __future__ import annotations

import argparse
import gc
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from api.web.sparql_http import router
from kg.sparql import SparqlService

QUERIES = Path(__file__).resolve().parent.parent / "kg" / "queries"


def bundled_graph(folder: Path) -> Path:
    """Build the graph of the bundled corpus into ``folder/graph``."""
    from corpus import BUNDLED_DIR
    from corpus.ingest import ingest_dir
    from kg.extract import extract_corpus
    from kg.store import build_store

    docs, _ = ingest_dir(BUNDLED_DIR)
    store = build_store(folder / "graph", docs, extract_corpus(docs))
    del store
    gc.collect()
    return folder / "graph"


def serve(svc: SparqlService) -> tuple[str, uvicorn.Server, threading.Thread]:
    app = FastAPI()
    app.include_router(router(lambda: svc))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/sparql", server, t


def run(url: str, query: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        with httpx.Client(timeout=60) as c:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                r = c.get(url, params={"query": query}, headers={"Accept": "application/sparql-results+json"})
                dt = time.perf_counter() - t0
                with lock:
                    if r.status_code == 200:
                        latencies.append(dt)
                    else:
                        failures[0] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    lat = sorted(latencies)
    return {"qps": len(lat) / wall, "p50": statistics.median(lat) if lat else float("nan"),
            "p95": lat[int(0.95 * (len(lat) - 1))] if lat else float("nan"), "n": len(lat), "failed": failures[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    graph = args.data / "graph" if args.data else bundled_graph(Path(tmp.name))
    svc = SparqlService(graph, workers=args.workers, max_waiting=64, wait=30)
    url, server, thread = serve(svc)
    print(f"graph {graph}; {svc.size} workers; network isolated: {svc.network_isolated}; cores: {os.cpu_count()}")
    print(f"{'query':28} {'clients':>7} {'q/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'n':>6} {'failed':>6}")
    try:
        for path in sorted(QUERIES.glob("*.rq")):
            text = path.read_text("utf-8")
            run(url, text, 1, 0.5)  # warm the workers' caches
            for n in args.clients:
                r = run(url, text, n, args.seconds)
                print(f"{path.stem:28} {n:>7} {r['qps']:>8.1f} {r['p50'] * 1000:>8.1f} {r['p95'] * 1000:>8.1f} "
                      f"{r['n']:>6} {r['failed']:>6}")
    finally:
        server.should_exit = True
        thread.join(10)
        svc.close()
        tmp.cleanup()


if __name__ == "__main__":
    main()
