"""Provision alignment: which upper provision each lower provision implements.

Two tiers are aligned, each with one global monotone assignment:

* **top** — the top-level provisions (parts, chapters, the preamble), compared on their
  heading and on the text of their whole subtree;
* **leaf** — the provisions without children below the top level (items （一）, points 1.),
  compared on their own text and heading, with a bonus when their top-level parents were
  aligned in the first pass.

The score of a (lower, upper) pair is a weighted sum of char-bigram TF-IDF cosine (digits
folded, responsibility lists dropped), heading bigram overlap, an optional embedding term
(rescaled cosine; left out, and ``Alignment.embedding`` set False, when no encoder is given)
and a small penalty for relative-position distance. A dynamic programme then picks, for each
lower provision in reading order, one upper provision or none, keeping upper order (a backward
jump costs a penalty, lowered for a strong match so regrouped plans still align; several lowers
may share one upper, i.e. a split) and leaving a lower provision unmatched (a local addition)
unless its score clears a threshold. An upper left over that a paired lower item matches almost
as well as its own pair is recorded as merged into it (``Alignment.merged``).

>>> lex = lexical_matrix(["稳定粮食生产面积", "建设示范镇"], ["稳定粮食生产", "加强党的领导"])
>>> lex.shape, bool(lex[0, 0] > 0.5), float(lex[1].max())
((2, 2), True, 0.0)
>>> monotone_assign(np.array([[0.9, 0.1], [0.1, 0.2], [0.2, 0.8]]), threshold=0.3)
[0, None, 1]
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from scipy import sparse

from corpus.model import Document, Provision

#: （责任单位：…）-style unit lists: administrative boilerplate, not policy content.
RESPONSIBILITY = re.compile(r"[（(](?:主要)?(?:责任|牵头|配合|参与)(?:单位|部门)[:：][^）)]*[）)]")
_KEEP = re.compile(r"[^\u3400-\u9fff#A-Za-z]")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


class PassageEncoder(Protocol):
    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Weights:
    """Score weights and assignment parameters (defaults tuned on the genre, see the report)."""

    lexical: float = 1.0
    title: float = 0.45
    embedding: float = 0.35
    parent: float = 0.08
    position: float = 0.15
    threshold: float = 0.28  # lexical + structure only
    threshold_embedding: float = 0.35  # when the embedding term takes part (it lifts every score)
    back_penalty: float = 0.35
    reuse_penalty: float = 0.05
    # strong content evidence overrides order: the backward-jump penalty falls linearly from
    # ``back_penalty`` (score at the threshold) to ``back_floor`` (score ≥ ``back_sure``), and the
    # position penalty fades as lexical overlap approaches ``position_relief``.
    back_floor: float = 0.05
    back_sure: float = 0.6
    position_relief: float = 0.6
    position_floor: float = 0.3
    # merged items: an upper left unassigned also goes to a lower item whose score for it clears
    # ``merge_min`` and ``merge_ratio`` × the score of that lower item's own pair.
    merge_min: float = 0.45
    merge_ratio: float = 0.8
    # reworded chains: a lower document that restates rather than copies (a province's 实施意见
    # of a State Council 意见) scores lower on every pair. Scores are divided by
    # median(best score per lower unit) / ``calibrate_ref``, at most by 1 / ``calibrate_floor``;
    # a copying pair (median best ≥ the reference) is left as it is.
    calibrate_ref: float = 0.6
    calibrate_floor: float = 0.5


@dataclass(frozen=True)
class Unit:
    """One alignable provision."""

    provision_id: str
    number: str
    title: str
    kind: str
    tier: str  # "top" | "leaf"
    top: str  # id of its top-level ancestor (itself for top units)
    text: str  # the text compared: own text (leaf) or whole subtree (top)
    position: float  # relative position in the document, 0..1

    def ref(self) -> dict:
        return {"provision_id": self.provision_id, "number": self.number, "title": self.title}


@dataclass
class Pair:
    lower: Unit
    upper: Unit
    score: float
    lexical: float
    relation: str = ""  # copied | adapted | reworded
    diff: Any = None  # kg.cascade.diff.Diff
    taken: float = 0.0  # share of the lower text that is the upper's wording (see diff.taken_share)


@dataclass
class Alignment:
    upper_id: str
    lower_id: str
    pairs: list[Pair] = field(default_factory=list)
    lower_only: list[Unit] = field(default_factory=list)
    upper_only: list[Unit] = field(default_factory=list)
    embedding: bool = False  # whether embedding similarity took part
    merged: list[Pair] = field(default_factory=list)  # extra uppers a lower item merges (not in pairs)

    def mapping(self) -> dict[str, str | None]:
        """lower provision id → upper provision id (None for local additions)."""
        out: dict[str, str | None] = {u.provision_id: None for u in self.lower_only}
        out.update({p.lower.provision_id: p.upper.provision_id for p in self.pairs})
        return out

    def full_mapping(self, lower: Document, upper: Document) -> dict[str, str | None]:
        """:meth:`mapping` plus the groupings between the two tiers (（一）重点发展领域 holding
        points 1.–6.): a grouping implements what its items implement — the upper provision most
        of its aligned items share, else their nearest common upper ancestor below the top
        level's parent, else nothing (a local grouping)."""
        out = self.mapping()
        up_by_id = {p.id: p for p in upper.provisions}
        for prov in reversed(lower.provisions):  # deepest first: a grouping may hold groupings
            if prov.parent is None or not prov.children or prov.id in out:
                continue
            got = [out[c] for c in prov.children if out.get(c)]
            out[prov.id] = group_target(got, up_by_id) if got else None
        return out


