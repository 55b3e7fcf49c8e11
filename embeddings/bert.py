"""The BERT encoder of a sentence-transformers folder, in a few torch ops (no transformers import).

:class:`Bert` reads ``config.json`` and ``model.safetensors`` and computes the last hidden states
of token sequences, as ``transformers.BertModel`` does (absolute positions, token type 0, exact
GELU, post-layer-norm), with three differences that only change speed and rounding:

* the query, key and value projections are one matrix multiplication;
* in a low precision (bf16, fp16) only the matrix multiplications run in it: the word-embedding
  table and the residual stream (embeddings, additions, layer norms) stay float32, so vectors are
  closer to the float32 ones than a model cast as a whole, and loading casts 21M weights, not 118M;
* every batch is padded to a length bucket of its own (:func:`bucket`), which callers fill only
  with sequences of that bucket: a sequence's vector then does not depend on the other sequences
  of its batch (see ``tests/test_encoder.py``), so local, distributed and query encoding agree.

Loading takes well under a second where ``transformers`` + ``sentence-transformers`` took seconds
(``benchmarks/bench_build.py`` prints the index stage's parts).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

BUCKET = 8  # padded lengths are multiples of this (and at most the model's positions)
#: Inner dimension of one CPU matrix multiplication. oneDNN's bf16 kernels sum a longer inner
#: dimension in an order that depends on the number of rows (measured: K = 512..1536 differ for
#: 33..383 rows; K = 384 never), so the FFN's down projection is summed from 384-wide slices.
CPU_K = 384


def bucket(n: int, limit: int = 512) -> int:
    """The padded length of a sequence of ``n`` tokens: the next multiple of :data:`BUCKET`.

    >>> bucket(1), bucket(8), bucket(9), bucket(510, 512), bucket(512, 512)
    (8, 8, 16, 512, 512)
    """
    return min(limit, max(BUCKET, -(-n // BUCKET) * BUCKET))


@dataclass(frozen=True)
class BertConfig:
    """The shape of a BERT folder's model (its ``config.json``), shared by both engines."""

    dim: int
    heads: int
    layers: int
    max_positions: int
    eps: float

    @classmethod
    def read(cls, model_dir: Path) -> "BertConfig":
        """Read ``model_dir/config.json``; a model that is not BERT with absolute positions is refused."""
        cfg = json.loads((Path(model_dir) / "config.json").read_text())
        if cfg.get("model_type", "bert") != "bert" or cfg.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{model_dir}: not a BERT model with absolute positions")
        return cls(int(cfg["hidden_size"]), int(cfg["num_attention_heads"]), int(cfg["num_hidden_layers"]),
                   int(cfg["max_position_embeddings"]), float(cfg.get("layer_norm_eps", 1e-12)))


