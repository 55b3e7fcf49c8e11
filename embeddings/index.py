"""The persisted search index: sentence/provision tables + char-bigram BM25 + faiss + manifest.

Layout of ``index/``::

    manifest.json        format, model {name, fingerprint, dim}, counts, index types, built_at
    meta.json            documents, provisions, sentence table, entity mentions
    bm25_*               lexical index (embeddings.lexical)
    sentences.faiss      sentence vectors, ids = stable sentence ids
    provisions.faiss     provision vectors (normalised mean of their sentence vectors)

Sentences and provisions get stable int64 ids, so documents can be added and removed without
renumbering what stays. Vectors are reused (by text) from an in-process cache and from a
previous index built with the same model, so a rebuild encodes only new sentences.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from corpus.errors import IncompatibleIndex
from embeddings.core import Core, SearchFilter
from embeddings.dense import DenseIndex
from embeddings.lexical import LexicalIndex

FORMAT = 1
_VEC_CACHE: dict[tuple[str, str], np.ndarray] = {}  # (fingerprint, text) -> vector


def provision_path_number(doc, provision) -> str:
    """Numbers of the provision and its ancestors, outermost first: "第七章 第三节", "二、（一）"."""
    return doc.path_number(provision.id)


def doc_meta(doc, place_chain: list[str] | None = None) -> dict:
    """The per-document fields search results and filters need."""
    year = int(doc.date[:4]) if doc.date and doc.date[:4].isdigit() else None
    places = [x for x in [doc.place, doc.place_code, *(place_chain or [])] if x]
    return {
        "id": doc.id, "title": doc.title, "doc_number": doc.doc_number, "date": doc.date, "year": year,
        "level": doc.level, "place": doc.place, "place_code": doc.place_code, "places": list(dict.fromkeys(places)),
        "source": doc.source,
    }


def no_place_chain(doc) -> list[str]:
    """The default place chain: none (the application passes the gazetteer's enclosing places)."""
    return []



@dataclass
class Tables:
    """Columnar sentence table (row order = lexical row order) and provision records."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    doc: list[str] = field(default_factory=list)
    prov: list[str] = field(default_factory=list)
    sid: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    provisions: dict[str, dict] = field(default_factory=dict)  # "doc_id#prov_id" -> record

    def __len__(self) -> int:
        return len(self.text)


class HybridIndex:
    """Everything a search needs, loaded in memory; mutable per document."""

    def __init__(self, model: dict, docs: dict[str, dict], tables: Tables, lexical: LexicalIndex,
                 dense: DenseIndex, prov_dense: DenseIndex, mentions: dict[str, list[list[str]]] | None = None,
                 entity_types: dict[str, str] | None = None, next_id: int = 0, next_pid: int = 0, built_at: str = ""):
        self.model = model
        self.docs = docs
        self.t = tables
        self.lexical = lexical
        self.dense = dense
        self.prov_dense = prov_dense
        self.mentions = mentions or {}  # entity id (or "type:<fact type>") -> [[doc_id, sentence_id], ...]
        self.entity_types = entity_types or {}
        self.next_id = next_id
        self.next_pid = next_pid
        self.built_at = built_at
        self._derived()

    def _derived(self) -> None:
        order = list(self.docs)
        self.doc_index = {d: i for i, d in enumerate(order)}
        self.doc_order = order
        self.row_doc = np.asarray([self.doc_index[d] for d in self.t.doc], dtype=np.int32)
        self._row_of_key: dict[tuple[str, str], int] | None = None
        self.row_pid = np.asarray([self.t.provisions[f"{d}#{p}"]["pid"] for d, p in zip(self.t.doc, self.t.prov)],
                                  dtype=np.int64)
        self._core = None

    def core(self):
        """The retrieval view (embeddings.core.Core) of this index."""
        if self._core is None:
            self._core = Core(self.lexical, self.dense, self.t.ids, self.prov_dense, self.row_pid, self.row_mask,
                              lambda rows: [(self.t.doc[int(r)], self.t.sid[int(r)]) for r in rows])
        return self._core

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Rows of sentence ids (ids ascend with rows); IncompatibleIndex for an id this index lacks."""
        ids = np.asarray(ids, dtype=np.int64)
        rows = np.searchsorted(self.t.ids, ids)
        if ids.size and (rows.max() >= len(self.t.ids) or not np.array_equal(self.t.ids[rows], ids)):
            raise IncompatibleIndex("the retrieval backend returned sentence ids this index lacks: it is out of "
                                    "sync with the build; run the build again")
        return rows

    def row_of_key(self) -> dict[tuple[str, str], int]:
        if self._row_of_key is None:
            self._row_of_key = {(d, s): i for i, (d, s) in enumerate(zip(self.t.doc, self.t.sid))}
        return self._row_of_key

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def build(cls, docs: list, encoder, extractions: dict | None = None, previous: Path | None = None,
              place_chain: Callable = no_place_chain) -> "HybridIndex":
        """Index every sentence of ``docs`` (encoding only sentences not seen before)."""
        model = {"name": encoder.name, "fingerprint": encoder.fingerprint, "dim": int(encoder.dim)}
        if previous is not None:
            _warm_cache_from(previous, model)
        n_sent = sum(len(p.sentences) for d in docs for p in d.provisions)
        ix = cls(model, {}, Tables(), LexicalIndex.build([]), DenseIndex.create(model["dim"], n_sent),
                 DenseIndex.create(model["dim"], 0), built_at="")
        ix.add_documents(docs, encoder, extractions, place_chain)
        ix.built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        return ix

    def add_documents(self, docs: list, encoder, extractions: dict | None = None,
                      place_chain: Callable = no_place_chain) -> None:
        """Add (or replace) documents: rows are appended, vectors encoded as needed."""
        self.check_encoder(encoder)
        for d in docs:
            if d.id in self.docs:
                self.remove_document(d.id)
        texts: list[str] = []
        rows: list[tuple[str, str, str, str, int]] = []
        prov_rows: list[tuple[str, list[int]]] = []
        for d in docs:
            self.docs[d.id] = doc_meta(d, place_chain(d))
            for p in d.provisions:
                key = f"{d.id}#{p.id}"
                self.t.provisions[key] = {
                    "doc_id": d.id, "id": p.id, "number": p.number, "path_number": provision_path_number(d, p),
                    "title": p.title, "kind": p.kind, "pid": self.next_pid,
                }
                self.next_pid += 1
                members = []
                for s in p.sentences:
                    if not s.text.strip():
                        continue
                    members.append(len(texts))
                    texts.append(s.text)
                    rows.append((d.id, p.id, s.id, s.text, s.start))
                prov_rows.append((key, members))
        vecs = encode_cached(encoder, texts)
        ids = np.arange(self.next_id, self.next_id + len(texts), dtype=np.int64)
        self.next_id += len(texts)
        self.t.ids = np.concatenate([self.t.ids, ids])
        for d_id, p_id, s_id, text, start in rows:
            self.t.doc.append(d_id)
            self.t.prov.append(p_id)
            self.t.sid.append(s_id)
            self.t.text.append(text)
            self.t.start.append(start)
        self.lexical.add(texts)
        self.dense.add(ids, vecs)
        pids, pvecs = [], []
        for key, members in prov_rows:
            if members:
                v = vecs[members].mean(axis=0)
                pids.append(self.t.provisions[key]["pid"])
                pvecs.append(v / max(float(np.linalg.norm(v)), 1e-12))
        if pids:
            self.prov_dense.add(np.asarray(pids), np.vstack(pvecs))
        for d in docs:
            if extractions and d.id in extractions:
                self._add_mentions(extractions[d.id])
        self._derived()

    def _add_mentions(self, ex) -> None:
        for e in ex.entities:
            self.entity_types[e.id] = e.type
        for m in ex.mentions:
            self.mentions.setdefault(m.entity_id, []).append([m.span.doc_id, m.span.sentence_id])
            t = self.entity_types.get(m.entity_id)
            if t:
                self.mentions.setdefault(f"type:{t}", []).append([m.span.doc_id, m.span.sentence_id])
        for tr in ex.targets:
            self.mentions.setdefault("type:target", []).append([tr.span.doc_id, tr.span.sentence_id])

    def remove_document(self, doc_id: str) -> None:
        """Drop a document's rows, vectors, provisions and mentions."""
        if doc_id not in self.docs:
            return
        rows = np.flatnonzero(np.asarray([d == doc_id for d in self.t.doc], dtype=bool))
        self.dense.remove(self.t.ids[rows])
        self.lexical.delete(rows)
        keep = np.ones(len(self.t), dtype=bool)
        keep[rows] = False
        self.t.ids = self.t.ids[keep]
        for name in ("doc", "prov", "sid", "text", "start"):
            col = getattr(self.t, name)
            setattr(self.t, name, [x for x, k in zip(col, keep) if k])
        gone = [k for k, p in self.t.provisions.items() if p["doc_id"] == doc_id]
        pids = [self.t.provisions[k]["pid"] for k in gone]
        if pids:
            self.prov_dense.remove(np.asarray(pids, dtype=np.int64))
        for k in gone:
            del self.t.provisions[k]
        for key in list(self.mentions):
            self.mentions[key] = [m for m in self.mentions[key] if m[0] != doc_id]
            if not self.mentions[key]:
                del self.mentions[key]
        del self.docs[doc_id]
        self._derived()

    def check_encoder(self, encoder) -> None:
        """IncompatibleIndex unless ``encoder`` is the model this index was built with."""
        if encoder.fingerprint != self.model["fingerprint"] or int(encoder.dim) != self.model["dim"]:
            raise IncompatibleIndex(
                f"the search index was built with model {self.model['name']!r} "
                f"(fingerprint {self.model['fingerprint']}, dim {self.model['dim']}), but the loaded encoder is "
                f"{encoder.name!r} (fingerprint {encoder.fingerprint}, dim {encoder.dim}); rebuild the index"
            )

    # ---- filters --------------------------------------------------------------------------
    def row_mask(self, flt: SearchFilter | None) -> np.ndarray | None:
        """Allowed rows for a typed filter (None when unfiltered)."""
        if flt is None:
            return None
        ok_docs = np.ones(len(self.doc_order), dtype=bool)
        for i, d_id in enumerate(self.doc_order):
            ok_docs[i] = flt.passes_document(self.docs[d_id])
        mask = ok_docs[self.row_doc] if len(self.row_doc) else np.zeros(0, dtype=bool)
        for wanted in (flt.entity, f"type:{flt.fact_type}" if flt.fact_type else None):
            if wanted is None:
                continue
            lookup = self.row_of_key()
            m = np.zeros(len(self.t), dtype=bool)
            for d_id, s_id in self.mentions.get(wanted, []):
                r = lookup.get((d_id, s_id))
                if r is not None:
                    m[r] = True
            mask &= m
        return mask

    # ---- persistence ----------------------------------------------------------------------
    def manifest(self) -> dict:
        return {
            "format": FORMAT,
            "model": self.model,
            "dim": self.model["dim"],
            "counts": {"documents": len(self.docs), "provisions": len(self.t.provisions), "sentences": len(self.t),
                       "entities": sum(1 for k in self.mentions if not k.startswith("type:"))},
            "index_type": {"sentences": self.dense.kind, "provisions": self.prov_dense.kind,
                           "lexical": "bm25 char-bigram+unigram"},
            "built_at": self.built_at,
        }

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.lexical.save(directory)
        self.dense.save(directory / "sentences.faiss")
        self.prov_dense.save(directory / "provisions.faiss")
        meta = {
            "docs": self.docs, "provisions": self.t.provisions, "next_id": self.next_id, "next_pid": self.next_pid,
            "sentences": {"ids": self.t.ids.tolist(), "doc": self.t.doc, "prov": self.t.prov, "sid": self.t.sid,
                          "text": self.t.text, "start": self.t.start},
            "mentions": self.mentions, "entity_types": self.entity_types,
        }
        (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        (directory / "manifest.json").write_text(json.dumps(self.manifest(), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, encoder=None) -> "HybridIndex":
        """Load an index; IncompatibleIndex if its format or model differ from ``encoder``'s."""
        directory = Path(directory)
        manifest = read_manifest(directory)
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        s = meta["sentences"]
        tables = Tables(np.asarray(s["ids"], dtype=np.int64), s["doc"], s["prov"], s["sid"], s["text"], s["start"],
                        meta["provisions"])
        ix = cls(manifest["model"], meta["docs"], tables, LexicalIndex.load(directory),
                 DenseIndex.load(directory / "sentences.faiss"), DenseIndex.load(directory / "provisions.faiss"),
                 meta["mentions"], meta["entity_types"], meta["next_id"], meta["next_pid"], manifest["built_at"])
        if encoder is not None:
            ix.check_encoder(encoder)
        return ix


def read_manifest(directory: Path) -> dict:
    """The index manifest; IncompatibleIndex when its format is not this code's."""
    path = Path(directory) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise IncompatibleIndex(f"search index format {manifest.get('format')!r} in {directory}; expected {FORMAT}; rebuild")
    return manifest


def doc_passes(meta: dict, filters: dict) -> bool:
    """Whether a document's metadata passes the document-level part of service filters.

    >>> m = {"id": "a", "level": "township", "year": 2024, "places": ["三溪镇", "垫江县"]}
    >>> doc_passes(m, {"level": "township", "place": "垫江县", "year": 2024})
    True
    >>> doc_passes(m, {"year": (2020, 2023)}), doc_passes(m, {"doc": ["b"]})
    (False, False)
    """
    flt = SearchFilter.from_dict(filters)
    return flt is None or flt.passes_document(meta)


def encode_cached(encoder, texts: list[str], batch: int = 2048) -> np.ndarray:
    """Passage vectors for ``texts``, encoding only those not already cached for this model.

    Texts go to the encoder ``batch`` at a time (it sorts each call by length and batches it).
    """
    fp = encoder.fingerprint
    todo = list(dict.fromkeys(t for t in texts if (fp, t) not in _VEC_CACHE))
    for i in range(0, len(todo), batch):
        chunk = todo[i : i + batch]
        for t, v in zip(chunk, np.asarray(encoder.encode_passages(chunk), dtype=np.float32)):
            _VEC_CACHE[(fp, t)] = v
    if not texts:
        return np.zeros((0, int(encoder.dim)), dtype=np.float32)
    return np.vstack([_VEC_CACHE[(fp, t)] for t in texts]).astype(np.float32)


def uncached(fingerprint: str, texts: list[str]) -> list[str]:
    """The distinct texts with no cached vector for this model, in first-seen order."""
    return list(dict.fromkeys(t for t in texts if (fingerprint, t) not in _VEC_CACHE))


def cache_vectors(fingerprint: str, texts: list[str], vectors) -> None:
    """Vectors encoded elsewhere (an executor's actor pool) for the next index build to use."""
    for t, v in zip(texts, vectors):
        _VEC_CACHE[(fingerprint, t)] = np.asarray(v, dtype=np.float32)


def warm_cache(previous: Path | None, model: dict) -> None:
    """The vectors of a previous index built with the same model, into the cache."""
    if previous is not None:
        _warm_cache_from(previous, model)


def _warm_cache_from(previous: Path, model: dict) -> None:
    """Put the vectors of a previous index built with the same model into the cache."""
    try:
        manifest = read_manifest(previous)
        if manifest["model"]["fingerprint"] != model["fingerprint"]:
            return
        meta = json.loads((previous / "meta.json").read_text(encoding="utf-8"))
        dense = DenseIndex.load(previous / "sentences.faiss")
        ids = np.asarray(meta["sentences"]["ids"], dtype=np.int64)
        if ids.size:
            vecs = dense.vectors(ids)
            for t, v in zip(meta["sentences"]["text"], vecs):
                _VEC_CACHE.setdefault((model["fingerprint"], t), v)
    except (OSError, ValueError, KeyError, IncompatibleIndex, RuntimeError):
        return


def iter_rows(ix: HybridIndex, rows: Iterable[int]):
    """(row, doc meta, provision record) for each row."""
    for r in rows:
        d = ix.t.doc[r]
        yield r, ix.docs[d], ix.t.provisions.get(f"{d}#{ix.t.prov[r]}", {})
