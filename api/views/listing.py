"""Pure list views: sort, page and flatten the service's lists (documents, entities, targets)
and result pages (search, precedent, concept, cascade) into rows for CSV export.

A list spec names its columns: the keys a list may be sorted by and the flat fields of its CSV.
Sorting puts missing values last in either direction (an undated document is never "the oldest").

>>> rows = [{"title": "乙", "date": None}, {"title": "甲", "date": "2021-03-01"}, {"title": "丙", "date": "2022-01-05"}]
>>> [r["title"] for r in sort_rows(rows, "documents", "date", "desc")]
['丙', '甲', '乙']
>>> [r["title"] for r in sort_rows(rows, "documents", "date", "asc")]
['甲', '丙', '乙']
>>> page_rows(list(range(7)), offset=5, limit=5)
{'rows': [5, 6], 'total': 7, 'offset': 5, 'limit': 5, 'next': None, 'prev': 0}
>>> flat({"issuers": ["中共某县委", "某县人民政府"], "n": 3, "x": None})
{'issuers': '中共某县委；某县人民政府', 'n': '3', 'x': ''}
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from corpus.errors import BadRequest
from corpus.model import LEVELS

ORDERS = ("asc", "desc")
MAX_PAGE = 500  # rows per list page (HTML and API)
DEFAULT_PAGE = 50


def _level_rank(rec: dict) -> int | None:
    lv = rec.get("level")
    return LEVELS.index(lv) if lv in LEVELS else None


def _issuers(rec: dict) -> str | None:
    return "；".join(rec.get("issuers") or []) or None


@dataclass(frozen=True)
class ListSpec:
    """One list: its sort keys (name → value of a row; None sorts last) and its CSV columns."""

    sort_keys: dict[str, Callable[[dict], Any]]
    columns: tuple[str, ...]


def _key(name: str) -> Callable[[dict], Any]:
    return lambda r: r.get(name)


LISTS: dict[str, ListSpec] = {
    "documents": ListSpec(
        sort_keys={"title": _key("title"), "doc_number": _key("doc_number"), "issuers": _issuers,
                   "date": _key("date"), "level": _level_rank, "place": _key("place"),
                   "n_provisions": _key("n_provisions")},
        columns=("id", "title", "doc_number", "issuers", "date", "level", "place", "place_code", "genre",
                 "n_provisions", "n_sentences", "source"),
    ),
    "entities": ListSpec(
        sort_keys={"name": _key("name"), "type": _key("type"), "n_documents": _key("n_documents"),
                   "n_mentions": _key("n_mentions")},
        columns=("id", "type", "name", "aliases", "n_documents", "n_mentions"),
    ),
    "targets": ListSpec(
        sort_keys={"doc_title": _key("doc_title"), "level": _level_rank, "doc_place": _key("doc_place"),
                   "indicator": _key("indicator"), "value": _key("value"), "year": _key("year"),
                   "provision_number": _key("provision_number")},
        columns=("doc_id", "doc_title", "doc_number", "level", "doc_place", "provision_id", "provision_number",
                 "indicator", "indicator_id", "comparator", "value", "unit", "value_text", "year", "place",
                 "sentence"),
    ),
}


def check_sort(kind: str, sort: str | None, order: str | None) -> tuple[str | None, str]:
    """``(sort, order)`` of a list, checked against its spec; BadRequest naming the allowed ones."""
    spec = LISTS[kind]
    if sort in (None, ""):
        sort = None
    elif sort not in spec.sort_keys:
        raise BadRequest(f"sort must be one of {', '.join(spec.sort_keys)}; got {sort!r}")
    if order in (None, ""):
        order = "asc"
    elif order not in ORDERS:
        raise BadRequest(f"order must be one of {', '.join(ORDERS)}; got {order!r}")
    return sort, order


def sort_rows(rows: list[dict], kind: str, sort: str | None, order: str | None = "asc") -> list[dict]:
    """``rows`` sorted by one key of the list's spec (stable; missing values last); unsorted if ``sort`` is None."""
    sort, order = check_sort(kind, sort, order)
    if sort is None:
        return list(rows)
    key = LISTS[kind].sort_keys[sort]
    present = [r for r in rows if key(r) not in (None, "")]
    missing = [r for r in rows if key(r) in (None, "")]
    return sorted(present, key=key, reverse=order == "desc") + missing


def check_window(offset: int | str | None, limit: int | str | None, default: int = DEFAULT_PAGE,
                 most: int = MAX_PAGE) -> tuple[int, int]:
    """``(offset, limit)``: offset ≥ 0 (default 0), 1 ≤ limit ≤ ``most`` (default ``default``)."""
    try:
        off = 0 if offset in (None, "") else int(offset)
        lim = default if limit in (None, "") else int(limit)
    except (TypeError, ValueError):
        raise BadRequest(f"offset and limit must be integers; got {offset!r}, {limit!r}") from None
    if off < 0 or not 1 <= lim <= most:
        raise BadRequest(f"offset must be ≥ 0 and limit between 1 and {most}; got {off}, {lim}")
    return off, lim


