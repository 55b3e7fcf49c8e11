"""Fusion of lexical (BM25) and dense (cosine) scores over one candidate set: pure functions.

The default, :func:`fuse`, is a convex combination of min-max normalised scores whose lexical
weight depends on the query: when the best lexical candidate contains most of the query's
bigrams (a near-verbatim draft), lexical evidence dominates; when it contains few (a paraphrase
in other words), dense similarity dominates. Plain reciprocal-rank fusion gives both rankers the
same say whatever the query, which loses to dense alone on paraphrases; :func:`rrf` is kept for
comparison (``python -m api.evaluation.search``).

>>> import numpy as np
>>> lex = np.array([9.0, 1.0, 0.0]); den = np.array([0.80, 0.86, 0.90])
>>> [int(i) for i in np.argsort(-fuse(lex, den, coverage=0.9))]  # verbatim: lexical leads
[0, 1, 2]
>>> [int(i) for i in np.argsort(-fuse(lex, den, coverage=0.1))]  # paraphrase: dense leads
[2, 1, 0]
"""
from __future__ import annotations

import numpy as np

# Lexical weight ramps from W_MIN (coverage <= COV_LO) to W_MAX (coverage >= COV_HI).
# On the dev set the best lexical candidate of a paraphrase holds <= 0.23 of the query's
# bigrams, that of a near-verbatim draft >= 0.43 (most > 0.7); below COV_LO lexical overlap
# is incidental and only reorders near-ties of the dense ranking, so it gets no weight.
COV_LO, COV_HI = 0.25, 0.6
W_MIN, W_MAX = 0.0, 0.9


def lexical_weight(coverage: float, lo: float = COV_LO, hi: float = COV_HI, w_min: float = W_MIN, w_max: float = W_MAX) -> float:
    """Weight of the lexical side given the top lexical candidate's query-bigram coverage.

    >>> lexical_weight(0.1), lexical_weight(0.425), lexical_weight(1.0)
    (0.0, 0.45, 0.9)
    """
    t = min(max((coverage - lo) / (hi - lo), 0.0), 1.0)
    return round(w_min + t * (w_max - w_min), 6)


def minmax(x: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to all ones (if positive) or zeros.

    >>> minmax(np.array([2.0, 4.0, 3.0])).tolist()
    [0.0, 1.0, 0.5]
    """
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-12:
        return np.full_like(x, 1.0 if hi > 0 else 0.0)
    return (x - lo) / (hi - lo)


def fuse(lexical: np.ndarray, dense: np.ndarray, *, coverage: float, weight: float | None = None) -> np.ndarray:
    """Fused score in [0, 1] for each candidate (higher is better).

    ``lexical``: BM25 scores (0 where the candidate shares no bigram); ``dense``: cosine
    similarities; ``coverage``: fraction of the query's distinct bigrams found in the best
    lexical candidate; ``weight`` overrides the adaptive lexical weight.
    """
    lexical = np.asarray(lexical, dtype=np.float64)
    dense = np.asarray(dense, dtype=np.float64)
    if lexical.shape != dense.shape:
        raise ValueError("lexical and dense scores must be aligned")
    w = lexical_weight(coverage) if weight is None else weight
    top = float(lexical.max()) if lexical.size else 0.0
    lex_n = lexical / top if top > 0 else np.zeros_like(lexical)
    return w * lex_n + (1 - w) * minmax(dense)


def rrf(lexical: np.ndarray, dense: np.ndarray, *, k: int = 60, weight: float = 0.5) -> np.ndarray:
    """Weighted reciprocal-rank fusion (candidates without lexical overlap get no lexical term).

    >>> rrf(np.array([3.0, 0.0]), np.array([0.5, 0.9])).round(4).tolist()
    [0.0163, 0.0082]
    """
    lexical = np.asarray(lexical, dtype=np.float64)
    dense = np.asarray(dense, dtype=np.float64)
    lex_rank = _ranks(-lexical)
    den_rank = _ranks(-dense)
    lex_part = np.where(lexical > 0, weight / (k + lex_rank), 0.0)
    return lex_part + (1 - weight) / (k + den_rank)


def _ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks (ties broken by position)."""
    r = np.empty(x.size, dtype=np.float64)
    r[np.argsort(x, kind="stable")] = np.arange(1, x.size + 1)
    return r
