"""Resolve ``Document.cites`` to corpus documents.

A citation resolves by 文号 when the cited number equals a corpus document's number;
otherwise by normalised title (issuer prefix before 关于, quotes, punctuation and spaces
ignored) — but only when nothing contradicts it: the corpus document's own printed number
must not differ from the cited one, and a cited issuer naming a place must share that place
with the document's issuers (垫江's 意见 and 重庆's 意见 have the same title). A document that
never prints its own 文号 learns it from the citation (``doc_number_inferred=True``).
Citations outside the corpus keep ``resolved_doc_id=None`` with their issuer, title and number.

>>> normalise_title("重庆市委市政府《关于学习运用“千村示范、万村整治”工程经验…的实施意见》")
'关于学习运用千村示范万村整治工程经验的实施意见'
>>> normalise_number("渝委发[2024] 1号")
'渝委发〔2024〕1号'
"""
from __future__ import annotations

import re

from corpus.model import Citation, Document

_PUNCT = re.compile(r"[\s“”\"‘’「」《》〈〉、，,。：:·•…（）()—\-]")
_GENERIC_ISSUER = re.compile(r"中共|中国共产党|人民政府|政府|委员会|办公室|办公厅|党委|市委|县委|区委|镇委|"
                             r"[省市县区镇乡]|委|自治|、|\s")


def normalise_title(title: str) -> str:
    """Comparable title: from 关于 on (drops the issuer prefix), no quotes or punctuation."""
    t = title
    k = t.find("关于")
    if k > 0:
        t = t[k:]
    return _PUNCT.sub("", t)


def normalise_number(number: str | None) -> str | None:
    if not number:
        return None
    n = re.sub(r"\s+", "", number)
    n = re.sub(r"[\[［【(（]", "〔", n)
    n = re.sub(r"[\]］】)）]", "〕", n)
    return n


def _issuer_core(text: str) -> str:
    return _GENERIC_ISSUER.sub("", text or "")


def _issuers_compatible(cite: Citation, doc: Document) -> bool:
    core = _issuer_core(cite.issuer or "")
    if len(core) < 2:
        return True
    doc_core = _issuer_core(" ".join(doc.issuers) + (doc.place or ""))
    if not doc_core:
        return True
    return any(core[i:i + 2] in doc_core for i in range(len(core) - 1))


def _by_title(cite: Citation, by_title: dict[str, list[Document]], citing: Document) -> Document | None:
    """The first document (corpus order) whose normalised title is the citation's and whose 文号
    and issuer do not contradict it; ``by_title``: normalised title → documents, in corpus order
    (a look-up instead of a scan: the corpus pass stays linear in the number of documents)."""
    key = normalise_title(cite.title)
    if len(key) < 6:
        return None
    number = normalise_number(cite.number)
    for d in by_title.get(key, ()):
        if d.id == citing.id:
            continue
        own = normalise_number(d.doc_number) if not d.doc_number_inferred else None
        if number and own and own != number:
            continue
        if not _issuers_compatible(cite, d):
            continue
        return d
    return None


def resolve_citations(docs: list[Document]) -> list[str]:
    """Fill ``resolved_doc_id`` of every citation in place; infer 文号 of cited documents that
    print none. Returns the ids of documents whose metadata changed (number inferred)."""
    changed: list[str] = []
    by_number: dict[str, Document] = {}
    by_title: dict[str, list[Document]] = {}
    for d in docs:
        n = normalise_number(d.doc_number)
        if n and not d.doc_number_inferred:
            by_number.setdefault(n, d)
        by_title.setdefault(normalise_title(d.title), []).append(d)
    for doc in docs:
        for cite in doc.cites:
            number = normalise_number(cite.number)
            target = by_number.get(number) if number else None
            if target is not None and target.id == doc.id:
                target = None
            if target is None:
                target = _by_title(cite, by_title, doc)
                if target is not None and number and not target.doc_number:
                    target.doc_number = cite.number
                    target.doc_number_inferred = True
                    by_number.setdefault(number, target)
                    changed.append(target.id)
            cite.resolved_doc_id = target.id if target is not None else None
    return changed
