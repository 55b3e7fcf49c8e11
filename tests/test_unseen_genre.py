"""Generalisation to documents of the genre the rules were NOT tuned on.

``tests/unseen/`` holds hand-written plans of other towns, counties, a district and a village
(工作要点 wrapped in a 印发 notice, a chaptered 县 实施方案, a notice without 《》 around the
plan title, a GB18030 village plan with full-width digits and page breaks, an HTML 街道 page
with a target table). Each ``X.json`` beside them was written by reading ``X`` and states the
metadata, provision counts, targets, slogans (with components), programs, places and
responsibility lists a reader would take from it. Run ``python -m tests.test_unseen_genre``
to print the scores.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from corpus.ingest import parse_bytes
from corpus.model import Document
from kg.records import DocumentExtraction
from tests.unseen_support import load_fixtures, norm, responsibility_scores, slogan_scores, target_scores

UNSEEN = Path(__file__).resolve().parent / "unseen"
SPECS = sorted(UNSEEN.glob("*.json"))
IDS = [p.stem for p in SPECS]


def _corpus() -> tuple[dict[str, Document], dict[str, DocumentExtraction], dict[str, dict]]:
    return load_fixtures(UNSEEN)


# ------------------------------------------------------------------------------- metadata

@pytest.mark.parametrize("key", IDS)
@pytest.mark.parametrize("field", ["title", "doc_number", "date", "level", "place", "issuers", "genre"])
def test_metadata(key, field):
    docs, _, specs = _corpus()
    assert getattr(docs[key], field) == specs[key][field]


@pytest.mark.parametrize("key", IDS)
def test_place_code_resolved(key):
    docs, _, specs = _corpus()
    assert docs[key].place_code == specs[key]["place_code"]


@pytest.mark.parametrize("key", IDS)
def test_provision_counts(key):
    docs, _, specs = _corpus()
    counts: dict[str, int] = {}
    for p in docs[key].provisions:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    assert {k: counts.get(k, 0) for k in specs[key]["provisions"]} == specs[key]["provisions"]


def test_structure_offsets_and_cleaning():
    docs, _, specs = _corpus()
    for key, doc in docs.items():
        for p, s in doc.sentences():
            assert doc.text[s.start:s.end] == s.text and s.id.startswith(p.id + "/s_")
        for phrase in specs[key].get("joined", []):  # page-broken lines re-joined, widths normalised
            assert phrase in doc.text, phrase
        for phrase in specs[key].get("absent_text", []):  # html navigation / scripts dropped
            assert phrase not in doc.text, phrase
        assert not re.search(r"[０-９]|\d \d|\d (?:年|月|日|亩|户|盏)", doc.text), key


# ------------------------------------------------------------------------------- extraction

@pytest.mark.parametrize("key", IDS)
def test_targets(key):
    _, ex, specs = _corpus()
    sc = target_scores(specs[key], ex[key])
    assert sc["recall"] >= 0.9, sc["missed"]
    assert sc["precision"] >= 0.85, sc["spurious"]


@pytest.mark.parametrize("key", IDS)
def test_slogans(key):
    _, ex, specs = _corpus()
    sc = slogan_scores(specs[key], ex[key])
    assert sc["names"] == 1.0 and not sc["false_slogans"], sc
    assert sc["components"] == 1.0, sc["wrong_components"]


@pytest.mark.parametrize("key", IDS)
def test_responsibilities(key):
    _, ex, specs = _corpus()
    sc = responsibility_scores(specs[key], ex[key])
    assert sc["precision"] == 1.0 and sc["recall"] == 1.0, (sc["missed"], sc["spurious"])
    assert sc["lead"] == 1.0


@pytest.mark.parametrize("key", IDS)
def test_programs_and_aliases(key):
    docs, ex, specs = _corpus()
    programs = {e.name: e for e in ex[key].entities if e.type == "program"}
    for g in specs[key]["programs"]:
        assert g["name"] in programs, sorted(programs)
        assert g["alias"] in programs[g["name"]].aliases
        # the alias used later in the text points at the same program
        later = [m for m in ex[key].mentions if m.entity_id == programs[g["name"]].id and g["alias"] in m.surface]
        assert later, g


@pytest.mark.parametrize("key", IDS)
def test_places_resolved_in_document_county(key):
    docs, ex, specs = _corpus()
    ents = {e.name: e for e in ex[key].entities if e.type == "place"}
    for name, code in specs[key].get("places", {}).items():
        assert name in ents and ents[name].attrs.get("admin_code") == code, (name, ents.get(name))


@pytest.mark.parametrize("key", IDS)
def test_citations(key):
    docs, _, specs = _corpus()
    cites = {norm(c.title): c for c in docs[key].cites}
    for g in specs[key].get("citations", []):
        assert norm(g["title"]) in cites, sorted(cites)
        assert cites[norm(g["title"])].number == g["number"]
    for title in specs[key].get("not_citations", []):
        assert norm(title) not in cites


def test_formats_agree():
    """The same plan read from .txt and from .docx gives the same metadata and targets."""
    docx = pytest.importorskip("docx")
    docs, ex, specs = _corpus()
    src = UNSEEN / specs["b_xichong_fangan"]["source"]
    d = docx.Document()
    for line in src.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            d.add_paragraph(line)
    buf = io.BytesIO()
    d.save(buf)
    doc = parse_bytes(buf.getvalue(), "b.docx")
    ref = docs["b_xichong_fangan"]
    assert (doc.title, doc.doc_number, doc.date, doc.place) == (ref.title, ref.doc_number, ref.date, ref.place)
    assert [p.id for p in doc.provisions] == [p.id for p in ref.provisions]


def report() -> dict:
    """Scores per fixture (printed by ``python -m tests.test_unseen_genre``)."""
    docs, ex, specs = _corpus()
    out = {}
    for key in IDS:
        spec, doc = specs[key], docs[key]
        meta = {f: getattr(doc, f) == spec[f] for f in ("title", "doc_number", "date", "level", "place",
                                                        "issuers", "genre")}
        meta["place_code"] = doc.place_code == spec["place_code"]
        out[key] = {"metadata": meta, "targets": target_scores(spec, ex[key]),
                    "slogans": slogan_scores(spec, ex[key]),
                    "responsibilities": responsibility_scores(spec, ex[key])}
    return out


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(report(), ensure_ascii=False, indent=1, default=str))
