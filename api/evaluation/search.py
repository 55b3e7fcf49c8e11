"""Evaluate search on the hand-written gold sets: hit@1, hit@3, MRR, nDCG@10, Recall@10 per ranker and kind.

    python -m api.evaluation.search [--data DATA_DIR] [--gold tests/gold/search_dev.json] [--json]
    python -m api.evaluation.search --real [--data DATA_DIR_OF_A_BUILD_OF_../shared/real]

Without ``--gold`` both the dev set and the held-out set are reported; ``--real`` takes the
everyday questions written for the real documents in ``../shared/real`` (:data:`REAL`,
:data:`REAL_HELDOUT`) and that corpus. A gold file's ``phrases`` are checked for exact-first
ordering: every provision containing the phrase (width, spaces, punctuation ignored) must come
before every other, and every document containing it must be found.

``tests/gold/search_heldout.json`` (:data:`HELDOUT`) is a second set written later by reading the
documents; parameters are chosen on the dev set only, the held-out set checks that they generalise.

With ``--data`` pointing at a built data directory its index is used; otherwise the bundled
corpus is parsed and indexed in memory (model in ``DATA_DIR/model``, converted if missing).
A query counts as answered at rank r when the r-th provision returned lies in one of its
target provisions (doc file prefix + provision number + a substring of the target sentence).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from api.datadir import current_build
from corpus import BUNDLED_DIR
from corpus.ingest import ingest_dir
from corpus.model import Document
from embeddings.convert import ensure_model
from embeddings.encoder import load_encoder
from embeddings.index import HybridIndex
from embeddings.query import squash
from embeddings.search import SearchIndex

GOLD = Path(__file__).resolve().parents[2] / "tests" / "gold" / "search_dev.json"
HELDOUT = GOLD.with_name("search_heldout.json")
REAL = GOLD.with_name("search_real.json")
REAL_HELDOUT = GOLD.with_name("search_real_heldout.json")
REAL_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "real"
METHODS = ("lexical", "dense-sentence", "dense", "rrf", "fused")


def resolve_targets(gold: dict, docs: list) -> dict[str, set[tuple[str, str]]]:
    """Map each query id to its target (doc_id, provision_id) pairs.

    A target names the provision by its printed number and a substring of the sentence; the
    provisions of that document containing the substring are kept, narrowed to those with the
    printed number when any has it. ValueError when a target matches nothing.
    """
    by_prefix = {d.source[:3]: d for d in docs}
    out: dict[str, set[tuple[str, str]]] = {}
    for q in gold["queries"]:
        pairs: set[tuple[str, str]] = set()
        for t in q["targets"]:
            doc = by_prefix[t["doc"]]
            having = [p for p in doc.provisions if any(t["contains"] in s.text for s in p.sentences)]
            numbered = [p for p in having if p.number == t.get("provision")]
            chosen = numbered or having
            if not chosen:
                raise ValueError(f"{q['id']}: no provision of {doc.source} contains {t['contains']!r}")
            pairs.update((doc.id, p.id) for p in chosen)
        out[q["id"]] = pairs
    return out


def evaluate(index, docs: list, gold: dict, k: int = 10) -> dict:
    """``{method: {kind: {hit@1, hit@3, mrr, ndcg@10, recall@10, n}}}`` plus per-query ranks.

    hit@k and MRR use the first target provision found; nDCG@10 and Recall@10 count every
    target provision of the query (binary relevance), as sentence-transformers' IR evaluator does.
    """
    targets = resolve_targets(gold, docs)
    queries = gold["queries"]
    report: dict = {"ranks": {}}
    for method in METHODS:
        hits = index.search([q["query"] for q in queries], k=k, method=method)
        per_kind: dict[str, list[tuple[list[bool], int]]] = {}
        for q, hs in zip(queries, hits):
            relevant = [(h.doc_id, h.provision_id) in targets[q["id"]] for h in hs]
            judged = (relevant, len(targets[q["id"]]))
            per_kind.setdefault(q["kind"], []).append(judged)
            per_kind.setdefault("all", []).append(judged)
            report["ranks"].setdefault(q["id"], {})[method] = _first(relevant)
        report[method] = {kind: {**_metrics([_first(r) for r, _ in j]), **_graded(j)} for kind, j in per_kind.items()}
    return report


def exact_first(index, docs: list, phrases: list[str]) -> dict:
    """Per phrase: provisions containing it, whether they all come first, documents found / containing it."""
    out = {}
    for phrase in phrases:
        key = squash(phrase)
        truth = {(d.id, p.id) for d in docs for p in d.provisions if any(key in squash(s.text) for s in p.sentences)}
        docs_with = {d for d, _ in truth}
        res = index.search(phrase, k=max(len(truth), 1) + 20)
        keys = [(r["doc_id"], r["provision_id"]) for r in res["results"]]
        out[phrase] = {"provisions": len(truth), "first": set(keys[: len(truth)]) == truth,
                       "documents": len(docs_with), "documents_found": len({d for d, _ in keys[: len(truth)]} & docs_with)}
    return out


def _first(relevant: list[bool]) -> int | None:
    return next((i + 1 for i, r in enumerate(relevant) if r), None)


def _metrics(ranks: list[int | None]) -> dict:
    n = len(ranks)
    return {
        "hit@1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "hit@3": round(sum(1 for r in ranks if r and r <= 3) / n, 4),
        "mrr": round(sum(1 / r for r in ranks if r) / n, 4),
        "n": n,
    }


def _graded(judged: list[tuple[list[bool], int]]) -> dict:
    """Mean nDCG@10 and Recall@10 given, per query, (relevance of each result, number of targets).

    >>> _graded([([True, False], 1), ([False, True], 2)])
    {'ndcg@10': 0.6934, 'recall@10': 0.75}
    """
    import math

    ndcg, recall = [], []
    for relevant, n_targets in judged:
        top = relevant[:10]
        dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(top) if r)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(n_targets, 10)))
        ndcg.append(dcg / ideal if ideal else 0.0)
        recall.append(sum(top) / n_targets if n_targets else 0.0)
    n = max(len(judged), 1)
    return {"ndcg@10": round(sum(ndcg) / n, 4), "recall@10": round(sum(recall) / n, 4)}


def render(report: dict) -> str:
    lines = [f"{'ranker':14} {'kind':11} {'hit@1':>6} {'hit@3':>6} {'MRR':>6} {'nDCG10':>6} {'R@10':>6} {'n':>4}"]
    for method in METHODS:
        for kind, m in sorted(report[method].items()):
            lines.append(f"{method:14} {kind:11} {m['hit@1']:6.3f} {m['hit@3']:6.3f} {m['mrr']:6.3f} "
                         f"{m['ndcg@10']:6.3f} {m['recall@10']:6.3f} {m['n']:4d}")
    misses = [f"{qid}: {r}" for qid, r in report["ranks"].items() if r["fused"] != 1]
    if misses:
        lines.append("fused misses (rank per ranker): " + "; ".join(misses))
    if report.get("exact_first"):
        ok = sum(v["first"] and v["documents_found"] == v["documents"] for v in report["exact_first"].values())
        lines.append(f"exact first: {ok}/{len(report['exact_first'])} phrases with every containing provision first "
                     "and every document found")
        lines += [f"  {p}: {v}" for p, v in report["exact_first"].items() if not v["first"] or v["documents_found"] != v["documents"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("data"))
    ap.add_argument("--gold", type=Path, default=None, help="one gold file (default: the dev and held-out sets)")
    ap.add_argument("--real", action="store_true", help=f"the real documents ({REAL_CORPUS}) and their gold")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    args.data = current_build(args.data)  # the build a data dir serves

    corpus_dir = REAL_CORPUS if args.real else BUNDLED_DIR
    if (args.data / "index" / "manifest.json").exists():
        index = SearchIndex.load(args.data)

        docs = [Document.model_validate_json(p.read_text(encoding="utf-8"))
                for p in sorted((args.data / "documents").glob("*.json"))]
    else:
        docs, _ = ingest_dir(corpus_dir)
        encoder = load_encoder(ensure_model(args.data / "model"))
        index = SearchIndex(HybridIndex.build(docs, encoder), encoder)
    golds = [args.gold] if args.gold else ([REAL, REAL_HELDOUT] if args.real else [GOLD, HELDOUT])
    reports = {}
    for g in golds:
        gold = json.loads(g.read_text(encoding="utf-8"))
        reports[g.stem] = evaluate(index, docs, gold)
        reports[g.stem]["exact_first"] = exact_first(index, docs, gold.get("phrases", []))
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=1))
    else:
        print("\n\n".join(f"-- {name}\n{render(r)}" for name, r in reports.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