def _ancestors(pid: str, by_id: dict[str, Provision]) -> list[str]:
    chain: list[str] = []
    cur: str | None = pid
    while cur is not None and cur in by_id:
        chain.append(cur)
        cur = by_id[cur].parent
    return chain


def group_target(uppers: list[str], by_id: dict[str, Provision]) -> str | None:
    """The upper provision a grouping of lower items implements, from its items' uppers.

    >>> ps = {"p": Provision(id="p", kind="part", number="二、", children=["p/1", "p/2"]),
    ...       "p/1": Provision(id="p/1", kind="item", number="（一）", parent="p"),
    ...       "p/2": Provision(id="p/2", kind="item", number="（二）", parent="p")}
    >>> group_target(["p/1", "p/1", "p/2"], ps), group_target(["p/1", "p/2"], ps)
    ('p/1', 'p')
    """
    top, n = Counter(uppers).most_common(1)[0]
    if 2 * n > len(uppers) or len(uppers) == 1:
        return top
    common = set(_ancestors(uppers[0], by_id))
    for u in uppers[1:]:
        common &= set(_ancestors(u, by_id))
    return next((a for a in _ancestors(uppers[0], by_id) if a in common), None)


def normalize(text: str) -> str:
    """Text as compared: responsibility lists dropped, digits folded to '#', CJK/letters only.

    >>> normalize("确保2024年油料1.5万亩。（责任单位：镇经济发展板块）")
    '确保#年油料#万亩'
    """
    return _KEEP.sub("", _DIGITS.sub("#", RESPONSIBILITY.sub("", text)))


def bigrams(text: str) -> Counter:
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def _subtree_text(doc: Document, prov: Provision, by_id: dict[str, Provision]) -> str:
    parts, stack = [], [prov.id]
    while stack:
        p = by_id[stack.pop()]
        parts.append(p.text)
        stack.extend(reversed(p.children))
    return "\n".join(parts)


def alignment_units(doc: Document) -> tuple[list[Unit], list[Unit]]:
    """(top units, leaf units) of a document, in reading order."""
    by_id = {p.id: p for p in doc.provisions}
    n = max(len(doc.provisions) - 1, 1)
    tops: list[Unit] = []
    leaves: list[Unit] = []
    for k, p in enumerate(doc.provisions):
        root = p
        while root.parent is not None and root.parent in by_id:
            root = by_id[root.parent]
        if p.parent is None:
            text = _subtree_text(doc, p, by_id)
            tops.append(Unit(p.id, p.number, p.title, p.kind, "top", p.id, text, k / n))
        elif not p.children and p.text.strip():
            leaves.append(Unit(p.id, p.number, p.title, p.kind, "leaf", root.id, p.text, k / n))
    return tops, leaves


