"""The persistent vector cache: content addressing, concurrent writers, a writer killed mid-way."""
from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from corpus import BUNDLED_DIR
from embeddings.vector_cache import VectorCache, default_path, normalise

ROOT = Path(__file__).resolve().parents[1]


def _sentences() -> list[str]:
    out = []
    for f in sorted(BUNDLED_DIR.glob("*.txt")):
        out += [s.strip() for s in f.read_text(encoding="utf-8").replace("\n", "。").split("。") if s.strip()]
    return list(dict.fromkeys(out))


def _vectors(texts: list[str], dim: int = 8) -> np.ndarray:
    """A deterministic vector per text (so any process can say what a text's row must hold)."""
    seeds = [int.from_bytes(hashlib.blake2b(normalise(t).encode()).digest()[:4], "little") for t in texts]
    return np.stack([np.random.default_rng(s).standard_normal(dim) for s in seeds]).astype(np.float32)


def test_round_trip_keyed_by_model_and_normalised_text(tmp_path):
    texts = _sentences()[:50]
    cache = VectorCache(tmp_path / "v.sqlite")
    assert cache.put("model-a", texts, _vectors(texts)) == 50
    assert cache.put("model-a", texts, _vectors(texts)) == 0  # content-addressed: stored once
    wide = str.maketrans("0123456789", "０１２３４５６７８９")  # NFKC folds full-width digits
    spaced = ["  " + t.translate(wide) + "\u3000\n" for t in texts]
    got = VectorCache(tmp_path / "v.sqlite").get("model-a", spaced + ["没有的句子"])
    assert set(got) == set(spaced)
    assert all(np.array_equal(got[s], v) for s, v in zip(spaced, _vectors(texts)))
    assert cache.get("model-b", texts) == {}  # another model's vectors are never reused
    assert len(cache) == 50


def test_default_place_is_beside_the_data_dir_and_configurable(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYKG_VECTOR_CACHE", raising=False)
    assert default_path(tmp_path / "data") == tmp_path / ".data.vectors.sqlite"
    monkeypatch.setenv("POLICYKG_VECTOR_CACHE", str(tmp_path / "shared.sqlite"))
    assert default_path(tmp_path / "data") == tmp_path / "shared.sqlite"
    monkeypatch.setenv("POLICYKG_VECTOR_CACHE", "off")
    assert default_path(tmp_path / "data") is None


def test_unusable_file_disables_the_cache_without_failing(tmp_path):
    bad = tmp_path / "v.sqlite"
    bad.write_bytes(b"not a database" * 100)
    cache = VectorCache(bad)
    texts = _sentences()[:3]
    assert cache.get("m", texts) == {} and cache.put("m", texts, _vectors(texts)) == 0 and cache.disabled


WRITER = r"""
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
from embeddings.vector_cache import VectorCache
from tests.test_vector_cache import _sentences, _vectors
texts = _sentences()
part = texts[int(sys.argv[3])::2] if sys.argv[3] != "all" else texts
cache = VectorCache(sys.argv[2])
for rnd in range(int(sys.argv[4])):
    for i in range(0, len(part), 20):
        chunk = part[i:i + 20]
        cache.put(f"m{rnd}", chunk, _vectors(chunk))
    print("round", rnd, flush=True)
"""


def _writer(path: Path, part: str, rounds: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(ROOT), str(path), part, str(rounds)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)


def test_concurrent_writers_both_land(tmp_path):
    path = tmp_path / "v.sqlite"
    procs = [_writer(path, "0", 1), _writer(path, "1", 1), _writer(path, "all", 1)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    texts = _sentences()
    got = VectorCache(path).get("m0", texts)
    assert len(got) == len(texts)
    assert all(np.array_equal(got[t], v) for t, v in zip(texts, _vectors(texts)))


def test_a_writer_killed_mid_way_leaves_a_sound_cache(tmp_path):
    path = tmp_path / "v.sqlite"
    proc = _writer(path, "all", 1000)
    assert proc.stdout.readline().startswith("round")  # it is writing
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    texts = _sentences()
    cache = VectorCache(path)
    got = cache.get("m0", texts)  # round 0 was committed before the kill
    assert len(got) == len(texts)
    assert all(np.array_equal(got[t], v) for t, v in zip(texts, _vectors(texts)))
    assert cache.put("m-after", texts[:5], _vectors(texts[:5])) == 5  # and it still takes writes


@pytest.mark.parametrize("n", [0, 1])
def test_empty_and_single(tmp_path, n):
    texts = _sentences()[:n]
    cache = VectorCache(tmp_path / "v.sqlite")
    assert cache.put("m", texts, _vectors(texts) if n else np.zeros((0, 8), np.float32)) == n
    assert len(cache.get("m", texts)) == n
