"""Readers: encodings, formats, bad input, and never crashing on arbitrary bytes."""
from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import BUNDLED_DIR
from corpus.ingest import ingest_dir, parse_bytes, parse_file
from corpus.readers import READERS, IngestError, decode_text, read_bytes


def seed_bytes(prefix: str) -> bytes:
    return next(BUNDLED_DIR.glob(f"{prefix}_*.txt")).read_bytes()


@pytest.mark.parametrize("prefix, encoding", [
    ("000", "gb18030"), ("001", "gb18030"), ("004", "gb18030"), ("002", "gb18030"),
    ("001", "gbk"),  # 000/004 hold characters (•, NBSP) outside GBK
    ("004", "utf-8-sig"), ("003", "utf-16"),
])
def test_encodings_round_trip(corpus_docs, prefix, encoding):
    text = seed_bytes(prefix).decode("utf-8")
    doc = parse_bytes(text.encode(encoding), f"{prefix}.txt")
    ref = corpus_docs[prefix]
    assert doc.text == ref.text and doc.id == ref.id
    assert [p.id for p in doc.provisions] == [p.id for p in ref.provisions]


def test_wrong_codec_is_rejected_not_guessed():
    text = seed_bytes("004").decode("utf-8")
    with pytest.raises(IngestError, match="wrong encoding|not UTF-8|binary content .* as gb18030"):
        decode_text(text.encode("big5", errors="ignore"), "big5.txt")


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"   \n\n  ", "no text"),
    (bytes(range(256)) * 8, "not UTF-8 or GB18030|binary"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary|not UTF-8"),
])
def test_bad_text_inputs(data, reason):
    with pytest.raises(IngestError, match=reason) as e:
        parse_bytes(data, "bad.txt")
    assert e.value.source == "bad.txt" and "bad.txt" in str(e.value)


def test_unknown_extension():
    with pytest.raises(IngestError, match="unsupported file type '.xyz'"):
        parse_bytes(seed_bytes("004"), "plan.xyz")


def _docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("某某镇2024年乡村振兴工作方案")
    d.add_paragraph("一、总体要求")
    d.add_paragraph("（一）稳定粮食生产。确保粮食播种面积稳定在2.4万亩以上。")
    t = d.add_table(rows=2, cols=3)
    for r, row in enumerate([["指标", "2023年", "2025年"], ["粮食产量（万吨）", "1", "1.2"]]):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.add_paragraph("二、保障措施")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_reader_paragraphs_and_tables():
    doc = parse_bytes(_docx_bytes(), "plan.docx")
    assert doc.title == "某某镇2024年乡村振兴工作方案" and doc.genre == "工作方案"
    assert doc.level == "township"
    assert [p.id for p in doc.provisions] == ["preamble", "part_1", "part_1/item_1", "part_1/item_1/table_1", "part_2"]
    table = doc.provision("part_1/item_1/table_1").table
    assert table.header == ["指标", "2023年", "2025年"] and table.rows == [["粮食产量（万吨）", "1", "1.2"]]


