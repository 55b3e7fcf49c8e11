"""Target moves, slogan genealogy, findings and RDF output on 001 → 000 with real extraction."""
from __future__ import annotations

import pytest

from kg.cascade import analyse
from api.cli.readable import cascade_report
from api.views.cascade import cascade_json
from kg.cascade.rdf import analysis_graph, analysis_quads, store_analysis
from kg.store import Store


@pytest.fixture(scope="module")
def extractions(corpus_docs):
    from kg.extract import extract_corpus

    return extract_corpus(list(corpus_docs))


@pytest.fixture(scope="module")
def result(corpus_docs, extractions):
    up, low = corpus_docs["001"], corpus_docs["000"]
    return analyse(up, low, upper_ex=extractions[up.id], lower_ex=extractions[low.id])


def _move(result, indicator_part, year=None):
    hits = [m for m in result.targets if indicator_part in m.indicator and (year is None or m.lower.year == year)]
    assert hits, [m.indicator for m in result.targets]
    return hits[0]


def test_target_moves_layer_by_layer(result):
    m = _move(result, "农业科技进步贡献率")
    assert (m.upper.value, m.lower.value, m.move) == (63.5, 64.0, "raised")
    m = _move(result, "综合机械化率")
    assert (m.upper.value, m.lower.value, m.move) == (58.0, 62.0, "raised")
    assert m.lower.comparator == "gte"
    m = _move(result, "达标村", year=2024)
    assert (m.upper.value, m.lower.value, m.move, m.upper.unit) == (30.0, 50.0, "raised", "%")
    assert _move(result, "达标村", year=2027).move == "same"
    # absolute quantities of a city and a town are not comparable
    area = _move(result, "粮食播种面积")
    assert (area.upper.value, area.lower.value, area.move) == (3012.0, 2.4, "incomparable")
    assert all(m.move in {"raised", "lowered", "same", "incomparable"} for m in result.targets)


def test_slogan_genealogy(result):
    by_name = {s.lower.name: s.to_dict() for s in result.slogans}
    four = by_name["四千行动"]
    assert not four["renamed"] and not four["kept"] and not four["added"] and not four["dropped"]
    assert ["千万亩高标准农田改造提升", "高标准农田改造提升"] in four["reworded"]
    assert len(four["reworded"]) == 4
    gai = by_name["四改善"]
    assert gai["renamed"] and gai["upper_name"] == "三改善"
    assert gai["added"] == ["农村卫生厕所条件"] and gai["dropped"] == [] and len(gai["kept"]) == 3
    ti = by_name["七提升"]
    assert ti["renamed"] and ti["upper_name"] == "六提升" and ti["added"] == ["农村供水水质水平"]


def test_cascade_json_shape_and_table(result):
    obj = cascade_json(result)
    assert set(obj) >= {"upper", "lower", "pairs", "lower_only", "upper_only", "targets", "slogans", "findings"}
    p = obj["pairs"][1]
    assert set(p) >= {"upper", "lower", "score", "relation", "diff"}
    assert set(p["upper"]) >= {"provision_id", "number", "title", "text"}
    for pair in obj["pairs"]:  # diff offsets index the texts shipped with the pair
        for c in pair["diff"]["changes"]:
            assert pair["upper"]["text"][c["upper_start"]:c["upper_end"]] == c["upper"]
            assert pair["lower"]["text"][c["lower_start"]:c["lower_end"]] == c["lower"]
    t = next(t for t in obj["targets"] if t["indicator"] == "农业科技进步贡献率")
    assert set(t["upper"]) >= {"value", "unit", "comparator", "year"} and t["move"] == "raised"
    assert all("message" in f for f in obj["findings"])
    table = cascade_report(obj)
    assert "目标变化" in table and "加码" in table and "四改善" in table and "（二十八）" in table
    assert "raised" not in table and "TARGET" not in table


