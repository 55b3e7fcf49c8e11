"""Cascade timings: provision alignment and full pair analysis (``python benchmarks/bench_cascade.py``).

Target: aligning two documents of ~100 provisions each well under a second, model load
excluded. "cold" clears the per-text bigram cache first (a document seen for the first time);
the other rows reuse it (the upper document of a cascade is compared with many lower ones) (embedding similarity reuses stored provision vectors; here random unit vectors of
the model's dimension stand in for them, which costs the same).

Pairs timed:
* ``001 → 000`` — the real city → town pair (47 / 44 provisions);
* ``100 × 100`` — two documents of 100+ provisions each, made by concatenating real seed
  documents (upper 001+002+003, lower 000+002+004 — the shared 002 gives many true pairs).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import BUNDLED_DIR  # noqa: E402
from corpus.ingest import parse_bytes, parse_file  # noqa: E402
from corpus.model import Document  # noqa: E402
from kg.cascade import analyse  # noqa: E402
from kg.cascade.align import _EMB_CACHE, _text_bigrams, align, alignment_units, provision_vectors  # noqa: E402


def _file(prefix: str) -> Path:
    return next(BUNDLED_DIR.glob(f"{prefix}_*.txt"))


def merged(prefixes: list[str], name: str) -> Document:
    text = "\n\n".join(_file(p).read_text("utf-8") for p in prefixes)
    return parse_bytes(text.encode("utf-8"), name)


def random_vectors(dim: int = 384):
    rng = np.random.default_rng(0)
    cache: dict[tuple[str, str], np.ndarray] = {}

    def lookup(doc: Document, ids: list[str]) -> np.ndarray:
        out = []
        for pid in ids:
            if (doc.id, pid) not in cache:
                v = rng.standard_normal(dim).astype(np.float32)
                cache[(doc.id, pid)] = v / np.linalg.norm(v)
            out.append(cache[(doc.id, pid)])
        return np.vstack(out)

    return provision_vectors(lookup)


def timeit(fn, repeat: int = 7) -> tuple[float, float]:
    fn()  # warm-up
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), max(ts)


def main() -> int:
    pairs = {
        "001 → 000": (parse_file(_file("001")), parse_file(_file("000"))),
        "100 × 100": (merged(["001", "002", "003"], "upper.txt"), merged(["000", "002", "004"], "lower.txt")),
    }
    vec = random_vectors()
    print(f"{'pair':12s} {'provisions':>12s} {'units':>10s}  {'step':34s} {'median s':>9s} {'max s':>8s}")
    for name, (up, low) in pairs.items():
        nu, nl = len(up.provisions), len(low.provisions)
        units = sum(map(len, alignment_units(up))), sum(map(len, alignment_units(low)))
        def cold():
            _text_bigrams.cache_clear()
            _EMB_CACHE.clear()
            return align(up, low)

        steps = {
            "align, cold caches": cold,
            "align (lexical + structure)": lambda: align(up, low),
            "align (+ stored vectors)": lambda: align(up, low, vectors=vec),
            "analyse (align + diffs + findings)": lambda: analyse(up, low, vectors=vec),
        }
        for step, fn in steps.items():
            med, worst = timeit(fn)
            print(f"{name:12s} {f'{nu}/{nl}':>12s} {f'{units[0]}/{units[1]}':>10s}  {step:34s} {med:9.4f} {worst:8.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
