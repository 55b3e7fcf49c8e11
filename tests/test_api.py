"""JSON API on the real bundled corpus: documents, search, precedent, entities, cascade, errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.web.app import create_app
from api.service import MAX_DRAFT_CHARS, MAX_QUERY_CHARS, PolicyKG


@pytest.fixture(scope="module")
def client(built_data: Path) -> TestClient:
    return TestClient(create_app(built_data))


def assert_error(resp, status: int, code: str | None = None) -> dict:
    """Every JSON error has the one shape and no stack trace."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body


# ------------------------------------------------------------------ documents
def test_documents_list_every_corpus_file(client, corpus_docs):
    docs = client.get("/api/documents").json()
    assert sorted(d["source"] for d in docs) == sorted(d.source for d in corpus_docs)
    for d in docs:
        assert d["id"] and d["title"] and d["n_provisions"] > 0


@pytest.mark.parametrize("how", ["id", "prefix", "source", "stem", "number"])
def test_document_resolves_every_kind_of_reference(client, corpus_docs, how):
    for doc in corpus_docs:
        stem = Path(doc.source).stem
        ref = {"id": doc.id, "prefix": doc.id[:8], "source": doc.source, "stem": stem,
               "number": stem.split("_")[0]}[how]
        got = client.get(f"/api/documents/{ref}")
        assert got.status_code == 200, (ref, got.text)
        assert got.json()["id"] == doc.id


def test_document_resolves_by_doc_number(client):
    numbered = [d for d in client.get("/api/documents").json() if d["doc_number"]]
    assert numbered, "at least one bundled document prints its 文号"
    for d in numbered:
        assert PolicyKG(client.app.state.kg.data_dir).resolve(d["doc_number"]).id == d["id"]


def test_document_detail_matches_the_parsed_document(client, corpus_docs):
    doc = corpus_docs["000"]
    got = client.get(f"/api/documents/{doc.id}").json()
    assert [p["id"] for p in got["provisions"]] == [p.id for p in doc.provisions]
    assert [c["title"] for c in got["cites"]] == [c.title for c in doc.cites]
    n_mentions = 0
    for p in got["provisions"]:
        for m in p["mentions"]:  # provision-relative offsets that point at the surface text
            assert p["text"][m["start"]:m["end"]] == m["surface"]  # the entity's own words, linked
            n_mentions += 1
    assert n_mentions > 0
    assert got["entities"] and all(e["count"] > 0 for e in got["entities"])


def test_citations_in_and_out_agree(client):
    docs = client.get("/api/documents").json()
    full = {d["id"]: client.get(f"/api/documents/{d['id']}").json() for d in docs}
    outgoing = {(d_id, c["resolved_doc_id"]) for d_id, d in full.items() for c in d["cites"] if c["resolved_doc_id"]}
    incoming = {(c["doc_id"], d_id) for d_id, d in full.items() for c in d["cited_by"]}
    assert outgoing == incoming


def test_document_chain_walks_upwards(client, corpus_docs):
    chain = client.get(f"/api/documents/{corpus_docs['000'].id}").json()["chain"]
    assert chain, "a town plan that implements a county document has a chain above it"
    assert all(c.get("title") for c in chain)


def test_unknown_document_is_404(client):
    assert_error(client.get("/api/documents/ffffffffffffffff"), 404, "not_found")


# --------------------------------------------------------------------- search
def test_search_returns_cited_highlighted_passages(client):
    body = client.get("/api/search", params={"q": "农业科技进步贡献率", "k": 5}).json()
    assert 0 < len(body["results"]) <= 5
    for r in body["results"]:
        assert r["doc_title"] and r["provision_id"] and r["text"]
    top = body["results"][0]
    assert "农业科技" in top["text"]
    assert any(top["text"][s:e] for s, e in top["highlights"])
    assert sum(f["count"] for f in body["facets"]["doc"]) == body["total"] >= len(body["results"])  # the whole result set


def test_search_filters_restrict_results(client, corpus_docs):
    town = client.get("/api/search", params={"q": "粮食生产", "level": "township", "k": 20}).json()
    assert town["results"] and {r["level"] for r in town["results"]} == {"township"}
    one = client.get("/api/search", params={"q": "粮食生产", "doc": "001", "k": 20}).json()
    assert one["results"] and {r["doc_id"] for r in one["results"]} == {corpus_docs["001"].id}