def _tfidf(counts: Sequence[Counter]) -> sparse.csr_matrix:
    """Row-normalised TF-IDF matrix ((1 + log tf) · log((n + 1) / (df + 0.5)))."""
    # scipy is imported where alignment runs, not by every importer of kg.cascade (the search path)
    from scipy import sparse

    vocab: dict[str, int] = {}
    indptr, indices, tfs = [0], [], []
    for c in counts:
        for g, tf in c.items():
            indices.append(vocab.setdefault(g, len(vocab)))
            tfs.append(tf)
        indptr.append(len(indices))
    n, v = len(counts), max(len(vocab), 1)
    idx = np.asarray(indices, dtype=np.int32)
    m = sparse.csr_matrix((np.asarray(tfs, dtype=np.float64), idx, np.asarray(indptr, dtype=np.int64)), shape=(n, v))
    df = np.bincount(idx, minlength=v)
    m.data = (1.0 + np.log(m.data)) * np.log((n + 1) / (df[m.indices] + 0.5))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ m


@lru_cache(maxsize=50_000)
def _text_bigrams(text: str) -> Counter:
    return bigrams(normalize(text))


def lexical_matrix(lower: Sequence[str], upper: Sequence[str]) -> np.ndarray:
    """Char-bigram TF-IDF cosine between every lower and upper text (IDF over both sets)."""
    m = _tfidf([_text_bigrams(t) for t in (*lower, *upper)])
    lo, up = m[: len(lower)], m[len(lower) :]
    return (lo @ up.T).toarray().reshape(len(lower), len(upper))


def title_matrix(lower: Sequence[str], upper: Sequence[str],
                 weights: dict[str, float] | None = None) -> np.ndarray:
    """Dice overlap of heading bigram sets (0 where either heading is empty), each bigram
    counted with its weight in ``weights`` (1 when absent): with IDF weights, the words every
    heading of the pair shares (科技服务 in a pair of 科技服务业 opinions) count for little."""
    from scipy import sparse  # see _tfidf

    sets = [set(_text_bigrams(t)) for t in (*lower, *upper)]
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, st in enumerate(sets):
        for g in st:
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
            vals.append(weights.get(g, 1.0) if weights is not None else 1.0)
    m = sparse.csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)), shape=(len(sets), max(len(vocab), 1)))
    ones = m.copy()
    ones.data = np.ones_like(ones.data)
    sizes = np.asarray(m.sum(axis=1)).ravel()
    lo, up = m[: len(lower)], ones[len(lower) :]
    common = (lo @ up.T).toarray().reshape(len(lower), len(upper))
    denom = sizes[: len(lower), None] + sizes[None, len(lower) :]
    return np.divide(2 * common, denom, out=np.zeros_like(common), where=denom > 0)


def bigram_idf(texts: Sequence[str]) -> dict[str, float]:
    """Inverse document frequency of each bigram over ``texts``, scaled so that a bigram in
    one text weighs 1 and one in every text weighs 0.

    >>> w = bigram_idf(["科技服务", "科技金融", "科技人才"]); round(w["科技"], 2), round(w["金融"], 2)
    (0.0, 1.0)
    """
    df: Counter = Counter()
    for t in texts:
        df.update(set(_text_bigrams(t)))
    n = max(len(texts), 2)
    return {g: float(np.log(n / c) / np.log(n)) for g, c in df.items()}


def monotone_assign(
    score: np.ndarray, threshold: float, back_penalty: float | np.ndarray = 0.35, reuse_penalty: float = 0.05
) -> list[int | None]:
    """Best assignment of each row (in order) to a column or None, mostly keeping column order.

    Gain of assigning row i to column j is ``score[i, j] - threshold``; leaving it unassigned
    gains 0. Assigning a column left of the last assigned one costs ``back_penalty`` (a number,
    or one per cell, shaped like ``score``); assigning the same column again costs
    ``reuse_penalty``. O(rows × cols).

    >>> s = np.array([[0.1, 0.5], [0.9, 0.1]])
    >>> monotone_assign(s, 0.3), monotone_assign(s, 0.3, back_penalty=np.full((2, 2), 0.05))
    ([None, 0], [1, 0])
    """
    back = np.broadcast_to(np.asarray(back_penalty, dtype=np.float64), score.shape)
    n, m = score.shape
    if n == 0:
        return []
    if m == 0:
        return [None] * n
    neg = -1e18
    # state k: 0 = nothing assigned yet, j + 1 = last assigned column j
    value = np.full(m + 1, neg)
    value[0] = 0.0
    cols = np.arange(m)
    choices: list[np.ndarray] = []  # per row: previous state for each new state, -1 = row unassigned
    for i in range(n):
        fwd, fwd_arg = np.maximum.accumulate(value)[:m], _running_argmax(value)[:m]  # states ≤ j
        same = value[1:] - reuse_penalty  # state j + 1
        rev = value[::-1]
        suf = np.maximum.accumulate(rev)[::-1]  # suf[k] = max over states k..m
        suf_arg = (m - _running_argmax(rev))[::-1]
        bwd = np.append(suf[2:], neg) - back[i]  # states ≥ j + 2
        bwd_arg = np.append(suf_arg[2:], 0)
        best = np.maximum(np.maximum(fwd, same), bwd)
        best_arg = np.where(best == fwd, fwd_arg, np.where(best == same, cols + 1, bwd_arg))
        assign = best + (score[i] - threshold)
        choice = np.full(m + 1, -1)
        better = assign > value[1:]
        choice[1:] = np.where(better, best_arg, -1)
        value = value.copy()
        value[1:] = np.where(better, assign, value[1:])
        choices.append(choice)
    state = int(np.argmax(value))
    out: list[int | None] = [None] * n
    for i in range(n - 1, -1, -1):
        prev = int(choices[i][state])
        if prev >= 0:
            out[i] = state - 1
            state = prev
    return out


