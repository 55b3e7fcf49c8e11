"""The graph store: a small interface, with pyoxigraph on disk as the embedded default.

One named graph per corpus document (``iris.document_graph``); three derived graphs
(ontology, places, inferred) are recomputed from the document graphs after every change, so
adding, replacing or removing one document touches only its graph plus the shared ones and
yields the same dataset as a full rebuild. A second backend (a remote SPARQL 1.1 store)
implements ``GraphStore``.

What each document contributes to the shared graph is kept beside the store
(:class:`Contributions`), not in it: the store holds only the graphs a query may see, so a query's
default graph is the store's own union of its named graphs. (Naming 10,000 graphs as a query's
default graph kept pyoxigraph from answering the example queries within 30 s at 1,000 documents.)

>>> s = Store()
>>> s.count() > 0  # the ontology graph
True
>>> s.document_ids()
[]
"""
from __future__ import annotations

import gzip
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Protocol, runtime_checkable

import pyoxigraph as ox

from corpus.errors import BadRequest, NotBuilt
from kg import iris
from kg.graph import N, document_iri_of, document_quads, inferred_quads, places_quads
from kg.vocab import ELI, PK, PREFIXES, RDF
from ontology import ONTOLOGY_TTL

log = logging.getLogger(__name__)

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}
DATASET_FORMATS = {"nquads", "trig", "jsonld"}
DOC_GRAPH_PREFIX = f"{iris.GRAPH_BASE}/doc/"


@runtime_checkable
class GraphStore(Protocol):
    """The graph-store seam: what the build pipeline, the cascade analysis and the service need
    from a graph backend. ``Store`` (pyoxigraph, in memory or on disk) is the embedded
    implementation; ``tests/test_store.py`` is the contract suite every implementation passes.

    Each document lives in its own named graph (plus a hidden contribution to the shared graph);
    derived graphs (shared, places, inferred, cascade analysis) are replaced whole.
    """

    def load_document(self, doc_id: str, quads: Iterable[ox.Quad], *, refresh: bool = True) -> None: ...
    def load_documents(self, items: Iterable[tuple[str, Iterable[ox.Quad]]]) -> None: ...
    def load_document_files(self, items: Iterable[tuple[str, str | Path]]) -> None: ...
    def load_document_dumps(self, items: Iterable[DocumentDump]) -> None: ...
    def remove_document(self, doc_id: str, *, refresh: bool = True) -> None: ...
    def refresh_derived(self) -> None: ...
    def replace_graph(self, name: str, quads: Iterable[ox.Quad]) -> None: ...
    def graphs(self) -> list[ox.NamedNode]: ...
    def document_ids(self) -> list[str]: ...
    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...
    def query(self, sparql: str, **kwargs): ...
    def count(self) -> int: ...
    def export(self, fmt: str = "nquads", path: str | Path | None = None) -> bytes: ...
    def flush(self) -> None: ...


CONTRIBUTIONS = "contributions"  # the folder of an on-disk store's contribution files, inside its folder


