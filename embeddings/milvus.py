"""Search on Milvus: the distributed implementation of the retrieval seam (``RetrievalBackend``).

The embedded index (bm25s + faiss, ``embeddings.index``) stays the default and the record a build
writes; ``MilvusIndex.sync`` makes a Milvus database hold the same sentences, provisions, vectors
and lexical weights, and ``MilvusBackend`` answers the seam's questions from it. Ranking above the
seam (``embeddings.search.retrieve``: fusion, grouping, highlights, diffs) is the project's own, so
the same query gives the same ranked results on either backend.

Three collections per corpus (``<name>_sentences``, ``<name>_provisions``, ``<name>_documents``):

- sentences: ``sid`` (the index's stable int64 id, primary key), ``doc_id``, ``sentence_id``,
  ``pid``, the filter fields (``level``, ``year``, ``places`` = the document's place names and codes
  with every enclosing place, ``keys`` = entity ids and ``type:<fact type>`` of the sentence's
  mentions), ``text``, ``lexical`` (sparse: the index's own BM25 weights per character-bigram
  term, so Milvus' inner product is exactly the embedded BM25 score), ``vector`` (dense, HNSW, IP),
  and ``shard`` as partition key (the province of the document's place, ``central`` otherwise);
- provisions: ``pid``, the same filter fields (``keys`` = the union of its sentences'), ``vector``;
- documents: ``doc_id``, ``digest`` (what was synced), and one ``__manifest__`` row holding the
  model fingerprint the vectors were made with.

Why precomputed weights and not Milvus' BM25 function: that function keeps statistics per
segment (and per partition), so a score depends on where a row happens to sit; the index's own
weights are global, and the scores then match the embedded ranker's to float32 precision.

>>> MilvusSpec.parse("milvus://127.0.0.1:19530/policy?collection=county").collection
'county'
>>> term_hash("粮食") == term_hash("粮食") != term_hash("食粮")
True
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from corpus.errors import BadRequest, IncompatibleIndex, NotBuilt
from embeddings.core import N_PROVISIONS, PROVISION_WEIGHT, SearchFilter, similarities
from embeddings.lexical import index_terms, query_terms

SCHEME = "milvus://"
MANIFEST_ROW = "__manifest__"
INSERT_BATCH = 512  # rows per insert call (a 384-dim row is ~1.6 kB of vector)
QUERY_LIMIT = 16384  # Milvus' cap on rows one query returns
_KEYS_CAP = 512  # entity/fact keys kept per sentence (array capacity)
_PLACES_CAP = 16
EXACT_SUBSET = 4096  # a filter passing at most this many rows is searched exactly (vectors fetched)
TIE_SLACK = 32  # extra lexical candidates fetched to settle ties at the cut


@dataclass(frozen=True)
class MilvusSpec:
    """``milvus://host:port[/db][?collection=NAME&index=HNSW|IVF_FLAT|FLAT]``."""

    uri: str
    db: str = "default"
    collection: str = "policykg"
    index: str = "HNSW"

    @classmethod
    def parse(cls, spec: str) -> "MilvusSpec":
        if not spec.startswith(SCHEME):
            raise BadRequest(f"not a Milvus search backend: {spec!r}; use milvus://host:port[/db]")
        u = urllib.parse.urlsplit("http://" + spec[len(SCHEME):])
        if not u.hostname or not u.port:
            raise BadRequest(f"Milvus search backend {spec!r} needs host and port (milvus://host:port[/db])")
        q = dict(urllib.parse.parse_qsl(u.query))
        unknown = set(q) - {"collection", "index"}
        if unknown:
            raise BadRequest(f"unknown option(s) {sorted(unknown)} in {spec!r}; known: collection, index")
        index = q.get("index", "HNSW").upper()
        if index not in ("HNSW", "IVF_FLAT", "FLAT"):
            raise BadRequest(f"index {index!r} in {spec!r}: use HNSW, IVF_FLAT or FLAT")
        name = q.get("collection", "policykg")
        if not name.replace("_", "").isalnum():
            raise BadRequest(f"collection name {name!r}: letters, digits and _ only")
        return cls(f"http://{u.hostname}:{u.port}", u.path.strip("/") or "default", name, index)

    def __str__(self) -> str:
        return f"{SCHEME}{self.uri[len('http://'):]}/{self.db}?collection={self.collection}"


