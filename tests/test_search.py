"""Hybrid search over the bundled corpus with the real converted e5 model."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from search_support import corpus_search_index

from api.pipeline.stages import index_stage
from embeddings.index import HybridIndex, doc_meta, doc_passes
from corpus.errors import BadRequest, IncompatibleIndex

pytestmark = pytest.mark.model

FIELDS = {"doc_id", "provision_id", "provision_number", "provision_title", "sentence_id", "text", "score",
          "lexical_score", "dense_score", "level", "place", "doc_title", "doc_number", "highlights", "match", "citation"}


@pytest.fixture(scope="module")
def si(corpus_docs, e5_model_dir):
    return corpus_search_index(corpus_docs, e5_model_dir)


def test_cli_shape_grouped_per_provision_with_highlights(si, corpus_docs):
    res = si.search("高标准农田管护", k=8)
    assert res["query"] == "高标准农田管护" and len(res["results"]) == 8
    keys = [(r["doc_id"], r["provision_id"]) for r in res["results"]]
    assert len(set(keys)) == len(keys)  # one row per provision
    tiers = [["exact", "terms", "semantic"].index(r["match"]) for r in res["results"]]
    assert tiers == sorted(tiers)  # exact matches, then every term, then the semantic tail
    for tier in set(tiers):
        scores = [r["score"] for r, t in zip(res["results"], tiers) if t == tier]
        assert scores == sorted(scores, reverse=True)
    for r in res["results"]:
        assert set(r) == FIELDS
        doc = next(d for d in corpus_docs if d.id == r["doc_id"])
        prov = doc.provision(r["provision_id"])
        assert r["text"] in [s.text for s in prov.sentences] and prov.number == r["provision_number"]
        for a, b in r["highlights"]:
            assert 0 <= a < b <= len(r["text"])
    top = res["results"][0]
    assert "高标准农田" in top["text"] and "管护" in top["text"]
    marked = "".join(top["text"][a:b] for a, b in top["highlights"])
    assert "高标准农田" in marked and "管护" in marked


def test_batch_equals_single_queries(si):
    qs = ["撂荒地利用", "让农民在家门口就能找到活干"]
    batch = si.search(qs, k=5)
    for q, hits in zip(qs, batch):
        single = si.search(q, k=5)["results"]
        assert [(h.doc_id, h.provision_id) for h in hits] == [(h["doc_id"], h["provision_id"]) for h in single]
        np.testing.assert_allclose([h.score for h in hits], [h["score"] for h in single], atol=1e-5)


def test_level_doc_and_year_filters(si, corpus_docs):
    by_id = {d.id: d for d in corpus_docs}
    res = si.search("巴渝和美乡村建设", k=10, filters={"level": "township"})["results"]
    assert res and all(by_id[r["doc_id"]].level == "township" for r in res)
    d004 = corpus_docs["004"]
    res = si.search("巴渝和美乡村建设", k=10, filters={"doc": d004.id})["results"]
    assert res and {r["doc_id"] for r in res} == {d004.id}
    dated = {d.id for d in corpus_docs if d.date and d.date.startswith("2024")}
    res = si.search("农村人居环境整治", k=10, filters={"year": 2024})["results"]
    assert res and {r["doc_id"] for r in res} <= dated


def test_place_filters_one_name_or_a_set(si, corpus_docs):
    towns = {d.place for d in corpus_docs if d.level == "township"}
    res = si.search("农村人居环境整治", k=10, filters={"place": towns})["results"]
    assert res and {r["place"] for r in res} <= towns
    one = corpus_docs["003"].place
    res = si.search("高标准农田", k=5, filters={"place": one})["results"]
    assert res and {r["place"] for r in res} == {one}


def test_place_filter_includes_documents_of_enclosed_places(corpus_docs):
    from kg.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    town = next(c for c in gaz.resolve("三溪镇") if any(a.name.startswith("垫江") for a in gaz.ancestors(c.division.code)))
    doc = corpus_docs["000"].model_copy(update={"place": "三溪镇", "place_code": town.division.code})
    from kg.gazetteer import enclosing_places

    meta = doc_meta(doc, enclosing_places(doc))
    county = next(a for a in gaz.ancestors(town.division.code) if a.name.startswith("垫江"))
    assert doc_passes(meta, {"place": county.name}) and doc_passes(meta, {"place": county.code})
    assert not doc_passes(meta, {"place": "开江县"})


def test_entity_filter_keeps_sentences_mentioning_it(si):
    mentions = {k: v for k, v in si.ix.mentions.items() if not k.startswith("type:") and len(v) >= 3}
    entity = max(mentions, key=lambda k: len(mentions[k]))
    allowed = {tuple(m) for m in mentions[entity]}
    res = si.search("加强建设", k=10, filters={"entity": entity})["results"]
    assert res and all((r["doc_id"], r["sentence_id"]) in allowed for r in res)
    typed = si.search("提高比例", k=10, filters={"type": "target"})["results"]
    assert typed and all((r["doc_id"], r["sentence_id"]) in {tuple(m) for m in si.ix.mentions["type:target"]} for r in typed)


def test_empty_query_is_a_bad_request(si):
    with pytest.raises(BadRequest):
        si.search("  ")


def test_index_built_with_another_model_is_refused(si, tmp_path, e5_model_dir):
    from embeddings.encoder import load_encoder

    si.save(tmp_path / "index")
    m = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert m["model"]["fingerprint"] == si.encoder.fingerprint and m["dim"] == 384
    assert m["counts"]["sentences"] == len(si.ix.t) and m["index_type"]["sentences"] == "flat"
    HybridIndex.load(tmp_path / "index", load_encoder(e5_model_dir))  # same model: fine
    m["model"]["fingerprint"] = "bge-small-zh:0123abcd"
    (tmp_path / "index" / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IncompatibleIndex, match="bge-small-zh"):
        HybridIndex.load(tmp_path / "index", load_encoder(e5_model_dir))


def test_remove_and_add_document_incrementally(corpus_docs, e5_model_dir):
    from embeddings.encoder import load_encoder
    from embeddings.search import SearchIndex

    enc = load_encoder(e5_model_dir)
    docs = [corpus_docs["000"], corpus_docs["004"]]
    si = SearchIndex(HybridIndex.build(docs, enc), enc)
    probe = "请各村按季度及时报送巴渝和美乡村创建情况进度表"
    assert si.search(probe, k=1)["results"][0]["doc_id"] == docs[1].id
    si.remove_document(docs[1].id)
    assert docs[1].id not in {r["doc_id"] for r in si.search(probe, k=10)["results"]}
    assert len(si.ix.t) == sum(1 for _, s in docs[0].sentences() if s.text.strip())
    si.add_document(docs[1])
    assert si.search(probe, k=1)["results"][0]["doc_id"] == docs[1].id
    fresh = SearchIndex(HybridIndex.build(docs, enc), enc)
    assert [(h.doc_id, h.provision_id) for h in si.search([probe, "稳定粮油生产"], k=5)[1]] == \
           [(h.doc_id, h.provision_id) for h in fresh.search([probe, "稳定粮油生产"], k=5)[1]]


def test_build_stage_and_search_open_no_network_connection(corpus_docs, e5_model_dir, tmp_path, no_network):
    from api.pipeline.context import BuildContext
    from embeddings.encoder import clear_encoder_cache
    from embeddings.search import SearchIndex

    staging = tmp_path / "staging"
    shutil.copytree(e5_model_dir, staging / "model")  # as build carries model/ over
    clear_encoder_cache()  # load the model itself under the guard
    ctx = BuildContext(docs=[corpus_docs["004"]], rejected=[], staging_dir=staging, previous_dir=None)
    index_stage(ctx)
    assert (staging / "index" / "manifest.json").exists() and ctx.results["index_stage"]["sentences"] > 0
    si = SearchIndex.load(staging)
    assert si.search("村庄清洁行动大扫除", k=3)["results"]
    assert si.precedent("定期开展大扫除，营造干净舒适的生活环境", k=2)["results"]
