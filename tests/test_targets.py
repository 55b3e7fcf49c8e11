"""Numeric targets and indicator normalisation."""
from __future__ import annotations

import pytest

from corpus.ingest import parse_bytes
from corpus.model import Table
from kg.extract.indicators import IndicatorRegistry, normalise_indicator
from kg.extract.targets import extract_targets, find_targets, table_targets


def _t(sentence, **kw):
    return [(f.indicator, f.value, f.unit, f.comparator) for f in find_targets(sentence, **kw)]


def test_respectively_shares_context():
    assert _t("全镇粮食面积和产量分别稳定在2.4万亩、1万吨以上") == [
        ("粮食面积", 2.4, "万亩", "gte"), ("粮食产量", 1.0, "万吨", "gte")]
    assert _t("确保生猪出栏量、蔬菜和水产品产量分别稳定在30万头、12万吨、3万吨以上")[1] == (
        "蔬菜产量", 12.0, "万吨", "gte")


@pytest.mark.parametrize("sentence,expected", [
    ("第一产业增加值同比增长5%", ("第一产业增加值", 5.0, "%", "increaseBy")),
    ("农业科技进步贡献率达到64%", ("农业科技进步贡献率", 64.0, "%", "gte")),
    ("化肥使用量控制在1.2万吨以内", ("化肥使用量", 1.2, "万吨", "lte")),
    ("农产品网络零售额增长10%左右", ("农产品网络零售额", 10.0, "%", "increaseBy")),
    ("森林覆盖率提高3个百分点", ("森林覆盖率", 3.0, "个百分点", "percentagePoint")),
    ("人均绿地面积不低于12平方米", ("人均绿地面积", 12.0, "平方米", "gte")),
    ("新建农村公路15公里", ("农村公路", 15.0, "公里", "eq")),
    ("力争接待游客5万人次", ("游客", 5.0, "万人次", "eq")),
    ("打造3个示范片区", ("示范片区", 3.0, "个", "eq")),
    ("畜禽粪污综合利用率稳定在约80%", ("畜禽粪污综合利用率", 80.0, "%", "approx")),
    ("力争全市研发经费投入强度达到2.8%", ("研发经费投入强度", 2.8, "%", "gte")),  # a measure, not a funder
    ("林草覆盖率进一步提高到45%", ("林草覆盖率", 45.0, "%", "eq")),  # 进一步: an adverb
    ("管理费用比例可提高到不超过15%", ("管理费用比例", 15.0, "%", "lte")),  # a bound after a verb of change
])
def test_unseen_single_targets(sentence, expected):
    assert _t(sentence) == [expected]


def test_continuation_borrows_prefix_and_year():
    found = find_targets("到2026年，创建乡村振兴示范镇2个，示范村8个，示范户300户")
    assert [(f.indicator, f.value, f.year) for f in found] == [
        ("乡村振兴示范镇", 2.0, 2026), ("乡村振兴示范村", 8.0, 2026), ("乡村振兴示范户", 300.0, 2026)]


def test_not_goals():
    assert _t("持续推进常住人口在200户或500人以上的聚居点污水治理") == []
    assert _t("每个重点产业培育2—3个爆品") == []
    assert _t("倾斜支持17个重点帮扶乡镇发展") == []
    assert _t("每年召开1次现场推进会") == []
    assert _t("并在3个工作日内将更新后的目录报送主管部门") == []  # a time limit
    assert _t("整改期限为6个月") == []
    assert _t("每个社区每年至少发展1名志愿者骨干") == []  # a standing quota per unit


def test_past_achievements_skipped(corpus_docs):
    doc = corpus_docs["002"]
    recs = extract_targets(doc)
    assert recs
    assert not any(doc.provision(r.provision_id).title == "工作基础" for r in recs)
    assert not any(r.value == 1812 for r in recs)
    recs3 = extract_targets(corpus_docs["003"])
    assert not any(r.value == 17384 for r in recs3)  # 十三五 review in the preamble


def test_seed_000_goals(corpus_docs):
    doc = corpus_docs["000"]
    recs = [r for r in extract_targets(doc) if r.provision_id == "part_1"]
    first = recs[0]
    assert (first.indicator, first.value, first.unit, first.comparator, first.year) == (
        "粮食播种面积", 2.4, "万亩", "gte", 2024)
    assert doc.text[first.span.start:first.span.end] == first.span.quote
    assert first.place == doc.place
    mech = next(r for r in recs if "机械化率" in r.indicator)
    assert (mech.value, mech.comparator) == (62.0, "gte")


def test_table_by_header_names(corpus_docs):
    doc = corpus_docs["002"]
    recs = [r for r in extract_targets(doc) if doc.provision(r.provision_id).table is not None]
    by = {r.indicator: r for r in recs}
    row = by["耕地中高标准农田占比"]
    assert (row.value, row.unit, row.comparator, row.year, row.nature) == (70.0, "%", "gte", 2025, "约束性")
    assert row.baseline.value == 68.6 and row.baseline.year == 2020
    assert by["转移就业比重"].baseline is None
    assert "地区生产总值增长" not in by  # non-numeric target (高于全市平均水平)


