"""Extraction records → RDF quads: one named graph per document, plus derived shared graphs.

``document_quads`` turns one ``Document`` and its ``DocumentExtraction`` into quads in the
document's own named graph. Shared things (places, agencies, programs, slogans, indicators)
get IRIs keyed by their extraction entity id, so the same thing is one node across graphs.
``places_quads`` (the administrative tree of every place used) and ``inferred_quads`` (cascade
links a document implies but does not state) are pure functions of what the store holds, so an
incremental update and a full rebuild give the same dataset.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import cache, lru_cache
from typing import Iterable, Mapping, Sequence

from pyoxigraph import Literal, NamedNode, Quad

from corpus.metadata import split_issuers
from corpus.model import Document
from kg import iris
from kg.gazetteer import Gazetteer
from kg.records import DocumentExtraction, Entity, Span
from kg.vocab import DCTERMS, ELI, OA, ORG, PK, PROV, RDF, RDFS, SKOS, TIME, XSD

LEVEL_RANK = {"central": 0, "provincial": 1, "prefectural": 2, "county": 3, "township": 4, "village": 5}
_GAZ_LEVEL = {"province": "provincial", "prefecture": "prefectural", "county": "county",
              "township": "township", "village": "village"}
# title ending → genre concept (longest first)
_GENRES = (
    ("实施意见", "implementationOpinion"), ("工作方案", "workScheme"), ("实施方案", "implementationScheme"),
    ("工作要点", "keyPoints"), ("纲要", "outline"), ("意见", "opinion"), ("方案", "scheme"), ("规划", "plan"),
    ("通知", "notice"), ("要点", "keyPoints"), ("措施", "measures"), ("办法", "rules"), ("决定", "decision"),
    ("条例", "regulation"),
)
_PERIOD = re.compile(r"[（(](\d{4})\s*[—\-–~～至到]+\s*(\d{4})\s*年?[）)]")


@lru_cache(maxsize=4096)
def N(iri: str) -> NamedNode:
    """A cached ``NamedNode``."""
    return NamedNode(str(iri))


def zh(text: str) -> Literal:
    """A Chinese-tagged literal."""
    return Literal(text, language="zh")


def short_label(text: str, limit: int = 40) -> str:
    """A label for a long text: its first ``limit`` characters, with an ellipsis when cut.

    >>> short_label("推进乡村全面振兴", 4)
    '推进乡村…'
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def integer(n: int) -> Literal:
    """An xsd:integer literal."""
    return Literal(str(int(n)), datatype=N(XSD.integer))


def decimal(x: float) -> Literal:
    """An xsd:decimal literal in canonical form.

    >>> decimal(2.40).value, decimal(30.0).value
    ('2.4', '30.0')
    """
    d = Decimal(repr(float(x)))
    text = format(d, "f")
    if "." not in text:
        text += ".0"
    text = text.rstrip("0")
    return Literal(text + ("0" if text.endswith(".") else ""), datatype=N(XSD.decimal))


def gyear(year: int) -> Literal:
    """An xsd:gYear literal."""
    return Literal(f"{int(year):04d}", datatype=N(XSD.gYear))


def genre_key(genre: str | None, title: str = "") -> str | None:
    """The genre concept's local name for a genre or title.

    >>> genre_key(None, "三溪镇……乡村全面振兴实施方案"), genre_key(None, "规划（2021—2025年）")
    ('implementationScheme', 'plan')
    """
    for text in (genre or "", re.sub(r"[（(][^）)]*[）)]\s*$", "", title.strip())):
        text = text.strip().rstrip("》")
        for suffix, key in _GENRES:
            if text.endswith(suffix):
                return key
    return None


def plan_period(title: str) -> tuple[int, int] | None:
    """The (first, last) year of a plan period printed in a title.

    >>> plan_period("“十四五”规划（2021—2025年）")
    (2021, 2025)
    """
    m = _PERIOD.search(title)
    return (int(m.group(1)), int(m.group(2))) if m else None


