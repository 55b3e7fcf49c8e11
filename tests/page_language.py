"""The one-language-per-page check: the UI text of a rendered page, with documents' own text left out.

A template marks text quoted from a document (titles, provision text, places, entity names) with
``lang="zh-CN"`` and machine identifiers (ids, codes, IRIs, SPARQL) with ``translate="no"``; both
subtrees are skipped. What is left is the page's own wording: on a ``?lang=zh`` page it must hold
no English word, on a ``?lang=en`` page no Chinese character (CJK punctuation included).
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

import lxml.html

#: attributes a reader sees (tooltips, placeholders, labels)
SHOWN_ATTRS = ("title", "placeholder", "aria-label", "alt")
#: names that stay as they are in every language (standards, formats, the product's name)
NAMES = frozenset({"SPARQL", "API", "JSON", "CSV", "IRI", "URL", "ID", "OpenAPI", "policykg", "RDF", "Turtle"})
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")  # CJK characters and punctuation


def _skipped(el) -> bool:
    if not isinstance(el.tag, str):
        return True  # comments, processing instructions
    tag = el.tag.lower().rsplit("}", 1)[-1]
    if tag in ("script", "style", "code"):
        return True  # code: machine text (error codes, query syntax operators)
    return el.get("translate") == "no" or (el.get("lang") is not None and tag != "html")


def ui_text(page: str) -> list[str]:
    """The page's own text pieces (text nodes and shown attributes) outside quoted or machine subtrees."""
    root = lxml.html.document_fromstring(page)
    out: list[str] = []

    def walk(el) -> None:
        if _skipped(el):
            return
        out.extend(v for a in SHOWN_ATTRS if (v := el.get(a)))
        if el.tag == "input" and el.get("type") in ("submit", "button") and el.get("value"):
            out.append(el.get("value"))
        if el.text:
            out.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                out.append(child.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    title = root.find(".//title")
    if title is not None and title.text:  # "subject · app name": the subject may be a document's title
        out.append(title.text.rsplit(" · ", 1)[-1])
    return [s.strip() for s in out if s and s.strip()]


def foreign_words(page: str, lang: str) -> list[str]:
    """UI text in the wrong language: English words on a zh page, Chinese on an en page."""
    bad: list[str] = []
    for piece in ui_text(page):
        if lang == "zh":
            bad += [w for w in LATIN_WORD.findall(piece) if w not in NAMES]
        elif CJK.search(piece):
            bad.append(piece)
    return bad


def page_urls(client) -> list[str]:
    """Every page a built corpus serves: lists, each document, each entity, the cascade of each
    linked (upper, lower) pair, search / precedent / concept with answers and without, the SPARQL
    editor and the error pages (bad filter, unknown id, unknown path). Queries come from the data."""
    docs = client.get("/api/documents").json()
    ents = client.get("/api/entities").json()
    urls = ["/", "/documents", "/entities", "/cascade", "/precedent", "/concept", "/sparql", "/targets"]
    years = sorted({d["year"] for d in docs if d.get("year")})
    urls += ["/documents?sort=date&order=desc", "/entities?offset=50&sort=name", "/targets?sort=value&order=desc"]
    urls += [f"/documents?year={y}" for y in years[:1]]  # says how many undated documents it leaves out
    urls += [f"/doc/{d['id']}" for d in docs]
    urls += [f"/entity/{e['id']}" for e in ents]
    urls += [f"/entities?type={t}" for t in sorted({e["type"] for e in ents})]
    pairs = set()
    for d in docs:
        for link in client.get(f"/api/documents/{d['id']}").json()["chain"]:
            if link.get("doc_id") and link["doc_id"] != d["id"]:
                pairs.add((link["doc_id"], d["id"]))
    urls += [f"/cascade?upper={u}&lower={lo}" for u, lo in sorted(pairs)]
    indicator = next(e["name"] for e in ents if e["type"] == "indicator")
    slogan = next(e["name"] for e in ents if e["type"] == "slogan")
    first = client.get(f"/api/documents/{docs[0]['id']}").json()
    sentence = next(p["text"] for p in first["provisions"] if len(p["text"]) > 30)[:60]
    queries = [("/", {"q": indicator}), ("/", {"q": indicator, "year": years[0] if years else ""}), ("/", {"q": indicator, "sort": "date"}), ("/", {"q": slogan, "scope": "provision"}),
               ("/precedent", {"text": sentence}), ("/concept", {"name": slogan}), ("/concept", {"name": "不存在的提法甲乙"}),
               ("/", {"q": indicator, "level": "nowhere"}), ("/", {"q": indicator, "k": "abc"})]
    urls += [f"{path}?{urlencode(params)}" for path, params in queries]
    return urls + ["/doc/nosuchdoc", "/entity/place:0", "/nosuchpage"]
