"""One language per page: every page of the built bundled corpus, rendered in ?lang=zh and ?lang=en,
holds no UI text of the other language (documents' own text, marked ``lang="zh-CN"`` in the
templates, and machine identifiers, marked ``translate="no"``, aside; see tests/page_language.py)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from page_language import foreign_words, page_urls, ui_text

from api.web.app import create_app
from api.web.i18n import translator


@pytest.fixture(scope="module")
def client(built_data: Path) -> TestClient:
    return TestClient(create_app(built_data), headers={"accept": "text/html"})


@pytest.fixture(scope="module")
def urls(client) -> list[str]:
    found = page_urls(client)
    assert len(found) > 100  # lists, 5 documents, every entity, cascades, searches, errors
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_ui_text_of_the_other_language(client, urls, lang):
    bad: Counter = Counter()
    where: dict[str, str] = {}
    for url in urls:
        r = client.get(url, params={"lang": lang})
        assert r.headers["content-type"].startswith("text/html"), url
        for w in foreign_words(r.text, lang):
            bad[w[:40]] += 1
            where.setdefault(w[:40], url)
    report = [f"{w!r} ×{n} (e.g. {where[w]})" for w, n in bad.most_common(40)]
    assert not bad, f"{len(bad)} foreign UI strings on ?lang={lang} pages:\n" + "\n".join(report)


def test_the_scan_sees_the_ui_and_not_only_quotations(client, urls):
    """The exclusions stay narrow: the navigation and each page's headings are scanned, and the
    two languages' UI texts differ on every page."""
    for url in urls[:: max(1, len(urls) // 60)]:
        zh = ui_text(client.get(url, params={"lang": "zh"}).text)
        en = ui_text(client.get(url, params={"lang": "en"}).text)
        for lang, pieces in (("zh", zh), ("en", en)):
            t = translator(lang)
            assert t("nav.search") in pieces and t("nav.cascade") in pieces, (url, lang)
        assert set(zh) != set(en), url