def title_core(title: str) -> str:
    """A title without its issuer: the part from the first 关于 on, normalised.

    >>> title_core("中共垫江县委、垫江县人民政府关于学习运用“千万工程”经验的实施意见")
    '关于学习运用千万工程经验的实施意见'
    >>> title_core("中共重庆市委 重庆市人民政府关于学习运用“千万工程”经验的实施意见")
    '关于学习运用千万工程经验的实施意见'
    """
    t = iris.normalise_title(title)
    m = re.fullmatch(r".*?关于印发(.+)的通知", t)
    if m:
        t = m.group(1)
    i = t.find("关于")
    return t[i:] if i >= 0 else t


def guess_level(number: str | None, issuer: str | None, title: str, hint_code: str | None = None) -> str | None:
    """The level of a document known only from a citation, from its 文号, issuer or title.

    >>> guess_level("中发〔2024〕1号", None, "中共中央 国务院关于……的意见")
    'central'
    >>> guess_level("渝委发〔2024〕1号", None, "")
    'provincial'
    >>> guess_level("垫江委发〔2024〕1号", "中共垫江县委、垫江县人民政府", "")
    'county'
    """
    texts = []
    parsed = iris.parse_number(number) if number else None
    if parsed:
        texts.append(parsed[0])
    if issuer:
        texts.append(issuer)
    head = iris.normalise_title(title).split("关于")[0]
    if head:
        texts.append(head)
    for text in texts:
        if re.match(r"(中共中央|中国共产党|国务院|中央|国家|中发|中办|国发|国办)", text):
            return "central"
        code = iris.match_division(text, hint_code)
        if code:
            return _GAZ_LEVEL.get(iris.divisions()[code][1])
        if text[:1] in iris._PROVINCE_ABBR and parsed and text == parsed[0]:
            return "provincial"
    return None


def doc_place_code(doc: Document) -> str | None:
    """The jurisdiction's code: ``doc.place_code``, else ``doc.place`` resolved in the gazetteer
    with the issuers' divisions as context (None when absent or ambiguous)."""
    if doc.place_code:
        return doc.place_code
    if not doc.place:
        return None
    context = [c for c in (iris.match_division(i) for i in doc.issuers) if c]
    ranked = _gazetteer().resolve(doc.place, context)
    if not ranked:
        return None
    if len(ranked) == 1 or (ranked[0].score, ranked[0].context_rank) != (ranked[1].score, ranked[1].context_rank):
        return ranked[0].division.code
    return None


def document_iri_of(doc: Document) -> str:
    """The IRI of a corpus document."""
    return iris.document_iri(number=doc.doc_number, title=doc.title, area=doc_place_code(doc),
                             doctype=genre_key(doc.genre, doc.title), date=doc.date)


def cited_area(title: str, issuer: str | None, hint_code: str | None) -> str | None:
    """The division a document known only from a citation was issued for, from its issuer or the
    issuer part of its title (``iris.CENTRAL_AREA`` for the centre; None when neither names one).

    >>> cited_area("关于学习运用千万工程经验的实施意见", "中共垫江县委", None)
    '500231000000'
    >>> cited_area("国务院关于加快科技服务业发展的若干意见", None, None)
    '000000'
    """
    for text in (issuer or "", iris.normalise_title(title).split("关于")[0]):
        code = iris.match_division(text, hint_code) if text else None
        if code:
            return code
    if re.match(r"(中共中央|国务院|中央)", (issuer or "") + title):
        return iris.CENTRAL_AREA
    return None


def cited_iri(number: str | None, title: str, issuer: str | None, hint_code: str | None) -> str:
    """The IRI of a document known only from a citation."""
    area = hint_code if number else cited_area(title, issuer, hint_code)
    return iris.document_iri(number=number, title=title, area=area, doctype=genre_key(None, title))


