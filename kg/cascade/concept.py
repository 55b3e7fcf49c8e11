"""Concept cascade: where a concept appears, level by level, and the chain that links the places.

Everything is read from indexes, never by scanning document text:

* the **entity table** built from the extraction records (:class:`EntityTable`: name and alias
  → entity ids, entity id → mentions) gives the exact and alias occurrences of programs,
  slogans, indicators, brands, places and agencies — ``千万工程`` finds the
  ``“千村示范、万村整治”工程`` entity and every mention under either name;
* the **search index** (``concept_search``: bigram postings for verbatim occurrences, the dense
  index for semantic ones) adds occurrences of free text and semantic matches;
* the **cascade graph** (a ``chain(doc_id)`` function, e.g. ``kg.views.chain_above`` on the
  store) gives the applies/cites edges between the documents found, inferred ones marked.

>>> t = EntityTable.from_records([{"id": "program:千村示范、万村整治工程", "type": "program",
...     "name": "千村示范、万村整治工程", "aliases": ["千万工程"], "mentions": []}])
>>> [e["id"] for e in t.find("“千万工程”")]
['program:千村示范、万村整治工程']
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from corpus.model import LEVELS
from kg.records import DocumentExtraction

N_SUGGESTIONS = 3  # an unknown concept shows at most this many semantic neighbours
_STRIP = re.compile(r"[\s“”\"'‘’《》〈〉「」『』]")


def key_of(name: str) -> str:
    """Lookup key of a name: quotes, book-title marks and whitespace removed.

    >>> key_of(" “千村示范、万村整治”工程 ")
    '千村示范、万村整治工程'
    """
    return _STRIP.sub("", name)


@dataclass
class EntityTable:
    """Entities across the corpus keyed by id, with a name/alias → ids index."""

    entities: dict[str, dict] = field(default_factory=dict)  # id -> {id,type,name,aliases,mentions}
    by_name: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[Mapping]) -> "EntityTable":
        """From entity dicts (``id``, ``type``, ``name``, ``aliases``, ``mentions``: each a dict
        with ``doc_id``, ``provision_id``, ``sentence_id``, ``surface``, …)."""
        t = cls()
        for r in records:
            e = t.entities.setdefault(r["id"], {"id": r["id"], "type": r["type"], "name": r["name"],
                                                "aliases": [], "mentions": []})
            e["aliases"] += [a for a in r.get("aliases", []) if a not in e["aliases"]]
            e["mentions"] += list(r.get("mentions", []))
        t._index()
        return t

    @classmethod
    def from_extractions(cls, extractions: Mapping[str, DocumentExtraction]) -> "EntityTable":
        records: dict[str, dict] = {}
        for ex in extractions.values():
            for e in ex.entities:
                r = records.setdefault(e.id, {"id": e.id, "type": e.type, "name": e.name, "aliases": [], "mentions": []})
                r["aliases"] += [a for a in e.aliases if a not in r["aliases"]]
            for m in ex.mentions:
                if m.entity_id in records:
                    records[m.entity_id]["mentions"].append({"surface": m.surface, **m.span.model_dump()})
        return cls.from_records(records.values())

    def _index(self) -> None:
        self.by_name = defaultdict(list)
        for e in self.entities.values():
            for label in {e["name"], *e["aliases"], *(m.get("surface", "") for m in e["mentions"])}:
                k = key_of(label)
                if len(k) >= 2 and e["id"] not in self.by_name[k]:
                    self.by_name[k].append(e["id"])
        self.by_name = dict(self.by_name)

    def find(self, name: str) -> list[dict]:
        """Entities named ``name`` (label, alias or a surface form), or whose id is ``name``."""
        if name in self.entities:
            return [self.entities[name]]
        ids = self.by_name.get(key_of(name), [])
        if not ids:  # the type-qualified key ("slogan:四千行动") or a name differing only in quotes
            ids = [i for i in (f"{t}:{key_of(name)}" for t in ("program", "slogan", "indicator", "brand"))
                   if i in self.entities]
        return [self.entities[i] for i in ids]


@dataclass(frozen=True)
class DocInfo:
    doc_id: str
    title: str
    level: str | None
    place: str | None
    doc_number: str | None = None
    source: str = ""

    def ref(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "level": self.level, "place": self.place,
                "doc_number": self.doc_number, "source": self.source}


def _level_order(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def concept_cascade(
    name: str,
    table: EntityTable,
    docs: Mapping[str, DocInfo],
    *,
    sentence_text: Callable[[str, str], str] | None = None,
    search=None,
    chain: Callable[[str], list[dict]] | None = None,
    k_semantic: int = 10,
    n_suggestions: int = N_SUGGESTIONS,
) -> dict:
    """Every literal occurrence of a concept (name or alias) grouped by level and place, with the
    chain of the documents that mention it; semantic neighbours apart.

    ``search`` is an object with ``concept_search(name, aliases, k)`` returning hits with
    ``doc_id``, ``provision_id``, ``sentence_id``, ``text``, ``match`` (label|alias|semantic):
    literal hits join ``occurrences``, semantic ones (already above the search's cut-off) go to
    ``neighbours``. A concept with no entity and no literal occurrence is ``found: false`` and
    keeps at most ``n_suggestions`` neighbours, marked ``suggestion``. ``chain(doc_id)`` returns
    the documents above one (``kg.views.chain_above`` rows). Either may be None: the result then
    says ``semantic: false`` / has no chain.
    """
    ents = table.find(name)
    canonical = ents[0]["name"] if ents else key_of(name)
    aliases: list[str] = []
    for e in ents:
        for label in [e["name"], *e["aliases"]]:
            if label != canonical and label not in aliases:
                aliases.append(label)
    occurrences: list[dict] = []
    neighbours: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def add(doc_id: str, provision_id: str, sentence_id: str, text: str, match: str, surface: str | None,
            entity_id: str | None, score: float | None = None) -> None:
        if (doc_id, sentence_id) in seen or doc_id not in docs:
            return
        seen.add((doc_id, sentence_id))
        d = docs[doc_id]
        (neighbours if match == "semantic" else occurrences).append({"doc_id": doc_id, "level": d.level, "place": d.place, "provision_id": provision_id,
                            "sentence_id": sentence_id, "text": text, "match": match, "surface": surface,
                            "entity_id": entity_id, "score": score})

    label_keys = {key_of(canonical)}
    for e in ents:
        for m in e["mentions"]:
            match = "label" if key_of(m.get("surface", "")) in label_keys else "alias"
            text = sentence_text(m["doc_id"], m["sentence_id"]) if sentence_text else m.get("quote", "")
            add(m["doc_id"], m["provision_id"], m["sentence_id"], text, match, m.get("surface"), e["id"])
    semantic = search is not None
    if search is not None:
        hits = search.concept_search(canonical, aliases, k=max(k_semantic, 1))
        for h in hits:
            h = h.to_dict() if hasattr(h, "to_dict") else dict(h)
            add(h["doc_id"], h["provision_id"], h["sentence_id"], h["text"], h.get("match") or "semantic",
                None, None, h.get("score"))
    occurrences.sort(key=lambda o: (_level_order(o["level"]), o["place"] or "", o["doc_id"], o["sentence_id"]))
    found = bool(ents or occurrences)
    if not found:
        neighbours = [{**o, "match": "suggestion"} for o in neighbours[:n_suggestions]]
    per_doc: dict[str, int] = {}
    for o in occurrences:
        per_doc[o["doc_id"]] = per_doc.get(o["doc_id"], 0) + 1

    groups: list[dict] = []
    for o in occurrences:
        if not groups or groups[-1]["level"] != o["level"]:
            groups.append({"level": o["level"], "places": []})
        places = groups[-1]["places"]
        if not places or places[-1]["place"] != o["place"]:
            places.append({"place": o["place"], "count": 0, "doc_ids": []})
        places[-1]["count"] += 1
        if o["doc_id"] not in places[-1]["doc_ids"]:
            places[-1]["doc_ids"].append(o["doc_id"])

    return {
        "concept": name,
        "canonical": canonical,
        "entity_ids": [e["id"] for e in ents],
        "types": sorted({e["type"] for e in ents}),
        "aliases": aliases,
        "semantic": semantic,
        "found": found,
        "occurrences": occurrences,
        "neighbours": neighbours,
        "groups": groups,
        "documents": [{**docs[d].ref(), "count": n} for d, n in per_doc.items()],
        "chain": linking_chain([o["doc_id"] for o in occurrences], chain, docs) if chain else [],
    }


def linking_chain(doc_ids: Iterable[str], chain: Callable[[str], list[dict]],
                  docs: Mapping[str, DocInfo]) -> list[dict]:
    """The applies/based_on edges above the documents with occurrences, each once, lowest
    first: ``{from, from_doc_id, from_title, to, to_doc_id, to_title, to_level, relation,
    inferred, to_in_corpus, to_has_occurrences}`` (documents outside the corpus have no doc id)."""
    found = set(doc_ids)
    edges: dict[tuple[str, str], dict] = {}
    iri_to_doc: dict[str, str] = {}
    iri_title: dict[str, str] = {}
    iri_level: dict[str, str] = {}
    for d in dict.fromkeys(doc_ids):
        try:
            rows = chain(d)
        except Exception:  # noqa: BLE001 - a document the graph does not know has no chain
            continue
        for r in rows:
            if r.get("title"):
                iri_title[r["iri"]] = r["title"]
            if r.get("level"):
                iri_level[r["iri"]] = r["level"]
            if r.get("doc_id"):
                iri_to_doc[r["iri"]] = r["doc_id"]
            if r.get("distance") == 1 and r.get("from"):
                iri_to_doc[r["from"]] = d
            src = r.get("from")
            key = (src, r["iri"])
            if key in edges:
                continue
            edges[key] = {
                "from": src, "from_doc_id": None, "to": r["iri"], "to_doc_id": r.get("doc_id"),
                "to_title": r.get("title"), "to_level": r.get("level"), "relation": r.get("relation"),
                "inferred": bool(r.get("inferred")), "to_in_corpus": bool(r.get("in_corpus")),
                "to_has_occurrences": r.get("doc_id") in found,
            }
    out = []
    for e in edges.values():
        e["from_doc_id"] = iri_to_doc.get(e["from"])
        fd = docs.get(e["from_doc_id"] or "")
        e["from_title"] = fd.title if fd else iri_title.get(e["from"], e["from"])
        e["from_level"] = fd.level if fd else iri_level.get(e["from"])
        out.append(e)
    out.sort(key=lambda e: (-_level_order(e["from_level"]), e["from"] or "", e["to"]))
    return out

