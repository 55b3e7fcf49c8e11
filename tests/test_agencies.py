"""Agencies and responsibility lists on the seed documents."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.extract.agencies import AgencyNormaliser, extract_agencies
from kg.extract.places import place_context
from api.evaluation.extraction import evaluate_responsibilities
from kg.extract.responsibility import extract_responsibilities
from kg.gazetteer import Gazetteer

GOLD = Path(__file__).parent / "gold" / "responsibility_003.json"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def _agencies(doc, gaz):
    ents, mentions = extract_agencies(doc, place_context(doc, gaz))
    return {e.id: e for e in ents}, mentions


def test_003_short_forms_are_normalised(corpus_docs, gaz):
    ents, mentions = _agencies(corpus_docs["003"], gaz)
    agri = ents["agency:开江县农业农村局"]
    assert "县农业农村局" in agri.aliases and agri.attrs["place"] == "开江县" and agri.attrs["kind"] == "部门"
    assert ents["agency:开江县委组织部"].attrs["kind"] == "部门"
    assert "agency:县农业农村局" not in ents
    # the issuer 中共开江县委 and the short 县委 in 县委农村工作领导小组 are distinct bodies
    assert ents["agency:中共开江县委员会"].attrs["kind"] == "党委"
    assert ents["agency:开江县委农村工作领导小组"].attrs["kind"] == "领导小组"
    assert sum(m.entity_id == "agency:开江县农业农村局" for m in mentions) >= 12


def test_township_offices_and_stations(corpus_docs, gaz):
    ents, _ = _agencies(corpus_docs["000"], gaz)
    assert ents["agency:垫江县三溪镇经济发展板块"].attrs["kind"] == "板块"
    assert ents["agency:垫江县三溪派出所"].attrs["kind"] == "站所"
    assert "agency:垫江县三溪镇人民政府" in ents and "agency:中共垫江县三溪镇委员会" in ents
    ents4, _ = _agencies(corpus_docs["004"], gaz)
    committee = ents4["agency:中共彭水苗族土家族自治县龙溪镇委员会"]
    assert {"中共彭水自治县龙溪镇委员会", "龙溪镇党委"} <= set(committee.aliases)
    assert ents4["agency:彭水苗族土家族自治县龙溪镇乡村振兴办"].aliases == ["乡村振兴办"]


def test_same_agency_same_node_across_documents(corpus_docs, gaz):
    a, _ = _agencies(corpus_docs["001"], gaz)
    b, _ = _agencies(corpus_docs["004"], gaz)
    assert "agency:中共重庆市委员会" in a and "agency:中共重庆市委员会" in b


def test_003_responsibility_lists_meet_the_gold(corpus_docs):
    scores = evaluate_responsibilities(GOLD, list(corpus_docs))
    assert scores["precision"] >= 0.95 and scores["recall"] >= 0.9, scores
    assert scores["lead_accuracy"] >= 0.9, scores


def test_003_records_point_to_their_sentence(corpus_docs, gaz):
    doc = corpus_docs["003"]
    recs = extract_responsibilities(doc, AgencyNormaliser.from_context(place_context(doc, gaz)))
    assert len(recs) == 29
    first = recs[0]
    assert first.lead == ["开江县扶贫开发局"] and first.cooperating == first.units[1:]
    assert first.unit_ids[0] == "agency:开江县扶贫开发局"
    for r in recs:
        assert doc.text[r.span.start:r.span.end] == r.span.quote and r.span.quote.startswith("（责任单位")
        assert r.span.sentence_id.startswith(r.provision_id + "/")


def test_000_lists_without_a_lead_statement_have_no_lead(corpus_docs, gaz):
    doc = corpus_docs["000"]
    recs = extract_responsibilities(doc, AgencyNormaliser.from_context(place_context(doc, gaz)))
    assert len(recs) >= 30
    assert all(r.lead == [] for r in recs)
    police = next(r for r in recs if "垫江县三溪派出所" in r.units)
    assert police.units[-2:] == ["垫江县三溪派出所", "垫江县三溪司法所"]
    assert all("相关岗位" not in u for r in recs for u in r.units)


def test_lead_and_cooperating_labels():
    from corpus.model import Document, Provision, Sentence

    text = "（二）加强耕地保护。（牵头单位：县自然资源局；配合单位：县农业农村局、各乡镇）"
    sents = [Sentence(id="item_2/s_1", text=text[:10], start=0, end=10),
             Sentence(id="item_2/s_2", text=text[10:], start=10, end=len(text))]
    prov = Provision(id="item_2", kind="item", number="（二）", text=text, end=len(text), sentences=sents)
    doc = Document(id="t", title="t", source="t.txt", text=text, provisions=[prov])
    (rec,) = extract_responsibilities(doc, AgencyNormaliser(county="某某县"))
    assert rec.lead == ["某某县自然资源局"]
    assert rec.cooperating == ["某某县农业农村局", "某某县各乡镇"] == rec.units[1:]
    assert rec.span.sentence_id == "item_2/s_2" and rec.span.quote.startswith("（牵头单位")
