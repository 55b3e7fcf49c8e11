"""One consistent build per request: rebuilding under concurrent requests never mixes two builds."""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from api.datadir import build_id, load_manifest
from api.pipeline.build import build
from api.pipeline.stages import extraction_stage, graph_stage
from app_support import corpus_of, running_server

STAGES = [extraction_stage, graph_stage]
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
DOC_GRAPH = "https://w3id.org/policykg/graph/doc/"


@pytest.fixture
def server(tmp_path):
    """A real server (uvicorn in a thread) over a data dir holding a small build."""
    from api.web.app import create_app

    data = tmp_path / "data"
    build(corpus_of(tmp_path, "a", "004"), data, progress=False, stages=STAGES)
    with running_server(create_app(data)) as url:
        yield url, data


def test_rebuild_under_load_never_mixes_builds(server, tmp_path):
    base, data = server
    corpora = [corpus_of(tmp_path, "b", "000", "004"), corpus_of(tmp_path, "c", "000"),
               corpus_of(tmp_path, "a2", "004")]
    docs_of = {build_id(data): {d["id"] for d in load_manifest(data)["documents"]}}
    only_first = next(iter(docs_of[build_id(data)]))
    responses: list[tuple[str, str, object]] = []
    errors: list[str] = []
    stop = threading.Event()

    def client(kind: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            while not stop.is_set():
                if kind == "api":
                    r = http.get("/api/documents")
                    got: object = {d["id"] for d in r.json()} if r.status_code == 200 else None
                elif kind == "sparql":
                    r = http.get("/sparql", params={"query": GRAPHS},
                                 headers={"accept": "application/sparql-results+json"})
                    got = ({b["g"]["value"][len(DOC_GRAPH):] for b in r.json()["results"]["bindings"]
                            if b["g"]["value"].startswith(DOC_GRAPH)} if r.status_code == 200 else None)
                elif kind == "page":
                    r = http.get("/documents", headers={"accept": "text/html"})
                    got = r.text if r.status_code == 200 else None
                else:
                    r = http.get(f"/api/documents/{only_first}")
                    got = r.status_code
                if got is None:
                    errors.append(f"{kind}: {r.status_code} {r.text[:200]}")
                responses.append((kind, r.headers["x-policykg-build"], got))

    threads = [threading.Thread(target=client, args=(k,)) for k in ("api", "sparql", "page", "doc") * 2]
    for t in threads:
        t.start()
    try:
        for corpus in corpora:
            time.sleep(1.0)
            build(corpus, data, progress=False, stages=STAGES)
            docs_of[build_id(data)] = {d["id"] for d in load_manifest(data)["documents"]}
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert not errors, errors[:5]
    seen_builds = {b for _, b, _ in responses}
    assert seen_builds <= set(docs_of) and len(seen_builds) >= 3, (seen_builds, set(docs_of))
    for kind, build_name, got in responses:
        expected = docs_of[build_name]
        if kind in ("api", "sparql"):
            assert got == expected, (kind, build_name)
        elif kind == "page":
            assert all(doc_id in got for doc_id in expected), build_name
            assert all(doc_id not in got for doc_id in set().union(*docs_of.values()) - expected), build_name
        else:
            assert got == (200 if only_first in expected else 404), build_name
    # the last build is what the server ends on
    final = httpx.get(f"{base}/api/documents")
    assert final.headers["x-policykg-build"] == build_id(data)
