"""Build and graph-store throughput on a synthetic corpus of N documents (docs/scale-out.md, "Measured").

    python benchmarks/bench_scale.py [--docs 1000 [10000 ...]] [--seed 0] [--workdir DIR]
        [--skip-ray] [--ray-workers 1 2] [--skip-stores] [--stores embedded oxigraph_server virtuoso]
        [--store-copies K]
        [--encode [--encode-docs 10]] [--json OUT]

For each size N (default 1000) a synthetic corpus is generated (``benchmarks/synthetic_corpus.py``)
and built with the stages parse → extraction → graph, once per executor, each build in its own
process so its peak memory is its own:

* ``local`` — :class:`api.pipeline.executor.LocalExecutor`;
* ``ray/1``, ``ray/2`` — :class:`api.pipeline.ray_executor.RayExecutor` on ``ray.init(num_cpus=n)``,
  inside ``unshare -rn`` with only loopback up (Ray probes for an outside address).

Per build: docs/s of each stage (parse; extraction split into its corpus pass ``prepare_corpus``,
the per-document map and ``name_indicators``; graph split into the per-document quads map and the
store load with the derived graphs), quads, peak memory (``ru_maxrss`` of the build process and of
its waited-for children, and the sampled peak of the summed PSS of its whole process tree — Ray's
raylet, GCS and workers included), and data-directory bytes per document.

Then, unless ``--skip-stores``: the local build's graph is published (``api.pipeline.publish.
publish_graph``) into a fresh Oxigraph server and a fresh Virtuoso (``tests/servers.py``), the
load rate in quads/s is printed, and each of the five example queries (``kg/queries/*.rq``) is
run 5 times on the embedded store and on both servers (median latency, and the first run's).
``--store-copies K`` (K > 1) generates and builds K−1 further corpora of N documents (seeds
seed+1…), merges the K graphs into one embedded store and runs the store part at K·N documents
(for sizes whose full build does not fit the machine).

``--encode`` also builds the first ``--encode-docs`` documents (at most 50) with the index stage
(encoding on this CPU) and prints sentences/s.
"""
from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "tests", ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

from api.datadir import current_build  # noqa: E402 - after the path set-up above

QUERIES = ROOT / "kg" / "queries"
MAX_ENCODE_DOCS = 50


