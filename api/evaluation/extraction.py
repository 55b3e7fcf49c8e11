"""Precision / recall of extraction against the hand-written gold files.

``python -m api.evaluation.extraction [--json]`` parses the bundled corpus, runs
:func:`kg.extract.extract_corpus` and prints, per fact type:

* ``slogans``: slogan definitions — (name, components in order) per document, a multiset;
* ``slogan_names``: the set of slogan names per document (defined or not);
* ``targets``: a predicted target matches an unmatched gold target when value, unit and
  comparator are equal and the indicators agree (same normalised name, or one contains the
  other); ``year``/``baseline``/``nature`` accuracy is reported over matched pairs. Only the
  gold scope is scored: the named section (``part_1`` …) or the document's tables;
* ``responsibilities``: (provision, unit) pairs and lead units against ``responsibility_003.json``.

``--real [DIR]`` scores the real development documents (default ``../shared/real``) against
``tests/gold/real_facts/targets.json`` and ``slogans.json``:

* ``real_targets``: recall of the gold future targets (same match as above), precision inside the
  passages whose targets the gold lists completely (``scope``), the past results taken as
  targets (predictions inside the ``past`` passages: count and share of the predictions of those
  documents), year accuracy over matched targets;
* ``real_slogans``: definitions found (same name, as many components, each containing or
  contained in the gold item) and names found.
"""
from __future__ import annotations

import argparse
import json
import unicodedata
from collections import Counter
from pathlib import Path

from corpus import BUNDLED_DIR
from corpus.ingest import ingest_dir
from corpus.model import Document
from kg.extract import extract_corpus
from kg.extract.agencies import AgencyNormaliser
from kg.extract.indicators import normalise_indicator
from kg.extract.places import place_context
from kg.extract.responsibility import extract_responsibilities
from kg.extract.text import strip_quotes, strip_ws
from kg.gazetteer import default_gazetteer
from kg.records import DocumentExtraction, ResponsibilityRecord, TargetRecord

GOLD_DIR = Path(__file__).resolve().parents[2] / "tests" / "gold"
REAL_GOLD_DIR = GOLD_DIR / "real_facts"
REAL_DIR = Path(__file__).resolve().parents[3] / "shared" / "real"


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "predicted": n_pred, "gold": n_gold, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(f, 4)}


def _by_source(docs: list[Document]) -> dict[str, Document]:
    return {d.source: d for d in docs}


def evaluate_slogans(gold_path: Path, docs: list[Document], extractions: dict[str, DocumentExtraction]) -> dict:
    """Definitions (name + components) and names, micro-averaged over the gold documents."""
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))["documents"]
    by_src = _by_source(docs)
    d_tp = d_pred = d_gold = n_tp = n_pred = n_gold = 0
    errors: list[str] = []
    for source, items in gold.items():
        doc = by_src[source]
        ex = extractions[doc.id]
        g_defs = Counter((i["name"], tuple(strip_ws(c) for c in i["components"])) for i in items if i["components"])
        p_defs = Counter()
        seen_defs: set[tuple] = set()
        for s in ex.slogans:
            if s.components:
                key = (s.name, tuple(strip_ws(c) for c in s.components))
                if key not in seen_defs:  # one definition counted once per document
                    seen_defs.add(key)
                    p_defs[key] += 1
        tp = sum((g_defs & p_defs).values())
        d_tp, d_pred, d_gold = d_tp + tp, d_pred + sum(p_defs.values()), d_gold + sum(g_defs.values())
        errors += [f"{source[:3]} missing definition {k}" for k in (g_defs - p_defs)]
        errors += [f"{source[:3]} spurious definition {k}" for k in (p_defs - g_defs)]
        g_names = {i["name"] for i in items}
        p_names = {s.name for s in ex.slogans}
        n_tp += len(g_names & p_names)
        n_pred += len(p_names)
        n_gold += len(g_names)
        errors += [f"{source[:3]} missing name {n}" for n in sorted(g_names - p_names)]
        errors += [f"{source[:3]} spurious name {n}" for n in sorted(p_names - g_names)]
    return {"slogans": _prf(d_tp, d_pred, d_gold), "slogan_names": _prf(n_tp, n_pred, n_gold), "errors": errors}


def _in_scope(doc: Document, t: TargetRecord, section: str) -> bool:
    """A target is scored where any of its statements is (a goal merged from text and table)."""
    return any(_provision_in_scope(doc, s.provision_id, section) for s in t.statements())


