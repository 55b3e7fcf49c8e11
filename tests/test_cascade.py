"""Cascade analysis on the real seed documents: alignment, diffs, un-localised copying."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.ingest import parse_bytes
from kg.cascade import analyse, jurisdiction_rank
from kg.cascade.align import align, alignment_units, monotone_assign
from kg.cascade.diff import diff_texts
from api.evaluation.cascade import DEFAULT_GOLD, predicted_numbers, score


@pytest.fixture(scope="module")
def city_town(corpus_docs):
    """(001 Chongqing opinion, 000 三溪镇 plan) and their lexical-only analysis."""
    up, low = corpus_docs["001"], corpus_docs["000"]
    return up, low, analyse(up, low)


def _pair(result, lower_number):
    return next(p for p in result.alignment.pairs if p.lower.number == lower_number)


def test_gold_alignment_does_not_regress(city_town):
    up, low, res = city_town
    gold = json.loads(DEFAULT_GOLD.read_text("utf-8"))
    assert gold["upper_source"] == up.source and gold["lower_source"] == low.source
    s = score(gold["alignment"], predicted_numbers(res.alignment, up, low))
    assert s["n"] == 43
    assert s["accuracy"] >= 0.95, s["errors"]
    assert s["local_recall"] == 1.0, s["errors"]
    assert s["local_precision"] >= 0.85, s["errors"]


def test_local_sections_and_upper_gaps(city_town):
    up, low, res = city_town
    local = {u.number for u in res.alignment.lower_only}
    assert {"八、", "（二十八）", "（二十九）", "（三十）", "（十三）"} <= local
    # the city's farmland part has no part of its own in the town plan; its items moved
    assert "四、" in {u.number for u in res.alignment.upper_only}
    assert _pair(res, "（七）").upper.number == "（九）"
    assert not res.alignment.embedding  # lexical only: no encoder given


def test_pairs_are_typed(city_town):
    _, _, res = city_town
    assert _pair(res, "二、").relation == "copied"
    assert _pair(res, "一、").relation in {"adapted", "reworded"}
    assert {p.relation for p in res.alignment.pairs} <= {"copied", "adapted", "reworded"}
    # a pair whose lower is mostly the city's wording with local numbers is 'adapted'
    assert _pair(res, "（二）").relation == "adapted"
    # a town provision written afresh under the same heading is 'reworded'
    assert _pair(res, "（十八）").relation == "reworded"


def test_diff_classifies_the_2024_targets_paragraph(city_town):
    _, _, res = city_town
    changes = _pair(res, "一、").diff.changes
    by_upper = {c.upper: c for c in changes}
    assert by_upper["63.5%"].lower == "64%" and by_upper["63.5%"].kind == "number_changed"
    assert any(c.kind == "place_changed" and "全市" in c.upper and "全镇" in c.lower for c in changes)
    assert any("unit_changed" in c.kinds and "亿斤" in c.upper and "万吨" in c.lower for c in changes)
    assert any(c.kind == "phrase_dropped" and "千万亩" in c.upper for c in changes)
    # offsets point into the compared texts
    for c in changes:
        assert c.upper_end - c.upper_start == len(c.upper) and c.lower_end - c.lower_start == len(c.lower)


def test_diff_obligation_words_on_a_real_sentence(corpus_docs):
    sent = next(s.text for p, s in corpus_docs["000"].sentences() if "确保农村自来水普及率" in s.text)
    softened = sent.replace("确保", "力争")
    d = diff_texts(sent, softened)
    assert [c.kind for c in d.changes] == ["obligation_changed"]
    assert (d.changes[0].upper, d.changes[0].lower) == ("确保", "力争")
    assert [c.kind for c in diff_texts("各地应当建立台账。", "各地可以建立台账。").changes] == ["obligation_changed"]


def test_self_alignment_is_identity(corpus_docs):
    doc = corpus_docs["001"]
    res = analyse(doc, doc)
    tops, leaves = alignment_units(doc)
    assert len(res.alignment.pairs) == len(tops) + len(leaves)
    assert all(p.lower.provision_id == p.upper.provision_id for p in res.alignment.pairs)
    assert all(p.relation == "copied" and not p.diff.changes for p in res.alignment.pairs)


def test_unrelated_documents_align_little(corpus_docs):
    """004 (a 龙溪镇 one-year creation scheme) implements only a sliver of 001."""
    up, low = corpus_docs["001"], corpus_docs["004"]
    al = align(up, low)
    _, leaves = alignment_units(low)
    leaf_pairs = [p for p in al.pairs if p.lower.tier == "leaf"]
    assert len(leaf_pairs) <= len(leaves) // 2


def test_unlocalised_copying_is_flagged(corpus_docs):
    """A 'town' version of the city opinion that localised every 全市 / 我市 but one."""
    up = corpus_docs["001"]
    text = up.text.replace("全市", "全镇").replace("我市", "我镇")
    keep = "持续推进全市农村常住人口"
    assert keep.replace("全市", "全镇") in text
    text = text.replace(keep.replace("全市", "全镇"), keep)
    low = parse_bytes(text.encode("utf-8"), "town_copy.txt").model_copy(update={"level": "township"})
    assert jurisdiction_rank(low) == 4
    res = analyse(up, low)
    flagged = [f for f in res.findings if f["kind"] == "unlocalised_copy"]
    assert len(flagged) == 1 and flagged[0]["word"] == "全市"
    assert flagged[0]["upper_provision_id"] == flagged[0]["provision_id"]


@pytest.mark.parametrize("town, county, within", [("普安镇", "开江县", True), ("三溪镇", "垫江县", False)])
def test_local_copy_only_where_the_lower_document_lies_in_the_upper_place(corpus_docs, town, county, within):
    """A township text that keeps the county plan's 全县 copies the county's wording only when the
    township lies in that county (普安镇 in 开江县); a township of another county (三溪镇, 垫江县)
    saying 全县 names its own county, which is a reference, not a copy."""
    from kg.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    up = corpus_docs["003"]
    assert up.place == "开江县"
    up = up.model_copy(update={"place_code": gaz.lookup("开江县")[0].code})  # as a build places it
    county_code = next(d.code for d in gaz.lookup(county) if d.code[:2] in ("50", "51"))
    code = next(d.code for d in gaz.lookup(town) if gaz.contains(county_code, d.code))
    low = parse_bytes(up.text.encode("utf-8"), "town_copy.txt").model_copy(
        update={"level": "township", "place": town, "place_code": code})
    res = analyse(up, low, gazetteer=gaz)
    copies = [f for f in res.findings if f["kind"] == "unlocalised_copy" and f["word"] == "全县"]
    refs = [f for f in res.findings if f["kind"] == "higher_jurisdiction_reference" and f["word"] == "全县"]
    assert bool(copies) == within and bool(refs) != within
    # one finding per provision and word; repeats are counted
    keys = [(f["kind"], f["provision_id"], f["word"]) for f in res.findings]
    assert len(keys) == len(set(keys)) and any(f["count"] > 1 for f in copies + refs)


def test_higher_jurisdiction_reference_in_town_plan(city_town):
    _, _, res = city_town
    refs = [f for f in res.findings if f["word"] == "全市"]
    # 000 （二十三）: 脱贫人口最低收入不低于全市平均水平 — added locally, not copied from the city text
    assert [(f["number"], f["kind"]) for f in refs] == [("（二十三）", "higher_jurisdiction_reference")]
    assert not any("完全市场" in f["context"] and f["word"] == "全市" for f in res.findings)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 10_000))
def test_monotone_assign_is_optimal(n, m, seed):
    rng = np.random.default_rng(seed)
    score_ = rng.random((n, m))
    t, bp, rp = 0.3, 0.35, 0.05

    def total(a):
        v, last = 0.0, -1
        for i, j in enumerate(a):
            if j is None:
                continue
            v += score_[i, j] - t - (bp if 0 <= j < last else rp if j == last else 0.0)
            last = j
        return v

    best = max(total(a) for a in itertools.product([None, *range(m)], repeat=n))
    assert total(monotone_assign(score_, t, bp, rp)) == pytest.approx(best)
