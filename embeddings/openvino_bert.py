"""The BERT encoder of a sentence-transformers folder on OpenVINO's CPU runtime (no torch import).

:class:`OpenVinoBert` computes the same function as :class:`embeddings.bert.Bert` (and
``transformers.BertModel``: absolute positions, token type 0, exact GELU, post-layer-norm):

* the token + position embeddings are looked up in numpy (the 250k-row table is memory-mapped
  from ``model.safetensors``: a lookup reads the rows it uses, and the runtime never holds it);
* the 12 encoder layers are one OpenVINO graph built with its opset (``MatMul``,
  ``ScaledDotProductAttention``, ``MVN``, ``Gelu``) from the same weights, compiled once for the
  CPU with dynamic batch and length, ``INFERENCE_PRECISION_HINT`` bf16 where the CPU has
  AMX/AVX512-BF16 (else f32), one inference stream of one thread per worker, no thread pinning
  (a core another process holds does not stall a stream);
* mean pooling over the mask stays float32 in numpy.

Measured on a 2-core Xeon with AMX (``benchmarks/measure_encode_levers.py``): ~1.5× the
sentences per CPU-second of the torch path in bf16 (243 vs 157 with two workers on 4,111 real
sentences), vectors within cosine 1e-5 of float32 (torch bf16: 2e-5); a row's vector does not
depend on the other rows of its batch (``tests/test_encoder.py``).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from embeddings.bert import BertConfig

PRECISION_HINT = {"fp32": "f32", "bf16": "bf16"}


def available() -> bool:
    """Whether OpenVINO's runtime is installed (the CPU engine of choice when it is)."""
    try:
        import openvino  # noqa: F401, PLC0415 - probed, not used here
    except ImportError:
        return False
    return True


_NUMPY_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def mapped_tensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file as read-only memory maps (nothing is read until
    used): the format is an 8-byte header length, a JSON header of dtype, shape and byte offsets,
    then the data. Files with a dtype numpy lacks (bf16) are read whole with ``safetensors``."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
    header.pop("__metadata__", None)
    if any(t["dtype"] not in _NUMPY_DTYPES for t in header.values()):
        from safetensors.numpy import load_file  # noqa: PLC0415 - only for dtypes numpy lacks

        return load_file(str(path))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    return {name: data[t["data_offsets"][0]:t["data_offsets"][1]].view(_NUMPY_DTYPES[t["dtype"]]).reshape(t["shape"])
            for name, t in header.items()}


class OpenVinoBert:
    """BERT's encoder from a folder's ``config.json`` + ``model.safetensors`` on OpenVINO (CPU).

    ``precision`` is ``fp32`` or ``bf16`` (the runtime's inference precision); ``streams`` is how
    many batches may run at once (one thread each), from as many calling threads.
    """

    def __init__(self, model_dir: Path, precision: str = "fp32", streams: int = 1):
        import openvino as ov  # noqa: PLC0415 - the runtime only where this engine is chosen

        if precision not in PRECISION_HINT:
            raise ValueError(f"OpenVINO runs on CPU in fp32 or bf16, not {precision!r}")
        cfg = BertConfig.read(model_dir)
        self.dim, self.heads, self.max_positions, self.eps = cfg.dim, cfg.heads, cfg.max_positions, cfg.eps
        self.precision = precision
        sd = {k.removeprefix("bert."): v for k, v in mapped_tensors(Path(model_dir) / "model.safetensors").items()}
        e = "embeddings."
        self.word = sd[e + "word_embeddings.weight"]  # mapped: a lookup reads only the rows it uses
        self.pos = (sd[e + "position_embeddings.weight"] + sd[e + "token_type_embeddings.weight"][0]).astype(np.float32)
        model = self._graph(ov, sd, cfg.layers)
        n = max(1, int(streams))
        self._compiled = ov.Core().compile_model(model, "CPU", {
            "INFERENCE_PRECISION_HINT": PRECISION_HINT[precision],
            "NUM_STREAMS": str(n),
            "INFERENCE_NUM_THREADS": str(n),
            "ENABLE_CPU_PINNING": "NO",
        })
        self._local = threading.local()

    def _graph(self, ov, sd: dict, layers: int):
        """The encoder layers as an OpenVINO model: inputs ``embedded`` (b, n, dim) float32 (token
        + position embeddings, before their layer norm) and ``mask`` (b, n) float32; output the
        last hidden states (b, n, dim)."""
        import openvino.opset13 as op  # noqa: PLC0415

        d, heads = self.dim, self.heads
        hd = d // heads

        def const(a):
            return op.constant(np.ascontiguousarray(a, dtype=np.float32))

        def dense(x, prefix: str):
            return op.add(op.matmul(x, const(sd[prefix + ".weight"]), False, True), const(sd[prefix + ".bias"]))

        def norm(x, prefix: str):
            y = op.mvn(x, op.constant(np.array([-1], np.int64)), True, self.eps, "inside_sqrt")
            return op.add(op.multiply(y, const(sd[prefix + ".weight"])), const(sd[prefix + ".bias"]))

        emb = op.parameter([-1, -1, d], np.float32, name="embedded")
        mask = op.parameter([-1, -1], np.float32, name="mask")
        # additive key mask (b, 1, 1, n): 0 for tokens, a large negative number for padding
        bias = op.unsqueeze(op.multiply(op.subtract(mask, const(1.0)), const(1e9)),
                            op.constant(np.array([1, 2], np.int64)))
        split_heads = op.constant(np.array([0, 0, heads, hd], np.int64))
        merge_heads = op.constant(np.array([0, 0, d], np.int64))
        to_heads = op.constant(np.array([0, 2, 1, 3], np.int64))
        h = norm(emb, "embeddings.LayerNorm")
        for i in range(layers):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            q, k, v = (op.transpose(op.reshape(dense(h, a + f"self.{x}"), split_heads, True), to_heads)
                       for x in ("query", "key", "value"))
            ctx = op.scaled_dot_product_attention(q, k, v, bias, const(1.0 / np.sqrt(hd)))
            ctx = op.reshape(op.transpose(ctx, to_heads), merge_heads, True)
            h = norm(op.add(h, dense(ctx, a + "output.dense")), a + "output.LayerNorm")
            up = op.gelu(dense(h, p + "intermediate.dense"), "erf")
            h = norm(op.add(h, dense(up, p + "output.dense")), p + "output.LayerNorm")
        return ov.Model([h], [emb, mask], "bert_encoder")

    def mean_states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states over ``mask`` (1 = token), one float32 row per sequence
        of ``ids`` (b, n); thread-safe (each calling thread has its own inference request)."""
        req = getattr(self._local, "request", None)
        if req is None:
            req = self._local.request = self._compiled.create_infer_request()
        n = ids.shape[1]
        m = mask.astype(np.float32)
        hidden = req.infer({"embedded": self.word[ids] + self.pos[:n], "mask": m})[0]
        return (hidden * m[..., None]).sum(1) / m.sum(1, keepdims=True)


__all__ = ["PRECISION_HINT", "OpenVinoBert", "available", "mapped_tensors"]
