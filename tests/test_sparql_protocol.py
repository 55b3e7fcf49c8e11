"""The SPARQL 1.1 Protocol as real clients and the W3C tests see it, and the endpoint's walls:
no way out to the network, no crash from any query, results of any size, a pool of workers."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web.sparql_http import TRUNCATED_HEADER, EndpointConfig, router
from graph_support import graph_store
from corpus.errors import BadRequest, Busy, PolicyKGError, QueryTimeout
from kg.sparql import Prepared, SparqlService, network_namespace_available

W3C = Path(__file__).resolve().parents[2] / "shared" / "w3c" / "sparql11-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def w3c_store(tmp_path_factory) -> Path:
    """The protocol tests' data: data{1,2,3}.nt each in the named graph its manifest label gives."""
    path = tmp_path_factory.mktemp("w3c") / "graph"
    store = ox.Store(str(path))
    for i in (1, 2, 3):
        store.load(path=str(W3C / f"data{i}.nt"), format=ox.RdfFormat.N_TRIPLES,
                   to_graph=ox.NamedNode(f"http://kasei.us/2009/09/sparql/data/data{i}.rdf"))
    store.flush()
    del store
    return path


@pytest.fixture(scope="module")
def w3c_client(w3c_store):
    svc = SparqlService(w3c_store, timeout=5)
    app = FastAPI()
    app.include_router(router(lambda: svc, config=EndpointConfig("https://example.org/policykg/sparql")))
    with TestClient(app) as c:
        yield c
    svc.close()


@pytest.fixture(scope="module")
def seeds(corpus_docs, tmp_path_factory):
    """The bundled corpus' graph behind a service with a large row cap and 2 workers."""
    docs, _, path = graph_store(corpus_docs, tmp_path_factory, "protocol")
    svc = SparqlService(path, timeout=4, row_cap=1_000_000, workers=2)
    yield {"path": path, "svc": svc, "docs": docs}
    svc.close()


@pytest.fixture(scope="module")
def client(seeds):
    app = FastAPI()
    app.include_router(router(lambda: seeds["svc"]))
    with TestClient(app) as c:
        yield c


