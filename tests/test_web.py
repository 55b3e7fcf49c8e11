"""Server-rendered pages on the real bundled corpus: each shows what its JSON twin returns."""
from __future__ import annotations

import html
import itertools
import math
import re
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient

from api.web.app import create_app
from api.web.render import entity_url
from api.service import MAX_QUERY_CHARS

HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client(built_data: Path) -> TestClient:
    return TestClient(create_app(built_data), headers=HTML)


def test_search_page_shows_the_api_results_highlighted(client):
    q = "高标准农田"
    api = client.get("/api/search", params={"q": q}).json()
    page = client.get("/", params={"q": q}).text
    hits = re.findall(r'<article class="hit[ "]', page)
    assert len(hits) == len(api["results"]) > 0
    assert "<mark>" in page
    for r in api["results"]:
        assert f'/doc/{r["doc_id"]}#p-{r["provision_id"]}' in page
        if r["doc_number"]:
            assert html.escape(r["doc_number"]) in page


def test_search_page_without_query_shows_filters(client):
    page = client.get("/").text
    for name in ("level", "place", "doc", "year", "type"):
        assert f'name="{name}"' in page
    assert '<article class="hit">' not in page


def test_search_page_reports_bad_input_inline(client):
    r = client.get("/", params={"q": "粮" * (MAX_QUERY_CHARS + 1)})
    assert r.status_code == 400 and 'class="form-error"' in r.text and 'name="q"' in r.text


def test_document_page_has_tree_entities_and_citations(client, corpus_docs):
    doc = corpus_docs["000"]
    api = client.get(f"/api/documents/{doc.id}", headers={}).json()
    page = client.get(f"/doc/{doc.id}").text
    for p in doc.provisions:
        assert f'id="p-{p.id}"' in page
    linked = {m["entity_id"] for p in api["provisions"] for m in p["mentions"]}
    assert linked and sum(f'href="{entity_url(eid)}"' in page for eid in linked) >= len(linked) * 0.9
    for c in doc.cites:
        assert html.escape(c.title) in page


def test_entity_page_for_an_indicator_draws_a_chart(client):
    indicators = client.get("/api/entities", params={"type": "indicator"}, headers={}).json()
    ind = next(e for e in indicators if e["n_documents"] > 1)
    page = client.get(f"/entity/{ind['id']}").text
    assert '<svg class="chart"' in page and page.count("<circle") >= 2


def _chart_labels(page: str) -> tuple[list[str], list[str]]:
    """(value tick labels, time axis labels) of the page's target chart."""
    svg = page[page.index('<svg class="chart"'): page.index("</svg>")]
    ticks = re.findall(r'text-anchor="(end|middle)" class="tick(?: undated)?">([^<]*)<', svg)
    return [v for a, v in ticks if a == "end"], [v for a, v in ticks if a == "middle"]


def test_indicator_pages_list_each_goal_once_with_readable_axes(client):
    """One row per goal (text and table statements merged, each linked), values with their units,
    round value ticks, years on the time axis and undated values labelled in the page's language."""
    indicators = client.get("/api/entities", params={"type": "indicator"}, headers={}).json()
    seen_merged = seen_undated = 0
    for ind in [e for e in indicators if e["n_documents"] > 1]:
        api = client.get(f"/api/entities/{ind['id']}", headers={}).json()
        page = client.get(f"/entity/{ind['id']}", params={"lang": "zh"}).text
        keys = [(t["doc_id"], t["value"], t["unit"], t["year"], t["comparator"]) for t in api["targets"]]
        assert len(keys) == len(set(keys)), ind["id"]
        rows = page[page.index('id="targets"'):].split("</table>")[0].count("<tr>") - 1
        assert rows == len(api["targets"])
        for t in api["targets"]:
            assert html.escape(t["value_label"]) in page
            assert t["unit"] in t["value_label"]
            for st in t["also_stated"]:
                seen_merged += 1
                assert f'/doc/{t["doc_id"]}#p-{st["provision_id"]}' in page
        if '<svg class="chart"' not in page:
            continue
        values, times = _chart_labels(page)
        nums = [float(v.replace(",", "")) for v in values]
        steps = {round(b - a, 9) for a, b in itertools.pairwise(nums)}
        assert len(steps) == 1, values  # evenly spaced
        step = steps.pop()
        assert round(step / 10 ** math.floor(math.log10(step)), 9) in (1, 2, 5), values  # round steps
        assert all(abs(v / step - round(v / step)) < 1e-6 for v in nums), values
        assert all(re.fullmatch(r"20\d\d", x) or x in ("未注明年份", "目标年份") for x in times), times
        assert "n.d." not in page
        seen_undated += "未注明年份" in times
    assert seen_merged and seen_undated


