"""The service over an external graph store: a build published to Oxigraph server and to Virtuoso
answers the graph-backed features as the embedded store does, and the public endpoint keeps its
bounds whichever store is behind it (``pytest -k oxigraph_server`` / ``-k virtuoso``)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.config import Backends, resolve_backends
from api.pipeline.publish import publish_graph
from api.service import PolicyKG
from api.web.sparql_http import TRUNCATED_HEADER, router
from kg.remote_store import SparqlGraphStore, StoreSpec
from kg.store import open_store

KINDS = ["oxigraph_server", "virtuoso"]


@pytest.fixture(scope="module", params=KINDS)
def remote(request, sparql_servers, built_data, tmp_path_factory):
    spec = sparql_servers[request.param]
    target = SparqlGraphStore(spec, built_data / "graph-shards")
    target.clear()
    summary = publish_graph(open_store(built_data), target)
    again = publish_graph(open_store(built_data), target)  # re-publishing changes nothing
    assert again["quads"] == summary["quads"]
    kg = PolicyKG(built_data, backends=Backends(graph_store=spec))
    yield {"kind": request.param, "spec": spec, "kg": kg, "store": target}
    kg.close()


@pytest.fixture(scope="module")
def local(built_data):
    kg = PolicyKG(built_data, backends=Backends())
    yield kg
    kg.close()


XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "gYear")}


def _value(term: dict) -> str:
    """A term's value, equal for equal RDF values (Virtuoso writes true as "1" and 30.0 as "30")."""
    dt, v = term.get("datatype"), term["value"]
    if dt == XSD + "boolean":
        return {"1": "true", "0": "false"}.get(v, v)
    if dt in NUMERIC:
        return str(Decimal(v).normalize())
    return v


def _rows(result) -> list[tuple]:
    body = json.loads(result.body)
    return sorted(tuple(sorted((k, _value(v)) for k, v in b.items())) for b in body["results"]["bindings"])


def test_the_published_graph_equals_the_embedded_one(remote, built_data):
    assert set(remote["store"].quads()) == set(open_store(built_data).quads())


def test_example_queries_return_the_same_rows(remote, local):
    for q in local.example_queries():
        assert _rows(remote["kg"].sparql(q["query"], "json")) == _rows(local.sparql(q["query"], "json")), q["name"]


def test_cascade_chains_are_the_same(remote, local):
    for d in local.documents():
        assert remote["kg"].chain(d["id"]) == local.chain(d["id"])
        assert remote["kg"].document(d["id"]) == local.document(d["id"])


def test_the_public_endpoint_keeps_its_bounds(remote):
    app = FastAPI()
    app.include_router(router(lambda: remote["kg"]))
    c = TestClient(app)
    assert c.post("/sparql", data={"update": "DROP ALL"}).status_code == 403
    r = c.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"})
    assert r.status_code == 400 and "SERVICE" in r.json()["error"]["message"]
    svc = remote["kg"]._sparql_service
    capped = svc.query("SELECT ?s WHERE { ?s a pk:Sentence }", "json", row_cap=5)
    assert capped.truncated and capped.rows == 5
    r = c.get("/sparql", params={"query": "ASK { ?d a pk:PolicyDocument }"})
    assert r.status_code == 200 and r.json()["boolean"] is True and TRUNCATED_HEADER not in r.headers
    g = "https://w3id.org/policykg/graph/shared"
    r = c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default-graph-uri": g})
    n_shared = int(r.json()["results"]["bindings"][0]["n"]["value"])
    assert n_shared == len(list(remote["store"].quads(g)))
    r = c.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                 "default-graph-uri": "http://nowhere.example/g"})
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == 0


def test_configuration_chooses_the_store(tmp_path, monkeypatch, remote):
    data = tmp_path / "data"
    assert resolve_backends(data).graph_store == "embedded"
    (tmp_path / "policykg.toml").write_text(f'[backends]\ngraph_store = "{remote["spec"]}"\n', "utf-8")
    assert resolve_backends(data).graph_store == remote["spec"]
    monkeypatch.setenv("POLICYKG_GRAPH_STORE", "embedded")
    assert resolve_backends(data).graph_store == "embedded"
    assert resolve_backends(data, graph_store=remote["spec"]).remote_graph
    with pytest.raises(Exception, match="not an http"):
        StoreSpec.parse("ftp://example/sparql")
