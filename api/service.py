"""The service core: one object behind the REST API, the CLI and the web UI.

``PolicyKG(data_dir)`` loads the built data directory lazily (documents, extraction
records, graph store, search index — each once, on first use), validates input and
raises ``corpus.errors.*``; it returns plain JSON-able dicts and lists. The heavy
lifting is delegated to the extraction, graph, search and cascade modules, which are
loaded lazily (the embedding model on the first search), so opening a document page never loads it.

>>> PolicyKG.check_text("  稳定粮食生产 ", "q", 500)
'稳定粮食生产'
>>> PolicyKG.check_text("", "q", 500)
Traceback (most recent call last):
...
corpus.errors.BadRequest: q must not be empty
>>> PolicyKG.check_k(None, default=10), PolicyKG.check_k(3)
(10, 3)
"""
from __future__ import annotations

import json
import re
import threading
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar
from urllib.parse import quote as url_quote

from api.config import Backends, open_graph_store, open_search_index, resolve_backends
from api.datadir import (
    EXTRACTION,
    GRAPH,
    INDEX,
    MANIFEST,
    build_id,
    current_build,
    load_documents,
    load_extractions,
    not_built,
)
from api.views.cascade import cascade_pair, concept_json, stored_index
from api.views.facts import entities_view, slogans_view, target_dict, targets_view
from api.views.listing import LISTS, MAX_PAGE, check_window, page_rows, sort_rows
from api.views.overview import examples as overview_examples
from api.views.overview import level_year_grid, top_concepts
from corpus.errors import BadRequest, NotFound, PolicyKGError, WarmingUp
from corpus.model import LEVELS, Document, Provision, Sentence
from embeddings.query import HELP as QUERY_HELP
from embeddings.query import SCOPES
from embeddings.search import SORTS, SearchIndex
from kg.cascade.concept import EntityTable
from kg.iris import entity_iri
from kg.records import ENTITY_TYPES, DocumentExtraction
from kg.sparql_limits import MAX_QUERY_CHARS as SPARQL_MAX_CHARS

T = TypeVar("T")

MAX_QUERY_CHARS = 500
MAX_DRAFT_CHARS = 2000
MAX_NAME_CHARS = 200
MAX_K = 100
FACT_TYPES = ENTITY_TYPES + ("target",)
_YEAR = re.compile(r"^(19|20)\d\d$")
_LEADING_NUMBER = re.compile(r"^\d{1,4}$")


def _by_level(rec: dict) -> tuple:
    """Sort key: level from central down, then year, then document."""
    lv = rec.get("level")
    return (LEVELS.index(lv) if lv in LEVELS else len(LEVELS), rec.get("year") or 0, rec.get("doc_id", ""))


def surface_span(surface: str, quote: str, start: int, end: int) -> tuple[int, int]:
    """The offsets of the entity's own words inside its mention span: some mentions (an
    indicator read with its target value) quote more than the surface form.

    >>> surface_span("总产", "总产稳定在30万吨以上", 100, 111)
    (100, 102)
    >>> surface_span("三溪镇", "三溪镇", 5, 8)
    (5, 8)
    """
    if surface and surface != quote:
        i = quote.find(surface)
        if i >= 0:
            return start + i, start + i + len(surface)
    return start, end


