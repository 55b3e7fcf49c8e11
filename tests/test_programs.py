"""Programs/actions (with declared aliases) and brands."""
from __future__ import annotations

from kg.extract.brands import extract_brands, find_brands
from kg.extract.programs import collect_aliases, extract_programs, find_aliases, find_programs


def test_alias_declared_in_text(corpus_docs):
    aliases = collect_aliases(list(corpus_docs))
    assert aliases["千万工程"] == "千村示范、万村整治工程"
    ents, mentions = extract_programs(corpus_docs["000"], aliases)
    prog = {e.id: e for e in ents}["program:千村示范、万村整治工程"]
    assert "千万工程" in prog.aliases and prog.attrs["kind"] == "工程"
    assert any(m.entity_id == prog.id for m in mentions)


def test_same_program_in_two_documents(corpus_docs):
    aliases = collect_aliases(list(corpus_docs))
    ids0 = {e.id for e in extract_programs(corpus_docs["000"], aliases)[0]}
    ids1 = {e.id for e in extract_programs(corpus_docs["001"], aliases)[0]}
    assert {"program:万企兴万村行动", "program:农村人居环境整治提升行动", "program:千村示范、万村整治工程"} <= ids0 & ids1


def test_unseen_programs():
    names = [p.name for p in find_programs("组织实施高素质农民培育计划，开展“五美庭院”创建试点，启动宅基地制度改革试点。")]
    assert names == ["高素质农民培育计划", "五美庭院创建试点", "宅基地制度改革试点"]
    assert find_aliases("实施“万户增收、千户示范”工程（以下简称“万千工程”）") == [("万千工程", "万户增收、千户示范工程")]
    created = [p for p in find_programs("积极争创省级农业现代化示范区。") if p.kind == "示范区"]
    assert [p.name for p in created] == ["省级农业现代化示范区"]


def test_not_programs():
    names = [p.name for p in find_programs("加强工程质量管理，深化食物节约各项行动，实施粮猪稳产保供、农业提质增效五大行动。")]
    assert names == []


def test_brands(corpus_docs):
    names0 = {e.name: e.attrs["kind"] for e in extract_brands(corpus_docs["000"])[0]}
    assert names0["箐口大米"] == "地理标志" and "三溪鲫鱼" in names0
    names1 = {e.name for e in extract_brands(corpus_docs["001"])[0]}
    assert {"涪陵榨菜", "奉节脐橙", "潼南柠檬", "巴味渝珍", "三峡柑橘"} <= names1
    assert [b.name for b in find_brands("加强农业品牌建设，提升单品类品牌知名度。")] == []
    assert [b.name for b in find_brands("叫响“石柱黄连”“丰都牛肉”等区域公用品牌")] == ["石柱黄连", "丰都牛肉"]
