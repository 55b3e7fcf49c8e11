"""Ingestion on the real seed documents: structure, metadata, cleaning."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus import BUNDLED_DIR
from corpus.ingest import parse_bytes, parse_file

SEEDS = ["000", "001", "002", "003", "004"]


def raw(prefix: str) -> str:
    return next(BUNDLED_DIR.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


# ----------------------------------------------------------------- structure


@pytest.mark.parametrize("prefix, n", [("000", 34), ("001", 37), ("003", 29)])
def test_item_counts_and_numbering(corpus_docs, prefix, n):
    doc = corpus_docs[prefix]
    items = [p for p in doc.provisions if p.kind == "item"]
    assert len(items) == n
    # printed numbers run （一）…（N） in reading order, each under a part
    from corpus.numerals import cn_number

    assert [cn_number(p.number.strip("（）")) for p in items] == list(range(1, n + 1))
    assert all(doc.provision(p.parent).kind == "part" for p in items)


def test_000_tree_shape(corpus_docs):
    doc = corpus_docs["000"]
    parts = [p for p in doc.provisions if p.kind == "part"]
    assert [p.number for p in parts] == [f"{c}、" for c in "一二三四五六七八九"]
    assert parts[0].title == "总体要求"
    item = doc.provision("part_2/item_1")
    assert item.number == "（一）" and item.title == "全力稳定粮油生产"
    assert item.parent == "part_2" and "part_2/item_1" in doc.provision("part_2").children
    assert doc.provisions[0].id == "preamble"
    # the notice wrapper is the preamble, not a provision of the plan
    assert "关于印发" in doc.provision("preamble").text
    last = doc.provision("part_9/item_34")
    assert last.title == "优化乡村振兴工作推进机制"


def test_002_chapters_sections_boxes_table(corpus_docs):
    doc = corpus_docs["002"]
    kinds = [p.kind for p in doc.provisions]
    assert kinds.count("chapter") == 13
    assert kinds.count("box") == 7
    ch3 = doc.provision("chp_3")
    assert ch3.number == "第三章" and ch3.title == "保持主要帮扶政策总体稳定"
    box = doc.provision("chp_3/sec_1/box_1")
    assert box.number == "专栏1" and box.title == "分类实施驻村行动重点镇村"
    assert "乡村振兴示范村：丛林镇绿水村。" in box.text
    table = next(p for p in doc.provisions if p.kind == "table")
    assert table.number == "表1" and table.parent == "chp_2/sec_3"
    t = table.table
    assert t.header == ["序号", "指  标", "2020年", "2025年", "指标属性"]
    assert ["5", "农村自来水普及率（%）", "88.6", "89", "预期性"] in t.rows
    assert len(t.rows) == 19  # 10 numbered rows + 9 continuation rows of merged cells
    assert t.caption == "表1  “十四五”主要指标表"
    # the running text after the table still belongs to its section
    sec = doc.provision("chp_2/sec_3")
    assert any(s.text.startswith("到2035年") for s in sec.sentences)


def test_headings_start_lines_only(corpus_docs):
    # 一是…二是… in running text and 附件 lists (2.2024年…) are not headings
    doc = corpus_docs["004"]
    assert not [p for p in doc.provisions if p.kind == "point"]
    assert {p.id for p in doc.provisions if p.kind == "part"} == {f"part_{i}" for i in range(1, 6)}


@pytest.mark.parametrize("prefix", SEEDS)
def test_offsets_exact(corpus_docs, prefix):
    doc = corpus_docs[prefix]
    assert len({p.id for p in doc.provisions}) == len(doc.provisions)
    for p in doc.provisions:
        own = doc.text[p.start:p.end]
        # a provision's own text is exact, unless a table interrupts it (002's 第三节 发展目标)
        interrupted = any(doc.provision(c).kind == "table" for c in p.children)
        assert p.text == own or (interrupted and p.text.startswith(own + "\n"))
        for n, s in enumerate(p.sentences, 1):
            assert doc.text[s.start:s.end] == s.text
            assert s.id == f"{p.id}/s_{n}"
            assert s.text == s.text.strip() and s.text
    for c in doc.cites:
        assert doc.text[c.start:c.end].startswith("《")
    interrupted_ids = [p.id for p in doc.provisions if p.text != doc.text[p.start:p.end]]
    assert interrupted_ids == (["chp_2/sec_3"] if prefix == "002" else [])


@pytest.mark.parametrize("prefix", SEEDS)
def test_sentences_cover_the_text(corpus_docs, prefix):
    doc = corpus_docs[prefix]
    spans = sorted((s.start, s.end) for _, s in doc.sentences())
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # no overlap
    covered = "".join(doc.text[a:b] for a, b in spans)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", doc.text)


def test_sentence_split_on_punctuation(corpus_docs):
    item = corpus_docs["000"].provision("part_2/item_1")
    assert item.sentences[0].text == "（一）全力稳定粮油生产。"
    assert item.sentences[-1].text == "（责任单位：镇经济发展板块相关岗位）"


def test_flat_document_is_one_body():
    doc = parse_bytes("这是一段没有任何标题的文字。它只有两句话。".encode(), "flat.txt")
    assert [p.kind for p in doc.provisions] == ["body"]
    assert [s.text for s in doc.provisions[0].sentences] == ["这是一段没有任何标题的文字。", "它只有两句话。"]
    assert any(w.code == "no_structure" and "no recognisable structure" in w.message for w in doc.warnings)


# ----------------------------------------------------------------- metadata


@pytest.mark.parametrize("prefix, title", [
    ("000", "三溪镇学习运用“千村示范、万村整治”工程经验，加快建设巴渝和美乡村，扎实推进乡村全面振兴实施方案"),
    ("001", "中共重庆市委 重庆市人民政府关于学习运用“千村示范、万村整治”工程经验加快建设巴渝和美乡村扎实推进乡村全面振兴的实施意见"),
    ("002", "重庆市万盛经开区巩固拓展脱贫攻坚成果同乡村振兴有效衔接“十四五”规划（2021—2025年）"),
    ("003", "中共开江县委 开江县人民政府关于全面实施乡村振兴战略加快推进农业农村现代化的实施意见"),
    ("004", "龙溪镇2024年巴渝和美乡村创建实施方案"),
])
def test_titles(corpus_docs, prefix, title):
    assert corpus_docs[prefix].title == title


@pytest.mark.parametrize("prefix, number, date, level, place, genre", [
    ("000", None, "2024-04-01", "township", "三溪镇", "实施方案"),
    ("001", None, None, "provincial", "重庆市", "实施意见"),
    ("002", None, None, "county", "万盛经开区", "规划"),
    ("003", None, None, "county", "开江县", "实施意见"),
    ("004", "龙溪委发〔2024〕30号", "2024-04-08", "township", "龙溪镇", "实施方案"),
])
def test_metadata(corpus_docs, prefix, number, date, level, place, genre):
    doc = corpus_docs[prefix]
    assert (doc.doc_number, doc.date, doc.level, doc.place, doc.genre) == (number, date, level, place, genre)
    assert doc.source.startswith(prefix)
    assert re.fullmatch(r"[0-9a-f]{16}", doc.id)


@pytest.mark.parametrize("prefix, issuers", [
    ("000", ["中共垫江县三溪镇委员会", "垫江县三溪镇人民政府"]),
    ("001", ["中共重庆市委", "重庆市人民政府"]),
    ("003", ["中共开江县委", "开江县人民政府"]),
    ("004", ["中共彭水苗族土家族自治县龙溪镇委员会", "彭水苗族土家族自治县龙溪镇人民政府"]),
])
def test_issuers(corpus_docs, prefix, issuers):
    assert corpus_docs[prefix].issuers == issuers


def test_citations(corpus_docs):
    c000 = corpus_docs["000"].cites
    # 000 prints no 文号 of its own; it cites the county's 垫江委发〔2024〕1号, which it applies
    assert [(c.number, c.relation) for c in c000] == [("垫江委发〔2024〕1号", "applies")]
    assert c000[0].issuer == "中共垫江县委、垫江县人民政府"
    assert c000[0].resolved_doc_id is None and c000[0].provision_id == "preamble"
    c001 = corpus_docs["001"].cites[0]
    assert (c001.number, c001.relation) == ("中发〔2024〕1号", "applies")
    c004 = {c.number: c for c in corpus_docs["004"].cites}
    assert c004["渝委发〔2024〕1号"].issuer == "重庆市委市政府"
    assert c004["渝委发〔2024〕1号"].relation == "applies"
    assert "渝委农办〔2024〕5号" in c004
    # the plan a notice wraps is the document itself, not a citation
    assert all(c.title != corpus_docs["004"].title for c in corpus_docs["004"].cites)
    c002 = corpus_docs["002"].cites
    assert [c.relation for c in c002[:3]] == ["based_on"] * 3
    assert c002[1].title == "重庆市巩固拓展脱贫攻坚成果同乡村振兴有效衔接“十四五”规划（2021—2025年）"


def test_chinese_numeral_date_and_own_number_in_print_line():
    text = ("渝府发〔2023〕7号\n\n重庆市人民政府\n关于印发《重庆市某某行动方案》的通知\n\n各区县人民政府：\n\n"
            "现将《重庆市某某行动方案》印发给你们。\n\n重庆市人民政府\n二〇二三年三月五日\n\n"
            "重庆市某某行动方案\n\n一、总体要求\n\n按照《关于某事的通知》（渝办发〔2022〕3号）执行。")
    doc = parse_bytes(text.encode(), "x.txt")
    assert (doc.title, doc.doc_number, doc.date) == ("重庆市某某行动方案", "渝府发〔2023〕7号", "2023-03-05")
    assert (doc.level, doc.place, doc.issuers) == ("provincial", "重庆市", ["重庆市人民政府"])
    assert [(c.number, c.relation) for c in doc.cites] == [("渝办发〔2022〕3号", "based_on")]


# ----------------------------------------------------------------- cleaning


def test_page_break_join(corpus_docs):
    assert "千亿级生\n\n态特色产业" in raw("001")
    text = corpus_docs["001"].text
    assert "千亿级生态特色产业培育" in text
    # every page-broken word of 001 is whole again: no line ends without punctuation mid-paragraph
    assert "盘活农村存量建设用地" in text


def test_stray_spaces_in_numbers(corpus_docs):
    text = corpus_docs["001"].text
    assert "2024 年" in raw("001") and "2024 年" not in text
    assert "2024年的主要目标" in text and "3012万亩" in text and "至少5%的" in text


def test_artifacts_removed_and_footnote_kept(corpus_docs):
    doc = corpus_docs["002"]
    assert "[bookmark:" in raw("002")
    assert "[bookmark" not in doc.text and "footnoteRef" not in doc.text
    assert doc.text.startswith("重庆市万盛经开区")
    (note,) = doc.notes
    assert note.label == "0" and note.text == "即：脱贫不稳定户、边缘易致贫户、突发严重困难户。"
    assert doc.text[:note.anchor].endswith("易返贫致贫户")
    assert "[0:" not in doc.text


def test_full_width_normalisation():
    doc = parse_bytes("一、目标\n到２０２５年，比例达到９５％（约束性）,全面完成。".encode(), "w.txt")
    assert "到2025年，比例达到95%（约束性），全面完成。" in doc.text


def test_id_is_content_hash_and_stable(tmp_path):
    src = next(BUNDLED_DIR.glob("004_*.txt"))
    a = parse_file(src)
    copy = tmp_path / "renamed.txt"
    copy.write_bytes(src.read_bytes())
    b = parse_file(copy)
    assert a.id == b.id and b.source == "renamed.txt"
    import hashlib

    assert a.id == hashlib.sha256(a.text.encode()).hexdigest()[:16]


def test_plain_notice_with_issuer_block_and_closing_signature():
    text = ("渝府办发〔2024〕3号\n\n重庆市人民政府办公厅\n\n关于做好春耕生产工作的通知\n\n各区县人民政府：\n\n"
            "为做好春耕生产，现就有关事项通知如下。\n\n一、稳定面积\n\n确保播种面积稳定。\n\n"
            "重庆市人民政府办公厅\n\n2024年3月1日")
    doc = parse_bytes(text.encode(), "n.txt")
    assert doc.title == "重庆市人民政府办公厅关于做好春耕生产工作的通知"
    assert (doc.doc_number, doc.date, doc.genre) == ("渝府办发〔2024〕3号", "2024-03-01", "通知")
    assert doc.issuers == ["重庆市人民政府办公厅"] and doc.level == "provincial"


@pytest.mark.parametrize("issuer, place, level", [
    ("中共重庆市开州区委", "开州区", "county"),
    ("浙江省湖州市安吉县人民政府", "安吉县", "county"),
    ("中共中央 国务院", "中国", "central"),
    ("四川省达州市人民政府", "达州市", "prefectural"),
    ("重庆市万盛经济技术开发区管理委员会", "万盛经济技术开发区", "county"),
    ("某某县某某镇某某村民委员会", "某某村", "village"),
])
def test_jurisdiction_of_issuers(issuer, place, level):
    from corpus.metadata import jurisdiction

    assert jurisdiction(issuer) == (place, level)


def test_annex_after_the_body_is_a_top_level_provision(corpus_docs):
    """004 ends with 附件：1.… 2.… — the list is an annex, not part of item （五）."""
    doc = corpus_docs["004"]
    annexes = [p for p in doc.provisions if p.kind == "annex"]
    assert [p.parent for p in annexes] == [None]
    assert annexes[0].number == "附件" and "指导标准" in annexes[0].title
    last_item = doc.provision("part_5/item_5")
    assert not any("领导小组" in s.text and s.text.startswith("4.") for s in last_item.sentences)


def test_annex_holds_the_task_table_that_follows_it():
    from corpus.ingest import parse_file

    doc = parse_file(Path(__file__).parent / "unseen2" / "i_huashi_yaodian.txt")
    tables = [p for p in doc.provisions if p.kind == "table"]
    assert tables and all(doc.provision(t.parent).kind == "annex" for t in tables)
    assert "责任单位" in tables[0].table.header


# ----------------------------------------------------------------- limits


def test_repeated_text_is_rejected_with_a_named_reason(tmp_path):
    from corpus.ingest import ingest_dir

    (tmp_path / "repeated.txt").write_text(raw("003") * 30, encoding="utf-8")
    (tmp_path / "ordinary.txt").write_text(raw("000"), encoding="utf-8")
    docs, rejected = ingest_dir(tmp_path)
    assert [d.source for d in docs] == ["ordinary.txt"]
    assert [r.source for r in rejected] == ["repeated.txt"]
    assert rejected[0].reason.startswith("repetitive_text: ") and "about 30 copies" in rejected[0].reason


@pytest.mark.parametrize("path", sorted(Path(__file__).resolve().parents[1].joinpath("../shared/real").glob("*.txt"))
                         + sorted(BUNDLED_DIR.glob("*.txt")), ids=lambda p: p.name)
def test_real_documents_are_not_repetitive(path):
    from corpus.limits import repetition

    assert repetition(path.read_text("utf-8"), 0.05) is None


@pytest.mark.parametrize("var, value, code", [
    ("POLICYKG_MAX_FILE_BYTES", "1000", "file_too_large"),
    ("POLICYKG_MAX_TEXT_CHARS", "5000", "text_too_long"),
    ("POLICYKG_MAX_SENTENCES", "50", "too_many_sentences"),
])
def test_configurable_limits_are_named_rejections(monkeypatch, var, value, code):
    from corpus.limits import LimitRejection

    data = raw("000").encode("utf-8")
    assert parse_bytes(data, "000.txt").text  # within the defaults
    monkeypatch.setenv(var, value)
    with pytest.raises(LimitRejection) as e:
        parse_bytes(data, "000.txt")
    assert e.value.code == code and e.value.reason.startswith(f"{code}: ") and var in e.value.reason


def test_symlinks_are_named_and_nul_bytes_reported(tmp_path):
    from corpus.ingest import ingest_dir

    outside = tmp_path / "outside.txt"
    outside.write_text(raw("004"), encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "link.txt").symlink_to(outside)
    (corpus / "linked_dir").symlink_to(tmp_path)
    text = raw("000")
    (corpus / "nul.txt").write_text(text[:100] + "\x00" + text[100:], encoding="utf-8")
    docs, rejected = ingest_dir(corpus)
    assert [d.source for d in docs] == ["nul.txt"]
    assert ("stripped_nul", "stripped 1 NUL character") in [(w.code, w.message) for w in docs[0].warnings]
    assert {(r.source, r.reason) for r in rejected} == {("link.txt", "symbolic link, not followed"),
                                                        ("linked_dir", "symbolic link, not followed")}