class _Quads:
    """Collects quads into one graph, skipping empty objects."""

    def __init__(self, graph: str):
        self.graph = N(graph)
        self.quads: list[Quad] = []

    def add(self, s: str, p: str, o: NamedNode | Literal | str | None) -> None:
        if o is None or o == "":
            return
        obj = N(o) if isinstance(o, str) else o
        self.quads.append(Quad(N(s), N(p), obj, self.graph))

    def selector(self, fact: str, span: Span, sentence_iri: str) -> None:
        """``prov:wasDerivedFrom`` the sentence plus an exact-quote/offset selector."""
        self.add(fact, PROV.wasDerivedFrom, sentence_iri)
        sel = f"{fact}/selector"
        self.add(fact, OA.hasSelector, sel)
        self.add(sel, RDF.type, OA.TextQuoteSelector)
        self.add(sel, RDF.type, OA.TextPositionSelector)
        self.add(sel, OA.exact, zh(span.quote))
        self.add(sel, OA.start, integer(span.start))
        self.add(sel, OA.end, integer(span.end))


_TYPE_CLASS = {"place": PK.Place, "agency": PK.Agency, "program": PK.Program, "slogan": PK.Slogan,
               "brand": PK.Brand, "indicator": PK.Indicator}
_TYPE_SCHEME = {"slogan": PK.SloganScheme, "brand": PK.BrandScheme, "indicator": PK.IndicatorScheme}


def _describe_entity(q: _Quads, entity: Entity) -> None:
    iri = iris.entity_iri(entity.id)
    q.add(iri, RDF.type, _TYPE_CLASS[entity.type])
    q.add(iri, SKOS.prefLabel, zh(entity.name))
    for alias in sorted(set(entity.aliases) - {entity.name}):
        q.add(iri, SKOS.altLabel, zh(alias))
    if entity.type in _TYPE_SCHEME:
        q.add(iri, SKOS.inScheme, _TYPE_SCHEME[entity.type])
    attrs = entity.attrs or {}
    if entity.type == "place":
        code = attrs.get("admin_code") or (entity.id.split(":", 1)[1] if entity.id.split(":", 1)[1].isdigit() else None)
        if code:
            q.add(iri, PK.adminCode, Literal(str(code)))
        if attrs.get("admin_level") in _GAZ_LEVEL:
            q.add(iri, PK.adminLevel, getattr(PK, "level_" + _GAZ_LEVEL[attrs["admin_level"]]))
        if attrs.get("parent_code"):
            q.add(iri, PK.withinAdmin, iris.place_iri(code=str(attrs["parent_code"])))
    elif entity.type == "agency":
        parent = attrs.get("parent")
        if isinstance(parent, str) and parent:
            q.add(iri, ORG.subOrganizationOf, iris.entity_iri(parent if ":" in parent else f"agency:{parent}"))
        place = attrs.get("place_code") or attrs.get("place")
        if isinstance(place, str) and place:
            q.add(iri, DCTERMS.spatial,
                  iris.place_iri(code=place) if place.isdigit() else iris.entity_iri(place) if place.startswith("place:")
                  else iris.place_iri(name=place))
    elif entity.type in ("program", "brand") and isinstance(attrs.get("kind"), str):
        q.add(iri, PK.kind, Literal(attrs["kind"]))  # range xsd:string (a sub-kind tag)


def _agency_for(name: str, by_name: Mapping[str, str]) -> str:
    return iris.entity_iri(by_name[name]) if name in by_name else iris.agency_iri(name)