@pytest.fixture
def listener():
    """A loopback TCP listener that records every connection it receives."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(0.2)
    hits: list[int] = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except (socket.timeout, OSError):
                continue
            hits.append(1)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n\r\n"
                         b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal","value":"SECRET"}}]}}')
            conn.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1], hits
    stop.set()
    t.join()
    srv.close()


@pytest.fixture(scope="module")
def live_server(seeds):
    """The protocol router on a real loopback port (uvicorn in a thread), for real HTTP clients."""
    app = FastAPI()
    app.include_router(router(lambda: seeds["svc"]))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/sparql"
    server.should_exit = True
    t.join(10)


# --------------------------------------------------------------------------- W3C protocol tests

def _manifest_tests() -> list[tuple[str, rdflib.Graph, rdflib.term.Node]]:
    g = rdflib.Graph().parse(W3C / "manifest.ttl", format="turtle")
    entries = g.value(next(g.subjects(rdflib.RDF.type, MF.Manifest)), MF.entries)
    return [(str(t).rsplit("#", 1)[-1], g, t) for t in rdflib.collection.Collection(g, entries)]


def _requests(g: rdflib.Graph, test) -> list[dict]:
    out = []
    for req in rdflib.collection.Collection(g, g.value(g.value(test, MF.action), HT.requests)):
        body = g.value(req, HT.body)
        headers = {}
        if g.value(req, HT.headers) is not None:
            for h in rdflib.collection.Collection(g, g.value(req, HT.headers)):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
        resp = g.value(req, HT.resp)
        out.append({
            "method": str(g.value(req, HT.methodName)),
            "path": str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
            "body": None if body is None else str(g.value(body, CNT.chars)).encode(
                str(g.value(body, CNT.characterEncoding) or "UTF-8").lower()),
            "headers": headers,
            "status": {str(s).rsplit("StatusCode", 1)[-1] for s in g.objects(resp, MF.expectedStatus)},
            "boolean": g.value(resp, MF.expectedBoolean),
            "format": g.value(resp, MF.expectedFormat),
        })
    return out


TESTS = _manifest_tests()


def test_the_manifest_has_the_protocol_tests():
    names = [n for n, _, _ in TESTS]
    assert len(names) == 34 and sum(n.startswith("query_") for n in names) == 13
    assert sum(n.startswith("update_") for n in names) == 7


@pytest.mark.parametrize("name,g,test", TESTS, ids=[n for n, _, _ in TESTS])
def test_w3c_protocol(w3c_client, name, g, test):
    """Query-side tests pass as written; update tests must be refused (a read-only endpoint)."""
    for i, r in enumerate(_requests(g, test)):
        resp = w3c_client.request(r["method"], r["path"], content=r["body"], headers=r["headers"])
        if name.startswith("update_"):
            if i == 0:  # the update itself: refused; nothing after it can have changed
                assert resp.status_code == 403, resp.text
                assert resp.json()["error"]["code"] == "forbidden"
                return
        klass = f"{resp.status_code // 100}xx"
        assert klass in r["status"], (name, resp.status_code, resp.text[:300])
        if klass != "2xx":
            assert resp.json()["error"]["message"]
            continue
        ctype = resp.headers["content-type"].split(";")[0]
        if r["format"] is not None and str(r["format"]) in ("boolean", "tabular"):
            assert ctype in ("application/sparql-results+json", "application/sparql-results+xml",
                             "text/csv", "text/tab-separated-values")
        if r["format"] is not None and str(r["format"]) == "RDF":
            assert ctype in ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
            rdflib.Graph().parse(data=resp.content, format={"text/turtle": "turtle", "application/n-triples": "nt",
                                                            "application/rdf+xml": "xml",
                                                            "application/ld+json": "json-ld"}[ctype])
        if r["boolean"] is not None:
            assert resp.json()["boolean"] is r["boolean"].toPython(), (name, resp.text)


def test_protocol_dataset_restricts_the_query(w3c_client):
    q = "SELECT ?s WHERE { ?s a ?t } ORDER BY ?s"
    g = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
    rows = lambda r: [b["s"]["value"] for b in r.json()["results"]["bindings"]]  # noqa: E731
    assert len(rows(w3c_client.get("/sparql", params={"query": q}))) == 3  # union by default
    assert rows(w3c_client.get("/sparql", params={"query": q, "default-graph-uri": g.format(2)})) == [g.format(2)]
    assert rows(w3c_client.get("/sparql", params={"query": q, "default-graph-uri": "http://nowhere/"})) == []
    from_q = f"SELECT ?s FROM <{g.format(3)}> WHERE {{ ?s a ?t }}"
    assert rows(w3c_client.get("/sparql", params={"query": from_q})) == [g.format(3)]
    named = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    got = lambda r: [b["g"]["value"] for b in r.json()["results"]["bindings"]]  # noqa: E731
    assert got(w3c_client.get("/sparql", params={"query": named, "named-graph-uri": g.format(1)})) == [g.format(1)]
    assert got(w3c_client.get("/sparql", params={"query": f"SELECT ?g FROM NAMED <{g.format(1)}> "
                                                          "WHERE { GRAPH ?g { ?s ?p ?o } }"})) == [g.format(1)]


# --------------------------------------------------------------------------- walls

SMUGGLED = [
    "PREFIX ex: <http://e/> SELECT ?s {{ {{ ?x ex:a\\# ?y }} UNION {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }} }}",
    "PREFIX ex: <http://e/> SELECT ?s {{ {{ ?x ex:a\\' ?y }} UNION {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ BIND(<http://a\u3000#> AS ?x) SERVICE <http://127.0.0.1:{port}/admin> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ optional {{ service <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }} }}",
    "PREFIX l: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE l:sparql {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }}",
]


@pytest.mark.parametrize("template", SMUGGLED)
def test_no_service_variant_reaches_a_loopback_listener_over_http(client, listener, template):
    port, hits = listener
    r = client.get("/sparql", params={"query": template.format(port=port)})
    assert r.status_code == 400 and "SECRET" not in r.text
    time.sleep(0.1)
    assert hits == []


def test_the_workers_cannot_open_connections_even_past_the_check(seeds, listener):
    """The second wall: a SERVICE query handed straight to a worker, skipping the check."""
    assert network_namespace_available() and seeds["svc"].network_isolated
    port, hits = listener
    q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(BadRequest) as e:
        seeds["svc"].run(Prepared(q, "SELECT"), "json")
    assert "SECRET" not in e.value.message
    time.sleep(0.1)
    assert hits == []


def _cli_sparql(data: Path, query_file: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "api.cli", "sparql", f"@{query_file}", "--data", str(data), *extra],
                          capture_output=True, text=True, timeout=120)


def test_no_service_variant_reaches_a_listener_through_the_cli(built_data, listener, tmp_path):
    port, hits = listener
    for template in SMUGGLED[:4]:
        f = tmp_path / "q.rq"
        f.write_text(template.format(port=port), "utf-8")
        proc = _cli_sparql(built_data, f)
        assert proc.returncode == 1 and "SECRET" not in proc.stdout + proc.stderr
        assert "SERVICE" in proc.stderr or "syntax error" in proc.stderr, proc.stderr
    assert hits == []


def test_a_deep_query_is_refused_and_the_next_one_answers(client, built_data, tmp_path):
    deep = "ASK " + "{" * 2500 + "}" * 2500
    r = client.post("/sparql", content=deep, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "nested" in r.json()["error"]["message"]
    assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
    f = tmp_path / "deep.rq"
    f.write_text(deep, "utf-8")
    proc = _cli_sparql(built_data, f)
    assert proc.returncode == 1 and "nested" in proc.stderr


def test_the_cli_prints_the_whole_graph(built_data, tmp_path):
    f = tmp_path / "all.rq"
    f.write_text("SELECT * { ?s ?p ?o }", "utf-8")
    proc = _cli_sparql(built_data, f, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["results"]["bindings"]) > 5000
    table = _cli_sparql(built_data, f)  # the default: a table, every row (the count in its last line)
    assert table.returncode == 0, table.stderr
    assert len(table.stdout.splitlines()) > 5000


def test_a_crashing_query_costs_one_worker_only(seeds):
    """Past the check, the native parser's crash on deep nesting kills a worker, never the caller."""
    with pytest.raises(PolicyKGError, match="worker died"):
        seeds["svc"].run(Prepared("ASK " + "{" * 100_000 + "}" * 100_000, "ASK"), "json")
    assert json.loads(seeds["svc"].query("ASK {}").body)["boolean"] is True


