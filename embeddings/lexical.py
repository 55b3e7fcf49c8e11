"""Character-bigram BM25 for Chinese text (no word segmentation, no whitespace tokenizer).

Text is NFKC-normalised (full-width → half-width, case folded) and split into runs of
letters/digits/CJK at every punctuation mark or space; each run contributes its character
bigrams (a one-character run contributes that character). Every character is also indexed as
a unigram, used only for one-character queries.

BM25 weights come from ``bm25s`` (eager weights in a CSC matrix, rows = indexed texts,
columns = terms, so a query is the sum of a few columns). bm25s has no incremental update:
rows can be appended and deleted because the index keeps every row's term counts and hands
them to bm25s again (a full re-index, linear in the corpus).

Reading needs neither bm25s nor scipy: :meth:`LexicalIndex.load` maps bm25s's weight arrays
(``np.load(mmap_mode="r")``) and the term counts as plain arrays, and :meth:`LexicalIndex.scores`
sums a query's columns the way bm25s's ``get_scores_from_ids`` does (same order, same float32
accumulator: the same scores to the last bit, ``tests/test_lexical.py``). Importing bm25s and
scipy costs 0.5–1 s, which a search from the shell would otherwise pay; building, adding,
deleting and saving import them when they run.

>>> bigrams("稳定粮食生产。")
['稳定', '定粮', '粮食', '食生', '生产']
>>> bigrams("ＡＢ，5G网")
['ab', '5g', 'g网']
>>> ix = LexicalIndex.build(["稳定粮食生产", "发展生态畜牧业", "粮食安全"])
>>> [int(i) for i in ix.top(ix.scores("粮食生产"), 2)]
[0, 2]
>>> [int(i) for i in ix.top(ix.scores("畜"), 3)]
[1]
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corpus.errors import IncompatibleIndex

if TYPE_CHECKING:  # pragma: no cover
    import bm25s
    import scipy.sparse as sp

_RUN = re.compile(r"[^\W_]+")
K1, B = 1.2, 0.75
# bm25s variant: ATIRE's term-frequency part, tf·(k1+1)/(tf + k1·(1-b+b·len/avglen)), with
# Lucene's idf, log(1 + (N-df+0.5)/(df+0.5)) (never negative); len = number of indexed terms.
METHOD, IDF_METHOD = "atire", "lucene"
FORMAT = 2  # 1: hand-written BM25 (length = bigrams only); 2: bm25s
_FILES = {"data_name": "bm25_data.npy", "indices_name": "bm25_indices.npy", "indptr_name": "bm25_indptr.npy",
          "vocab_name": "bm25_vocab.json", "params_name": "bm25_params.json"}


def normalize(text: str) -> str:
    """NFKC + casefold: full-width letters/digits/punctuation become half-width.

    >>> normalize("２０２４年ＡＢＣ")
    '2024年abc'
    """
    return unicodedata.normalize("NFKC", text).casefold()


def runs(text: str) -> list[str]:
    """Maximal runs of letters/digits/CJK in the normalised text (punctuation splits).

    >>> runs("“千村示范、万村整治”工程")
    ['千村示范', '万村整治', '工程']
    """
    return _RUN.findall(normalize(text))


def bigrams(text: str) -> list[str]:
    """Character bigrams within each run; a one-character run yields itself."""
    out: list[str] = []
    for r in runs(text):
        if len(r) == 1:
            out.append(r)
        else:
            out.extend(r[i : i + 2] for i in range(len(r) - 1))
    return out


def query_terms(text: str) -> list[str]:
    """Terms used to score a query: bigrams, or the characters of a one-character query.

    >>> query_terms("畜")
    ['畜']
    >>> query_terms("粮食，安全")
    ['粮食', '安全']
    """
    rs = runs(text)
    if sum(len(r) for r in rs) == 1:
        return rs
    return bigrams(text)


def index_terms(text: str) -> list[str]:
    """Terms indexed for a text: its bigrams plus every character (unigram)."""
    chars = [c for r in runs(text) for c in r]
    bg = [t for t in bigrams(text) if len(t) == 2]
    return bg + chars


@dataclass(frozen=True)
class Compressed:
    """A compressed sparse matrix as its three arrays (CSR: ``indptr`` over rows; CSC: over
    columns), possibly memory-mapped; what reading needs without scipy."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray

    def slot(self, i: int) -> slice:
        return slice(int(self.indptr[i]), int(self.indptr[i + 1]))


