"""Pure views behind ``policykg entities | targets | slogans`` (the CLI wires them up).

Each reads ``extraction/*.json`` (and ``documents/*.json`` for document ids by file name)
from a data directory and returns JSON-able objects shaped as issue 3 specifies.
``doc`` filters accept a document id, an id prefix, or the source file name / its prefix.
"""
from __future__ import annotations

from pathlib import Path

from kg.errors import BadRequest, NotBuilt
from kg.records import DocumentExtraction

ENTITY_TYPES = ("place", "agency", "program", "slogan", "brand", "indicator")


def _load(data_dir: str | Path) -> list[DocumentExtraction]:
    folder = Path(data_dir) / "extraction"
    if not folder.is_dir():
        raise NotBuilt(f"no extraction in {data_dir}: run `policykg build` first")
    return [DocumentExtraction.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted(folder.glob("*.json"))]


def _sources(data_dir: str | Path) -> dict[str, str]:
    """doc id → source file name (empty when documents/ is missing)."""
    import json

    out = {}
    folder = Path(data_dir) / "documents"
    for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        d = json.loads(p.read_text(encoding="utf-8"))
        out[d["id"]] = d.get("source", "")
    return out


def _doc_matches(doc_id: str, wanted: str | None, sources: dict[str, str]) -> bool:
    if not wanted:
        return True
    return doc_id.startswith(wanted) or sources.get(doc_id, "").startswith(wanted)


def entities_view(data_dir: str | Path, type: str | None = None, doc: str | None = None) -> list[dict]:
    """Entities merged across documents: ``id, name, type, aliases, mentions`` (each mention:
    ``doc_id, provision_id, sentence_id, start, end, surface``)."""
    if type is not None and type not in ENTITY_TYPES:
        raise BadRequest(f"unknown entity type {type!r}; expected one of {', '.join(ENTITY_TYPES)}")
    sources = _sources(data_dir)
    merged: dict[str, dict] = {}
    for ex in _load(data_dir):
        if not _doc_matches(ex.doc_id, doc, sources):
            continue
        for e in ex.entities:
            if type and e.type != type:
                continue
            item = merged.setdefault(e.id, {"id": e.id, "name": e.name, "type": e.type, "aliases": [],
                                            "attrs": dict(e.attrs), "mentions": []})
            for a in e.aliases:
                if a not in item["aliases"] and a != item["name"]:
                    item["aliases"].append(a)
        for m in ex.mentions:
            item = merged.get(m.entity_id)
            if item is None:
                continue
            item["mentions"].append({"doc_id": m.span.doc_id, "provision_id": m.span.provision_id,
                                     "sentence_id": m.span.sentence_id, "start": m.span.start,
                                     "end": m.span.end, "surface": m.surface})
    return sorted(merged.values(), key=lambda x: (x["type"], x["id"]))


def targets_view(data_dir: str | Path, doc: str | None = None, indicator: str | None = None) -> list[dict]:
    """Targets: ``indicator, value, unit, comparator, year, baseline, nature, doc_id, provision_id,
    sentence, value_text`` (plus ``indicator_id``, ``indicator_text``, ``start``, ``end``).
    ``indicator`` matches the canonical name, its id or the text as written (substring)."""
    sources = _sources(data_dir)
    out = []
    for ex in _load(data_dir):
        if not _doc_matches(ex.doc_id, doc, sources):
            continue
        for t in ex.targets:
            if indicator and not any(indicator in s for s in (t.indicator, t.indicator_id, t.indicator_text)):
                continue
            out.append({
                "indicator": t.indicator, "indicator_id": t.indicator_id, "indicator_text": t.indicator_text,
                "value": t.value, "unit": t.unit, "comparator": t.comparator, "year": t.year,
                "baseline": t.baseline.model_dump() if t.baseline else None, "nature": t.nature,
                "doc_id": t.doc_id, "provision_id": t.provision_id, "sentence": t.sentence,
                "value_text": t.value_text, "start": t.span.start, "end": t.span.end,
            })
    return out


def slogans_view(data_dir: str | Path, doc: str | None = None) -> list[dict]:
    """Slogan occurrences: ``name, doc_id, numeral, components, count_matches, provision_id``
    (plus ``slogan_id``, ``defined``, ``start``, ``end``)."""
    sources = _sources(data_dir)
    out = []
    for ex in _load(data_dir):
        if not _doc_matches(ex.doc_id, doc, sources):
            continue
        for s in ex.slogans:
            out.append({
                "name": s.name, "slogan_id": s.slogan_id, "doc_id": s.doc_id, "numeral": s.numeral,
                "components": list(s.components), "count_matches": s.count_matches, "defined": s.defined,
                "provision_id": s.provision_id, "start": s.span.start, "end": s.span.end,
            })
    return out
