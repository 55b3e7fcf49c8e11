"""Bounded read-only SPARQL: refusal of UPDATE/SERVICE, syntax errors, time limit, row cap, formats,
and every example query in kg/queries against the built seed graph."""
from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from graph_support import graph_store
from corpus.errors import BadRequest, Forbidden, QueryTimeout
from kg.sparql import SparqlService, prepare
from kg.store import open_store

QUERIES = Path(__file__).resolve().parent.parent / "kg" / "queries"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def env(corpus_docs, tmp_path_factory):
    docs, ext, path = graph_store(corpus_docs, tmp_path_factory, "sparql")
    svc = SparqlService(path, timeout=1.5, row_cap=5)
    yield {"docs": docs, "ext": ext, "path": path, "svc": svc, "store": open_store(path.parent)}
    svc.close()


@pytest.mark.parametrize("query", ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE WHERE { ?s ?p ?o }",
                                   "LOAD <http://example.org/data.ttl>", "DROP ALL",
                                   "PREFIX x: <urn:x#> CLEAR GRAPH <urn:g>"])
def test_update_is_forbidden(query):
    with pytest.raises(Forbidden):
        prepare(query)


def test_service_is_refused_but_the_word_in_strings_is_fine():
    with pytest.raises(BadRequest, match="SERVICE"):
        prepare("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert prepare('SELECT * WHERE { ?s ?p "SERVICE and INSERT" }').form == "SELECT"


def test_syntax_error_carries_the_parser_message():
    with pytest.raises(BadRequest, match=r"line:1, col:\d+"):
        prepare("SELECT ?s WHERE { ?s ?p }")


def test_predeclared_prefixes(env):
    res = env["svc"].query("SELECT ?d WHERE { ?d a pk:PolicyDocument ; pk:inCorpus true }", "json", row_cap=100)
    assert len(json.loads(res.body)["results"]["bindings"]) == len(env["docs"])


def test_time_limit_kills_the_worker_and_the_next_query_works(env):
    t0 = time.monotonic()
    with pytest.raises(QueryTimeout):
        env["svc"].query(SLOW)
    assert time.monotonic() - t0 < 5
    res = env["svc"].query("ASK { ?s a pk:PolicyDocument }", "json")
    assert json.loads(res.body)["boolean"] is True


def test_row_cap_sets_truncated(env):
    res = env["svc"].query("SELECT ?s WHERE { ?s a pk:Sentence }", "json")
    body = json.loads(res.body)
    assert res.truncated and res.rows == 5 and len(body["results"]["bindings"]) == 5
    small = env["svc"].query("SELECT ?s WHERE { ?s a pk:Sentence } LIMIT 3", "json")
    assert not small.truncated and small.rows == 3


def test_result_formats_parse(env):
    q = "SELECT ?d ?t WHERE { ?d a pk:PolicyDocument ; eli:title ?t ; pk:inCorpus true } ORDER BY ?d"
    svc = env["svc"]
    j = json.loads(svc.query(q, "json", row_cap=100).body)
    titles = sorted(b["t"]["value"] for b in j["results"]["bindings"])
    assert titles == sorted(d.title for d in env["docs"])
    rows = list(csv.reader(io.StringIO(svc.query(q, "csv", row_cap=100).body.decode())))
    assert rows[0] == ["d", "t"] and sorted(r[1] for r in rows[1:]) == titles
    tsv = svc.query(q, "tsv", row_cap=100).body.decode().splitlines()
    assert tsv[0] == "?d\t?t" and len(tsv) == len(titles) + 1
    parsed = ox.parse_query_results(svc.query(q, "xml", row_cap=100).body, format=ox.QueryResultsFormat.XML)
    assert sorted(s["t"].value for s in parsed) == titles
    parsed = ox.parse_query_results(svc.query(q, "tsv", row_cap=100).body, format=ox.QueryResultsFormat.TSV)
    assert sorted(s["t"].value for s in parsed) == titles


def test_construct_formats_parse(env):
    q = "CONSTRUCT { ?d eli:title ?t } WHERE { ?d a pk:PolicyDocument ; eli:title ?t ; pk:inCorpus true }"
    graphs = []
    for fmt, rdflib_fmt in (("turtle", "turtle"), ("jsonld", "json-ld"), ("ntriples", "nt")):
        res = env["svc"].query(q, fmt, row_cap=100)
        graphs.append(rdflib.Graph().parse(data=res.body, format=rdflib_fmt))
    assert len(graphs[0]) == len(env["docs"])
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])
    with pytest.raises(BadRequest):
        env["svc"].query(q, "csv")


def _run(env, name):
    res = env["store"].query((QUERIES / f"{name}.rq").read_text("utf-8"))
    return [{v.value: (r[v].value if r[v] is not None else None) for v in res.variables} for r in res]


def test_every_example_query_parses():
    for path in QUERIES.glob("*.rq"):
        assert prepare(path.read_text("utf-8")).form == "SELECT"