def resolve_document(docs: Iterable[Document], ref: str | None) -> Document:
    """The document named by ``ref``: id, id prefix (4+ hex digits), file name or stem, the
    stem's leading number (``"000"``) or 文号. NotFound if none, BadRequest if empty or ambiguous.
    The one resolver behind the REST API, the web UI and the CLI."""
    ref = PolicyKG.check_text(ref, "document", MAX_NAME_CHARS)
    docs = list(docs)
    candidates: list[Callable[[Document], bool]] = [
        lambda d: d.id == ref,
        lambda d: d.source == ref or Path(d.source).name == ref or Path(d.source).stem == ref,
        lambda d: d.doc_number == ref,
    ]
    if _LEADING_NUMBER.match(ref):
        candidates.append(lambda d: re.match(rf"^0*{int(ref)}(?:\D|$)", Path(d.source).stem) is not None)
    if len(ref) >= 4 and re.fullmatch(r"[0-9a-f]+", ref):
        candidates.append(lambda d: d.id.startswith(ref))
    for pred in candidates:
        hits = [d for d in docs if pred(d)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise BadRequest(f"document {ref!r} is ambiguous: {', '.join(d.source for d in hits)}")
    raise NotFound("document", ref)


class PolicyKG:
    """Everything a researcher can ask of one built data directory."""

    def __init__(self, data_dir: str | Path = "data", *, sparql_workers: int | None = None,
                 backends: Backends | None = None):
        """``sparql_workers``: size of the SPARQL worker pool (default: the available cores);
        ``backends``: which store serves the graph (default: ``api.config.resolve_backends``).

        The build it reads is the one ``data_dir`` serves now (``api.datadir.current_build``),
        pinned for this object's life: a later build switches ``data/current`` but not this object
        (the web edge makes a new one per build, see ``api.web.snapshot``)."""
        self.root = Path(data_dir)
        self.build_id = build_id(self.root)
        self.data_dir = current_build(self.root)
        self.sparql_workers = sparql_workers
        self.backends = backends or resolve_backends(self.root)
        self._lock = threading.RLock()
        self._cache: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._warm_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ loading
    def _once(self, key: str, loader: Callable[[], T]) -> T:
        """Load ``key`` once and keep it; concurrent callers of the same key wait for the
        first, other keys are not blocked."""
        try:
            return self._cache[key]
        except KeyError:
            pass
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = loader()
            return self._cache[key]

    def _require_built(self) -> None:
        if not (self.data_dir / MANIFEST).is_file():
            raise not_built(self.root)

    def manifest(self) -> dict:
        """The build manifest (version, built_at, documents, rejected, stages)."""
        self._require_built()
        return self._once("manifest", lambda: json.loads((self.data_dir / "manifest.json").read_text("utf-8")))

    @property
    def _docs(self) -> dict[str, Document]:
        def load() -> dict[str, Document]:
            self._require_built()

            docs = load_documents(self.data_dir)
            items = docs.values() if isinstance(docs, dict) else docs
            return {d.id: d for d in sorted(items, key=lambda d: d.source)}

        return self._once("docs", load)

    @property
    def _extraction(self) -> dict[str, DocumentExtraction]:
        def load() -> dict[str, DocumentExtraction]:
            loaded = load_extractions(self.data_dir / EXTRACTION)
            return {d: loaded[d] for d in self._docs if d in loaded}  # in document order

        return self._once("extraction", load)

    @property
    def _entities(self) -> dict[str, dict]:
        """Every entity once across the corpus, with all its mentions."""

        def load() -> dict[str, dict]:
            ents: dict[str, dict] = {}
            for doc_id, ex in self._extraction.items():
                for e in ex.entities:
                    cur = ents.setdefault(e.id, {**e.model_dump(), "mentions": []})
                    for a in e.aliases:
                        if a not in cur["aliases"]:
                            cur["aliases"].append(a)
                for m in ex.mentions:
                    if m.entity_id in ents:
                        span = m.span.model_dump()
                        span["start"], span["end"] = surface_span(m.surface, m.span.quote, m.span.start, m.span.end)
                        ents[m.entity_id]["mentions"].append({"surface": m.surface, **span})
            return ents

        return self._once("entities", load)

    @property
    def _index(self):
        if self.warming and threading.current_thread() is not self._warm_thread:
            raise WarmingUp("the search model is still loading; retry in a few seconds", retry_after=5)

        def load():
            self._require_built()

            index = SearchIndex.load(self.data_dir)
            external = open_search_index(self.backends)
            if external is not None:  # candidates from the external index; tables and ranking stay here
                index.backend = external.backend(index.ix.model)
            return index

        return self._once("index", load)

    def warm(self, search: bool = True) -> None:
        """Load everything now (a server calls this before taking requests)."""
        self.documents()
        self._entities  # noqa: B018 - loads extraction
        self.facets  # noqa: B018
        self.overview()
        if search:
            self._index.search("乡村振兴", k=1)  # loads the index and warms the encoder up

    def start_warming(self) -> threading.Thread:
        """Load the search index and warm its encoder up in a background thread (a server's first
        seconds). Until it is done, ``search``, ``precedent`` and ``concept`` raise ``WarmingUp``
        (retry after a few seconds) instead of waiting; everything else answers at once. If loading
        fails, the next search loads again in the caller and raises the real error."""
        with self._lock:
            if self._warm_thread is None:
                self._warm_thread = threading.Thread(target=self._warm_search, name="policykg-warm", daemon=True)
                self._warm_thread.start()
            return self._warm_thread

    def _warm_search(self) -> None:
        try:
            self._index.search("乡村振兴", k=1)
        except Exception:  # noqa: BLE001 - reported by the next search, which loads again in its caller
            pass

    @property
    def warming(self) -> bool:
        """True while a background warm-up (``start_warming``) is loading the search model."""
        t = self._warm_thread
        return t is not None and t.is_alive()

    @property
    def warm_started(self) -> bool:
        """True once ``start_warming`` was called (a server warms each new build the same way)."""
        return self._warm_thread is not None

    # --------------------------------------------------------------- validation
    @staticmethod
    def check_text(value: str | None, name: str, limit: int) -> str:
        """Strip ``value``; BadRequest if it is empty or longer than ``limit`` characters."""
        text = (value or "").strip()
        if not text:
            raise BadRequest(f"{name} must not be empty")
        if len(text) > limit:
            raise BadRequest(f"{name} is {len(text)} characters long; the limit is {limit}")
        return text

    @staticmethod
    def check_k(k: int | str | None, default: int = 10) -> int:
        """A result count between 1 and ``MAX_K``."""
        if k is None or k == "":
            return default
        try:
            n = int(k)
        except (TypeError, ValueError):
            raise BadRequest(f"k must be an integer, got {k!r}") from None
        if not 1 <= n <= MAX_K:
            raise BadRequest(f"k must be between 1 and {MAX_K}, got {n}")
        return n

    @staticmethod
    def _check_choice(value: str | None, name: str, allowed: tuple[str, ...]) -> str | None:
        if value in (None, ""):
            return None
        if value not in allowed:
            raise BadRequest(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        return value

    @staticmethod
    def _check_year(year: int | str | None) -> int | None:
        if year in (None, ""):
            return None
        if not _YEAR.match(str(year)):
            raise BadRequest(f"year must be a four-digit year, got {year!r}")
        return int(year)

    # ---------------------------------------------------------------- documents
    def documents(self) -> list[dict]:
        """Every document's metadata, in file order."""
        return list(self._once("documents", lambda: [self._summary(d) for d in self._docs.values()]))

    def parsed_documents(self) -> list[Document]:
        """Every document of the build (``corpus.model.Document``), by source file name."""
        self._require_built()
        return list(self._docs.values())

    def resolve(self, ref: str | None) -> Document:
        """The document named by ``ref`` (see :func:`resolve_document`)."""
        docs = self._docs
        return docs.get((ref or "").strip()) or resolve_document(docs.values(), ref)

    def _summary(self, d: Document) -> dict:
        return {
            "id": d.id,
            "title": d.title,
            "doc_number": d.doc_number,
            "doc_number_inferred": d.doc_number_inferred,
            "date": d.date,
            "year": int(d.date[:4]) if d.date else None,
            "issuers": d.issuers,
            "level": d.level,
            "place": d.place,
            "place_code": d.place_code,
            "genre": d.genre,
            "source": d.source,
            "n_provisions": len(d.provisions),
            "n_sentences": sum(len(p.sentences) for p in d.provisions),
        }

    @staticmethod
    def check_page(offset: int | str | None, limit: int | str | None, max_limit: int) -> tuple[int, int]:
        """``(offset, limit)`` of a page: offset ≥ 0 (default 0), 1 ≤ limit ≤ ``max_limit`` (default ``max_limit``).

        >>> PolicyKG.check_page(None, None, 1000), PolicyKG.check_page("20", 5, 1000)
        ((0, 1000), (20, 5))
        """
        try:
            off = 0 if offset in (None, "") else int(offset)
            lim = max_limit if limit in (None, "") else int(limit)
        except (TypeError, ValueError):
            raise BadRequest("offset and limit must be integers") from None
        if off < 0 or not 1 <= lim <= max_limit:
            raise BadRequest(f"offset must be ≥ 0 and limit between 1 and {max_limit}")
        return off, lim

    def document(self, ref: str, offset: int | str | None = None, limit: int | str | None = None,
                 max_limit: int | None = None) -> dict:
        """One document: metadata, provision tree (with entity mentions in provision-relative
        offsets), citations out and in, targets, slogans and its place in the cascade chain.

        ``offset`` / ``limit`` page the provisions (at most ``max_limit`` a page; None: all of
        them); ``provisions_page`` says which (``next``: the offset of the next page, or None)."""
        d = self.resolve(ref)
        off, lim = self.check_page(offset, limit, max_limit or max(len(d.provisions), 1))
        ex = self._extraction.get(d.id)
        types = {e.id: e.type for e in ex.entities} if ex else {}
        by_prov: dict[str, list[dict]] = defaultdict(list)
        if ex:
            for m in ex.mentions:
                start, end = surface_span(m.surface, m.span.quote, m.span.start, m.span.end)
                by_prov[m.span.provision_id].append(
                    {"entity_id": m.entity_id, "type": types.get(m.entity_id), "surface": m.surface,
                     "start": start, "end": end}
                )
        provisions = []
        depth: dict[str, int] = {}
        for i, p in enumerate(d.provisions):
            depth[p.id] = depth.get(p.parent, -1) + 1 if p.parent else 0
            if not off <= i < off + lim:
                continue
            ments = sorted(
                ({**m, "start": m["start"] - p.start, "end": m["end"] - p.start} for m in by_prov.get(p.id, [])
                 if p.start <= m["start"] and m["end"] <= p.end),
                key=lambda m: (m["start"], -m["end"]),
            )
            provisions.append({
                "id": p.id, "kind": p.kind, "number": p.number, "title": p.title, "text": p.text,
                "parent": p.parent, "children": p.children, "depth": depth[p.id],
                "table": p.table.model_dump() if p.table else None, "mentions": ments,
            })
        cites = [c.model_dump() for c in d.cites]
        for c in cites:
            target = self._docs.get(c["resolved_doc_id"] or "")
            c["resolved_title"] = target.title if target else None
        entities = Counter(m.entity_id for m in ex.mentions) if ex else Counter()
        ents = self._entities
        return {
            **self._summary(d),
            "provisions": provisions,
            "provisions_page": {"offset": off, "limit": lim, "total": len(d.provisions),
                                "next": off + lim if off + lim < len(d.provisions) else None},
            "notes": [n.model_dump() for n in d.notes],
            "cites": cites,
            "cited_by": self._cited_by(d.id),
            "chain": self.chain(d.id),
            "entities": [
                {"id": eid, "name": ents[eid]["name"], "type": ents[eid]["type"], "count": n}
                for eid, n in entities.most_common() if eid in ents
            ],
            "targets": [self._with_doc(target_dict(t)) for t in ex.targets] if ex else [],
            "slogans": [s.model_dump(exclude={"span"}) for s in ex.slogans] if ex else [],
            "warnings": [w.model_dump() for w in d.warnings],
        }

    def _cited_by(self, doc_id: str) -> list[dict]:
        """The corpus documents citing ``doc_id`` (the reverse citation index is built once)."""

        def load() -> dict[str, list[dict]]:
            index: dict[str, list[dict]] = defaultdict(list)
            for other in self._docs.values():
                for c in other.cites:
                    if c.resolved_doc_id and c.resolved_doc_id != other.id:
                        index[c.resolved_doc_id].append(
                            {"doc_id": other.id, "title": other.title, "level": other.level,
                             "place": other.place, "relation": c.relation, "provision_id": c.provision_id})
            return dict(index)

        return [dict(r) for r in self._once("cited_by", load).get(doc_id, [])]

    def chain(self, doc_id: str) -> list[dict]:
        """The documents above ``doc_id`` in the cascade (nearest first), including
        documents outside the corpus and inferred links, from the graph's cascade view."""
        def load() -> list[dict]:
            from kg import views  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where the graph is read

            return views.chain_above(self._store, doc_id, self._links)

        return self._once(f"chain:{doc_id}", load)

    @property
    def _links(self):
        """The cascade's documents and links (``kg.views.cascade_links``), read from the graph once
        and walked for every chain and linked pair."""
        def load():
            from kg import views  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where the graph is read

            return views.cascade_links(self._store)

        return self._once("cascade_links", load)

    @property
    def _store(self):
        def load():
            self._require_built()

            if not self.backends.remote_graph:
                from kg.store import open_store  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where the graph is read

                return open_store(self.data_dir)  # NotBuilt when the build has no graph
            return open_graph_store(self.root, self.backends)  # the external store and its shards are not per build

        return self._once("store", load)

    # ------------------------------------------------------------------- search
    def search(self, q: str | None, k: int | str | None = 10, level: str | None = None, doc: str | None = None,
               place: str | None = None, year: int | str | None = None, type: str | None = None, *,
               offset: int | str | None = 0, sort: str | None = None, cutoff: float | str | None = None,
               scope: str | None = None) -> dict:
        """Search with the query syntax of :mod:`embeddings.query` (exact matches first): one page
        ``results[offset:offset+k]`` of ``total`` provisions, sorted by relevance or date, facets
        over the whole result set, the semantic tail down to ``cutoff`` (dense score, 0–1)."""
        query = self.check_text(q, "q", MAX_QUERY_CHARS)
        k = self.check_k(k)
        filters = {
            "level": self._check_choice(level, "level", LEVELS),
            "doc": self.resolve(doc).id if doc else None,
            "place": self.check_text(place, "place", MAX_NAME_CHARS) if place else None,
            "year": self._check_year(year),
            "type": self._check_choice(type, "type", FACT_TYPES),
        }
        res = self._index.search(query, k=k, filters={f: v for f, v in filters.items() if v is not None},
                                 offset=self._check_offset(offset), sort=self._check_choice(sort, "sort", SORTS) or "relevance",
                                 cutoff=self._check_cutoff(cutoff), scope=self._check_choice(scope, "scope", SCOPES))
        for r in res.get("results", []):  # the full provision path for the citation (第八章 第四节)
            d = self._docs.get(r.get("doc_id", ""))
            if d is not None:
                r["provision_path"] = d.path_number(r.get("provision_id", "")) or r.get("provision_number", "")
        out = {**res, "query": query, "k": k, "filters": filters}
        if filters["year"] is not None:
            out["excluded"] = {"undated_documents": self._undated(filters)}
        return out

    def _undated(self, filters: dict) -> int:
        """How many documents a year filter leaves out for having no date (among those the
        other document filters keep)."""
        return sum(1 for d in self._docs.values() if not d.date
                   and (filters.get("level") is None or d.level == filters["level"])
                   and (filters.get("place") is None or d.place == filters["place"])
                   and (filters.get("doc") is None or d.id == filters["doc"]))

    @staticmethod
    def _check_offset(offset: int | str | None) -> int:
        if offset in (None, ""):
            return 0
        try:
            n = int(offset)
        except (TypeError, ValueError):
            raise BadRequest(f"offset must be an integer, got {offset!r}") from None
        if n < 0:
            raise BadRequest(f"offset must not be negative, got {n}")
        return n

    @staticmethod
    def _check_cutoff(cutoff: float | str | None) -> float | None:
        if cutoff in (None, ""):
            return None
        try:
            c = float(cutoff)
        except (TypeError, ValueError):
            raise BadRequest(f"cutoff must be a number, got {cutoff!r}") from None
        if not 0.0 <= c <= 1.0:
            raise BadRequest(f"cutoff must be between 0 and 1, got {c}")
        return c

    @staticmethod
    def search_help() -> str:
        """The query syntax, as text (search box, API, CLI)."""
        return QUERY_HELP

    @property
    def facets(self) -> dict:
        """Filter values over the whole corpus with counts: level, place, document, year, fact type."""

        def load() -> dict:
            docs = list(self._docs.values())
            level = Counter(d.level for d in docs if d.level)
            place = Counter(d.place for d in docs if d.place)
            year = Counter(int(d.date[:4]) for d in docs if d.date)
            types: Counter = Counter()
            for ex in self._extraction.values():
                tmap = {e.id: e.type for e in ex.entities}
                types.update(tmap.get(m.entity_id) for m in ex.mentions)
                types["target"] += len(ex.targets)
            return {
                "level": [{"value": v, "count": level[v]} for v in LEVELS if level[v]],
                "place": [{"value": v, "count": n} for v, n in place.most_common()],
                "doc": [{"value": d.id, "label": d.title, "source": d.source, "count": 1} for d in docs],
                "year": [{"value": v, "count": year[v]} for v in sorted(year)],
                "type": [{"value": v, "count": types[v]} for v in FACT_TYPES if types[v]],
            }

        return self._once("facets", load)

    def precedent(self, text: str | None, k: int | str | None = 5) -> dict:
        """The ``k`` closest existing sentences to a draft, cited, with a character diff.

        A paragraph (several draft sentences) also gets ``parts``: ``k`` precedents per
        draft sentence with its offsets; ``results`` then holds each part's best one.
        """
        draft = self.check_text(text, "text", MAX_DRAFT_CHARS)
        k = self.check_k(k, default=5)
        res = self._index.precedent(draft, k=k)
        return res if isinstance(res, dict) else {"draft": draft, "results": res}

    # -------------------------------------------------------------------- lists
    def list_page(self, kind: str, *, sort: str | None = None, order: str | None = None,
                  offset: int | str | None = None, limit: int | str | None = None, everything: bool = False,
                  **filters: Any) -> dict:
        """One sorted page of a list (``documents``: level, place, year; ``entities``: type, q;
        ``targets``: indicator, doc, level): ``rows``, ``total``, ``offset``, ``limit``, ``next``,
        ``prev``, ``sort``, ``order`` and ``excluded`` (what a filter left out that a reader would
        not expect: undated documents under a year filter). ``everything``: one page of all rows
        (exports); otherwise at most ``api.views.listing.MAX_PAGE`` a page."""
        if kind not in LISTS:
            raise BadRequest(f"unknown list {kind!r}; expected one of {', '.join(LISTS)}")
        excluded: dict[str, int] = {}
        if kind == "documents":
            level = self._check_choice(filters.get("level"), "level", LEVELS)
            place = filters.get("place") or None
            year = self._check_year(filters.get("year"))
            rows = [d for d in self.documents() if (level is None or d["level"] == level)
                    and (place is None or d["place"] == place)]
            if year is not None:
                excluded["undated_documents"] = sum(1 for d in rows if d["year"] is None)
                rows = [d for d in rows if d["year"] == year]
            applied = {"level": level, "place": place, "year": year}
        elif kind == "entities":
            applied = {"type": filters.get("type") or None, "q": filters.get("q") or None}
            rows = self.entities(**applied)
        else:
            level = self._check_choice(filters.get("level"), "level", LEVELS)
            doc = self.resolve(filters["doc"]).id if filters.get("doc") else None
            applied = {"indicator": filters.get("indicator") or None, "doc": doc, "level": level}
            rows = [t for t in self.targets(applied["indicator"]) if (doc is None or t["doc_id"] == doc)
                    and (level is None or t.get("level") == level)]
        rows = sort_rows(rows, kind, sort, order)
        if everything:  # an export: every row unless a window is asked for
            off, lim = check_window(offset, limit, default=max(len(rows), 1), most=max(len(rows), MAX_PAGE))
        else:
            off, lim = check_window(offset, limit)
        return {**page_rows(rows, off, lim), "kind": kind, "sort": sort or None, "order": order or "asc",
                "filters": applied, "excluded": excluded}

    def example_pairs(self) -> list[dict]:
        """Linked (upper → lower) pairs for the home page's cascade examples: stated links first,
        then the nearest (``cascade_pairs``), each with both titles, levels and places. A build
        without a graph offers the resolved citations only."""
        docs = self._docs
        try:
            pairs = self.cascade_pairs()
        except PolicyKGError:  # a build without a graph: the stated citations only
            pairs = [{"upper": c.resolved_doc_id, "lower": d.id, "inferred": False, "distance": 1}
                     for d in docs.values() for c in d.cites if c.resolved_doc_id in docs and c.resolved_doc_id != d.id]
        out, seen = [], set()
        for p in sorted(pairs, key=lambda p: (bool(p.get("inferred")), p.get("distance") or 1)):
            key = (p["upper"], p["lower"])
            if key in seen or p["upper"] == p["lower"]:
                continue
            seen.add(key)
            u, d = docs[p["upper"]], docs[p["lower"]]
            out.append({"upper": u.id, "lower": d.id, "upper_title": u.title, "lower_title": d.title,
                        "upper_level": u.level, "lower_level": d.level, "upper_place": u.place,
                        "lower_place": d.place, "inferred": bool(p.get("inferred")), "distance": p.get("distance") or 1})
        return out

    def overview(self) -> dict:
        """The corpus at a glance: documents by level and year, top concepts, example questions
        read from the data (``api.views.overview``), and the build's id and date."""

        def load() -> dict:
            ents = self.entities()
            return {"grid": level_year_grid(self.documents()), "concepts": top_concepts(ents),
                    "n_entities": len(ents), "n_targets": sum(len(ex.targets) for ex in self._extraction.values()),
                    "examples": overview_examples(ents, self.targets(), self.example_pairs()),
                    "build_id": self.build_id, "built_at": self.manifest().get("built_at")}

        return self._once("overview", load)

    # ---------------------------------------------------------- entities & facts
    def entities(self, type: str | None = None, q: str | None = None) -> list[dict]:
        """Entities (optionally of one type, or whose name/alias contains ``q``) with mention counts."""
        type = self._check_choice(type, "type", ENTITY_TYPES)
        needle = self.check_text(q, "q", MAX_QUERY_CHARS) if q not in (None, "") else None
        out = []
        for e in self._entities.values():
            if type and e["type"] != type:
                continue
            if needle and not any(needle in n for n in [e["name"], *e["aliases"]]):
                continue
            docs = {m["doc_id"] for m in e["mentions"]}
            out.append({"id": e["id"], "type": e["type"], "name": e["name"], "aliases": e["aliases"],
                        "attrs": e["attrs"], "n_mentions": len(e["mentions"]), "n_documents": len(docs)})
        out.sort(key=lambda e: (-e["n_documents"], -e["n_mentions"], e["name"]))
        return out

    def fact_list(self, kind: str, **filters) -> list[dict]:
        """The CLI's fact listings: ``entities`` (type, doc), ``targets`` (doc, indicator) or
        ``slogans`` (doc), from the loaded extraction records (see ``api.views.facts``)."""
        views = {"entities": entities_view, "targets": targets_view, "slogans": slogans_view}
        if kind not in views:
            raise BadRequest(f"unknown fact list {kind!r}; expected one of {', '.join(views)}")
        self._require_built()
        sources = {d.id: d.source for d in self._docs.values()}
        return views[kind](self._extraction.values(), sources, **filters)

    def entity(self, entity_id: str) -> dict:
        """One entity: attributes, every mention grouped by level, and for slogans their
        components per document, for indicators their targets over levels."""
        eid = self.check_text(entity_id, "entity id", MAX_NAME_CHARS)
        e = self._entities.get(eid)
        if e is None:
            raise NotFound("entity", eid)
        docs = self._docs
        groups: dict[str, list[dict]] = defaultdict(list)
        for m in e["mentions"]:
            d = docs[m["doc_id"]]
            sent = self._sentence(d, m["provision_id"], m["sentence_id"])
            groups[d.level or "unknown"].append({
                **m, "doc_title": d.title, "doc_number": d.doc_number, "place": d.place,
                "provision_number": self._provision_number(d, m["provision_id"]),
                "provision_path": d.path_number(m["provision_id"]),
                "sentence": sent.text if sent else "", "sentence_start": sent.start if sent else 0,
            })
        order = [lv for lv in (*LEVELS, "unknown") if lv in groups]
        out = {k: v for k, v in e.items() if k != "mentions"}
        out["n_mentions"] = len(e["mentions"])
        out["mentions_by_level"] = [{"level": lv, "mentions": groups[lv]} for lv in order]
        out["slogans"] = sorted((self._with_doc(s.model_dump(exclude={"span"})) for ex in self._extraction.values()
                                 for s in ex.slogans if s.slogan_id == eid), key=_by_level) if e["type"] == "slogan" else []
        out["targets"] = sorted(self._targets_for(eid), key=_by_level) if e["type"] == "indicator" else []
        return out

    def targets(self, indicator: str | None = None) -> list[dict]:
        """Numeric targets, optionally only those whose indicator name, id or wording contains ``indicator``."""
        needle = self.check_text(indicator, "indicator", MAX_NAME_CHARS) if indicator not in (None, "") else None
        out = []
        for ex in self._extraction.values():
            for t in ex.targets:
                if needle and needle not in t.indicator and needle not in t.indicator_text and needle != t.indicator_id:
                    continue
                out.append(self._with_doc(target_dict(t)))
        return out

    def _targets_for(self, indicator_id: str) -> list[dict]:
        return [self._with_doc(target_dict(t)) for ex in self._extraction.values()
                for t in ex.targets if t.indicator_id == indicator_id]

    def _with_doc(self, rec: dict) -> dict:
        d = self._docs.get(rec.get("doc_id", ""))
        if d:
            rec.update(doc_title=d.title, doc_number=d.doc_number, level=d.level, doc_place=d.place,
                       provision_number=self._provision_number(d, rec.get("provision_id", "")),
                       provision_path=d.path_number(rec.get("provision_id", "")))
            for st in rec.get("also_stated") or []:  # a target's further statements (text and table)
                st["provision_number"] = self._provision_number(d, st.get("provision_id", ""))
                st["provision_path"] = d.path_number(st.get("provision_id", ""))
        return rec

    @property
    def _provisions(self) -> dict[str, dict[str, Provision]]:
        """doc id → provision id → provision, built once (mention lookups are then O(1))."""
        return self._once("provisions", lambda: {d.id: {p.id: p for p in d.provisions} for d in self._docs.values()})

    def _provision_number(self, d: Document, provision_id: str) -> str:
        p = self._provisions.get(d.id, {}).get(provision_id)
        return p.number if p else ""

    def _sentence(self, d: Document, provision_id: str, sentence_id: str) -> Sentence | None:
        p = self._provisions.get(d.id, {}).get(provision_id)
        return next((s for s in p.sentences if s.id == sentence_id), None) if p else None

    # ----------------------------------------------------------------- cascade
    def cascade(self, upper: str | None, lower: str | None) -> dict:
        """Provision alignment, diffs, target moves and slogan genealogy from ``upper`` to ``lower``
        (``kg.cascade``); kept per pair of documents, since the data never change under us."""
        up, low = self.resolve(upper), self.resolve(lower)
        if up.id == low.id:
            raise BadRequest("upper and lower must be two different documents")

        def load() -> dict:
            # reuse the loaded search index when there is one; else load its vectors only, once
            hybrid = (self._cache["index"].ix if "index" in self._cache
                      else self._once("hybrid", lambda: stored_index(self.data_dir)))
            ex = self._extraction
            return cascade_pair(up, low, ex.get(up.id), ex.get(low.id), hybrid)

        return self._once(f"cascade:{up.id}:{low.id}", load)

    def cascade_pairs(self) -> list[dict]:
        """The (upper, lower) pairs of corpus documents linked by a citation (applies, based on) or
        an inferred applies, directly or through documents outside the corpus, higher uppers first;
        each with both documents' title, level, place and 文号 (``kg.views.linked_pairs``)."""
        def load() -> list[dict]:
            from kg import views  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where the graph is read

            docs = self._docs
            keep = ("title", "level", "place", "doc_number", "source")
            return [{**p, "upper_doc": {k: getattr(docs[p["upper"]], k) for k in keep},
                     "lower_doc": {k: getattr(docs[p["lower"]], k) for k in keep}}
                    for p in views.linked_pairs(self._store, self._links) if p["upper"] in docs and p["lower"] in docs]

        return self._once("cascade_pairs", load)

    def _iri_maps(self) -> tuple[dict[str, str], dict[str, str]]:
        """document IRI → doc id, entity IRI → entity id (built once)."""
        def load() -> tuple[dict[str, str], dict[str, str]]:
            from kg import views  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where the graph is read

            return (views.corpus_document_iris(self._store), {entity_iri(eid): eid for eid in self._entities})

        return self._once("iri_maps", load)

    def page_of_iri(self, iri: str) -> str:
        """The page path of a graph IRI (``kg.iris``): a document → ``/doc/{id}``, a provision or
        sentence → ``/doc/{id}#p-{provision}``, an entity → ``/entity/{id}``; NotFound otherwise."""
        iri = self.check_text(iri, "iri", MAX_QUERY_CHARS)

        doc_iris, entity_iris = self._iri_maps()
        if iri in entity_iris:
            return "/entity/" + url_quote(entity_iris[iri], safe=":")
        if iri in doc_iris:
            return f"/doc/{doc_iris[iri]}"
        for doc_iri, doc_id in doc_iris.items():
            if iri.startswith(doc_iri + "/"):
                rest = iri[len(doc_iri) + 1:]
                provision = rest.rsplit("/s_", 1)[0] if re.search(r"/s_\d+$", rest) else rest
                if provision in self._provisions.get(doc_id, {}):
                    return f"/doc/{doc_id}#p-{url_quote(provision, safe='/_')}"
        raise NotFound("IRI", iri)

    def document_iri(self, doc_id: str) -> str | None:
        """The graph IRI of a corpus document (its permalink), or None."""
        doc_iris, _ = self._iri_maps()
        return next((iri for iri, d in doc_iris.items() if d == doc_id), None)

    def concept(self, name: str | None, semantic: bool = True) -> dict:
        """Where a concept appears (label, alias and, when ``semantic`` and a search index was
        built, semantic matches), grouped by level and place, with the document chain linking
        the occurrences (``kg.cascade.concept``)."""
        name = self.check_text(name, "name", MAX_NAME_CHARS)

        def load() -> dict:
            table = self._once("entity_table", lambda: EntityTable.from_extractions(self._extraction))
            search = self._index if semantic and (self.data_dir / INDEX / MANIFEST).is_file() else None
            return concept_json(name, table, self._docs, search=search, chain=self.chain)

        if len(self._cache) > 2000:  # bounded: drop memoised concepts (and their load locks)
            with self._lock:
                for key in [k for k in self._locks if k.startswith("concept:")]:
                    self._cache.pop(key, None)
                    self._locks.pop(key, None)
        return self._once(f"concept:{name}:{semantic}", load)

    # ------------------------------------------------------------------ SPARQL
    @property
    def _sparql_service(self):
        def load():
            self._require_built()
            from kg.sparql import RemoteSparqlService, SparqlService  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where the graph is read

            if self.backends.remote_graph:
                return RemoteSparqlService(open_graph_store(self.root, self.backends))  # not per build
            return SparqlService(self.data_dir / GRAPH, workers=self.sparql_workers)

        return self._once("sparql", load)

    def sparql(self, query: str | None, fmt: str | None = None, *, accept: str | None = None,
               default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
               timeout: float | None = None, row_cap: int | None = None):
        """Run a read-only, bounded SPARQL query in a worker process; returns a
        ``kg.sparql.SparqlResult`` (body, media_type, rows, truncated). A dataset given here (the
        protocol's ``default-graph-uri`` / ``named-graph-uri``) overrides the query's FROM / FROM NAMED.
        Raises BadRequest, Forbidden (UPDATE), QueryTimeout or Busy."""
        query = self.check_text(query, "query", SPARQL_MAX_CHARS)
        return self._sparql_service.query(query, fmt, accept=accept, default_graphs=default_graphs,
                                          named_graphs=named_graphs, timeout=timeout, row_cap=row_cap)

    def sparql_graphs(self) -> list[str]:
        """The named graphs a SPARQL query can see (for the service description)."""
        return self._sparql_service.graphs()

    def export(self, fmt: str = "turtle", output: str | Path | None = None) -> bytes:
        """The whole visible graph in ``fmt`` (turtle, ntriples, nquads, trig, jsonld); also
        written to ``output`` when given."""
        self._require_built()
        return self._store.export(fmt, output)

    def close(self) -> None:
        """Stop the SPARQL worker processes (if any were started)."""
        svc = self._cache.pop("sparql", None)
        if svc is not None:
            svc.close()

    def example_queries(self) -> list[dict]:
        """The example SPARQL queries shipped in ``kg/queries/*.rq``: name, title, query text."""

        def load() -> list[dict]:
            from kg.sparql import EXAMPLE_QUERIES_DIR  # noqa: PLC0415 - search from the shell: the graph stack (pyoxigraph, rdflib) loads only where the graph is read

            folder = EXAMPLE_QUERIES_DIR
            out = []
            for path in sorted(folder.glob("*.rq")):
                text = path.read_text("utf-8")
                first = text.lstrip().splitlines()[0] if text.strip() else ""
                title = first.lstrip("#").strip() if first.startswith("#") else path.stem
                out.append({"name": path.stem, "title": title, "query": text})
            return out

        return self._once("examples", load)
