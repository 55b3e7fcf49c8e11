"""Character-bigram BM25 on the bundled corpus sentences (no model needed)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings.lexical import LexicalIndex, bigrams, index_terms, normalize, query_terms, runs


@pytest.fixture(scope="module")
def sentences(corpus_docs) -> list[str]:
    return [s.text for d in corpus_docs for _, s in d.sentences()]


@pytest.fixture(scope="module")
def lex(sentences) -> LexicalIndex:
    return LexicalIndex.build(sentences)


def test_no_whitespace_tokenizer_and_punctuation_splits_runs():
    # a Chinese sentence has no spaces: a whitespace tokenizer would give one token
    assert len(bigrams("健全农村低收入人口预警分类帮扶机制")) == 16
    # punctuation and quotes never join characters into a bigram
    assert "范万" not in bigrams("“千村示范、万村整治”工程")
    assert bigrams("（一）全力稳定粮油生产") == bigrams("一 全力稳定粮油生产") == ["一", *bigrams("全力稳定粮油生产")]


def test_full_and_half_width_are_the_same_terms():
    assert normalize("５Ｇ网络") == "5g网络"
    assert query_terms("５Ｇ、千兆光网") == query_terms("5G、千兆光网")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("农村粮食生产，。、“”（）() 5GＡa\t")), max_size=30))
def test_terms_never_contain_punctuation_or_space(text):
    for t in index_terms(text) + query_terms(text):
        assert 1 <= len(t) <= 2 and all(c.isalnum() for c in t)
    assert "".join(runs(text)) == "".join(c for c in normalize(text) if c.isalnum())


def test_a_corpus_sentence_finds_itself_first(lex, sentences):
    rng = np.random.default_rng(5)
    for i in rng.choice(len(sentences), 40, replace=False):
        if len(runs(sentences[i])) == 0 or len(sentences[i]) < 12:
            continue
        top = lex.top(lex.scores(sentences[i]), 3)
        assert sentences[top[0]] == sentences[i]


def test_single_character_query_uses_unigrams(lex, sentences):
    rows = lex.top(lex.scores("蟹"), 1000)
    assert rows.size > 0
    assert {sentences[r] for r in rows} == {s for s in sentences if "蟹" in s}


def test_lightly_edited_draft_ranks_its_source_first(lex, sentences):
    # 003 (九): numbers and one place dropped
    draft = "加快百万头生猪养殖及加工产业链项目建设，2022年建成讲治大雄、保和寨养殖场"
    top = lex.top(lex.scores(draft), 1)[0]
    assert "回龙纸厂沟、保和寨养殖场" in sentences[top]


def test_candidates_are_a_superset_of_rows_containing_the_phrase(lex, sentences):
    for phrase in ["就地就近就业", "高标准农田", "千村示范", "黑臭水体治理攻坚"]:
        truth = {i for i, s in enumerate(sentences) if phrase in s}
        assert truth and truth <= set(lex.candidates(phrase).tolist())


def test_add_and_delete_match_a_fresh_build(sentences):
    a, b = sentences[:300], sentences[300:500]
    ix = LexicalIndex.build(a)
    ix.add(b)
    ix.delete(np.arange(100, 200))
    fresh = LexicalIndex.build(a[:100] + a[200:] + b)
    for q in ["稳定粮油生产", "农村人居环境整治", "治"]:
        np.testing.assert_allclose(ix.scores(q), fresh.scores(q), rtol=1e-5)


def test_save_and_load_round_trip(tmp_path, lex):
    lex.save(tmp_path)
    back = LexicalIndex.load(tmp_path)
    for q in ["巴渝和美乡村", "５Ｇ网络", "蟹"]:
        np.testing.assert_array_equal(back.scores(q), lex.scores(q))


def test_a_loaded_index_scores_as_bm25s_does_without_importing_it(tmp_path, lex, sentences):
    """Reading sums bm25s's saved weights itself (memory-mapped): the same float32 scores, to the
    last bit, as bm25s's own ``get_scores_from_ids`` on the same files, and the same postings."""
    import bm25s

    from embeddings.lexical import _FILES, query_terms

    lex.save(tmp_path)
    back = LexicalIndex.load(tmp_path)
    ref = bm25s.BM25.load(tmp_path, **_FILES)
    queries = [s[i: i + n] for s in sentences[:40] for i, n in ((0, 6), (3, 2), (5, 12))] + ["蟹", "５Ｇ网络"]
    for q in queries:
        ids = back.term_ids(query_terms(q))
        if ids.size:
            np.testing.assert_array_equal(back.scores(q), ref.get_scores_from_ids(ids).astype(np.float32))
    for term in ["粮食", "乡", "振兴"]:
        np.testing.assert_array_equal(back.postings(term), lex.postings(term))
    np.testing.assert_array_equal(back.row_terms(3), lex.counts.getrow(3).indices)
    assert (back.counts != lex.counts).nnz == 0 and (back.weights != lex.weights).nnz == 0
    back.save(tmp_path)  # over the files it maps: it reads on from memory, and the files stay the same index
    again = LexicalIndex.load(tmp_path)
    for q in queries[:20]:
        np.testing.assert_array_equal(back.scores(q), lex.scores(q))
        np.testing.assert_array_equal(again.scores(q), lex.scores(q))


def test_vectorised_counting_matches_the_reference_terms(sentences):
    from collections import Counter

    sample = sentences[:200] + ["", "，", "５Ｇ", "a_b", "蟹"]
    ix = LexicalIndex.build(sample)
    inv = {i: t for t, i in ix.vocab.items()}
    for r, text in enumerate(sample):
        row = ix.counts.getrow(r)
        got = Counter({inv[int(c)]: int(v) for c, v in zip(row.indices, row.data)})
        assert got == Counter(index_terms(text)), text


def test_an_index_written_before_bm25s_asks_for_a_rebuild(tmp_path):
    from corpus.errors import IncompatibleIndex

    (tmp_path / "bm25_vocab.json").write_text('{"format": 1, "k1": 1.2, "b": 0.75, "terms": ["粮"]}', encoding="utf-8")
    with pytest.raises(IncompatibleIndex, match="format 1.*rebuild"):
        LexicalIndex.load(tmp_path)


def test_empty_and_emptied_indexes(tmp_path):
    ix = LexicalIndex.build([])
    assert len(ix) == 0 and ix.scores("粮食").size == 0
    ix.add(["", "，"])
    assert ix.scores("粮食").tolist() == [0, 0]
    ix.add(["粮食生产"])
    ix.delete(np.arange(3))
    assert len(ix) == 0 and ix.postings("粮").size == 0
    ix.add(["粮食安全", "生产"])
    ix.save(tmp_path)
    assert LexicalIndex.top(LexicalIndex.load(tmp_path).scores("粮食"), 2).tolist() == [0]
