"""Targets, slogans, places and chain alignment on real crawled government texts (``../shared/real``)
against gold written by reading them (``tests/gold/real_facts``); town documents of a name shared by
many towns (``tests/unseen4``). ``python -m api.cli eval real`` prints the same measures."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from api.evaluation.cascade import evaluate_real as evaluate_chains
from api.evaluation.extraction import (
    REAL_GOLD_DIR,
    evaluate_real_slogans,
    evaluate_real_targets,
)
from corpus.ingest import ingest_dir, parse_file
from kg.extract import extract_corpus
from kg.extract.slogans import find_slogans, glossary
from kg.extract.targets import find_targets

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"
TOWNS = Path(__file__).resolve().parent / "unseen4"


@lru_cache(maxsize=1)
def _real():
    docs, _ = ingest_dir(REAL)
    return docs, extract_corpus(docs)


def test_future_targets_of_long_reports():
    """Recall of the gold future targets, precision where the gold is complete, no past result
    (工作回顾) taken as a target, and the year right (from the sentence, heading or report)."""
    docs, ex = _real()
    res = evaluate_real_targets(REAL_GOLD_DIR / "targets.json", docs, ex)
    t = res["real_targets"]
    assert t["recall"] >= 0.9, res["errors"]
    assert t["precision"] >= 0.9, res["errors"]
    assert t["past_share"] <= 0.1 and t["past_taken"] <= 2, res["errors"]
    assert t["year_accuracy"] >= 0.9, res["errors"]


def test_one_target_per_statement_on_real_documents():
    """A goal restated in one document (goal paragraph, table, task) is one target, and no grant
    cap (最高300万元) or rule passes for a goal."""
    docs, ex = _real()
    for doc in docs:
        targets = ex[doc.id].targets
        keys = [(t.indicator_id, t.value, t.unit, t.year, t.comparator) for t in targets]
        assert len(keys) == len(set(keys)), doc.source
        for t in targets:
            assert not t.indicator.endswith("最高"), (doc.source, t.indicator)
            for s in t.statements():
                assert doc.text[s.span.start:s.span.end] == s.span.quote


def test_year_from_the_section_heading_is_recorded_as_such():
    """A report's work plan (二、2024年工作安排) states targets without a year: they take the
    heading's, and say so; a sentence's own 到2025年 stays the sentence's."""
    docs, ex = _real()
    by = {Path(d.source).stem[:3]: d for d in docs}
    plan = [t for t in ex[by["005"].id].targets if "2024年" not in t.sentence]
    assert plan and all(t.year == 2024 and t.year_basis == "heading" for t in plan)
    coop = ex[by["016"].id].targets
    assert {t.year for t in coop} == {2025, 2028} and {t.year_basis for t in coop} == {"sentence"}


@pytest.mark.parametrize("sentence, expected", [
    # one value for several indicators; 城乡 is town and country
    ("城乡居民人均可支配收入分别增长7.5%", [("城镇居民人均可支配收入", 7.5, "%", "increaseBy"),
                                    ("农村居民人均可支配收入", 7.5, "%", "increaseBy")]),
    # numeral heads sharing a tail, full-width ％ and ．
    ("其中一、二、三产增加值分别增长4％、8．5％、6％左右", [("一产增加值", 4.0, "%", "increaseBy"),
                                              ("二产增加值", 8.5, "%", "increaseBy"),
                                              ("三产增加值", 6.0, "%", "increaseBy")]),
    # parallel heads, values joined by 和, each with its own qualifier
    ("城镇和农村常住居民人均可支配收入分别增长7％左右和9％左右",
     [("城镇常住居民人均可支配收入", 7.0, "%", "increaseBy"), ("农村常住居民人均可支配收入", 9.0, "%", "increaseBy")]),
    # the subject of a clause without a value carries to the growth that follows
    ("地区生产总值跨越千亿台阶，增长7%以上", [("地区生产总值", 7.0, "%", "increaseBy")]),
    # a share: A达到B的N%
    ("2025年龙头企业带动销售额要达到总销售额的30%以上", [("龙头企业带动销售额占总销售额比重", 30.0, "%", "gte")]),
])
def test_target_constructs(sentence, expected):
    got = [(t.indicator, t.value, t.unit, t.comparator) for t in find_targets(sentence)]
    assert got == expected