class Contributions:
    """Each document's contribution to the shared graph (facts about places, agencies, documents it
    cites), kept out of the queried store: N-Triples files ``{doc_id}.nt`` in ``folder``, or in
    memory when ``folder`` is None. The shared graph is the union of all of them.

    >>> c = Contributions(None)
    >>> t = ox.Triple(N("http://x/a"), N("http://x/p"), N("http://x/b"))
    >>> c.put("d1", [t]); c.put("d2", [t]); len(c.merged())
    1
    >>> c.remove("d1"); c.get("d1"), c.get("d2") == [t]
    ([], True)
    """

    def __init__(self, folder: str | Path | None, *, create: bool = True):
        self.folder = Path(folder) if folder is not None else None
        self._memory: dict[str, list[ox.Triple]] = {}
        if self.folder is not None and create:
            self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, doc_id: str) -> Path:
        return self.folder / f"{doc_id}.nt"  # type: ignore[operator]

    def put(self, doc_id: str, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        """Replace one document's contribution."""
        ts = sorted({ox.Triple(t.subject, t.predicate, t.object) for t in triples}, key=str)
        if self.folder is None:
            self._memory[doc_id] = ts
        else:
            self._path(doc_id).write_bytes(ox.serialize(ts, format=ox.RdfFormat.N_TRIPLES))

    def remove(self, doc_id: str) -> None:
        if self.folder is None:
            self._memory.pop(doc_id, None)
        else:
            self._path(doc_id).unlink(missing_ok=True)

    def get(self, doc_id: str) -> list[ox.Triple]:
        """One document's contribution ([] when it has none or is not loaded)."""
        if self.folder is None:
            return list(self._memory.get(doc_id, []))
        path = self._path(doc_id)
        return list(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)) if path.is_file() else []

    def merged(self) -> ox.Store:
        """Every document's contribution merged in an in-memory store's default graph (each triple
        once), parsed and de-duplicated by pyoxigraph: no Python object per triple."""
        out = ox.Store()
        if self.folder is None:
            out.extend(ox.Quad(t.subject, t.predicate, t.object) for ts in self._memory.values() for t in ts)
        elif self.folder.is_dir():
            for path in self.folder.glob("*.nt"):
                out.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
        return out

    def clear(self) -> None:
        self._memory.clear()
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("*.nt"):
                path.unlink()


def _hidden(graph) -> bool:
    """A contribution graph inside the store (only in a store written before :class:`Contributions`)."""
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(iris.CONTRIB_BASE)


def visible_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """Every named graph a query may see (an older store's hidden contribution graphs excluded)."""
    return sorted((g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and not _hidden(g)), key=str)


