"""Second blind generalisation set: documents written before the rules were looked at.

``tests/unseen2/`` holds a 县 实施意见 (湄潭县) with a 主要目标 paragraph full of 2024 targets, a
镇 实施方案 implementing it (verbatim copies, adapted numbers, an extended slogan 三清一改 →
四清一改, dropped and local provisions, one copied sentence still saying 全县), a 镇 工作要点
(湘潭县花石镇) with a tab-separated 重点任务清单 in its 附件, and a 区 三年行动方案 (碧江区) with
第一章/第一节 headings, 专栏 and "由2023年的X提高到Y" baselines. Each ``X.json`` was written by
reading ``X.txt``. ``python -m tests.test_unseen_genre2`` prints the scores per fact type.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from corpus.model import Document
from kg.records import DocumentExtraction
from tests.unseen_support import load_fixtures, norm, responsibility_scores, slogan_scores, target_scores

UNSEEN = Path(__file__).resolve().parent / "unseen2"
SPECS = sorted(UNSEEN.glob("*.json"))
IDS = [p.stem for p in SPECS]
META = ("title", "doc_number", "date", "level", "place", "place_code", "issuers", "genre")


def _corpus() -> tuple[dict[str, Document], dict[str, DocumentExtraction], dict[str, dict]]:
    return load_fixtures(UNSEEN)


def meta_ok(spec: dict, doc: Document, field: str) -> bool:
    got, want = getattr(doc, field), spec[field]
    if field == "title":  # a reader accepts the title with or without the issuer line
        return norm(got or "") in {norm(t) for t in (want if isinstance(want, list) else [want])}
    return got == want


@lru_cache(maxsize=1)
def _cascades() -> dict[str, object]:
    from kg.cascade import analyse
    from kg.gazetteer import Gazetteer

    docs, ex, specs = _corpus()
    return {k: analyse(docs[s["cascade"]["upper"]], docs[k], upper_ex=ex[s["cascade"]["upper"]],
                       lower_ex=ex[k], gazetteer=Gazetteer.load())
            for k, s in specs.items() if "cascade" in s}


def alignment_scores(spec: dict, result) -> dict:
    """Leaf (（N）) alignment: each gold lower item → its upper item or None (a local provision)."""
    gold = spec["cascade"]["alignment"]
    got = {p.lower.provision_id: p.upper.provision_id for p in result.alignment.pairs}
    right = [k for k, v in gold.items() if got.get(k) == v]
    up_only = {u.provision_id for u in result.alignment.upper_only}
    return {"accuracy": len(right) / len(gold),
            "wrong": {k: (v, got.get(k)) for k, v in gold.items() if got.get(k) != v},
            "upper_only_found": sorted(set(spec["cascade"]["upper_only"]) & up_only)}


def cascade_fact_scores(spec: dict, result) -> dict:
    c = spec["cascade"]
    moves = {(m.indicator, m.upper.value, m.lower.value) for m in result.targets}
    names = lambda g: [g["indicator"]] if isinstance(g["indicator"], str) else g["indicator"]  # noqa: E731
    tm = [g for g in c["target_moves"] if any((n, g["upper"], g["lower"]) in moves for n in names(g))]
    sl = {(p.upper.name, p.lower.name): p.to_dict() for p in result.slogans}
    sm = [g for g in c["slogan_moves"] if (g["upper"], g["lower"]) in sl
          and [norm(x) for x in sl[(g["upper"], g["lower"])].get("added", [])] == g["added"]
          and [norm(x) for x in sl[(g["upper"], g["lower"])].get("dropped", [])] == g["removed"]]
    left = {f["provision_id"] for f in result.findings if f["kind"] == "unlocalised_copy"}
    return {"target_moves": len(tm) / len(c["target_moves"]),
            "missed_moves": [g for g in c["target_moves"] if g not in tm],
            "slogan_moves": len(sm) / len(c["slogan_moves"]),
            "slogan_pairs": {"→".join(k): {"added": v.get("added"), "dropped": v.get("dropped")} for k, v in sl.items()},
            "leftover_recall": len(left & set(c["leftover_provisions"])) / len(c["leftover_provisions"]),
            "leftover_spurious": sorted(left - set(c["leftover_provisions"]))}


# ------------------------------------------------------------------------------- metadata + structure

@pytest.mark.parametrize("key", IDS)
@pytest.mark.parametrize("field", META)
def test_metadata(key, field):
    docs, _, specs = _corpus()
    assert meta_ok(specs[key], docs[key], field), getattr(docs[key], field)


@pytest.mark.parametrize("key", IDS)
def test_provision_counts_and_numbers(key):
    docs, _, specs = _corpus()
    counts: dict[str, int] = {}
    for p in docs[key].provisions:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    assert {k: counts.get(k, 0) for k in specs[key]["provisions"]} == specs[key]["provisions"]
    if "item_numbers" in specs[key]:
        assert [p.number for p in docs[key].provisions if p.kind == "item"] == specs[key]["item_numbers"]
    for p, s in docs[key].sentences():
        assert docs[key].text[s.start:s.end] == s.text


def test_task_list_table():
    docs, _, specs = _corpus()
    for key, spec in specs.items():
        if "table" not in spec:
            continue
        tables = [p.table for p in docs[key].provisions if p.kind == "table" and p.table]
        assert tables and tables[0].header == spec["table"]["header"]
        assert len(tables[0].rows) == spec["table"]["rows"]


# ------------------------------------------------------------------------------- extraction

@pytest.mark.parametrize("key", IDS)
def test_targets(key):
    _, ex, specs = _corpus()
    sc = target_scores(specs[key], ex[key])
    assert sc["recall"] >= 0.85, sc["missed"]
    assert sc["precision"] >= 0.85, sc["spurious"]


@pytest.mark.parametrize("key", IDS)
def test_slogans(key):
    _, ex, specs = _corpus()
    sc = slogan_scores(specs[key], ex[key])
    assert sc["names"] == 1.0 and not sc["false_slogans"], sc
    assert sc["components"] == 1.0, sc["wrong_components"]


def _split_table_lists(doc: Document, ex: DocumentExtraction) -> tuple[DocumentExtraction, set[str]]:
    """(extraction without the lists read from table columns, units of those lists)."""
    kinds = {p.id: p.kind for p in doc.provisions}
    table = [r for r in ex.responsibilities if kinds.get(r.provision_id) == "table"]
    rest = ex.model_copy(update={"responsibilities": [r for r in ex.responsibilities if r not in table]})
    return rest, {u for r in table for u in r.units}


@pytest.mark.parametrize("key", IDS)
def test_task_table_responsibilities(key):
    """A 重点任务清单 with a 责任单位 column gives one list per row, names normalised."""
    docs, ex, specs = _corpus()
    _, units = _split_table_lists(docs[key], ex[key])
    assert units == set(specs[key].get("table_units", [])), units


@pytest.mark.parametrize("key", IDS)
def test_responsibilities(key):
    docs, ex, specs = _corpus()
    sc = responsibility_scores(specs[key], _split_table_lists(docs[key], ex[key])[0])
    assert sc["precision"] == 1.0 and sc["recall"] == 1.0, (sc["missed"], sc["spurious"])
    assert sc["lead"] == 1.0


@pytest.mark.parametrize("key", IDS)
def test_places_and_citations(key):
    docs, ex, specs = _corpus()
    ents = {e.name: e for e in ex[key].entities if e.type == "place"}
    for name, code in specs[key].get("places", {}).items():
        hit = [e for e in ents.values() if e.attrs.get("admin_code") == code and (e.name == name or name in e.aliases)]
        assert hit, (name, code, sorted(ents))
    cites = {norm(c.title): c for c in docs[key].cites}
    for g in specs[key].get("citations", []):
        assert norm(g["title"]) in cites, sorted(cites)
        assert cites[norm(g["title"])].number == g["number"]


# ------------------------------------------------------------------------------- cascade (town vs county)

def test_cascade_alignment():
    _, _, specs = _corpus()
    for key, res in _cascades().items():
        sc = alignment_scores(specs[key], res)
        assert sc["accuracy"] >= 0.85, sc["wrong"]


def test_cascade_facts():
    _, _, specs = _corpus()
    for key, res in _cascades().items():
        sc = cascade_fact_scores(specs[key], res)
        assert sc["target_moves"] >= 0.8, sc["missed_moves"]
        assert sc["slogan_moves"] == 1.0, sc["slogan_pairs"]
        assert sc["leftover_recall"] == 1.0 and not sc["leftover_spurious"], sc


def report() -> dict:
    """Scores per fixture and fact type (printed by ``python -m tests.test_unseen_genre2``)."""
    docs, ex, specs = _corpus()
    out: dict = {}
    for key in IDS:
        spec, doc = specs[key], docs[key]
        counts: dict[str, int] = {}
        for p in doc.provisions:
            counts[p.kind] = counts.get(p.kind, 0) + 1
        ents = {e.name: e for e in ex[key].entities if e.type == "place"}
        out[key] = {"metadata": {f: meta_ok(spec, doc, f) or getattr(doc, f) for f in META},
                    "provisions": counts,
                    "targets": target_scores(spec, ex[key]),
                    "slogans": slogan_scores(spec, ex[key]),
                    "responsibilities": responsibility_scores(spec, _split_table_lists(doc, ex[key])[0]),
                    "table_units": sorted(_split_table_lists(doc, ex[key])[1]),
                    "places": {n: (ents[n].attrs.get("admin_code") if n in ents else None) == c
                               for n, c in spec.get("places", {}).items()},
                    "citations": [(c.title, c.number) for c in doc.cites]}
    for key, res in _cascades().items():
        out[key]["alignment"] = alignment_scores(specs[key], res)
        out[key]["cascade"] = cascade_fact_scores(specs[key], res)
    return out


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(report(), ensure_ascii=False, indent=1, default=str))