def test_target_chart_speaks_the_page_language(client):
    indicators = client.get("/api/entities", params={"type": "indicator"}, headers={}).json()
    for ind in indicators:
        e = client.get(f"/api/entities/{ind['id']}", headers={}).json()
        if any(not t["year"] for t in e["targets"]):
            break
    en, zh = (re.sub(r"<[^>]+>", " ", client.get(f"/entity/{ind['id']}", params={"lang": lang}).text)
              for lang in ("en", "zh"))  # the text shown, not markup
    assert "undated" in en and "未注明年份" not in en
    assert "未注明年份" in zh and "undated" not in zh


def test_cascade_page_shows_target_moves(client):
    api = client.get("/api/cascade", params={"upper": "001", "lower": "000"}, headers={}).json()
    page = client.get("/cascade", params={"upper": "001", "lower": "000"}).text
    assert 'id="moves-table"' in page
    for move, cls in (("raised", "mv-raised"), ("lowered", "mv-lowered")):
        n = sum(t["move"] == move for t in api["targets"])
        assert page.count(f'<tr class="{cls}">') == n
    assert page.count('<div class="pair rel-') == len(api["pairs"])


def test_precedent_page_posts_a_draft(client, corpus_docs):
    sentence = corpus_docs["000"].sentences()[5][1].text
    page = client.post("/precedent", data={"text": sentence, "k": "3"}).text
    assert page.count('<article class="hit">') == 3
    assert 'class="btn small copy"' in page and '<script src="/static/js/copy.js"' in page
    assert "navigator.clipboard" in client.get("/static/js/copy.js").text


def test_precedent_page_shows_one_section_per_draft_sentence(client):
    # two sentences lightly edited from 004 （三）and 003 （十九）
    draft = ("各村对照创建指导标准，聚焦创建工作重点难点，结合本村实际情况，有序推进创建工作。"
             "推动实施路长制，完成撤并建制村畅通工程120公里道路建设。")
    api = client.post("/api/precedent", json={"text": draft, "k": 2}, headers={}).json()
    page = client.post("/precedent", data={"text": draft, "k": "2"}).text
    parts = api["parts"]
    assert len(parts) == 2 and page.count('<section class="draft-part"') == 2
    assert page.count('<article class="hit">') == sum(len(p["results"]) for p in parts) == 4
    sections = page.split('<section class="draft-part"')[1:]
    for part, section in zip(parts, sections):
        assert html.escape(part["text"]) in section.split("</h2>")[0]
        assert "<ins>" in section or "<del>" in section  # the edited numbers and words are marked
        for r in part["results"]:
            assert html.escape(r["citation"]["text"]) in section
            assert f'/doc/{r["doc_id"]}#p-{r["provision_id"]}' in section
    ids = re.findall(r'id="(cite-[^"]+)"', page)
    assert len(ids) == len(set(ids)) == 4
    assert set(re.findall(r'data-target="(cite-[^"]+)"', page)) == set(ids)


def test_sparql_page_lists_the_example_queries(client):
    examples = sorted((Path(__file__).parents[1] / "kg" / "queries").glob("*.rq"))
    assert examples
    page = client.get("/sparql").text
    assert "/static/vendor/yasgui/yasgui.min.js" in page
    assert page.count('class="chip example"') == len(examples)


def test_language_toggle(client):
    zh = client.get("/documents").text
    en = client.get("/documents", params={"lang": "en"})
    assert "文件" in zh and "Documents" in en.text and 'lang="en"' in en.text
    assert en.cookies.get("lang") == "en"


def test_html_errors_are_friendly_pages(client):
    r = client.get("/doc/ffffffffffffffff")
    assert r.status_code == 404 and "<html" in r.text and "ffffffffffffffff" in r.text
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "<html" in r.text


