"""Cascade analysis: how a policy moves from an upper document to the lower one implementing it.

``analyse(upper, lower, ...)`` aligns the provisions (:mod:`kg.cascade.align`), diffs each pair
and types it (:mod:`kg.cascade.diff`), flags un-localised copying, compares the numeric targets
(:mod:`kg.cascade.targets`) and the slogans (:mod:`kg.cascade.slogans`). ``concept`` lives in
:mod:`kg.cascade.concept`, RDF output in :mod:`kg.cascade.rdf`, CLI/JSON shapes in
:mod:`api.views.cascade`.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from corpus.model import Document
from kg.cascade.align import Alignment, PassageEncoder, UnitVectors, Weights, align
from kg.cascade.diff import compared_text, diff_texts, relation_of, taken_share
from kg.cascade.slogans import SloganPair, slogan_pairs
from kg.cascade.targets import TargetMove, target_moves
from kg.records import DocumentExtraction

__all__ = ["CascadeResult", "analyse", "align", "jurisdiction_rank", "higher_jurisdiction_words", "names_place_of"]

#: rank of an administrative level (smaller = higher)
LEVEL_RANK = {"central": 0, "provincial": 1, "prefectural": 2, "county": 3, "township": 4, "village": 5}
#: rank of the jurisdiction a self-word (全市, 我县, 本镇) refers to
WORD_RANK = {"省": 1, "市": 2, "州": 2, "县": 3, "区": 3, "旗": 3, "镇": 4, "乡": 4, "街道": 4, "村": 5}
#: characters either side of a place name that must match the upper text for a copied place
COPY_CONTEXT = 4
# 全市 / 我县 / 本镇, but not the 全市 inside 完全市场 or 健全市场 (全国 is never a self-reference here)
_SELF_WORD = re.compile(r"(?<![完健安齐周保])(?:全|本|我)(省|市|州|县|区|旗|镇|乡|街道|村)(?![场民])")


def higher_jurisdiction_words(text: str, own_rank: int) -> list[tuple[int, int, str]]:
    """Self-references (全市, 我县) to a jurisdiction above ``own_rank``: (start, end, word).

    >>> higher_jurisdiction_words("全镇收入不低于全市平均水平，完全市场化", LEVEL_RANK["township"])
    [(7, 9, '全市')]
    """
    return [(m.start(), m.end(), m.group(0)) for m in _SELF_WORD.finditer(text) if WORD_RANK[m.group(1)] < own_rank]


def jurisdiction_rank(doc: Document) -> int | None:
    """The rank of the document's own jurisdiction: its level, else its most frequent self-word.

    >>> jurisdiction_rank(Document(id="x", title="t", source="s", text="全镇推进。全镇落实。全市平均。"))
    4
    """
    if doc.level in LEVEL_RANK:
        return LEVEL_RANK[doc.level]
    words = Counter(WORD_RANK[m.group(1)] for m in _SELF_WORD.finditer(doc.text))
    return words.most_common(1)[0][0] if words else None


@dataclass
class CascadeResult:
    upper: Document
    lower: Document
    alignment: Alignment
    targets: list[TargetMove] = field(default_factory=list)
    slogans: list[SloganPair] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    extraction: bool = False  # whether extraction records were available (targets, slogans)


def _place_names(doc: Document, ex: DocumentExtraction | None) -> set[str]:
    names: set[str] = set()
    if doc.place:
        names.add(doc.place)
    if ex:
        types = {e.id: e for e in ex.entities}
        for m in ex.mentions:
            e = types.get(m.entity_id)
            if e is not None and e.type == "place":
                names.add(m.surface)
    return {n for n in names if len(n) >= 2}


def _foreign_places(lower: Document, ex: DocumentExtraction | None, gazetteer) -> dict[str, list[tuple[int, int, str]]]:
    """Per lower provision: place mentions resolved to a division that neither contains nor lies
    within the lower document's jurisdiction (another county's villages, another city)."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    if ex is None or gazetteer is None or not lower.place_code:
        return out
    ents = {e.id: e for e in ex.entities if e.type == "place"}
    for m in ex.mentions:
        e = ents.get(m.entity_id)
        code = (e.attrs.get("admin_code") if e else None) or (m.entity_id.split(":", 1)[1] if e else "")
        if not e or not str(code).isdigit():
            continue
        code = str(code)
        if gazetteer.contains(code, lower.place_code) or gazetteer.contains(lower.place_code, code):
            continue
        out.setdefault(m.span.provision_id, []).append((m.span.start, m.span.end, m.surface))
    return out


