"""The graph-store seam over HTTP: any SPARQL 1.1 server (Virtuoso, Oxigraph server, …).

``SparqlGraphStore`` implements ``kg.store.GraphStore`` with SPARQL 1.1 Query and Update (or
the Graph Store HTTP Protocol for whole graphs when the server offers it), so the build, the
cascade analysis and the service run unchanged against an external store.

Each document's graph lives on the server. Its contribution to the shared graph (facts about
shared nodes: places, agencies, documents known from citations) is kept as an N-Triples shard
per document beside the data (``shard_dir/{doc_id}.nt``): the server holds only the visible
graphs, so its union default graph has no duplicate triples and matches the embedded store's.
Derived graphs (shared, inferred) are recomputed from the shards and the documents' graphs after
every change, as the embedded store does.

Only graphs under ``kg.iris.GRAPH_BASE`` are policykg's: a server's own system graphs are never
listed, counted, exported or replaced.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator
from urllib.parse import quote, urlencode

import pyoxigraph as ox

if TYPE_CHECKING:  # pragma: no cover
    import httpx

from corpus.errors import BadRequest, PolicyKGError
from kg import iris
from kg.graph import N
from kg.prefixes import PREFIXES
from kg.store import (
    DOC_FACTS,
    DOC_GRAPH_PREFIX,
    EXPORT_FORMATS,
    Contributions,
    DocumentDump,
    DocumentGraphs,
    add_doc_fact,
    derived_quads,
    merge_shared_facts,
    serialise_dataset,
    split_contribution,
)
from ontology import ONTOLOGY_TTL

_BATCH = 2000  # triples per INSERT DATA request (Virtuoso refuses ~5,000)
_FORM = "application/x-www-form-urlencoded"
BULK_BYTES = 16 * 2**20  # N-Quads per bulk request


class RemoteStoreError(PolicyKGError):
    """The external SPARQL store refused or failed a request."""

    code = "remote_store"


@dataclass
class StoreSpec:
    """Where an external store answers. ``union``: how its default graph becomes the union of the
    named graphs — ``"server"`` (Virtuoso: the default graph already is every graph) or
    ``"param"`` (Oxigraph server: ``union-default-graph`` per query). ``bulk``: a URL that takes
    a POST of N-Quads and adds them to the dataset (Oxigraph server:
    ``http://host:7878/store?no_transaction&lenient``, its bulk loader); without it documents are
    written one graph per request.

    >>> StoreSpec.parse("http://127.0.0.1:7878/query;update=http://127.0.0.1:7878/update;store=http://127.0.0.1:7878/store;union=param").update
    'http://127.0.0.1:7878/update'
    >>> StoreSpec.parse("http://h/q;bulk=http://h/store?no_transaction&lenient;user=u;password=p").bulk
    'http://h/store?no_transaction&lenient'
    """

    query: str
    update: str
    store: str | None = None
    union: str = "server"
    user: str | None = None
    bulk: str | None = None
    password: str | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> "StoreSpec":
        """``QUERY_URL[;update=URL][;store=URL][;bulk=URL][;union=server|param][;user=U][;password=P]``."""
        head, *opts = [p.strip() for p in spec.split(";") if p.strip()]
        kv = {}
        for o in opts:
            k, sep, v = o.partition("=")
            if not sep:
                raise BadRequest(f"graph store option {o!r} is not key=value")
            kv[k.strip()] = v.strip()
        unknown = set(kv) - {"update", "store", "bulk", "union", "user", "password"}
        if unknown:
            raise BadRequest(f"unknown graph store option(s) {sorted(unknown)}")
        if not head.startswith(("http://", "https://")):
            raise BadRequest(f"graph store {head!r} is not an http(s) SPARQL endpoint URL")
        union = kv.get("union", "server")
        if union not in ("server", "param"):
            raise BadRequest("graph store union= must be 'server' or 'param'")
        return cls(head, kv.get("update", head), kv.get("store"), union, user=kv.get("user"),
                   password=kv.get("password"), bulk=kv.get("bulk"))


def _nt(triples: Iterable) -> bytes:
    return ox.serialize((ox.Triple(t.subject, t.predicate, t.object) for t in triples), format=ox.RdfFormat.N_TRIPLES)


class SparqlGraphStore(DocumentGraphs):
    """``GraphStore`` on a SPARQL 1.1 server; contribution shards in ``shard_dir``."""

    def __init__(self, spec: StoreSpec | str, shard_dir: str | Path, *, timeout: float = 60.0):
        self.spec = StoreSpec.parse(spec) if isinstance(spec, str) else spec
        self.shard_dir = Path(shard_dir)
        self.contributions = Contributions(self.shard_dir)
        import httpx  # only where a remote store is used: importing it costs ~0.3 s (rich, click)

        auth = httpx.DigestAuth(self.spec.user, self.spec.password) if self.spec.user else None
        self._http = httpx.Client(timeout=timeout, auth=auth, trust_env=False)
        self._prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
        if not self._select(f"ASK {{ GRAPH <{iris.ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}", union=False):
            self.replace_graph(iris.ONTOLOGY_GRAPH, ox.parse(path=str(ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE))

    # ---- HTTP
    def _post(self, url: str, **kwargs) -> httpx.Response:
        import httpx  # see __init__

        try:
            r = self._http.post(url, **kwargs)
        except httpx.HTTPError as e:
            raise RemoteStoreError(f"graph store {url} unreachable: {e}") from None
        if r.status_code >= 400:
            raise RemoteStoreError(f"graph store {url} answered {r.status_code}: {r.text[:300]}")
        return r

    def _update(self, text: str) -> None:
        self._post(self.spec.update, content=text.encode("utf-8"),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def _select(self, text: str, union: bool = True) -> ox.QuerySolutions | ox.QueryBoolean:
        form = [("query", self._prologue + text)]
        if union and self.spec.union == "param":
            form.append(("union-default-graph", ""))
        r = self._post(self.spec.query, content=urlencode(form).encode("ascii"),
                       headers={"Accept": "application/sparql-results+json", "Content-Type": _FORM})
        return ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)

    # ---- writes
    def replace_graph(self, name: str, quads: Iterable[ox.Quad]) -> None:
        """Replace one named graph (Graph Store Protocol PUT when offered, else DROP + INSERT DATA)."""
        triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
        if self.spec.store and triples:
            self._put_graph(name, _nt(triples))
            return
        if self.spec.store:
            import httpx  # see __init__

            url = f"{self.spec.store}?graph={quote(name, safe='')}"
            try:
                r = self._http.delete(url)
            except httpx.HTTPError as e:
                raise RemoteStoreError(f"graph store {url} unreachable: {e}") from None
            if r.status_code >= 400 and r.status_code != 404:
                raise RemoteStoreError(f"graph store DELETE {name} answered {r.status_code}: {r.text[:300]}")
            return
        self._update(f"DROP SILENT GRAPH <{name}>")
        for i in range(0, len(triples), _BATCH):
            body = _nt(triples[i:i + _BATCH]).decode("utf-8")
            self._update(f"INSERT DATA {{ GRAPH <{name}> {{\n{body}}} }}")

    def _put_graph(self, name: str, body: bytes) -> None:
        """Graph Store Protocol PUT of one graph's N-Triples (``body`` non-empty)."""
        import httpx  # see __init__

        url = f"{self.spec.store}?graph={quote(name, safe='')}"
        try:
            r = self._http.put(url, content=body, headers={"Content-Type": "application/n-triples"})
        except httpx.HTTPError as e:
            raise RemoteStoreError(f"graph store {url} unreachable: {e}") from None
        if r.status_code >= 400:
            raise RemoteStoreError(f"graph store PUT {name} answered {r.status_code}: {r.text[:300]}")

    def load_documents(self, items: Iterable[tuple[str, Iterable[ox.Quad]]]) -> None:
        """Load many documents, then refresh the derived graphs once (see :meth:`load_document_dumps`)."""
        self.load_document_dumps(DocumentDump.of(doc_id, quads) for doc_id, quads in items)

    def load_document_dumps(self, items: Iterable[DocumentDump]) -> None:
        """Load many serialised documents, then refresh the derived graphs once. One request is in
        flight while the next body is made (the server ingests while this process reads). With a
        ``bulk`` URL, documents already on the server are dropped first and the rest travel as
        N-Quads batches of about :data:`BULK_BYTES`; else each document is one graph PUT (or SPARQL
        updates when the server offers no Graph Store Protocol)."""
        from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415 - only for a remote load

        if not self.spec.store and not self.spec.bulk:
            return super().load_documents((d.doc_id, d.quads()) for d in items)
        on_server = set(self.document_ids()) if self.spec.bulk else set()
        batch = bytearray()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="policykg-load") as pool:
            pending = None

            def send(fn, *args) -> None:
                nonlocal pending
                if pending is not None:
                    pending.result()  # one request at a time: the server's writes stay serial
                pending = pool.submit(fn, *args)

            for d in items:
                self.contributions.put(d.doc_id, d.contribution)
                if not self.spec.bulk:
                    if d.ntriples.strip():
                        send(self._put_graph, d.graph, d.ntriples)
                    else:
                        send(self.replace_graph, d.graph, [])
                    continue
                if d.doc_id in on_server:
                    send(self.replace_graph, d.graph, [])
                batch += d.nquads()
                if len(batch) >= BULK_BYTES:
                    send(self._post_bulk, bytes(batch))
                    batch.clear()
            if batch:
                send(self._post_bulk, bytes(batch))
            if pending is not None:
                pending.result()
        self.refresh_derived()

    def _post_bulk(self, body: bytes) -> None:
        self._post(self.spec.bulk, content=body, headers={"Content-Type": "application/n-quads"})

    def load_document(self, doc_id: str, quads: Iterable[ox.Quad], *, refresh: bool = True) -> None:
        """Replace one document: its graph on the server and its contribution shard."""
        own, contrib = split_contribution(doc_id, quads)
        self.replace_graph(iris.document_graph(doc_id), own)
        self.contributions.put(doc_id, contrib)
        if refresh:
            self.refresh_derived()

    def remove_document(self, doc_id: str, *, refresh: bool = True) -> None:
        self.replace_graph(iris.document_graph(doc_id), [])
        self.contributions.remove(doc_id)
        if refresh:
            self.refresh_derived()

    def refresh_derived(self) -> None:
        """The shared graph from the shards, the inferred links from the documents' facts."""
        shared = self.contributions.merged()
        docs: dict[str, dict] = {}
        for row in self._select(f"""
            SELECT ?d ?p ?o WHERE {{
              GRAPH ?g {{ ?d a pk:PolicyDocument ; ?p ?o . VALUES ?p {{ {" ".join(f"<{p}>" for p in DOC_FACTS)} }} }}
              FILTER(STRSTARTS(STR(?g), "{DOC_GRAPH_PREFIX}"))
            }}""", union=False):
            add_doc_fact(docs.setdefault(row["d"].value, {"iri": row["d"].value}), row["p"].value, row["o"].value)
        links = {(r["a"].value, r["b"].value) for r in self._select(f"""
            SELECT DISTINCT ?a ?b WHERE {{ GRAPH ?g {{ ?a eli:applies|eli:based_on ?b }}
              FILTER(STRSTARTS(STR(?g), "{DOC_GRAPH_PREFIX}")) }}""", union=False)}
        merge_shared_facts(docs, links, shared)
        shared_q, inferred_q = derived_quads(shared, docs.values(), links)
        self.replace_graph(iris.SHARED_GRAPH, shared_q)
        self.replace_graph(iris.INFERRED_GRAPH, inferred_q)
        self.replace_graph(iris.PLACES_GRAPH, [])

    def flush(self) -> None:
        """Nothing to do: every request is committed by the server."""

    # ---- reads
    def graphs(self) -> list[ox.NamedNode]:
        """policykg's named graphs on the server."""
        rows = self._select(f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER(STRSTARTS(STR(?g), "{iris.GRAPH_BASE}/")) }}""", union=False)
        return sorted((r["g"] for r in rows), key=lambda g: g.value)

    def document_ids(self) -> list[str]:
        return sorted(g.value[len(DOC_GRAPH_PREFIX):] for g in self.graphs() if g.value.startswith(DOC_GRAPH_PREFIX))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        names = [N(graph)] if graph else self.graphs()
        for g in names:
            r = self._post(self.spec.query,
                           content=urlencode({"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g.value}> "
                                                                "{ ?s ?p ?o } }"}).encode("ascii"),
                           headers={"Accept": "application/n-triples", "Content-Type": _FORM})
            for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(t.subject, t.predicate, t.object, g)

    def run_query(self, text: str, *, default_graphs: list[str] | None = None,
                  named_graphs: list[str] | None = None, base_iri: str | None = None,
                  timeout: float | None = None, prologue: bool = True):
        """Send a query as it is (plus the predeclared prefixes) with an optional protocol dataset;
        solutions or a boolean (SELECT / ASK), or a list of triples (CONSTRUCT / DESCRIBE)."""
        body = (f"BASE <{base_iri}>\n" if base_iri else "") + (self._prologue if prologue else "") + text
        form: list[tuple[str, str]] = [("query", body)]
        if default_graphs is None and named_graphs is None:
            if self.spec.union == "param":
                form.append(("union-default-graph", ""))
        else:
            form += [("default-graph-uri", g) for g in default_graphs or []]
            form += [("named-graph-uri", g) for g in named_graphs or []]
        import httpx  # see __init__

        try:
            r = self._http.post(self.spec.query, content=urlencode(form).encode("ascii"), timeout=timeout,
                                headers={"Accept": "application/sparql-results+json, application/n-triples;q=0.9",
                                         "Content-Type": _FORM})
        except httpx.TimeoutException:
            raise RemoteStoreError(f"the graph store did not answer within {timeout or self._http.timeout.read} s") from None
        except httpx.HTTPError as e:
            raise RemoteStoreError(f"graph store {self.spec.query} unreachable: {e}") from None
        if r.status_code >= 400:
            raise RemoteStoreError(f"graph store answered {r.status_code}: {r.text[:300]}")
        ctype = r.headers.get("content-type", "").split(";")[0].strip()
        if ctype in ("application/n-triples", "text/plain", "text/turtle", "text/rdf+n3"):
            fmt = ox.RdfFormat.N_TRIPLES if ctype in ("application/n-triples", "text/plain") else ox.RdfFormat.TURTLE
            return [ox.Triple(t.subject, t.predicate, t.object) for t in ox.parse(r.content, format=fmt)]
        return ox.parse_query_results(r.content, format=ox.QueryResultsFormat.JSON)

    def query(self, sparql: str, **kwargs):
        """A query over the union of policykg's graphs (``GRAPH ?g`` sees each of them), answered by
        the server (the embedded store's ``query`` keywords are ignored)."""
        return self.run_query(sparql)

    def count(self) -> int:
        rows = list(self._select(f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
            FILTER(STRSTARTS(STR(?g), "{iris.GRAPH_BASE}/")) }}""", union=False))
        return int(rows[0]["n"].value) if rows else 0

    def export(self, fmt: str = "nquads", path: str | Path | None = None) -> bytes:
        if fmt not in EXPORT_FORMATS:
            raise BadRequest(f"unknown export format {fmt!r}; expected one of {sorted(EXPORT_FORMATS)}")
        data = serialise_dataset(list(self.quads()), fmt)
        if path is not None:
            Path(path).write_bytes(data)
        return data

    def clear(self) -> None:
        """Drop every policykg graph on the server and every shard (the ontology comes back)."""
        for g in self.graphs():
            self.replace_graph(g.value, [])
        self.contributions.clear()
        self.replace_graph(iris.ONTOLOGY_GRAPH, ox.parse(path=str(ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE))

    def close(self) -> None:
        self._http.close()

    def describe(self) -> str:
        return json.dumps({"query": self.spec.query, "update": self.spec.update, "store": self.spec.store})