def test_pages_reference_only_local_assets(client):
    for path in ("/", "/documents", "/sparql", "/precedent", "/cascade", "/entities", "/docs"):
        page = client.get(path).text
        for url in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert not url.startswith(("http:", "https:", "//")), (path, url)


XSS = '<script>alert("x")</script>'


@pytest.mark.parametrize("url", [
    "/?q=粮食" + XSS, "/?q=粮食&level=" + XSS, "/?q=粮食&doc=" + XSS, "/concept?name=千万工程" + XSS,
    "/entities?q=" + XSS, "/precedent?text=稳定粮食生产" + XSS, "/cascade?upper=001&lower=" + XSS,
    "/doc/" + XSS, "/entity/" + XSS, "/documents?lang=" + XSS,
])
def test_user_input_echoed_into_pages_is_escaped(client, url):
    resp = client.get(url)
    assert resp.status_code < 500
    assert "<script>alert" not in resp.text
    assert "alert" not in resp.text or "&lt;script&gt;alert" in resp.text


def test_highlight_markup_escapes_the_text_it_wraps():
    from api.web.render import mark_query, mark_query_window

    text = "推进<b>粮食</b>生产&安全"
    for out in (str(mark_query(text, "粮食")), str(mark_query_window(text, "粮食", width=3))):
        assert "<mark>粮食</mark>" in out and "<b>" not in out and "&lt;b&gt;" in out


def test_cascade_page_lists_merged_upper_provisions(client, monkeypatch):
    """A lower item that folds two upper items in shows the second under 'merged'."""
    kg = client.app.state.kg
    real = kg.cascade("001", "000")
    up, low = real["pairs"][-1]["upper"], real["pairs"][-1]["lower"]
    fake = {**real, "merged": [{"upper": {**up, "number": "（九十九）", "path": "九、（九十九）", "title": "并入的上级条文"},
                                "lower": low, "score": 0.5}]}
    monkeypatch.setattr(kg, "cascade", lambda upper, lower: fake)
    page = client.get("/cascade", params={"upper": "001", "lower": "000", "lang": "zh"}).text
    assert "并入下级条文的上级条文" in page and "（九十九）" in page and "并入的上级条文" in page


def test_search_page_has_total_paging_sort_syntax_and_copy_citation(client):
    api = client.get("/api/search", params={"q": "高标准农田", "k": 3}).json()
    page = client.get("/", params={"q": "高标准农田", "k": 3}).text
    assert f"1–3 / {api['total']}" in page and 'rel="next"' in page and "offset=3" in page
    assert 'name="sort"' in page and 'id="syntax"' in page and "/s" in page
    assert page.count('class="btn small copy"') == 3
    cited = lxml.html.document_fromstring(page).get_element_by_id("cite-1").text_content()
    assert cited == api["results"][0]["citation"]  # what the copy button copies is the API's citation
    nxt = client.get("/", params={"q": "高标准农田", "k": 3, "offset": 3}).text
    assert f"4–6 / {api['total']}" in nxt and 'rel="prev"' in nxt


def test_concept_page_says_not_found(client):
    page = client.get("/concept", params={"name": "火星移民计划"}).text
    assert 'id="not-found"' in page
    known = client.get("/concept", params={"name": "高标准农田"}).text
    assert 'id="not-found"' not in known and 'id="occurrences"' in known


