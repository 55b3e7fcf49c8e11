"""The limits the service enforces, declared in the OpenAPI schema (one table, applied to the
generated schema), so a client, or a schema-driven tester, knows what is valid before asking.

The routes keep their plain signatures and the service stays the one validator
(``PolicyKG.check_text`` and friends); this only describes it.
"""
from __future__ import annotations

from typing import Any

from api.service import ENTITY_TYPES, FACT_TYPES, MAX_DRAFT_CHARS, MAX_K, MAX_NAME_CHARS, MAX_QUERY_CHARS
from api.views.listing import LISTS, MAX_PAGE, ORDERS
from corpus.model import LEVELS
from embeddings.query import SCOPES
from embeddings.search import SORTS

NON_BLANK = r"\S"  # the service strips, then refuses an empty value
#: a search query needs one term character (a letter or digit of Latin or CJK script; the query
#: syntax keeps letters and digits, see ``embeddings.query``); the same class in ECMA and Python regexes
TERM_CHAR = "[0-9A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u024F\\u3400-\\u4DBF\\u4E00-\\u9FFF]"


def text(limit: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": NON_BLANK}


COUNT = {"type": "integer", "minimum": 1, "maximum": MAX_K}
YEAR = {"type": "string", "pattern": r"^(19|20)\d\d$"}

LEVEL = {"type": "string", "enum": list(LEVELS)}


def list_window(kind: str) -> dict[str, tuple[dict[str, Any], bool]]:
    """Sort and window parameters of a list endpoint (``api.views.listing``)."""
    return {"sort": ({"type": "string", "enum": list(LISTS[kind].sort_keys)}, False),
            "order": ({"type": "string", "enum": list(ORDERS)}, False),
            "offset": ({"type": "integer", "minimum": 0}, False),
            "limit": ({"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, False)}


# (path, method) → parameter → (schema, required)
PARAMETERS: dict[tuple[str, str], dict[str, tuple[dict[str, Any], bool]]] = {
    ("/api/search", "get"): {
        "q": ({**text(MAX_QUERY_CHARS), "pattern": TERM_CHAR}, True), "k": (COUNT, False),
        "level": ({"type": "string", "enum": list(LEVELS)}, False),
        "doc": (text(MAX_NAME_CHARS), False), "place": (text(MAX_NAME_CHARS), False),
        "year": (YEAR, False), "type": ({"type": "string", "enum": list(FACT_TYPES)}, False),
        "offset": ({"type": "integer", "minimum": 0}, False),
        "sort": ({"type": "string", "enum": list(SORTS)}, False),
        "cutoff": ({"type": "number", "minimum": 0, "maximum": 1}, False),
        "scope": ({"type": "string", "enum": list(SCOPES)}, False),
    },
    ("/api/cascade", "get"): {"upper": (text(MAX_NAME_CHARS), True), "lower": (text(MAX_NAME_CHARS), True)},
    ("/api/concept/{name}", "get"): {"name": (text(MAX_NAME_CHARS), True)},
    ("/api/entities", "get"): {"type": ({"type": "string", "enum": list(ENTITY_TYPES)}, False),
                               "q": (text(MAX_QUERY_CHARS), False), **list_window("entities")},
    ("/api/documents", "get"): {"level": (LEVEL, False), "place": (text(MAX_NAME_CHARS), False),
                                "year": (YEAR, False), **list_window("documents")},
    ("/api/targets", "get"): {"indicator": (text(MAX_NAME_CHARS), False), "doc": (text(MAX_NAME_CHARS), False),
                              "level": (LEVEL, False), **list_window("targets")},
    ("/api/precedent", "get"): {"text": (text(MAX_DRAFT_CHARS), True), "k": (COUNT, False)},
    ("/api/documents/{doc_id}", "get"): {"doc_id": (text(MAX_NAME_CHARS), True)},
    ("/api/entities/{entity_id}", "get"): {"entity_id": (text(MAX_NAME_CHARS), True)},
}


def declare_limits(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (FastAPI's generated OpenAPI) with :data:`PARAMETERS` applied in place."""
    for (path, method), params in PARAMETERS.items():
        operation = schema.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        for p in operation.get("parameters", []):
            if p["name"] in params:
                declared, required = params[p["name"]]
                p["schema"] = {**{k: v for k, v in p.get("schema", {}).items() if k in ("title", "description")},
                               **declared}
                p["required"] = required or p.get("in") == "path"
    return schema