class Bert:
    """BERT's encoder from a folder's ``config.json`` + ``model.safetensors`` (inference only).

    ``dtype`` is the precision of the matrix multiplications; ``quant_inputs`` (optional) is
    applied to the input of every encoder-layer linear layer (see
    :func:`embeddings.encoder.fake_quant_q8_0`).
    """

    def __init__(self, model_dir: Path, dtype=None, device: str = "cpu", quant_inputs=None):
        import torch
        from safetensors.torch import load_file

        cfg = BertConfig.read(model_dir)
        self.dim, self.heads, self.max_positions, self.eps = cfg.dim, cfg.heads, cfg.max_positions, cfg.eps
        self.dtype = dtype or torch.float32
        self.device = device
        self.quant_inputs = quant_inputs
        self.k_slice = CPU_K if str(device).startswith("cpu") else 0
        sd = load_file(str(Path(model_dir) / "model.safetensors"), device="cpu")
        sd = {k.removeprefix("bert."): v for k, v in sd.items()}
        low = self.dtype

        def w(name: str, cast=True):
            t = sd[name].to(device=device, dtype=low if cast else torch.float32).contiguous()
            if t.dim() == 2 and self.k_slice and t.shape[1] > self.k_slice:  # see _linear
                return tuple(t[:, a : a + self.k_slice].contiguous() for a in range(0, t.shape[1], self.k_slice))
            return t

        e = "embeddings."
        self.word = w(e + "word_embeddings.weight", cast=False)
        # position rows plus token type 0, summed once (float32)
        self.pos = (sd[e + "position_embeddings.weight"] + sd[e + "token_type_embeddings.weight"][0]).to(device)
        self.emb_ln = (w(e + "LayerNorm.weight", False), w(e + "LayerNorm.bias", False))
        self.layers = []
        for i in range(cfg.layers):
            p = f"encoder.layer.{i}."
            a = p + "attention."
            scale = torch.tensor([1.0 / math.sqrt(self.dim // self.heads), 1.0, 1.0]).repeat_interleave(self.dim)
            # the attention scale folded into the query projection
            qkv_w = torch.cat([sd[a + f"self.{x}.weight"] for x in ("query", "key", "value")]) * scale[:, None]
            qkv_b = torch.cat([sd[a + f"self.{x}.bias"] for x in ("query", "key", "value")]) * scale
            self.layers.append({
                "qkv": (qkv_w.to(device=device, dtype=low).contiguous(), qkv_b.to(device=device, dtype=low)),
                "out": (w(a + "output.dense.weight"), w(a + "output.dense.bias")),
                "ln1": (w(a + "output.LayerNorm.weight", False), w(a + "output.LayerNorm.bias", False)),
                "up": (w(p + "intermediate.dense.weight"), w(p + "intermediate.dense.bias")),
                "down": (w(p + "output.dense.weight"), w(p + "output.dense.bias")),
                "ln2": (w(p + "output.LayerNorm.weight", False), w(p + "output.LayerNorm.bias", False)),
            })

    def _linear(self, x, wb):
        """``x @ w.T + b``; on CPU an inner dimension over :data:`CPU_K` is summed in float32 from
        fixed slices, so each row's result is the same in any batch."""
        import torch
        import torch.nn.functional as F

        if self.quant_inputs is not None:
            x = self.quant_inputs(x)
        w, b = wb
        if isinstance(w, torch.Tensor):
            return F.linear(x, w, b)
        step = w[0].shape[1]
        out = F.linear(x[..., :step], w[0], b).float()
        for i in range(1, len(w)):
            out += F.linear(x[..., i * step : (i + 1) * step], w[i]).float()
        return out

    def mean_states(self, ids, mask):
        """Mean of the last hidden states over ``mask`` (1 = token), one float32 numpy row per
        sequence of ``ids`` (numpy ``(batch, length)`` int64)."""
        import torch

        with torch.inference_mode():
            m = torch.from_numpy(mask).to(self.device)
            hid = self.hidden(torch.from_numpy(ids).to(self.device), m)
            mf = m.unsqueeze(-1).float()
            return ((hid * mf).sum(1) / mf.sum(1)).cpu().numpy()

    def hidden(self, ids, mask):
        """Last hidden states (float32, ``(batch, length, dim)``) of ``ids`` under ``mask`` (1 = token)."""
        import torch
        import torch.nn.functional as F

        b, n = ids.shape
        hd = self.dim // self.heads
        h = F.layer_norm(self.word[ids] + self.pos[:n], (self.dim,), *self.emb_ln, self.eps)
        # additive key mask, one row per sequence
        bias = torch.zeros((b, 1, 1, n), dtype=self.dtype, device=ids.device)
        bias.masked_fill_(mask[:, None, None, :] == 0, float("-inf"))
        for L in self.layers:
            x = h.to(self.dtype)
            qkv = self._linear(x, L["qkv"]).view(b, n, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (b, heads, n, hd)
            probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) + bias, dim=-1)
            ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, n, self.dim)
            h = F.layer_norm(h + self._linear(ctx, L["out"]).float(), (self.dim,), *L["ln1"], self.eps)
            up = F.gelu(self._linear(h.to(self.dtype), L["up"]))
            h = F.layer_norm(h + self._linear(up, L["down"]).float(), (self.dim,), *L["ln2"], self.eps)
        return h


__all__ = ["BUCKET", "CPU_K", "Bert", "BertConfig", "bucket"]
