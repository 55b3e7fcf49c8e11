"""Place extraction on the seed documents."""
from __future__ import annotations

import pytest

from corpus.model import Document, Provision, Sentence
from kg.extract.places import extract_places, place_context, resolve_document_place
from kg.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def _places(doc, gaz):
    ents, mentions = extract_places(doc, gaz)
    return {e.id: e for e in ents}, mentions


def test_document_place_from_issuers(corpus_docs, gaz):
    assert resolve_document_place(corpus_docs["000"], gaz) == ("三溪镇", "500231119000", "township")
    assert resolve_document_place(corpus_docs["003"], gaz) == ("开江县", "511723000000", "county")
    assert resolve_document_place(corpus_docs["004"], gaz) == ("龙溪镇", "500243116000", "township")
    assert resolve_document_place(corpus_docs["001"], gaz) == ("重庆市", "500000000000", "province")
    name, code, level = resolve_document_place(corpus_docs["002"], gaz)
    assert (name, code) == ("万盛经开区", None)  # a functional zone has no statistical code
    ctx = place_context(corpus_docs["000"], gaz)
    assert [d.name for d in ctx.chain] == ["三溪镇", "垫江县", "重庆市"]


def test_000_villages_resolve_in_the_township(corpus_docs, gaz):
    ents, mentions = _places(corpus_docs["000"], gaz)
    assert ents["place:500231119213"].name == "双龙村"  # not one of the other 100+ 双龙村
    assert ents["place:500231119213"].attrs["parent_code"] == "500231119000"
    assert ents["place:500231119000"].attrs["admin_level"] == "township"
    doc = corpus_docs["000"]
    for m in mentions:
        assert doc.text[m.span.start:m.span.end] == m.surface == m.span.quote


def test_004_listed_villages_under_longxi(corpus_docs, gaz):
    ents, mentions = _places(corpus_docs["004"], gaz)
    by_name = {e.name: e for e in ents.values()}
    for v in ("漆树村", "灯光村", "焦家村"):
        assert by_name[v].attrs["resolved"] is True
        assert gaz.contains("500243116000", by_name[v].attrs["admin_code"]), v
    assert "彭水自治县" in by_name["彭水苗族土家族自治县"].aliases
    # ancestors are present so containment is complete
    assert {"place:500243116000", "place:500243000000", "place:500000000000"} <= set(ents)


def test_003_places_under_kaijiang(corpus_docs, gaz):
    ents, _ = _places(corpus_docs["003"], gaz)
    kaijiang = ents["place:511723000000"]
    assert kaijiang.attrs["parent_code"] == "511700000000"
    assert ents["place:511700000000"].name == "达州市" and ents["place:510000000000"].name == "四川省"
    for e in ents.values():
        if e.attrs["admin_level"] in ("township", "village"):
            assert gaz.contains("511723000000", e.attrs["admin_code"]), e.name
    # bare town names in a route (讲治—甘棠—任市—广福—长岭) are the county's towns
    assert ents["place:511723107000"].name == "任市镇" and "任市" in ents["place:511723107000"].aliases


def test_002_towns_and_villages_of_wansheng(corpus_docs, gaz):
    ents, _ = _places(corpus_docs["002"], gaz)
    names = {e.name: e for e in ents.values()}
    zone = names["万盛经开区"]
    assert zone.attrs["resolved"] is False and zone.id == "place:unresolved:万盛经开区"
    assert {"万盛经济技术开发区", "万盛"} <= set(zone.aliases)  # 綦江—万盛: the zone itself
    for town in ("黑山镇", "青年镇", "关坝镇"):
        assert names[town].attrs["parent_code"] == "500110000000"  # 綦江区
    assert gaz.contains("500110102000", names["板辽村"].attrs["admin_code"])  # 青年镇板辽村


def test_no_generic_words_as_places(corpus_docs, gaz):
    bad = {"全市", "城市", "市场", "县域", "镇村", "乡村", "城镇", "全镇", "农场", "示范镇", "范镇", "进乡"}
    for doc in corpus_docs:
        _, mentions = _places(doc, gaz)
        assert not {m.surface for m in mentions} & bad, doc.source


def _doc(text: str, issuers: list[str]) -> Document:
    sents = [Sentence(id="body/s_1", text=text, start=0, end=len(text))]
    prov = Provision(id="body", kind="body", text=text, start=0, end=len(text), sentences=sents)
    return Document(id="t", title="实施方案", issuers=issuers, source="t.txt", text=text, provisions=[prov])


def test_unresolved_village_is_kept(gaz):
    # an enumeration of the town's villages with one unknown (new or renamed) name
    doc = _doc("重点打造漆树村、灯光村、新光村，支持三溪镇发展。", ["彭水苗族土家族自治县龙溪镇人民政府"])
    ents, mentions = _places(doc, gaz)
    new = ents["place:unresolved:新光村"]
    assert new.attrs == {"admin_code": None, "admin_level": "village", "parent_code": "500243116000",
                         "resolved": False}
    assert "place:500243116204" in ents
    # 三溪镇 is in another county: without its county it is not accepted as a place here
    assert not any(m.surface == "三溪镇" for m in mentions)
