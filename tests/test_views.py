"""networkx views: cascade DAG, chain above a document, place tree, co-occurrence."""
from __future__ import annotations

import json

import pytest

from graph_support import graph_inputs
from kg.store import build_store
from kg.views import cascade_view, chain_above, cooccurrence, place_tree


@pytest.fixture(scope="module")
def env(corpus_docs):
    docs, ext = graph_inputs(corpus_docs)
    return {"docs": docs, "ext": ext, "store": build_store(None, docs, ext)}


def test_cascade_view_is_jsonable_with_depths_and_inferred_edges(env):
    view = cascade_view(env["store"])
    json.dumps(view, ensure_ascii=False)
    nodes = {n["iri"]: n for n in view["nodes"]}
    assert sum(n["in_corpus"] for n in nodes.values()) == len(env["docs"])
    assert any(e["inferred"] for e in view["edges"])
    for e in view["edges"]:  # a document is deeper than what it implements
        assert nodes[e["source"]]["depth"] >= nodes[e["target"]]["depth"] + 1 or not view["acyclic"]
        if e["inferred"]:
            assert nodes[e["source"]]["rank"] > nodes[e["target"]]["rank"]


def test_chain_above_a_town_document_climbs_to_central(env):
    town = next(d for d in env["docs"] if d.level == "township" and any(c.relation == "applies" for c in d.cites))
    chain = chain_above(env["store"], town.id)
    assert chain[0]["distance"] == 1 and not chain[0]["inferred"]
    assert [c["distance"] for c in chain] == sorted(c["distance"] for c in chain)
    assert chain[-1]["level"] == "central"
    assert any(c["inferred"] for c in chain)


def test_place_tree_nests_jurisdictions_under_their_province(env):
    from kg.gazetteer import Gazetteer

    tree = place_tree(env["store"])
    json.dumps(tree, ensure_ascii=False)
    parent_of = {}

    def walk(node, parent):
        parent_of[node["code"] or node["iri"]] = parent
        for c in node["children"]:
            walk(c, node["code"])

    for r in tree["roots"]:
        walk(r, None)
    gaz = Gazetteer.load()
    for d in env["docs"]:
        if d.place_code:
            assert parent_of[d.place_code] == gaz.get(d.place_code).parent_code


def test_cooccurrence_counts_documents(env):
    view = cooccurrence(env["store"])
    json.dumps(view, ensure_ascii=False)
    assert view["nodes"] and view["edges"]
    counts = {n["iri"]: n["documents"] for n in view["nodes"]}
    for e in view["edges"]:
        assert 1 <= e["weight"] <= min(counts[e["source"]], counts[e["target"]])
