"""Evaluate provision alignment against a hand-made gold file: ``python -m api.evaluation.cascade``.

The gold file maps each lower provision number to its upper counterpart's number (or null for a
local addition). Files with ``"keys": "path"`` name provisions by the printed numbers on their
path (``二、（一）1.``: numbering that restarts per section stays unambiguous) and may list several
upper provisions (a lower item that merges them: any one counts). ``--real DIR`` scores every
``tests/gold/real_facts/align_*.json`` against the documents in DIR (default ``../shared/real``).
Printed: accuracy over all graded provisions, accuracy over aligned ones, and recall / precision
of local-addition detection. Lexical + structure only by default; with
``--data DIR`` the provision vectors stored in a built search index are added (no model load),
with ``--embeddings DIR`` the converted model in DIR encodes the provisions.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from api.datadir import current_build
from api.views.cascade import index_vectors, stored_index
from corpus import BUNDLED_DIR
from corpus.ingest import parse_file
from corpus.model import Document
from embeddings.encoder import load_encoder
from kg.cascade.align import (
    Alignment,
    PassageEncoder,
    UnitVectors,
    align,
    provision_vectors,
)

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "gold"
DEFAULT_GOLD = GOLD_DIR / "align_001_000.json"
REAL_GOLD_DIR = GOLD_DIR / "real_facts"
REAL_DIR = Path(__file__).resolve().parents[3] / "shared" / "real"


def predicted_numbers(al: Alignment, upper: Document, lower: Document) -> dict[str, str | None]:
    """lower provision number → upper provision number (None = local)."""
    num_up = {p.id: p.number for p in upper.provisions}
    num_low = {p.id: p.number for p in lower.provisions}
    return {num_low[k]: (num_up[v] if v else None) for k, v in al.mapping().items() if num_low.get(k)}


def number_path(doc: Document, provision_id: str) -> str:
    """The printed numbers from the top-level ancestor down: ``二、（一）1.`` ('' when unnumbered)."""
    parts: list[str] = []
    pid: str | None = provision_id
    while pid:
        prov = doc.provision(pid)
        if not prov.number:
            return ""
        parts.append(prov.number)
        pid = prov.parent
    return "".join(reversed(parts))


def predicted_paths(al: Alignment, upper: Document, lower: Document) -> dict[str, str | None]:
    """lower provision path → upper provision path (None = local), groupings included
    (:meth:`Alignment.full_mapping`)."""
    out: dict[str, str | None] = {}
    for low, up in al.full_mapping(lower, upper).items():
        key = number_path(lower, low)
        if key:
            out[key] = number_path(upper, up) if up else None
    return out


def score(gold: dict[str, str | None], pred: dict[str, str | None]) -> dict:
    """Accuracy, aligned-pair accuracy, local recall and precision, and the misses.

    >>> score({"（一）": "（一）", "（二）": None}, {"（一）": "（一）", "（二）": "（三）"})["accuracy"]
    0.5
    """
    keys = list(gold)

    def ok(k: str) -> bool:
        g, p = gold[k], pred.get(k, "<missing>")
        return p in g if isinstance(g, list) else p == g

    right = [k for k in keys if ok(k)]
    local = [k for k in keys if gold[k] is None]
    aligned = [k for k in keys if gold[k] is not None]
    pred_local = [k for k in keys if k in pred and pred[k] is None]
    return {
        "n": len(keys),
        "accuracy": round(len(right) / len(keys), 4) if keys else 0.0,
        "pair_accuracy": round(sum(ok(k) for k in aligned) / len(aligned), 4) if aligned else 1.0,
        "local_recall": round(sum(pred.get(k, "") is None for k in local) / len(local), 4) if local else 1.0,
        "local_precision": round(sum(gold[k] is None for k in pred_local) / len(pred_local), 4) if pred_local else 1.0,
        "errors": [{"lower": k, "gold": gold[k], "predicted": pred.get(k, "<missing>")} for k in keys if k not in right],
    }


def evaluate(gold_path: Path = DEFAULT_GOLD, corpus_dir: Path = BUNDLED_DIR,
             encoder: PassageEncoder | None = None, vectors: UnitVectors | None = None) -> dict:
    """Align the gold pair and score it."""
    gold = json.loads(Path(gold_path).read_text("utf-8"))
    upper = parse_file(Path(corpus_dir) / gold["upper_source"])
    lower = parse_file(Path(corpus_dir) / gold["lower_source"])
    t0 = time.perf_counter()
    al = align(upper, lower, encoder=encoder, vectors=vectors)
    elapsed = time.perf_counter() - t0
    pred = predicted_paths(al, upper, lower) if gold.get("keys") == "path" else predicted_numbers(al, upper, lower)
    out = score(gold["alignment"], pred)
    out.update(upper=gold["upper_source"], lower=gold["lower_source"], embedding=al.embedding,
               align_seconds=round(elapsed, 4))
    return out


def evaluate_real(real_dir: Path = REAL_DIR, gold_dir: Path = REAL_GOLD_DIR,
                  encoder: PassageEncoder | None = None) -> dict:
    """Every real-chain gold file (``align_*.json``) scored, and the items of all chains pooled."""
    chains = [evaluate(g, real_dir, encoder) for g in sorted(Path(gold_dir).glob("align_*.json"))]
    n = sum(c["n"] for c in chains)
    right = sum(round(c["accuracy"] * c["n"]) for c in chains)
    return {"chains": chains, "n": n, "accuracy": round(right / n, 4) if n else 0.0}


def _print(res: dict) -> None:
    print(f"{res['lower']} → {res['upper']}  (embedding: {res['embedding']})")
    for k in ("n", "accuracy", "pair_accuracy", "local_recall", "local_precision", "align_seconds"):
        print(f"  {k:16s} {res[k]}")
    for e in res["errors"]:
        print(f"  miss: {e['lower']}  gold={e['gold']}  predicted={e['predicted']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("--real", type=Path, nargs="?", const=REAL_DIR, default=None,
                    help="score the real chains (tests/gold/real_facts/align_*.json) on the documents in this folder")
    ap.add_argument("--corpus", type=Path, default=BUNDLED_DIR)
    ap.add_argument("--embeddings", type=Path, default=None, help="converted model folder (optional)")
    ap.add_argument("--data", type=Path, default=None, help="built data dir whose index vectors to use (optional)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    encoder = None
    if args.embeddings:
        encoder = load_encoder(args.embeddings)
    vectors = None
    if args.data:
        hybrid = stored_index(current_build(args.data))
        if hybrid is None:
            print(f"no search index in {args.data}", file=sys.stderr)
            return 1
        vectors = provision_vectors(index_vectors(hybrid))
    if args.real is not None:
        real = evaluate_real(args.real, encoder=encoder)
        if args.json:
            print(json.dumps(real, ensure_ascii=False, indent=2))
            return 0
        for chain in real["chains"]:
            _print(chain)
        print(f"real chains: {real['accuracy']} of {real['n']} lower items aligned right")
        return 0
    res = evaluate(args.gold, args.corpus, encoder, vectors)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=2))
        return 0
    _print(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
