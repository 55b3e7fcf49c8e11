"""Shared helpers for the graph tests: the extraction of the bundled corpus (the real one when
``kg.extract.extract_corpus`` exists, else a small hand-made one read from the documents' text)."""
from __future__ import annotations

import re

from corpus.model import Document
from kg.records import DocumentExtraction, Entity, Mention, ResponsibilityRecord, SloganRecord, Span, TargetRecord

_NUM = "一二三四五六七八九十两"


def _span(doc: Document, pid: str, sid: str, start: int, end: int) -> Span:
    return Span(doc_id=doc.id, provision_id=pid, sentence_id=sid, start=start, end=end, quote=doc.text[start:end])


def handmade_extraction(docs: list[Document]) -> dict[str, DocumentExtraction]:
    """Targets of ``…率达到N%``, slogans ``以A、B…“四X行动”为…``, ``（责任单位：…）`` lists."""
    out = {}
    for doc in docs:
        ext = DocumentExtraction(doc_id=doc.id)
        ents: dict[str, Entity] = {}
        for p, s in doc.sentences():
            for m in re.finditer(r"([\u4e00-\u9fff]{2,12}率)达到(\d+(?:\.\d+)?)%", s.text):
                a, b = s.start + m.start(), s.start + m.end()
                iid = f"indicator:{m.group(1)}"
                ents[iid] = Entity(id=iid, type="indicator", name=m.group(1))
                ext.targets.append(TargetRecord(
                    indicator=m.group(1), indicator_id=iid, indicator_text=m.group(1), value=float(m.group(2)),
                    unit="%", comparator="gte", year=None, value_text=m.group(2) + "%", place=doc.place,
                    doc_id=doc.id, provision_id=p.id, sentence=s.text, span=_span(doc, p.id, s.id, a, b)))
                ext.mentions.append(Mention(entity_id=iid, surface=m.group(1), span=_span(doc, p.id, s.id, a, b)))
            for m in re.finditer(rf"以([^“”。；]+?)“([{_NUM}][^”]{{1,6}})”为", s.text):
                parts = [c for c in re.split(r"、", m.group(1).split("，")[-1]) if c]
                name = m.group(2)
                sid_ = f"slogan:{name}"
                ents[sid_] = Entity(id=sid_, type="slogan", name=name)
                numeral = _NUM.index(name[0]) + 1 if name[0] != "两" else 2
                a, b = s.start + m.start(), s.start + m.end()
                ext.slogans.append(SloganRecord(name=name, slogan_id=sid_, numeral=numeral, components=parts,
                                                count_matches=numeral == len(parts), defined=True, doc_id=doc.id,
                                                provision_id=p.id, span=_span(doc, p.id, s.id, a, b)))
                ext.mentions.append(Mention(entity_id=sid_, surface=name, span=_span(doc, p.id, s.id, a, b)))
            for m in re.finditer(r"（责任单位：([^）]+)）", s.text):
                units = [u for u in re.split(r"[、，]", m.group(1).split("。")[0]) if u]
                ids = [f"agency:{u}" for u in units]
                for u, i in zip(units, ids):
                    ents[i] = Entity(id=i, type="agency", name=u)
                a, b = s.start + m.start(), s.start + m.end()
                ext.responsibilities.append(ResponsibilityRecord(
                    doc_id=doc.id, provision_id=p.id, units=units, lead=units[:1], cooperating=[], unit_ids=ids,
                    span=_span(doc, p.id, s.id, a, b)))
        ext.entities = sorted(ents.values(), key=lambda e: e.id)
        out[doc.id] = ext
    return out


def corpus_extraction(docs: list[Document]) -> dict[str, DocumentExtraction]:
    """The real extraction when available, else the hand-made one."""
    try:
        from kg.extract import extract_corpus
    except ImportError:
        return handmade_extraction(docs)
    return extract_corpus(docs)


_CACHE: dict[tuple, tuple] = {}


def graph_inputs(corpus_docs) -> tuple[list[Document], dict[str, DocumentExtraction]]:
    """(deep copies of the documents, their extraction), computed once per session; read-only."""
    key = tuple(d.id for d in corpus_docs)
    if key not in _CACHE:
        docs = [d.model_copy(deep=True) for d in corpus_docs]
        _CACHE[key] = (docs, corpus_extraction(docs))
    return _CACHE[key]


def graph_store(corpus_docs, tmp_path_factory, name: str):
    """(documents, extraction, path of a freshly built on-disk graph store) in a temp dir; the
    build's store handle is released so that other processes (SPARQL workers) may open it."""
    import gc

    from kg.store import build_store

    docs, ext = graph_inputs(corpus_docs)
    path = tmp_path_factory.mktemp(name) / "graph"
    store = build_store(path, docs, ext)
    del store
    gc.collect()
    return docs, ext, path