# ---- issue 19: permalinks, error messages in the page's language, the cascade page in words ------
def _sparql_rows(client, query: str) -> list[dict]:
    r = client.get("/sparql", params={"query": query}, headers={"accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


def test_graph_iris_resolve_to_their_pages(client):
    """Every corpus document, its provisions and every entity: the graph IRI
    (https://w3id.org/policykg/...) answers 303 at /id/... and /iri?u=... with its page."""
    docs = _sparql_rows(client, "PREFIX pk: <https://w3id.org/policykg/ont#> SELECT ?d ?id { ?d pk:docId ?id }")
    assert len(docs) == len(client.get("/api/documents").json())
    for row in docs:
        iri, doc_id = row["d"]["value"], row["id"]["value"]
        path = iri.removeprefix("https://w3id.org/policykg/")
        r = client.get("/id/" + path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/doc/{doc_id}", (iri, r.headers.get("location"))
        assert client.get(r.headers["location"]).status_code == 200
        page = client.get(f"/doc/{doc_id}").text
        assert html.escape(iri) in page  # the document page shows its permalink
    provs = _sparql_rows(client, "PREFIX eli: <http://data.europa.eu/eli/ontology#> PREFIX pk: <https://w3id.org/policykg/ont#> "
                                 "SELECT ?p ?id { ?p eli:is_part_of+ ?d . ?d pk:docId ?id } LIMIT 200")
    assert provs
    for row in provs:
        r = client.get("/iri", params={"u": row["p"]["value"]}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith(f"/doc/{row['id']['value']}#p-"), row
    for e in client.get("/api/entities").json():
        from kg.iris import entity_iri

        r = client.get("/iri", params={"u": entity_iri(e["id"])}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == entity_url(e["id"]), e["id"]
    assert client.get("/iri", params={"u": "https://w3id.org/policykg/nothing/here"}).status_code == 404


@pytest.mark.parametrize("params, zh, en", [
    ({"q": "粮食", "level": "nowhere"}, "层级须为以下之一：中央、省级", "level must be one of Central, Provincial"),
    ({"q": "粮食", "k": "abc"}, "条数须为整数", "results must be a whole number"),
])
def test_form_errors_speak_the_page_language(client, params, zh, en):
    for lang, want in (("zh", zh), ("en", en)):
        page = client.get("/", params={**params, "lang": lang})
        assert page.status_code == 400
        text = lxml.html.document_fromstring(page.text).find_class("form-error")[0].text_content()
        assert text.startswith(want), text
    missing = client.get("/doc/nosuchdoc", params={"lang": "zh"}).text
    assert "没有这样的文件" in missing and "no document" not in missing


def test_cascade_page_in_words(client):
    """Linked pairs in the form, never one document on both sides; slogans with nothing to compare
    counted, not listed; relations and change kinds in words; a similarity per pair."""
    pairs = client.app.state.kg.cascade_pairs()
    assert pairs and all(p["upper"] != p["lower"] for p in pairs)
    assert client.get("/api/cascade/pairs").json() == pairs  # the form's list has its JSON twin
    empty = lxml.html.document_fromstring(client.get("/cascade", params={"lang": "zh"}).text)
    chosen = [s.xpath(".//option[@selected]/@value") for s in empty.xpath("//form[@id='cascade-form']//select")]
    assert chosen[0] != chosen[1] and (chosen[0][0], chosen[1][0]) == (pairs[0]["upper"], pairs[0]["lower"])
    links = empty.xpath("//section[@id='linked-pairs']//li/a/@href")
    assert links == [f"/cascade?upper={p['upper']}&lower={p['lower']}" for p in pairs]
    p = pairs[0]
    api = client.get("/api/cascade", params={"upper": p["upper"], "lower": p["lower"]}).json()
    page = client.get("/cascade", params={"upper": p["upper"], "lower": p["lower"], "lang": "zh"}).text
    doc = lxml.html.document_fromstring(page)
    unlisted = sum(not (s["upper_components"] or s["lower_components"]) for s in api["slogans"])
    assert unlisted == api["summary"]["slogans_unlisted"]
    if api["slogans"]:
        assert len(doc.xpath("//section[@id='slogans']//tbody/tr")) == len(api["slogans"]) - unlisted
        if unlisted:
            assert f"{unlisted} 条两级文件均只提及" in doc.get_element_by_id("slogans-unlisted").text_content()
    pair_text = doc.get_element_by_id("pairs").text_content()
    assert "相似度" in pair_text and not re.search(r"\b(copied|adapted|reworded)\b", pair_text)
    kinds = {c["kind"] for q in api["pairs"] for c in (q["diff"] or {}).get("changes", [])}
    titles = set(doc.xpath("//section[@id='pairs']//del/@title | //section[@id='pairs']//ins/@title"))
    assert kinds and not kinds & titles
    # every aligned row cites both provisions with their full path, each with a copy button
    cites = doc.xpath("//section[@id='pairs']//span[@class='cite-text']")
    assert len(cites) == 2 * len(api["pairs"])
    assert any("、" in c.text_content().split("）")[-1] or "章" in c.text_content() for c in cites)
    assert "上级条款未在下级出现" in page and "上级未落实" not in page