def split_contribution(doc_id: str, quads: Iterable[ox.Quad]) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(the document's own quads, its contribution to the shared graph): ``kg.graph.document_quads``
    puts the latter in ``iris.contribution_graph(doc_id)``."""
    contrib_name = N(iris.contribution_graph(doc_id))
    own: list[ox.Quad] = []
    contrib: list[ox.Quad] = []
    for q in quads:
        (contrib if q.graph_name == contrib_name else own).append(q)
    return own, contrib


def collect_doc_facts(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph, docs: dict[str, dict],
                      links: set[tuple[str, str]]) -> None:
    """Add the documents typed in ``graph`` of ``store``, the facts the inference reads about any
    document in ``docs`` (:data:`DOC_FACTS`) and the stated links there to ``docs`` and ``links``."""
    for q in store.quads_for_pattern(None, N(RDF.type), N(PK.PolicyDocument), graph):
        docs.setdefault(q.subject.value, {"iri": q.subject.value})
    for predicate in DOC_FACTS:
        for q in store.quads_for_pattern(None, N(predicate), None, graph):
            d = docs.get(q.subject.value) if isinstance(q.subject, ox.NamedNode) else None
            if d is not None:
                add_doc_fact(d, predicate, q.object.value)
    for prop in (ELI.applies, ELI.based_on):
        links.update((q.subject.value, q.object.value) for q in store.quads_for_pattern(None, N(prop), None, graph))


def merge_shared_facts(docs: dict[str, dict], links: set[tuple[str, str]], shared: ox.Store) -> None:
    """Add what the shared graph (``shared``'s default graph: :meth:`Contributions.merged`) says
    about documents (those known from citations) to ``docs`` and ``links``."""
    collect_doc_facts(shared, ox.DefaultGraph(), docs, links)


DOC_FACTS = {str(ELI.title): "title", str(PK.level): "level", str(ELI.jurisdiction): "place",
             str(ELI.date_document): "date"}


def add_doc_fact(doc: dict, predicate: str, value: str) -> None:
    """Record one fact the inference reads (title, level, place, date) in ``doc``; of several values
    for one key the smallest is kept, so every store derives the same links.

    >>> d = {}; add_doc_fact(d, str(PK.level), str(PK.level_county)); d
    {'level': 'county'}
    """
    key = DOC_FACTS[predicate]
    if key == "level":
        value = value.rsplit("level_", 1)[-1]
    doc[key] = min(doc.get(key, value), value)


def derived_quads(shared: ox.Store, docs: Iterable[dict], links: set[tuple[str, str]]
                  ) -> tuple[Iterator[ox.Quad], list[ox.Quad]]:
    """(shared graph, inferred graph) from the documents' merged contributions to shared nodes
    (``shared``'s default graph, completed here with the place tree), their facts (``iri``,
    ``title``, ``level``, ``place``) and stated links: the one derivation every store runs."""
    place_prefix = f"{iris.BASE}/place/"
    default, within = ox.DefaultGraph(), N(PK.withinAdmin)
    nodes = [q.subject for q in shared.quads_for_pattern(None, N(RDF.type), N(PK.Place), default)]
    nodes += [q.object for q in shared.quads_for_pattern(None, within, None, default)]
    codes = {n.value[len(place_prefix):] for n in nodes if n.value.startswith(place_prefix)}
    shared.extend(ox.Quad(q.subject, q.predicate, q.object) for q in places_quads(c for c in codes if c.isdigit()))
    parents: dict[str, set[str]] = {}
    for q in shared.quads_for_pattern(None, within, None, default):
        parents.setdefault(q.subject.value, set()).add(q.object.value)
    inferred = inferred_quads(sorted(docs, key=lambda x: x["iri"]), links, parents)
    return shared.quads_for_pattern(None, None, None, default), inferred


def write_nquads(quads: Iterable[ox.Quad], path: str | Path) -> None:
    """One document's quads as an N-Quads shard file (the build's per-document graph output),
    gzip-compressed when ``path`` ends in ``.gz`` (about a tenth of the size)."""
    if str(path).endswith(".gz"):
        with gzip.open(path, "wb", compresslevel=1) as fh:
            ox.serialize(quads, output=fh, format=ox.RdfFormat.N_QUADS)
    else:
        ox.serialize(quads, output=str(path), format=ox.RdfFormat.N_QUADS)


def read_nquads(path: str | Path) -> Iterator[ox.Quad]:
    """The quads of an N-Quads shard (gzip-compressed when ``path`` ends in ``.gz``), streamed."""
    if not str(path).endswith(".gz"):
        yield from ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
        return
    with gzip.open(path, "rb") as fh:
        yield from ox.parse(input=fh, format=ox.RdfFormat.N_QUADS)


def serialise_dataset(quads: list[ox.Quad], fmt: str) -> bytes:
    """``nquads``/``trig``/``jsonld`` keep the named graphs; ``turtle``/``ntriples`` write their union."""
    rdf_format = EXPORT_FORMATS[fmt]
    if fmt in DATASET_FORMATS:
        return ox.serialize(quads, format=rdf_format, prefixes=PREFIXES if fmt != "nquads" else None)
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
    return ox.serialize(triples, format=rdf_format, prefixes=PREFIXES if fmt == "turtle" else None)


@dataclass(frozen=True)
class DocumentDump:
    r"""One document as it travels between stores (``policykg publish``): its graph as N-Triples
    bytes, serialised by pyoxigraph without making a Python object per quad, and its contribution
    to the shared graph.

    >>> q = ox.Quad(N("http://x/a"), N("http://x/p"), ox.Literal("1 .\n2"), N(iris.document_graph("d")))
    >>> d = DocumentDump.of("d", [q])
    >>> d.quads() == [q]
    True
    >>> d.nquads().decode().endswith("<https://w3id.org/policykg/graph/doc/d> .\n")
    True
    """

    doc_id: str
    ntriples: bytes
    contribution: tuple[ox.Triple, ...] = ()

    @classmethod
    def of(cls, doc_id: str, quads: Iterable[ox.Quad]) -> DocumentDump:
        """From a document's quads (as ``kg.graph.document_quads`` gives them)."""
        own, contrib = split_contribution(doc_id, quads)
        body = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in own), format=ox.RdfFormat.N_TRIPLES)
        return cls(doc_id, body, tuple(ox.Triple(q.subject, q.predicate, q.object) for q in contrib))

    @property
    def graph(self) -> str:
        return iris.document_graph(self.doc_id)

    def nquads(self) -> bytes:
        r"""The document's graph as N-Quads (each N-Triples line ends in `` .\n``; a line break
        inside a literal is escaped, so the graph name goes before each line's end)."""
        return self.ntriples.replace(b" .\n", f" <{self.graph}> .\n".encode())

    def quads(self) -> list[ox.Quad]:
        """Its graph's quads and its contribution quads, as ``load_document`` takes them."""
        g, c = N(self.graph), N(iris.contribution_graph(self.doc_id))
        return ([ox.Quad(t.subject, t.predicate, t.object, g) for t in ox.parse(self.ntriples, format=ox.RdfFormat.N_TRIPLES)]
                + [ox.Quad(t.subject, t.predicate, t.object, c) for t in self.contribution])


