"""The graph-store contract (``kg.store.GraphStore``): every implementation runs this suite.

Incremental updates equal a full rebuild; derived graphs follow their evidence; export
round-trips; on-disk persistence. Implementations: the embedded pyoxigraph store in memory and
on disk (a remote SPARQL store joins the ``store_kind`` parameters when it is configured).
"""
from __future__ import annotations

import gc
import shutil

import pyoxigraph as ox
import pytest
import rdflib

from graph_support import graph_inputs
from kg import iris
from kg.graph import document_iri_of, document_quads
from api.pipeline.context import BuildContext
from api.pipeline.stages import graph_stage
from kg.remote_store import SparqlGraphStore
from kg.prefixes import PREFIXES
from kg.sparql import EXAMPLE_QUERIES_DIR, HIDDEN_GRAPH_PREFIXES
from kg.sparql_worker import Request, dataset, execute, holds_hidden_graphs
from kg.store import CONTRIBUTIONS, GraphStore, Store, build_store, open_store, read_nquads, write_nquads

STORE_KINDS = ["memory", "disk", "oxigraph_server", "virtuoso"]
EXAMPLE_QUERIES = {p.stem: p.read_text(encoding="utf-8") for p in EXAMPLE_QUERIES_DIR.glob("*.rq")}


@pytest.fixture(scope="module")
def env(corpus_docs):
    docs, ext = graph_inputs(corpus_docs)
    doc_iris = {d.id: document_iri_of(d) for d in docs}
    quads = {d.id: document_quads(d, ext.get(d.id), doc_iris) for d in docs}
    return {"docs": docs, "ext": ext, "quads": quads}


@pytest.fixture(params=STORE_KINDS)
def make(request, tmp_path_factory):
    """A factory of empty stores of one implementation (a server's store is emptied each time)."""
    def factory() -> GraphStore:
        if request.param == "memory":
            return Store()
        if request.param == "disk":
            return Store(tmp_path_factory.mktemp("store") / "graph")
        spec = request.getfixturevalue("sparql_servers")[request.param]
        store = SparqlGraphStore(spec, tmp_path_factory.mktemp("shards"))
        store.clear()
        return store
    return factory


def full(make, env, ids=None) -> GraphStore:
    s = make()
    assert isinstance(s, GraphStore)
    s.load_documents((i, q) for i, q in env["quads"].items() if ids is None or i in ids)
    return s


def visible(store: GraphStore) -> set:
    return set(store.quads())


quadset = visible


def test_remove_and_add_back_equals_full_build(make, env):
    """Against the in-memory embedded store as the reference."""
    reference = quadset(full(Store, env))
    for doc_id in env["quads"]:
        without = quadset(full(Store, env, set(env["quads"]) - {doc_id}))
        s = full(make, env)
        assert quadset(s) == reference
        s.remove_document(doc_id)
        assert quadset(s) == without
        s.load_document(doc_id, env["quads"][doc_id])
        assert quadset(s) == reference


