"""The build executor on Ray Data: each per-document step as a Ray Data ``map``, order kept.

``RayExecutor("ray")`` starts a local Ray cluster on first use (``num_cpus``: all of this
machine's); ``RayExecutor("ray://host:10001")`` joins a running one (KubeRay, see
docs/scale-out.md). The functions it maps are shipped by cloudpickle; items and results must
pickle. The build's map steps write their outputs into the build folder (``api.pipeline.shards``),
so every worker must see that folder (one machine's disk, or a volume shared by the pods).

Ray probes for an outside address to learn its own IP: on a machine that must not send traffic
beyond loopback, run the build inside a network namespace with only loopback up
(``unshare -rn sh -c 'ip link set lo up && policykg build --executor ray …'``).
"""
from __future__ import annotations

import pickle
from typing import Callable, Sequence, TypeVar

from api.pipeline.jobs import Done

T = TypeVar("T")
R = TypeVar("R")


class RayExecutor:
    """``Executor`` on Ray Data."""

    name = "ray"

    def __init__(self, spec: str = "ray", num_cpus: int | None = None):
        self.address = spec[len("ray://"):] and spec if spec.startswith("ray://") else None
        self.num_cpus = num_cpus
        self._ray = None

    def _init(self):
        if self._ray is None:
            import ray  # noqa: PLC0415 - optional heavy dependency: only a Ray build imports it

            if not ray.is_initialized():
                kwargs = {"address": self.address} if self.address else {"num_cpus": self.num_cpus}
                ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False, **kwargs)
            ctx = ray.data.DataContext.get_current()
            ctx.execution_options.preserve_order = True
            ctx.enable_progress_bars = False
            self._ray = ray
        return self._ray

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        ray = self._init()
        ds = ray.data.from_items([{"item": x} for x in items], override_num_blocks=min(len(items), 64))
        rows = ds.map(lambda row: {"out": fn(row["item"])}).take_all()
        return [r["out"] for r in rows]

    def map_batches(self, make_fn, items, batch_size: int) -> list:
        """An actor pool: each actor runs ``make_fn()`` once (loads the model; one GPU per actor
        when the cluster has GPUs), then maps batches of items in order.

        The batches are cut here, on the driver, exactly as the local executor cuts them (one Ray
        row per batch): an encoder's numerics depend on which texts share a batch (padding, kernel
        shapes), so the same batches give the same vectors as a local build, bit for bit."""
        if not items:
            return []
        ray = self._init()
        gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
        actors = max(1, int(ray.cluster_resources().get("GPU" if gpus else "CPU", 1)) // (1 if gpus else 2))

        class _Batch:
            def __init__(self):
                self.fn = make_fn()

            def __call__(self, batch: dict) -> dict:
                out = []
                for chunk in batch["chunk"]:
                    out.extend(self.fn(pickle.loads(chunk)))
                return {"out": out}

        chunks = [pickle.dumps(list(items[i:i + batch_size])) for i in range(0, len(items), batch_size)]
        ds = ray.data.from_items([{"chunk": c} for c in chunks], override_num_blocks=max(1, min(len(chunks), 64)))
        rows = ds.map_batches(_Batch, batch_size=1, batch_format="numpy", concurrency=actors,
                              num_gpus=gpus).take_all()
        return [r["out"] for r in rows]

    def submit_batches(self, make_fn, items, batch_size: int):
        """:meth:`map_batches` at once (the actor pool is where Ray overlaps work), as a done job."""
        return Done(self.map_batches(make_fn, items, batch_size))

    def shutdown(self) -> None:
        if self._ray is not None and self._ray.is_initialized():
            self._ray.shutdown()
        self._ray = None
