"""Measure a jieba word-segmentation BM25 field against the shipped char-bigram BM25 (issue 5).

    python -m benchmarks.measure_jieba [--data DATA_DIR] [--json]

Builds, in memory and without touching the shipped index, a word BM25 over the same sentence
rows (jieba precise mode, and jieba search mode, with the entity names and aliases of
``DATA_DIR/extraction/*.json`` as user dictionary), then reports hit@1 / hit@3 / MRR per query
kind on the dev and held-out gold sets for:

* ``bigram``            shipped char-bigram BM25 alone (lexical ranking)
* ``jieba``             word BM25 alone
* ``bigram+jieba``      both lexical fields, each scaled by its max, summed
* ``fused:bigram``      shipped fusion (bigram BM25 + dense, :func:`embeddings.fusion.fuse`)
* ``fused:jieba``       word BM25 + dense (coverage measured on words)
* ``fused:bigram+jieba`` combined lexical + dense (coverage still from bigrams)
* ``...@maxcov``        the same with coverage = max(bigram coverage, word coverage)

Candidates are those of :func:`embeddings.search.retrieve` plus the word field's top rows, so
the only change between variants is the lexical score. Needs ``jieba`` (not a dependency):
without it the script prints a message and exits 0.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from api.evaluation.search import GOLD, HELDOUT, _metrics, resolve_targets
from embeddings.fusion import fuse
from embeddings.lexical import LexicalIndex, normalize
from embeddings.search import N_CANDIDATES, N_PROVISIONS, Core, coverage_of, dense_scores

LEXICAL = ("bigram", "jieba", "jieba-search", "bigram+jieba", "bigram+jieba-search")
FUSED = ("fused:bigram", "fused:jieba", "fused:jieba-search", "fused:bigram+jieba", "fused:bigram+jieba-search",
         "fused:bigram+jieba@maxcov", "fused:bigram+jieba-search@maxcov")


def entity_names(extraction_dir: Path) -> list[str]:
    """Entity names and aliases from every extraction record (the jieba user dictionary)."""
    names: set[str] = set()
    for p in sorted(extraction_dir.glob("*.json")):
        for e in json.loads(p.read_text(encoding="utf-8")).get("entities", []):
            names.update(x for x in [e.get("name"), *(e.get("aliases") or [])] if x and len(x) > 1)
    return sorted(names)


class WordField:
    """BM25 over jieba words (same weighting as the bigram field), rows = sentence rows."""

    def __init__(self, tokenizer, texts: list[str], search_mode: bool = False):
        self.tk, self.search_mode = tokenizer, search_mode
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, t in enumerate(texts):
            for w in self.words(t):
                rows.append(i)
                cols.append(vocab.setdefault(w, len(vocab)))
        counts = sp.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(texts), len(vocab)))
        counts.sum_duplicates()
        self.lex = LexicalIndex(vocab, counts)

    def words(self, text: str) -> list[str]:
        cut = self.tk.cut_for_search if self.search_mode else self.tk.cut
        return [w for w in cut(normalize(text)) if any(c.isalnum() for c in w)]

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(len(self.lex), dtype=np.float32)
        w = self.lex.weights
        for t in self.lex.term_ids(self.words(query)):
            out[w.indices[w.indptr[t] : w.indptr[t + 1]]] += w.data[w.indptr[t] : w.indptr[t + 1]]
        return out

    def coverage(self, query: str, rows: np.ndarray) -> float:
        terms = set(self.words(query))
        ids = self.lex.term_ids(sorted(terms))
        if not terms or ids.size == 0 or rows.size == 0:
            return 0.0
        c = self.lex.counts
        best = max(int(np.isin(c.indices[c.indptr[r] : c.indptr[r + 1]], ids).sum()) for r in rows)
        return best / len(terms)


def _scaled(x: np.ndarray) -> np.ndarray:
    top = float(x.max()) if x.size else 0.0
    return x / top if top > 0 else np.zeros_like(x)


def rankings(core: Core, fields: dict[str, WordField], query: str, qvec: np.ndarray, n: int = N_CANDIDATES) -> dict:
    """Row orderings per variant for one query (same candidate pool for every variant)."""
    bg = core.lexical.scores(query).astype(np.float64)
    wf = {name: f.scores(query).astype(np.float64) for name, f in fields.items()}
    bg_top = LexicalIndex.top(bg, n)
    parts = [bg_top] + [LexicalIndex.top(s, n) for s in wf.values()]
    d_ids, _ = core.dense.search(qvec[None, :], n)
    parts.append(np.searchsorted(core.ids, d_ids[0][d_ids[0] >= 0]))
    if core.prov_dense is not None and len(core.prov_dense):
        p_ids, _ = core.prov_dense.search(qvec[None, :], N_PROVISIONS)
        parts.append(core.rows_of_pids(p_ids[0][p_ids[0] >= 0]))
    rows = np.unique(np.concatenate(parts)).astype(np.int64)
    dens = dense_scores(core, qvec, rows)
    cov_bg = coverage_of(core.lexical, query, bg_top[:10])
    scores = {"bigram": bg[rows] + 1e-6 * dens, "fused:bigram": fuse(bg[rows], dens, coverage=cov_bg)}
    for name, s in wf.items():
        both = _scaled(bg[rows]) + _scaled(s[rows])
        cov_w = fields[name].coverage(query, LexicalIndex.top(s, 10))
        scores[name] = s[rows] + 1e-6 * dens
        scores[f"bigram+{name}"] = both + 1e-6 * dens
        scores[f"fused:{name}"] = fuse(s[rows], dens, coverage=cov_w)
        scores[f"fused:bigram+{name}"] = fuse(both, dens, coverage=cov_bg)
        scores[f"fused:bigram+{name}@maxcov"] = fuse(both, dens, coverage=max(cov_bg, cov_w))
    return {k: rows[np.argsort(-v, kind="stable")] for k, v in scores.items()}


def evaluate(index, core: Core, fields: dict, docs: list, gold: dict, k: int = 10) -> dict:
    """``{variant: {kind: metrics}}`` for one gold set (provision-level ranks, top ``k``)."""
    targets = resolve_targets(gold, docs)
    queries = gold["queries"]
    qvecs = index.query_vectors([q["query"] for q in queries])
    ranks: dict[str, dict[str, list]] = {}
    for q, v in zip(queries, qvecs):
        for variant, order in rankings(core, fields, q["query"], np.asarray(v, dtype=np.float32)).items():
            seen: list[tuple[str, str]] = []
            for r in order:
                key = (index.ix.t.doc[r], index.ix.t.prov[r])
                if key not in seen:
                    seen.append(key)
                    if len(seen) >= k:
                        break
            rank = next((i + 1 for i, key in enumerate(seen) if key in targets[q["id"]]), None)
            for kind in (q["kind"], "all"):
                ranks.setdefault(variant, {}).setdefault(kind, []).append(rank)
    return {variant: {kind: _metrics(r) for kind, r in per.items()} for variant, per in ranks.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("data"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        import jieba
    except ImportError:
        print("jieba is not installed (pip install jieba==0.42.1); skipping the word-segmentation measurement")
        return 0
    from corpus.model import Document
    from embeddings.search import SearchIndex

    jieba.setLogLevel(60)
    index = SearchIndex.load(args.data)
    docs = [Document.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted((args.data / "documents").glob("*.json"))]
    tk = jieba.Tokenizer()
    names = entity_names(args.data / "extraction")
    for name in names:
        tk.add_word(normalize(name))
    texts = index.ix.t.text
    fields = {"jieba": WordField(tk, texts), "jieba-search": WordField(tk, texts, search_mode=True)}
    core = index.ix.core()
    report = {"user_dict_words": len(names)}
    for label, path in (("dev", GOLD), ("heldout", HELDOUT)):
        report[label] = evaluate(index, core, fields, docs, json.loads(path.read_text(encoding="utf-8")))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    print(f"user dictionary: {len(names)} entity names/aliases; {len(texts)} sentence rows")
    print(f"{'set':8} {'variant':34} {'kind':11} {'hit@1':>6} {'hit@3':>6} {'MRR':>6} {'n':>4}")
    for label in ("dev", "heldout"):
        for variant in LEXICAL + FUSED:
            for kind in ("paraphrase", "verbatim"):
                m = report[label][variant][kind]
                print(f"{label:8} {variant:34} {kind:11} {m['hit@1']:6.3f} {m['hit@3']:6.3f} {m['mrr']:6.3f} {m['n']:4d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
