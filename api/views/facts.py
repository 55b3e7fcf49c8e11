"""Pure views behind ``policykg entities | targets | slogans``: the extraction records (as the
service core loaded them) → JSON-able lists. ``sources`` maps document ids to source file
names; ``doc`` filters accept a document id, an id prefix, or the source file name / its prefix.
"""
from __future__ import annotations

from typing import Iterable

from corpus.errors import BadRequest
from kg.records import ENTITY_TYPES, DocumentExtraction, TargetRecord


def value_label(value_text: str, value: float, unit: str, comparator: str = "") -> str:
    """A target value as printed, with its unit: a table cell ``96`` under （%） reads ``96%``; a
    change (``increaseBy``, ``percentagePoint``) is signed, so a growth of 5% is not read as a level.

    >>> value_label("2.4万亩以上", 2.4, "万亩"), value_label("96", 96, "%"), value_label("1.5:1", 1.5, ":1")
    ('2.4万亩以上', '96%', '1.5:1')
    >>> value_label("", 3, "个"), value_label("5%左右", 5, "%", "increaseBy"), value_label("2.5%", -2.5, "%", "increaseBy")
    ('3个', '+5%左右', '−2.5%')
    """
    text = value_text or f"{abs(value) if comparator in _CHANGES else value:g}"
    text = text if not unit or unit in text else text + unit
    if comparator in _CHANGES and not text.startswith(("+", "-", "−")):
        text = ("−" if value < 0 else "+") + text
    return text


_CHANGES = ("increaseBy", "percentagePoint")


def target_dict(t: TargetRecord) -> dict:
    """A target for pages and JSON: its fields (without the main span), ``value_label`` and every
    further statement (``also_stated``: provision, source, value as printed, span)."""
    row = t.model_dump(exclude={"span"})
    row["value_label"] = value_label(t.value_text, t.value, t.unit, t.comparator)
    row["sentence_id"] = t.span.sentence_id
    return row



def _doc_matches(doc_id: str, wanted: str | None, sources: dict[str, str]) -> bool:
    if not wanted:
        return True
    return doc_id.startswith(wanted) or sources.get(doc_id, "").startswith(wanted)


def entities_view(extractions: Iterable[DocumentExtraction], sources: dict[str, str], type: str | None = None, doc: str | None = None) -> list[dict]:
    """Entities merged across documents: ``id, name, type, aliases, mentions`` (each mention:
    ``doc_id, provision_id, sentence_id, start, end, surface``)."""
    if type is not None and type not in ENTITY_TYPES:
        raise BadRequest(f"unknown entity type {type!r}; expected one of {', '.join(ENTITY_TYPES)}")
    merged: dict[str, dict] = {}
    for ex in extractions:
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


def targets_view(extractions: Iterable[DocumentExtraction], sources: dict[str, str], doc: str | None = None, indicator: str | None = None) -> list[dict]:
    """Targets: ``indicator, value, unit, comparator, year, baseline, nature, doc_id, provision_id,
    sentence, value_text`` (plus ``indicator_id``, ``indicator_text``, ``start``, ``end``), with
    ``source`` (text or table) and the goal's other statements in ``also_stated``.
    ``indicator`` matches the canonical name, its id or the text as written (substring)."""
    out = []
    for ex in extractions:
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
                "source": t.source, "also_stated": [
                    {"provision_id": s.provision_id, "source": s.source, "value_text": s.value_text,
                     "comparator": s.comparator, "start": s.span.start, "end": s.span.end} for s in t.also_stated],
            })
    return out


def slogans_view(extractions: Iterable[DocumentExtraction], sources: dict[str, str], doc: str | None = None) -> list[dict]:
    """Slogan occurrences: ``name, doc_id, numeral, components, count_matches, provision_id``
    (plus ``slogan_id``, ``defined``, ``start``, ``end``)."""
    out = []
    for ex in extractions:
        if not _doc_matches(ex.doc_id, doc, sources):
            continue
        for s in ex.slogans:
            out.append({
                "name": s.name, "slogan_id": s.slogan_id, "doc_id": s.doc_id, "numeral": s.numeral,
                "components": list(s.components), "count_matches": s.count_matches, "defined": s.defined,
                "provision_id": s.provision_id, "start": s.span.start, "end": s.span.end,
            })
    return out