def _provision_in_scope(doc: Document, provision_id: str, section: str) -> bool:
    if section == "table":
        try:
            return doc.provision(provision_id).table is not None
        except KeyError:
            return False
    return provision_id == section or provision_id.startswith(section + "/")


def _indicator_match(a: str, b: str) -> bool:
    na, nb = normalise_indicator(a)[0], normalise_indicator(b)[0]
    return na == nb or na in nb or nb in na


def _target_match(g: dict, t: TargetRecord) -> bool:
    return (abs(float(g["value"]) - t.value) < 1e-6 and g["unit"] == t.unit and g["comparator"] == t.comparator
            and _indicator_match(g["indicator"], t.indicator))


def evaluate_targets(gold_path: Path, docs: list[Document], extractions: dict[str, DocumentExtraction]) -> dict:
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))["documents"]
    by_src = _by_source(docs)
    tp = n_pred = n_gold = 0
    year_ok = base_ok = base_n = nature_ok = nature_n = 0
    errors: list[str] = []
    for source, spec in gold.items():
        doc = by_src[source]
        preds = [t for t in extractions[doc.id].targets if _in_scope(doc, t, spec["section"])]
        golds = spec["targets"]
        n_pred += len(preds)
        n_gold += len(golds)
        used: set[int] = set()
        for g in golds:
            hit = next((i for i, t in enumerate(preds) if i not in used and _target_match(g, t)), None)
            if hit is None:
                errors.append(f"{source[:3]} missing {g}")
                continue
            used.add(hit)
            tp += 1
            t = preds[hit]
            year_ok += int(g.get("year") == t.year)
            if "baseline" in g:
                base_n += 1
                base_ok += int((g["baseline"] is None and t.baseline is None)
                               or (g["baseline"] is not None and t.baseline is not None
                                   and abs(g["baseline"] - t.baseline.value) < 1e-6))
            if "nature" in g:
                nature_n += 1
                nature_ok += int(g["nature"] == t.nature)
        for i, t in enumerate(preds):
            if i not in used:
                errors.append(f"{source[:3]} spurious {t.indicator} {t.value}{t.unit} {t.comparator} «{t.span.quote}»")
    res = _prf(tp, n_pred, n_gold)
    res["year_accuracy"] = round(year_ok / tp, 4) if tp else 0.0
    res["baseline_accuracy"] = round(base_ok / base_n, 4) if base_n else None
    res["nature_accuracy"] = round(nature_ok / nature_n, 4) if nature_n else None
    return {"targets": res, "errors": errors}


def evaluate_all(docs: list[Document], extractions: dict[str, DocumentExtraction],
                 gold_dir: Path = GOLD_DIR) -> dict:
    """Every available evaluation: {fact type: metrics, "errors": [...]}."""
    out: dict = {}
    errors: list[str] = []
    s = evaluate_slogans(gold_dir / "slogans.json", docs, extractions)
    out["slogans"], out["slogan_names"] = s["slogans"], s["slogan_names"]
    errors += s["errors"]
    t = evaluate_targets(gold_dir / "targets.json", docs, extractions)
    out["targets"] = t["targets"]
    errors += t["errors"]
    resp_gold = gold_dir / "responsibility_003.json"
    if resp_gold.is_file():
        records = {k: v.responsibilities for k, v in extractions.items()}
        out["responsibilities"] = evaluate_responsibilities(resp_gold, docs, records)
    out["errors"] = errors
    return out


def provision_key(doc: Document, provision_id: str) -> tuple[str, str]:
    """(parent's number, own number) of a provision: how the gold files name provisions."""
    prov = doc.provision(provision_id)
    parent = doc.provision(prov.parent).number if prov.parent else ""
    return parent, prov.number