def _findings(result: CascadeResult, lower_ex: DocumentExtraction | None, gazetteer) -> list[dict]:
    lower = result.lower
    rank = jurisdiction_rank(lower)
    foreign = _foreign_places(lower, lower_ex, gazetteer)
    out: list[dict] = []
    paired = {p.lower.provision_id: p for p in result.alignment.pairs}
    up_code, low_code = result.upper.place_code, lower.place_code
    # a lower document outside the upper's jurisdiction names its own places with 全县, not the upper's
    within = gazetteer is None or not (up_code and low_code) or gazetteer.contains(up_code, low_code)
    for p in lower.provisions:
        if p.children and p.parent is not None:
            continue  # leaf and top-level text only (no double counting of containers)
        text = compared_text(p.text, p.number)
        pair = paired.get(p.id)
        changed = [(c.lower_start, c.lower_end) for c in pair.diff.changes] if pair and pair.diff else []
        upper_text = compared_text(result.upper.provision(pair.upper.provision_id).text, pair.upper.number) if pair else ""

        def copied(s: int, e: int, word: str) -> bool:
            return bool(pair) and word in upper_text and not any(cs < e and s < ce for cs, ce in changed)

        if rank is not None:
            for s, e, word in higher_jurisdiction_words(text, rank):
                # a local copy only where the copied self-word names the upper document's own place
                is_copy = copied(s, e, word) and names_place_of(word, result.upper) and within
                out.append({
                    "kind": "unlocalised_copy" if is_copy else "higher_jurisdiction_reference",
                    "severity": "warning" if is_copy else "info",
                    "provision_id": p.id, "number": p.number, "word": word,
                    "context": text[max(0, s - 12) : e + 12],
                    "upper_provision_id": pair.upper.provision_id if pair else None,
                })
        for s, e, surface in foreign.get(p.id, []):
            # copied: the place with the words around it stands in the aligned upper text, not the name alone
            window = re.sub(r"\s+", "", lower.text[max(0, s - COPY_CONTEXT) : e + COPY_CONTEXT])
            is_copy = bool(pair) and surface in upper_text and window in re.sub(r"\s+", "", upper_text)
            out.append({
                "kind": "unlocalised_copy" if is_copy else "foreign_place",
                "severity": "warning" if is_copy else "info",
                "provision_id": p.id, "number": p.number, "word": surface,
                "context": lower.text[max(0, s - 12) : e + 12],
                "upper_provision_id": pair.upper.provision_id if pair else None,
            })
    out = _distinct(out)
    for sp in result.slogans:
        low = sp.lower
        if low.count_matches is False:
            out.append({"kind": "slogan_count_mismatch", "severity": "info", "provision_id": low.provision_id,
                        "word": low.name, "context": "、".join(low.components), "upper_provision_id": None})
    return out


def names_place_of(word: str, doc: Document) -> bool:
    """Whether a self-word (全市, 本县) names ``doc``'s own jurisdiction: its place ends with the
    word's unit (重庆市 → 全市, 垫江县 → 全县); without a place, its level's rank decides.

    >>> d = Document(id="x", title="t", source="s", text="", place="垫江县", level="county")
    >>> names_place_of("全县", d), names_place_of("全市", d)
    (True, False)
    """
    unit = word[1:]
    if doc.place:
        return doc.place.endswith(unit)
    return doc.level in LEVEL_RANK and WORD_RANK.get(unit) == LEVEL_RANK[doc.level]


def _distinct(findings: list[dict]) -> list[dict]:
    """One finding per (kind, provision, word): repeats in one provision add to ``count``."""
    out: dict[tuple, dict] = {}
    for f in findings:
        key = (f["kind"], f["provision_id"], f["word"])
        if key in out:
            out[key]["count"] += 1
        else:
            out[key] = {**f, "count": 1}
    return list(out.values())


def analyse(
    upper: Document,
    lower: Document,
    *,
    upper_ex: DocumentExtraction | None = None,
    lower_ex: DocumentExtraction | None = None,
    encoder: PassageEncoder | None = None,
    vectors: UnitVectors | None = None,
    gazetteer=None,
    weights: Weights = Weights(),
) -> CascadeResult:
    """Everything the cascade view shows for one (upper, lower) pair of documents.

    Without extraction records the alignment, diffs and jurisdiction-word findings are still
    produced; targets and slogans need them. ``vectors`` (stored provision vectors, see
    :func:`kg.cascade.align.provision_vectors`) or ``encoder`` add embedding similarity; without
    either the alignment is lexical + structure only (``result.alignment.embedding`` is False).
    ``gazetteer`` (a :class:`kg.gazetteer.Gazetteer`) enables the foreign-place findings.
    """
    al = align(upper, lower, encoder=encoder, vectors=vectors, weights=weights)
    uplaces, lplaces = _place_names(upper, upper_ex), _place_names(lower, lower_ex)
    for pair in al.pairs:
        u = compared_text(upper.provision(pair.upper.provision_id).text, pair.upper.number)
        l_ = compared_text(lower.provision(pair.lower.provision_id).text, pair.lower.number)
        pair.diff = diff_texts(u, l_, upper_places=uplaces | lplaces, lower_places=lplaces | uplaces)
        pair.relation = relation_of(l_, pair.diff)
        pair.taken = taken_share(l_, pair.diff)
    result = CascadeResult(upper, lower, al, extraction=upper_ex is not None and lower_ex is not None)
    if upper_ex is not None and lower_ex is not None:
        result.targets = target_moves(upper_ex.targets, lower_ex.targets)
        result.slogans = slogan_pairs(upper_ex.slogans, lower_ex.slogans)
    result.findings = _findings(result, lower_ex, gazetteer)
    return result
