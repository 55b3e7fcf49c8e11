"""Citation resolution across the corpus."""
from __future__ import annotations

from corpus.model import Citation, Document
from kg.extract.citations import normalise_title, resolve_citations


def test_seed_resolution(corpus_docs):
    docs = [d.model_copy(deep=True) for d in corpus_docs]
    by_src = {d.source[:3]: d for d in docs}
    changed = resolve_citations(docs)
    d001, d004, d000 = by_src["001"], by_src["004"], by_src["000"]
    assert d001.id in changed
    assert d001.doc_number == "渝委发〔2024〕1号" and d001.doc_number_inferred
    cite = next(c for c in d004.cites if c.number == "渝委发〔2024〕1号")
    assert cite.resolved_doc_id == d001.id
    # 000 cites 垫江's 意见 (same title as 001, other issuer and number): outside the corpus
    assert all(c.resolved_doc_id is None for c in d000.cites)
    assert d000.cites[0].number == "垫江委发〔2024〕1号" and d000.cites[0].issuer


def _doc(i, title, number=None, issuers=(), cites=()):
    return Document(id=i, title=title, doc_number=number, issuers=list(issuers), source=f"{i}.txt",
                    text=title, cites=list(cites))


def test_by_number_and_by_title():
    a = _doc("a", "某县关于推进乡村振兴的实施意见", "某委发〔2023〕3号", ["中共某县委"])
    b = _doc("b", "中共某县委 某县人民政府关于加快农业现代化的意见", None, ["中共某县委"])
    c = _doc("c", "某镇实施方案", cites=[
        Citation(title="关于推进乡村振兴的实施意见", number="某委发[2023] 3号"),
        Citation(title="关于加快农业现代化的意见", number="某委发〔2022〕9号", issuer="某县委县政府"),
        Citation(title="关于加快农业现代化的意见", issuer="东川市委"),
    ])
    resolve_citations([a, b, c])
    assert [x.resolved_doc_id for x in c.cites] == ["a", "b", None]
    assert b.doc_number == "某委发〔2022〕9号" and b.doc_number_inferred
    assert normalise_title("《关于 “X”、Y 的意见》") == "关于XY的意见"