def document_quads(
    doc: Document,
    extraction: DocumentExtraction | None = None,
    doc_iris: Mapping[str, str] | None = None,
) -> list[Quad]:
    """Every quad read from one document: facts about its own nodes (document, provisions,
    sentences, targets, citations …) in ``iris.document_graph(doc.id)``; facts about shared nodes
    (entities, places, cited documents) in ``iris.contribution_graph(doc.id)``.

    ``doc_iris`` maps corpus doc ids to their IRIs, for citations resolved to another corpus
    document (without it such a citation falls back to the cited 文号/title IRI).
    """
    doc_iris = dict(doc_iris or {})
    ext = extraction or DocumentExtraction(doc_id=doc.id)
    q = _Quads(iris.document_graph(doc.id))
    d = doc_iris.get(doc.id) or document_iri_of(doc)
    place_code = doc_place_code(doc)
    corpus_iris = set(doc_iris.values()) | {d}

    # --- the document
    q.add(d, RDF.type, PK.PolicyDocument)
    q.add(d, PK.inCorpus, Literal("true", datatype=N(XSD.boolean)))
    q.add(d, PK.docId, Literal(doc.id))
    q.add(d, PK.sourceFile, Literal(doc.source))
    q.add(d, ELI.title, zh(doc.title))
    if doc.doc_number:
        q.add(d, ELI.id_local, Literal(iris.normalise_number(doc.doc_number)))
    if doc.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.date):
        q.add(d, ELI.date_document, Literal(doc.date, datatype=N(XSD.date)))
    if doc.level:
        q.add(d, PK.level, getattr(PK, "level_" + doc.level))
    genre = genre_key(doc.genre, doc.title)
    q.add(d, PK.genre, getattr(PK, "genre_" + (genre or "otherGenre")))
    if doc.genre:
        q.add(d, PK.genreText, zh(doc.genre))
    if place_code or doc.place:
        place = iris.place_iri(code=place_code, name=doc.place)
        q.add(d, ELI.jurisdiction, place)
        q.add(place, RDF.type, PK.Place)
        if doc.place and not place_code:
            q.add(place, SKOS.prefLabel, zh(doc.place))
            context = [c for c in (iris.match_division(i) for i in [*doc.issuers, doc.title]) if c]
            zone = _gazetteer().resolve_zone(doc.place, context)
            if zone and zone.get("within_code"):  # a functional zone (经开区 …) inside a division
                q.add(place, PK.withinAdmin, iris.place_iri(code=zone["within_code"]))
    period = plan_period(doc.title)
    if period:
        pi = f"{d}/period"
        q.add(d, PK.planPeriod, pi)
        q.add(pi, RDF.type, TIME.ProperInterval)
        for end, year in (("start", period[0]), ("end", period[1])):
            inst = f"{pi}/{end}"
            q.add(pi, TIME.hasBeginning if end == "start" else TIME.hasEnd, inst)
            q.add(inst, RDF.type, TIME.Instant)
            q.add(inst, TIME.inXSDgYear, gyear(year))

    # --- entities used in this document (one node per entity id across documents)
    entities = {e.id: e for e in ext.entities}
    agency_by_name: dict[str, str] = {}
    for e in entities.values():
        _describe_entity(q, e)
        if e.type == "agency":
            for label in [e.name, *e.aliases]:
                agency_by_name.setdefault(label, e.id)
    for issuer in doc.issuers:
        a = _agency_for(issuer, agency_by_name)
        q.add(d, ELI.passed_by, a)
        if issuer not in agency_by_name:
            q.add(a, RDF.type, PK.Agency)
            q.add(a, SKOS.prefLabel, zh(issuer))

    # --- provisions and sentences
    for p in doc.provisions:
        pi = iris.provision_iri(d, p.id)
        q.add(pi, RDF.type, PK.Provision)
        q.add(pi, ELI.is_part_of, iris.provision_iri(d, p.parent) if p.parent else d)
        q.add(pi, PK.inDocument, d)
        q.add(pi, PK.localId, Literal(p.id))
        if p.number:
            q.add(pi, ELI.number, Literal(p.number))  # a numbering mark (（三）, 第二章), not Chinese prose
        if p.ordinal:
            q.add(pi, PK.ordinal, integer(p.ordinal))
        q.add(pi, ELI.type_subdivision, getattr(PK, "sub_" + p.kind))
        if p.title:
            q.add(pi, ELI.title, zh(p.title))
        if p.text:
            q.add(pi, PK.text, zh(p.text))
        q.add(pi, PK.charStart, integer(p.start))
        q.add(pi, PK.charEnd, integer(p.end))
        for s in p.sentences:
            si = iris.provision_iri(d, s.id)
            q.add(si, RDF.type, PK.Sentence)
            q.add(si, ELI.is_part_of, pi)
            q.add(si, PK.inDocument, d)
            q.add(si, PK.localId, Literal(s.id))
            q.add(si, PK.text, zh(s.text))
            q.add(si, RDFS.label, zh(short_label(s.text)))
            q.add(si, PK.charStart, integer(s.start))
            q.add(si, PK.charEnd, integer(s.end))

    def sent(span: Span) -> str:
        return iris.provision_iri(d, span.sentence_id)

    # --- mentions
    for m in ext.mentions:
        ent = iris.entity_iri(m.entity_id)
        q.add(sent(m.span), PK.mentions, ent)
        etype = m.entity_id.split(":", 1)[0]
        if m.entity_id not in entities and etype in _TYPE_CLASS:
            q.add(ent, RDF.type, _TYPE_CLASS[etype])
            q.add(ent, SKOS.prefLabel, zh(m.surface))

    # --- targets
    per_sentence: dict[str, int] = {}
    place_by_name = {n: e.id for e in entities.values() if e.type == "place" for n in [e.name, *e.aliases]}
    for t in ext.targets:
        n = per_sentence[t.span.sentence_id] = per_sentence.get(t.span.sentence_id, 0) + 1
        ti = f"{sent(t.span)}/target_{n}"
        ind = iris.entity_iri(t.indicator_id)
        q.add(ti, RDF.type, PK.Target)
        q.add(ti, RDFS.label, zh(f"{t.indicator} {t.value_text}" + (f"（{t.year}年）" if t.year else "")))
        q.add(ti, PK.indicator, ind)
        q.add(ind, RDF.type, PK.Indicator)
        q.add(ind, SKOS.inScheme, PK.IndicatorScheme)
        if t.indicator_id not in entities:
            q.add(ind, SKOS.prefLabel, zh(t.indicator))
        q.add(ti, PK.indicatorText, zh(t.indicator_text))
        q.add(ti, PK.valueText, zh(t.value_text))
        q.add(ti, PK.value, decimal(t.value))
        q.add(ti, PK.unit, Literal(t.unit))
        q.add(ti, PK.comparator, getattr(PK, "cmp_" + t.comparator))
        if t.year:
            q.add(ti, PK.targetYear, gyear(t.year))
        if t.nature:
            q.add(ti, PK.targetNature, PK.nature_binding if t.nature == "约束性" else PK.nature_indicative)
        if t.baseline:
            bi = f"{ti}/baseline"
            q.add(ti, PK.baseline, bi)
            q.add(bi, RDF.type, PK.Quantity)
            q.add(bi, PK.value, decimal(t.baseline.value))
            q.add(bi, PK.unit, Literal(t.baseline.unit))
            if t.baseline.value_text:
                q.add(bi, PK.valueText, zh(t.baseline.value_text))
            if t.baseline.year:
                q.add(bi, PK.year, gyear(t.baseline.year))
        if t.place:
            if t.place in place_by_name:
                q.add(ti, PK.appliesTo, iris.entity_iri(place_by_name[t.place]))
            elif t.place in (doc.place, f"全{(doc.place or ' ')[-1]}") and (place_code or doc.place):
                q.add(ti, PK.appliesTo, iris.place_iri(code=place_code, name=doc.place))
            else:
                q.add(ti, PK.placeText, zh(t.place))
        q.add(ti, PK.statedIn, iris.provision_iri(d, t.provision_id))
        q.selector(ti, t.span, sent(t.span))
        for k, st in enumerate(t.also_stated, 2):  # the same goal stated again (text and table)
            si = f"{ti}/statement_{k}"
            q.add(ti, PK.alsoStatedAs, si)
            q.add(si, RDF.type, PK.TargetStatement)
            q.add(si, PK.statedIn, iris.provision_iri(d, st.provision_id))
            q.add(si, PK.valueText, zh(st.value_text))
            q.add(si, PK.comparator, getattr(PK, "cmp_" + st.comparator))
            q.selector(si, st.span, sent(st.span))

    # --- slogans: the shared concept + each definition in this document, with positioned items
    by_slogan: dict[str, list] = {}
    for s in ext.slogans:
        by_slogan.setdefault(s.slogan_id, []).append(s)
    for slogan_id, records in by_slogan.items():
        concept = iris.entity_iri(slogan_id)
        q.add(concept, RDF.type, PK.Slogan)
        q.add(concept, SKOS.inScheme, PK.SloganScheme)
        if slogan_id not in entities:
            q.add(concept, SKOS.prefLabel, zh(records[0].name))
        definitions: dict[tuple, object] = {}
        for r in records:  # distinct component lists, in reading order
            if r.components:
                definitions.setdefault(tuple(r.components), r)
        mains = list(definitions.values()) or [records[0]]
        base = f"{d}/slogan/{iris.slug(slogan_id.split(':', 1)[-1])}"
        for n, main in enumerate(mains, 1):
            local = base if n == 1 else f"{base}/def_{n}"
            q.add(local, RDF.type, PK.Slogan)
            q.add(local, SKOS.prefLabel, zh(main.name))
            q.add(local, PK.sameSloganAs, concept)
            q.add(local, PK.definedIn, iris.provision_iri(d, main.provision_id))
            if main.numeral is not None:
                q.add(local, PK.itemCount, integer(main.numeral))
            if main.components and main.count_matches is not None:
                q.add(local, PK.countMatches,
                      Literal("true" if main.count_matches else "false", datatype=N(XSD.boolean)))
            for i, comp in enumerate(main.components, 1):
                it = f"{local}/item_{i}"
                q.add(local, PK.item, it)
                q.add(it, RDF.type, PK.SloganItem)
                q.add(it, PK.position, integer(i))
                q.add(it, SKOS.prefLabel, zh(comp))
            q.selector(local, main.span, sent(main.span))
        for r in records:  # every use is provenance of the slogan in this document
            if not r.components:
                q.add(base, PROV.wasDerivedFrom, sent(r.span))

    # --- responsibilities
    per_prov: dict[str, int] = {}
    for r in ext.responsibilities:
        n = per_prov[r.provision_id] = per_prov.get(r.provision_id, 0) + 1
        pi = iris.provision_iri(d, r.provision_id)
        ai = f"{pi}/assignment_{n}"
        ids = dict(zip(r.units, r.unit_ids))
        q.add(ai, RDF.type, PK.Assignment)
        q.add(ai, PK.statedIn, pi)
        for prop, names in ((PK.leadUnit, r.lead), (PK.cooperatingUnit, r.cooperating),
                            (PK.responsibleUnit, [u for u in r.units if u not in r.lead and u not in r.cooperating])):
            for name in names:
                a = iris.entity_iri(ids[name]) if name in ids else _agency_for(name, agency_by_name)
                q.add(ai, prop, a)
                if name not in ids and name not in agency_by_name:
                    q.add(a, RDF.type, PK.Agency)
                    q.add(a, SKOS.prefLabel, zh(name))
        q.selector(ai, r.span, sent(r.span))

    # --- citations and links to other documents
    sentence_ids = {s.id for _p, s in doc.sentences()}
    for k, c in enumerate(doc.cites, 1):
        target = doc_iris.get(c.resolved_doc_id or "") or cited_iri(c.number, c.title, c.issuer, place_code)
        relation = {"applies": ELI.applies, "based_on": ELI.based_on}.get(c.relation, ELI.cites)
        if target != d:
            q.add(d, relation, target)
        ci = f"{d}/citation_{k}"
        q.add(ci, RDF.type, PK.Citation)
        q.add(ci, RDFS.label, zh(f"《{c.title}》" + (f"（{c.number}）" if c.number else "")))
        q.add(ci, PK.citedDocument, target)
        q.add(ci, PK.citationRelation, relation)
        if c.provision_id:
            q.add(ci, PK.statedIn, iris.provision_iri(d, c.provision_id))
        if c.sentence_id and c.sentence_id in sentence_ids:
            span = Span(doc_id=doc.id, provision_id=c.provision_id or "", sentence_id=c.sentence_id,
                        start=c.start, end=c.end, quote=doc.text[c.start:c.end])
            q.selector(ci, span, iris.provision_iri(d, c.sentence_id))
        if target in corpus_iris:
            continue
        q.add(target, RDF.type, PK.PolicyDocument)
        q.add(target, PK.inCorpus, Literal("false", datatype=N(XSD.boolean)))
        q.add(target, ELI.title, zh(c.title))
        if c.number:
            q.add(target, ELI.id_local, Literal(iris.normalise_number(c.number)))
        level = guess_level(c.number, c.issuer, c.title, place_code)
        if level:
            q.add(target, PK.level, getattr(PK, "level_" + level))
        area = cited_area(c.title, c.issuer, place_code)
        if area and area != iris.CENTRAL_AREA:
            q.add(target, ELI.jurisdiction, iris.place_iri(code=area))
            q.add(iris.place_iri(code=area), RDF.type, PK.Place)
        g = genre_key(None, c.title)
        q.add(target, PK.genre, getattr(PK, "genre_" + (g or "otherGenre")))
        if c.issuer:
            q.add(target, PK.issuerText, zh(c.issuer))
            for name in split_issuers(c.issuer, organisations_only=False):
                a = _agency_for(name, agency_by_name)
                q.add(target, ELI.passed_by, a)
                q.add(a, RDF.type, PK.Agency)
                if name not in agency_by_name:
                    q.add(a, SKOS.prefLabel, zh(name))
    return _partition(q.quads, d, doc.id)


