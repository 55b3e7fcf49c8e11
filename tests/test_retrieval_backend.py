"""The retrieval-backend contract (``embeddings.core.RetrievalBackend``): every implementation runs
this suite. Candidates are keyed by stable sentence ids, filtered by a typed ``SearchFilter``, and
the scores a backend gives for a candidate are the scores it gives when asked for that id.
Implementations: the embedded index (bm25s + faiss) and Milvus (``embeddings.milvus``, on a
milvus-lite server the session starts on loopback)."""
from __future__ import annotations

import numpy as np
import pytest

from embeddings.core import RetrievalBackend, SearchFilter
from embeddings.index import HybridIndex
from search_support import corpus_search_index

BACKENDS = ["embedded", "milvus"]
QUERIES = ["高标准农田建设", "农村人居环境整治", "就地就近就业"]


@pytest.fixture(scope="module")
def si(corpus_docs, e5_model_dir):
    return corpus_search_index(corpus_docs, e5_model_dir)


@pytest.fixture(scope="module")
def milvus_index(si, milvus_server):
    from embeddings.milvus import MilvusIndex

    target = MilvusIndex(f"{milvus_server.spec}?collection=contract")
    target.sync(si.ix)
    return target


@pytest.fixture(params=BACKENDS)
def backend(request, si) -> RetrievalBackend:
    b = si.ix.core() if request.param == "embedded" else request.getfixturevalue("milvus_index").backend(si.ix.model)
    assert isinstance(b, RetrievalBackend)
    return b


@pytest.mark.parametrize("query", QUERIES)
def test_backends_agree_on_candidates_and_scores(si, milvus_index, query):
    """Milvus holds the index's own BM25 weights and vectors: same candidates, same scores."""
    emb, mil = si.ix.core(), milvus_index.backend(si.ix.model)
    e_ids, e_scores = emb.lexical_candidates(query, 30)
    m_ids, m_scores = mil.lexical_candidates(query, 30)
    assert np.allclose(m_scores, e_scores, rtol=1e-5)
    assert set(m_ids[m_scores > e_scores[-1] * (1 + 1e-5)]) <= set(e_ids)  # beyond ties at the cut
    ids = np.unique(np.concatenate([e_ids, emb.dense_candidates(_qvec(si, query), 10)]))
    assert np.allclose(mil.lexical_scores(query, ids), emb.lexical_scores(query, ids), rtol=1e-5, atol=1e-6)
    assert np.allclose(mil.dense_scores(_qvec(si, query), ids), emb.dense_scores(_qvec(si, query), ids), atol=1e-5)
    assert mil.coverage(query, e_ids[:10]) == emb.coverage(query, e_ids[:10])
    assert mil.keys(ids) == emb.keys(ids)


def _qvec(si, q: str) -> np.ndarray:
    return np.asarray(si.query_vectors([q])[0], dtype=np.float32)


@pytest.mark.parametrize("query", QUERIES)
def test_lexical_candidates_are_ranked_and_scored_alike(backend, query):
    ids, scores = backend.lexical_candidates(query, 20)
    assert 0 < len(ids) <= 20 and len(set(ids.tolist())) == len(ids)
    assert np.all(np.diff(scores) <= 1e-9)
    assert np.allclose(backend.lexical_scores(query, ids), scores)


@pytest.mark.parametrize("query", QUERIES)
def test_dense_candidates_and_scores(backend, si, query):
    v = _qvec(si, query)
    ids = backend.dense_candidates(v, 10)
    assert len(ids) >= 10
    with_context, plain = backend.dense_scores(v, ids), backend.dense_scores(v, ids, context=False)
    assert np.all(np.abs(with_context) <= 1.0001) and np.all(np.abs(plain) <= 1.0001)
    assert not np.allclose(with_context, plain)
    assert plain.max() > 0.8  # the nearest sentences of a real query are near


def test_every_candidate_passes_the_typed_filter(backend, si, corpus_docs):
    by_id = {d.id: d for d in corpus_docs}
    flt = SearchFilter(levels=frozenset({"township"}))
    for q in QUERIES:
        lex_ids, _ = backend.lexical_candidates(q, 30, flt)
        dense_ids = backend.dense_candidates(_qvec(si, q), 30, flt)
        keys = backend.keys(np.concatenate([lex_ids, dense_ids]))
        assert keys and all(by_id[d].level == "township" for d, _ in keys)
    d004 = corpus_docs["004"]
    keys = backend.keys(backend.lexical_candidates("乡村", 50, SearchFilter(docs=frozenset({d004.id})))[0])
    assert keys and {d for d, _ in keys} == {d004.id}


def test_keys_name_real_sentences(backend, corpus_docs):
    by_id = {d.id: d for d in corpus_docs}
    ids, _ = backend.lexical_candidates("高标准农田", 5)
    for doc_id, sentence_id in backend.keys(ids):
        text = next(s.text for p in by_id[doc_id].provisions for s in p.sentences if s.id == sentence_id)
        assert "农田" in text or "高标准" in text


def test_sentence_ids_survive_other_documents_coming_and_going(si, corpus_docs):
    """Stable ids: removing and re-adding one document leaves every other sentence's id alone."""
    docs = [corpus_docs["003"], corpus_docs["004"]]
    ix = HybridIndex.build(docs, si.encoder)
    before = {k: int(i) for k, i in zip(ix.core().keys(ix.t.ids), ix.t.ids)}
    ix.remove_document(docs[0].id)
    ix.add_documents([docs[0]], si.encoder)
    after = {k: int(i) for k, i in zip(ix.core().keys(ix.t.ids), ix.t.ids)}
    kept = {k for k in before if k[0] == docs[1].id}
    assert kept and all(after[k] == before[k] for k in kept)
    readded = {k for k in after if k[0] == docs[0].id}
    assert readded and not {after[k] for k in readded} & set(before.values())  # new ids, never reused