def _running_argmax(a: np.ndarray) -> np.ndarray:
    """Index of the running maximum of ``a`` (first occurrence)."""
    idx = np.arange(len(a))
    is_new = np.concatenate(([True], a[1:] > np.maximum.accumulate(a)[:-1]))
    return np.maximum.accumulate(np.where(is_new, idx, 0))


# ---------------------------------------------------------------- embeddings

#: ``vectors(doc, units)`` → one L2-normalised row per unit, or None when unavailable.
UnitVectors = Callable[[Document, Sequence[Unit]], "np.ndarray | None"]

_EMB_CACHE: dict[str, np.ndarray] = {}
_EMB_CACHE_MAX = 200_000


def _emb_key(doc_id: str, unit: Unit) -> str:
    h = hashlib.blake2b(unit.text.encode("utf-8"), digest_size=8).hexdigest()
    return f"{doc_id}|{unit.tier}|{unit.provision_id}|{h}"


def unit_embeddings(doc_id: str, units: Sequence[Unit], encoder: PassageEncoder) -> np.ndarray:
    """L2-normalised embeddings of the units' texts, cached per (document, provision, text)."""
    keys = [_emb_key(doc_id, u) for u in units]
    missing = [i for i, k in enumerate(keys) if k not in _EMB_CACHE]
    if missing:
        vecs = np.asarray(encoder.encode_passages([RESPONSIBILITY.sub("", units[i].text)[:1000] for i in missing]),
                          np.float32)
        if len(_EMB_CACHE) + len(missing) > _EMB_CACHE_MAX:
            _EMB_CACHE.clear()
        for i, v in zip(missing, vecs):
            _EMB_CACHE[keys[i]] = v
    if not keys:
        return np.zeros((0, 1), np.float32)
    return np.stack([_EMB_CACHE[k] for k in keys])


def encoder_vectors(encoder: PassageEncoder) -> UnitVectors:
    """Unit vectors computed with ``encoder`` (cached in-process)."""
    return lambda doc, units: unit_embeddings(doc.id, units, encoder)


def provision_vectors(lookup: Callable[[Document, list[str]], "np.ndarray | None"]) -> UnitVectors:
    """Unit vectors from stored per-provision vectors (the search index keeps one per
    provision): ``lookup(doc, provision_ids)`` → rows (zero rows for provisions without
    one), or None. A top unit gets the normalised sum of its subtree's vectors.
    """

    def vectors(doc: Document, units: Sequence[Unit]) -> np.ndarray | None:
        by_id = {p.id: p for p in doc.provisions}
        members: list[list[str]] = []
        for u in units:
            ids, stack = [], [u.provision_id]
            while stack:
                pid = stack.pop()
                ids.append(pid)
                if u.tier == "top":
                    stack.extend(by_id[pid].children)
            members.append(ids)
        flat = [pid for m in members for pid in m]
        rows = lookup(doc, flat)
        if rows is None or len(rows) != len(flat):
            return None
        out, k = [], 0
        for m in members:
            v = np.asarray(rows[k : k + len(m)], np.float32).sum(axis=0)
            k += len(m)
            out.append(v / max(float(np.linalg.norm(v)), 1e-12))
        return np.vstack(out) if out else np.zeros((0, 1), np.float32)

    return vectors


