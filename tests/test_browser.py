"""The web UI in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

Screenshots of each page go to tests/artifacts/. Every request the page makes must stay on
the local server (no CDN, no remote prefix or autocomplete service).
"""
from __future__ import annotations

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
