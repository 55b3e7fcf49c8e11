"""JSON objects and readable tables for ``policykg cascade UPPER LOWER`` and ``policykg concept NAME``.

Pure shapers (:func:`cascade_json`, :func:`concept_json`, :func:`render_cascade`,
:func:`render_concept`) plus loaders over a built data directory (:func:`cascade`,
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


def _qty(q: dict) -> str:
    text = q.get("value_text") or f"{q.get('value')}{q.get('unit', '')}"
    return f"{text} ({q['year']})" if q.get("year") else text


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain aligned table (CJK characters count double)."""

    def width(s: str) -> int:
        return sum(2 if ord(c) > 0x2E80 else 1 for c in s)

    cols = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, cols)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in cols])] + [line(r) for r in rows])


def _short(s: str, n: int = 24) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def render_cascade(obj: dict) -> str:
    """Readable tables for ``policykg cascade`` without ``--json``."""
    out = [f"upper: {obj['upper']['title']} [{obj['upper']['level'] or '?'}]",
           f"lower: {obj['lower']['title']} [{obj['lower']['level'] or '?'}]",
           f"embedding similarity: {'yes' if obj['embedding'] else 'no (lexical + structure only)'}", ""]
    rows = []
    for p in obj["pairs"]:
        kinds: dict[str, int] = {}
        for c in (p["diff"] or {}).get("changes", []):
            kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
        rows.append([p["lower"]["number"] or p["lower"]["provision_id"], _short(p["lower"]["title"], 16),
                     p["upper"]["number"] or p["upper"]["provision_id"], _short(p["upper"]["title"], 16),
                     f"{p['score']:.2f}", p["relation"], ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))])
    out += [f"ALIGNED PAIRS ({len(rows)})", _table(["lower", "title", "upper", "title", "score", "relation", "changes"], rows), ""]
    out += [f"LOCAL ADDITIONS ({len(obj['lower_only'])})",
            _table(["lower", "title"], [[u["number"] or u["provision_id"], _short(u["title"], 30)] for u in obj["lower_only"]]), ""]
    out += [f"NOT TAKEN UP ({len(obj['upper_only'])})",
            _table(["upper", "title"], [[u["number"] or u["provision_id"], _short(u["title"], 30)] for u in obj["upper_only"]]), ""]
    if obj["targets"]:
        out += [f"TARGET MOVES ({len(obj['targets'])})",
                _table(["indicator", "upper", "lower", "move"],
                       [[_short(t["indicator"], 18), _qty(t["upper"]), _qty(t["lower"]), t["move"]] for t in obj["targets"]]), ""]
    if obj["slogans"]:
        rows = []
        for s in obj["slogans"]:
            name = s["name"] if not s["renamed"] else f"{s['upper_name']} → {s['name']}"
            rows.append([name, str(len(s["kept"])), "；".join(f"{a}→{b}" for a, b in s["reworded"]) or "-",
                         "、".join(s["added"]) or "-", "、".join(s["dropped"]) or "-"])
        out += [f"SLOGANS ({len(rows)})", _table(["slogan", "kept", "reworded", "added", "dropped"], rows), ""]
    elif not obj["extraction"]:
        out += ["(no extraction records: targets and slogans not compared)", ""]
    if obj["findings"]:
        out += [f"FINDINGS ({len(obj['findings'])})"] + [f"  [{f['severity']}] {f['message']}: …{f['context']}…"
                                                        for f in obj["findings"]]
    return "\n".join(out).rstrip() + "\n"


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


def _snippet(text: str, surface: str | None, n: int = 40) -> str:
    """About ``n`` characters of ``text`` around ``surface``.

    >>> _snippet("甲" * 50 + "千万工程" + "乙" * 50, "千万工程", 12)
    '…甲甲甲甲千万工程乙乙…'
    """
    i = text.find(surface) if surface else -1
    if i < 0 or len(text) <= n:
        return _short(text, n)
    start = max(0, i - (n - len(surface)) // 2)
    end = min(len(text), start + n - 2)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def render_concept(obj: dict) -> str:
    """Readable tables for ``policykg concept`` without ``--json``."""
    out = [f"concept: {obj['concept']}  canonical: {obj['canonical']}",
           f"aliases: {'、'.join(obj['aliases']) or '-'}",
           f"semantic matches: {'yes' if obj['semantic'] else 'no (search index unavailable)'}", ""]
    if not obj.get("found", True):
        out += [f"not found: no document mentions {obj['concept']}", ""]
    for g in obj["groups"]:
        out.append(f"[{g['level'] or 'unknown'}]")
        for pl in g["places"]:
            out.append(f"  {pl['place'] or '?'}: {pl['count']} occurrence(s) in {len(pl['doc_ids'])} document(s)")
    out.append("")
    rows = [[o["level"] or "?", o["place"] or "?", _short(o.get("doc_title", o["doc_id"]), 18),
             o.get("provision_number") or o["provision_id"], o["match"], _snippet(o["text"], o.get("surface"))]
            for o in obj["occurrences"]]
    if rows:
        out += [f"OCCURRENCES ({len(rows)})", _table(["level", "place", "document", "provision", "match", "text"], rows), ""]
    near = [[o["level"] or "?", _short(o.get("doc_title", o["doc_id"]), 18), o.get("provision_number") or o["provision_id"],
             o["match"], f"{o['score']:.3f}" if o.get("score") is not None else "", _snippet(o["text"], None)]
            for o in obj.get("neighbours", [])]
    if near:
        title = "SUGGESTIONS" if not obj.get("found", True) else "SEMANTIC NEIGHBOURS (not mentions)"
        out += [f"{title} ({len(near)})", _table(["level", "document", "provision", "match", "score", "text"], near), ""]
    if obj["chain"]:
        rows = [[_short(e.get("from_title") or e["from"] or "?", 26), _short(e.get("to_title") or e["to"], 26),
                 e["relation"] or "", "inferred" if e["inferred"] else "stated",
                 "yes" if e["to_has_occurrences"] else "no"] for e in obj["chain"]]
        out += [f"CHAIN ({len(rows)})", _table(["from", "to", "relation", "link", "occurs there"], rows)]
    return "\n".join(out).rstrip() + "\n"


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


__all__ = ["cascade_pair", "cascade_json", "concept_json", "render_cascade", "render_concept",
           "finding_message", "index_vectors", "stored_index"]
