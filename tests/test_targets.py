"""Numeric targets and indicator normalisation."""
from __future__ import annotations

import pytest

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
