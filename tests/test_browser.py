"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Screenshots of each page go to tests/artifacts/. Every request the page makes must stay on
the local server (no CDN, no remote prefix or autocomplete service).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app_support import running_server

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                       "(.ci/run installs it: apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def server(built_data: Path):
    from api.web.app import create_app

    app = create_app(built_data)
    app.state.kg.warm()
    with running_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(20000)
    outside: list[str] = []
    pg.on("request", lambda r: outside.append(r.url)
          if not r.url.startswith((server, "data:", "blob:", "about:")) else None)
    blocked: list[str] = []  # the Content-Security-Policy must not block anything the app uses
    pg.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    ctx.close()
    assert not outside, f"the page reached outside the local server: {outside}"
    assert not blocked, f"blocked by the Content-Security-Policy: {blocked}"


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_search_box_shows_cited_results(page, server):
    page.goto(server + "/")
    page.fill("#q", "高标准农田建设")
    page.press("#q", "Enter")
    page.wait_for_selector("article.hit")
    first = page.locator("article.hit").first
    assert first.locator(".cite-title").inner_text().startswith("《")
    assert first.locator("mark").count() > 0
    shot(page, "search")


def test_document_page(page, server):
    page.goto(server + "/documents")
    page.locator("table.docs-table tbody a").first.click()  # the header links sort
    page.wait_for_selector("#doc-text")
    assert page.locator("#doc-text section.prov").count() > 5
    assert page.locator("#doc-text a.ent").count() > 0
    shot(page, "document")
    page.locator("#doc-text a.ent").first.click()
    page.wait_for_selector("#mentions")
    shot(page, "entity")


def test_cascade_page_shows_target_moves(page, server):
    page.goto(server + "/cascade?upper=001&lower=000")
    table = page.wait_for_selector("#moves-table")
    assert page.locator("#moves-table tbody tr").count() > 0
    table.scroll_into_view_if_needed()
    shot(page, "cascade")


def test_precedent_copy(page, server):
    page.goto(server + "/precedent")
    page.fill("#draft", "到2025年，农作物耕种收综合机械化率达到60%以上")
    page.click("#precedent-form button[type=submit]")
    page.wait_for_selector("article.hit")
    page.locator("button.copy").first.click()
    page.wait_for_selector("button.copy.ok")
    shot(page, "precedent")


def test_sparql_editor_runs_an_example(page, server):
    page.goto(server + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror >> visible=true")
    assert page.locator("button.example").count() >= 1
    page.locator("button.example").first.click()
    rows = page.locator(".yasr table tbody tr >> visible=true")
    rows.first.wait_for(timeout=30000)
    assert rows.count() > 0
    shot(page, "sparql")


def test_api_docs_render_under_the_csp(page, server):
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 10
    shot(page, "api-docs")


# ---- issue 19: pages in one language, full citations with copy buttons, permalinks ---------------
def test_search_results_carry_the_full_citation_in_chinese(page, server):
    page.goto(server + "/?lang=zh&q=" + "高标准农田")
    page.wait_for_selector("article.hit")
    cites = page.locator("article.hit .cite-text")
    assert cites.count() == page.locator("article.hit").count() > 0
    full = [cites.nth(i).inner_text() for i in range(cites.count())]
    assert all(c.startswith("《") and "》" in c for c in full)
    # at least one hit sits below a top-level provision: its citation names both (四、（十）)
    assert any(re.search(r"》(（[^）]*）)?\S+[、章节] ?\S+", c) for c in full), full
    page.locator("article.hit button.copy").first.click()
    page.wait_for_selector("article.hit button.copy.ok")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shot(page, "search-zh")


def test_cascade_page_reads_in_words(page, server):
    page.goto(server + "/cascade?lang=zh")
    linked = page.locator("#linked-pairs li a")
    assert linked.count() >= 1
    # the empty form proposes a linked pair: two different documents
    up = page.locator("select[name=upper]").input_value()
    low = page.locator("select[name=lower]").input_value()
    assert up and low and up != low
    linked.first.click()
    page.wait_for_selector("#pairs .pair.rel-copied, #pairs .pair.rel-adapted, #pairs .pair.rel-reworded")
    body = page.locator("#pairs").inner_text()
    assert "相似度" in body and not re.search(r"\b(copied|adapted|reworded)\b", body)
    titles = page.locator("#pairs ins[title], #pairs del[title]")
    assert titles.count() > 0 and not any("_" in (titles.nth(i).get_attribute("title") or "")
                                          for i in range(min(titles.count(), 40)))
    assert page.locator("#pairs .cite-text").count() >= 2 * page.locator("#pairs .pair:not(.pair-head)").count()
    if page.locator("#slogans-unlisted").count():  # slogans with nothing to compare are counted, not listed
        assert re.match(r"\d+ 条", page.locator("#slogans-unlisted").inner_text())
        assert "两级文件均只提及" not in page.locator("#slogans table").inner_text()
    page.locator("#pairs button.copy").first.click()
    page.wait_for_selector("#pairs button.copy.ok")
    shot(page, "cascade-zh")


def test_sparql_results_show_labels_and_link_to_pages(page, server):
    page.goto(server + "/sparql?lang=zh")
    page.wait_for_selector(".yasqe .CodeMirror >> visible=true")
    names = [page.locator("button.example").nth(i).inner_text() for i in range(page.locator("button.example").count())]
    assert names and all(not re.search(r"[A-Za-z]{4,}", n.replace("SPARQL", "")) for n in names), names
    page.locator("button.example").first.click()
    rows = page.locator(".yasr table tbody tr >> visible=true")
    rows.first.wait_for(timeout=30000)
    page.wait_for_timeout(800)  # the label lookup redraws the table once
    table = page.locator(".yasr table >> visible=true").first.inner_text()
    assert "@zh" not in table and "^^" not in table and "xsd:" not in table
    header = page.locator(".yasr_header >> visible=true").first.inner_text()
    assert "条结果" in header and not re.search(r"[A-Za-z]{3,}", header), header  # the widget's own words too
    links = page.locator(".yasr table tbody a[href^='/iri?u='] >> visible=true")
    assert links.count() > 0
    href = links.first.get_attribute("href")
    shot(page, "sparql-zh")
    page.goto(server + href)
    assert re.search(r"/(doc|entity)/", page.url), page.url


def test_entity_page_cites_every_mention_and_has_a_permalink(page, server):
    page.goto(server + "/entity/slogan:四千行动?lang=zh")
    page.wait_for_selector("#mentions")
    mentions = page.locator("#mentions li")
    assert mentions.count() > 0
    assert page.locator("#mentions li .cite-text").count() == mentions.count()
    assert page.locator("#mentions li button.copy").count() == mentions.count()
    iri = page.locator("#permalink").inner_text().strip()
    assert iri.startswith("https://w3id.org/policykg/")
    page.locator("#permalink a").click()
    page.wait_for_selector("#mentions")
    assert "/entity/slogan:" in page.url
    page.goto(server + "/entity/slogan:四千行动?lang=zh")
    shot(page, "entity-zh")
