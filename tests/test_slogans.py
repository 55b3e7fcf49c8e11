"""Numbered slogans (提法): detection, numerals, components — on the seeds and on unseen phrasing."""
from __future__ import annotations

import pytest

from kg.extract.slogans import extract_slogans, find_slogans, is_slogan_name, slogan_numeral


def _defs(doc):
    recs, _, _ = extract_slogans(doc)
    return {r.name: r for r in recs if r.components}


def test_seed_000_definitions(corpus_docs):
    defs = _defs(corpus_docs["000"])
    assert defs["四千行动"].components == ["高标准农田改造提升", "优势特色产业培育", "巴渝和美乡村示范创建", "农民增收致富促进"]
    assert defs["两个确保"].components == ["守住粮食安全", "不发生规模性返贫"]
    assert defs["七提升"].numeral == 7 and defs["七提升"].count_matches is True
    # defined after the quote, in a parenthesis with mis-paired quotes: both sub-formulations
    assert len(defs["四万四千"].components) == 8 and defs["四万四千"].numeral == 8
    assert defs["四万产业"].components[-1] == "万吨绿色建材"
    assert defs["五个一"].components[0] == "每5年出台1个实施方案"


def test_seed_001_spans_and_ids(corpus_docs):
    doc = corpus_docs["001"]
    recs, ents, mentions = extract_slogans(doc)
    four = next(r for r in recs if r.name == "四千行动" and r.defined)
    assert four.components[1] == "千亿级生态特色产业培育"  # across a page break
    assert doc.text[four.span.start:four.span.end] == "四千行动"
    assert four.slogan_id == "slogan:四千行动"
    assert {e.id for e in ents} >= {"slogan:两个确保", "slogan:三改善", "slogan:六提升"}
    assert len(mentions) == len(recs)


def test_not_slogans(corpus_docs):
    names = {r.name for r in extract_slogans(corpus_docs["000"])[0]}
    assert "三农" not in names and "三溪水城" not in names and "三溪鲫鱼" not in names
    names2 = {r.name for r in extract_slogans(corpus_docs["002"])[0]}
    assert not any(n.startswith("十四五") for n in names2)


def test_undefined_is_still_a_mention(corpus_docs):
    recs = [r for r in extract_slogans(corpus_docs["000"])[0] if r.name == "五清理一活动"]
    assert recs and all(not r.defined and r.components == [] and r.count_matches is None for r in recs)


@pytest.mark.parametrize("name,numeral", [
    ("五清理一活动", 6), ("三品一标", 4), ("十百千万", 4), ("五个一", 5), ("四个万亩级", 4),
    ("两不愁三保障", 5), ("四议两公开一监督", 7), ("三位一体", 3), ("四统一", 4), ("6大工程", 6),
])
def test_numerals(name, numeral):
    assert is_slogan_name(name)
    assert slogan_numeral(name) == numeral


@pytest.mark.parametrize("sentence,name,components", [
    # unseen towns' phrasing
    ("以稳粮、优供、增收「三个目标」为导向，推进各项工作。", "三个目标", ["稳粮", "优供", "增收"]),
    ("实现“三清三拆”：清垃圾、清杂物、清沟渠、拆危房、拆违建、拆旧棚。", "三清三拆",
     ["清垃圾", "清杂物", "清沟渠", "拆危房", "拆违建", "拆旧棚"]),
    ('深入推进产业、人才、文化、生态、组织"五个振兴"，', "五个振兴", ["产业", "人才", "文化", "生态", "组织"]),
    ("做到有人员、有经费、有场地和有制度“四有”标准", "四有", ["有人员", "有经费", "有场地", "有制度"]),
])
def test_unseen_definitions(sentence, name, components):
    found = {f.name: f for f in find_slogans(sentence)}
    assert found[name].components == components


def test_unseen_non_definitions():
    # the quote is a list item, a single domain word, or a description frame
    assert find_slogans("抓好粮食生产、生猪保供、“三品一标”认证工作")[0].components == []
    assert find_slogans("扎实抓好农产品“三品一标”行动")[0].components == []
    assert find_slogans("开展以孤寡、留守为重点的“两类人群”关爱")[0].components == []
    assert find_slogans("编制《“十四五”乡村振兴规划》") == []
