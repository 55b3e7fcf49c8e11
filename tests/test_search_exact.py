"""Exact before fuzzy, query syntax, paging, sorting, facets and the semantic cut-off, checked
against the text of the bundled documents (the truth is computed from the parsed documents)."""
from __future__ import annotations

import pytest
from search_support import corpus_search_index

from corpus.errors import BadRequest
from embeddings.query import squash
from embeddings.search import TAIL_CUTOFF

pytestmark = pytest.mark.model

PHRASES = ["四千行动", "高标准农田", "千村示范、万村整治", "农村人居环境", "巴渝和美乡村"]


@pytest.fixture(scope="module")
def si(corpus_docs, e5_model_dir):
    return corpus_search_index(corpus_docs, e5_model_dir)


def _provisions_with(corpus_docs, *keys: str, scope: str = "provision") -> set[tuple[str, str]]:
    """(doc id, provision id) of the provisions (or of sentences, ``scope="sentence"``) holding every key."""
    out = set()
    for d in corpus_docs:
        for p in d.provisions:
            sents = [squash(s.text) for s in p.sentences]
            if scope == "sentence":
                if any(all(k in s for k in keys) for s in sents):
                    out.add((d.id, p.id))
            elif all(any(k in s for s in sents) for k in keys):
                out.add((d.id, p.id))
    return out


def _all(si, q: str, **kw) -> list[dict]:
    res = si.search(q, k=100, **kw)
    hits = list(res["results"])
    while len(hits) < res["total"]:
        hits += si.search(q, k=100, offset=len(hits), **kw)["results"]
    return hits


def test_acceptance_four_thousand_action_sentences_come_first(si, corpus_docs):
    truth = {(d.id, s.id) for d in corpus_docs for _, s in d.sentences() if "四千行动" in s.text}
    assert len(truth) == 2
    top = si.search("四千行动", k=2)["results"]
    assert {(r["doc_id"], r["sentence_id"]) for r in top} == truth


@pytest.mark.parametrize("phrase", PHRASES)
def test_every_passage_containing_the_query_comes_before_every_other(si, corpus_docs, phrase):
    truth = _provisions_with(corpus_docs, squash(phrase))
    hits = _all(si, phrase)
    keys = [(r["doc_id"], r["provision_id"]) for r in hits]
    n = len(truth)
    assert set(keys[:n]) == truth  # all of them, and first
    assert all(squash(phrase) in squash(r["text"]) for r in hits[:n])  # shown by the matching sentence
    assert all(r["match"] == "exact" for r in hits[:n]) and all(r["match"] == "semantic" for r in hits[n:])
    docs = {d.id for d in corpus_docs if squash(phrase) in squash(d.text)}
    assert {r["doc_id"] for r in hits[:n]} == docs  # every document containing it is found


def test_width_spaces_and_quotes_do_not_matter(si):
    a = [(r["doc_id"], r["provision_id"]) for r in _all(si, '"千村示范万村整治"')]
    b = [(r["doc_id"], r["provision_id"]) for r in _all(si, "“千村示范、万村整治”")]
    c = [(r["doc_id"], r["provision_id"]) for r in _all(si, '"千村示范 万村整治"')]
    assert a and sorted(a) == sorted(b) == sorted(c)


def test_a_phrase_is_required_and_strict(si, corpus_docs):
    hits = _all(si, '"四千行动"')
    assert {(r["doc_id"], r["provision_id"]) for r in hits} == _provisions_with(corpus_docs, "四千行动")
    assert all(r["match"] == "exact" for r in hits)


def test_and_or_exclude_and_proximity(si, corpus_docs):
    both = {(r["doc_id"], r["provision_id"]) for r in _all(si, "粮食 安全") if r["match"] != "semantic"}
    assert both == _provisions_with(corpus_docs, "粮食", "安全")
    same_sentence = _all(si, "粮食 安全 /s")
    assert same_sentence and all("粮食" in r["text"] and "安全" in r["text"] for r in same_sentence)
    assert {(r["doc_id"], r["provision_id"]) for r in same_sentence} == \
        _provisions_with(corpus_docs, "粮食", "安全", scope="sentence")
    either = {(r["doc_id"], r["provision_id"]) for r in _all(si, "四千行动 OR 千万工程")}
    assert either == _provisions_with(corpus_docs, "四千行动") | _provisions_with(corpus_docs, "千万工程")
    excluded = _provisions_with(corpus_docs, "改造")
    kept = _all(si, "高标准农田 -改造")
    assert kept and not {(r["doc_id"], r["provision_id"]) for r in kept} & excluded
    assert {(r["doc_id"], r["provision_id"]) for r in kept if r["match"] == "exact"} == \
        _provisions_with(corpus_docs, "高标准农田") - excluded