def _embedding_term(lo: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Cosine rescaled against the pair's own floor (the median cosine of the matrix), so the
    same-domain similarity every pair shares counts 0: (cos - median) / (1 - median), clipped."""
    cos = lo @ up.T
    med = float(np.median(cos)) if cos.size else 0.0
    return np.clip((cos - med) / max(1.0 - med, 1e-6), 0.0, 1.0)


# ---------------------------------------------------------------- alignment


def _score(
    lower: list[Unit],
    upper: list[Unit],
    w: Weights,
    emb: tuple[np.ndarray, np.ndarray] | None,
    parent_map: dict[str, str | None] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, lexical cosine, the embedding term's share of the score)."""
    lex = lexical_matrix([u.text for u in lower], [u.text for u in upper])
    idf = bigram_idf([u.text for u in (*lower, *upper)])
    score = w.lexical * lex + w.title * title_matrix([u.title for u in lower], [u.title for u in upper], idf)
    emb_part = np.zeros_like(score)
    if emb is not None:
        emb_part = w.embedding * _embedding_term(*emb)
        score += emb_part
    scale = calibration(score, w)  # content only: order and parent bonuses stay as they are
    score, emb_part = score / scale, emb_part / scale
    lp = np.array([u.position for u in lower])[:, None]
    upos = np.array([u.position for u in upper])[None, :]
    relief = np.clip(1.0 - lex / max(w.position_relief, 1e-6), w.position_floor, 1.0)
    score -= w.position * np.abs(lp - upos) * relief
    if parent_map:
        tops = {t: i for i, t in enumerate(dict.fromkeys(u.top for u in upper))}
        lo_top = np.array([tops.get(parent_map.get(a.top) or "", -1) for a in lower])
        up_top = np.array([tops[b.top] for b in upper])
        score += w.parent * ((lo_top[:, None] == up_top[None, :]) & (lo_top[:, None] >= 0))
    return score, lex, emb_part


def _align_tier(
    lower: list[Unit],
    upper: list[Unit],
    w: Weights,
    emb: tuple[np.ndarray, np.ndarray] | None,
    parent_map: dict[str, str | None] | None = None,
) -> tuple[list[Pair], list[Unit], list[Unit], list[Pair]]:
    if not lower or not upper:
        return [], list(lower), list(upper), []
    score, lex, emb_part = _score(lower, upper, w, emb, parent_map)
    threshold = w.threshold if emb is None else w.threshold_embedding
    assign = monotone_assign(score, threshold, back_penalties(score, threshold, w), w.reuse_penalty)
    # moved items are rescued on wording alone: thematic (embedding) nearness is not taking content
    assign = rescue_moved(score - emb_part, assign, w.threshold)
    pairs = [
        Pair(lower[i], upper[j], float(score[i, j]), float(lex[i, j]))
        for i, j in enumerate(assign)
        if j is not None
    ]
    merged = [Pair(lower[i], upper[j], float(score[i, j]), float(lex[i, j]))
              for i, j in merged_uppers(score, assign, w.merge_min, w.merge_ratio)]
    used = {j for j in assign if j is not None} | {upper.index(p.upper) for p in merged}
    lower_only = [lower[i] for i, j in enumerate(assign) if j is None]
    upper_only = [u for j, u in enumerate(upper) if j not in used]
    return pairs, lower_only, upper_only, merged


def rescue_moved(score: np.ndarray, assign: list[int | None], threshold: float,
                 floor: float = 0.5, lead: float = 1.5) -> list[int | None]:
    """A lower unit the order-keeping pass left out is paired with its best upper anyway when no
    lower unit is paired with that upper yet and it is distinctive for the unit: the score clears
    ``threshold``, or clears ``floor`` × ``threshold`` while leading the unit's second-best upper
    by ``lead`` times; and no other left-out unit has the same best upper with a higher score.
    Implementing documents regroup measures (a 保障措施 item moved under a 重点工程 grouping):
    distinctive content outweighs order.

    >>> rescue_moved(np.array([[0.9, 0.1, 0.0], [0.1, 0.1, 0.5], [0.12, 0.1, 0.0], [0.02, 0.18, 0.0]]),
    ...              [0, None, None, None], 0.3)
    [0, 2, None, 1]
    """
    out = list(assign)
    used = {j for j in assign if j is not None}
    left = [i for i, j in enumerate(assign) if j is None]
    best = {i: int(np.argmax(score[i])) for i in left}
    for i in left:
        j = best[i]
        s = float(score[i, j])
        second = float(np.partition(score[i], -2)[-2]) if score.shape[1] > 1 else 0.0
        distinctive = j not in used and (s >= threshold or (s >= floor * threshold and s >= lead * max(second, 1e-6)))
        rivals = [k for k in left if k != i and best[k] == j and score[k, j] > s]
        if distinctive and not rivals:
            out[i] = j
    return out


def calibration(score: np.ndarray, w: Weights) -> float:
    """The factor a pair's scores are divided by: how far the typical best match of a lower unit
    falls short of ``w.calibrate_ref`` (1.0 for copying pairs, ≥ ``w.calibrate_floor``).

    >>> calibration(np.array([[0.9, 0.1], [0.1, 0.8]]), Weights()), calibration(np.array([[0.2, 0.0]]), Weights())
    (1.0, 0.5)
    """
    if score.size == 0:
        return 1.0
    best = float(np.median(score.max(axis=1)))
    return float(np.clip(best / w.calibrate_ref, w.calibrate_floor, 1.0))


def back_penalties(score: np.ndarray, threshold: float, w: Weights) -> np.ndarray:
    """Per-cell backward-jump penalty: full for a weak match, ``w.back_floor`` for a sure one.

    >>> back_penalties(np.array([[0.28, 0.44, 0.9]]), 0.28, Weights()).round(2).tolist()
    [[0.35, 0.2, 0.05]]
    """
    sure = np.clip((score - threshold) / max(w.back_sure - threshold, 1e-6), 0.0, 1.0)
    return w.back_penalty - (w.back_penalty - w.back_floor) * sure


def merged_uppers(score: np.ndarray, assign: list[int | None], minimum: float, ratio: float) -> list[tuple[int, int]]:
    """(row, column) for columns no row was assigned to that a row merges into its own item:
    the row's best unassigned column, when its score clears ``minimum`` and ``ratio`` × the
    score of the row's own assignment. Each column goes to at most one row (its best).

    >>> merged_uppers(np.array([[0.7, 0.65, 0.1], [0.1, 0.1, 0.9]]), [0, 2], 0.45, 0.8)
    [(0, 1)]
    """
    used = {j for j in assign if j is not None}
    best: dict[int, tuple[float, int]] = {}
    for i, j in enumerate(assign):
        if j is None:
            continue
        for k in np.argsort(-score[i]):
            k = int(k)
            if k in used:
                continue
            s = float(score[i, k])
            if s >= minimum and s >= ratio * float(score[i, j]) and s > best.get(k, (-1.0, -1))[0]:
                best[k] = (s, i)
            break
    return sorted((i, k) for k, (_, i) in best.items())


def align(
    upper: Document,
    lower: Document,
    *,
    encoder: PassageEncoder | None = None,
    vectors: UnitVectors | None = None,
    weights: Weights = Weights(),
) -> Alignment:
    """Align ``lower`` (the implementing document) to ``upper``: pairs, local additions, gaps.

    Pairs come out in the lower document's reading order, top tier first. Relations and diffs
    are filled in by :func:`kg.cascade.analyse`.
    """
    utop, uleaf = alignment_units(upper)
    ltop, lleaf = alignment_units(lower)
    if vectors is None and encoder is not None:
        vectors = encoder_vectors(encoder)
    emb_top = emb_leaf = None
    if vectors is not None:
        got = [vectors(lower, ltop), vectors(upper, utop), vectors(lower, lleaf), vectors(upper, uleaf)]
        if all(g is not None for g in got):
            emb_top, emb_leaf = (got[0], got[1]), (got[2], got[3])
    tp, tlo, tuo, tm = _align_tier(ltop, utop, weights, emb_top)
    parent_map: dict[str, str | None] = {p.lower.provision_id: p.upper.provision_id for p in tp}
    lp, llo, luo, lm = _align_tier(lleaf, uleaf, weights, emb_leaf, parent_map)
    return Alignment(
        upper_id=upper.id,
        lower_id=lower.id,
        pairs=tp + lp,
        lower_only=tlo + llo,
        upper_only=tuo + luo,
        embedding=emb_top is not None,
        merged=tm + lm,
    )
