"""Cheap levers for everyday questions, measured on dev and held-out gold (seeds and real documents).

    python benchmarks/measure_search_levers.py --seeds DATA_DIR --real DATA_DIR_OF_../shared/real

Each lever is applied in-process (fusion constants patched, or queries rewritten) and the search
service is scored with the same metrics as ``api.evaluation.search`` (hit@1, hit@3, MRR@10,
nDCG@10 over the fused ranking, exact-first tiers and the tail cut-off included). A lever is kept
only if it wins on the dev sets without losing on the held-out sets it was not tuned on.

Levers:
* ``baseline``: the shipped settings;
* ``w_max=…`` / ``cov=lo,hi``: the adaptive lexical weight of :func:`embeddings.fusion.fuse`;
* ``prov=…``: the weight of the provision vector in a sentence's dense score (``embeddings.core``);
* ``expand``: names from the graph's own entity table (program/slogan aliases, indicator names)
  appended to a query that mentions one of their names.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.datadir import EXTRACTION, load_extractions  # noqa: E402
from api.evaluation.search import GOLD, HELDOUT, REAL, REAL_HELDOUT, _graded, _metrics, resolve_targets  # noqa: E402
from corpus.model import Document  # noqa: E402
from embeddings import core, fusion  # noqa: E402
from embeddings.search import SearchIndex  # noqa: E402
from kg.cascade.concept import EntityTable, key_of  # noqa: E402


def load(data: Path):
    docs = [Document.model_validate_json(p.read_text(encoding="utf-8")) for p in sorted((data / "documents").glob("*.json"))]
    table = EntityTable.from_extractions(load_extractions(data / EXTRACTION))
    return SearchIndex.load(data), docs, table


def expander(table: EntityTable):
    """Query → query plus the other names of every entity (program, slogan, indicator) named in it."""
    names = {}
    for e in table.entities.values():
        if e["type"] not in ("program", "slogan", "indicator"):
            continue
        labels = [x for x in {e["name"], *e["aliases"]} if len(key_of(x)) >= 3]
        for label in labels:
            names.setdefault(key_of(label), set()).update(labels)

    def expand(q: str) -> str:
        extra = sorted({x for k, labels in names.items() if k in key_of(q) for x in labels if key_of(x) not in key_of(q)})
        return q if not extra else q + "，" + "，".join(extra[:4])

    return expand


def score(index, docs, gold: dict, rewrite=lambda q: q) -> dict:
    targets = resolve_targets(gold, docs)
    qs = gold["queries"]
    hits = index.search([rewrite(q["query"]) for q in qs], k=10)
    judged = [([(h.doc_id, h.provision_id) in targets[q["id"]] for h in hs], len(targets[q["id"]])) for q, hs in zip(qs, hits)]
    ranks = [next((i + 1 for i, r in enumerate(rel) if r), None) for rel, _ in judged]
    return {**_metrics(ranks), **_graded(judged)}


LEVERS = {
    "baseline": {},
    "w_max=0.7": {"W_MAX": 0.7},
    "w_max=0.5": {"W_MAX": 0.5},
    "cov=0.15,0.5": {"COV_LO": 0.15, "COV_HI": 0.5},
    "cov=0.35,0.7": {"COV_LO": 0.35, "COV_HI": 0.7},
    "prov=0.5": {"PROVISION_WEIGHT": 0.5},
    "prov=2.0": {"PROVISION_WEIGHT": 2.0},
    "expand": {"expand": True},
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, required=True, help="a build of the bundled corpus")
    ap.add_argument("--real", type=Path, required=True, help="a build of ../shared/real")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    sets = {"seeds dev": (args.seeds, GOLD), "seeds held-out": (args.seeds, HELDOUT),
            "real dev": (args.real, REAL), "real held-out": (args.real, REAL_HELDOUT)}
    loaded = {d: load(d) for d in {args.seeds, args.real}}
    defaults = {"W_MAX": fusion.W_MAX, "COV_LO": fusion.COV_LO, "COV_HI": fusion.COV_HI,
                "PROVISION_WEIGHT": core.PROVISION_WEIGHT}
    out: dict = {}
    for name, lever in LEVERS.items():
        p = {**defaults, **{k: v for k, v in lever.items() if k in defaults}}
        core.PROVISION_WEIGHT = p["PROVISION_WEIGHT"]  # read at call time
        fusion.lexical_weight.__defaults__ = (p["COV_LO"], p["COV_HI"], fusion.W_MIN, p["W_MAX"])  # bound at def time
        for set_name, (data, gold_path) in sets.items():
            index, docs, table = loaded[data]
            rewrite = expander(table) if lever.get("expand") else (lambda q: q)
            out.setdefault(name, {})[set_name] = score(index, docs, json.loads(gold_path.read_text("utf-8")), rewrite)
    core.PROVISION_WEIGHT = defaults["PROVISION_WEIGHT"]
    fusion.lexical_weight.__defaults__ = (defaults["COV_LO"], defaults["COV_HI"], fusion.W_MIN, defaults["W_MAX"])
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print(f"{'lever':14} " + " ".join(f"{s:>28}" for s in sets))
    print(f"{'':14} " + " ".join(f"{'hit@1 hit@3   MRR  nDCG':>28}" for _ in sets))
    for name, per in out.items():
        print(f"{name:14} " + " ".join(f"{m['hit@1']:>10.3f} {m['hit@3']:5.3f} {m['mrr']:5.3f} {m['ndcg@10']:5.3f}"
                                       for m in per.values()))
    print("n: " + ", ".join(f"{s} {m['n']}" for s, m in out["baseline"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
