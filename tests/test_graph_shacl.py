"""SHACL validation of the built graph (pyshacl)."""
from __future__ import annotations

import pyshacl
import pytest
import rdflib

from graph_support import graph_inputs
from kg.store import build_store
from ontology import SHAPES_TTL

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
PK = rdflib.Namespace("https://w3id.org/policykg/ont#")


@pytest.fixture(scope="module")
def built(corpus_docs):
    docs, ext = graph_inputs(corpus_docs)
    store = build_store(None, docs, ext)
    return rdflib.Graph().parse(data=store.export("ntriples"), format="nt")


@pytest.fixture(scope="module")
def shapes():
    return rdflib.Graph().parse(SHAPES_TTL)


def test_built_graph_conforms_and_slogan_mismatches_are_findings(built, shapes):
    conforms, report, text = pyshacl.validate(built, shacl_graph=shapes, advanced=True)
    violations = list(report.subjects(SH.resultSeverity, SH.Violation))
    assert not violations, text[:3000]
    warnings = {str(report.value(r, SH.focusNode)) for r in report.subjects(SH.resultSeverity, SH.Warning)}
    mismatched = {str(s) for s, _, o in built.triples((None, PK.countMatches, None)) if o.toPython() is False}
    assert warnings == mismatched


def test_shapes_catch_a_broken_target(built, shapes):
    target = next(iter(built.subjects(rdflib.RDF.type, PK.Target)))
    # the target with the nodes it points to (enough for its shape), minus its unit
    small = rdflib.Graph()
    for s, p, o in built.triples((target, None, None)):
        small.add((s, p, o))
        for t in built.triples((o, rdflib.RDF.type, None)):
            small.add(t)
        for t in built.triples((o, None, None)):
            small.add(t)
    def failing(g):
        report = pyshacl.validate(g, shacl_graph=shapes, advanced=True)[1]
        return {(f, report.value(r, SH.resultPath)) for r in report.subjects(SH.focusNode, None)
                for f in report.objects(r, SH.focusNode)}

    assert (target, PK.unit) not in failing(small)
    small.remove((target, PK.unit, None))
    assert (target, PK.unit) in failing(small)
