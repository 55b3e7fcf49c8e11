"""JSON objects for ``policykg cascade UPPER LOWER`` and ``policykg concept NAME`` (their readable
tables are :mod:`api.cli.readable`'s).

Pure shapers (:func:`cascade_json`, :func:`concept_json`) plus loaders over a built data directory (:func:`cascade`,
:func:`concept`) that read only what they need: the two documents and their extraction
records, the provision vectors stored in the search index (no model load), the entity table,
the search index and the graph store for ``concept``. Loaded data are cached per data
directory and build (``manifest.json`` ``built_at``).

Diff offsets in ``pairs[].diff.changes`` refer to ``pairs[].upper.text`` / ``pairs[].lower.text``
(the compared texts: whitespace and the printed number removed).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable

import numpy as np

from corpus.model import Document
from embeddings.index import HybridIndex
from kg.cascade import CascadeResult, analyse
from kg.cascade.align import Unit, provision_vectors
from kg.cascade.concept import DocInfo, EntityTable, concept_cascade
from kg.cascade.diff import compared_text
from kg.gazetteer import Gazetteer
from kg.records import DocumentExtraction

_FINDING_TEXT = {
    "unlocalised_copy": "“{word}” copied unchanged from the upper document ({number})",
    "higher_jurisdiction_reference": "refers to a higher jurisdiction: “{word}” ({number})",
    "foreign_place": "names a place outside the jurisdiction: “{word}” ({number})",
    "slogan_count_mismatch": "“{word}” lists a different number of items than its numeral",
}


# ---------------------------------------------------------------- shapers


def _doc_ref(d: Document) -> dict:
    return {"doc_id": d.id, "id": d.id, "title": d.title, "doc_number": d.doc_number, "level": d.level,
            "place": d.place, "source": d.source, "date": d.date}


def _unit_ref(doc: Document, u: Unit, with_text: bool = True) -> dict:
    ref = u.ref()
    ref["path"] = doc.path_number(u.provision_id) or ref.get("number") or ""
    if with_text:
        ref["text"] = compared_text(doc.provision(u.provision_id).text, u.number)
    return ref


def finding_message(f: dict) -> str:
    """A one-line reading of a finding.

    >>> finding_message({"kind": "unlocalised_copy", "word": "全市", "number": "（十八）"})
    '“全市” copied unchanged from the upper document （十八）'
    """
    tmpl = _FINDING_TEXT.get(f.get("kind", ""), "{kind}: {word}")
    return tmpl.format(**{"word": "", "number": "", **f}).replace("(（", "（").replace("）)", "）")


def cascade_json(result: CascadeResult) -> dict:
    """The ``policykg cascade --json`` object."""
    up, low, al = result.upper, result.lower, result.alignment
    pairs = []
    for p in al.pairs:
        pairs.append({
            "upper": _unit_ref(up, p.upper), "lower": _unit_ref(low, p.lower), "tier": p.lower.tier,
            "score": round(p.score, 4), "lexical": round(p.lexical, 4), "relation": p.relation,
            "similarity": round(p.diff.similarity, 4) if p.diff is not None else None,
            "taken": p.taken, "diff": p.diff.to_dict() if p.diff is not None else None,
        })
    findings = [{**f, "message": finding_message(f), "path": low.path_number(f["provision_id"]) or f.get("number") or ""}
                for f in result.findings]
    return {
        "upper": _doc_ref(up),
        "lower": _doc_ref(low),
        "embedding": al.embedding,
        "extraction": result.extraction,
        "pairs": pairs,
        "lower_only": [_unit_ref(low, u) for u in al.lower_only],
        "upper_only": [_unit_ref(up, u, with_text=False) for u in al.upper_only],
        # an upper provision folded into a lower one that already has its main counterpart
        "merged": [{"upper": _unit_ref(up, p.upper, with_text=False), "lower": _unit_ref(low, p.lower, with_text=False),
                    "score": round(p.score, 4)} for p in al.merged],
        "targets": [m.to_dict() for m in result.targets],
        "slogans": [s.to_dict() for s in result.slogans],
        "findings": findings,
        "summary": {
            "pairs": len(pairs), "lower_only": len(al.lower_only), "upper_only": len(al.upper_only),
            "merged": len(al.merged),
            # slogans both documents only name, listing no components: nothing to compare
            "slogans_unlisted": sum(not (s.upper.components or s.lower.components) for s in result.slogans),
            "relations": {r: sum(p["relation"] == r for p in pairs) for r in ("copied", "adapted", "reworded")},
            "moves": {m: sum(t.move == m for t in result.targets) for m in ("raised", "lowered", "same", "incomparable")},
        },
    }


def concept_json(name: str, table: EntityTable, docs: dict[str, Document], *, search=None,
                 chain: Callable[[str], list[dict]] | None = None, k_semantic: int = 10) -> dict:
    """The ``policykg concept --json`` object (see :func:`kg.cascade.concept.concept_cascade`)."""
    infos = {d.id: DocInfo(d.id, d.title, d.level, d.place, d.doc_number, d.source) for d in docs.values()}
    sentences: dict[tuple[str, str], tuple[str, str]] = {}

    def sentence_text(doc_id: str, sentence_id: str) -> str:
        if (doc_id, sentence_id) not in sentences:
            d = docs[doc_id]
            prov_id = sentence_id.rsplit("/s_", 1)[0]
            try:
                p = d.provision(prov_id)
            except KeyError:
                return ""
            for s in p.sentences:
                sentences[(doc_id, s.id)] = (s.text, p.number)
        return sentences.get((doc_id, sentence_id), ("", ""))[0]

    obj = concept_cascade(name, table, infos, sentence_text=sentence_text, search=search, chain=chain,
                          k_semantic=k_semantic)
    for o in obj["occurrences"] + obj["neighbours"]:
        d = docs[o["doc_id"]]
        o["doc_title"] = d.title
        o["doc_number"] = d.doc_number
        o["provision_path"] = d.path_number(o["provision_id"])
        try:
            o["provision_number"] = d.provision(o["provision_id"]).number
        except KeyError:
            o["provision_number"] = ""
    return obj


# ---------------------------------------------------------------- loaders over a data directory

_CACHE: dict[tuple[str, str], dict[str, Any]] = {}
_LOCK = threading.RLock()


def index_vectors(hybrid) -> Callable[[Document, list[str]], np.ndarray | None]:
    """A ``provision_vectors`` lookup over the provision vectors a search index stores
    (``embeddings.index.HybridIndex``: ``t.provisions["doc#prov"]["pid"]`` → ``prov_dense``)."""

    def lookup(doc: Document, provision_ids: list[str]) -> np.ndarray | None:
        dim = int(hybrid.model["dim"])
        out = np.zeros((len(provision_ids), dim), np.float32)
        by_id = {p.id: p for p in doc.provisions}
        rows, pids = [], []
        for i, pid in enumerate(provision_ids):
            rec = hybrid.t.provisions.get(f"{doc.id}#{pid}")
            p = by_id.get(pid)
            if rec is None:
                return None  # the document is not (or differently) indexed
            if p is not None and any(s.text.strip() for s in p.sentences):
                rows.append(i)
                pids.append(rec["pid"])
        if pids:
            out[rows] = hybrid.prov_dense.vectors(np.asarray(pids, dtype=np.int64))
        return out

    return lookup


def stored_index(data_dir: Path):
    """The stored index without its encoder (vectors only), or None when there is none."""
    index_dir = data_dir / "index"
    if not (index_dir / "manifest.json").is_file():
        return None
    try:
        return HybridIndex.load(index_dir)
    except Exception:  # noqa: BLE001 - no usable index: alignment degrades to lexical only
        return None


def _gazetteer():
    try:
        return Gazetteer.load()
    except Exception:  # noqa: BLE001 - findings about foreign places need it; others do not
        return None


def cascade_pair(up: Document, low: Document, upper_ex: DocumentExtraction | None,
                 lower_ex: DocumentExtraction | None, hybrid=None) -> dict:
    """The cascade JSON of two loaded documents; ``hybrid`` (an ``embeddings.index.HybridIndex``,
    or None for lexical alignment only) supplies stored provision vectors. Callers that already
    hold the documents, extraction and index (``api.service.PolicyKG``) use this directly."""
    vectors = provision_vectors(index_vectors(hybrid)) if hybrid is not None else None
    result = analyse(up, low, upper_ex=upper_ex, lower_ex=lower_ex, vectors=vectors, gazetteer=_gazetteer())
    return cascade_json(result)


__all__ = ["cascade_pair", "cascade_json", "concept_json", "finding_message", "index_vectors", "stored_index"]
