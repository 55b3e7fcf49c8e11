"""Which backend serves each layer: configuration, never code.

Resolved in this order: a command-line flag, an environment variable, a ``policykg.toml`` beside
the data directory (in its parent folder), the embedded default::

    # policykg.toml
    [backends]
    graph_store = "http://127.0.0.1:8890/sparql;store=http://127.0.0.1:8890/sparql-graph-crud"

``graph_store``: ``embedded`` (pyoxigraph in the data directory) or a SPARQL 1.1 server
(``kg.remote_store.StoreSpec``: ``QUERY_URL[;update=URL][;store=URL][;bulk=URL][;union=server|param]``),
environment ``POLICYKG_GRAPH_STORE``. ``executor``: ``local`` or ``ray`` / ``ray://host:port``
(the build's per-document steps on Ray Data), environment ``POLICYKG_EXECUTOR``.
``search_backend``: ``embedded`` (faiss + BM25 in the data directory) or a Milvus server
(``embeddings.milvus.MilvusSpec``: ``milvus://host:port[/db][?collection=NAME&index=HNSW]``),
environment ``POLICYKG_SEARCH_BACKEND``.

>>> resolve_backends(Path("/nonexistent/data"), graph_store=None).graph_store
'embedded'
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.errors import BadRequest
from embeddings.milvus import MilvusIndex, MilvusSpec

if TYPE_CHECKING:  # pragma: no cover
    from kg.store import GraphStore

CONFIG_FILE = "policykg.toml"
GRAPH_STORE_ENV = "POLICYKG_GRAPH_STORE"
EXECUTOR_ENV = "POLICYKG_EXECUTOR"
SEARCH_BACKEND_ENV = "POLICYKG_SEARCH_BACKEND"
EMBEDDED = "embedded"
SHARDS = "graph-shards"  # a remote store's contribution shards, in the data directory


@dataclass(frozen=True)
class Backends:
    """The chosen backend of each layer (``embedded`` or a spec)."""

    graph_store: str = EMBEDDED
    executor: str = "local"
    search_backend: str = EMBEDDED

    @property
    def remote_graph(self) -> bool:
        return self.graph_store != EMBEDDED

    @property
    def remote_search(self) -> bool:
        return self.search_backend != EMBEDDED


def config_file(data_dir: Path) -> Path:
    """The ``policykg.toml`` a data directory reads."""
    return Path(data_dir).absolute().parent / CONFIG_FILE


def resolve_backends(data_dir: Path, *, graph_store: str | None = None, executor: str | None = None,
                     search_backend: str | None = None) -> Backends:
    """Flag, then environment, then ``policykg.toml``, then the embedded default."""
    table: dict = {}
    path = config_file(data_dir)
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text("utf-8")).get("backends", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise BadRequest(f"{path}: not a valid policykg.toml: {e}") from None
    chosen = graph_store or os.environ.get(GRAPH_STORE_ENV) or table.get("graph_store") or EMBEDDED
    if chosen != EMBEDDED:
        from kg.remote_store import StoreSpec  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where a graph store is opened

        StoreSpec.parse(chosen)  # a malformed spec fails here, before any work
    runner = executor or os.environ.get(EXECUTOR_ENV) or table.get("executor") or "local"
    if runner != "local" and runner != "ray" and not runner.startswith("ray://"):
        raise BadRequest(f"unknown executor {runner!r}; use local, ray or ray://host:port")
    search = search_backend or os.environ.get(SEARCH_BACKEND_ENV) or table.get("search_backend") or EMBEDDED
    if search != EMBEDDED:
        MilvusSpec.parse(search)  # a malformed spec fails here, before any work
    return Backends(graph_store=chosen, executor=runner, search_backend=search)



def open_graph_store(data_dir: Path, backends: Backends, *, read_only: bool = True) -> GraphStore:
    """The graph store a data directory's build or service uses."""
    from kg.remote_store import SparqlGraphStore  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where a graph store is opened
    from kg.store import Store  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where a graph store is opened

    if backends.remote_graph:
        return SparqlGraphStore(backends.graph_store, Path(data_dir) / SHARDS)
    return Store(Path(data_dir) / "graph", read_only=read_only)


def open_search_index(backends: Backends) -> MilvusIndex | None:
    """The external search index a data directory's build publishes to and its service reads
    candidates from; None for the embedded index."""
    return MilvusIndex(backends.search_backend) if backends.remote_search else None