def test_table_generic_columns():
    table = Table(header=["指标名称", "单位", "2023年基数", "2027年目标", "属性"],
                  rows=[["森林覆盖率（%）", "%", "55", "≥58", "约束性"],
                        ["农民人均收入（元）", "元", "18000", "25000", "预期性"]])
    rows = table_targets(table)
    assert [(r[1], r[3], r[5], r[6], r[7].value, r[8]) for r in rows] == [
        ("森林覆盖率（%）", 58.0, "gte", 2027, 55.0, "约束性"), ("农民人均收入（元）", 25000.0, "eq", 2027, 18000.0, "预期性")]


def test_indicator_normalisation_across_documents(corpus_docs):
    reg = IndicatorRegistry()
    a = extract_targets(corpus_docs["000"], reg)
    b = extract_targets(corpus_docs["001"], reg)
    ids_a = {r.indicator_id for r in a if "贡献率" in r.indicator}
    ids_b = {r.indicator_id for r in b if "贡献率" in r.indicator}
    assert ids_a == ids_b == {"indicator:农业科技进步贡献率"}
    assert normalise_indicator("全县耕地保有量")[0] == "耕地保有量"
    assert normalise_indicator("农作物耕种收综合机械化率")[0] != normalise_indicator("农产品加工转化率")[0]


# An unseen plan of the same genre: goals in the 发展目标 paragraph, again as rows of the indicator
# table and again in the tasks; a ratio cell; a count of experts sent without a goal; a grant cap.
_PLAN = """某某县农村供水保障规划（2026—2030年）

一、发展目标
到2030年，全县农村自来水普及率达到96%，规模化供水工程覆盖农村人口比例达到70%以上，农村供水工程水质达标率提高到93%。
表1 主要指标
序号\t指标\t2025年\t2030年\t属性
1\t农村自来水普及率（%）\t92\t96\t约束性
2\t规模化供水工程覆盖农村人口比例（%）\t55\t≥70\t预期性
3\t城乡供水投入与产出比\t1.2:1\t1.5:1\t预期性
二、重点任务
（一）实施城乡供水一体化。新建和改造供水管网300公里，农村自来水普及率达到96%。
（二）加强专业队伍。每年选派水利专家20名下乡开展指导服务，力争培养村级管水员500名。
（三）落实资金。对新建集中供水工程给予奖补，最高200万元。
"""


@pytest.fixture(scope="module")
def plan():
    doc = parse_bytes(_PLAN.encode("utf-8"), "plan.txt")
    return doc, extract_targets(doc)


def test_one_target_per_statement_with_every_provenance(plan):
    doc, recs = plan
    water = [r for r in recs if r.indicator == "农村自来水普及率"]
    assert len(water) == 1  # the goal paragraph, the table row and the task: one goal
    w = water[0]
    assert (w.source, w.value, w.unit, w.year, w.nature, w.baseline.value) == ("table", 96.0, "%", 2030, "约束性", 92.0)
    statements = w.statements()
    assert [(s.source, s.provision_id) for s in statements] == [
        ("table", "part_1/table_1"), ("text", "part_1"), ("text", "part_2/item_1")]
    for s in statements:  # each one traceable to its sentence or table row
        assert doc.text[s.span.start:s.span.end] == s.span.quote
        assert s.span.quote in s.sentence
    scale = next(r for r in recs if r.indicator.startswith("规模化供水"))
    assert scale.comparator == "gte" and [s.value_text for s in scale.also_stated] == ["70%以上"]
    assert len({(r.indicator_id, r.value, r.year) for r in recs}) == len(recs)


def test_growth_and_level_of_one_number_stay_apart():
    text = "某镇2026年工作要点\n\n一、主要目标\n2026年，全镇农产品加工产值增长8%。\n二、重点工作\n（一）农产品加工转化率达到8%，农产品加工产值增长8%。\n"
    doc = parse_bytes(text.encode("utf-8"), "points.txt")
    recs = extract_targets(doc)
    growth = [r for r in recs if r.comparator == "increaseBy"]
    assert len(growth) == 1 and len(growth[0].also_stated) == 1
    assert any(r.comparator == "gte" and "转化率" in r.indicator for r in recs)


def test_ratio_unit_as_printed(plan):
    _, recs = plan
    ratio = next(r for r in recs if r.indicator == "城乡供水投入与产出比")
    assert (ratio.value, ratio.unit, ratio.value_text, ratio.baseline.value, ratio.baseline.unit) == (
        1.5, ":1", "1.5:1", 1.2, ":1")
    assert f"{ratio.value:g}{ratio.unit}" == "1.5:1"


def test_indicators_measure_something(plan):
    _, recs = plan
    names = {r.indicator for r in recs}
    assert not any("专家" in n for n in names)  # 每年选派…专家20名: a count of persons with no goal
    assert any(r.indicator.endswith("村级管水员") and r.value == 500 for r in recs)  # 力争…500名: a goal
    assert not any(r.value == 200 or "最高" in r.indicator for r in recs)  # a grant's cap, not a goal


def test_undated_task_of_a_dated_plan_takes_its_year(corpus_docs):
    township = corpus_docs["000"]  # a 2024 township plan (2024年主要目标是…); its tasks name no year
    water = next(r for r in extract_targets(township) if r.indicator == "农村自来水普及率")
    assert (water.value, water.year, water.year_basis) == (95.0, 2024, "document")
