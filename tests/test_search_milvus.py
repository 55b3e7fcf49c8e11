"""Search on Milvus (``--search-backend milvus://…``) ranks exactly as the embedded index.

A milvus-lite server runs on a free loopback port for the session (``milvus_server``); the bundled
corpus's index is synced into it and every query of the search gold sets, filtered searches,
precedents and concept searches are answered both ways. ``pytest -k milvus`` selects these tests.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from api.config import Backends, resolve_backends
from corpus.errors import BadRequest, IncompatibleIndex, NotBuilt
from embeddings.index import HybridIndex
from embeddings.milvus import MilvusIndex, MilvusSpec
from embeddings.search import SearchIndex
from search_support import corpus_search_index

GOLD = Path(__file__).parent / "gold"
REPO = Path(__file__).resolve().parents[1]


def _gold_queries() -> list[str]:
    out = []
    for name in ("search_dev.json", "search_heldout.json"):
        out += [q["query"] for q in json.loads((GOLD / name).read_text("utf-8"))["queries"]]
    return out


@pytest.fixture(scope="module")
def si(corpus_docs, e5_model_dir):
    return corpus_search_index(corpus_docs, e5_model_dir)


@pytest.fixture(scope="module")
def milvus_si(si, milvus_server) -> SearchIndex:
    target = MilvusIndex(f"{milvus_server.spec}?collection=bundled")
    summary = target.sync(si.ix)
    assert summary["written"] == len(si.ix.docs) and summary["sentences"] == len(si.ix.t)
    # the same query vectors on both sides: an encoder's last bits depend on which queries share
    # its batch, and this comparison is about the backends
    return si.with_backend(target.backend(si.ix.model))


def _same_ranking(a: list[dict], b: list[dict], tol: float = 2e-5) -> None:
    """Same hits in the same order, scores equal to float precision; two hits may only trade
    places when their scores tie (and a hit tied with the last may replace it)."""
    assert len(a) == len(b)
    sa, sb = [h["score"] for h in a], [h["score"] for h in b]
    assert sa == pytest.approx(sb, abs=tol)
    ka = [(h["doc_id"], h["sentence_id"]) for h in a]
    kb = [(h["doc_id"], h["sentence_id"]) for h in b]
    for i, key in enumerate(kb):
        if key != ka[i]:
            j = ka.index(key) if key in ka else None
            assert (j is not None and abs(sa[j] - sa[i]) <= tol) or (j is None and abs(sb[i] - sa[-1]) <= tol), \
                (i, key, ka[i])


def test_every_gold_query_ranks_the_same_on_milvus(si, milvus_si):
    queries = _gold_queries()
    assert len(queries) >= 40
    identical = 0
    for q in queries:
        # the whole ranking, not cut at the semantic tail's cut-off (a score threshold, same both ways)
        emb = [h.to_dict() for h in si.search([q], k=10, cutoff=0.0)[0]]
        mil = [h.to_dict() for h in milvus_si.search([q], k=10, cutoff=0.0)[0]]
        assert len(emb) == 10
        _same_ranking(emb, mil)
        identical += [(h["doc_id"], h["sentence_id"]) for h in emb] == [(h["doc_id"], h["sentence_id"]) for h in mil]
    assert identical >= len(queries) - 2  # any other difference is an exact tie


@pytest.mark.parametrize("kind", ["level", "levels_and_year", "place", "type", "year_range"])
def test_filtered_searches_agree(si, milvus_si, kind):
    township = next(m for m in si.ix.docs.values() if m["level"] == "township" and m["place"])
    filters = {"level": {"level": "township"},
               "levels_and_year": {"level": ["county", "township"], "year": township["year"]},
               "place": {"place": township["place"]},
               "type": {"type": "target"},
               "year_range": {"year": (township["year"] - 5, township["year"])}}[kind]
    for q in ("高标准农田建设", "农村人居环境整治", "就地就近就业"):
        emb = [h.to_dict() for h in si.search([q], k=10, filters=filters)[0]]
        mil = [h.to_dict() for h in milvus_si.search([q], k=10, filters=filters)[0]]
        assert emb, filters
        _same_ranking(emb, mil)


def test_entity_filter_and_precedent_and_concept_agree(si, milvus_si):
    entity = max(si.ix.mentions, key=lambda k: len(si.ix.mentions[k]) if not k.startswith("type:") else 0)
    emb = [h.to_dict() for h in si.search(["乡村振兴"], k=10, filters={"entity": entity})[0]]
    mil = [h.to_dict() for h in milvus_si.search(["乡村振兴"], k=10, filters={"entity": entity})[0]]
    assert emb and {(h["doc_id"], h["sentence_id"]) for h in emb} <= {tuple(m) for m in si.ix.mentions[entity]}
    _same_ranking(emb, mil)
    draft = "加快推进高标准农田建设，提升耕地质量。"
    assert [r["sentence_id"] for r in si.precedent(draft)["results"]] == \
        [r["sentence_id"] for r in milvus_si.precedent(draft)["results"]]
    assert [(h.doc_id, h.sentence_id, h.match) for h in si.concept_search("高标准农田", k=10)] == \
        [(h.doc_id, h.sentence_id, h.match) for h in milvus_si.concept_search("高标准农田", k=10)]


def test_documents_come_and_go_on_milvus(corpus_docs, si, milvus_server):
    docs = [corpus_docs["003"], corpus_docs["004"]]
    local = SearchIndex(HybridIndex.build(docs, si.encoder), si.encoder)
    target = MilvusIndex(f"{milvus_server.spec}?collection=addremove")
    target.sync(local.ix)
    remote = SearchIndex(local.ix, si.encoder, backend=target.backend(local.ix.model))
    gone = docs[1].id
    query = docs[1].provisions[-1].sentences[0].text
    assert remote.search([query], k=3)[0][0].doc_id == gone
    remote.remove_document(gone)  # the index changes, and Milvus with it
    assert set(target.synced_documents()) == {docs[0].id}
    assert all(h.doc_id != gone for h in remote.search([query], k=10)[0])
    remote.add_document(docs[1])
    assert set(target.synced_documents()) == {d.id for d in docs}
    hits = remote.search([query], k=10)[0]
    assert hits[0].doc_id == gone
    plain = SearchIndex(local.ix, si.encoder)
    _same_ranking([h.to_dict() for h in plain.search([query], k=10)[0]], [h.to_dict() for h in hits])
    again = target.sync(local.ix)  # nothing changed: nothing rewritten
    assert again["written"] == 0 and again["removed"] == 0


def test_model_mismatch_and_missing_collections_are_named_errors(si, milvus_si, milvus_server):
    target = MilvusIndex(f"{milvus_server.spec}?collection=bundled")
    other = {**si.ix.model, "fingerprint": "another-model"}
    with pytest.raises(IncompatibleIndex, match="rebuild"):
        target.backend(other)
    with pytest.raises(NotBuilt, match="policykg build --search-backend"):
        MilvusIndex(f"{milvus_server.spec}?collection=never_built").backend(si.ix.model)


def test_search_backend_configuration(tmp_path, monkeypatch):
    data = tmp_path / "data"
    assert resolve_backends(data).search_backend == "embedded"
    (tmp_path / "policykg.toml").write_text('[backends]\nsearch_backend = "milvus://127.0.0.1:1/x"\n', "utf-8")
    assert resolve_backends(data).search_backend == "milvus://127.0.0.1:1/x"
    monkeypatch.setenv("POLICYKG_SEARCH_BACKEND", "milvus://127.0.0.1:2")
    assert resolve_backends(data).search_backend == "milvus://127.0.0.1:2"
    assert resolve_backends(data, search_backend="embedded").search_backend == "embedded"
    for bad in ("milvus://nohost", "http://127.0.0.1:19530", "milvus://h:1?index=ANNOY", "milvus://h:1?colection=x"):
        with pytest.raises(BadRequest):
            MilvusSpec.parse(bad)
        with pytest.raises(BadRequest):
            resolve_backends(data, search_backend=bad)


def test_service_and_cli_read_candidates_from_milvus(built_data, milvus_server):
    from api.pipeline.publish import publish_search_index
    from api.service import PolicyKG

    spec = f"{milvus_server.spec}?collection=served"
    summary = publish_search_index(built_data, MilvusIndex(spec))
    assert summary["documents"] >= 5 and summary["written"] == summary["documents"]
    embedded = PolicyKG(built_data, backends=Backends())
    remote = PolicyKG(built_data, backends=Backends(search_backend=spec))
    for q in ("高标准农田", "农村饮水安全"):
        _same_ranking(embedded.search(q, k=10)["results"], remote.search(q, k=10)["results"])
    assert type(remote._index.retrieval()).__name__ == "MilvusBackend"
    env = {**os.environ, "POLICYKG_SEARCH_BACKEND": spec, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "api.cli", "search", "高标准农田", "--json", "--data", str(built_data)],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout)
    _same_ranking(embedded.search("高标准农田", k=len(cli["results"]))["results"], cli["results"])


def test_build_rejects_a_bad_search_backend_before_any_work(tmp_path):
    out = subprocess.run([sys.executable, "-m", "api.cli", "build", "--data", str(tmp_path / "d"),
                          "--search-backend", "milvus://nohost"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "host and port" in out.stderr
    assert not (tmp_path / "d").exists()


def test_sparse_weights_are_the_embedded_bm25(si):
    """The lexical field Milvus scores is the index's own weights: a query's inner product with a
    row's weights is that row's BM25 score."""
    from embeddings.milvus import query_vector, term_hash

    w = si.ix.lexical.weights.tocsr()
    inv = {i: t for t, i in si.ix.lexical.vocab.items()}
    q = "稳定粮食生产"
    scores = si.ix.lexical.scores(q)
    qv = query_vector(q)
    for r in np.argsort(-scores)[:5]:
        row = {term_hash(inv[t]): x for t, x in zip(w[r].indices, w[r].data)}
        assert sum(qv.get(h, 0.0) * x for h, x in row.items()) == pytest.approx(float(scores[r]), rel=1e-5)