@pytest.mark.parametrize("params", [
    {"q": ""}, {"q": "   "}, {"q": "粮" * (MAX_QUERY_CHARS + 1)}, {"q": "粮食", "k": "many"},
    {"q": "粮食", "k": "0"}, {"q": "粮食", "level": "galactic"}, {"q": "粮食", "year": "twenty"},
    {"q": "粮食", "type": "weather"},
])
def test_search_rejects_bad_input(client, params):
    assert_error(client.get("/api/search", params=params), 400, "bad_request")


def test_search_unknown_document_filter_is_404(client):
    assert_error(client.get("/api/search", params={"q": "粮食", "doc": "nope-404"}), 404)


# ------------------------------------------------------------------ precedent
def test_precedent_finds_a_verbatim_sentence_with_citation(client, corpus_docs):
    doc = corpus_docs["001"]
    sentence = max((s.text for _, s in doc.sentences()), key=len)
    body = client.post("/api/precedent", json={"text": sentence, "k": 3}).json()
    top = body["results"][0]
    assert top["doc_id"] == doc.id and top["text"] == sentence
    assert doc.title in top["citation"]["text"]
    assert all(op["op"] == "equal" for op in top["diff"])


@pytest.mark.parametrize("payload", [{"text": ""}, {"text": "字" * (MAX_DRAFT_CHARS + 1)}, {}, {"text": "粮食", "k": "x"}])
def test_precedent_rejects_bad_input(client, payload):
    assert_error(client.post("/api/precedent", json=payload), 400, "bad_request")


# ------------------------------------------------------------ entities, targets
def test_entities_by_type_and_name(client):
    places = client.get("/api/entities", params={"type": "place"}).json()
    assert places and {e["type"] for e in places} == {"place"}
    name = places[0]["name"]
    named = client.get("/api/entities", params={"q": name}).json()
    assert any(e["id"] == places[0]["id"] for e in named)
    assert_error(client.get("/api/entities", params={"type": "planet"}), 400)


def test_entity_mentions_grouped_by_level(client):
    top = client.get("/api/entities").json()[0]
    e = client.get(f"/api/entities/{top['id']}").json()
    assert e["id"] == top["id"]
    assert sum(len(g["mentions"]) for g in e["mentions_by_level"]) == e["n_mentions"] == top["n_mentions"]
    level_of = {d["id"]: d["level"] or "unknown" for d in client.get("/api/documents").json()}
    for g in e["mentions_by_level"]:
        for m in g["mentions"]:
            assert level_of[m["doc_id"]] == g["level"]
            assert m["quote"] in m["sentence"]
    assert_error(client.get("/api/entities/place:does-not-exist"), 404)


def test_indicator_entity_has_targets_over_levels(client):
    indicators = client.get("/api/entities", params={"type": "indicator"}).json()
    multi = next(e for e in indicators if e["n_documents"] > 1)
    e = client.get(f"/api/entities/{multi['id']}").json()
    assert e["targets"] and all(t["indicator_id"] == multi["id"] for t in e["targets"])


def test_targets_filter_by_indicator(client):
    everything = client.get("/api/targets").json()
    assert everything
    name = everything[0]["indicator"]
    some = client.get("/api/targets", params={"indicator": name}).json()
    assert some and all(name in t["indicator"] or name in t["indicator_text"] for t in some)
    assert len(some) <= len(everything)


# -------------------------------------------------------------------- cascade
def test_cascade_city_to_town(client, corpus_docs):
    body = client.get("/api/cascade", params={"upper": "001", "lower": "000"}).json()
    assert body["pairs"] and body["lower_only"] is not None
    moves = {t["move"] for t in body["targets"]}
    assert moves & {"raised", "lowered", "same"}
    lower_ids = {p.id for p in corpus_docs["000"].provisions}
    assert all(p["lower"]["provision_id"] in lower_ids for p in body["pairs"])


def test_cascade_bad_input(client):
    assert_error(client.get("/api/cascade", params={"upper": "001", "lower": "001"}), 400)
    assert_error(client.get("/api/cascade", params={"upper": "001", "lower": "999"}), 404)
    assert_error(client.get("/api/cascade", params={"upper": "", "lower": "000"}), 400)


def test_concept_groups_occurrences(client):
    body = client.get("/api/concept/千万工程").json()
    assert body["occurrences"]
    assert len({o["doc_id"] for o in body["occurrences"]}) > 1


