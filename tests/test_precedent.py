"""Precedent finder and concept search on the bundled corpus."""
from __future__ import annotations

import pytest
from search_support import corpus_search_index

from embeddings.lexical import runs
from api.cli.readable import precedent_report, search_report

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
    hits = si.concept_search("千万工程", aliases=["千村示范万村整治"], k=30, semantic_k=5, cutoff=0.0)
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
    res = si.search("就地就近就业", k=3, filters={"level": "provincial"})
    assert res["query"] == "就地就近就业" and 1 <= len(res["results"]) <= 3
    assert all(r["level"] == "provincial" for r in res["results"])
    text = search_report(res)
    assert "【就地就近就业】" in text and res["results"][0]["doc_title"] in text
    pres = si.precedent("积极开拓农村劳动力就地就近就业岗位", k=2)
    assert set(pres["results"][0]) >= {"doc_id", "provision_id", "provision_number", "text", "score", "citation", "diff"}
    out = precedent_report(pres)
    assert pres["results"][0]["citation"]["text"] in out and "复用：" in out


# A paragraph a drafting assistant might paste: three sentences, each lightly edited from a
# different seed document (002 供水保障, 004 （二）聚焦工作重点, 003 （二十四）家庭农场).
PARAGRAPH = (
    "实施农村供水保障工程，以农村饮水安全“一改三提”为抓手，因地制宜推动农村供水规模化发展和小型工程标准化改造，"
    "到2025年，农村自来水普及率达到92％。"
    "将农村黑臭水体治理、农房规范建设管理、基础设施改造提升作为达标创建的核心内容，扎实推进和美乡村建设。\n"
    "加大家庭农场扶持培育力度，2025年新创建示范家庭农场30家以上。"
)
# (document prefix, a stretch of the original sentence each part was edited from)
SOURCES = [("002", "因地制宜推动农村供水规模化发展和小型工程标准化改造"),
           ("004", "农房规范建设管理、基础设施改造提升"),
           ("003", "加大家庭农场扶持培育力度")]


def source_of(corpus_docs, prefix: str, needle: str) -> tuple[str, str]:
    doc = corpus_docs[prefix]
    (p, s), = [(p, s) for p, s in doc.sentences() if needle in s.text]
    return doc.id, p.id


def test_paragraph_gets_one_part_per_sentence_each_from_its_source(si, corpus_docs):
    res = si.precedent(PARAGRAPH, k=3)
    assert res["draft"] == PARAGRAPH
    parts = res["parts"]
    assert len(parts) == len(SOURCES) == 3
    assert [PARAGRAPH[p["start"]:p["end"]] for p in parts] == [p["text"] for p in parts]
    assert [p["start"] for p in parts] == sorted(p["start"] for p in parts)
    assert parts[0]["start"] == 0 and parts[-1]["end"] == len(PARAGRAPH)
    assert all(p["text"].endswith("。") for p in parts)
    for part, (prefix, needle) in zip(parts, SOURCES):
        assert len(part["results"]) == 3
        top = part["results"][0]
        assert (top["doc_id"], top["provision_id"]) == source_of(corpus_docs, prefix, needle)
        assert needle in top["text"]
        # each diff compares the precedent with its own draft sentence, not the paragraph
        assert "".join(d["draft"] for d in top["diff"]) == part["text"]
        assert "".join(d["precedent"] for d in top["diff"]) == top["text"]
    # back-compat results: the best precedent of each part, in draft order
    assert [r["sentence_id"] for r in res["results"]] == [p["results"][0]["sentence_id"] for p in parts]
    assert [r["part"] for r in res["results"]] == [0, 1, 2]
    # reuse covers phrases shared by any part
    for u in res["reuse"]:
        assert any(u["phrase"] in p["text"] for p in parts)
    assert any(u["phrase"] in parts[0]["text"] for u in res["reuse"])
    assert any(u["phrase"] in parts[1]["text"] for u in res["reuse"])


def test_paragraph_is_ranked_in_one_encoder_call(si, monkeypatch):
    calls = []
    real = si.encoder.encode_queries
    monkeypatch.setattr(si.encoder, "encode_queries", lambda qs: calls.append(list(qs)) or real(qs))
    si._qcache.clear()
    res = si.precedent(PARAGRAPH.replace("30家", "35家"), k=2)
    assert len(calls) == 1 and len(calls[0]) == len(res["parts"]) == 3


def test_single_sentence_draft_keeps_the_old_shape(si):
    sentence = PARAGRAPH.split("\n")[1]
    res = si.precedent(f"  {sentence}\n——\n", k=2)  # a piece with no word characters is dropped
    assert set(res) == {"draft", "results", "reuse"} and res["draft"] == f"{sentence}\n——"
    assert len(res["results"]) == 2 and "part" not in res["results"][0]


def test_render_precedent_prints_each_part(si):
    res = si.precedent(PARAGRAPH, k=2)
    out = precedent_report(res)
    for n, part in enumerate(res["parts"], 1):
        assert f"[{n}] {part['start']}–{part['end']}：{part['text']}" in out
        assert part["results"][0]["citation"]["text"] in out
    assert out.index("[1]") < out.index("[2]") < out.index("[3]")
