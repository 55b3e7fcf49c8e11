"""Soak: N concurrent clients × S seconds of mixed traffic against a real server.

Run: ``python benchmarks/bench_soak.py --data data [--clients 50] [--seconds 60]``. Starts
``policykg serve`` on the built data dir in a child process, waits until it answers, then runs the
clients (asyncio + httpx), each looping over search, precedent, a document and a SPARQL query.
Prints requests/s, errors and p50/p95/p99 latency per endpoint, and the server's RSS (its whole
process tree: the SPARQL workers too) sampled every second. Target: search p95 < 500 ms with 50
clients on 2 cores.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["粮食安全", "高标准农田建设", "农村人居环境整治", "乡村振兴人才", "科技成果转化", "数字乡村"]
DRAFTS = ["到2025年，全县粮食播种面积稳定在30万亩以上。", "持续深化农村人居环境整治提升行动。"]
SPARQL = ("PREFIX pkg: <https://w3id.org/policykg/ontology#> "
          "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g LIMIT 50")


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and its descendants (from /proc), in MB."""
    children: dict[int, list[int]] = defaultdict(list)
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                ppid = int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(p.name))
    total, todo = 0, [pid]
    while todo:
        q = todo.pop()
        todo += children.get(q, [])
        try:
            for line in Path(f"/proc/{q}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def client(http: httpx.AsyncClient, doc_ids: list[str], until: float, lat: dict, errs: dict,
                 rng: random.Random) -> None:
    while time.perf_counter() < until:
        kind = rng.choice(["search", "search", "precedent", "document", "sparql"])
        t = time.perf_counter()
        try:
            if kind == "search":
                r = await http.get("/api/search", params={"q": rng.choice(QUERIES), "k": 10})
            elif kind == "precedent":
                r = await http.post("/api/precedent", json={"text": rng.choice(DRAFTS), "k": 5})
            elif kind == "document":
                r = await http.get(f"/api/documents/{rng.choice(doc_ids)}")
            else:
                r = await http.get("/sparql", params={"query": SPARQL},
                                   headers={"accept": "application/sparql-results+json"})
            ok = r.status_code == 200
        except httpx.HTTPError:
            ok = False
        lat[kind].append(time.perf_counter() - t)
        if not ok:
            errs[kind] += 1


async def soak(base: str, clients: int, seconds: float, server_pid: int) -> None:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        doc_ids = [d["id"] for d in (await http.get("/api/documents")).json()]
        lat: dict[str, list[float]] = defaultdict(list)
        errs: dict[str, int] = defaultdict(int)
        rss: list[tuple[float, float]] = []
        t0 = time.perf_counter()
        until = t0 + seconds

        async def sample() -> None:
            while time.perf_counter() < until:
                rss.append((time.perf_counter() - t0, tree_rss_mb(server_pid)))
                await asyncio.sleep(1)

        await asyncio.gather(sample(), *(client(http, doc_ids, until, lat, errs, random.Random(i))
                                         for i in range(clients)))
        wall = time.perf_counter() - t0
    n = sum(len(v) for v in lat.values())
    print(f"{clients} clients × {seconds:.0f} s: {n} requests, {n / wall:.1f} req/s, "
          f"{sum(errs.values())} errors")
    print(f"{'endpoint':<10} {'n':>6} {'err':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in ("search", "precedent", "document", "sparql"):
        xs = sorted(lat[kind])
        if not xs:
            continue
        q = statistics.quantiles(xs, n=100, method="inclusive") if len(xs) > 1 else [xs[0]] * 99
        print(f"{kind:<10} {len(xs):>6} {errs[kind]:>5} {q[49] * 1000:>8.0f} {q[94] * 1000:>8.0f} {q[98] * 1000:>8.0f}")
    if rss:
        marks = [rss[0], *rss[len(rss) // 4::max(len(rss) // 4, 1)], rss[-1]]
        print("server RSS (tree): " + ", ".join(f"{t:.0f}s {mb:.0f} MB" for t, mb in marks)
              + f"; max {max(mb for _, mb in rss):.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default="data")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--data", args.data, "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300
        while True:
            try:
                if httpx.get(f"{base}/api/documents", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.time() > deadline:
                raise SystemExit(f"server did not start (exit {server.poll()})")
            time.sleep(0.5)
        print(f"server ready: pid {server.pid}, RSS {tree_rss_mb(server.pid):.0f} MB")
        asyncio.run(soak(base, args.clients, args.seconds, server.pid))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
