"""The vocabulary as code: every term is declared, so a typo is an AttributeError, not a silent new IRI.

``PK`` mirrors ``ontology/policykg.ttl`` term for term (``tests/test_ontology.py`` checks both ways).
``ELI`` and ``OA`` declare the terms of those vocabularies this project uses; ORG, GEO, TIME, PROV,
SKOS, DCTERMS come from rdflib's closed namespaces. ``PK_NS`` and ``PREFIXES`` are re-exported from
:mod:`kg.prefixes` (plain strings, no rdflib).

>>> str(PK.Target)
'https://w3id.org/policykg/ont#Target'
>>> PK.Taget
Traceback (most recent call last):
...
AttributeError: term 'Taget' not in namespace 'https://w3id.org/policykg/ont#'
>>> str(ELI.applies)
'http://data.europa.eu/eli/ontology#applies'
"""
from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCTERMS,
    GEO,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    TIME,
    XSD,
    DefinedNamespace,
)

from kg.prefixes import PK_NS, PREFIXES

__all__ = ["PK", "ELI", "OA", "ORG", "GEO", "TIME", "PROV", "SKOS", "DCTERMS", "RDF", "RDFS", "OWL", "XSD",
           "PK_NS", "PREFIXES"]


class PK(DefinedNamespace):
    """policykg ontology terms (generated from ontology/policykg.ttl)."""

    _NS = Namespace(PK_NS)
    _fail = True

    # classes
    Agency: URIRef
    Alignment: URIRef
    Assignment: URIRef
    Brand: URIRef
    Citation: URIRef
    Indicator: URIRef
    Place: URIRef
    PolicyDocument: URIRef
    Program: URIRef
    Provision: URIRef
    Quantity: URIRef
    Sentence: URIRef
    Slogan: URIRef
    SloganItem: URIRef
    Target: URIRef
    TargetMove: URIRef
    TargetStatement: URIRef
    # object properties
    adminLevel: URIRef
    alsoStatedAs: URIRef
    alignedFrom: URIRef
    alignedTo: URIRef
    appliesTo: URIRef
    baseline: URIRef
    citationRelation: URIRef
    citedDocument: URIRef
    comparator: URIRef
    cooperatingUnit: URIRef
    definedIn: URIRef
    fromTarget: URIRef
    genre: URIRef
    inDocument: URIRef
    indicator: URIRef
    item: URIRef
    leadUnit: URIRef
    level: URIRef
    mentions: URIRef
    move: URIRef
    planPeriod: URIRef
    responsibleUnit: URIRef
    sameSloganAs: URIRef
    statedIn: URIRef
    targetNature: URIRef
    toTarget: URIRef
    withinAdmin: URIRef
    # datatype properties
    adminCode: URIRef
    charEnd: URIRef
    charStart: URIRef
    countMatches: URIRef
    docId: URIRef
    genreText: URIRef
    inCorpus: URIRef
    indicatorText: URIRef
    issuerText: URIRef
    itemCount: URIRef
    kind: URIRef
    localId: URIRef
    ordinal: URIRef
    placeText: URIRef
    position: URIRef
    similarity: URIRef
    alignmentScore: URIRef
    sourceFile: URIRef
    targetYear: URIRef
    text: URIRef
    unit: URIRef
    value: URIRef
    valueText: URIRef
    year: URIRef
    # concept schemes
    AdminLevelScheme: URIRef
    BrandScheme: URIRef
    ComparatorScheme: URIRef
    GenreScheme: URIRef
    IndicatorScheme: URIRef
    MoveScheme: URIRef
    SloganScheme: URIRef
    SubdivisionTypeScheme: URIRef
    TargetNatureScheme: URIRef
    # concepts
    cmp_approx: URIRef
    cmp_eq: URIRef
    cmp_gte: URIRef
    cmp_increaseBy: URIRef
    cmp_lte: URIRef
    cmp_percentagePoint: URIRef
    genre_decision: URIRef
    genre_implementationOpinion: URIRef
    genre_implementationScheme: URIRef
    genre_keyPoints: URIRef
    genre_measures: URIRef
    genre_notice: URIRef
    genre_opinion: URIRef
    genre_otherGenre: URIRef
    genre_outline: URIRef
    genre_plan: URIRef
    genre_regulation: URIRef
    genre_rules: URIRef
    genre_scheme: URIRef
    genre_workScheme: URIRef
    level_central: URIRef
    level_county: URIRef
    level_prefectural: URIRef
    level_provincial: URIRef
    level_township: URIRef
    level_village: URIRef
    move_incomparable: URIRef
    move_lowered: URIRef
    move_raised: URIRef
    move_same: URIRef
    nature_binding: URIRef
    nature_indicative: URIRef
    sub_annex: URIRef
    sub_article: URIRef
    sub_body: URIRef
    sub_box: URIRef
    sub_chapter: URIRef
    sub_item: URIRef
    sub_part: URIRef
    sub_point: URIRef
    sub_preamble: URIRef
    sub_section: URIRef
    sub_table: URIRef


class ELI(DefinedNamespace):
    """European Legislation Identifier ontology: the terms used here."""

    _NS = Namespace("http://data.europa.eu/eli/ontology#")
    _fail = True

    Work: URIRef
    WorkSubdivision: URIRef
    title: URIRef
    id_local: URIRef
    date_document: URIRef
    jurisdiction: URIRef
    passed_by: URIRef
    applies: URIRef
    based_on: URIRef
    cites: URIRef
    is_part_of: URIRef
    number: URIRef
    type_subdivision: URIRef


class OA(DefinedNamespace):
    """W3C Web Annotation vocabulary: the terms used here."""

    _NS = Namespace("http://www.w3.org/ns/oa#")
    _fail = True

    TextQuoteSelector: URIRef
    TextPositionSelector: URIRef
    hasSelector: URIRef
    exact: URIRef
    start: URIRef
    end: URIRef

