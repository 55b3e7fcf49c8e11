"""Precedent finder and concept search on the bundled corpus."""
from __future__ import annotations

import pytest
from search_support import corpus_search_index

from embeddings.lexical import runs
from embeddings.cli_views import precedent_command, render_precedent, render_search, search_command

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def si(corpus_docs, e5_model_dir):
    return corpus_search_index(corpus_docs, e5_model_dir)


def test_precedent_cites_diffs_and_counts_reuse(si, corpus_docs):
    # 003 （十九）, with the lengths changed
    draft = "推动实施路长制，完成撤并建制村畅通工程80公里道路建设，建成产业路旅游路30公里。"
    res = si.precedent(draft, k=3)
    assert res["draft"] == draft and len(res["results"]) == 3
    top = res["results"][0]
    doc = corpus_docs["003"]
    assert top["doc_id"] == doc.id and "100.7公里" in top["text"]
    c = top["citation"]
    assert c["text"].startswith(f"《{doc.title}》") and c["provision_number"].endswith("（十九）")
    assert c["level"] == doc.level and c["place"] == doc.place and c["date"] == doc.date
    # the diff rebuilds both texts and marks the changed numbers
    assert "".join(d["draft"] for d in top["diff"]) == draft
    assert "".join(d["precedent"] for d in top["diff"]) == top["text"]
    changed = [(d["draft"], d["precedent"]) for d in top["diff"] if d["op"] != "equal"]
    assert changed and all(c.isdigit() or c == "." for a, b in changed for c in a + b)  # only the numbers differ
    assert {d["op"] for d in top["diff"]} <= {"equal", "insert", "delete", "replace"}
    scores = [r["score"] for r in res["results"]]
    assert scores == sorted(scores, reverse=True)


def test_reuse_counts_documents_and_levels_by_reading_them(si, corpus_docs):
    # a stock phrase shared by the provincial opinion and the township plan
    draft = "细化明确“非粮化”整改范围，留出过渡期，合理安排恢复时序，维护农民群众切身利益。"
    res = si.precedent(draft, k=3)
    assert res["reuse"]
    for u in res["reuse"]:
        assert len(u["phrase"]) >= 8 and u["phrase"] in draft
        truth = {d.id for d in corpus_docs if u["phrase"] in d.text}
        assert set(u["doc_ids"]) == truth and u["documents"] == len(truth)
        assert u["levels"] == sorted({d.level for d in corpus_docs if d.id in truth})
        assert f"{len(truth)} document" in u["message"]
    assert max(u["documents"] for u in res["reuse"]) >= 2


def test_concept_search_exact_mentions_first_then_semantic(si, corpus_docs):
    hits = si.concept_search("千万工程", aliases=["千村示范万村整治"], k=30, semantic_k=5)
    exact = [h for h in hits if h.match in ("label", "alias")]
    sem = [h for h in hits if h.match == "semantic"]
    assert exact and len(sem) == 5
    assert hits[: len(exact)] == exact  # exact matches come first
    def squash(t: str) -> str:
        return "".join(runs(t))

    truth = {(d.id, s.id) for d in corpus_docs for _, s in d.sentences()
             if "千万工程" in squash(s.text) or "千村示范万村整治" in squash(s.text)}
    assert len(truth) >= 3 and {(h.doc_id, h.sentence_id) for h in exact} == truth
    assert any("千村示范、万村整治" in h.text for h in exact)  # found through punctuation
    for h in exact:
        assert h.highlights and all(squash(h.text[a:b]) in ("千万工程", "千村示范万村整治") for a, b in h.highlights)
    assert not {(h.doc_id, h.sentence_id) for h in sem} & truth


def test_cli_views_shapes_and_text(si):
    res = search_command(si, "就地就近就业", k=3, level="provincial")
    assert res["query"] == "就地就近就业" and 1 <= len(res["results"]) <= 3
    assert all(r["level"] == "provincial" for r in res["results"])
    text = render_search(res)
    assert "[就地就近就业]" in text and res["results"][0]["doc_title"] in text
    pres = precedent_command(si, "积极开拓农村劳动力就地就近就业岗位", k=2)
    assert set(pres["results"][0]) >= {"doc_id", "provision_id", "provision_number", "text", "score", "citation", "diff"}
    out = render_precedent(pres)
    assert pres["results"][0]["citation"]["text"] in out and "reuse:" in out
