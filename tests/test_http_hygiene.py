"""HTTP hygiene: Allow on 405, security headers and CSP, request-body limit, no off-site links,
document paging. On a small build (documents, extraction, graph), not the session build."""
from __future__ import annotations

import base64
import hashlib
import re
import shutil

import pytest
from fastapi.testclient import TestClient

from api.pipeline.build import build
from api.pipeline.stages import extraction_stage, graph_stage
from corpus import BUNDLED_DIR

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from api.web.app import create_app

    corpus = tmp_path_factory.mktemp("corpus")
    for prefix in ("002", "004"):
        src = next(BUNDLED_DIR.glob(f"{prefix}_*.txt"))
        shutil.copy(src, corpus / src.name)
    data = tmp_path_factory.mktemp("hygiene") / "data"
    build(corpus, data, progress=False, stages=[extraction_stage, graph_stage])
    with TestClient(create_app(data)) as c:
        yield c


@pytest.mark.parametrize("method, path, headers", [
    ("DELETE", "/api/documents", {}), ("PUT", "/api/precedent", {}), ("POST", "/documents", HTML),
    ("PATCH", "/sparql", {}),
])
def test_every_405_says_what_is_allowed(client, method, path, headers):
    r = client.request(method, path, headers=headers)
    assert r.status_code == 405
    allowed = {m.strip() for m in r.headers["allow"].split(",")}
    assert allowed and method not in allowed and allowed <= {"GET", "HEAD", "POST", "OPTIONS"}
    assert client.request(min(allowed), path, headers=headers).status_code != 405


@pytest.mark.parametrize("path, headers", [("/api/documents", {}), ("/documents", HTML), ("/nowhere", HTML),
                                           ("/static/css/app.css", {})])
def test_security_headers_everywhere(client, path, headers):
    r = client.get(path, headers=headers)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    policy = r.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in re.search(r"script-src [^;]*", policy).group(0)


def test_inline_scripts_run_only_by_nonce_or_hash(client):
    for path in ("/precedent", "/sparql"):  # this app has no search index: the browser tests load the search page
        page = client.get(path, headers=HTML)
        nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
        tags = re.findall(r"<script([^>]*)>", page.text)
        assert tags, path
        for attrs in tags:  # own files, data blocks, or inline code carrying this response's nonce
            assert 'src="/static/' in attrs or 'type="application/json"' in attrs or f'nonce="{nonce}"' in attrs, \
                (path, attrs)
    assert '<script src="/static/js/copy.js"' in client.get("/precedent", headers=HTML).text
    page = client.get("/precedent", headers=HTML)
    assert client.get("/precedent", headers=HTML).headers["content-security-policy"] != page.headers["content-security-policy"]
    docs = client.get("/docs")
    inline = re.findall(r"<script>(.*?)</script>", docs.text, flags=re.DOTALL)
    assert inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in docs.headers["content-security-policy"]


def test_language_toggle_never_links_off_site(client):
    for path in ("//evil.example/x", "/documents?x=1"):
        r = client.get(path, headers=HTML)
        href = re.search(r'id="lang-toggle"|href="([^"]*)" id="lang-toggle"', r.text)
        toggle = re.search(r'<a class="lang" href="([^"]*)"', r.text).group(1)
        assert toggle.startswith("?") and "evil" not in toggle, (path, toggle, href)


def test_request_body_limit(client):
    big = b'{"text": "' + "稳".encode() * 40_000 + b'"}'
    r = client.post("/api/precedent", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "limit_exceeded"

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(40):
            yield b" " * 4096

    r = client.post("/api/precedent", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "limit_exceeded"


def test_document_provisions_are_paged(client):
    doc_id = next(d["id"] for d in client.get("/api/documents").json() if d["source"].startswith("002"))
    full = client.get(f"/api/documents/{doc_id}").json()
    total = full["provisions_page"]["total"]
    assert total == len(full["provisions"]) > 20 and full["provisions_page"]["next"] is None
    pages, offset = [], 0
    while offset is not None:
        page = client.get(f"/api/documents/{doc_id}", params={"offset": offset, "limit": 7}).json()
        assert len(page["provisions"]) <= 7
        pages += page["provisions"]
        offset = page["provisions_page"]["next"]
    assert pages == full["provisions"]
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        r = client.get(f"/api/documents/{doc_id}", params=bad)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
    schema = client.get("/openapi.json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"]["/api/documents/{doc_id}"]["get"]["parameters"]}
    assert params["limit"]["maximum"] == 1000 and params["offset"]["minimum"] == 0
    search = {p["name"]: p for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert search["q"]["required"] and search["q"]["schema"]["maxLength"] == 500
    assert "413" in schema["paths"]["/api/precedent"]["post"]["responses"]