def term_hash(term: str) -> int:
    """The sparse dimension of a lexical term: FNV-1a (32 bit) of its UTF-8 bytes, the hash Milvus
    itself uses for analysed text, so no vocabulary has to be shared between writer and reader."""
    h = 0x811C9DC5
    for b in term.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def query_vector(query: str) -> dict[int, float]:
    """The sparse query of the embedded ranker: each query term's count (bm25s sums a repeated
    term once per occurrence)."""
    out: dict[int, float] = {}
    for t in query_terms(query):
        h = term_hash(t)
        out[h] = out.get(h, 0.0) + 1.0
    return out


def _quote(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(str(v), ensure_ascii=False) for v in values) + "]"


def filter_expr(flt: SearchFilter | None, *, provision: bool = False) -> str:
    """The Milvus boolean expression of a typed filter ("" when unfiltered).

    >>> filter_expr(SearchFilter(levels=frozenset({"township"}), year_from=2020))
    'level in ["township"] and year >= 2020'
    >>> filter_expr(SearchFilter(places=frozenset({"垫江县"}), entity="e1", year_to=2024))
    'year >= 0 and year <= 2024 and array_contains_any(places, ["垫江县"]) and array_contains(keys, "e1")'
    """
    if flt is None:
        return ""
    parts: list[str] = []
    if flt.docs:
        parts.append(f"doc_id in {_quote(sorted(flt.docs))}")
    if flt.levels:
        parts.append(f"level in {_quote(sorted(flt.levels))}")
    if flt.year_from is not None:
        parts.append(f"year >= {int(flt.year_from)}")
    if flt.year_to is not None:
        if flt.year_from is None:
            parts.append("year >= 0")  # undated documents (year -1) pass no year filter
        parts.append(f"year <= {int(flt.year_to)}")
    if flt.places:
        parts.append(f"array_contains_any(places, {_quote(sorted(flt.places))})")
    for key in (flt.entity, f"type:{flt.fact_type}" if flt.fact_type else None):
        if key:
            parts.append(f"array_contains(keys, {json.dumps(key, ensure_ascii=False)})")
    return " and ".join(parts)


def _and(*exprs: str) -> str:
    return " and ".join(f"({e})" for e in exprs if e)


def _ids_expr(field: str, ids) -> str:
    return f"{field} in [{', '.join(str(int(i)) for i in ids)}]"


def _client(spec: MilvusSpec):
    from pymilvus import MilvusClient  # the client pulls in grpc: only where Milvus is configured

    try:
        return MilvusClient(uri=spec.uri, db_name=spec.db if spec.db != "default" else "", timeout=30)
    except Exception as e:  # noqa: BLE001 - pymilvus raises its own MilvusException or a grpc error
        raise NotBuilt(f"cannot reach the Milvus search backend at {spec.uri}: {e}") from None


# ------------------------------------------------------------------------------------ rows
def _shard(meta: dict) -> str:
    """Partition key: the province code of the document's place, ``central`` without one."""
    code = meta.get("place_code") or ""
    return code[:2] + "0" * 10 if len(code) == 12 and code.isdigit() else "central"


def _doc_fields(meta: dict) -> dict:
    return {"doc_id": meta["id"], "level": meta.get("level") or "", "year": meta.get("year") or -1,
            "places": [str(p) for p in (meta.get("places") or [])][:_PLACES_CAP], "shard": _shard(meta)}


def _sentence_keys(ix) -> dict[tuple[str, str], set[str]]:
    keys: dict[tuple[str, str], set[str]] = {}
    for key, mentions in ix.mentions.items():
        for doc_id, sentence_id in mentions:
            keys.setdefault((doc_id, sentence_id), set()).add(key)
    return keys