def test_truncated_docx_rejected():
    data = _docx_bytes()
    with pytest.raises(IngestError, match="truncated or corrupt"):
        parse_bytes(data[: len(data) // 2], "cut.docx")


def _pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal PDF (Helvetica, ASCII text lines per page) built by hand."""
    n = len(pages)
    kids = " ".join(f"{3 + 2 * k} 0 R" for k in range(n))
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {n} >>"]
    font = 3 + 2 * n
    for k, lines in enumerate(pages):
        content = "BT /F1 12 Tf 14 TL 72 720 Td " + " ".join(f"({ln}) Tj T*" for ln in lines) + " ET"
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * k} 0 R "
                    f"/Resources << /Font << /F1 {font} 0 R >> >> >>")
        objs.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
    objs.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_reader_joins_words_split_by_page_breaks():
    pages = [["Rural revitalisation plan.", "1. Keep the grain output of the county stable and raise out", "- 1 -"],
             ["put of oil crops.", "2. Build high standard farmland."]]
    doc = parse_bytes(_pdf_bytes(pages), "plan.pdf")
    assert "raise output of oil crops." in doc.text and "- 1 -" not in doc.text
    assert [p.number for p in doc.provisions if p.kind == "point"] == ["1.", "2."]


def test_corrupt_pdf_rejected():
    with pytest.raises(IngestError, match="pdf"):
        parse_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "broken.pdf")


def test_html_reader():
    html = ("<html><head><meta charset='gb18030'><title>t</title><script>var x=1;</script></head><body>"
            "<h1>某某县农业农村发展规划</h1><p>一、总体要求</p><p>（一）稳定<b>粮食</b>生产。推广良种。</p>"
            "<table><tr><th>指标</th><th>目标</th></tr><tr><td>粮食产量</td><td>30万吨</td></tr></table>"
            "</body></html>").encode("gb18030")
    doc = parse_bytes(html, "plan.html")
    assert "var x" not in doc.text
    assert doc.title == "某某县农业农村发展规划" and doc.level == "county"
    item = doc.provision("part_1/item_1")
    assert item.title == "稳定粮食生产"
    table = next(p for p in doc.provisions if p.kind == "table").table
    assert table.header == ["指标", "目标"] and table.rows == [["粮食产量", "30万吨"]]


def test_ingest_dir_rejects_bad_files_and_keeps_the_rest(tmp_path):
    (tmp_path / "000.txt").write_bytes(seed_bytes("000"))
    (tmp_path / "004.txt").write_bytes(seed_bytes("004").decode().encode("gb18030"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "junk.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "notes.xyz").write_text("hello")
    data = _docx_bytes()
    (tmp_path / "cut.docx").write_bytes(data[:300])
    (tmp_path / "dup.txt").write_bytes(seed_bytes("000"))
    (tmp_path / "flat.txt").write_text("没有任何标题的一段文字。", encoding="utf-8")
    (tmp_path / "__init__.py").write_text("")  # python sources are not documents
    docs, rejected = ingest_dir(tmp_path)
    assert sorted(d.source for d in docs) == ["000.txt", "004.txt", "flat.txt"]
    reasons = {r.source: r.reason for r in rejected}
    assert set(reasons) == {"empty.txt", "junk.txt", "notes.xyz", "cut.docx", "dup.txt"}
    assert reasons["empty.txt"] == "empty file"
    assert "unsupported" in reasons["notes.xyz"] and "truncated" in reasons["cut.docx"]
    assert "duplicate of 000.txt" in reasons["dup.txt"]


def test_parse_file_missing(tmp_path):
    with pytest.raises(IngestError, match="cannot read"):
        parse_file(tmp_path / "nope.txt")


# ----------------------------------------------------------------- property tests

_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(data=st.binary(max_size=3000), ext=st.sampled_from(sorted(READERS)))
def test_readers_never_crash_on_arbitrary_bytes(data, ext):
    try:
        text = read_bytes(data, "f" + ext)
    except IngestError as e:
        assert e.source == "f" + ext and e.reason
    else:
        assert isinstance(text, str) and text.strip()


@_settings
@given(data=st.binary(max_size=2000), ext=st.sampled_from([".txt", ".docx", ".html"]))
def test_parse_bytes_never_crashes(data, ext):
    try:
        doc = parse_bytes(data, "f" + ext)
    except IngestError:
        return
    for p in doc.provisions:
        for s in p.sentences:
            assert doc.text[s.start:s.end] == s.text


@_settings
@given(text=st.text(alphabet=st.sampled_from(list("一二三四五、（）1.。；\n\t 第章节专栏表年月日县镇村关于印发《》的通知〔〕号2024")),
                    max_size=400))
def test_pipeline_on_heading_soup(text):
    """Text full of heading-like fragments parses with exact offsets and unique ids, or is rejected."""
    try:
        doc = parse_bytes(text.encode("utf-8"), "soup.txt")
    except IngestError:
        return
    assert len({p.id for p in doc.provisions}) == len(doc.provisions)
    for p in doc.provisions:
        for s in p.sentences:
            assert doc.text[s.start:s.end] == s.text
        for c in p.children:
            assert doc.provision(c).parent == p.id
