"""A server's first seconds: the search model loads in the background (``PolicyKG.start_warming``).
Meanwhile search, precedent and concept answer at once with the one error shape (503,
``warming_up``, ``Retry-After``), their pages say the model is loading and reload themselves, and
every page that does not need the model works; once loaded, search answers as usual."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.service
from api.service import PolicyKG
from api.web.app import create_app
from api.web.http_errors import error_headers, status_of
from corpus.errors import WarmingUp

HTML = {"accept": "text/html"}
BANNER = "正在加载检索模型"


@pytest.fixture
def gated_load(monkeypatch):
    """``SearchIndex.load`` waits until the test opens the gate (the slow model load, made explicit)."""
    gate, entered = threading.Event(), threading.Event()
    real = api.service.SearchIndex.load

    def slow_load(*args, **kwargs):
        entered.set()
        assert gate.wait(60), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(api.service.SearchIndex, "load", staticmethod(slow_load))
    return gate, entered


def test_pages_work_and_search_says_warming_up_while_the_model_loads(built_data: Path, gated_load):
    gate, entered = gated_load
    kg = PolicyKG(built_data)
    kg.warm(search=False)
    warm = kg.start_warming()
    assert entered.wait(30) and kg.warming
    client = TestClient(create_app(built_data, kg=kg))
    try:
        r = client.get("/api/search", params={"q": "高标准农田"})
        assert r.status_code == 503 and r.json() == {"error": {"code": "warming_up", "message": r.json()["error"]["message"]}}
        assert int(r.headers["retry-after"]) > 0
        r = client.post("/api/precedent", json={"text": "稳定粮食生产"})
        assert r.status_code == 503 and r.json()["error"]["code"] == "warming_up" and r.headers["retry-after"]

        page = client.get("/", params={"q": "高标准农田"}, headers=HTML)
        assert page.status_code == 503 and BANNER in page.text and page.headers["retry-after"]
        assert '<meta http-equiv="refresh"' in page.text and 'id="q"' in page.text, "the form stays, the page reloads"
        for path in ("/", "/documents", "/entities", "/targets", "/doc/000", "/cascade?upper=001&lower=000"):
            got = client.get(path, headers=HTML)
            assert got.status_code == 200 and BANNER in got.text, path
        assert "Loading the search model" in client.get("/documents", params={"lang": "en"}, headers=HTML).text
        assert client.get("/api/documents").status_code == 200
    finally:
        gate.set()
    warm.join(60)
    assert not kg.warming
    client.cookies.clear()
    r = client.get("/api/search", params={"q": "高标准农田"})
    assert r.status_code == 200 and r.json()["results"]
    assert BANNER not in client.get("/", headers=HTML).text
    kg.close()


def test_a_failed_warm_up_is_reported_by_the_next_search(built_data: Path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("index unreadable")

    monkeypatch.setattr(api.service.SearchIndex, "load", staticmethod(broken))
    kg = PolicyKG(built_data)
    kg.start_warming().join(30)
    assert not kg.warming
    with pytest.raises(OSError, match="index unreadable"):
        kg.search("粮食")  # the real error, not "warming up" forever


def test_without_a_background_warm_up_search_loads_in_the_caller(built_data: Path):
    kg = PolicyKG(built_data)
    assert not kg.warming and not kg.warm_started
    assert kg.search("高标准农田")["results"]


def test_warming_up_maps_to_503_with_retry_after():
    exc = WarmingUp("loading", retry_after=5)
    assert status_of(exc) == 503 and error_headers(exc) == {"Retry-After": "5"}


def test_cli_through_a_warming_server_waits_for_it(built_data: Path, gated_load):
    from app_support import running_server

    from api.cli import remote

    gate, entered = gated_load
    kg = PolicyKG(built_data)
    kg.warm(search=False)
    kg.start_warming()
    assert entered.wait(30)
    with running_server(create_app(built_data, kg=kg)) as url:
        try:
            with pytest.raises(WarmingUp) as caught:
                remote.call(url, "/api/search", {"q": "高标准农田"}, wait=0)
            assert caught.value.retry_after >= 1
            threading.Timer(1.0, gate.set).start()
            res = remote.call(url, "/api/search", {"q": "高标准农田"}, wait=30)
            assert res["results"] and res["query"] == "高标准农田"
        finally:
            gate.set()
    kg.close()
