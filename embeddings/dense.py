"""faiss inner-product index over L2-normalised vectors, addressed by stable int64 ids.

Exact search (``IndexFlatIP``) below :data:`HNSW_THRESHOLD` vectors, HNSW (M=32) above; both
wrapped in ``IndexIDMap2`` so vectors can be reconstructed by id (to score arbitrary
candidates) and removed per document. HNSW cannot delete in place: removed ids become
tombstones excluded through an id selector; once they exceed :data:`COMPACT_AT` of the stored
vectors the graph is rebuilt from the live ones (:meth:`DenseIndex.compact`).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> v = rng.normal(size=(5, 8)).astype("float32"); v /= np.linalg.norm(v, axis=1, keepdims=True)
>>> ix = DenseIndex.create(8, n_expected=5)
>>> ix.add(np.arange(10, 15), v)
>>> ids, sims = ix.search(v[:2], 1)
>>> ids.tolist()
[[10], [11]]
>>> ix.remove(np.array([10])); ix.search(v[:1], 1)[0].tolist()[0] != [10]
True
"""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

HNSW_THRESHOLD = 50_000
HNSW_M = 32
EF_CONSTRUCTION = 40
EF_SEARCH = 128
EXACT_SUBSET = 50_000  # filtered searches over at most this many ids are exact
COMPACT_AT = 0.25  # HNSW: rebuild without tombstones once they are this share of stored vectors


class DenseIndex:
    """Vectors by id; exact or HNSW; filtered search through an allowed-id array."""

    def __init__(self, index: faiss.Index, dim: int, deleted: np.ndarray | None = None):
        self.index = index
        self.dim = dim
        self.deleted = np.zeros(0, dtype=np.int64) if deleted is None else np.asarray(deleted, dtype=np.int64)
        if self.kind == "hnsw":
            faiss.downcast_index(self.index.index).hnsw.efSearch = EF_SEARCH

    @classmethod
    def create(cls, dim: int, n_expected: int, kind: str | None = None) -> "DenseIndex":
        """An empty index; ``kind`` is "flat" or "hnsw" (default: by ``n_expected``)."""
        kind = kind or ("hnsw" if n_expected >= HNSW_THRESHOLD else "flat")
        if kind == "hnsw":
            inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = EF_CONSTRUCTION
        else:
            inner = faiss.IndexFlatIP(dim)
        return cls(faiss.IndexIDMap2(inner), dim)

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(faiss.downcast_index(self.index.index), faiss.IndexHNSW) else "flat"

    def __len__(self) -> int:
        return int(self.index.ntotal) - int(self.deleted.size)

    # ---- mutation -------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"expected vectors of dim {self.dim}, got {vectors.shape}")
        if len(vectors):
            self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if self.kind == "flat":
            self.index.remove_ids(faiss.IDSelectorBatch(ids))
        else:
            self.deleted = np.union1d(self.deleted, ids)
            if self.deleted.size > COMPACT_AT * self.index.ntotal:
                self.compact()

    def compact(self) -> None:
        """Rebuild an HNSW graph from its live vectors, dropping the tombstones."""
        if self.kind != "hnsw" or self.deleted.size == 0:
            return
        live = np.setdiff1d(faiss.vector_to_array(self.index.id_map), self.deleted)
        fresh = DenseIndex.create(self.dim, live.size, kind="hnsw")
        fresh.add(live, self.vectors(live))
        self.index, self.deleted = fresh.index, np.zeros(0, dtype=np.int64)

    # ---- queries --------------------------------------------------------------------------
    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors for ``ids`` (all must exist)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if ids.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.index.reconstruct_batch(ids)

    def similarities(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Inner products between one query vector and the vectors of ``ids``."""
        return self.vectors(ids) @ np.asarray(query, dtype=np.float32)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ids and similarities per query (id -1 pads missing results).

        ``allowed``: the ids a result may have (None: all live ids).
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        nq = queries.shape[0]
        if allowed is not None:
            allowed = np.setdiff1d(np.asarray(allowed, dtype=np.int64), self.deleted)
            if allowed.size <= EXACT_SUBSET:
                return self._exact_subset(queries, k, allowed)
        if self.index.ntotal == 0 or k <= 0:
            return np.full((nq, max(k, 0)), -1, dtype=np.int64), np.zeros((nq, max(k, 0)), dtype=np.float32)
        params = None
        excluded = allowed is None and self.deleted.size > 0
        if allowed is not None or excluded:
            sel, keep = self._selector(allowed)
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(EF_SEARCH, k))
            else:
                params = faiss.SearchParameters(sel=sel)
            params._keep = (sel, keep)  # keep the selector and its bitmap alive while searching
        elif self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(EF_SEARCH, k))
        if nq == 1:  # one query: OpenMP threads cost more than they save (bench: 8 vs 55 ms per search)
            before = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            try:
                sims, ids = self.index.search(queries, k, params=params)
            finally:
                faiss.omp_set_num_threads(before)
        else:
            sims, ids = self.index.search(queries, k, params=params)
        return ids, sims

    def _selector(self, allowed: np.ndarray | None):
        """An id selector for ``allowed`` (a bitmap over the id range), or excluding tombstones."""
        if allowed is None:
            inner = faiss.IDSelectorBatch(self.deleted)
            return faiss.IDSelectorNot(inner), inner
        n = int(allowed.max()) + 1 if allowed.size else 1
        bits = np.zeros(n, dtype=bool)
        bits[allowed] = True
        bitmap = np.packbits(bits, bitorder="little")
        return faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap)), bitmap

    def _exact_subset(self, queries: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nq = queries.shape[0]
        ids = np.full((nq, k), -1, dtype=np.int64)
        sims = np.zeros((nq, k), dtype=np.float32)
        if allowed.size == 0 or k <= 0:
            return ids, sims
        s = queries @ self.vectors(allowed).T
        kk = min(k, allowed.size)
        for i in range(nq):
            part = np.argpartition(-s[i], kk - 1)[:kk] if allowed.size > kk else np.arange(allowed.size)
            order = part[np.argsort(-s[i, part], kind="stable")]
            ids[i, :kk] = allowed[order]
            sims[i, :kk] = s[i, order]
        return ids, sims

    # ---- persistence ----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))
        np.save(path.with_suffix(".deleted.npy"), self.deleted)

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        index = faiss.read_index(str(path))
        deleted_path = path.with_suffix(".deleted.npy")
        deleted = np.load(deleted_path) if deleted_path.exists() else None
        return cls(index, index.d, deleted)
