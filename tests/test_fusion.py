"""Fusion is a pure function of aligned candidate scores and the query's bigram coverage."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embeddings.fusion import COV_HI, COV_LO, W_MAX, W_MIN, fuse, lexical_weight, minmax, rrf

scores = st.lists(st.tuples(st.floats(0, 50), st.floats(-1, 1)), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None)
@given(scores, st.floats(0, 1))
def test_fused_scores_lie_in_unit_interval_and_are_deterministic(pairs, cov):
    lex, den = np.array(pairs).T
    f = fuse(lex, den, coverage=cov)
    assert f.shape == lex.shape
    assert np.all(f >= -1e-9) and np.all(f <= 1 + 1e-9)
    np.testing.assert_array_equal(f, fuse(lex.copy(), den.copy(), coverage=cov))


@settings(max_examples=80, deadline=None)
@given(scores, st.floats(0, 1), st.floats(0.01, 100))
def test_rescaling_bm25_does_not_change_the_fused_order(pairs, cov, factor):
    lex, den = np.array(pairs).T
    np.testing.assert_allclose(fuse(lex, den, coverage=cov), fuse(lex * factor, den, coverage=cov), atol=1e-9)


def test_weight_is_monotone_in_coverage_and_bounded():
    ws = [lexical_weight(c) for c in np.linspace(0, 1, 51)]
    assert all(a <= b for a, b in zip(ws, ws[1:]))
    assert ws[0] == W_MIN and ws[-1] == W_MAX
    assert lexical_weight(COV_LO) == W_MIN and lexical_weight(COV_HI) == W_MAX


def test_near_verbatim_query_follows_lexical_over_a_dense_near_tie():
    # candidate 0 shares the draft's wording; 1 and 2 are topically close (dense slightly higher)
    lex = np.array([42.0, 11.0, 3.0])
    den = np.array([0.905, 0.910, 0.912])
    assert np.argmax(fuse(lex, den, coverage=0.85)) == 0


def test_paraphrase_follows_dense_whatever_the_incidental_overlap():
    # a paraphrase shares a common bigram ("农村") with an unrelated sentence only
    lex = np.array([9.0, 0.0, 1.5])
    den = np.array([0.86, 0.91, 0.88])
    f = fuse(lex, den, coverage=0.1)
    assert list(np.argsort(-f)) == list(np.argsort(-den))


def test_plain_rrf_lets_incidental_overlap_outvote_dense():
    # what fuse avoids: rank fusion gives the lexical ranking an equal say on a paraphrase
    lex = np.array([9.0, 0.0, 1.5])
    den = np.array([0.86, 0.91, 0.88])
    assert np.argmax(rrf(lex, den)) != np.argmax(den)
    assert np.argmax(fuse(lex, den, coverage=0.1)) == np.argmax(den)


def test_explicit_weight_overrides_and_misaligned_input_is_refused():
    lex, den = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert fuse(lex, den, coverage=0.0, weight=1.0).tolist() == [1.0, 0.0]
    with pytest.raises(ValueError):
        fuse(np.zeros(3), np.zeros(2), coverage=0.5)


def test_minmax_edge_cases():
    assert minmax(np.array([])).size == 0
    assert minmax(np.array([0.7, 0.7])).tolist() == [1.0, 1.0]
    assert minmax(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]