def evaluate_responsibilities(gold_path: str | Path, docs: list[Document],
                              records: dict[str, list[ResponsibilityRecord]] | None = None) -> dict:
    """Precision / recall of (provision, unit) pairs and lead accuracy against a gold file.

    ``docs`` must include the gold file's source document; ``records`` (doc_id → records) are
    extracted here with the document's own normaliser when not given.
    """
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    doc = next((d for d in docs if d.source == gold["source"]), None)
    if doc is None:
        raise ValueError(f"gold source {gold['source']} not among the documents")
    if records is not None and doc.id in records:
        recs = records[doc.id]
    else:
        gaz = default_gazetteer()
        recs = extract_responsibilities(doc, AgencyNormaliser.from_context(place_context(doc, gaz)))
    pred: set[tuple[str, str, str]] = set()
    pred_lead: dict[tuple[str, str], list[str]] = {}
    for r in recs:
        key = provision_key(doc, r.provision_id)
        pred |= {(*key, u) for u in r.units}
        pred_lead[key] = pred_lead.get(key, []) + r.lead
    gold_pairs: set[tuple[str, str, str]] = set()
    lead_ok = lead_n = 0
    for p in gold["provisions"]:
        key = (p["part"], p["number"])
        gold_pairs |= {(*key, u) for u in p["units"]}
        if "lead" in p:
            lead_n += 1
            lead_ok += pred_lead.get(key, []) == p["lead"]
    tp = len(pred & gold_pairs)
    return {
        "doc": gold["source"],
        "gold_units": len(gold_pairs),
        "predicted_units": len(pred),
        "true_positives": tp,
        "precision": tp / len(pred) if pred else 0.0,
        "recall": tp / len(gold_pairs) if gold_pairs else 0.0,
        "lead_accuracy": lead_ok / lead_n if lead_n else None,
        "missed": sorted(gold_pairs - pred),
        "spurious": sorted(pred - gold_pairs),
    }


def _regions(text: str, quotes: list[list[str]]) -> list[tuple[int, int]]:
    """[from, to] quote pairs → character ranges of ``text`` (from the first quote's start to the
    end of the second quote's first occurrence after it)."""
    out = []
    for a, b in quotes:
        i = text.find(a)
        j = text.find(b, max(i, 0))
        if i < 0 or j < 0:
            raise ValueError(f"gold quote not in the text: {a if i < 0 else b}")
        out.append((i, j + len(b)))
    return out


def _inside(pos: int, regions: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in regions)


def _real_target_match(g: dict, t: TargetRecord) -> bool:
    """:func:`_target_match`, with full-width forms folded (＋ → +) and the indicator as written
    accepted as well as its corpus-wide name (规模以上工业增加值 named 规上工业增加值)."""
    if not (abs(float(g["value"]) - t.value) < 1e-6 and g["unit"] == t.unit and g["comparator"] == t.comparator):
        return False
    gi = unicodedata.normalize("NFKC", g["indicator"])
    return any(_indicator_match(gi, unicodedata.normalize("NFKC", x)) for x in (t.indicator, t.indicator_text))


def evaluate_real_targets(gold_path: Path, docs: list[Document], extractions: dict[str, DocumentExtraction]) -> dict:
    """Future-target recall, in-scope precision and past results taken as targets."""
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))["documents"]
    by_src = _by_source(docs)
    tp = n_gold = s_ok = s_pred = past = past_docs_pred = year_ok = 0
    bases: Counter = Counter()
    errors: list[str] = []
    for source, spec in gold.items():
        doc = by_src[source]
        preds = extractions[doc.id].targets
        scope, past_r = _regions(doc.text, spec.get("scope", [])), _regions(doc.text, spec.get("past", []))
        used: set[int] = set()
        for g in spec["targets"]:
            n_gold += 1
            hit = next((i for i, t in enumerate(preds) if i not in used and _real_target_match(g, t)), None)
            if hit is None:
                errors.append(f"{source[:3]} missing {g}")
                continue
            used.add(hit)
            tp += 1
            year_ok += int(g["year"] == preds[hit].year)
            bases[getattr(preds[hit], "year_basis", None) or "none"] += 1
        for t in preds:
            if any(_inside(st.span.start, scope) for st in t.statements()):
                s_pred += 1
                ok = any(_real_target_match(g, t) for g in spec["targets"])
                s_ok += ok
                if not ok:
                    errors.append(f"{source[:3]} spurious in scope {t.indicator} {t.value}{t.unit} {t.comparator} «{t.span.quote}»")
            if past_r:
                past_docs_pred += 1
                if any(_inside(st.span.start, past_r) for st in t.statements()):
                    past += 1
                    errors.append(f"{source[:3]} past result taken {t.indicator} {t.value}{t.unit} «{t.span.quote}»")
    res = _prf(tp, s_pred, n_gold)
    res["precision"] = round(s_ok / s_pred, 4) if s_pred else 1.0
    res["f1"] = round(2 * res["precision"] * res["recall"] / (res["precision"] + res["recall"]), 4) \
        if res["precision"] + res["recall"] else 0.0
    res.update(past_taken=past, past_share=round(past / past_docs_pred, 4) if past_docs_pred else 0.0,
               year_accuracy=round(year_ok / tp, 4) if tp else 0.0, year_basis=dict(bases))
    return {"real_targets": res, "errors": errors}


