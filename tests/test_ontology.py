"""The ontology file, its SHACL shapes and the vocabulary module agree and are complete."""
from __future__ import annotations

import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, Literal

from kg import vocab
from kg.vocab import PK, PK_NS
from ontology import ONTOLOGY_TTL, SHAPES_TTL

import pytest


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_TTL)


def _local_terms(g: rdflib.Graph) -> set[str]:
    return {str(s)[len(PK_NS):] for s in g.subjects() if isinstance(s, rdflib.URIRef) and str(s).startswith(PK_NS)}


def test_vocab_module_matches_ttl_both_ways(onto):
    in_ttl = _local_terms(onto)
    in_code = {name for name in PK.__annotations__}
    assert in_ttl == in_code


def test_each_plain_prefix_names_the_namespace_the_vocabulary_declares():
    """kg.prefixes (plain strings, read without rdflib) and kg.vocab's namespaces stay one list."""
    from rdflib.namespace import DCTERMS, GEO, ORG, PROV, TIME, XSD

    from kg.prefixes import PREFIXES

    declared = {"pk": PK._NS, "eli": vocab.ELI._NS, "oa": vocab.OA._NS, "skos": SKOS, "prov": PROV, "org": ORG,
                "geo": GEO, "dct": DCTERMS, "xsd": XSD, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "time": TIME}
    assert PREFIXES == {p: str(ns) for p, ns in declared.items()}
    assert vocab.PREFIXES is PREFIXES


def test_vocab_rejects_typos():
    with pytest.raises(AttributeError):
        PK.PolicyDocumnet  # noqa: B018
    with pytest.raises(AttributeError):
        vocab.ELI.aplies  # noqa: B018


def test_every_local_term_has_bilingual_label_and_comment(onto):
    for t in _local_terms(onto):
        u = rdflib.URIRef(PK_NS + t)
        langs = {lbl.language for lbl in onto.objects(u, RDFS.label) if isinstance(lbl, Literal)}
        assert {"zh", "en"} <= langs, t
        assert any(True for _ in onto.objects(u, RDFS.comment)), t


def test_classes_and_properties_specialise_standard_terms(onto):
    standard = ("http://data.europa.eu/eli/", "http://www.w3.org/ns/org#", "http://www.w3.org/2004/02/skos/",
                "http://www.opengis.net/ont/geosparql#", "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/")
    for cls in onto.subjects(RDF.type, OWL.Class):
        supers = [str(o) for o in onto.transitive_objects(cls, RDFS.subClassOf) if o != cls]
        assert any(s.startswith(standard) for s in supers), cls
    assert (PK.withinAdmin, RDFS.subPropertyOf, rdflib.URIRef("http://www.opengis.net/ont/geosparql#sfWithin")) in onto
    assert (PK.PolicyDocument, RDFS.subClassOf, vocab.ELI.Work) in onto


def test_concept_schemes_hold_their_concepts(onto):
    from corpus.model import LEVELS
    from kg.records import Comparator

    for level in LEVELS:
        assert (PK["level_" + level], SKOS.inScheme, PK.AdminLevelScheme) in onto
    for cmp in Comparator.__args__:
        assert (PK["cmp_" + cmp], SKOS.inScheme, PK.ComparatorScheme) in onto
    for move in ("raised", "lowered", "same", "incomparable"):
        assert (PK["move_" + move], SKOS.inScheme, PK.MoveScheme) in onto
    from corpus.model import ProvisionKind

    for kind in ProvisionKind.__args__:
        assert (PK["sub_" + kind], SKOS.inScheme, PK.SubdivisionTypeScheme) in onto


def test_shapes_parse_and_target_ontology_classes(onto):
    shapes = rdflib.Graph().parse(SHAPES_TTL)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targets = set(shapes.objects(None, sh.targetClass))
    assert {PK.Target, PK.Slogan, PK.Provision, PK.PolicyDocument} <= targets
    assert all((t, RDF.type, OWL.Class) in onto for t in targets)
