"""The query syntax (``embeddings.query``): pure parsing, no index."""
from __future__ import annotations

import pytest

from embeddings.query import HELP, parse, squash


def test_plain_query_is_one_soft_term():
    q = parse("四千行动")
    assert q.plain and not q.strict and q.whole == "四千行动" and q.scope == "provision"


def test_space_is_and_and_width_quotes_punctuation_are_ignored():
    q = parse("高标准农田　建设")  # ideographic space
    assert [[t.key for t in g] for g in q.groups] == [["高标准农田"], ["建设"]]
    assert not q.strict and q.whole == "高标准农田建设"
    assert squash("“千村示范、万村整治”工程") == squash("千村示范万村整治 工程") == "千村示范万村整治工程"
    assert squash("ＡＢＣ２０２４") == "abc2024"


@pytest.mark.parametrize("raw", ['"四千 行动"', "“四千行动”", '"四千行动'])
def test_quotes_make_a_required_phrase(raw):
    q = parse(raw)
    assert [t.key for t in q.terms] == ["四千行动"] and q.terms[0].phrase and q.strict


def test_or_binds_neighbours_and_has_no_whole():
    q = parse("粮食 OR 油料 | 棉花 安全")
    assert [[t.key for t in g] for g in q.groups] == [["粮食", "油料", "棉花"], ["安全"]]
    assert q.whole is None and q.strict


def test_exclusions_and_proximity():
    q = parse("乡村振兴 -旅游 －康养 /s")
    assert [t.key for t in q.exclude] == ["旅游", "康养"] and q.scope == "sentence" and q.proximity
    assert parse("A B 同条").scope == "provision"
    assert parse("A B", scope="sentence").scope == "sentence"
    with pytest.raises(ValueError):
        parse("A", scope="document")


def test_operators_without_terms_leave_no_groups():
    assert not parse("-旅游").groups and not parse("OR /s ，。").groups


def test_help_names_every_operator():
    for op in ('"', "OR", "-", "/s", "/p"):
        assert op in HELP
