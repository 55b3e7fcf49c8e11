"""The retrieval seam: candidate lists for lexical and dense queries, keyed by stable sentence ids,
under a typed filter. ``Core`` is the embedded implementation (bm25s's weights + faiss in this process); a
distributed index implements ``RetrievalBackend`` and the ranking above it (``embeddings.search.retrieve``,
fusion, grouping, highlights, diffs) stays the same. ``tests/test_retrieval_backend.py`` is the
contract suite.

Sentence ids are the index's int64 ids: assigned once when a sentence is indexed, never reused,
unchanged when other documents are added or removed.

>>> SearchFilter.from_dict({"level": "township", "year": 2024, "place": "垫江县"})
SearchFilter(docs=frozenset(), levels=frozenset({'township'}), places=frozenset({'垫江县'}), year_from=2024, year_to=2024, entity=None, fact_type=None)
>>> SearchFilter.from_dict(None) is None, SearchFilter.from_dict({"year": (2020, None)}).year_to is None
(True, True)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from embeddings.dense import DenseIndex
from embeddings.lexical import LexicalIndex, query_terms

PROVISION_WEIGHT = 1.0  # a sentence's dense score: its cosine, averaged with its provision's (context)
N_PROVISIONS = 20  # provisions whose sentences join the dense candidates


def similarities(vectors: np.ndarray, qvec: np.ndarray) -> np.ndarray:
    """Inner product of each row with ``qvec`` in float64, summed the same way whatever array the
    rows come from (no BLAS kernel whose rounding depends on alignment), so every backend that
    holds the same float32 vectors gives the same scores to the last bit.

    >>> similarities(np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32), np.array([0.6, 0.8])).round(6).tolist()
    [1.0, 0.6]
    """
    v = np.asarray(vectors, dtype=np.float64).reshape(-1, np.asarray(qvec).shape[-1])
    return (v * np.asarray(qvec, dtype=np.float64)).sum(axis=1)


def _as_set(value) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, (list, tuple, set, frozenset)):
        return frozenset(str(v) for v in value)
    return frozenset([str(value)])


@dataclass(frozen=True)
class SearchFilter:
    """What every retrieval backend filters on. Empty sets and None mean "any".

    ``places``: names or codes, matching a document's place or any place enclosing it;
    ``entity``: an entity id whose mentions the sentence must hold; ``fact_type``: a fact type
    (``target``, ``slogan``, …) the sentence must state.
    """

    docs: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    year_from: int | None = None
    year_to: int | None = None
    entity: str | None = None
    fact_type: str | None = None

    @classmethod
    def from_dict(cls, filters: dict | None) -> "SearchFilter | None":
        """The typed filter of the service's ``{"level", "doc", "place", "year", "entity", "type"}``
        (a year may be one year or a ``(from, to)`` range); None when nothing is filtered."""
        if not filters or not any(v not in (None, "", [], ()) for v in filters.values()):
            return None
        year = filters.get("year")
        if isinstance(year, (tuple, list)):
            lo, hi = year
        elif year is None or year == "":
            lo = hi = None
        else:
            lo = hi = int(year)
        return cls(_as_set(filters.get("doc")), _as_set(filters.get("level")), _as_set(filters.get("place")),
                   None if lo is None else int(lo), None if hi is None else int(hi),
                   filters.get("entity") or None, filters.get("type") or None)

    def passes_document(self, meta: dict) -> bool:
        """Whether a document's metadata (``id``, ``level``, ``year``, ``places``) passes."""
        if self.levels and meta.get("level") not in self.levels:
            return False
        if self.docs and meta["id"] not in self.docs:
            return False
        if self.year_from is not None or self.year_to is not None:
            y = meta.get("year")
            if y is None or (self.year_from is not None and y < self.year_from) or \
                    (self.year_to is not None and y > self.year_to):
                return False
        if self.places and not self.places & set(meta.get("places") or []):
            return False
        return True


