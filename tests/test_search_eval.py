"""The hand-written dev set: fused search must keep up with the better ranker on both kinds."""
from __future__ import annotations

import json

import pytest
from search_support import corpus_search_index

from embeddings.eval_search import GOLD, evaluate, resolve_targets

# Floors at the measured values (see `python -m embeddings.eval_search`); raise them when search improves.
FLOOR = {"verbatim": {"hit@1": 1.0, "mrr": 1.0}, "paraphrase": {"hit@1": 0.68, "mrr": 0.79}}


@pytest.fixture(scope="module")
def gold() -> dict:
    return json.loads(GOLD.read_text(encoding="utf-8"))


def test_dev_set_is_large_enough_and_resolves(gold, corpus_docs):
    kinds = [q["kind"] for q in gold["queries"]]
    assert kinds.count("verbatim") >= 20 and kinds.count("paraphrase") >= 20
    targets = resolve_targets(gold, corpus_docs)
    assert all(targets[q["id"]] for q in gold["queries"])


@pytest.mark.model
def test_fused_ranking_does_not_regress(gold, corpus_docs, e5_model_dir):
    si = corpus_search_index(corpus_docs, e5_model_dir)
    report = evaluate(si, corpus_docs, gold)
    for kind, floor in FLOOR.items():
        fused = report["fused"][kind]
        for metric, value in floor.items():
            assert fused[metric] >= value - 1e-9, (kind, metric, fused)
        # at least as good as the better single ranker, on each kind
        best = max(report["lexical"][kind]["hit@1"], report["dense"][kind]["hit@1"])
        assert fused["hit@1"] >= best - 1e-9, (kind, report)
