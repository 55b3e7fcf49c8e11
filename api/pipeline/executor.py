"""The build-executor seam: how a build runs its per-document work.

A build is map steps per document (extract, quads, encode) and explicit reduce steps over the
whole corpus (``kg.extract.prepare_corpus`` before extraction, ``kg.extract.name_indicators``
after it), none of which depends on document order. The map steps write each document's outputs
as shard files in the build folder and return only small summaries (``api.pipeline.shards``), so
the driver's memory does not hold the corpus's records or quads. ``LocalExecutor`` maps in this
process; a distributed executor implements ``Executor`` and the stages stay the same.
``tests/test_build_executor.py`` is the contract suite.

>>> LocalExecutor().map(len, ["一二", "三"])
[2, 1]
"""
from __future__ import annotations

from typing import Callable, Protocol, Sequence, TypeVar, runtime_checkable

from api.pipeline.jobs import Job, ProcessJob
from api.pipeline.ray_executor import RayExecutor

T = TypeVar("T")
R = TypeVar("R")


@runtime_checkable
class Executor(Protocol):
    """Runs ``fn`` on every item; results come back in the items' order. ``fn`` must not rely on
    state shared between items (a distributed executor runs them apart)."""

    name: str

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def map_batches(self, make_fn: Callable[[], Callable[[list[T]], Sequence[R]]], items: Sequence[T],
                    batch_size: int) -> list[R]:
        """Stateful batch work (encoding): ``make_fn()`` builds the worker's function once (it loads
        a model), which then maps each batch of items to as many results."""
        ...

    def submit_batches(self, make_fn: Callable[[], Callable[[list[T]], Sequence[R]]], items: Sequence[T],
                       batch_size: int) -> Job:
        """:meth:`map_batches` started now, its results collected later (``job.result()``), so that
        the build's next stages run meanwhile; an executor that cannot overlap runs it at once."""
        ...


def _map_batches(make_fn, items: list, batch_size: int) -> list:
    if not items:
        return []
    fn = make_fn()
    return [r for i in range(0, len(items), batch_size) for r in fn(list(items[i:i + batch_size]))]


class LocalExecutor:
    """The embedded default: every item in this process, one after the other; batch work started
    early (:meth:`submit_batches`) runs in one worker process beside the build."""

    name = "local"

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(x) for x in items]

    def map_batches(self, make_fn, items, batch_size):
        return _map_batches(make_fn, list(items), batch_size)

    def submit_batches(self, make_fn, items, batch_size) -> Job:
        """:meth:`map_batches` started now in a worker process: the stages after it run beside it
        (on a 2-CPU machine the encoder no longer waits for extraction, graph and analysis)."""
        return ProcessJob(_map_batches, make_fn, list(items), batch_size)


def executor_for(spec: str) -> Executor:
    """The executor a configuration names: ``local``, ``ray`` or ``ray://host:port``."""
    if spec == "local":
        return LocalExecutor()
    return RayExecutor(spec)