def test_rdf_alignments_and_moves_queryable(result, corpus_docs, extractions):
    up, low = result.upper, result.lower
    quads = analysis_quads(result, extractions[up.id], extractions[low.id])
    store = Store()
    assert store_analysis(store, [(up.id, low.id, quads)]) == len(quads)
    store_analysis(store, [(up.id, low.id, quads)])  # re-analysing replaces, never duplicates
    assert len(list(store.quads(analysis_graph(up.id, low.id)))) == len(set(quads))
    raised = list(store.query("""
        PREFIX pk: <https://w3id.org/policykg/ont#>
        SELECT ?m WHERE { GRAPH ?g { ?m a pk:TargetMove ; pk:move pk:move_raised } }"""))
    assert len(raised) == sum(m.move == "raised" for m in result.targets) >= 3
    n_align = list(store.query("""
        PREFIX pk: <https://w3id.org/policykg/ont#>
        SELECT (COUNT(?a) AS ?n) WHERE { ?a a pk:Alignment ; pk:alignedFrom ?l ; pk:alignedTo ?u ; pk:kind ?k }"""))
    assert int(n_align[0]["n"].value) == len(result.alignment.pairs)
    sims = [float(q.object.value) for q in store.quads(analysis_graph(up.id, low.id))
            if q.predicate.value == "https://w3id.org/policykg/ont#similarity"]
    assert len(sims) == len(result.alignment.pairs) and all(0.0 <= s <= 1.0 for s in sims)
    unlabelled = list(store.query("""
        PREFIX pk: <https://w3id.org/policykg/ont#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?x WHERE { ?x a ?c VALUES ?c { pk:Alignment pk:TargetMove } FILTER NOT EXISTS { ?x rdfs:label ?l } }"""))
    assert not unlabelled


RAISED_BY_TOWNSHIPS = """
PREFIX pk: <https://w3id.org/policykg/ont#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?label ?upperValue ?lowerValue WHERE {
  ?m a pk:TargetMove ; pk:move pk:move_raised ; pk:fromTarget ?ut ; pk:toTarget ?lt .
  ?lt pk:indicator ?ind ; pk:value ?lowerValue ; prov:wasDerivedFrom/pk:inDocument ?low .
  ?ut pk:value ?upperValue ; prov:wasDerivedFrom/pk:inDocument ?up .
  ?low pk:level pk:level_township . ?up pk:level pk:level_provincial .
  ?ind skos:prefLabel ?label .
} ORDER BY ?label"""


def test_sparql_indicators_a_township_raised(result, corpus_docs, extractions):
    """The analysis graph joins the document graphs' Target nodes."""
    from kg.store import build_store

    store = build_store(None, list(corpus_docs), extractions)
    up, low = result.upper, result.lower
    store_analysis(store, [(up.id, low.id, analysis_quads(result, extractions[up.id], extractions[low.id]))])
    rows = [(r["label"].value, float(r["upperValue"].value), float(r["lowerValue"].value))
            for r in store.query(RAISED_BY_TOWNSHIPS)]
    assert ("农业科技进步贡献率", 63.5, 64.0) in rows
    assert any(label == "农作物耕种收综合机械化率" and (u, l) == (58.0, 62.0) for label, u, l in rows)
    assert len({label for label, _, _ in rows}) == len({m.indicator for m in result.targets if m.move == "raised"})


def test_corpus_pairs_follow_the_cascade(corpus_docs, extractions):
    """000 reaches 001 through the county opinion it applies (outside the corpus); 004 applies 001."""
    from kg.cascade.rdf import corpus_pairs
    from kg.store import build_store

    store = build_store(None, list(corpus_docs), extractions)
    pairs = corpus_pairs(store)
    city = corpus_docs["001"].id
    assert (city, corpus_docs["000"].id) in pairs and (city, corpus_docs["004"].id) in pairs
    assert all(u != l for u, l in pairs)
