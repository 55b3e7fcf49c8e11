"""Real crawled government texts (``../shared/real``, 16 documents) against gold written by reading
them (``tests/gold/real``): flattened bodies, run-on 文号 and signatures, titles printed with spaces,
split or repeated, 政府工作报告 without a title block, a notice wrapping two documents, articles.
``python -m api.cli eval real`` prints the same measures."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.pipeline.build
from api.cli import doc_json, main
from api.evaluation.real import FIELDS, evaluate, field_ok, load_gold, provision_counts
from api.pipeline.stages import analysis_stage, extraction_stage, graph_stage
from api.web.app import create_app
from corpus.clean import clean
from corpus.ingest import ingest_dir, parse_bytes
from corpus.metadata import jurisdiction, split_issuers
from corpus.model import Document
from corpus.structure import segment
from kg import iris
from kg.extract import extract_corpus
from kg.graph import document_quads
from kg.store import Store

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"
GOLD = load_gold()


@lru_cache(maxsize=1)
def _docs() -> tuple[dict[str, Document], list]:
    docs, rejected = ingest_dir(REAL)
    return {Path(d.source).stem: d for d in docs}, rejected


def test_every_real_document_is_ingested():
    docs, rejected = _docs()
    assert rejected == [] and set(GOLD) <= set(docs)


@pytest.mark.parametrize("key", sorted(GOLD))
def test_provision_counts(key):
    assert provision_counts(_docs()[0][key]) == GOLD[key]["provisions"]


def test_metadata_accuracy():
    rep = evaluate(REAL)
    assert rep["metadata"] >= 0.9, rep["errors"]
    assert rep["provisions_exact"] == f"{len(GOLD)}/{len(GOLD)}"


@pytest.mark.parametrize("key", [k for k in sorted(GOLD) if not k.startswith(("003_", "004_"))])
@pytest.mark.parametrize("field", FIELDS)
def test_metadata_field(key, field):
    """003/004 are 省直管 county-level cities without a title block: scored in the aggregate only."""
    assert field_ok(GOLD[key], _docs()[0][key], field), getattr(_docs()[0][key], field)


def test_offsets_hold_on_real_documents():
    for doc in _docs()[0].values():
        for p, s in doc.sentences():
            assert doc.text[s.start:s.end] == s.text and s.id.startswith(p.id + "/s_")


def test_flattened_body_gets_its_tree():
    doc = _docs()[0]["009_hebei_2021_130_research_funds"]
    items = [p for p in doc.provisions if p.kind == "item"]
    # numbering runs on across parts: （三） is the first item of 二、
    assert [p.number for p in items][:4] == ["（一）", "（二）", "（三）", "（四）"]
    assert doc.provision("part_2").children[0].endswith("item_3")
    assert doc.provision("part_1").title == "扩大科研项目预算管理自主权"


def test_list_commas_are_not_headings():
    doc = _docs()[0]["027_hebei_hrss_2022_poverty_rural_linkage"]
    assert not any(p.text.startswith("一、市县共享") for p in doc.provisions)
    assert "全省统一、市县共享" in doc.provision("part_2/item_1").text
    assert [p.number for p in doc.provisions if p.parent == "part_2/item_5"] == ["1.", "2.", "3.", "4.", "5."]


def test_inline_lists_of_numerals_stay_text():
    text = ("通知如下：一、推进一、二、三产融合发展（一）推行多证合一、一照一码。甲。第三、第四季度完成。"
            "（二）乙。二、强化保障（一）丙。（二）丁。")
    parts = [(p.kind, p.number) for p in segment(clean(text).text)]
    assert parts == [("preamble", ""), ("part", "一、"), ("item", "（一）"), ("item", "（二）"),
                     ("part", "二、"), ("item", "（一）"), ("item", "（二）")]


def test_numbered_paragraph_in_a_line_based_report_stays_one_paragraph():
    doc = _docs()[0]["007_qiandongnan_gwr_2024"]
    assert not any(p.kind == "point" for p in doc.provisions)


def test_body_stored_twice_and_signature_run_on():
    doc = _docs()[0]["016_hebei_supply_coop_sanwang_2024"]
    assert doc.text.count("补网强网用网”行动，现将有关事项通知如下") == 1
    assert doc.date == "2024-07-04" and doc.text.rstrip().endswith("河北省人民政府办公厅\n2024年7月4日")


def test_doc_number_running_into_the_addressee():
    docs = _docs()[0]
    for key in ("008_cn_gbf_2021_32_research_funds", "010_cn_gf_2014_49_tech_services",
                "011_hebei_2015_18_tech_services"):
        assert docs[key].doc_number == GOLD[key]["doc_number"]
        assert "\n" + GOLD[key]["doc_number"] + "\n" in docs[key].text


def test_work_reports():
    docs = _docs()[0]
    central, spaced = docs["001_cn_state_council_gwr_2024"], docs["007_qiandongnan_gwr_2024"]
    assert (central.title, central.date, central.level, central.issuers) == ("政府工作报告", "2024-03-05", "central", ["国务院"])
    assert (spaced.title, spaced.date, spaced.place, spaced.level) == ("政府工作报告", "2024-01-31", "黔东南州", "prefectural")
    untitled = docs["002_chongqing_gwr_2024"]  # starts at 各位代表：
    assert (untitled.title, untitled.place, untitled.level, untitled.date) == ("政府工作报告", "重庆市", "provincial", None)


def test_unknown_place_is_null_and_warned():
    doc = _docs()[0]["003_tianmen_gwr_2024"]  # the speech never names its city with a suffix
    assert doc.place is None and doc.level == "county"  # 省直管市
    assert [w.code for w in doc.warnings] == ["no_place"]
    assert doc_json(doc)["warnings"] == [{"code": "no_place", "message": doc.warnings[0].message}]


def test_notice_wrapping_two_documents():
    doc = _docs()[0]["018_anhui_industrial_internet_2021_2023"]
    assert doc.title.endswith("行动计划（2021-2023年）的通知") and doc.doc_number == "皖政办秘〔2021〕82号"
    assert [p.number for p in doc.provisions if p.kind == "part"] == [
        "一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "一、", "二、", "三、", "四、"]


def test_articles():
    doc = _docs()[0]["020_aba_gov_data_mgmt_2021"]
    arts = [p for p in doc.provisions if p.kind == "article"]
    assert arts[0].id == "chp_1/art_1" and arts[-1].number == "第四十九条" and arts[-1].parent == "chp_9"
    assert doc.provision("chp_1").title == "总则" and arts[1].title == ""


def test_a_document_that_is_one_table():
    """Category rows (一、… alone in a row) are top-level parts; their rows a table under each."""
    raw = ("某县2024年重点任务清单\n序号\t任务\t责任单位\n一、产业发展\t\t\n1\t建设茶园1000亩\t农业局\n"
           "2\t培育龙头企业\t经信局\n二、乡村建设\t\t\n3\t改厕500户\t住建局\n")
    provs = segment(clean(raw).text)
    parts = [p for p in provs if p.kind == "part"]
    assert [(p.id, p.title) for p in parts] == [("part_1", "产业发展"), ("part_2", "乡村建设")]
    t2 = next(p for p in provs if p.id == "part_2/table_1").table
    assert t2.header == ["序号", "任务", "责任单位"] and t2.rows == [["3", "改厕500户", "住建局"]]


def test_flattened_report_heading_with_a_year():
    text = "各位代表：现在我代表市人民政府向大会报告工作。一、2023年工作回顾（一）稳增长。甲。（二）促转型。乙。二、2024年主要任务（一）抓项目。丙。"
    assert [p.number for p in segment(clean(text).text)][1:] == ["一、", "（一）", "（二）", "二、", "（一）"]


@pytest.mark.parametrize(("issuer", "expected"), [
    ("中共中央 国务院", [("中国", "central"), ("中国", "central")]),
    ("河北省乡村振兴领导小组办公室", [("河北省", "provincial")]),
    ("重庆市乡村振兴局", [("重庆市", "provincial")]),
    ("宣恩县椒园镇水田坝村村民委员会", [("水田坝村", "village")]),
])
def test_issuer_derived_level(issuer, expected):
    assert [jurisdiction(x) for x in split_issuers(issuer)] == expected


def test_letter_spaced_title():
    doc = parse_bytes("关 于 加 强 科 技 服 务 的 通 知\n各市人民政府：\n一、总体要求\n坚持创新。".encode(), "n.txt")
    assert doc.title == "关于加强科技服务的通知"


def test_table_rows_are_not_split_at_inline_numbers():
    row = "1\t（一）建设茶园。（二）培育企业。\t农业局"
    assert row in clean("表1 任务\n序号\t任务\t单位\n" + row + "\n").text


def test_build_rejects_none_and_shows_warnings(tmp_path, monkeypatch, capsys):
    """The real folder builds (parse, extraction, graph; no index) with no rejection; a degraded
    document's warnings are in ``docs --json`` and on its page."""
    monkeypatch.setattr(api.pipeline.build, "STAGES", [extraction_stage, graph_stage, analysis_stage])
    data = tmp_path / "data"
    assert main(["build", "--corpus", str(REAL), "--data", str(data), "--quiet"]) == 0
    assert "0 rejected" in capsys.readouterr().err
    assert main(["docs", "--json", "--data", str(data)]) == 0
    listed = {d["source"]: d for d in json.loads(capsys.readouterr().out)}
    assert len(listed) == len(GOLD)
    tianmen = listed["003_tianmen_gwr_2024.txt"]
    assert [w["code"] for w in tianmen["warnings"]] == ["no_place"]
    page = TestClient(create_app(data), headers={"Accept": "text/html"}).get(f"/doc/{tianmen['id']}").text
    assert '<ul class="doc-warnings' in page and "<code>no_place</code>" in page


