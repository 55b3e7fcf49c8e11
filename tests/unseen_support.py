"""Shared by the unseen-genre tests: load a fixture folder once, score extraction against the
hand-written expectations (``X.json`` beside each ``X`` document)."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from corpus.ingest import parse_file
from corpus.model import Document
from kg.extract import extract_corpus
from kg.records import DocumentExtraction


def fixture_ids(folder: Path) -> list[str]:
    """The fixture keys of a folder: one ``X.json`` expectations file per ``X`` document."""
    return [p.stem for p in sorted(folder.glob("*.json"))]


@lru_cache(maxsize=None)
def load_fixtures(folder: Path) -> tuple[dict[str, Document], dict[str, DocumentExtraction], dict[str, dict]]:
    """Parse and extract every fixture of ``folder`` once: (documents, extractions, specs) by key."""
    specs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
    docs = {k: parse_file(folder / s["source"]) for k, s in specs.items()}
    ex = extract_corpus(list(docs.values()))
    return docs, {k: ex[d.id] for k, d in docs.items()}, specs


def norm(s: str) -> str:
    return re.sub(r"[\s“”\"]", "", s)


def _ind_match(gold: str | list[str], pred: str) -> bool:
    """The canonical indicator is one of the names a reader accepts for the measured thing."""
    names = [gold] if isinstance(gold, str) else gold
    return norm(pred) in {norm(n) for n in names}


def _target_match(g: dict, t) -> bool:
    return (abs(t.value - g["value"]) < 1e-9 and t.unit == g["unit"] and t.comparator == g["comparator"]
            and ("year" not in g or t.year == g["year"])
            and ("baseline" not in g or (t.baseline is not None and t.baseline.value == g["baseline"]))
            and _ind_match(g["indicator"], t.indicator))


def target_scores(spec: dict, ex: DocumentExtraction) -> dict:
    """Recall over the gold targets, precision over the predicted ones (see ``_target_match``)."""
    gold = spec["targets"]
    found = [g for g in gold if any(_target_match(g, t) for t in ex.targets)]
    correct = [t for t in ex.targets if any(_target_match(g, t) for g in gold)]
    return {
        "recall": len(found) / len(gold) if gold else 1.0,
        "precision": len(correct) / len(ex.targets) if ex.targets else 1.0,
        "missed": [g for g in gold if g not in found],
        "spurious": [(t.indicator, t.value, t.unit, t.comparator, t.year) for t in ex.targets if t not in correct],
    }


def slogan_scores(spec: dict, ex: DocumentExtraction) -> dict:
    """Names found; components right for those that the text defines."""
    names = {s.name for s in ex.slogans}
    best: dict[str, list[str]] = {}
    for s in ex.slogans:
        if len(s.components) > len(best.get(s.name, [])):
            best[s.name] = s.components
    ok_names = [g["name"] for g in spec["slogans"] if g["name"] in names]
    defined = [g for g in spec["slogans"] if g["components"]]
    ok_comps = [g["name"] for g in defined if [norm(c) for c in best.get(g["name"], [])] == g["components"]]
    false = [n for n in spec.get("not_slogans", []) if n in names]
    return {"names": len(ok_names) / len(spec["slogans"]) if spec["slogans"] else 1.0,
            "components": len(ok_comps) / len(defined) if defined else 1.0,
            "wrong_components": {g["name"]: best.get(g["name"]) for g in defined if g["name"] not in ok_comps},
            "false_slogans": false}


def responsibility_scores(spec: dict, ex: DocumentExtraction) -> dict:
    """(provision, unit) pairs and lead lists; a list may sit in a child of the expected provision."""
    def owner(pid: str) -> str | None:
        return next((g["provision"] for g in spec["responsibilities"]
                     if pid == g["provision"] or pid.startswith(g["provision"] + "/")), None)

    pred = {(owner(r.provision_id) or r.provision_id, u) for r in ex.responsibilities for u in r.units}
    gold = {(g["provision"], u) for g in spec["responsibilities"] for u in g["units"]}
    leads = {}
    for r in ex.responsibilities:
        leads.setdefault(owner(r.provision_id) or r.provision_id, []).extend(r.lead)
    lead_ok = [g for g in spec["responsibilities"] if leads.get(g["provision"], []) == g["lead"]]
    return {"precision": len(pred & gold) / len(pred) if pred else 1.0,
            "recall": len(pred & gold) / len(gold) if gold else 1.0,
            "lead": len(lead_ok) / len(spec["responsibilities"]) if spec["responsibilities"] else 1.0,
            "missed": sorted(gold - pred), "spurious": sorted(pred - gold)}