# --------------------------------------------------------------------------- sizes

def test_whole_graph_select_returns_every_row(client, seeds):
    store = ox.Store.read_only(str(seeds["path"]))
    expected = sum(1 for g in store.named_graphs() if not g.value.startswith("urn:policykg:contrib:")
                   for _ in store.quads_for_pattern(None, None, None, g))
    del store
    r = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
    assert r.status_code == 200 and TRUNCATED_HEADER not in r.headers
    assert len(r.json()["results"]["bindings"]) == expected > 5000


def test_results_over_ten_megabytes_come_back_whole(client):
    q = "SELECT ?s ?p ?o ?x { ?s ?p ?o BIND(CONCAT(STR(?s), STR(?p), STR(?s), STR(?p), STR(?s), STR(?p)) AS ?x) }"
    for fmt, parse in (("json", lambda b: len(json.loads(b)["results"]["bindings"])),
                       ("tsv", lambda b: len(b.decode().splitlines()) - 1),
                       ("xml", lambda b: sum(1 for _ in ox.parse_query_results(b, format=ox.QueryResultsFormat.XML)))):
        r = client.get("/sparql", params={"query": q, "format": fmt})
        assert r.status_code == 200 and len(r.content) > 10_000_000, (fmt, len(r.content))
        assert parse(r.content) == int(r.headers["X-PolicyKG-Rows"])