class DocumentGraphs:
    """What every graph store derives from ``load_document`` and ``refresh_derived``."""

    def load_document(self, doc_id: str, quads: Iterable[ox.Quad], *, refresh: bool = True) -> None:
        raise NotImplementedError

    def refresh_derived(self) -> None:
        raise NotImplementedError

    def load_documents(self, items: Iterable[tuple[str, Iterable[ox.Quad]]]) -> None:
        """Load many documents, refreshing the derived graphs once at the end."""
        for doc_id, quads in items:
            self.load_document(doc_id, quads, refresh=False)
        self.refresh_derived()

    def load_document_files(self, items: Iterable[tuple[str, str | Path]]) -> None:
        """Load many documents from their N-Quads shards (``doc id, path``: what
        ``kg.graph.document_quads`` gave, serialised), one document in memory at a time."""
        self.load_documents((doc_id, read_nquads(path)) for doc_id, path in items)

    def load_document_dumps(self, items: Iterable[DocumentDump]) -> None:
        """Load many documents serialised by another store (:meth:`Store.dump_document`)."""
        self.load_documents((d.doc_id, d.quads()) for d in items)


class Store(DocumentGraphs):
    """pyoxigraph-backed store; ``path=None`` keeps it in memory (tests, fixtures).

    Each triple is stored in exactly one visible graph (a query's default graph is their union, and
    pyoxigraph does not de-duplicate a union): document graphs hold their own nodes' facts; the
    shared graph holds the merge of every document's facts about shared nodes plus the place tree;
    the inferred graph holds cascade links no document states. The documents' contributions to the
    shared graph live in ``path/contributions`` (:class:`Contributions`), outside the RocksDB store.

    A store written before contributions moved out (they were hidden named graphs inside it) is
    still read correctly: its queries then name the visible graphs as their dataset.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False):
        self.path = Path(path) if path is not None else None
        if self.path is None:
            self._store = ox.Store()
        elif read_only:
            self._store = ox.Store.read_only(str(self.path))
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(self.path))
        self.read_only = read_only
        self.contributions = Contributions(None if self.path is None else self.path / CONTRIBUTIONS,
                                           create=not read_only)
        self._legacy = any(_hidden(g) for g in self._store.named_graphs())
        if not read_only and not self._store.contains_named_graph(N(iris.ONTOLOGY_GRAPH)):
            self._store.load(path=str(ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE, to_graph=N(iris.ONTOLOGY_GRAPH))

    # --- writes
    def replace_graph(self, name: str, quads: Iterable[ox.Quad]) -> None:
        """Replace the named graph ``name`` with ``quads`` (their own graph names are ignored)."""
        graph = N(name)
        if self._store.contains_named_graph(graph):
            self._store.remove_graph(graph)
        self._store.add_graph(graph)
        self._store.extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)

    def load_document(self, doc_id: str, quads: Iterable[ox.Quad], *, refresh: bool = True) -> None:
        """Replace one document: its graph and its contribution to the shared graph
        (quads in ``iris.contribution_graph(doc_id)`` are contributions; all others are its own)."""
        own, contrib = split_contribution(doc_id, quads)
        self._drop_legacy_contribution(doc_id)
        self.replace_graph(iris.document_graph(doc_id), own)
        self.contributions.put(doc_id, contrib)
        if refresh:
            self.refresh_derived()

    def load_document_files(self, items: Iterable[tuple[str, str | Path]]) -> None:
        """Load many documents from their N-Quads shards with pyoxigraph's bulk loader, streaming:
        a document's own quads go from its file to the store without being held in memory, its
        contribution to :attr:`contributions` (a document already loaded is replaced); the derived
        graphs are refreshed once at the end."""
        items = list(items)
        for doc_id, _ in items:
            self.remove_document(doc_id, refresh=False)
            self._store.add_graph(N(iris.document_graph(doc_id)))
        self._store.bulk_extend(q for doc_id, path in items for q in self._own_quads(doc_id, path))
        self.refresh_derived()

    def _own_quads(self, doc_id: str, path: str | Path) -> Iterator[ox.Quad]:
        """The quads of one shard outside its contribution graph; the contribution is stored aside."""
        contrib_name = N(iris.contribution_graph(doc_id))
        contrib: list[ox.Quad] = []
        for q in read_nquads(path):
            if q.graph_name == contrib_name:
                contrib.append(q)
            else:
                yield q
        self.contributions.put(doc_id, contrib)

    def remove_document(self, doc_id: str, *, refresh: bool = True) -> None:
        """Withdraw one document; shared facts only it stated disappear."""
        if self._store.contains_named_graph(N(iris.document_graph(doc_id))):
            self._store.remove_graph(N(iris.document_graph(doc_id)))
        self._drop_legacy_contribution(doc_id)
        self.contributions.remove(doc_id)
        if refresh:
            self.refresh_derived()

    def _drop_legacy_contribution(self, doc_id: str) -> None:
        """A contribution an older store kept as a hidden graph moves to :attr:`contributions`."""
        if not self._legacy:
            return
        graph = N(iris.contribution_graph(doc_id))
        if self._store.contains_named_graph(graph):
            self.contributions.put(doc_id, self._store.quads_for_pattern(None, None, None, graph))
            self._store.remove_graph(graph)

    def refresh_derived(self) -> None:
        """Recompute the shared and inferred graphs from the documents' graphs and contributions."""
        if self._legacy:
            for g in [g for g in self._store.named_graphs() if _hidden(g)]:
                self._drop_legacy_contribution(g.value[len(iris.CONTRIB_BASE):])
            self._legacy = False
        doc_graphs = [g for g in self._store.named_graphs() if g.value.startswith(DOC_GRAPH_PREFIX)]
        shared = self.contributions.merged()
        docs: dict[str, dict] = {}
        links: set[tuple[str, str]] = set()
        for g in doc_graphs:
            collect_doc_facts(self._store, g, docs, links)
        merge_shared_facts(docs, links, shared)
        shared_q, inferred_q = derived_quads(shared, docs.values(), links)
        self.replace_graph(iris.SHARED_GRAPH, shared_q)
        self.replace_graph(iris.INFERRED_GRAPH, inferred_q)
        if self._store.contains_named_graph(N(iris.PLACES_GRAPH)):
            self._store.remove_graph(N(iris.PLACES_GRAPH))

    def flush(self) -> None:
        """Persist pending writes (on-disk stores)."""
        if self.path is not None and not self.read_only:
            self._store.flush()

    # --- reads
    def graphs(self) -> list[ox.NamedNode]:
        """The visible named graphs."""
        return visible_graphs(self._store)

    def query(self, sparql: str, *, union: bool = True, prefixes: dict[str, str] | None = None, **kwargs):
        """Run a SPARQL query over the visible graphs (the default graph is their union unless
        ``union=False``). Unbounded: the public endpoint goes through ``kg.sparql``."""
        prefixes = PREFIXES if prefixes is None else prefixes
        if self._legacy:  # hidden graphs inside: name the visible ones
            visible = self.graphs()
            if union:
                kwargs.setdefault("default_graph", visible)
            kwargs.setdefault("named_graphs", visible)
        elif union and "default_graph" not in kwargs:
            kwargs["use_default_graph_as_union"] = True
        return self._store.query(sparql, prefixes=prefixes, **kwargs)

    def document_quads(self, doc_id: str) -> list[ox.Quad]:
        """One document as it was loaded: its graph's quads and its contribution quads."""
        contrib = N(iris.contribution_graph(doc_id))
        own = list(self._store.quads_for_pattern(None, None, None, N(iris.document_graph(doc_id))))
        if self._legacy and self._store.contains_named_graph(contrib):
            return own + list(self._store.quads_for_pattern(None, None, None, contrib))
        return own + [ox.Quad(t.subject, t.predicate, t.object, contrib) for t in self.contributions.get(doc_id)]

    def dump_document(self, doc_id: str) -> DocumentDump:
        """One document serialised for another store (its graph dumped by pyoxigraph)."""
        body = self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=N(iris.document_graph(doc_id)))
        contrib = [q for q in self.document_quads(doc_id) if q.graph_name.value == iris.contribution_graph(doc_id)] \
            if self._legacy else self.contributions.get(doc_id)
        return DocumentDump(doc_id, body, tuple(ox.Triple(t.subject, t.predicate, t.object) for t in contrib))

    def document_ids(self) -> list[str]:
        """Ids of the documents loaded."""
        return sorted(g.value[len(DOC_GRAPH_PREFIX):] for g in self._store.named_graphs()
                      if g.value.startswith(DOC_GRAPH_PREFIX))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every visible quad, or those of one named graph."""
        if graph:
            return self._store.quads_for_pattern(None, None, None, N(graph))
        return (q for g in self.graphs() for q in self._store.quads_for_pattern(None, None, None, g))

    def count(self) -> int:
        """Number of visible quads."""
        if not self._legacy:
            return len(self._store) - sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return sum(1 for _ in self.quads())

    def export(self, fmt: str = "nquads", path: str | Path | None = None) -> bytes:
        """Serialise the visible dataset: ``nquads``/``trig``/``jsonld`` keep the named graphs;
        ``turtle``/``ntriples`` write the union of all graphs as one graph."""
        if fmt not in EXPORT_FORMATS:
            raise BadRequest(f"unknown export format {fmt!r}; expected one of {sorted(EXPORT_FORMATS)}")
        data = serialise_dataset(list(self.quads()), fmt)
        if path is not None:
            Path(path).write_bytes(data)
        return data


def open_store(data_dir: str | Path) -> Store:
    """The built store of a data directory, read-only (NotBuilt when absent)."""
    path = Path(data_dir) / "graph"
    if not path.is_dir():
        raise NotBuilt(f"no graph store in {data_dir}; run `policykg build`")
    return Store(path, read_only=True)


def build_store(path: str | Path | None, docs, extraction: dict | None = None) -> Store:
    """A store holding every document (``docs``: ``corpus.model.Document``) with its extraction."""
    extraction = extraction or {}
    doc_iris = {d.id: document_iri_of(d) for d in docs}
    store = Store(path)
    store.load_documents((d.id, document_quads(d, extraction.get(d.id), doc_iris)) for d in docs)
    store.flush()
    return store