def test_loading_nquads_shards_equals_loading_quads(make, env, tmp_path):
    """A build loads the store from each document's N-Quads shard (gzip or plain), streaming;
    loading a shard again replaces that document (a changed one, here: half its quads)."""
    paths = {}
    for n, (doc_id, quads) in enumerate(env["quads"].items()):
        paths[doc_id] = tmp_path / (f"{doc_id}.nq.gz" if n % 2 else f"{doc_id}.nq")
        write_nquads(quads, paths[doc_id])
        assert set(read_nquads(paths[doc_id])) == set(quads)
    s = make()
    s.load_document_files(paths.items())
    assert quadset(s) == quadset(full(Store, env))
    doc_id = sorted(env["quads"])[0]
    half = env["quads"][doc_id][: len(env["quads"][doc_id]) // 2]
    write_nquads(half, paths[doc_id])
    s.load_document_files([(doc_id, paths[doc_id])])
    reference = full(Store, env)
    reference.load_document(doc_id, half)
    assert quadset(s) == quadset(reference)


def test_replace_touches_only_its_graph_and_shared_graphs(make, env):
    s = full(make, env)
    doc_id = sorted(env["quads"])[0]
    before = {g: set(s.quads(iris.document_graph(g))) for g in env["quads"] if g != doc_id}
    s.load_document(doc_id, env["quads"][doc_id][: len(env["quads"][doc_id]) // 2])
    after = {g: set(s.quads(iris.document_graph(g))) for g in env["quads"] if g != doc_id}
    assert before == after
    s.load_document(doc_id, env["quads"][doc_id])
    assert quadset(s) == quadset(full(Store, env))


def test_inferred_links_disappear_with_their_evidence(make, env):
    s = full(make, env)
    inferred = list(s.quads(iris.INFERRED_GRAPH))
    assert inferred
    for doc_id in env["quads"]:
        s.remove_document(doc_id)
    assert list(s.quads(iris.INFERRED_GRAPH)) == [] and list(s.quads(iris.PLACES_GRAPH)) == []


@pytest.mark.parametrize("fmt", ["nquads", "trig", "jsonld"])
def test_dataset_export_round_trips(make, env, fmt):
    s = full(make, env)
    data = s.export(fmt)
    back = ox.Store()
    back.load(data, format={"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
                            "jsonld": ox.RdfFormat.JSON_LD}[fmt])
    assert set(back) == visible(s)


def test_turtle_export_is_isomorphic_to_the_union_graph(make, env):
    s = full(make, env)
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
    ctx = BuildContext(docs=env["docs"], rejected=[], staging_dir=tmp_path, previous_dir=None,
                       results={"extraction": env["ext"]})
    graph_stage(ctx)
    assert ctx.results["graph_stage"]["documents"] == len(env["docs"])
    assert open_store(tmp_path).count() == ctx.results["graph_stage"]["quads"] == len(visible(full(Store, env)))


def test_replace_graph_replaces_the_whole_named_graph(make, env):
    s = full(make, env)
    name = f"{iris.GRAPH_BASE}/analysis/contract/test"
    some = list(env["quads"].values())[0][:5]
    s.replace_graph(name, some)
    assert {(q.subject, q.predicate, q.object) for q in s.quads(name)} == {(q.subject, q.predicate, q.object) for q in some}
    s.replace_graph(name, some[:2])
    assert len(list(s.quads(name))) == len({(q.subject, q.predicate, q.object) for q in some[:2]})
    s.replace_graph(name, [])
    assert list(s.quads(name)) == []


def test_query_sees_every_document_and_count_matches_the_quads(make, env):
    s = full(make, env)
    assert s.document_ids() == sorted(env["quads"])
    rows = list(s.query("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a pk:PolicyDocument ; pk:inCorpus true }"))
    assert int(rows[0]["n"].value) == len(env["docs"])
    assert s.count() == len(visible(s)) > 0


def _legacy_copy(env, path):
    """A store as policykg wrote it before contributions moved out: each document's contribution
    a hidden named graph inside the store, no contributions folder."""
    s = build_store(path, env["docs"], env["ext"])
    for doc_id, quads in env["quads"].items():
        s._store.extend(q for q in quads if q.graph_name.value == iris.contribution_graph(doc_id))
    s.flush()
    del s
    gc.collect()
    shutil.rmtree(path / CONTRIBUTIONS)
    return path


def test_the_folder_is_a_plain_dataset_whose_union_counts_each_triple_once(env, tmp_path):
    """The on-disk store holds only visible graphs: any tool that opens the folder with a union
    default graph (pyoxigraph, ``oxigraph serve --union-default-graph``) sees each shared fact once."""
    s = build_store(tmp_path / "graph", env["docs"], env["ext"])
    n, union = s.count(), {(q.subject, q.predicate, q.object) for q in s.quads()}
    del s
    gc.collect()
    raw = ox.Store.read_only(str(tmp_path / "graph"))
    assert not [g for g in raw.named_graphs() if g.value.startswith(iris.CONTRIB_BASE)]
    rows = list(raw.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", use_default_graph_as_union=True))
    assert int(rows[0]["n"].value) == n == len(union)
    assert sorted(p.name for p in (tmp_path / "graph" / CONTRIBUTIONS).glob("*.nt")) == sorted(f"{i}.nt" for i in env["quads"])


@pytest.mark.parametrize("query", sorted(EXAMPLE_QUERIES))
def test_a_store_written_before_contributions_moved_out_answers_the_same(env, tmp_path, query):
    """Every example query gives the same rows on an older store (hidden graphs inside) as on a
    new one, through ``Store.query`` and through the public endpoint's worker."""
    new = build_store(tmp_path / "new", env["docs"], env["ext"])
    old = Store(_legacy_copy(env, tmp_path / "old"), read_only=True)
    text = EXAMPLE_QUERIES[query]

    def rows(result):
        return sorted(tuple(str(sol[v]) for v in result.variables) for sol in result)

    assert rows(old.query(text)) == rows(new.query(text))
    assert set(old.document_quads(sorted(env["quads"])[0])) == set(new.document_quads(sorted(env["quads"])[0]))
    assert old.count() == new.count()
    req = Request(text, "SELECT", "csv", 100_000, prefixes=tuple(PREFIXES.items()),
                  hidden_prefixes=HIDDEN_GRAPH_PREFIXES)
    assert dataset(new._store, req) is None  # the store's own union
    assert dataset(old._store, req) is not None  # the visible graphs, named
    assert holds_hidden_graphs(old._store, HIDDEN_GRAPH_PREFIXES) and not holds_hidden_graphs(new._store, HIDDEN_GRAPH_PREFIXES)
    assert sorted(execute(old._store, req).body.splitlines()) == sorted(execute(new._store, req).body.splitlines())


def test_writing_to_an_older_store_moves_its_contributions_out(env, tmp_path):
    path = _legacy_copy(env, tmp_path / "old")
    s = Store(path)
    doc_id = sorted(env["quads"])[0]
    s.remove_document(doc_id)
    s.load_document(doc_id, env["quads"][doc_id])
    assert not [g for g in s._store.named_graphs() if g.value.startswith(iris.CONTRIB_BASE)]
    assert quadset(s) == quadset(full(Store, env))
    assert set(s.document_quads(doc_id)) == set(full(Store, env).document_quads(doc_id))


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "put"])
def test_oxigraph_server_load_sends_one_bulk_batch_or_one_put_per_document(env, sparql_servers, tmp_path, bulk):
    """With ``bulk=URL`` the documents travel as one N-Quads POST (below 16 MB); without it, one
    Graph Store PUT each. Both give the embedded store's dataset."""
    spec = sparql_servers["oxigraph_server"]
    if not bulk:
        spec = ";".join(p for p in spec.split(";") if not p.startswith("bulk="))
    store = SparqlGraphStore(spec, tmp_path / "shards")
    store.clear()
    sent: list[tuple[str, str]] = []
    store._http.event_hooks["request"].append(lambda r: sent.append((r.method, str(r.url))))
    store.load_documents(env["quads"].items())
    loads = [(m, u) for m, u in sent if "no_transaction" in u or (m == "PUT" and "graph/doc/" in u.replace("%2F", "/"))]
    assert len(loads) == (1 if bulk else len(env["quads"]))
    assert all(m == ("POST" if bulk else "PUT") for m, _ in loads)
    assert quadset(store) == quadset(full(Store, env))


def test_loading_another_stores_dumps_equals_loading_quads(make, env, tmp_path):
    """``policykg publish`` moves documents as pyoxigraph-serialised dumps (an on-disk source here,
    whose contributions live in files)."""
    source = build_store(tmp_path / "graph", env["docs"], env["ext"])
    s = make()
    s.load_document_dumps(source.dump_document(i) for i in source.document_ids())
    assert quadset(s) == quadset(source)
    for doc_id in source.document_ids():
        assert set(source.dump_document(doc_id).quads()) == set(source.document_quads(doc_id))
