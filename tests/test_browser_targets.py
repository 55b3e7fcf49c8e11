"""Indicator and document pages' targets in a real headless Chromium (fixtures of test_browser):
one row per goal, its statements linked to the text and the indicator table, a chart with round
ticks, a year axis and undated values labelled. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import re

from test_browser import browser, page, pytestmark, server, shot  # noqa: F401 - shared fixtures and marks


def _indicator_with(server_url: str, request, want) -> dict:
    for ind in request.get(server_url + "/api/entities?type=indicator").json():
        e = request.get(server_url + f"/api/entities/{ind['id']}").json()
        if want(e["targets"]):
            return e
    raise AssertionError("no indicator of that kind in the corpus")


def test_indicator_page_targets_and_chart(page, server):  # noqa: F811
    req = page.context.request
    merged = _indicator_with(server, req, lambda ts: any(t["also_stated"] for t in ts))
    page.goto(server + f"/entity/{merged['id']}?lang=zh")
    section = page.wait_for_selector("#targets")
    rows = page.locator("#targets tbody tr")
    assert rows.count() == len(merged["targets"])
    svg = page.locator("#targets svg.chart")
    assert svg.is_visible()
    ticks = [float(x.replace(",", "")) for x in svg.locator("text.tick[text-anchor=end]").all_text_contents()]
    assert len(ticks) >= 3 and all(abs(x - round(x, 1)) < 1e-9 for x in ticks)
    years = svg.locator("text.tick[text-anchor=middle]").all_text_contents()
    assert any(re.fullmatch(r"20\d\d", y) for y in years)
    section.scroll_into_view_if_needed()
    shot(page, "indicator_targets")
    # a further statement links to its provision in the document (the table row, the text)
    t = next(t for t in merged["targets"] if t["also_stated"])
    link = page.locator(f'#targets a[href="/doc/{t["doc_id"]}#p-{t["also_stated"][0]["provision_id"]}"]')
    link.first.click()
    page.wait_for_selector(f'[id="p-{t["also_stated"][0]["provision_id"]}"]')
    shot(page, "indicator_statement_in_document")


def test_undated_targets_are_labelled_in_the_page_language(page, server):  # noqa: F811
    req = page.context.request
    undated = _indicator_with(server, req, lambda ts: len(ts) > 1 and any(not t["year"] for t in ts)
                              and len({t["unit"] for t in ts}) == 1)
    for lang, label in (("zh", "未注明年份"), ("en", "undated")):
        page.goto(server + f"/entity/{undated['id']}?lang={lang}")
        svg = page.wait_for_selector("#targets svg.chart")
        assert label in svg.text_content()
    page.locator("#targets").scroll_into_view_if_needed()
    shot(page, "indicator_undated_en")
