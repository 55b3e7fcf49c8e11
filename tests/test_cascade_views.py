"""``policykg cascade`` / ``policykg concept`` through the service core over a data directory
(documents, extraction records and graph; no search index, so alignment is lexical and concept exact)."""
from __future__ import annotations

import json
import time

import pytest

from api.service import PolicyKG
from api.cli.readable import concept_report
from corpus.errors import NotBuilt


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, corpus_docs):
    from kg.extract import extract_corpus
    from kg.store import build_store

    root = tmp_path_factory.mktemp("cascade") / "data"
    (root / "documents").mkdir(parents=True)
    (root / "extraction").mkdir()
    docs = list(corpus_docs)
    ex = extract_corpus(docs)
    for d in docs:
        (root / "documents" / f"{d.id}.json").write_text(d.model_dump_json(), "utf-8")
        (root / "extraction" / f"{d.id}.json").write_text(ex[d.id].model_dump_json(), "utf-8")
    store = build_store(root / "graph", docs, ex)
    store.flush()
    del store
    manifest = {"built_at": str(time.time()), "documents": [{"id": d.id, "source": d.source, "title": d.title} for d in docs]}
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return root


def test_cascade_from_data_dir(data_dir, corpus_docs):
    up, low = corpus_docs["001"], corpus_docs["000"]
    obj = PolicyKG(data_dir).cascade(up.id, low.id)
    json.dumps(obj, ensure_ascii=False)  # JSON-able
    assert obj["upper"]["doc_id"] == up.id and obj["lower"]["level"] == "township"
    assert obj["embedding"] is False and obj["extraction"] is True
    assert any(t["indicator"] == "农业科技进步贡献率" and t["move"] == "raised" for t in obj["targets"])
    assert {"（二十八）", "（二十九）", "（三十）"} <= {u["number"] for u in obj["lower_only"]}
    assert obj["summary"]["pairs"] == len(obj["pairs"])


def test_concept_alias_levels_and_chain(data_dir):
    obj = PolicyKG(data_dir).concept("千万工程", semantic=False)
    assert obj["canonical"] == "千村示范、万村整治工程" and "千万工程" in obj["aliases"]
    assert obj["types"] == ["program"]
    levels = [g["level"] for g in obj["groups"]]
    assert levels == sorted(levels, key=["central", "provincial", "prefectural", "county", "township", "village"].index)
    assert {"provincial", "township"} <= set(levels)
    assert {o["place"] for o in obj["occurrences"]} >= {"重庆市", "三溪镇"}
    assert all(o["match"] in {"label", "alias"} for o in obj["occurrences"])
    # the town plan reaches the city opinion through the county opinion, which is not in the corpus
    county = [e for e in obj["chain"] if e["to_level"] == "county"]
    assert county and not county[0]["to_in_corpus"] and not county[0]["inferred"]
    up_link = [e for e in obj["chain"] if e["from"] == county[0]["to"]]
    assert up_link and up_link[0]["to_has_occurrences"]
    text = concept_report(obj)
    assert "文件链" in text and "三溪镇" in text and "乡镇" in text and "CHAIN" not in text


def test_concept_by_indicator_alias(data_dir):
    obj = PolicyKG(data_dir).concept("农业科技进步贡献率", semantic=False)
    assert obj["types"] == ["indicator"]
    assert {o["level"] for o in obj["occurrences"]} == {"provincial", "township"}


def test_not_built(tmp_path):
    with pytest.raises(NotBuilt):
        PolicyKG(tmp_path).cascade("a", "b")


def test_full_build_uses_stored_vectors_and_semantic_search(built_data, corpus_docs):
    """Over a full build: alignment adds the index's provision vectors (no encoding at query
    time) and still matches the gold; concept adds semantic matches from the search index."""
    import json as _json

    from api.evaluation.cascade import DEFAULT_GOLD, score

    up, low = corpus_docs["001"], corpus_docs["000"]
    obj = PolicyKG(built_data).cascade(up.id, low.id)
    assert obj["embedding"] is True
    gold = _json.loads(DEFAULT_GOLD.read_text("utf-8"))["alignment"]
    pred = {p["lower"]["number"]: p["upper"]["number"] for p in obj["pairs"] if p["lower"]["number"]}
    pred.update({u["number"]: None for u in obj["lower_only"] if u["number"]})
    s = score(gold, pred)
    assert s["accuracy"] >= 0.95 and s["local_recall"] == 1.0, s["errors"]
    c = PolicyKG(built_data).concept("千万工程")
    assert c["semantic"] is True and c["found"] is True
    assert {o["match"] for o in c["occurrences"]} <= {"label", "alias"}  # literal mentions only
    assert c["neighbours"] and all(n["match"] == "semantic" for n in c["neighbours"])  # listed apart
    assert not {(n["doc_id"], n["sentence_id"]) for n in c["neighbours"]} & {(o["doc_id"], o["sentence_id"]) for o in c["occurrences"]}