class LexicalIndex:
    """BM25 over character bigrams (+ unigrams), rows addressed by position.

    ``counts`` (rows × terms, raw term frequencies) is what the index keeps of each text;
    the BM25 weights are computed from it by bm25s and re-computed on :meth:`add`/:meth:`delete`.
    """

    def __init__(self, vocab: dict[str, int], counts: sp.csr_matrix, bm25: bm25s.BM25 | None = None):
        self.vocab = vocab
        self._set(counts, bm25)

    def _set(self, counts: sp.csr_matrix, bm25: bm25s.BM25 | None = None) -> None:
        """Take ``counts`` as the rows; index them with bm25s unless ``bm25`` (loaded) is given."""
        import scipy.sparse as sp  # building and updating only: see the module docstring

        c = counts.tocsr()
        if c.shape[1] < len(self.vocab):
            c = sp.csr_matrix((c.data, c.indices, c.indptr), shape=(c.shape[0], len(self.vocab)))
        self._counts = c  # rows × terms, raw term frequencies
        self._bm25 = bm25 if bm25 is not None else self._index()
        s = self._bm25.scores  # bm25s's eager weights: a CSC matrix's arrays
        self._arrays(c.shape, Compressed(s["data"], s["indices"], s["indptr"]), Compressed(c.data, c.indices, c.indptr))

    def _arrays(self, shape: tuple[int, int], weights: Compressed, rows: Compressed) -> None:
        """What reading uses: the BM25 weights by term (CSC) and the term counts by row (CSR),
        both of ``shape`` (rows × terms)."""
        self._shape, self._w, self._c = (int(shape[0]), int(shape[1])), weights, rows
        self._n = self._shape[0]
        self._weights = None

    @property
    def counts(self) -> sp.csr_matrix:
        """rows × terms, raw term frequencies (scipy CSR; made on first use after a load)."""
        if self._counts is None:
            import scipy.sparse as sp  # see the module docstring

            self._counts = sp.csr_matrix((self._c.data, self._c.indices, self._c.indptr), shape=self._shape)
        return self._counts

    @property
    def weights(self) -> sp.csc_matrix:
        """rows × terms, bm25s's BM25 weights (scipy CSC, made on first use)."""
        if self._weights is None:
            import scipy.sparse as sp  # see the module docstring

            self._weights = sp.csc_matrix((self._w.data, self._w.indices, self._w.indptr), shape=self._shape)
        return self._weights

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        vocab: dict[str, int] = {}
        return cls(vocab, cls._count(texts, vocab))

    @staticmethod
    def _count(texts: list[str], vocab: dict[str, int]) -> sp.csr_matrix:
        """Term counts (rows × vocab, growing ``vocab``), vectorised.

        Same terms as :func:`index_terms`: every bigram of adjacent letters/digits/CJK plus
        every such character.
        """
        import scipy.sparse as sp  # see the module docstring

        n = len(texts)
        joined = "\x00".join(normalize(t) for t in texts)
        if not joined:
            return sp.csr_matrix((n, max(len(vocab), 1)), dtype=np.float32)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        uniq, inv = _dense_unique(codes, 0x110000)
        alnum = np.fromiter(((chr(u).isalnum() and u != 0x5F) for u in uniq.tolist()), dtype=bool, count=uniq.size)
        ok = alnum[inv]
        sep = codes == 0
        row = np.cumsum(sep) - sep  # row of every position (separators belong to the next row)
        uni_pos = np.flatnonzero(ok)
        bi_pos = np.flatnonzero(ok[:-1] & ok[1:])
        width = np.uint64(uniq.size + 1)
        keys = np.concatenate([inv[uni_pos].astype(np.uint64),
                               (inv[bi_pos].astype(np.uint64) + 1) * width + inv[bi_pos + 1].astype(np.uint64)])
        rows = np.concatenate([row[uni_pos], row[bi_pos]])
        ukeys, kinv = _dense_unique(keys, int(width) * int(width))
        term_ids = np.empty(ukeys.size, dtype=np.int64)
        for i, k in enumerate(ukeys.tolist()):
            if k < int(width):
                term = chr(int(uniq[k]))
            else:
                term = chr(int(uniq[k // int(width) - 1])) + chr(int(uniq[k % int(width)]))
            term_ids[i] = vocab.setdefault(term, len(vocab))
        cols = term_ids[kinv]
        m = sp.csr_matrix((np.ones(cols.size, dtype=np.float32), (rows, cols)), shape=(n, max(len(vocab), 1)))
        m.sum_duplicates()
        return m

    def _index(self) -> bm25s.BM25:
        """bm25s index of the rows of ``counts`` (each row handed over as its list of term ids)."""
        import bm25s  # see the module docstring

        bm = bm25s.BM25(k1=K1, b=B, method=METHOD, idf_method=IDF_METHOD, dtype="float32")
        c = self.counts
        if c.nnz == 0:  # nothing to weigh (bm25s would average zero lengths)
            bm.scores = {"data": np.zeros(0, np.float32), "indices": np.zeros(0, np.int32),
                         "indptr": np.zeros(c.shape[1] + 1, np.int64), "num_docs": c.shape[0]}
            bm.vocab_dict, bm.nonoccurrence_array = self.vocab, None
            return bm
        tf = c.data.astype(np.int64)
        per_row = np.bincount(np.repeat(np.arange(c.shape[0]), np.diff(c.indptr)), weights=tf, minlength=c.shape[0])
        docs = [a.tolist() for a in np.split(np.repeat(c.indices, tf), np.cumsum(per_row.astype(np.int64))[:-1])]
        bm.index((docs, self.vocab), create_empty_token=False, show_progress=False)
        return bm

    # ---- incremental ----------------------------------------------------------------------
    def add(self, texts: list[str]) -> None:
        """Append rows for ``texts`` (positions continue after the current last row)."""
        import scipy.sparse as sp  # see the module docstring

        new = self._count(texts, self.vocab)
        width = len(self.vocab)
        old = sp.csr_matrix((self.counts.data, self.counts.indices, self.counts.indptr), shape=(self.counts.shape[0], width))
        new = sp.csr_matrix((new.data, new.indices, new.indptr), shape=(new.shape[0], width))
        self._set(sp.vstack([old, new], format="csr"))

    def delete(self, rows: np.ndarray) -> None:
        """Remove rows (later rows shift down to keep positions dense)."""
        keep = np.ones(self.counts.shape[0], dtype=bool)
        keep[np.asarray(rows, dtype=np.int64)] = False
        self._set(self.counts[keep])

    # ---- scoring --------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def term_ids(self, terms: list[str]) -> np.ndarray:
        """Vocabulary ids of the known terms (unknown terms dropped; duplicates kept)."""
        return np.asarray([self.vocab[t] for t in terms if t in self.vocab], dtype=np.int64)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (float32, length ``len(self)``): the query's
        columns added up term by term into a float32 accumulator, as bm25s's
        ``get_scores_from_ids`` does (ATIRE has no non-occurrence part)."""
        ids = self.term_ids(query_terms(query))
        if ids.size == 0 or len(self) == 0:
            return np.zeros(len(self), dtype=np.float32)
        scores = np.zeros(len(self), dtype=np.float32)
        w = self._w
        for t in ids.tolist():
            cols = w.slot(t)
            np.add.at(scores, w.indices[cols], w.data[cols])
        return scores

    def postings(self, term: str) -> np.ndarray:
        """Rows containing ``term`` (sorted)."""
        t = self.vocab.get(term)
        if t is None:
            return np.zeros(0, dtype=np.int32)
        return np.sort(np.asarray(self._w.indices[self._w.slot(t)]))

    def row_terms(self, row: int) -> np.ndarray:
        """Term ids of one row (each once)."""
        return np.asarray(self._c.indices[self._c.slot(int(row))])

    def candidates(self, phrase: str, enough: int = 32) -> np.ndarray:
        """Rows containing every character of ``phrase`` (a superset of the rows containing it).

        Postings are intersected rarest first, stopping once at most ``enough`` rows remain;
        the caller verifies the phrase on these few rows, so nothing scans the corpus.
        Characters (not bigrams) make this insensitive to punctuation inside the phrase.
        """
        terms = sorted({c for r in runs(phrase) for c in r}, key=self._df)
        if not terms:
            return np.zeros(0, dtype=np.int32)
        rows = self.postings(terms[0])
        for t in terms[1:]:
            if rows.size <= enough:
                break
            rows = np.intersect1d(rows, self.postings(t), assume_unique=True)
        return rows

    def _df(self, term: str) -> int:
        t = self.vocab.get(term)
        return 0 if t is None else int(self._w.indptr[t + 1] - self._w.indptr[t])

    @staticmethod
    def top(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Rows of the ``k`` highest positive scores, best first (``mask`` = allowed rows); equal
        scores in row order, also at the cut, so the same index always gives the same rows.

        >>> LexicalIndex.top(np.array([1.0, 3.0, 1.0, 0.0, 1.0]), 2).tolist()
        [1, 0]
        """
        s = scores if mask is None else np.where(mask, scores, 0)
        pos = np.flatnonzero(s > 0)
        if pos.size > k:
            kth = np.partition(s[pos], pos.size - k)[pos.size - k]
            pos = pos[s[pos] >= kth]  # the k best and every row tied with the k-th
        return pos[np.lexsort((pos, -s[pos]))][:k]

    # ---- persistence ----------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """bm25s's own files (``bm25_params.json``, ``bm25_vocab.json``, weight arrays) plus the
        term counts add/delete re-index from and ``bm25_lexical.json`` (format)."""
        import scipy.sparse as sp  # see the module docstring

        directory.mkdir(parents=True, exist_ok=True)
        if self._bm25 is None:  # loaded for reading: index the counts again, in memory, as at build time
            self._set(self.counts)  # (the mapped weight files may be the very files written now)
        self._bm25.save(directory, **_FILES)
        sp.save_npz(directory / "bm25_counts.npz", self.counts)
        (directory / "bm25_lexical.json").write_text(json.dumps({"format": FORMAT}), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        """The index in ``directory``, for reading: bm25s's weight arrays memory-mapped, the term
        counts as arrays (bm25s and scipy load only if it is changed or saved). IncompatibleIndex
        when the files were written by another format or with other BM25 parameters (rebuild)."""
        meta = directory / "bm25_lexical.json"
        if meta.exists():
            fmt = json.loads(meta.read_text(encoding="utf-8")).get("format")
        else:  # format 1 (hand-written BM25) kept its format in bm25_vocab.json
            old = directory / "bm25_vocab.json"
            fmt = json.loads(old.read_text(encoding="utf-8")).get("format") if old.exists() else None
        if fmt != FORMAT:
            raise IncompatibleIndex(f"lexical index format {fmt!r} in {directory}; expected {FORMAT} (bm25s); rebuild")
        params = json.loads((directory / _FILES["params_name"]).read_text(encoding="utf-8"))
        if (params.get("k1"), params.get("b"), params.get("method"), params.get("idf_method"), params.get("dtype")) \
                != (K1, B, METHOD, IDF_METHOD, "float32"):
            raise IncompatibleIndex(f"lexical index in {directory} has other BM25 parameters; rebuild")
        vocab = {t: int(i) for t, i in json.loads((directory / _FILES["vocab_name"]).read_text(encoding="utf-8")).items()}
        weights = Compressed(*(np.load(directory / _FILES[f"{name}_name"], mmap_mode="r")
                               for name in ("data", "indices", "indptr")))
        with np.load(directory / "bm25_counts.npz") as z:  # scipy's save_npz layout
            if z["format"].item() not in (b"csr", "csr"):
                raise IncompatibleIndex(f"term counts in {directory} are not CSR; rebuild")
            shape = tuple(int(x) for x in z["shape"])
            rows = Compressed(z["data"], z["indices"], z["indptr"])
        ix = cls.__new__(cls)
        ix.vocab, ix._bm25, ix._counts = vocab, None, None
        ix._arrays(shape, weights, rows)
        return ix


def _dense_unique(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` in O(n) when values lie in [0, bound) and
    ``bound`` is small enough for a lookup table; falls back to sorting otherwise.

    >>> u, inv = _dense_unique(np.array([5, 2, 5, 9]), 10)
    >>> u.tolist(), inv.tolist()
    ([2, 5, 9], [1, 0, 1, 2])
    """
    if bound > 1 << 25:
        return np.unique(values, return_inverse=True)
    present = np.zeros(bound, dtype=bool)
    present[values] = True
    uniq = np.flatnonzero(present)
    lut = np.zeros(bound, dtype=np.int32)
    lut[uniq] = np.arange(uniq.size)
    return uniq.astype(values.dtype), lut[values].astype(np.int64)
