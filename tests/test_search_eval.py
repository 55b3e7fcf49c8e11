"""The hand-written dev and held-out sets: fused search must keep up with the better ranker on both kinds."""
from __future__ import annotations

import json

import pytest
from search_support import corpus_search_index

from api.evaluation.search import GOLD, HELDOUT, evaluate, resolve_targets

# Floors at the measured values (see `python -m api.evaluation.search [--gold ...]`); raise them when
# search improves. The held-out set is never used to choose parameters, only to check generalisation.
FLOORS = {
    "dev": {"verbatim": {"hit@1": 1.0, "mrr": 1.0, "ndcg@10": 1.0},
            "paraphrase": {"hit@1": 0.68, "hit@3": 0.86, "mrr": 0.79, "ndcg@10": 0.70, "recall@10": 0.80}},
    "heldout": {"verbatim": {"hit@1": 1.0, "mrr": 1.0, "ndcg@10": 1.0},
                # hit@3: 19/22 with float32 vectors, 18/22 with bfloat16 (issue 18 adopts bf16 within ±1 hit)
                "paraphrase": {"hit@1": 0.59, "hit@3": 0.81, "mrr": 0.71, "ndcg@10": 0.66, "recall@10": 0.77}},
}
SETS = {"dev": GOLD, "heldout": HELDOUT}


def _load(name: str) -> dict:
    return json.loads(SETS[name].read_text(encoding="utf-8"))


@pytest.mark.parametrize("name,n_verbatim,n_paraphrase", [("dev", 20, 20), ("heldout", 5, 15)])
def test_gold_set_is_large_enough_and_resolves(name, n_verbatim, n_paraphrase, corpus_docs):
    gold = _load(name)
    kinds = [q["kind"] for q in gold["queries"]]
    assert kinds.count("verbatim") >= n_verbatim and kinds.count("paraphrase") >= n_paraphrase
    targets = resolve_targets(gold, corpus_docs)
    assert all(targets[q["id"]] for q in gold["queries"])


def test_heldout_queries_are_new():
    dev, held = _load("dev"), _load("heldout")
    assert not {q["query"] for q in dev["queries"]} & {q["query"] for q in held["queries"]}
    assert not {q["id"] for q in dev["queries"]} & {q["id"] for q in held["queries"]}


@pytest.mark.model
@pytest.mark.parametrize("name", ["dev", "heldout"])
def test_fused_ranking_does_not_regress(name, corpus_docs, e5_model_dir):
    gold = _load(name)
    si = corpus_search_index(corpus_docs, e5_model_dir)
    report = evaluate(si, corpus_docs, gold)
    for kind, floor in FLOORS[name].items():
        fused = report["fused"][kind]
        for metric, value in floor.items():
            assert fused[metric] >= value - 1e-9, (name, kind, metric, fused)
        # at least as good as the better single ranker, on each kind
        best = max(report["lexical"][kind]["hit@1"], report["dense"][kind]["hit@1"])
        assert fused["hit@1"] >= best - 1e-9, (name, kind, report)


def test_real_gold_resolves_on_the_real_documents():
    """The everyday questions written for ../shared/real point at real sentences; held-out is new;
    every exact-first phrase occurs in the corpus."""
    from api.evaluation.search import REAL, REAL_CORPUS, REAL_HELDOUT
    from corpus.ingest import ingest_dir
    from embeddings.query import squash

    docs, _ = ingest_dir(REAL_CORPUS)
    dev, held = (json.loads(p.read_text(encoding="utf-8")) for p in (REAL, REAL_HELDOUT))
    assert len(dev["queries"]) >= 16 and len(held["queries"]) >= 10
    for gold in (dev, held):
        targets = resolve_targets(gold, docs)
        assert all(targets[q["id"]] for q in gold["queries"])
    assert not {q["query"] for q in dev["queries"]} & {q["query"] for q in held["queries"]}
    for phrase in dev["phrases"]:
        assert any(squash(phrase) in squash(s.text) for d in docs for _, s in d.sentences()), phrase