def test_inferred_links_between_real_work_reports_stay_inside_each_jurisdiction():
    """Five 政府工作报告 share one title. Each implies the nearest higher report whose jurisdiction
    covers its own: 重庆 → the State Council's; 黔东南 (贵州) and 湖州 (浙江) also go to the State
    Council's, not to 重庆's; 天门, whose speech never names its city, only to the centre's."""
    docs = _docs()[0]
    ext = extract_corpus(list(docs.values()))
    store = Store()
    store.load_documents((d.id, document_quads(d, ext[d.id])) for d in docs.values())
    by_iri = {r["d"].value: r["id"].value for r in store.query("SELECT ?d ?id WHERE { ?d pk:docId ?id }")}
    key_of = {d.id: k for k, d in docs.items()}
    links = {(key_of[by_iri[r["a"].value]], key_of[by_iri[r["b"].value]])
             for r in store.query(f"SELECT ?a ?b WHERE {{ GRAPH <{iris.INFERRED_GRAPH}> {{ ?a eli:applies ?b }} }}")
             if r["a"].value in by_iri and r["b"].value in by_iri}
    central = "001_cn_state_council_gwr_2024"
    for key in ("002_chongqing_gwr_2024", "007_qiandongnan_gwr_2024", "005_huzhou_gwr_2024", "003_tianmen_gwr_2024"):
        assert (key, central) in links
    assert not any(b == "002_chongqing_gwr_2024" for _a, b in links)


def test_flattened_body_starting_right_after_its_title():
    text = "某县乡村振兴实施方案一、总体要求坚持稳中求进。二、重点任务（一）抓产业。甲。（二）抓建设。乙。"
    assert [p.number for p in segment(clean(text).text)][1:] == ["一、", "二、", "（一）", "（二）"]