def document_rows(ix, doc_id: str, weights, inverse_vocab: list[str], keys) -> tuple[list[dict], list[dict]]:
    """The sentence and provision rows of one document of a ``HybridIndex``."""
    meta = _doc_fields(ix.docs[doc_id])
    rows = [r for r, d in enumerate(ix.t.doc) if d == doc_id]
    ids = ix.t.ids[rows]
    vecs = ix.dense.vectors(ids)
    sentences, prov_keys = [], {}
    for r, sid, v in zip(rows, ids, vecs):
        w = weights[r]
        lexical = {term_hash(inverse_vocab[t]): float(x) for t, x in zip(w.indices, w.data) if x > 0}
        k = sorted(keys.get((doc_id, ix.t.sid[r]), ()))[:_KEYS_CAP]
        pid = int(ix.row_pid[r])
        prov_keys.setdefault(pid, set()).update(k)
        sentences.append({"sid": int(sid), "sentence_id": ix.t.sid[r], "pid": pid, **meta, "keys": k,
                          "text": ix.t.text[r], "lexical": lexical or {0: 0.0}, "vector": v.tolist()})
    pids = sorted(prov_keys)
    pvecs = ix.prov_dense.vectors(np.asarray(pids, dtype=np.int64)) if pids else []
    provisions = [{"pid": p, **meta, "keys": sorted(prov_keys[p])[:_KEYS_CAP], "vector": v.tolist()}
                  for p, v in zip(pids, pvecs)]
    return sentences, provisions


