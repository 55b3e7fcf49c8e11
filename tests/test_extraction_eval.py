"""Extraction quality against the hand-written gold files, the orchestrator, the build stage
and the CLI views."""
from __future__ import annotations

import json

import pytest

from api.evaluation.extraction import GOLD_DIR, evaluate_all, evaluate_targets
from api.datadir import load_extractions
from api.pipeline.context import BuildContext
from api.pipeline.stages import extraction_stage
from kg.extract import extract_corpus
from api.views.facts import entities_view, slogans_view, targets_view

# what the rules reach on the seeds (api.evaluation.extraction); the floor tests keep them there
FLOORS = {"slogans": (1.0, 1.0), "slogan_names": (1.0, 1.0), "targets": (1.0, 1.0)}


@pytest.fixture(scope="module")
def corpus(corpus_docs):
    docs = [d.model_copy(deep=True) for d in corpus_docs]
    return docs, extract_corpus(docs)


def test_quality_floors(corpus):
    docs, ex = corpus
    res = evaluate_all(docs, ex)
    for name, (p, r) in FLOORS.items():
        assert res[name]["precision"] >= p, (name, res[name], res["errors"][:10])
        assert res[name]["recall"] >= r, (name, res[name], res["errors"][:10])
    assert res["targets"]["year_accuracy"] >= 1.0
    assert res["targets"]["nature_accuracy"] == 1.0 and res["targets"]["baseline_accuracy"] == 1.0
    if "responsibilities" in res:
        assert res["responsibilities"]["precision"] >= 0.95 and res["responsibilities"]["recall"] >= 0.95


def test_eval_detects_errors(corpus, tmp_path):
    docs, ex = corpus
    gold = json.loads((GOLD_DIR / "targets.json").read_text(encoding="utf-8"))
    spec = gold["documents"]["000_08c1a4648f21665b.txt"]
    spec["targets"][0]["value"] = 999
    path = tmp_path / "targets.json"
    path.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    res = evaluate_targets(path, docs, ex)["targets"]
    assert res["recall"] < 1.0 and res["precision"] < 1.0


def test_orchestrator_entities(corpus):
    docs, ex = corpus
    by_src = {d.source[:3]: d for d in docs}
    e000 = ex[by_src["000"].id]
    types = {e.type for e in e000.entities}
    assert types == {"place", "agency", "program", "slogan", "brand", "indicator"}
    assert len({e.id for e in e000.entities}) == len(e000.entities)  # deduplicated
    ids = {e.id for e in e000.entities}
    assert all(m.entity_id in ids for m in e000.mentions)
    for m in e000.mentions[:200]:
        assert by_src["000"].text[m.span.start:m.span.end] == m.span.quote
    assert e000.responsibilities  # the sibling extractor ran
    assert by_src["001"].doc_number == "渝委发〔2024〕1号"  # citations resolved first


def test_stage_and_views(corpus_docs, tmp_path):
    docs = [d.model_copy(deep=True) for d in corpus_docs]
    (tmp_path / "documents").mkdir()
    ctx = BuildContext(docs=docs, rejected=[], staging_dir=tmp_path, previous_dir=None)
    extraction_stage(ctx)
    assert len(list((tmp_path / "extraction").glob("*.json"))) == len(docs)
    extraction = load_extractions(tmp_path / "extraction")
    assert set(extraction) == {d.id for d in docs}
    json.dumps(ctx.results["extraction_stage"])
    d001 = next(d for d in docs if d.source.startswith("001"))
    saved = json.loads((tmp_path / "documents" / f"{d001.id}.json").read_text(encoding="utf-8"))
    assert saved["doc_number_inferred"] is True

    records, sources = extraction.values(), {d.id: d.source for d in docs}
    slogans = slogans_view(records, sources, doc="000")
    four = next(s for s in slogans if s["name"] == "四千行动" and s["components"])
    assert set(four) >= {"name", "doc_id", "numeral", "components", "count_matches", "provision_id"}
    assert four["numeral"] == 4 and four["count_matches"] is True
    targets = targets_view(records, sources, indicator="农业科技进步贡献率")
    assert {t["doc_id"] for t in targets} >= {d.id for d in docs if d.source[:3] in ("000", "001")}
    assert set(targets[0]) >= {"indicator", "value", "unit", "comparator", "year", "baseline", "nature",
                               "doc_id", "provision_id", "sentence", "value_text"}
    progs = entities_view(records, sources, type="program")
    kw = next(p for p in progs if p["id"] == "program:千村示范、万村整治工程")
    assert "千万工程" in kw["aliases"] and len({m["doc_id"] for m in kw["mentions"]}) >= 2
    assert all(p["type"] == "program" for p in progs)
