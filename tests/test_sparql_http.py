"""The SPARQL 1.1 protocol router: GET, POST form, POST sparql-query, negotiation, errors, headers."""
from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.web.sparql_http import TRUNCATED_HEADER, router
from corpus import errors
from graph_support import graph_store
from kg.sparql import SparqlService

Q = "SELECT ?d WHERE { ?d a pk:PolicyDocument ; pk:inCorpus true }"


@pytest.fixture(scope="module")
def client(corpus_docs, tmp_path_factory):
    docs, _, path = graph_store(corpus_docs, tmp_path_factory, "http")
    svc = SparqlService(path, timeout=1.5, row_cap=3)
    app = FastAPI()
    app.include_router(router(lambda: svc))
    with TestClient(app) as c:
        c.n_docs = len(docs)
        yield c
    svc.close()


def test_get_post_form_and_post_query_agree(client):
    a = client.get("/sparql", params={"query": Q + " LIMIT 2"})
    b = client.post("/sparql", data={"query": Q + " LIMIT 2"})
    c = client.post("/sparql", content=Q + " LIMIT 2", headers={"Content-Type": "application/sparql-query"})
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.headers["content-type"].startswith("application/sparql-results+json")
    assert json.loads(a.content) == json.loads(b.content) == json.loads(c.content)


@pytest.mark.parametrize("accept,media", [("application/sparql-results+xml", "application/sparql-results+xml"),
                                          ("text/csv", "text/csv"),
                                          ("text/tab-separated-values", "text/tab-separated-values"),
                                          ("*/*", "application/sparql-results+json")])
def test_content_negotiation_for_select(client, accept, media):
    r = client.get("/sparql", params={"query": Q + " LIMIT 1"}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)


@pytest.mark.parametrize("accept,media", [("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
                                          ("application/n-triples", "application/n-triples")])
def test_content_negotiation_for_construct(client, accept, media):
    q = "CONSTRUCT { ?d eli:title ?t } WHERE { ?d a pk:PolicyDocument ; eli:title ?t } LIMIT 2"
    r = client.get("/sparql", params={"query": q}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)


def test_not_acceptable(client):
    r = client.get("/sparql", params={"query": Q}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.json()["error"]["code"] == "not_acceptable"


def test_service_description_on_bare_get(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "sd:Service" in r.text and "<http://127.0.0.1:8000/sparql>" in r.text  # the configured IRI
    assert "sd:namedGraph" in r.text and "/graph/shared>" in r.text


@pytest.mark.parametrize("query,status,code", [
    ("DELETE WHERE { ?s ?p ?o }", 403, "forbidden"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", 400, "bad_request"),
    ("SELECT ?s WHERE { ?s ?p }", 400, "bad_request"),
    ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", 503, "timeout"),
])
def test_errors_use_the_common_shape(client, query, status, code):
    r = client.get("/sparql", params={"query": query})
    assert r.status_code == status
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_update_via_protocol_is_forbidden(client):
    r = client.post("/sparql", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert r.status_code == 403


def test_truncated_header(client):
    r = client.get("/sparql", params={"query": Q})
    assert client.n_docs > 3
    assert r.status_code == 200 and r.headers[TRUNCATED_HEADER] == "true"
    assert len(r.json()["results"]["bindings"]) == 3
    r = client.get("/sparql", params={"query": Q + " LIMIT 2"})
    assert TRUNCATED_HEADER not in r.headers


@pytest.mark.parametrize("exc", [errors.IncompatibleIndex("index of another model"), errors.NotBuilt("no graph")])
def test_domain_error_subclasses_map_to_their_status_not_500(exc):
    class Failing:
        def sparql(self, query, fmt=None, **kwargs):
            raise exc

    app = FastAPI()
    app.include_router(router(lambda: Failing()))
    resp = TestClient(app).get("/sparql", params={"query": Q, "format": "json"})
    assert resp.status_code == 503, resp.text
    assert resp.json() == {"error": {"code": exc.code, "message": exc.message}}