def test_truncation_is_signalled_alike_in_every_format_and_not_at_exactly_the_cap(seeds):
    svc = SparqlService(seeds["path"], timeout=4, row_cap=7, workers=1)
    try:
        for fmt in ("json", "xml", "csv", "tsv"):
            r = svc.query("SELECT ?s { ?s a pk:Sentence }", fmt)
            assert r.truncated and r.rows == 7
            if fmt == "csv":  # a lossy format pyoxigraph does not read back
                assert len(r.body.decode().strip().splitlines()) == 8
                continue
            rows = list(ox.parse_query_results(r.body, format={"json": ox.QueryResultsFormat.JSON,
                                                               "xml": ox.QueryResultsFormat.XML,
                                                               "tsv": ox.QueryResultsFormat.TSV}[fmt]))
            assert len(rows) == 7
        assert json.loads(svc.query("SELECT ?s { ?s a pk:Sentence }", "json").body)["head"]["link"] == [
            "urn:policykg:truncated"]
        assert b"urn:policykg:truncated" in svc.query("SELECT ?s { ?s a pk:Sentence }", "xml").body
        exact = svc.query("SELECT ?s { ?s a pk:Sentence } LIMIT 7", "json")
        assert not exact.truncated and exact.rows == 7 and "link" not in json.loads(exact.body)["head"]
        g = svc.query("CONSTRUCT { ?s a pk:Sentence } WHERE { ?s a pk:Sentence }", "turtle")
        assert g.truncated and g.body.startswith(b"# policykg: result truncated")
        assert len(rdflib.Graph().parse(data=g.body, format="turtle")) == 7
    finally:
        svc.close()


# --------------------------------------------------------------------------- concurrency

def test_a_light_query_is_not_stuck_behind_a_heavy_one(seeds):
    svc = seeds["svc"]
    errors_: list[Exception] = []

    def heavy():
        try:
            svc.query(HEAVY, timeout=8)
        except QueryTimeout as e:
            errors_.append(e)

    t = threading.Thread(target=heavy)
    t.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    assert json.loads(svc.query("ASK {}").body)["boolean"] is True
    light = time.monotonic() - t0
    assert t.is_alive(), "the heavy query should still be running"
    assert light < 4
    t.join()
    assert errors_  # the heavy one ran into its own time limit


def test_after_a_time_out_the_next_query_answers(seeds):
    svc = SparqlService(seeds["path"], timeout=1.0, workers=1)
    try:
        with pytest.raises(QueryTimeout):
            svc.query(HEAVY)
        assert json.loads(svc.query("ASK {}").body)["boolean"] is True
    finally:
        svc.close()


