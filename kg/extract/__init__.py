"""Extraction orchestrator: documents → :class:`kg.records.DocumentExtraction`.

``extract_corpus(docs)`` first resolves citations across the corpus (filling
``Citation.resolved_doc_id`` and inferred 文号), collects program aliases and the jurisdiction
of every document, then runs every extractor on each document: places, agencies and
responsibility lists (``kg.extract.places`` / ``agencies`` / ``responsibility``), programs,
brands, slogans, targets; a last reduce step (:func:`name_indicators`) names indicators across
documents, independently of their order. Entities are deduplicated per document (aliases and
attributes merged); every fact keeps its span.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from corpus.model import Document, DocWarning
from kg.extract import agencies, places, responsibility
from kg.extract.brands import extract_brands
from kg.extract.citations import resolve_citations
from kg.extract.indicators import IndicatorRegistry, indicator_id
from kg.extract.programs import collect_aliases, extract_programs
from kg.extract.slogans import extract_slogans
from kg.extract.targets import extract_targets
from kg.gazetteer import Gazetteer, default_gazetteer
from kg.records import DocumentExtraction, Entity, Mention


@dataclass
class ExtractionContext:
    """Corpus-wide state shared by the per-document extractors."""

    program_aliases: dict[str, str] = field(default_factory=dict)
    gazetteer: Gazetteer | None = None  # the bundled one unless given

    def gaz(self) -> Gazetteer:
        if self.gazetteer is None:
            self.gazetteer = default_gazetteer()
        return self.gazetteer


def _merge_entities(entities: list[Entity]) -> list[Entity]:
    """One entity per id: aliases unioned (name excluded), attributes merged (first wins)."""
    out: dict[str, Entity] = {}
    for e in entities:
        have = out.get(e.id)
        if have is None:
            out[e.id] = e.model_copy(deep=True)
            continue
        for a in [e.name] + e.aliases:
            if a != have.name and a not in have.aliases:
                have.aliases.append(a)
        for k, v in e.attrs.items():
            have.attrs.setdefault(k, v)
    return list(out.values())


def _dedupe_mentions(mentions: list[Mention]) -> list[Mention]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for m in sorted(mentions, key=lambda m: (m.span.start, m.span.end, m.entity_id)):
        key = (m.entity_id, m.span.start, m.span.end)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def extract_document(doc: Document, ctx: ExtractionContext | None = None) -> DocumentExtraction:
    """Every fact of one document (citations are resolved by :func:`extract_corpus`)."""
    ctx = ctx or ExtractionContext()
    gaz = ctx.gaz()

    place_ctx = places.place_context(doc, gaz)
    entities: list[Entity] = []
    mentions: list[Mention] = []
    for ents, ms in (
        places.extract_places(doc, gaz, place_ctx),
        agencies.extract_agencies(doc, place_ctx),
        extract_programs(doc, ctx.program_aliases),
        extract_brands(doc),
    ):
        entities.extend(ents)
        mentions.extend(ms)
    normaliser = agencies.AgencyNormaliser.from_context(place_ctx)
    responsibilities = responsibility.extract_responsibilities(doc, normaliser)

    slogans, s_ents, s_ms = extract_slogans(doc)
    entities.extend(s_ents)
    mentions.extend(s_ms)

    targets = extract_targets(doc, IndicatorRegistry())  # named within the document; see name_indicators
    for t in targets:
        entities.append(_indicator_entity(t))
        for st in t.statements():  # the indicator occurs wherever the goal is stated
            mentions.append(Mention(entity_id=t.indicator_id, surface=t.indicator_text, span=st.span))

    return DocumentExtraction(
        doc_id=doc.id, entities=_merge_entities(entities), mentions=_dedupe_mentions(mentions),
        targets=targets, slogans=slogans, responsibilities=responsibilities,
    )


def _indicator_entity(t) -> Entity:
    return Entity(id=t.indicator_id, type="indicator", name=t.indicator,
                  aliases=[t.indicator_text] if t.indicator_text != t.indicator else [])


def name_indicators(extractions: dict[str, DocumentExtraction]) -> dict[str, DocumentExtraction]:
    """The corpus-wide reduce step after the per-document map: one canonical name for an
    indicator spelled differently in different documents (农业科技进步贡献率 / 农业科技贡献率).
    Each document's targets, indicator entities and mentions are renamed in place
    (:func:`canonical_indicators`, :func:`rename_indicators`). Returns ``extractions``.
    """
    docs_using: dict[str, set[str]] = {}
    for doc_id, ex in extractions.items():
        for t in ex.targets:
            docs_using.setdefault(t.indicator, set()).add(doc_id)
    canonical = canonical_indicators(docs_using)
    for ex in extractions.values():
        rename_indicators(ex, canonical)
    return extractions


def canonical_indicators(docs_using: dict[str, set[str]]) -> dict[str, str]:
    """indicator name → its canonical name, from the ids of the documents whose targets use each name.

    Names are merged through an :class:`IndicatorRegistry` fed in an order that depends on the
    names alone — most documents first, then longer, then by code point — never on document
    order. Only the names (not the records) are needed: a sharded build keeps the records on disk.
    """
    registry = IndicatorRegistry()
    return {n: registry.add(n, n) for n in sorted(docs_using, key=lambda n: (-len(docs_using[n]), -len(n), n))}


def rename_indicators(ex: DocumentExtraction, canonical: dict[str, str]) -> bool:
    """Rename ``ex``'s indicators (targets, entities, mentions) in place to their canonical names;
    True when something changed."""
    renamed = {indicator_id(old): (indicator_id(new), new) for old, new in canonical.items() if old != new}
    if not any(t.indicator_id in renamed for t in ex.targets):
        return False
    for t in ex.targets:
        t.indicator = canonical.get(t.indicator, t.indicator)
        t.indicator_id = indicator_id(t.indicator)
    others = [e for e in ex.entities if not (e.type == "indicator" and e.id in renamed)]
    moved = [e for e in ex.entities if e.type == "indicator" and e.id in renamed]
    for e in moved:
        new_id, new_name = renamed[e.id]
        others.append(Entity(id=new_id, type="indicator", name=new_name,
                             aliases=[e.name, *e.aliases], attrs=dict(e.attrs)))
    ex.entities = _merge_entities(others)
    for m in ex.mentions:
        if m.entity_id in renamed:
            m.entity_id = renamed[m.entity_id][0]
    ex.mentions = _dedupe_mentions(ex.mentions)
    return True


def prepare_corpus(docs: list[Document], ctx: ExtractionContext | None = None) -> tuple[ExtractionContext, list[str]]:
    """Corpus-level passes: citations, program aliases, document jurisdictions.

    Returns the context and the ids of documents whose metadata changed."""
    ctx = ctx or ExtractionContext()
    changed = set(resolve_citations(docs))
    ctx.program_aliases.update(collect_aliases(docs))
    gaz = ctx.gaz()
    for doc in docs:
        if doc.place_code:
            continue
        ctx_place = places.place_context(doc, gaz)
        if ctx_place.warning and _add_warning(doc, ctx_place.warning):
            changed.add(doc.id)
        found = places.resolve_document_place(doc, gaz)
        if found is None:
            continue
        name, code, _level = found
        if code and doc.place in (None, name):
            doc.place, doc.place_code = name, code
            changed.add(doc.id)
    return ctx, sorted(changed)


def _add_warning(doc: Document, message: str) -> bool:
    """Record that the document's place could not be settled (once); True when added."""
    if any(w.message == message for w in doc.warnings):
        return False
    doc.warnings.append(DocWarning(code="no_place", message=message))
    return True


def extract_corpus(docs: list[Document], ctx: ExtractionContext | None = None) -> dict[str, DocumentExtraction]:
    """``doc_id → DocumentExtraction`` for a corpus: the corpus pass (:func:`prepare_corpus`;
    documents are updated in place with resolved citations, inferred 文号 and place codes), every
    document on its own (:func:`extract_document`), then :func:`name_indicators`."""
    ctx, _ = prepare_corpus(docs, ctx)
    return name_indicators({doc.id: extract_document(doc, ctx) for doc in docs})


__all__ = ["ExtractionContext", "canonical_indicators", "extract_corpus", "extract_document", "name_indicators",
           "prepare_corpus", "rename_indicators"]
