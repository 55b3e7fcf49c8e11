"""The build-executor contract (``api.pipeline.executor.Executor``): every implementation runs
this suite. A build's map steps must not depend on the order documents are processed in, so an
executor that runs them shuffled gives the same extraction and the same quads as the local one."""
from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from api.datadir import EXTRACTION, GRAPH, current_build
from api.pipeline.build import build
from api.pipeline.executor import Executor, LocalExecutor
from api.pipeline.jobs import Done, ProcessJob
from api.pipeline.shards import SHARDS, graph_shard_path
from api.pipeline.stages import extraction_stage, graph_stage
from corpus import BUNDLED_DIR
from kg.extract import extract_document, name_indicators, prepare_corpus
from kg.iris import contribution_graph, document_graph
from kg.store import build_store, read_nquads


class ShuffledExecutor:
    """Runs items in a random order (as workers of a cluster finish), returns them in order."""

    name = "shuffled"

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def map(self, fn, items):
        order = list(range(len(items)))
        self.rng.shuffle(order)
        out = {i: fn(items[i]) for i in order}
        return [out[i] for i in range(len(items))]

    def map_batches(self, make_fn, items, batch_size):
        starts = list(range(0, len(items), batch_size))
        self.rng.shuffle(starts)
        fn = make_fn()
        out = {a: list(fn(list(items[a:a + batch_size]))) for a in starts}
        return [r for a in sorted(out) for r in out[a]]

    def submit_batches(self, make_fn, items, batch_size):
        return Done(self.map_batches(make_fn, items, batch_size))


EXECUTORS = {"local": LocalExecutor, "shuffled": lambda: ShuffledExecutor(7)}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    out = {}
    for name, make in EXECUTORS.items():
        data = tmp_path_factory.mktemp(name) / "data"
        ex = make()
        assert isinstance(ex, Executor)
        report = build(BUNDLED_DIR, data, progress=False, stages=[extraction_stage, graph_stage], executor=ex)
        assert report.exit_code == 0
        out[name] = current_build(data)
    return out


def _square_batch(batch: list[int]) -> list[int]:
    return [x * x for x in batch]


def _squares():
    return _square_batch


def test_map_keeps_the_order_of_items():
    for make in EXECUTORS.values():
        assert make().map(lambda x: x * x, list(range(50))) == [x * x for x in range(50)]
        squares = lambda: (lambda batch: [x * x for x in batch])  # noqa: E731
        assert make().map_batches(squares, list(range(50)), 7) == [x * x for x in range(50)]
        # started now, collected later (locally: in a worker process, so the work must pickle)
        job = make().submit_batches(_squares, list(range(50)), 7)
        assert job.result() == [x * x for x in range(50)]


def test_a_worker_process_reports_failure_and_can_be_stopped():
    import math
    import time

    with pytest.raises(ValueError, match="math domain error"):
        ProcessJob(math.sqrt, -1.0).result()  # the worker's exception, raised here
    job = ProcessJob(time.sleep, 60)
    t = time.perf_counter()
    job.cancel()
    assert time.perf_counter() - t < 10 and job._proc.returncode is not None


def test_extraction_is_the_same_whatever_the_executor(builds):
    files = {name: {p.name: p.read_text("utf-8") for p in (data / EXTRACTION).glob("*.json")}
             for name, data in builds.items()}
    assert files["local"] and files["shuffled"] == files["local"]


def test_quads_are_the_same_whatever_the_executor(builds):
    quads = {}
    for name, data in builds.items():
        store = ox.Store.read_only(str(data / GRAPH))
        quads[name] = set(store)
        del store
    assert len(quads["local"]) > 5000 and quads["shuffled"] == quads["local"]


def test_a_build_writes_one_shard_per_document_and_loads_the_graph_from_them(builds, corpus_docs):
    """The map steps write each document's outputs into the build folder (extraction record,
    N-Quads of its graph); the store loaded from the shards equals the one loaded from the
    records in memory (``kg.store.build_store``, the path before shards), renamed indicators
    included."""
    docs = [d.model_copy(deep=True) for d in corpus_docs]
    ectx, _ = prepare_corpus(docs)
    raw = {d.id: extract_document(d, ectx) for d in docs}
    extraction = name_indicators({k: v.model_copy(deep=True) for k, v in raw.items()})
    assert any(raw[k] != extraction[k] for k in raw)  # the corpus-wide naming rewrites some shards
    for name, data in builds.items():
        shards = sorted(p.name.removesuffix(".nq.gz") for p in (data / SHARDS).iterdir())
        assert shards == sorted(d.id for d in docs), name
        assert sorted(p.stem for p in (data / EXTRACTION).glob("*.json")) == shards
        for doc_id in shards:  # each shard holds its own document's graphs only
            graphs = {q.graph_name.value for q in read_nquads(graph_shard_path(data, doc_id))}
            assert graphs == {document_graph(doc_id), contribution_graph(doc_id)}
        for doc_id, ex in extraction.items():
            assert (data / EXTRACTION / f"{doc_id}.json").read_text("utf-8") == ex.model_dump_json(), name
    before = build_store(None, docs, extraction)
    built = ox.Store.read_only(str(builds["local"] / GRAPH))
    assert set(built.named_graphs()) == set(before._store.named_graphs())
    assert len(built) > 20000 and set(built) == set(before._store)
    del built
