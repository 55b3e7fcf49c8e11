"""The namespace prefixes predeclared for SPARQL and used for serialisation, as plain strings.

A module of its own so that readers of prefixes (the CLI's tables, the SPARQL front, the remote
store) need not import rdflib, which :mod:`kg.vocab` (the terms themselves) builds on;
``tests/test_ontology.py`` checks each against rdflib's namespace of the same name.

>>> PREFIXES["pk"] == PK_NS, PREFIXES["skos"]
(True, 'http://www.w3.org/2004/02/skos/core#')
"""
from __future__ import annotations

PK_NS = "https://w3id.org/policykg/ont#"

# prefix -> namespace IRI
PREFIXES: dict[str, str] = {
    "pk": PK_NS,
    "eli": "http://data.europa.eu/eli/ontology#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "oa": "http://www.w3.org/ns/oa#",
    "time": "http://www.w3.org/2006/time#",
}