def test_paging_sorting_and_facets_cover_the_whole_result_set(si, corpus_docs):
    first = si.search("农村人居环境整治", k=7)
    total = first["total"]
    assert total > 14
    pages = [first["results"]] + [si.search("农村人居环境整治", k=7, offset=o)["results"] for o in range(7, total, 7)]
    keys = [(r["doc_id"], r["provision_id"]) for p in pages for r in p]
    assert len(keys) == len(set(keys)) == total
    assert sum(f["count"] for f in first["facets"]["doc"]) == total
    assert sum(f["count"] for f in first["facets"]["level"]) == total
    dated = {d.id: d.date or "" for d in corpus_docs}
    by_date = _all(si, "农村人居环境整治", sort="date")
    for tier in ("exact", "semantic"):
        dates = [dated[r["doc_id"]] for r in by_date if r["match"] == tier]
        assert dates == sorted(dates, reverse=True)
    with pytest.raises(BadRequest):
        si.search("粮食", sort="alphabet")


def test_the_semantic_tail_stops_at_the_cutoff(si):
    tail = [r for r in _all(si, "如何让农民的钱袋子鼓起来") if r["match"] == "semantic"]
    assert tail and all(r["dense_score"] >= TAIL_CUTOFF for r in tail)
    assert not [r for r in _all(si, "如何让农民的钱袋子鼓起来", cutoff=1.0) if r["match"] == "semantic"]
    mid = sorted(r["dense_score"] for r in tail)[len(tail) // 2]  # a tighter cut-off keeps exactly the tail above it
    tighter = [r for r in _all(si, "如何让农民的钱袋子鼓起来", cutoff=mid) if r["match"] == "semantic"]
    assert 0 < len(tighter) < len(tail) and all(r["dense_score"] >= mid - 1e-6 for r in tighter)
    got, before = ({(r["doc_id"], r["provision_id"]) for r in rs} for rs in (tighter, tail))
    assert {(r["doc_id"], r["provision_id"]) for r in tail if r["dense_score"] > mid + 1e-6} <= got <= before
    assert si.search("如何让农民的钱袋子鼓起来", k=1, cutoff=0.0)["total"] >= len(tail)
    off_topic = _all(si, "火星移民计划")
    assert all(r["match"] == "semantic" and r["dense_score"] >= TAIL_CUTOFF for r in off_topic)  # marked, above it


def test_copyable_citation_on_every_hit(si, corpus_docs):
    by_id = {d.id: d for d in corpus_docs}
    for r in si.search("高标准农田", k=5)["results"]:
        d = by_id[r["doc_id"]]
        assert r["citation"].startswith(f"《{d.title}》") and (not d.doc_number or d.doc_number in r["citation"])


def test_a_query_without_terms_is_a_bad_request(si):
    with pytest.raises(BadRequest):
        si.search("-旅游")


@pytest.mark.parametrize("name, aliases", [("高标准农田", []), ("千万工程", ["千村示范、万村整治工程"]),
                                           ("四千行动", []), ("农业科技进步贡献率", [])])
def test_concept_lists_every_literal_mention_then_neighbours_apart(si, corpus_docs, name, aliases):
    hits = si.concept_search(name, aliases, k=10)
    literal = [h for h in hits if h.match in ("label", "alias")]
    keys = [squash(x) for x in [name, *aliases]]
    truth = {(d.id, s.id) for d in corpus_docs for _, s in d.sentences() if any(k in squash(s.text) for k in keys)}
    assert {(h.doc_id, h.sentence_id) for h in literal} == truth
    sem = hits[len(literal):]
    assert all(h.match == "semantic" and h.dense_score >= TAIL_CUTOFF for h in sem)


@pytest.mark.parametrize("phrase", ["高标准农田", "四千行动", "“千村示范、万村整治”"])
def test_phrase_candidates_hold_every_sentence_containing_the_phrase(si, corpus_docs, phrase):
    """Exhaustive: every sentence of the corpus that contains the phrase is a candidate, under a filter too."""
    from embeddings.core import SearchFilter

    core = si.ix.core()
    key = squash(phrase)
    truth = {(d.id, s.id) for d in corpus_docs for p in d.provisions for s in p.sentences if key in squash(s.text)}
    assert truth and truth <= set(core.keys(core.phrase_candidates(phrase)))
    only = SearchFilter(levels=frozenset({"township"}))
    by_id = {d.id: d for d in corpus_docs}
    got = core.keys(core.phrase_candidates(phrase, only))
    assert all(by_id[d].level == "township" for d, _ in got)
    assert {(d, s) for d, s in truth if by_id[d].level == "township"} <= set(got)