# --------------------------------------------------------------------- errors
def test_unknown_route_and_method_use_the_error_shape(client):
    assert_error(client.get("/api/no-such-thing"), 404, "not_found")
    assert_error(client.delete("/api/documents"), 405)


def test_internal_errors_are_500_without_trace(built_data):
    class Broken(PolicyKG):
        def documents(self):
            raise RuntimeError("secret internal detail")

    c = TestClient(create_app(built_data, kg=Broken(built_data)), raise_server_exceptions=False)
    body = assert_error(c.get("/api/documents"), 500, "internal")
    assert "secret" not in body["error"]["message"]
    html = c.get("/documents", headers={"accept": "text/html"})
    assert html.status_code == 500 and "secret" not in html.text and "<html" in html.text


def test_openapi_and_offline_docs(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/precedent", "/api/documents/{doc_id}", "/api/cascade"} <= set(spec["paths"])
    page = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_rest_and_cli_give_the_same_cascade(client, built_data, capsys):
    from api.cli import main

    body = client.get("/api/cascade", params={"upper": "001", "lower": "000"}).json()
    assert main(["cascade", "001", "000", "--json", "--data", str(built_data)]) == 0
    assert json.loads(capsys.readouterr().out) == body


def test_one_document_resolver_for_cli_and_api(built_data, corpus_docs, capsys):
    from api.cli import main
    from api.service import resolve_document

    d4 = corpus_docs["004"]
    kg = PolicyKG(built_data)
    for ref in ("4", "004", d4.source, d4.id[:6], d4.doc_number):
        assert resolve_document(list(corpus_docs), ref).id == d4.id == kg.resolve(ref).id
        assert main(["show", ref, "--json", "--data", str(built_data)]) == 0
        assert json.loads(capsys.readouterr().out)["id"] == d4.id


# ----------------------------------------------------------- search pages (issue 13)
def test_search_pages_sorts_and_counts_the_whole_result_set(client, corpus_docs):
    first = client.get("/api/search", params={"q": "高标准农田", "k": 4}).json()
    second = client.get("/api/search", params={"q": "高标准农田", "k": 4, "offset": 4}).json()
    assert first["total"] == second["total"] > 8 and second["offset"] == 4
    keys = [(r["doc_id"], r["provision_id"]) for r in first["results"] + second["results"]]
    assert len(set(keys)) == 8
    assert all(r["match"] == "exact" and r["citation"].startswith("《") for r in first["results"])
    assert sum(f["count"] for f in first["facets"]["level"]) == first["total"]
    dated = {d.id: d.date or "" for d in corpus_docs}
    by_date = client.get("/api/search", params={"q": "高标准农田", "k": 50, "sort": "date"}).json()["results"]
    dates = [dated[r["doc_id"]] for r in by_date if r["match"] == "exact"]
    assert dates == sorted(dates, reverse=True)
    phrase = client.get("/api/search", params={"q": '"四千行动"'}).json()
    assert phrase["strict"] and phrase["total"] == 2
    assert all("四千行动" in r["text"] for r in phrase["results"])


@pytest.mark.parametrize("params", [{"q": "粮食", "offset": "-1"}, {"q": "粮食", "sort": "alphabet"},
                                    {"q": "粮食", "cutoff": "2"}, {"q": "粮食", "scope": "document"},
                                    {"q": "-粮食"}])
def test_search_page_parameters_are_checked(client, params):
    assert_error(client.get("/api/search", params=params), 400, "bad_request")


def test_search_syntax_is_served(client):
    text = client.get("/api/search/syntax").text
    assert "OR" in text and "/s" in text and '"' in text


def test_concept_lists_every_document_that_mentions_it(client, corpus_docs):
    from embeddings.query import squash

    body = client.get("/api/concept/千万工程").json()
    assert body["found"] and {o["match"] for o in body["occurrences"]} <= {"label", "alias"}
    keys = [squash(x) for x in [body["canonical"], *body["aliases"]]]
    truth = {d.id for d in corpus_docs if any(k in squash(s.text) for _, s in d.sentences() for k in keys)}
    assert {d["doc_id"] for d in body["documents"]} >= truth and len(truth) >= 3
    assert all(n["match"] == "semantic" for n in body["neighbours"])


def test_unknown_concept_is_not_found_with_few_marked_suggestions(client):
    body = client.get("/api/concept/火星移民计划").json()
    assert body["found"] is False and not body["occurrences"] and not body["chain"]
    assert len(body["neighbours"]) <= 3 and all(n["match"] == "suggestion" for n in body["neighbours"])
