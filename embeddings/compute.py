"""How an encoder uses the machine: device, precision, worker threads, batch size.

Measured on a 2-core Xeon with AMX (``benchmarks/bench_build.py``, ``bench_encoder.py``):

* torch's intra-op pool (2 threads) collapses when one other process keeps a core busy (its
  threads meet at a barrier after every op, and one of them waits for the busy core): 85 → 9
  sentences/s. One intra-op thread per worker and one worker per available CPU never waits for
  another thread, so a contended build degrades by the share of the CPU it lost, not 10×.
* bfloat16 weights and activations run on AMX/AVX512-BF16 (oneDNN) ~2.5× faster than float32,
  with vectors within cosine 0.9999 of the float32 ones (mean pooling and normalisation stay
  float32). Used only where the CPU has the instructions; elsewhere float32.
* On CPU the engine is OpenVINO's runtime where it is installed (:mod:`embeddings.openvino_bert`:
  ~1.5× the sentences per CPU-second of torch's bf16 path, closer to float32), else torch.
* On CUDA: torch, float16 and large length-sorted batches.

Overrides: ``$POLICYKG_ENCODE_PRECISION`` (``auto`` | ``fp32`` | ``bf16`` | ``fp16``),
``$POLICYKG_ENCODE_WORKERS`` (an integer) and ``$POLICYKG_ENCODE_ENGINE`` (``auto`` | ``openvino``
| ``torch``).
"""
from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from embeddings.openvino_bert import available as openvino_available

PRECISION_ENV = "POLICYKG_ENCODE_PRECISION"
WORKERS_ENV = "POLICYKG_ENCODE_WORKERS"
ENGINE_ENV = "POLICYKG_ENCODE_ENGINE"
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
ENGINES = ("auto", "openvino", "torch")
CPU_BATCH, GPU_BATCH = 16, 512
CPU_TOKENS, GPU_TOKENS = 2048, 65536  # padded tokens per batch: long texts get smaller batches


@dataclass(frozen=True)
class ComputePlan:
    """Where and how to run the model."""

    device: str
    precision: str  # fp32 | bf16 | fp16
    engine: str  # openvino | torch
    workers: int  # batches encoded at once (CPU: threads with one intra-op thread each)
    batch_size: int  # texts per batch at most
    max_tokens: int  # padded tokens per batch at most

    @property
    def torch_dtype(self):
        import torch

        return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[self.precision]


def cgroup_cpu_limit(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """The CPU quota of this cgroup in CPUs (v2 ``cpu.max`` or v1 ``cfs_quota/period``), else None.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); _ = (d / "cpu.max").write_text("150000 100000\\n")
    >>> cgroup_cpu_limit(d)
    1.5
    >>> _ = (d / "cpu.max").write_text("max 100000\\n"); cgroup_cpu_limit(d) is None
    True
    """
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def available_cpus() -> int:
    """CPUs this process may use: its affinity mask, capped by the cgroup quota (at least 1)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = cgroup_cpu_limit()
    if quota is not None:
        n = min(n, max(1, math.floor(quota)))
    return max(1, n)


def cpu_has_bf16() -> bool:
    """Whether the CPU runs bfloat16 matmuls natively (AMX or AVX512-BF16): oneDNN's answer when
    torch is already loaded, else the CPU's flags (torch is not imported to find out)."""
    if "torch" in sys.modules:
        try:
            import torch

            check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
            if check is not None:
                return bool(check())
        except (ImportError, RuntimeError, AttributeError):
            pass
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


def nvidia_gpu_present() -> bool:
    """Whether an NVIDIA driver shows a GPU (checked without importing torch)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    return (gpus.is_dir() and any(gpus.iterdir())) or Path("/dev/nvidia0").exists()


def plan_for(device: str, precision: str | None = None, workers: int | None = None,
             engine: str | None = None) -> ComputePlan:
    """The plan for ``device``; ``precision``/``workers``/``engine`` default to the environment,
    then auto (CPU: OpenVINO where installed, else torch; CUDA: torch).

    >>> p = plan_for("cuda", precision="auto"); (p.precision, p.workers, p.batch_size, p.engine)
    ('fp16', 1, 512, 'torch')
    >>> plan_for("cpu", precision="fp32", engine="torch").engine
    'torch'
    >>> plan_for("cpu", engine="tensorrt")
    Traceback (most recent call last):
    ...
    ValueError: unknown encoding engine 'tensorrt'; known: auto, openvino, torch
    >>> plan_for("cpu", precision="fp32", workers=3).workers
    3
    >>> plan_for("cpu", precision="int4")
    Traceback (most recent call last):
    ...
    ValueError: unknown precision 'int4'; known: auto, fp32, bf16, fp16
    """
    precision = precision or os.environ.get(PRECISION_ENV) or "auto"
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; known: {', '.join(PRECISIONS)}")
    engine = engine or os.environ.get(ENGINE_ENV) or "auto"
    if engine not in ENGINES:
        raise ValueError(f"unknown encoding engine {engine!r}; known: {', '.join(ENGINES)}")
    if device.startswith("cuda"):
        if engine == "openvino":
            raise ValueError("the OpenVINO engine runs on CPU; on CUDA the engine is torch")
        return ComputePlan(device, "fp16" if precision == "auto" else precision, "torch", 1, GPU_BATCH, GPU_TOKENS)
    if engine == "auto":
        engine = "openvino" if openvino_available() else "torch"
    if precision == "auto":
        precision = "bf16" if cpu_has_bf16() else "fp32"
    if precision == "fp16":
        raise ValueError("fp16 is a GPU precision; on CPU use fp32 or bf16")
    env_workers = os.environ.get(WORKERS_ENV)
    n = workers or (int(env_workers) if env_workers else available_cpus())
    return ComputePlan(device, precision, engine, max(1, n), CPU_BATCH, CPU_TOKENS)


__all__ = [
    "ENGINE_ENV",
    "PRECISION_ENV",
    "WORKERS_ENV",
    "ComputePlan",
    "available_cpus",
    "cgroup_cpu_limit",
    "cpu_has_bf16",
    "nvidia_gpu_present",
    "openvino_available",
    "plan_for",
]
