"""faiss wrapper: exact below the threshold, HNSW above, filtered search, per-id removal, persistence."""
from __future__ import annotations

import numpy as np
import pytest

import embeddings.dense as dense_mod
from embeddings.dense import DenseIndex


def unit(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype("float32")
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_filtered_search_removal_and_round_trip(kind, tmp_path, monkeypatch):
    v = unit(3000)
    ix = DenseIndex.create(32, 3000, kind=kind)
    ids = np.arange(3000, dtype=np.int64) * 2  # stable ids need not be positions
    ix.add(ids, v)
    got, sims = ix.search(v[:20], 1)
    assert (got[:, 0] == ids[:20]).all() and np.allclose(sims[:, 0], 1, atol=1e-4)
    allowed = ids[::3]
    for exact_limit in (10, 10**9):  # selector path and exact-subset path
        monkeypatch.setattr(dense_mod, "EXACT_SUBSET", exact_limit)
        got, _ = ix.search(v[:20], 5, allowed=allowed)
        assert np.isin(got, allowed).all()
    ix.remove(ids[:10])
    got, _ = ix.search(v[:10], 3)
    assert not np.isin(got, ids[:10]).any() and len(ix) == 2990
    np.testing.assert_allclose(ix.similarities(v[50], ids[50:52]), v[50:52] @ v[50], atol=1e-5)
    ix.save(tmp_path / "x.faiss")
    back = DenseIndex.load(tmp_path / "x.faiss")
    assert back.kind == kind and len(back) == 2990
    np.testing.assert_array_equal(back.search(v[10:30], 3)[0], ix.search(v[10:30], 3)[0])


def test_hnsw_compacts_once_tombstones_pile_up():
    v = unit(400)
    ix = DenseIndex.create(32, 400, kind="hnsw")
    ids = np.arange(400, dtype=np.int64) + 1000
    ix.add(ids, v)
    ix.remove(ids[:50])  # 12.5%: tombstones only
    assert ix.index.ntotal == 400 and ix.deleted.size == 50 and len(ix) == 350
    ix.remove(ids[50:120])  # 30% > COMPACT_AT: rebuilt from the 280 live vectors
    assert ix.kind == "hnsw" and ix.index.ntotal == 280 and ix.deleted.size == 0 and len(ix) == 280
    got, sims = ix.search(v[120:140], 1)
    assert (got[:, 0] == ids[120:140]).all() and np.allclose(sims[:, 0], 1, atol=1e-4)
    assert not np.isin(ix.search(v[:120], 5)[0], ids[:120]).any()
    np.testing.assert_allclose(ix.vectors(ids[300:302]), v[300:302], atol=1e-6)


def test_index_type_follows_size():
    assert DenseIndex.create(8, dense_mod.HNSW_THRESHOLD - 1).kind == "flat"
    assert DenseIndex.create(8, dense_mod.HNSW_THRESHOLD).kind == "hnsw"
    with pytest.raises(ValueError):
        DenseIndex.create(8, 10).add(np.arange(2), unit(2, dim=4))
