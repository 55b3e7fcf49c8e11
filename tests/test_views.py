"""Cascade views: the links and DAG of the cascade, and the chain above a document."""
from __future__ import annotations


import pytest

from graph_support import graph_inputs
from kg.store import build_store
from kg.views import cascade_dag, cascade_links, chain_above


@pytest.fixture(scope="module")
def env(corpus_docs):
    docs, ext = graph_inputs(corpus_docs)
    return {"docs": docs, "ext": ext, "store": build_store(None, docs, ext)}


def test_cascade_dag_marks_inferred_edges_between_ranked_levels(env):
    g = cascade_dag(env["store"])
    assert sum(bool(d.get("in_corpus")) for _, d in g.nodes(data=True)) == len(env["docs"])
    inferred = [(a, b) for a, b, e in g.edges(data=True) if e.get("inferred")]
    assert inferred and all(g.nodes[a]["rank"] > g.nodes[b]["rank"] for a, b in inferred)


def test_chain_above_a_town_document_climbs_to_central(env):
    town = next(d for d in env["docs"] if d.level == "township" and any(c.relation == "applies" for c in d.cites))
    chain = chain_above(env["store"], town.id)
    assert chain[0]["distance"] == 1 and not chain[0]["inferred"]
    assert [c["distance"] for c in chain] == sorted(c["distance"] for c in chain)
    assert chain[-1]["level"] == "central"
    assert any(c["inferred"] for c in chain)


def test_the_plain_links_and_the_networkx_graph_are_one_cascade(env):
    """chain_above walks plain dicts (no networkx on a concept page): the same documents and links
    as the networkx view, and the same chains whether the links are passed in or read."""
    links, g = cascade_links(env["store"]), cascade_dag(env["store"])
    assert dict(g.nodes(data=True)) == links.nodes
    assert {(a, b): e for a, b, e in g.edges(data=True)} == {(a, b): e for a, up in links.up.items() for b, e in up.items()}
    for d in env["docs"]:
        assert chain_above(env["store"], d.id, links) == chain_above(env["store"], d.id)