def test_bare_respectively_continues_the_chain():
    """…规模达到6000万亩次以上，占有率达到50%以上；2028年分别达到8000万亩次和60%以上。"""
    docs, ex = _real()
    coop = next(d for d in docs if d.source.startswith("016"))
    late = {(t.unit, t.value) for t in ex[coop.id].targets if t.year == 2028}
    assert {("万亩次", 8000.0), ("%", 60.0)} <= late


def test_slogans_with_components_in_running_text():
    docs, ex = _real()
    res = evaluate_real_slogans(REAL_GOLD_DIR / "slogans.json", docs, ex)
    s = res["real_slogans"]
    assert s["recall"] >= 0.85 and s["precision"] >= 0.9, res["errors"]


def test_unquoted_counts_and_open_lists():
    got = {s.name: s.components for s in find_slogans("统筹空间、规模、产业三大结构，壮大交通、畅游巴蜀等十大便捷行动")}
    assert got == {"三大结构": ["空间", "规模", "产业"]}
    # a quoted name inside a list item names no list; counts are not components
    assert all(not s.components for s in find_slogans("推动甲综合体、乙中心、安吉“两山”未来科技城等建设运营"))
    assert all(not s.components for s in find_slogans("新增“二品一标”农产品12个、联合体2家、全国“一村一品”示范乡镇1个"))


def test_glossary_at_the_end_defines_what_the_text_only_names():
    text = "正文提到“一分三统”改革。\n名词解释\n①“一分三统”：分类处置、统一标准、统一平台、统一监管。\n"
    assert glossary(text) == {"一分三统": ["分类处置", "统一标准", "统一平台", "统一监管"]}


def _town(name: str):
    doc = parse_file(TOWNS / name)
    return doc, extract_corpus([doc])[doc.id]


def test_town_of_an_unknown_county_is_left_unresolved_with_a_warning():
    doc, ex = _town("m_town_unknown_county.txt")
    assert doc.place_code is None
    assert any(w.code == "no_place" and "青岗县" in w.message for w in doc.warnings)
    agencies = {e.name for e in ex.entities if e.type == "agency"}
    assert "青岗县石门镇财政所" in agencies
    assert not any(e.type == "place" and e.id.startswith("place:13") for e in ex.entities)  # no Hebei town
    assert "青岗县石门镇纪委" in agencies and not any("牵头" in a for a in agencies)
    kinds = {e.name: e.attrs["kind"] for e in ex.entities if e.type == "agency"}
    assert kinds["青岗县石门镇各村"] == "泛指"  # every village of the town, not one agency


def test_town_implementing_a_chongqing_document_is_a_chongqing_town():
    doc, ex = _town("n_town_chongqing_cited.txt")
    assert doc.place_code and doc.place_code.startswith("50")
    assert all("遵化" not in e.name for e in ex.entities)


def test_town_without_evidence_is_not_guessed():
    doc, _ = _town("o_town_no_evidence.txt")
    assert doc.place_code is None and any(w.code == "no_place" for w in doc.warnings)


def test_real_chains_align_item_by_item():
    """008 → 009 (run-in body, measures regrouped into other parts) and 010 → 011 (numbering
    restarting per section, merged items, a local 重点工程 grouping)."""
    res = evaluate_chains(REAL)
    by = {c["lower"][:3]: c for c in res["chains"]}
    assert res["accuracy"] >= 0.8, [c["errors"] for c in res["chains"]]
    assert by["009"]["accuracy"] >= 0.9, by["009"]["errors"]
    assert by["011"]["accuracy"] >= 0.6, by["011"]["errors"]