@runtime_checkable
class RetrievalBackend(Protocol):
    """Candidates and scores by sentence id (int64 arrays); ``flt`` None means unfiltered."""

    def lexical_candidates(self, query: str, n: int, flt: SearchFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``n`` best sentence ids by BM25 over character bigrams, with their scores, best first."""
        ...

    def dense_candidates(self, qvec: np.ndarray, n: int, flt: SearchFilter | None = None) -> np.ndarray:
        """Sentence ids near ``qvec``: the ``n`` nearest sentences plus the sentences of the nearest provisions."""
        ...

    def lexical_scores(self, query: str, ids: np.ndarray) -> np.ndarray:
        """BM25 score of each given sentence for ``query``."""
        ...

    def dense_scores(self, qvec: np.ndarray, ids: np.ndarray, context: bool = True) -> np.ndarray:
        """Cosine of each given sentence, averaged with its provision's (``PROVISION_WEIGHT``)
        unless ``context`` is False."""
        ...

    def coverage(self, query: str, ids: np.ndarray) -> float:
        """Largest fraction of the query's distinct terms found in any of the given sentences."""
        ...

    def keys(self, ids: np.ndarray) -> list[tuple[str, str]]:
        """(document id, sentence id) of each given sentence id."""
        ...


@dataclass
class Core:
    """The embedded backend: the lexical index's rows, sentence vectors by id, provision vectors
    by provision id, and the index's row filter."""

    lexical: LexicalIndex
    dense: DenseIndex
    ids: np.ndarray  # row -> sentence id (ascending)
    prov_dense: DenseIndex | None = None
    row_pid: np.ndarray | None = None  # row -> provision id
    row_mask: Callable[[SearchFilter], np.ndarray] | None = None  # allowed rows of a filter
    row_keys: Callable[[np.ndarray], list[tuple[str, str]]] | None = None  # rows -> (doc id, sentence id)

    def __post_init__(self) -> None:
        if self.row_pid is not None:
            self._by_pid = np.argsort(self.row_pid, kind="stable")
            self._pid_sorted = self.row_pid[self._by_pid]
        self._last: tuple[str, np.ndarray] | None = None

    # ---- rows (this implementation's own addressing)
    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Rows of sentence ids (ids are ascending with rows)."""
        return np.searchsorted(self.ids, np.asarray(ids, dtype=np.int64))

    def rows_of_pids(self, pids: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self._pid_sorted, pids, "left")
        hi = np.searchsorted(self._pid_sorted, pids, "right")
        return np.concatenate([self._by_pid[a:b] for a, b in zip(lo, hi)]) if len(pids) else np.zeros(0, np.int64)

    def mask(self, flt: SearchFilter | None) -> np.ndarray | None:
        if flt is None or self.row_mask is None:
            return None
        return self.row_mask(flt)

    def _scores(self, query: str) -> np.ndarray:
        if self._last is None or self._last[0] != query:
            self._last = (query, self.lexical.scores(query))
        return self._last[1]

    # ---- RetrievalBackend
    def lexical_candidates(self, query: str, n: int, flt: SearchFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
        scores = self._scores(query)
        rows = LexicalIndex.top(scores, n, self.mask(flt))
        return self.ids[rows], scores[rows].astype(np.float64)

    def dense_candidates(self, qvec: np.ndarray, n: int, flt: SearchFilter | None = None) -> np.ndarray:
        mask = self.mask(flt)
        allowed = None if mask is None else self.ids[mask]
        d_ids, _ = self.dense.search(qvec[None, :], n, allowed=allowed)
        parts = [d_ids[0][d_ids[0] >= 0].astype(np.int64)]
        if self.prov_dense is not None and len(self.prov_dense):
            allowed_p = None if mask is None else np.unique(self.row_pid[mask])
            p_ids, _ = self.prov_dense.search(qvec[None, :], N_PROVISIONS, allowed=allowed_p)
            p_rows = self.rows_of_pids(p_ids[0][p_ids[0] >= 0])
            parts.append(self.ids[p_rows if mask is None else p_rows[mask[p_rows]]])
        return np.concatenate(parts)

    def lexical_scores(self, query: str, ids: np.ndarray) -> np.ndarray:
        return self._scores(query)[self.rows_of(ids)].astype(np.float64)

    def dense_scores(self, qvec: np.ndarray, ids: np.ndarray, context: bool = True) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        s = similarities(self.dense.vectors(ids), qvec) if ids.size else np.zeros(0)
        if not context or self.prov_dense is None or ids.size == 0:
            return s
        pids, inv = np.unique(self.row_pid[self.rows_of(ids)], return_inverse=True)
        p = similarities(self.prov_dense.vectors(pids), qvec)[inv]
        return (s + PROVISION_WEIGHT * p) / (1 + PROVISION_WEIGHT)

    def coverage(self, query: str, ids: np.ndarray) -> float:
        terms = set(query_terms(query))
        if not terms or len(ids) == 0:
            return 0.0
        term_ids = self.lexical.term_ids(sorted(terms))
        if term_ids.size == 0:
            return 0.0
        best = 0
        for r in self.rows_of(ids):
            best = max(best, int(np.isin(self.lexical.row_terms(r), term_ids).sum()))
        return best / len(terms)

    # ---- beyond the seam: exhaustive lookups on the index's own postings
    def phrase_candidates(self, phrase: str, flt: SearchFilter | None = None) -> np.ndarray:
        """Every sentence id that may contain ``phrase`` verbatim: a superset (every letter, digit
        or CJK character of the phrase occurs in the sentence), ascending; the caller checks the
        text. Exhaustive, unlike the ranked candidate lists. Not part of ``RetrievalBackend``: the
        search service keeps the index's tables in process whichever backend ranks."""
        rows = self.lexical.candidates(phrase)
        mask = self.mask(flt)
        if mask is not None:
            rows = rows[mask[rows]]
        return self.ids[np.sort(rows)]

    def keys(self, ids: np.ndarray) -> list[tuple[str, str]]:
        if self.row_keys is None:
            raise NotImplementedError("this Core was built without row keys")
        return self.row_keys(self.rows_of(ids))