def test_a_full_queue_answers_503_with_retry_after(seeds):
    svc = SparqlService(seeds["path"], timeout=3, workers=1, max_waiting=0, wait=0.2)
    app = FastAPI()
    app.include_router(router(lambda: svc))
    try:
        t = threading.Thread(target=lambda: pytest.raises(QueryTimeout, svc.query, HEAVY))
        t.start()
        time.sleep(0.5)
        with pytest.raises(Busy):
            svc.query("ASK {}")
        r = TestClient(app).get("/sparql", params={"query": "ASK {}"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "busy" and int(r.headers["Retry-After"]) >= 1
        t.join()
        assert json.loads(svc.query("ASK {}").body)["boolean"] is True
    finally:
        svc.close()


# --------------------------------------------------------------------------- protocol details

def test_duplicate_and_conflicting_queries_are_400(client):
    assert client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D").status_code == 400
    r = client.post("/sparql?query=ASK%20%7B%7D", content="ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    r = client.post("/sparql?query=ASK%20%7B%7D", content="query=ASK%20%7B%7D",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400


def test_a_gbk_body_is_refused_not_answered_empty(client):
    q = 'SELECT ?d WHERE { ?d eli:title ?t FILTER(CONTAINS(?t, "乡村振兴")) }'
    r = client.post("/sparql", content=q.encode("gbk"), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "UTF-8" in r.json()["error"]["message"]
    r = client.post("/sparql", content=q.encode("utf-8"), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 200 and r.json()["results"]["bindings"]


def test_unsupported_media_type_is_415(client):
    r = client.post("/sparql", content="ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"


def test_format_parameters_are_lenient(client):
    q = "SELECT ?d WHERE { ?d a pk:PolicyDocument } LIMIT 2"
    r = client.get(f"/sparql?query={q}&format=tsv&format=text/tab-separated-values")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/tab-separated-values")
    r = client.get("/sparql", params={"query": q, "output": "xml"})
    assert r.headers["content-type"].startswith("application/sparql-results+xml")
    r = client.get("/sparql", params={"query": q, "format": "nonsense"}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    r = client.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json;q=0, */*;q=0.1"})
    assert not r.headers["content-type"].startswith("application/sparql-results+json")


def test_construct_resolves_relative_iris_against_a_base(client):
    r = client.get("/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}", "format": "ntriples"})
    assert r.status_code == 200 and b"<https://w3id.org/policykg/s>" in r.content


def test_cors_options_head_allow_and_vary(client):
    q = {"query": "ASK {}"}
    r = client.get("/sparql", params=q, headers={"Origin": "https://yasgui.example"})
    assert r.headers["access-control-allow-origin"] == "*" and "Accept" in r.headers["vary"]
    r = client.options("/sparql", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204 and "POST" in r.headers["access-control-allow-methods"] and "GET" in r.headers["allow"]
    h = client.head("/sparql", params=q)
    g = client.get("/sparql", params=q)
    assert h.status_code == 200 and h.content == b"" and h.headers["content-length"] == str(len(g.content))
    r = client.put("/sparql", content="ASK {}")
    assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                        ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_service_description_in_every_syntax(w3c_client, accept, fmt):
    r = w3c_client.get("/sparql", headers={"Accept": accept, "Host": "attacker.example"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    g = rdflib.Graph().parse(data=r.content, format=fmt)
    SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    svc = rdflib.URIRef("https://example.org/policykg/sparql")
    assert (svc, rdflib.RDF.type, SD.Service) in g and "attacker" not in r.text
    assert {str(o) for o in g.objects(None, SD.name)} == {
        f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)}
    assert len(set(g.objects(svc, SD.resultFormat))) >= 6


# --------------------------------------------------------------------------- real clients

def test_sparqlwrapper_in_every_format(live_server, seeds):
    from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, TURTLE, XML, SPARQLWrapper

    q = "SELECT ?d ?t WHERE { ?d a pk:PolicyDocument ; eli:title ?t ; pk:inCorpus true }"
    n = len(seeds["docs"])
    for fmt, count in ((JSON, lambda r: len(r["results"]["bindings"])),
                       (XML, lambda r: len(r.getElementsByTagName("result"))),
                       (CSV, lambda r: len(r.decode().strip().splitlines()) - 1),
                       (TSV, lambda r: len(r.decode().strip().splitlines()) - 1)):
        for method in ("GET", "POST"):
            w = SPARQLWrapper(live_server)
            w.setQuery(q)
            w.setReturnFormat(fmt)
            w.setMethod(method)
            assert count(w.query().convert()) == n, (fmt, method)
    w = SPARQLWrapper(live_server)
    w.setQuery("ASK { ?d a pk:PolicyDocument }")
    w.setReturnFormat(JSON)
    assert w.query().convert()["boolean"] is True
    for fmt in (TURTLE, N3, JSONLD, XML):
        for form in ("CONSTRUCT { ?d eli:title ?t } WHERE { ?d a pk:PolicyDocument ; eli:title ?t ; pk:inCorpus true }",
                     "DESCRIBE ?d WHERE { ?d a pk:PolicyDocument ; pk:inCorpus true } LIMIT 1"):
            w = SPARQLWrapper(live_server)
            w.setQuery(form)
            w.setReturnFormat(fmt)
            res = w.query().convert()
            g = res if isinstance(res, rdflib.Graph) else rdflib.Graph().parse(
                data=res, format={TURTLE: "turtle", N3: "turtle", JSONLD: "json-ld"}.get(fmt, "xml"))
            assert len(g) >= (n if form.startswith("CONSTRUCT") else 1), (fmt, form[:9])


def test_rdflib_sparqlstore_reads_the_whole_graph(live_server, seeds):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(live_server, returnFormat="xml")
    g = rdflib.Graph(store)
    triples = list(g.triples((None, None, None)))
    local = ox.Store.read_only(str(seeds["path"]))
    distinct = {(q.subject, q.predicate, q.object) for gr in local.named_graphs()
                if not gr.value.startswith("urn:policykg:contrib:") for q in local.quads_for_pattern(None, None, None, gr)}
    del local
    assert len(triples) >= len(distinct) > 5000
    ask = g.query("ASK { ?d a <https://w3id.org/policykg/ont#PolicyDocument> }")
    assert ask.askAnswer is True
    rows = list(g.query("SELECT ?t WHERE { ?d <http://data.europa.eu/eli/ontology#title> ?t } LIMIT 3"))
    assert len(rows) == 3