def _partition(quads: list[Quad], doc_iri: str, doc_id: str) -> list[Quad]:
    """Facts about the document's own nodes stay in its graph; facts about shared nodes go to its
    hidden contribution graph (the store merges those into the shared graph, each triple once)."""
    own, contrib = N(iris.document_graph(doc_id)), N(iris.contribution_graph(doc_id))
    prefix = doc_iri + "/"
    out = []
    for x in _dedupe(quads):
        s = x.subject.value
        graph = own if (s == doc_iri or s.startswith(prefix)) else contrib
        out.append(Quad(x.subject, x.predicate, x.object, graph))
    return out


def _dedupe(quads: Iterable[Quad]) -> list[Quad]:
    seen: set[Quad] = set()
    out = []
    for x in quads:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def places_quads(codes: Iterable[str]) -> list[Quad]:
    """The shared place graph: each coded place and its ancestors up to the province."""
    gaz = _gazetteer()
    q = _Quads(iris.PLACES_GRAPH)
    done: set[str] = set()
    for code in sorted(set(codes)):
        chain = [code, *[a.code for a in gaz.ancestors(code)]] if gaz.get(code) else [code]
        for c in chain:
            if c in done:
                continue
            done.add(c)
            div = gaz.get(c)
            pi = iris.place_iri(code=c)
            q.add(pi, RDF.type, PK.Place)
            q.add(pi, PK.adminCode, Literal(c))
            if div is None:
                continue
            q.add(pi, SKOS.prefLabel, zh(div.name))
            if div.level in _GAZ_LEVEL:
                q.add(pi, PK.adminLevel, getattr(PK, "level_" + _GAZ_LEVEL[div.level]))
            if div.parent_code:
                q.add(pi, PK.withinAdmin, iris.place_iri(code=div.parent_code))
    return _dedupe(q.quads)