def document_digest(ix, doc_id: str, weights) -> str:
    """What a document's rows depend on: its sentence ids, texts, lexical weights and model."""
    h = hashlib.sha256(ix.model["fingerprint"].encode())
    for r, d in enumerate(ix.t.doc):
        if d == doc_id:
            h.update(f"{int(ix.t.ids[r])}\x00{ix.t.text[r]}\x00".encode())
            h.update(np.asarray(weights[r].data, dtype=np.float32).tobytes())
    h.update(json.dumps(ix.docs[doc_id], sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


# ------------------------------------------------------------------------------------ store
class MilvusIndex:
    """A corpus's collections on a Milvus server: created, synced from a ``HybridIndex``, opened."""

    def __init__(self, spec: MilvusSpec | str, client=None):
        self.spec = MilvusSpec.parse(spec) if isinstance(spec, str) else spec
        self.client = client or _client(self.spec)
        base = self.spec.collection
        self.sentences, self.provisions, self.documents = f"{base}_sentences", f"{base}_provisions", f"{base}_documents"

    # ---- schema
    def _create(self, dim: int) -> None:
        from pymilvus import DataType

        c = self.client

        def doc_fields(schema):
            schema.add_field("doc_id", DataType.VARCHAR, max_length=128)
            schema.add_field("level", DataType.VARCHAR, max_length=32)
            schema.add_field("year", DataType.INT64)
            schema.add_field("places", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=_PLACES_CAP,
                             max_length=128)
            schema.add_field("keys", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=_KEYS_CAP,
                             max_length=256)
            schema.add_field("shard", DataType.VARCHAR, max_length=16, is_partition_key=True)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)

        def dense_index(params):
            if self.spec.index == "HNSW":
                params.add_index("vector", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200})
            elif self.spec.index == "IVF_FLAT":
                params.add_index("vector", index_type="IVF_FLAT", metric_type="IP", params={"nlist": 1024})
            else:
                params.add_index("vector", index_type="FLAT", metric_type="IP")
            for f in ("doc_id", "level", "year"):
                params.add_index(f, index_type="INVERTED")

        if not c.has_collection(self.sentences):
            s = c.create_schema(auto_id=False)
            s.add_field("sid", DataType.INT64, is_primary=True)
            s.add_field("sentence_id", DataType.VARCHAR, max_length=128)
            s.add_field("pid", DataType.INT64)
            s.add_field("text", DataType.VARCHAR, max_length=65535)
            s.add_field("lexical", DataType.SPARSE_FLOAT_VECTOR)
            doc_fields(s)
            p = c.prepare_index_params()
            dense_index(p)
            p.add_index("lexical", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            p.add_index("pid", index_type="INVERTED")
            c.create_collection(self.sentences, schema=s, index_params=p)
        if not c.has_collection(self.provisions):
            s = c.create_schema(auto_id=False)
            s.add_field("pid", DataType.INT64, is_primary=True)
            doc_fields(s)
            p = c.prepare_index_params()
            dense_index(p)
            c.create_collection(self.provisions, schema=s, index_params=p)
        if not c.has_collection(self.documents):
            s = c.create_schema(auto_id=False)
            s.add_field("doc_id", DataType.VARCHAR, max_length=128, is_primary=True)
            s.add_field("digest", DataType.VARCHAR, max_length=65535)
            s.add_field("vector", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants one vector field
            p = c.prepare_index_params()
            p.add_index("vector", index_type="FLAT", metric_type="L2")
            c.create_collection(self.documents, schema=s, index_params=p)

    def manifest(self) -> dict | None:
        """The synced model (name, fingerprint, dim) and time, or None before the first sync."""
        if not self.client.has_collection(self.documents):
            return None
        rows = self.client.query(self.documents, filter=f'doc_id == "{MANIFEST_ROW}"', output_fields=["digest"])
        return json.loads(rows[0]["digest"]) if rows else None

    def check_model(self, model: dict) -> None:
        """IncompatibleIndex unless the collections' vectors come from ``model``; NotBuilt when empty."""
        m = self.manifest()
        if m is None:
            raise NotBuilt(f"no policykg collections {self.spec.collection!r} on {self.spec}; "
                           f"run `policykg build --search-backend {self.spec}`")
        if m["model"]["fingerprint"] != model["fingerprint"] or int(m["model"]["dim"]) != int(model["dim"]):
            raise IncompatibleIndex(
                f"the Milvus collections {self.spec.collection!r} hold vectors of model {m['model']['name']!r} "
                f"(fingerprint {m['model']['fingerprint']}), but the index uses {model['name']!r} "
                f"(fingerprint {model['fingerprint']}); rebuild with --search-backend {self.spec}")

    def synced_documents(self) -> dict[str, str]:
        """doc id -> digest of every document the collections hold."""
        if not self.client.has_collection(self.documents):
            return {}
        rows = self.client.query(self.documents, filter=f'doc_id != "{MANIFEST_ROW}"',
                                 output_fields=["doc_id", "digest"], limit=QUERY_LIMIT)
        return {r["doc_id"]: r["digest"] for r in rows}

    def drop(self) -> None:
        for name in (self.sentences, self.provisions, self.documents):
            if self.client.has_collection(name):
                self.client.drop_collection(name)

    # ---- sync
    def sync(self, ix) -> dict:
        """Make the collections hold exactly what ``ix`` (a ``HybridIndex``) holds: documents that
        are new or changed are (re)written, documents ``ix`` lacks are removed, unchanged ones are
        left alone. A different model drops and rewrites everything. Returns a summary."""
        t0 = time.perf_counter()
        current = self.manifest()
        if current is not None and current["model"]["fingerprint"] != ix.model["fingerprint"]:
            self.drop()
        self._create(int(ix.model["dim"]))
        weights = ix.lexical.weights.tocsr()
        inverse_vocab = [""] * len(ix.lexical.vocab)
        for term, i in ix.lexical.vocab.items():
            inverse_vocab[i] = term
        keys = _sentence_keys(ix)
        have = self.synced_documents()
        want = {d: document_digest(ix, d, weights) for d in ix.docs}
        gone = sorted(set(have) - set(want))
        changed = sorted(d for d in want if have.get(d) != want[d])
        for doc_id in gone + changed:
            self._delete(doc_id)
        n_sent = n_prov = 0
        sent_buf: list[dict] = []
        prov_buf: list[dict] = []
        for doc_id in changed:
            s, p = document_rows(ix, doc_id, weights, inverse_vocab, keys)
            sent_buf += s
            prov_buf += p
            n_sent, n_prov = n_sent + len(s), n_prov + len(p)
            if len(sent_buf) >= INSERT_BATCH:
                self._insert(self.sentences, sent_buf)
                sent_buf = []
            if len(prov_buf) >= INSERT_BATCH:
                self._insert(self.provisions, prov_buf)
                prov_buf = []
        self._insert(self.sentences, sent_buf)
        self._insert(self.provisions, prov_buf)
        docs = [{"doc_id": d, "digest": want[d], "vector": [0.0, 0.0]} for d in changed]
        docs.append({"doc_id": MANIFEST_ROW, "vector": [0.0, 0.0], "digest": json.dumps(
            {"model": ix.model, "synced_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "documents": len(want)})})
        self.client.upsert(self.documents, docs)
        for name in (self.sentences, self.provisions, self.documents):
            self.client.flush(name)
            self.client.load_collection(name)
        return {"documents": len(want), "written": len(changed), "removed": len(gone), "sentences": n_sent,
                "provisions": n_prov, "seconds": round(time.perf_counter() - t0, 3)}

    def _insert(self, collection: str, rows: list[dict]) -> None:
        for i in range(0, len(rows), INSERT_BATCH):
            self.client.insert(collection, rows[i : i + INSERT_BATCH])

    def _delete(self, doc_id: str) -> None:
        expr = f"doc_id == {json.dumps(doc_id, ensure_ascii=False)}"
        for name in (self.sentences, self.provisions, self.documents):
            self.client.delete(name, filter=expr)

    def backend(self, model: dict) -> "MilvusBackend":
        """The retrieval backend over these collections (their model must be ``model``)."""
        self.check_model(model)
        for name in (self.sentences, self.provisions):
            self.client.load_collection(name)
        return MilvusBackend(self)


# ------------------------------------------------------------------------------------ seam
class MilvusBackend:
    """``embeddings.core.RetrievalBackend`` answered by Milvus: candidates from its sparse (BM25
    weights, inner product) and dense (HNSW, inner product) searches under the filter expression;
    scores of given ids from the stored weights and vectors."""

    def __init__(self, index: MilvusIndex, ef: int = 256):
        self.index = index
        self.client = index.client
        self.ef = ef
        self._local = threading.local()  # per thread: the rows fetched for the current query

    def sync(self, ix) -> dict:
        """Mirror an index change (a document added or removed) into the collections."""
        return self.index.sync(ix)

    def _search(self, collection: str, field: str, data, n: int, expr: str, metric: str) -> list[tuple[int, float]]:
        """(primary key, score) of the best ``n`` rows, best first."""
        key = "pid" if collection == self.index.provisions else "sid"
        params = {"metric_type": metric}
        if field == "vector" and self.index.spec.index == "HNSW":
            params["params"] = {"ef": max(self.ef, 2 * n)}
        elif field == "vector" and self.index.spec.index == "IVF_FLAT":
            params["params"] = {"nprobe": 64}
        res = self.client.search(collection, data=[data], anns_field=field, limit=max(1, min(n, QUERY_LIMIT)),
                                 filter=expr, search_params=params, output_fields=[key])
        return [(int(h[key]), float(h["distance"])) for h in res[0]] if res else []

    def _query(self, collection: str, expr: str, fields: list[str]) -> list[dict]:
        return list(self.client.query(collection, filter=expr, output_fields=fields, limit=QUERY_LIMIT))

    def lexical_candidates(self, query: str, n: int, flt: SearchFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
        self._cache(fresh=True)  # a new query: rows fetched for the last one are not reused
        q = query_vector(query)
        if not q:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        # Milvus ranks by its own float sums; a few more rows than asked are fetched and re-scored
        # as the embedded ranker scores them, so rows tied at the cut are chosen alike (by id)
        hits = [i for i, d in self._search(self.index.sentences, "lexical", q, n + TIE_SLACK,
                                           filter_expr(flt), "IP") if abs(d) > 0]
        ids = np.asarray(hits, dtype=np.int64)
        scores = self._bm25(query, ids)
        keep = scores > 0
        ids, scores = ids[keep], scores[keep]
        order = np.lexsort((ids, -scores))[:n]
        return ids[order], scores[order].astype(np.float64)

    def _bm25(self, query: str, ids: np.ndarray) -> np.ndarray:
        """BM25 of each row from its stored weights, summed as bm25s sums (float32, one addition
        per query term occurrence, in query order): the embedded score, bit for bit."""
        rows = self._rows(ids)
        out = np.zeros(ids.size, dtype=np.float32)
        for t in query_terms(query):
            h = term_hash(t)
            out += np.asarray([rows[int(i)]["lexical"].get(h, 0.0) for i in ids], dtype=np.float32)
        return out

    def _nearest(self, collection: str, qvec: np.ndarray, n: int, expr: str) -> list[int]:
        """Primary keys of the ``n`` rows nearest ``qvec`` that pass ``expr``. A selective filter
        (at most ``EXACT_SUBSET`` rows) is answered exactly, as the embedded index answers filters,
        because an approximate graph search under a narrow filter may miss rows."""
        key = "pid" if collection == self.index.provisions else "sid"
        if expr:
            count = self.client.query(collection, filter=expr, output_fields=["count(*)"])[0]["count(*)"]
            if count <= EXACT_SUBSET:
                rows = self._query(collection, expr, [key, "vector"]) if count else []
                if not rows:
                    return []
                keys = np.asarray([int(r[key]) for r in rows], dtype=np.int64)
                s = np.asarray([r["vector"] for r in rows], dtype=np.float32) @ np.asarray(qvec, dtype=np.float32)
                order = np.lexsort((keys, -s))[:n]
                return keys[order].tolist()
        v = np.asarray(qvec, dtype=np.float32).tolist()
        return [i for i, _ in self._search(collection, "vector", v, n, expr, "IP")]

    def _rows(self, ids: np.ndarray) -> dict[int, dict]:
        """The stored fields of sentence rows (pid, vector, lexical weights, text), fetched once per
        candidate set: scoring a query's candidates then takes one round trip, not three."""
        cache = self._cache()
        missing = [int(i) for i in np.unique(ids) if int(i) not in cache]
        if missing:
            for r in self._query(self.index.sentences, _ids_expr("sid", missing),
                                 ["sid", "pid", "vector", "lexical", "text"]):
                lexical = r["lexical"]
                if not isinstance(lexical, dict):  # pymilvus may hand sparse rows back in other shapes
                    lexical = dict(lexical)
                r["lexical"] = {int(k): float(v) for k, v in lexical.items()}
                cache[int(r["sid"])] = r
        return {int(i): cache[int(i)] for i in ids}

    def _cache(self, fresh: bool = False) -> dict[int, dict]:
        if fresh or not hasattr(self._local, "rows"):
            self._local.rows = {}
        return self._local.rows

    def lexical_scores(self, query: str, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0 or not query_terms(query):
            return np.zeros(ids.size, dtype=np.float64)
        return self._bm25(query, ids).astype(np.float64)

    def dense_candidates(self, qvec: np.ndarray, n: int, flt: SearchFilter | None = None) -> np.ndarray:
        expr = filter_expr(flt)
        ids = self._nearest(self.index.sentences, qvec, n, expr)
        pids = self._nearest(self.index.provisions, qvec, N_PROVISIONS, expr)
        if pids:
            rows = self._query(self.index.sentences, _and(_ids_expr("pid", pids), expr), ["sid", "pid"])
            rank = {p: i for i, p in enumerate(pids)}
            rows.sort(key=lambda r: (rank[int(r["pid"])], int(r["sid"])))
            ids += [int(r["sid"]) for r in rows]
        return np.asarray(ids, dtype=np.int64)

    def dense_scores(self, qvec: np.ndarray, ids: np.ndarray, context: bool = True) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return np.zeros(0, dtype=np.float64)
        rows = self._rows(ids)
        s = similarities(np.asarray([rows[int(i)]["vector"] for i in ids], dtype=np.float32), qvec)
        if not context:
            return s
        pids = sorted({int(rows[int(i)]["pid"]) for i in ids})
        prov = {int(r["pid"]): r["vector"] for r in self._query(self.index.provisions, _ids_expr("pid", pids),
                                                                ["pid", "vector"])}
        p = similarities(np.asarray([prov[int(rows[int(i)]["pid"])] for i in ids], dtype=np.float32), qvec)
        return (s + PROVISION_WEIGHT * p) / (1 + PROVISION_WEIGHT)

    def coverage(self, query: str, ids: np.ndarray) -> float:
        terms = set(query_terms(query))
        if not terms or len(ids) == 0:
            return 0.0
        rows = self._rows(np.asarray(ids, dtype=np.int64))
        return max((len(terms & set(index_terms(r["text"]))) for r in rows.values()), default=0) / len(terms)

    def keys(self, ids: np.ndarray) -> list[tuple[str, str]]:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return []
        rows = {int(r["sid"]): (r["doc_id"], r["sentence_id"])
                for r in self._query(self.index.sentences, _ids_expr("sid", np.unique(ids)),
                                     ["sid", "doc_id", "sentence_id"])}
        return [rows[int(i)] for i in ids]