# ------------------------------------------------------------------ memory
def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree_pids(root: int) -> list[int]:
    kids, out, todo = _children_map(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += kids.get(pid, [])
    return out


def pss_bytes(pid: int) -> int:
    """Proportional set size (shared pages split between their users); falls back to RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_pss(root: int) -> int:
    return sum(pss_bytes(p) for p in tree_pids(root))


class TreeMemory:
    """Samples the summed PSS of a process tree every ``interval`` seconds; ``peak`` in bytes."""

    def __init__(self, root: int | None = None, interval: float = 0.5):
        self.root, self.interval, self.peak = root or os.getpid(), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_pss(self.root))
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_pss(self.root))


def maxrss_bytes(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


# ------------------------------------------------------------------ one build (child process)
class _Timer:
    """Wraps a function and adds up the seconds spent in it."""

    def __init__(self, fn):
        self.fn, self.seconds, self.result = fn, 0.0, None

    def __call__(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            self.result = self.fn(*args, **kwargs)
            return self.result
        finally:
            self.seconds += time.perf_counter() - t


def child_build(argv: list[str]) -> int:
    """``_build CORPUS DATA OUT_JSON --executor local|ray [--num-cpus N] [--encode]``."""
    ap = argparse.ArgumentParser(prog="bench_scale.py _build")
    ap.add_argument("corpus", type=Path)
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--executor", default="local")
    ap.add_argument("--num-cpus", type=int, default=None)
    ap.add_argument("--encode", action="store_true")
    args = ap.parse_args(argv)

    import api.pipeline.build as build_mod
    import api.pipeline.stages as stages_mod
    from api.pipeline.executor import LocalExecutor
    from api.pipeline.ray_executor import RayExecutor

    timers = {name: _Timer(getattr(mod, name)) for mod, name in
              ((build_mod, "ingest_dir"), (stages_mod, "prepare_corpus"), (stages_mod, "canonical_indicators"),
               (stages_mod, "rename_indicators"))}
    build_mod.ingest_dir = timers["ingest_dir"]
    stages_mod.prepare_corpus = timers["prepare_corpus"]
    stages_mod.canonical_indicators = timers["canonical_indicators"]  # the indicator-naming reduce step:
    stages_mod.rename_indicators = timers["rename_indicators"]  # names, then the renamed shards' records
    load_seconds = [0.0]

    class TimedStore(stages_mod.Store):  # the graph stage's reduce step: bulk load of the shards + derived graphs
        def load_document_files(self, items):
            t = time.perf_counter()
            try:
                return super().load_document_files(items)
            finally:
                load_seconds[0] += time.perf_counter() - t

    stages_mod.Store = TimedStore

    out: dict = {"executor": args.executor if args.executor == "local" else f"ray/{args.num_cpus}"}
    with TreeMemory() as mem:
        executor = LocalExecutor()
        if args.executor == "ray":
            import ray

            t = time.perf_counter()
            ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False,
                     configure_logging=False)
            out["ray_init_s"] = round(time.perf_counter() - t, 2)
            executor = RayExecutor("ray", num_cpus=args.num_cpus)
        stages = [stages_mod.extraction_stage, stages_mod.graph_stage]
        if args.encode:
            stages.append(stages_mod.index_stage)
        report = build_mod.build(args.corpus, args.data, progress=False, stages=stages, executor=executor)
        if args.executor == "ray":
            executor.shutdown()
    docs, rejected = timers["ingest_dir"].result
    n = len(docs)
    stage_s = {s["name"]: s["seconds"] for s in report.stages}
    graph = next((s.get("result") or {} for s in report.stages if s["name"] == "graph_stage"), {})
    ext_s = stage_s.get("extraction_stage", 0.0)
    naming_s = timers["canonical_indicators"].seconds + timers["rename_indicators"].seconds
    graph_s = stage_s.get("graph_stage", 0.0)
    sentences = sum(1 for d in docs for p in d.provisions for s in p.sentences if s.text.strip())
    out.update({
        "documents": n, "rejected": len(rejected), "sentences": sentences, "chars": sum(len(d.text) for d in docs),
        "total_s": round(report.seconds, 2),
        "parse_s": round(timers["ingest_dir"].seconds, 2),
        "extraction_s": ext_s,
        "extraction_prepare_s": round(timers["prepare_corpus"].seconds, 2),
        "extraction_name_indicators_s": round(naming_s, 2),
        "extraction_map_s": round(ext_s - timers["prepare_corpus"].seconds - naming_s, 2),
        "graph_s": graph_s,
        "graph_load_s": round(load_seconds[0], 2),
        "graph_map_s": round(graph_s - load_seconds[0], 2),
        "quads": graph.get("quads"),
        "peak_rss_self_bytes": maxrss_bytes(resource.RUSAGE_SELF),
        "peak_rss_children_bytes": maxrss_bytes(resource.RUSAGE_CHILDREN),
        "peak_tree_pss_bytes": mem.peak,
    })
    if args.encode:
        ix = next((s.get("result") or {} for s in report.stages if s["name"] == "index_stage"), {})
        out["index_s"] = stage_s.get("index_stage")
        out["index"] = ix
    data = current_build(Path(args.data))
    out["data_bytes"] = {sub: dir_bytes(data / sub) for sub in ("documents", "extraction", "shards", "graph", "index")
                         if (data / sub).is_dir()}
    out["data_bytes"]["total"] = dir_bytes(data) - (dir_bytes(data / "model") if (data / "model").is_dir() else 0)
    args.out.write_text(json.dumps(out, indent=2))
    return 0


def run_build(corpus: Path, data: Path, executor: str, num_cpus: int | None = None, encode: bool = False,
              timeout: float = 7200) -> dict:
    """One build in a child process (Ray: inside ``unshare -rn`` with loopback up)."""
    out = data.parent / f"{data.name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "_build", str(corpus), str(data), str(out),
           "--executor", executor]
    if num_cpus:
        cmd += ["--num-cpus", str(num_cpus)]
    if encode:
        cmd.append("--encode")
    if executor == "ray":
        inner = " ".join(_q(c) for c in cmd)
        cmd = [shutil.which("unshare") or "unshare", "-rn", "sh", "-c", f"ip link set lo up && {inner}"]
    if data.exists():
        shutil.rmtree(data)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"build ({executor} {num_cpus or ''}) failed, rc={proc.returncode}:\n{proc.stderr[-3000:]}")
    res = json.loads(out.read_text())
    res["wall_s"] = round(wall, 2)
    return res


def _q(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


# ------------------------------------------------------------------ graph stores
def load_queries() -> dict[str, str]:
    return {q.stem: q.read_text(encoding="utf-8") for q in sorted(QUERIES.glob("*.rq"))}


def _rows(result) -> int:
    if isinstance(result, bool) or type(result).__name__ == "QueryBoolean":
        return 1
    return sum(1 for _ in result)


def _summary(times: list[float], rows, cap: float, timed_out: bool) -> dict:
    if not times:
        return {"timeout_s": cap, "rows": None}
    out = {"median_ms": round(1000 * statistics.median(times), 1), "first_ms": round(1000 * times[0], 1),
           "runs": len(times), "rows": rows}
    if timed_out:
        out["timeout_s"] = cap
    return out


def time_queries(run, queries: dict[str, str], repeat: int = 5, cap: float = 60.0, slow: float = 5.0) -> dict:
    """Median latency of each query over ``repeat`` runs (``run(text, timeout)``); a query whose
    first run takes over ``slow`` s is run once, one over ``cap`` s is given up."""
    out = {}
    for name, text in queries.items():
        times, rows, timed_out = [], None, False
        for _ in range(repeat):
            t = time.perf_counter()
            try:
                rows = _rows(run(text, cap))
            except Exception as e:  # noqa: BLE001 - a store's refusal or time-out is a result, not a crash
                timed_out = "did not answer within" in str(e) or isinstance(e, TimeoutError)
                if not timed_out:
                    out[name] = {"error": f"{type(e).__name__}: {str(e)[:200]}"}
                break
            times.append(time.perf_counter() - t)
            if times[-1] > slow:
                break
        if name not in out:
            out[name] = _summary(times, rows, cap, timed_out)
    return out


def child_query(argv: list[str]) -> int:
    """``_query GRAPH_DIR QUERY_FILE REPEAT SLOW``: the embedded store's latency of one query,
    one line per run (``seconds rows``), as ``kg.store.Store.query`` answers it."""
    from kg.store import Store

    graph, qfile, repeat, slow = Path(argv[0]), Path(argv[1]), int(argv[2]), float(argv[3])
    store = Store(graph, read_only=True)
    text = qfile.read_text(encoding="utf-8")
    for _ in range(repeat):
        t = time.perf_counter()
        rows = _rows(store.query(text))
        dt = time.perf_counter() - t
        print(f"{dt} {rows}", flush=True)
        if dt > slow:
            break
    return 0


def time_embedded_queries(graph_dir: Path, repeat: int = 5, cap: float = 60.0, slow: float = 5.0) -> dict:
    """As :func:`time_queries` for the embedded store, each query in a child process that is
    killed after ``cap`` seconds (a pyoxigraph query cannot be interrupted)."""
    out = {}
    for q in sorted(QUERIES.glob("*.rq")):
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "_query", str(graph_dir), str(q),
                                 str(repeat), str(slow)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        timed_out = False
        try:
            stdout, _ = proc.communicate(timeout=cap + 10)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, _ = proc.communicate()
            timed_out = True
        runs = [line.split() for line in stdout.splitlines() if line.strip()]
        out[q.stem] = _summary([float(t) for t, _ in runs], int(runs[-1][1]) if runs else None, cap, timed_out)
    return out


def merged_store(graph_dirs: list[Path], target: Path) -> tuple[Path, dict]:
    """One embedded store holding every document of several built graphs (derived graphs
    recomputed once)."""
    import pyoxigraph as ox

    from kg.store import Store

    if target.exists():
        shutil.rmtree(target)
    t = time.perf_counter()
    store = Store(target)
    n = 0

    def items():
        nonlocal n
        for g in graph_dirs:
            src = Store(g, read_only=True)
            for doc_id in src.document_ids():
                n += 1
                yield doc_id, src.document_quads(doc_id)
            del src
            gc.collect()

    store.load_documents(items())
    store.flush()
    secs = time.perf_counter() - t
    quads = store.count()
    del store
    gc.collect()
    before = dir_bytes(target)
    t = time.perf_counter()
    raw = ox.Store(str(target))
    raw.optimize()  # RocksDB compaction: the size a settled store has on disk
    del raw
    gc.collect()
    optimize_s = time.perf_counter() - t
    return target, {"documents": n, "quads": quads, "seconds": round(secs, 2),
                    "quads_per_s": round(quads / secs), "disk_bytes": before,
                    "disk_bytes_optimized": dir_bytes(target), "optimize_s": round(optimize_s, 1)}


STORES = ("embedded", "oxigraph_server", "virtuoso")


def bench_stores(graph_dir: Path, work: Path, repeat: int = 5, cap: float = 60.0, stores=STORES,
                 virtuoso_gib: float = 2.0) -> dict:
    """Publish the graph into Oxigraph server and Virtuoso; time the example queries on all three.
    Virtuoso gets ``virtuoso_gib`` of page cache (its tuning guide: ~85,000 buffers of 8 KiB per
    GiB, three quarters of them allowed dirty), not the 32 MiB the tests start it with."""
    from servers import (
        oxigraph_available,
        start_oxigraph_server,
        start_virtuoso,
        virtuoso_available,
    )

    from api.pipeline.publish import publish_graph
    from kg.remote_store import SparqlGraphStore
    from kg.store import Store

    queries = load_queries()
    res_embedded = {"disk_bytes": dir_bytes(graph_dir)}
    if "embedded" in stores:
        res_embedded["queries"] = time_embedded_queries(graph_dir, repeat, cap)
    source = Store(graph_dir, read_only=True)
    res: dict = {"quads": source.count(), "documents": len(source.document_ids())}
    res["embedded"] = res_embedded
    starters = []
    if "oxigraph_server" in stores and oxigraph_available():
        starters.append(("oxigraph_server", start_oxigraph_server,
                         lambda s: f"{s.sparql_url};update={s.update_url};store={s.graph_store_url};union=param;"
                                   f"bulk={s.graph_store_url}?no_transaction&lenient"))
    if "virtuoso" in stores and virtuoso_available():
        buffers = int(virtuoso_gib * 85_000)
        starters.append(("virtuoso", functools.partial(start_virtuoso, number_of_buffers=buffers,
                                                        max_dirty_buffers=buffers * 3 // 4),
                         lambda s: f"{s.sparql_url};update={s.update_url};store={s.graph_store_url}"))
    for name, start, spec_of in starters:
        folder = work / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        t = time.perf_counter()
        with start(folder / "server") as server:
            started = time.perf_counter() - t
            target = SparqlGraphStore(spec_of(server), folder / "shards", timeout=3600)
            summary = publish_graph(source, target)
            entry = {"start_s": round(started, 2), "publish": summary,
                     "quads_per_s": round(summary["quads"] / summary["seconds"]) if summary["seconds"] else None}
            entry["queries"] = time_queries(lambda text, timeout, t=target: t.run_query(text, timeout=timeout),
                                            queries, repeat, cap)
            entry["server_pss_bytes"] = tree_pss(server.process.pid)
            entry["disk_bytes"] = dir_bytes(folder / "server")
            target.close()
        res[name] = entry
    del source
    gc.collect()
    return res


# ------------------------------------------------------------------ printing
def _mb(b: int | None) -> str:
    return "-" if b is None else f"{b / 2**20:,.0f}"


def _rate(n: int, s: float | None) -> str:
    return "-" if not s else f"{n / s:,.1f}"


def print_builds(builds: list[dict]) -> None:
    print("\n== build (docs/s per stage; peak memory MiB; data KiB/doc)")
    head = ["executor", "docs", "parse", "extraction", " prepare(s)", " map", "graph", " quads map", " load(s)",
            "total", "quads/doc", "rss self", "rss child", "tree PSS", "KiB/doc", "init(s)"]
    print(" | ".join(head))
    for b in builds:
        n = b["documents"]
        print(" | ".join(str(x) for x in [
            b["executor"], n, _rate(n, b["parse_s"]), _rate(n, b["extraction_s"]), f"{b['extraction_prepare_s']:.1f}",
            _rate(n, b["extraction_map_s"]), _rate(n, b["graph_s"]), _rate(n, b["graph_map_s"]),
            f"{b['graph_load_s']:.1f}", _rate(n, b["total_s"]), f"{(b['quads'] or 0) / max(n, 1):,.0f}",
            _mb(b["peak_rss_self_bytes"]), _mb(b["peak_rss_children_bytes"]), _mb(b["peak_tree_pss_bytes"]),
            f"{b['data_bytes']['total'] / max(n, 1) / 1024:,.0f}", b.get("ray_init_s", "-")]))


def print_stores(st: dict) -> None:
    print(f"\n== graph stores at {st['documents']} documents, {st['quads']:,} quads")
    for name in ("oxigraph_server", "virtuoso"):
        if name in st:
            e = st[name]
            print(f"{name}: start {e['start_s']} s, publish {e['publish']['seconds']} s = {e['quads_per_s']:,} quads/s, "
                  f"server PSS {_mb(e['server_pss_bytes'])} MiB, disk {_mb(e['disk_bytes'])} MiB")
    print(f"embedded: disk {_mb(st['embedded']['disk_bytes'])} MiB")
    stores = [s for s in STORES if "queries" in st.get(s, {})]
    print("query (median of 5 runs, ms) | " + " | ".join(stores))
    for q in load_queries():
        cells = []
        for s in stores:
            r = st[s]["queries"].get(q, {})
            if "error" in r:
                cells.append(r["error"][:40])
            elif "median_ms" not in r:
                cells.append(f"> {r['timeout_s']:.0f} s")
            else:
                runs = "" if r["runs"] > 1 else ", 1 run"
                cells.append(f"{r['median_ms']:,.1f} ({r['rows']} rows{runs})")
        print(f"{q} | " + " | ".join(cells))


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_build"]:
        return child_build(argv[1:])
    if argv[:1] == ["_query"]:
        return child_query(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[1000], help="corpus sizes (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=None, help="where corpora and data go (default: a temp dir, removed)")
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--ray-workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--skip-local", action="store_true", help="no local build (needs a previous one in --workdir for the stores)")
    ap.add_argument("--skip-stores", action="store_true")
    ap.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES), help="which stores to measure")
    ap.add_argument("--store-copies", type=int, default=1, help="run the store part on K corpora of N documents merged")
    ap.add_argument("--encode", action="store_true", help="also time the index (encoding) stage on a few documents")
    ap.add_argument("--encode-docs", type=int, default=10)
    ap.add_argument("--query-timeout", type=float, default=60.0,
                    help="give a query up after this many seconds (a first run over 5 s is not repeated)")
    ap.add_argument("--virtuoso-gib", type=float, default=2.0, help="Virtuoso's page cache (default 2 GiB)")
    ap.add_argument("--keep-data", action="store_true", help="keep the Ray builds' data folders (removed by default)")
    ap.add_argument("--store-build", default="local",
                    help="whose graph the store part measures: local (default) or rayK (a kept Ray build)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.encode_docs > MAX_ENCODE_DOCS:
        ap.error(f"--encode-docs above {MAX_ENCODE_DOCS}: encoding runs at ~75 sentences/s on a CPU")

    from synthetic_corpus import generate

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_scale_"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform(),
                                 "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
                     "sizes": {}}

    def save() -> None:
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))

    try:
        for n in args.docs:
            size: dict = {"builds": []}
            results["sizes"][str(n)] = size
            corpus = work / f"corpus_{n}_s{args.seed}"
            if not corpus.is_dir():
                t = time.perf_counter()
                generate(n, corpus, args.seed)
                print(f"generated {n} documents in {time.perf_counter() - t:.1f} s -> {corpus}", file=sys.stderr)
            configs = [] if args.skip_local else [("local", None)]
            if not args.skip_ray:
                configs += [("ray", k) for k in args.ray_workers]
            for executor, k in configs:
                label = executor if k is None else f"ray{k}"
                print(f"building {n} documents: {label} …", file=sys.stderr, flush=True)
                try:
                    b = run_build(corpus, work / f"data_{n}_{label}", executor, k)
                except Exception as e:  # noqa: BLE001 - keep the other measurements
                    print(f"  failed: {e}", file=sys.stderr)
                    size["builds"].append({"executor": label, "error": str(e)[-2000:]})
                    continue
                print(f"  {b['total_s']} s, {b['quads']} quads", file=sys.stderr, flush=True)
                size["builds"].append(b)
                if executor == "ray" and not args.keep_data:
                    shutil.rmtree(work / f"data_{n}_{label}", ignore_errors=True)
                save()
            ok = [b for b in size["builds"] if "error" not in b]
            if ok:
                print_builds(ok)
            if args.encode:
                small = work / f"corpus_{n}_s{args.seed}_first{args.encode_docs}"
                if small.exists():
                    shutil.rmtree(small)
                small.mkdir()
                for p in sorted(corpus.glob("*.txt"))[:args.encode_docs]:
                    shutil.copy(p, small / p.name)
                print(f"encoding {args.encode_docs} documents (local) …", file=sys.stderr, flush=True)
                e = run_build(small, work / f"data_{n}_encode", "local", encode=True)
                enc_s = e["index"].get("seconds") or e["index_s"]  # after the model is converted and loaded
                e["sentences_per_s"] = round(e["sentences"] / enc_s, 1) if enc_s else None
                size["encode"] = e
                print(f"\n== encoding: {e['sentences']} sentences of {e['documents']} documents, index stage "
                      f"{e['index_s']} s ({enc_s} s encoding + index) = {e['sentences_per_s']} sentences/s; "
                      f"index {e['data_bytes'].get('index', 0) / e['documents'] / 1024:,.0f} KiB/doc")
                save()
            if args.skip_stores:
                continue
            graph = current_build(work / f"data_{n}_{args.store_build}") / "graph"
            if not graph.is_dir():
                print(f"no {args.store_build} build: store part skipped", file=sys.stderr)
                continue
            graphs = [graph]
            for c in range(1, args.store_copies):
                extra = work / f"corpus_{n}_s{args.seed + c}"
                if not extra.is_dir():
                    generate(n, extra, args.seed + c)
                print(f"building copy {c} ({n} documents, seed {args.seed + c}) …", file=sys.stderr, flush=True)
                b = run_build(extra, work / f"data_{n}_local_s{args.seed + c}", "local")
                b["executor"] = f"local (seed {args.seed + c})"
                size["builds"].append(b)
                graphs.append(current_build(work / f"data_{n}_local_s{args.seed + c}") / "graph")
                save()
            if len(graphs) > 1:
                print(f"merging {len(graphs)} graphs …", file=sys.stderr, flush=True)
                graph, size["merge"] = merged_store(graphs, work / f"merged_{n}x{len(graphs)}")
                print(f"\n== merged {size['merge']['documents']} documents into one embedded store: "
                      f"{size['merge']['quads']:,} quads in {size['merge']['seconds']} s = "
                      f"{size['merge']['quads_per_s']:,} quads/s; disk {_mb(size['merge']['disk_bytes'])} MiB, "
                      f"{_mb(size['merge']['disk_bytes_optimized'])} MiB after optimize "
                      f"({size['merge']['optimize_s']} s)")
            print(f"stores at {n * len(graphs)} documents …", file=sys.stderr, flush=True)
            size["stores"] = bench_stores(graph, work / f"stores_{n}x{len(graphs)}", cap=args.query_timeout,
                                          stores=args.stores, virtuoso_gib=args.virtuoso_gib)
            print_stores(size["stores"])
            save()
    finally:
        save()
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