def test_query_targets_of_indicator(env):
    expected = [(t.doc_id, t.value_text) for e in env["ext"].values() for t in e.targets
                if t.indicator == "农业科技进步贡献率"]
    rows = _run(env, "targets_of_indicator")
    by_iri = {r["d"].value: r["id"].value for r in env["store"].query("SELECT ?d ?id WHERE { ?d pk:docId ?id }")}
    assert sorted((by_iri[r["doc"]], r["valueText"]) for r in rows) == sorted(expected)
    levels = {d.id: d.level for d in env["docs"]}
    assert all(r["level"] and r["place"] for r in rows)
    assert expected and all(levels[by_iri[r["doc"]]] for r in rows)


def test_query_cascade_chain_above_town(env):
    rows = _run(env, "cascade_chain_above_town")
    towns = {r["town"] for r in rows}
    assert towns and all(r["level"] for r in rows)
    # a township chain climbs to the central level through documents outside the corpus
    assert any(r["rank"] == "0" for r in rows)


def test_query_slogan_components(env):
    expected = {(s.doc_id, tuple(s.components)) for e in env["ext"].values() for s in e.slogans
                if s.name == "四千行动" and s.components}
    rows = _run(env, "slogan_components")
    by_iri = {r["d"].value: r["id"].value for r in env["store"].query("SELECT ?d ?id WHERE { ?d pk:docId ?id }")}
    got: dict[tuple, list[str]] = {}
    for r in rows:
        got.setdefault((by_iri[r["doc"]], r["slogan"]), []).append(r["component"])
    assert expected and {(d, tuple(c)) for (d, _s), c in got.items()} == expected


def test_query_documents_in_chongqing(env):
    from kg.gazetteer import Gazetteer

    rows = _run(env, "documents_in_chongqing")
    in_corpus = {r["title"] for r in rows if r["inCorpus"] == "true"}
    gaz = Gazetteer.load()
    cq = next(d.code for d in gaz.lookup("重庆市"))
    for d in env["docs"]:
        if d.place_code:
            assert (d.title in in_corpus) == (d.place_code == cq or gaz.contains(cq, d.place_code))
    assert in_corpus and not any("开江" in t for t in in_corpus)


def test_query_lead_units_003(env):
    doc = next(d for d in env["docs"] if d.source.startswith("003"))
    expected = {(r.provision_id, u) for r in env["ext"][doc.id].responsibilities for u in r.lead}
    rows = _run(env, "lead_units_003")
    base = next(iter(env["store"].query(f'SELECT ?d WHERE {{ ?d pk:docId "{doc.id}" }}')))["d"].value
    got = {(r["provision"][len(base) + 1:], r["lead"]) for r in rows}
    names = {e.id: e.name for e in env["ext"][doc.id].entities}
    ids = {(r.provision_id, names.get(i, u)) for r in env["ext"][doc.id].responsibilities
           for u, i in zip(r.units, r.unit_ids) if u in r.lead}
    assert expected and got == ids


def test_cli_sparql_and_export(built_data, tmp_path, capsys):
    from api.cli import main

    qfile = tmp_path / "q.rq"
    qfile.write_text("SELECT ?d WHERE { ?d a pk:PolicyDocument ; pk:inCorpus true }", "utf-8")
    assert main(["sparql", f"@{qfile}", "--format", "csv", "--data", str(built_data)]) == 0
    n_docs = len(open_store(built_data).document_ids())
    assert len(capsys.readouterr().out.strip().splitlines()) == n_docs + 1
    assert main(["sparql", "@" + str(tmp_path / "missing.rq"), "--data", str(built_data)]) == 1
    assert "no query file" in capsys.readouterr().err
    out = tmp_path / "g.nq"
    assert main(["export", "--format", "nquads", "-o", str(out), "--data", str(built_data)]) == 0
    back = ox.Store()
    back.load(out.read_bytes(), format=ox.RdfFormat.N_QUADS)
    assert set(back) == set(open_store(built_data).quads())


def test_example_queries_declare_their_prefixes():
    """Each example runs unchanged on any SPARQL store: no predeclared prefixes needed."""
    for path in QUERIES.glob("*.rq"):
        list(ox.Store().query(path.read_text("utf-8")))  # raises SyntaxError on an undeclared prefix


def _kind(term) -> str:
    if isinstance(term, ox.Literal):
        return "rdf:langString" if term.language else term.datatype.value
    return "node"


def test_one_range_per_property_and_labels_on_every_fact_node(env):
    """Every predicate's objects are of one kind (IRIs, or one datatype, or language-tagged text);
    targets, sentences and citations carry an rdfs:label."""
    store = env["store"]
    kinds: dict[str, set[str]] = {}
    for q in store.quads():
        kinds.setdefault(q.predicate.value, set()).add(_kind(q.object))
    mixed = {p: k for p, k in kinds.items() if len(k) > 1}
    assert not mixed
    for cls in ("Target", "Sentence", "Citation"):
        missing = list(store.query(f"SELECT ?x WHERE {{ ?x a pk:{cls} FILTER NOT EXISTS {{ ?x rdfs:label ?l }} }}"))
        total = list(store.query(f"SELECT ?x WHERE {{ ?x a pk:{cls} }}"))
        assert total and not missing, cls
