"""List pages and exports on the bundled corpus: paging, sorting, filters that say what they
leave out, CSV/JSON exports of every list and result page, and the home page's overview, whose
numbers and examples are checked against the parsed documents and the live API."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from api.web.app import create_app
from corpus.model import LEVELS

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(built_data: Path) -> TestClient:
    return TestClient(create_app(built_data), headers=HTML)


def english(client: TestClient, path: str, **params: str) -> str:
    """The page in English, without leaving the language cookie behind for the next request."""
    text = client.get(path, params={**params, "lang": "en"}).text
    client.cookies.clear()
    return text


def read_csv(resp) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.content.startswith(b"\xef\xbb\xbf"), "Excel needs the UTF-8 byte-order mark"
    disp = resp.headers["content-disposition"]
    assert disp.startswith("attachment;") and re.search(r'filename="policykg-[\w-]+\.csv"', disp)
    return list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))


def export_links(page_html: str) -> dict[str, str]:
    links = dict(re.findall(r'<a href="([^"]+)" id="export-(json|csv)"', page_html))
    return {kind: href.replace("&amp;", "&") for href, kind in links.items()}


# ------------------------------------------------------------------ sorting, paging
def test_documents_sort_by_date_puts_undated_last_either_way(client, corpus_docs):
    dated = sorted((d.date for d in corpus_docs if d.date), reverse=True)
    n_undated = sum(1 for d in corpus_docs if not d.date)
    assert dated and n_undated, "the bundled corpus has both dated and undated documents"
    for order, expect in (("desc", dated), ("asc", dated[::-1])):
        rows = client.get("/api/documents", params={"sort": "date", "order": order}).json()
        assert [r["date"] for r in rows] == expect + [None] * n_undated


def test_documents_sort_by_level_goes_down_the_hierarchy(client, corpus_docs):
    rows = client.get("/api/documents", params={"sort": "level"}).json()
    ranks = [LEVELS.index(r["level"]) for r in rows]
    assert ranks == sorted(ranks) and len(set(ranks)) > 1
    page = client.get("/documents", params={"sort": "level", "order": "desc"}).text
    shown = re.findall(r'<td[^>]*><a href="/doc/(\w+)">', page)
    level_of = {d.id: d.level for d in corpus_docs}
    assert [LEVELS.index(level_of[i]) for i in shown] == sorted(ranks, reverse=True)


def test_entities_are_paged_and_the_pages_add_up(client):
    everything = client.get("/api/entities")
    total = int(everything.headers["x-total-count"])
    assert total == len(everything.json()) > 100
    seen = []
    for offset in range(0, total, 100):
        part = client.get("/api/entities", params={"offset": offset, "limit": 100})
        assert part.headers["x-total-count"] == str(total)
        seen += [e["id"] for e in part.json()]
    assert seen == [e["id"] for e in everything.json()]

    first = client.get("/entities").text
    rows = re.findall(r'class="ent-link ent-\w+" href="([^"]+)"', first)
    assert len(rows) == 50, "one page of 50, not every entity at once"
    assert f"共 {total} 条" in first and 'rel="next"' in first and 'rel="prev"' not in first
    nxt = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(nxt).text
    assert 'rel="prev"' in second
    assert not set(rows) & set(re.findall(r'class="ent-link ent-\w+" href="([^"]+)"', second))


def test_entities_page_sorts_by_a_column_and_reverses_on_a_second_click(client):
    page = client.get("/entities", params={"sort": "n_mentions", "order": "desc"}).text
    counts = [int(n) for n in re.findall(r'<td class="num">\d+</td><td class="num">(\d+)</td>', page)]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    header = re.search(r'<a class="sort active" data-sort="n_mentions"[^>]*href="([^"]+)"', page).group(1)
    assert "order=asc" in header and 'aria-sort="descending"' in page


def test_bad_sort_or_window_is_one_error_shape(client):
    for params in ({"sort": "colour"}, {"order": "sideways"}, {"offset": "-1", "limit": "5"},
                   {"limit": "0"}, {"format": "xml"}):
        r = client.get("/api/documents", params=params)
        assert r.status_code == 400 and set(r.json()["error"]) == {"code", "message"}, params


def test_documents_page_names_issuers_and_shows_no_source_files(client, corpus_docs):
    page = client.get("/documents").text
    for d in corpus_docs:
        assert d.source not in page, "source file names are not for readers"
        for issuer in d.issuers:
            assert issuer in page
        if d.doc_number:
            assert d.doc_number in page
    assert "发文机关" in page


# ----------------------------------------------------------------- filters that count
def test_year_filter_says_how_many_undated_documents_it_leaves_out(client, corpus_docs):
    years = sorted({d.date[:4] for d in corpus_docs if d.date})
    undated = sum(1 for d in corpus_docs if not d.date)
    year = years[0]
    api = client.get("/api/documents", params={"year": year})
    assert sorted(r["id"] for r in api.json()) == sorted(d.id for d in corpus_docs if d.date and d.date.startswith(year))
    assert api.headers["x-excluded-undated-documents"] == str(undated)
    page = client.get("/documents", params={"year": year}).text
    assert f"{undated} 份未注明日期的文件未列出" in page
    assert f"{undated} undated documents are not listed" in english(client, "/documents", year=year)
    assert "未注明日期的文件未列出" not in client.get("/documents").text

    level = next(d.level for d in corpus_docs if not d.date)
    in_level = sum(1 for d in corpus_docs if not d.date and d.level == level)
    assert client.get("/api/documents", params={"year": year, "level": level}).headers[
        "x-excluded-undated-documents"] == str(in_level)


def test_search_with_a_year_counts_the_undated_documents(client, corpus_docs):
    year = min(d.date[:4] for d in corpus_docs if d.date)
    undated = sum(1 for d in corpus_docs if not d.date)
    res = client.get("/api/search", params={"q": "乡村振兴", "year": year}).json()
    assert res["excluded"] == {"undated_documents": undated}
    assert all(r["doc_id"] in {d.id for d in corpus_docs if d.date} for r in res["results"])
    assert f"{undated} 份未注明日期的文件未列出" in client.get("/", params={"q": "乡村振兴", "year": year}).text
    assert "excluded" not in client.get("/api/search", params={"q": "乡村振兴"}).json()


# ------------------------------------------------------------------------ exports
@pytest.mark.parametrize("path, api, key", [
    ("/documents?sort=date&order=desc", "/api/documents", "id"),
    ("/entities?type=indicator&sort=name", "/api/entities", "id"),
    ("/targets?sort=value&order=desc", "/api/targets", "indicator_id"),
])
def test_every_list_page_links_its_json_twin_and_a_csv_of_all_rows(client, path, api, key):
    page = client.get(path).text
    links = export_links(page)
    assert links["json"].startswith(api + "?") and "offset" not in links["json"]
    rows = client.get(links["json"]).json()
    table = read_csv(client.get(links["csv"]))
    assert [r[key] for r in table] == [str(r[key]) for r in rows]
    shown = page.count("<tr>") - 1
    assert shown == min(len(rows), 50)


def test_csv_cells_are_readable_text(client, corpus_docs):
    table = read_csv(client.get("/api/documents", params={"format": "csv"}))
    by_id = {d.id: d for d in corpus_docs}
    for row in table:
        d = by_id[row["id"]]
        assert row["title"] == d.title
        assert row["issuers"] == "；".join(d.issuers)
        assert row["date"] == (d.date or "")
        assert row["n_provisions"] == str(len(d.provisions))


def test_result_pages_export_what_they_show(client, corpus_docs):
    docs = [client.get(f"/api/documents/{d.id}").json() for d in corpus_docs]
    upper, lower = next((c["resolved_doc_id"], d["id"]) for d in docs for c in d["cites"] if c["resolved_doc_id"])
    cases = [
        ("/?q=高标准农田", "results", "rank"),
        ("/precedent?text=稳定粮食生产", "results", "rank"),
        ("/concept?name=四好农村路", "occurrences", "doc_id"),
        (f"/cascade?upper={upper}&lower={lower}", "pairs", "kind"),
    ]
    for path, field, col in cases:
        links = export_links(client.get(path).text)
        assert set(links) == {"json", "csv"}, path
        as_json = client.get(links["json"]).json()
        table = read_csv(client.get(links["csv"]))
        assert as_json[field], path
        if field == "pairs":
            assert sum(r["kind"] == "pair" for r in table) == len(as_json["pairs"])
            assert sum(r["kind"] == "upper_only" for r in table) == len(as_json["upper_only"])
        else:
            assert len(table) == len(as_json[field]) and all(r[col] for r in table), path
    precedent = read_csv(client.get("/api/precedent", params={"text": "稳定粮食生产", "format": "csv"}))
    assert all(r["citation"].startswith("《") for r in precedent)


# ---------------------------------------------------------------------- home page
def test_home_page_counts_documents_by_level_and_year(client, corpus_docs):
    page = client.get("/").text
    grid = re.search(r'<table class="table small" id="level-year">(.*?)</table>', page, re.DOTALL).group(1)
    years = sorted({int(d.date[:4]) for d in corpus_docs if d.date})
    assert re.findall(r'<th class="num">(\d{4})</th>', grid) == [str(y) for y in years]
    for lv in {d.level for d in corpus_docs}:
        row = re.search(rf'href="/documents\?level={lv}">.*?</tr>', grid, re.DOTALL).group(0)
        total = int(re.findall(r'<td class="num">(\d+)</td>', row)[-1])
        assert total == sum(1 for d in corpus_docs if d.level == lv)
        for y in years:
            n = sum(1 for d in corpus_docs if d.level == lv and d.date and d.date.startswith(str(y)))
            assert (f'year={y}">{n}</a>' in row) == (n > 0)
    assert f"{len(corpus_docs)} 份文件" in page
    assert "The corpus at a glance" in english(client, "/")


def test_home_page_examples_all_have_answers_on_this_corpus(client):
    page = client.get("/").text
    searches = [unquote(q) for q in re.findall(r'class="example-search" href="/\?q=([^"]+)"', page)]
    assert searches
    for q in searches:
        assert client.get("/api/search", params={"q": q}).json()["results"][0]["match"] == "exact", q
    for name in re.findall(r'class="example-concept" href="/concept\?name=([^"]+)"', page):
        assert client.get(f"/api/concept/{name}").json()["found"]
    text = unquote(re.search(r'class="example-precedent" href="/precedent\?text=([^"]+)"', page).group(1))
    best = client.get("/api/precedent", params={"text": text}).json()["results"][0]
    assert best["score"] > 0.95, "the example is a sentence of the corpus: its own precedent comes first"
    pairs = re.findall(r'class="example-cascade" href="/cascade\?upper=(\w+)&amp;lower=(\w+)"', page)
    assert pairs
    for up, low in pairs:
        doc = client.get(f"/api/documents/{low}").json()
        linked = {c["resolved_doc_id"] for c in doc["cites"]} | {c.get("doc_id") for c in doc["chain"]}
        assert up in linked and up != low
        assert client.get("/api/cascade", params={"upper": up, "lower": low}).json()["pairs"]
    queries = [unquote(q) for q in re.findall(r'class="example-sparql" href="/sparql#query=([^"]+)"', page)]
    assert queries
    for q in queries:
        r = client.post("/sparql", data={"query": q}, headers={"accept": "application/sparql-results+json"})
        assert r.status_code == 200 and r.json()["results"]["bindings"], q


def test_home_page_concepts_are_the_most_shared(client):
    page = client.get("/").text
    chips = re.findall(r'class="chip ent-\w+" href="/entity/([^"]+)"[^>]*><span lang="zh-CN">[^<]*</span> '
                       r'<span class="muted">(\d+)</span>', page)
    counts = [int(n) for _, n in chips]
    assert counts and counts == sorted(counts, reverse=True)
    ents = client.get("/api/entities", params={"sort": "n_documents", "order": "desc"}).json()
    best = max(e["n_documents"] for e in ents if e["type"] in ("slogan", "program", "indicator", "brand"))
    assert counts[0] == best


def test_document_and_entity_pages_export_their_provisions_and_mentions(client, corpus_docs):
    doc = max(corpus_docs, key=lambda d: len(d.provisions))
    links = export_links(client.get(f"/doc/{doc.id}").text)
    assert links["json"] == f"/api/documents/{doc.id}"
    table = read_csv(client.get(links["csv"]))
    assert [r["provision_id"] for r in table] == [p.id for p in doc.provisions]
    assert [r["text"] for r in table] == [p.text for p in doc.provisions]

    ent = client.get("/api/entities", params={"sort": "n_mentions", "order": "desc", "limit": 1}).json()[0]
    links = export_links(client.get(f"/entity/{ent['id']}").text)
    detail = client.get(links["json"]).json()
    assert detail["id"] == ent["id"]
    table = read_csv(client.get(links["csv"]))
    assert len(table) == ent["n_mentions"] == detail["n_mentions"]
    assert {r["doc_id"] for r in table} <= {d.id for d in corpus_docs} and all(r["sentence"] for r in table)


def test_overview_of_a_build_without_a_graph_uses_the_stated_citations(built_data, tmp_path, corpus_docs):
    import shutil

    from api.service import PolicyKG

    partial = tmp_path / "no-graph"
    shutil.copytree(built_data, partial, symlinks=True, ignore=shutil.ignore_patterns("graph", "index", "model"))
    kg = PolicyKG(partial)
    pairs = kg.overview()["examples"]["cascade"]
    docs = {d.id: d for d in kg.parsed_documents()}
    assert pairs and not any(p["inferred"] for p in pairs)
    for p in pairs:
        assert p["upper"] in {c.resolved_doc_id for c in docs[p["lower"]].cites}
