"""Hostile input: a ~33 MB file made of one real document repeated 946 times.

Run: ``python benchmarks/bench_hostile_input.py [--copies 946]``. Parses a corpus folder holding
that file and one ordinary document (the same ingestion a build runs) in a child process and prints
the rejection, the wall time and the child's peak RSS. Target: rejected with a named reason in
< 60 s and < 2 GB.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, sys
from corpus.ingest import ingest_dir
docs, rejected = ingest_dir(sys.argv[1])
print(json.dumps({"documents": [d.source for d in docs], "rejected": [r.model_dump() for r in rejected]},
                 ensure_ascii=False))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=946)
    args = ap.parse_args()
    unit = next((ROOT / "corpus").glob("003_*.txt")).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        (corpus / "repeated.txt").write_bytes(unit * args.copies)
        shutil.copy(next((ROOT / "corpus").glob("004_*.txt")), corpus / "ordinary.txt")
        size = (corpus / "repeated.txt").stat().st_size
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, str(corpus)], cwd=ROOT, capture_output=True,
                             text=True, check=True)
        seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = json.loads(out.stdout)
    print(f"file: {size / 1e6:.1f} MB ({args.copies} copies of a {len(unit):,}-byte document)")
    print(f"ingest (child process, incl. imports): {seconds:.2f} s, peak RSS {peak_mb:.0f} MB")
    print(f"documents: {result['documents']}")
    for r in result["rejected"]:
        print(f"rejected: {r['source']}: {r['reason']}")


if __name__ == "__main__":
    main()