def _component_match(gold: list[str], pred: list[str]) -> bool:
    if len(gold) != len(pred):
        return False
    return all((g := strip_quotes(strip_ws(a))) in (q := strip_quotes(strip_ws(b))) or q in g for a, b in zip(gold, pred))


def evaluate_real_slogans(gold_path: Path, docs: list[Document], extractions: dict[str, DocumentExtraction]) -> dict:
    """Definitions (name + matching components) and names of the real documents."""
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))["documents"]
    by_src = _by_source(docs)
    d_tp = d_gold = n_tp = n_gold = 0
    d_pred = 0
    errors: list[str] = []
    for source, items in gold.items():
        ex = extractions[by_src[source].id]
        preds = [s for s in ex.slogans if s.components]
        d_pred += len({(s.name, tuple(s.components)) for s in preds})
        used: set[int] = set()
        for g in items:
            if not g["components"]:
                continue
            d_gold += 1
            hit = next((i for i, s in enumerate(preds) if i not in used and s.name == g["name"]
                        and _component_match(g["components"], s.components)), None)
            if hit is None:
                got = [s.components for s in preds if s.name == g["name"]]
                errors.append(f"{source[:3]} missing definition {g['name']} {g['components']} (got {got})")
                continue
            used.add(hit)
            d_tp += 1
        errors += [f"{source[:3]} unconfirmed definition {s.name} {s.components}" for i, s in enumerate(preds)
                   if i not in used and not any(g["name"] == s.name and g["components"] for g in items)]
        names = {s.name for s in ex.slogans}
        g_names = {g["name"] for g in items}
        n_gold += len(g_names)
        n_tp += len(g_names & names)
        errors += [f"{source[:3]} missing name {n}" for n in sorted(g_names - names)]
    return {"real_slogans": {**_prf(d_tp, d_pred, d_gold), "names_found": n_tp, "names_gold": n_gold,
                             "names_recall": round(n_tp / n_gold, 4) if n_gold else 1.0},
            "errors": errors}


def evaluate_real(real_dir: Path = REAL_DIR, gold_dir: Path = REAL_GOLD_DIR) -> dict:
    """The real development documents parsed, extracted and scored (see the module doc)."""
    docs, _ = ingest_dir(Path(real_dir))
    ex = extract_corpus(docs)
    t = evaluate_real_targets(Path(gold_dir) / "targets.json", docs, ex)
    s = evaluate_real_slogans(Path(gold_dir) / "slogans.json", docs, ex)
    return {"real_targets": t["real_targets"], "real_slogans": s["real_slogans"], "errors": t["errors"] + s["errors"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m api.evaluation.extraction", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("--errors", action="store_true", help="also list mismatches")
    ap.add_argument("--real", type=Path, nargs="?", const=REAL_DIR, default=None, metavar="DIR",
                    help="score the real development documents in DIR (default ../shared/real) instead")
    args = ap.parse_args(argv)
    if args.real is not None:
        res = evaluate_real(args.real)
    else:
        docs, _ = ingest_dir(BUNDLED_DIR)
        res = evaluate_all(docs, extract_corpus(docs))
    if args.json:
        print(json.dumps(res if args.errors else {k: v for k, v in res.items() if k != "errors"},
                         ensure_ascii=False, indent=2))
        return 0
    for name, m in res.items():
        if name == "errors":
            continue
        if isinstance(m, dict) and "precision" in m:
            m = {**m, "tp": m.get("tp", m.get("true_positives")), "predicted": m.get("predicted", m.get("predicted_units")),
                 "gold": m.get("gold", m.get("gold_units"))}
            extra = "  ".join(f"{k}={m[k]}" for k in ("year_accuracy", "baseline_accuracy", "nature_accuracy",
                                                     "lead_accuracy", "past_taken", "past_share",
                                                     "names_recall", "year_basis")
                              if m.get(k) is not None)
            print(f"{name:18} P={m['precision']:.3f} R={m['recall']:.3f} "
                  f"(tp={m.get('tp')}, pred={m.get('predicted')}, gold={m.get('gold')}) {extra}")
        else:
            print(f"{name:18} {json.dumps(m, ensure_ascii=False)}")
    if args.errors:
        for e in res["errors"]:
            print("  ", e)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
