"""The store: incremental updates equal a full rebuild; export round-trips; on-disk persistence."""
from __future__ import annotations

import gc

import pyoxigraph as ox
import pytest
import rdflib

from graph_support import graph_inputs
from kg import iris
from kg.graph import document_iri_of, document_quads
from api.pipeline.stages import graph_stage
from kg.store import Store, build_store, open_store


@pytest.fixture(scope="module")
def env(corpus_docs):
    docs, ext = graph_inputs(corpus_docs)
    doc_iris = {d.id: document_iri_of(d) for d in docs}
    quads = {d.id: document_quads(d, ext.get(d.id), doc_iris) for d in docs}
    return {"docs": docs, "ext": ext, "quads": quads}


def full(env, ids=None) -> Store:
    s = Store()
    s.load_documents((i, q) for i, q in env["quads"].items() if ids is None or i in ids)
    return s


def quadset(store: Store) -> set:
    return set(store.raw)  # hidden contribution graphs included


def visible(store: Store) -> set:
    return set(store.quads())


def test_remove_and_add_back_equals_full_build(env):
    reference = quadset(full(env))
    for doc_id in env["quads"]:
        s = full(env)
        s.remove_document(doc_id)
        assert quadset(s) == quadset(full(env, set(env["quads"]) - {doc_id}))
        s.load_document(doc_id, env["quads"][doc_id])
        assert quadset(s) == reference


def test_replace_touches_only_its_graph_and_shared_graphs(env):
    s = full(env)
    doc_id = sorted(env["quads"])[0]
    before = {g: set(s.quads(iris.document_graph(g))) for g in env["quads"] if g != doc_id}
    s.load_document(doc_id, env["quads"][doc_id][: len(env["quads"][doc_id]) // 2])
    after = {g: set(s.quads(iris.document_graph(g))) for g in env["quads"] if g != doc_id}
    assert before == after
    s.load_document(doc_id, env["quads"][doc_id])
    assert quadset(s) == quadset(full(env))


def test_inferred_links_disappear_with_their_evidence(env):
    s = full(env)
    inferred = list(s.quads(iris.INFERRED_GRAPH))
    assert inferred
    for doc_id in env["quads"]:
        s.remove_document(doc_id)
    assert list(s.quads(iris.INFERRED_GRAPH)) == [] and list(s.quads(iris.PLACES_GRAPH)) == []


@pytest.mark.parametrize("fmt", ["nquads", "trig", "jsonld"])
def test_dataset_export_round_trips(env, fmt):
    s = full(env)
    data = s.export(fmt)
    back = ox.Store()
    back.load(data, format={"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
                            "jsonld": ox.RdfFormat.JSON_LD}[fmt])
    assert set(back) == visible(s)


def test_turtle_export_is_isomorphic_to_the_union_graph(env):
    s = full(env)
    exported = rdflib.Graph().parse(data=s.export("turtle"), format="turtle")
    union = {(q.subject, q.predicate, q.object) for q in s.quads()}
    back = ox.Store()
    back.load(s.export("turtle"), format=ox.RdfFormat.TURTLE)
    assert {(q.subject, q.predicate, q.object) for q in back} == union
    # no blank nodes, so rdflib's isomorphism is set equality of the triples
    assert not any(isinstance(x, rdflib.BNode) for t in exported for x in t)
    assert len(exported) == len(union)


def test_on_disk_store_persists_and_reopens_read_only(env, tmp_path):
    s = build_store(tmp_path / "graph", env["docs"], env["ext"])
    n = s.count()
    del s
    gc.collect()
    ro = open_store(tmp_path)
    assert ro.count() == n
    assert ro.document_ids() == sorted(env["quads"])


def test_graph_stage_writes_into_staging_dir(env, tmp_path):
    class Ctx:
        docs = env["docs"]
        rejected: list = []
        staging_dir = tmp_path
        results = {"extraction": env["ext"]}

    graph_stage(Ctx)
    assert Ctx.results["graph_stage"]["documents"] == len(env["docs"])
    assert open_store(tmp_path).count() == Ctx.results["graph_stage"]["quads"] == len(visible(full(env)))
