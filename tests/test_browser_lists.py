"""The home page and the list pages in a real headless Chromium (fixtures of tests/test_browser.py):
the overview and its example links, sorting by a header click, paging, and the export links.
Screenshots go to tests/artifacts/."""
from __future__ import annotations

import csv
import io
import re

from test_browser import browser, page, pytestmark, server, shot  # noqa: F401 - shared fixtures and marks


def test_home_page_shows_the_corpus_and_its_examples_lead_to_answers(page, server):  # noqa: F811
    page.goto(server + "/")
    page.wait_for_selector("#level-year")
    assert page.locator("#level-year tbody tr").count() >= 2
    assert page.locator("#top-concepts a.chip").count() >= 5
    shot(page, "home")
    example = page.locator("a.example-search").first
    query = example.inner_text()
    example.click()
    page.wait_for_selector("article.hit")
    assert page.locator("#q").input_value() == query
    assert query in page.locator("article.hit .hit-text").first.inner_text()
    page.goto(server + "/?lang=en")
    page.wait_for_selector("#corpus-glance")
    assert "The corpus at a glance" in page.locator("#corpus-glance h2").inner_text()
    shot(page, "home-en")
    page.goto(server + "/?lang=zh")


def test_home_page_sparql_example_runs_in_the_editor(page, server):  # noqa: F811
    page.goto(server + "/")
    page.locator("a.example-sparql").first.click()
    rows = page.locator(".yasr table tbody tr >> visible=true")
    rows.first.wait_for(timeout=30000)
    assert rows.count() > 0
    shot(page, "home-sparql-example")


def dates(pg) -> list[str]:
    return [c.inner_text() for c in pg.locator("#list tbody tr td:nth-child(4)").all()]


def test_documents_sort_by_header_click_and_export(page, server):  # noqa: F811
    page.goto(server + "/documents")
    page.wait_for_selector("#list")
    assert "源文件" not in page.locator("#list thead").inner_text()
    page.locator('#list th a[data-sort="date"]').click()
    page.wait_for_selector('#list th[aria-sort="ascending"]')
    asc = dates(page)
    dated = [d for d in asc if re.match(r"\d{4}-", d)]
    assert dated == sorted(dated) and asc[:len(dated)] == dated, "dated first, oldest first; undated last"
    page.locator('#list th a[data-sort="date"]').click()
    page.wait_for_selector('#list th[aria-sort="descending"]')
    desc = dates(page)
    assert [d for d in desc if re.match(r"\d{4}-", d)] == sorted(dated, reverse=True)
    assert desc[len(dated):] == asc[len(dated):], "undated stay last either way"
    shot(page, "documents")
    csv_href = page.locator("#export-csv").get_attribute("href")
    assert "sort=date" in csv_href and "order=desc" in csv_href
    resp = page.request.get(server + csv_href)
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.body().decode("utf-8-sig"))))
    assert [r["date"] or "未注明日期" for r in rows] == desc
    js = page.request.get(server + page.locator("#export-json").get_attribute("href")).json()
    assert [r["id"] for r in js] == [r["id"] for r in rows]


def test_entities_page_through_the_list(page, server):  # noqa: F811
    page.goto(server + "/entities")
    total = int(re.search(r"共 (\d+) 条", page.locator("#showing").inner_text()).group(1))
    assert total > 100 and page.locator("#list tbody tr").count() == 50
    first = page.locator("#list tbody tr a.ent-link").first.inner_text()
    page.locator('a[rel="next"]').click()
    page.wait_for_selector('a[rel="prev"]')
    assert page.locator("#showing").inner_text().startswith("第 51–100 条")
    assert page.locator("#list tbody tr a.ent-link").first.inner_text() != first
    page.locator('#list th a[data-sort="n_mentions"]').click()
    page.wait_for_selector('#list th[aria-sort="ascending"]')
    assert page.locator("#showing").inner_text().startswith("第 1–50 条"), "a new sort starts on page one"
    shot(page, "entities")


def test_targets_page_filters_and_sorts(page, server):  # noqa: F811
    page.goto(server + "/targets?sort=value&order=desc")
    page.wait_for_selector("#list tbody tr")
    assert page.locator("#list tbody tr").count() > 10
    shot(page, "targets")
    page.select_option("#list-filters select[name=level]", index=1)
    page.click("#list-filters button[type=submit]")
    page.wait_for_selector("#list tbody tr")
    level = page.locator("#list tbody tr td:nth-child(2)").all_inner_texts()
    assert len(set(level)) == 1, "one level after filtering"
    assert "sort=value" in page.url, "the filter keeps the sort"


def test_a_search_during_warm_up_shows_the_banner_and_reloads_into_results(browser, built_data, monkeypatch):  # noqa: F811
    import threading

    from app_support import running_server

    import api.service
    from api.service import PolicyKG
    from api.web.app import create_app

    gate = threading.Event()
    real = api.service.SearchIndex.load
    monkeypatch.setattr(api.service.SearchIndex, "load",
                        staticmethod(lambda *a, **kw: gate.wait(60) and real(*a, **kw)))
    kg = PolicyKG(built_data)
    kg.warm(search=False)
    kg.start_warming()
    with running_server(create_app(built_data, kg=kg)) as url:
        ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
        pg = ctx.new_page()
        try:
            pg.goto(url + "/?q=高标准农田")
            assert "正在加载检索模型" in pg.locator("#warming").inner_text()
            assert pg.locator("#q").input_value() == "高标准农田"
            shot(pg, "warming")
            pg.goto(url + "/documents")
            assert pg.locator("#warming").count() == 1 and pg.locator("#list tbody tr").count() > 0
            pg.goto(url + "/?q=高标准农田")
            gate.set()
            pg.wait_for_selector("article.hit", timeout=30000)  # the page reloaded itself
            assert pg.locator("#warming").count() == 0
        finally:
            gate.set()
            ctx.close()
    kg.close()