@lru_cache(maxsize=1)
def _gazetteer():
    return Gazetteer.load()


def _year(doc: Mapping) -> int | None:
    date = doc.get("date") or ""
    return int(date[:4]) if date[:4].isdigit() else None


def inferred_quads(documents: Sequence[Mapping], links: Iterable[tuple[str, str]],
                   within: Mapping[str, Iterable[str]] | None = None) -> list[Quad]:
    """Cascade links implied by titles: a lower-level document whose title (without issuer) equals
    a higher-level one's implements it (``eli:applies``, in the inferred graph), when the higher
    one's jurisdiction covers the lower one's: the centre covers every place; otherwise both places
    must be known and the higher one must be the lower one's place or lie above it in ``within``
    (place IRI → the places it lies directly within).

    ``documents``: dicts with ``iri``, ``title``, ``level`` and optionally ``place`` (an IRI) and
    ``date`` (ISO); ``links``: stated (lower, higher) pairs. Only the nearest covering higher level
    is linked, and only where no link is stated already. Where both are dated, a document implements
    no later year's, and of several years the latest (a county's 2024 政府工作报告 implements the
    province's 2024 report, not its 2023 one); undated documents are not ruled out.

    >>> cq, dj = "http://x/place/500000000000", "http://x/place/500231000000"
    >>> docs = [{"iri": "http://x/a", "title": "垫江县关于X的实施意见", "level": "county", "place": dj},
    ...         {"iri": "http://x/b", "title": "重庆市关于X的实施意见", "level": "provincial", "place": cq},
    ...         {"iri": "http://x/c", "title": "湖北省关于X的实施意见", "level": "provincial", "place": "http://x/place/42"}]
    >>> [(str(x.subject), str(x.object)) for x in inferred_quads(docs, [], {dj: [cq]})]
    [('<http://x/a>', '<http://x/b>')]
    """
    stated = set(links)
    parents = {k: list(v) for k, v in (within or {}).items()}

    @cache
    def above(place: str) -> frozenset[str]:
        out: set[str] = set()
        todo = list(parents.get(place, ()))
        while todo:
            p = todo.pop()
            if p not in out:
                out.add(p)
                todo.extend(parents.get(p, ()))
        return frozenset(out)

    by_core: dict[str, list[Mapping]] = {}
    for doc in documents:
        if doc.get("title") and doc.get("level") in LEVEL_RANK:
            core = title_core(doc["title"])
            if len(core) >= 6:
                by_core.setdefault(core, []).append(doc)
    q = _Quads(iris.INFERRED_GRAPH)
    for group in by_core.values():
        central = [h for h in group if h["level"] == "central"]
        by_place: dict[str, list[Mapping]] = {}
        for h in group:
            if h["level"] != "central" and h.get("place"):
                by_place.setdefault(h["place"], []).append(h)
        for low in group:
            place, year = low.get("place"), _year(low)
            covering = central + [h for p in ((place, *above(place)) if place else ()) for h in by_place.get(p, ())]
            higher = [h for h in covering if LEVEL_RANK[h["level"]] < LEVEL_RANK[low["level"]]
                      and not (year and _year(h) and _year(h) > year)]
            if not higher:
                continue
            nearest = max(LEVEL_RANK[h["level"]] for h in higher)
            higher = [h for h in higher if LEVEL_RANK[h["level"]] == nearest]
            latest = max((_year(h) for h in higher if _year(h)), default=None) if year else None
            for h in sorted(higher, key=lambda x: x["iri"]):
                if (latest is None or _year(h) in (None, latest)) and (low["iri"], h["iri"]) not in stated:
                    q.add(low["iri"], ELI.applies, h["iri"])
    return _dedupe(sorted(q.quads, key=str))
