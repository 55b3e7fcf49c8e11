"""Metadata and provision-tree accuracy on real crawled documents against hand-written gold.

``python -m api.evaluation.real [--corpus DIR] [--gold DIR] [--json]`` parses every document that
has a gold file (``tests/gold/real/<source stem>.json``, written by reading the text) and reports:

* per metadata field (title, doc_number, date, level, place, issuers): the share of documents
  right. A gold value may be a list of accepted readings (a notice's own title or the plan it
  wraps); ``issuers`` is a list of accepted issuer lists; ``null`` means the text does not say;
* ``metadata``: all fields but issuers pooled (the issue's measure: 文号, date, level, place, title);
* ``provisions``: documents whose provision counts per kind equal the gold counts exactly;
* ``rejected``: documents of the folder that the ingest rejected.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from corpus.ingest import ingest_dir
from corpus.model import Document

ROOT = Path(__file__).resolve().parents[2]
GOLD_DIR = ROOT / "tests" / "gold" / "real"
CORPUS_DIR = ROOT.parent / "shared" / "real"
FIELDS = ("title", "doc_number", "date", "level", "place", "issuers")
POOLED = ("title", "doc_number", "date", "level", "place")


def _norm(s: str | None) -> str | None:
    return None if s is None else re.sub(r"[\s“”\"]", "", s)


def field_ok(gold: dict, doc: Document, name: str) -> bool:
    """Whether ``doc``'s value of ``name`` is one the gold accepts."""
    want, got = gold[name], getattr(doc, name)
    if name == "issuers":
        return got in want
    accepted = want if isinstance(want, list) else [want]
    return _norm(got or None) in {_norm(a) for a in accepted}


def provision_counts(doc: Document) -> dict[str, int]:
    """Provisions per kind, preamble and body left out."""
    c = Counter(p.kind for p in doc.provisions if p.kind not in ("preamble", "body"))
    return dict(sorted(c.items()))


def load_gold(gold_dir: Path = GOLD_DIR) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(gold_dir).glob("*.json"))}


def evaluate(corpus_dir: Path = CORPUS_DIR, gold_dir: Path = GOLD_DIR) -> dict:
    """The report (see module docstring); ``documents`` holds every miss, per document."""
    docs, rejected = ingest_dir(corpus_dir)
    by_source = {d.source: d for d in docs}
    gold = load_gold(gold_dir)
    right = Counter()
    prov_ok = 0
    per_doc: dict[str, dict] = {}
    for key, g in gold.items():
        doc = by_source.get(g["source"])
        if doc is None:
            per_doc[key] = {"missing": True}
            continue
        misses = {f: getattr(doc, f) for f in FIELDS if not field_ok(g, doc, f)}
        for f in FIELDS:
            right[f] += f not in misses
        counts = provision_counts(doc)
        exact = counts == g["provisions"]
        prov_ok += exact
        entry: dict = {}
        if misses:
            entry["metadata_wrong"] = misses
        if not exact:
            entry["provisions"] = {"got": counts, "gold": g["provisions"]}
        if doc.warnings:
            entry["warnings"] = [getattr(w, "code", w) for w in doc.warnings]
        if entry:
            per_doc[key] = entry
    n = len(gold)
    fields = {f: round(right[f] / n, 4) if n else 1.0 for f in FIELDS}
    pooled = sum(right[f] for f in POOLED) / (n * len(POOLED)) if n else 1.0
    return {"documents": n, "fields": fields, "metadata": round(pooled, 4),
            "provisions_exact": f"{prov_ok}/{n}", "rejected": [r.model_dump() for r in rejected],
            "errors": per_doc}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="policykg eval real", description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="folder of real documents (../shared/real)")
    ap.add_argument("--gold", type=Path, default=GOLD_DIR)
    ap.add_argument("--json", action="store_true", help="print the full report as JSON")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus folder not found: {args.corpus}", file=sys.stderr)
        return 2
    rep = evaluate(args.corpus, args.gold)
    if args.json:
        print(json.dumps(rep, ensure_ascii=False, indent=1))
        return 0
    print(f"real documents: {rep['documents']}  rejected: {len(rep['rejected'])}")
    for f, v in rep["fields"].items():
        print(f"  {f:<11} {v:.0%}")
    print(f"  metadata (title, 文号, date, level, place) {rep['metadata']:.1%}")
    print(f"  provision counts exact {rep['provisions_exact']}")
    for key, e in rep["errors"].items():
        print(f"  - {key}: {json.dumps(e, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