def page_rows(rows: list, offset: int, limit: int) -> dict:
    """One page of ``rows`` with the offsets of the next and previous pages (None at either end)."""
    total = len(rows)
    return {"rows": rows[offset:offset + limit], "total": total, "offset": offset, "limit": limit,
            "next": offset + limit if offset + limit < total else None,
            "prev": max(offset - limit, 0) if offset > 0 else None}


def flat(rec: dict) -> dict[str, str]:
    """A record as CSV cells: lists joined with ；, numbers as text, None as empty."""
    out = {}
    for k, v in rec.items():
        if isinstance(v, (list, tuple)):
            v = "；".join(str(x) for x in v)
        elif isinstance(v, dict):
            v = "；".join(f"{a}={b}" for a, b in v.items())
        out[k] = "" if v is None else str(v)
    return out


def list_table(kind: str, rows: list[dict]) -> tuple[list[str], list[dict[str, str]]]:
    """The CSV columns and flat rows of one of :data:`LISTS`."""
    cols = list(LISTS[kind].columns)
    return cols, [flat({c: r.get(c) for c in cols}) for r in rows]


# ----------------------------------------------------------------- result pages
def search_table(res: dict) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a search result page: rank, match, score, citation and the text."""
    cols = ["rank", "match", "score", "doc_id", "doc_title", "doc_number", "level", "place", "date",
            "provision_id", "provision_number", "citation", "text"]
    rows = []
    for i, r in enumerate(res.get("results", []), start=res.get("offset", 0) + 1):
        cite = r.get("citation")
        rows.append(flat({**{c: r.get(c) for c in cols}, "rank": i,
                          "citation": cite.get("text") if isinstance(cite, dict) else cite}))
    return cols, rows


def precedent_table(res: dict) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a precedent answer: one per precedent, per draft sentence when the draft has several."""
    cols = ["part", "draft", "rank", "score", "doc_id", "provision_id", "citation", "text"]
    parts = res.get("parts") or [{"draft": res.get("draft"), "results": res.get("results", [])}]
    rows = []
    for n, part in enumerate(parts, start=1):
        for i, r in enumerate(part.get("results", []), start=1):
            cite = r.get("citation")
            rows.append(flat({"part": n, "draft": part.get("draft") or part.get("text"), "rank": i,
                              "score": r.get("score"), "doc_id": r.get("doc_id"),
                              "provision_id": r.get("provision_id"),
                              "citation": cite.get("text") if isinstance(cite, dict) else cite,
                              "text": r.get("text")}))
    return cols, rows


def concept_table(res: dict) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a concept page: every occurrence with its document, provision and sentence."""
    cols = ["concept", "match", "surface", "doc_id", "doc_title", "level", "place", "provision_id",
            "provision_number", "text"]
    name = res.get("canonical") or res.get("concept")
    rows = [flat({**{c: o.get(c) for c in cols}, "concept": name}) for o in res.get("occurrences", [])]
    return cols, rows


def cascade_table(res: dict) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a cascade page: aligned provision pairs, then upper-only and lower-only provisions."""
    cols = ["kind", "relation", "similarity", "upper_provision", "upper_number", "upper_text",
            "lower_provision", "lower_number", "lower_text"]
    rows = []
    for p in res.get("pairs", []):
        up, low = p.get("upper") or {}, p.get("lower") or {}
        rows.append({"kind": "pair", "relation": p.get("relation"), "similarity": p.get("score"),
                     "upper_provision": up.get("provision_id"), "upper_number": up.get("number"),
                     "upper_text": up.get("text"), "lower_provision": low.get("provision_id"),
                     "lower_number": low.get("number"), "lower_text": low.get("text")})
    for kind, side in (("upper_only", "upper"), ("lower_only", "lower")):
        for u in res.get(kind, []):
            rows.append({"kind": kind, f"{side}_provision": u.get("provision_id"),
                         f"{side}_number": u.get("number"), f"{side}_text": u.get("text") or u.get("title")})
    return cols, [flat({c: r.get(c) for c in cols}) for r in rows]


def entity_table(res: dict) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of an entity page: every mention, by level, with its document, provision and sentence."""
    cols = ["entity_id", "name", "level", "doc_id", "doc_title", "doc_number", "place", "provision_id",
            "provision_number", "surface", "sentence"]
    rows = [flat({**{c: m.get(c) for c in cols}, "entity_id": res.get("id"), "name": res.get("name"),
                  "level": group.get("level")})
            for group in res.get("mentions_by_level", []) for m in group.get("mentions", [])]
    return cols, rows


def document_table(res: dict) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a document page: its provisions in order (id, number, heading, depth, text)."""
    cols = ["doc_id", "provision_id", "kind", "number", "title", "depth", "parent", "text"]
    rows = [flat({**{c: p.get(c) for c in cols}, "doc_id": res.get("id"), "provision_id": p.get("id")})
            for p in res.get("provisions", [])]
    return cols, rows
