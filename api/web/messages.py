"""Error messages in the page's language.

The domain raises English messages (``corpus.errors``; the JSON API and the CLI show them as they
are). A page shows them through :func:`localise`: each known message shape is read back into its
parts (parameter name, allowed values, the value given) and written again from the i18n strings
of the page's language; parameter names and machine values (``provincial``, ``date``) become
their labels. Values the user typed are marked ``translate="no"`` (they are quotations, not UI
text). A message of no known shape keeps its text inside a generic sentence.

>>> from api.web.i18n import translator
>>> str(localise("level must be one of central, township; got 'x'", translator("zh")))
'层级须为以下之一：中央、乡镇；收到的是 <span translate="no">&#39;x&#39;</span>'
>>> str(localise("no document 'abc'", translator("en")))
'no document <span translate="no">&#39;abc&#39;</span>'
"""
from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

#: parameter names in messages → i18n keys of their labels
PARAMS = {
    "q": "filter.q", "query": "filter.q", "k": "filter.k", "level": "filter.level", "place": "filter.place",
    "doc": "filter.doc", "year": "filter.year", "type": "filter.type", "sort": "search.sort",
    "scope": "search.scope", "cutoff": "search.cutoff", "offset": "filter.offset", "limit": "filter.limit",
    "text": "precedent.draft", "draft text": "precedent.draft", "name": "concept.name",
    "concept name": "concept.name", "entity id": "entity", "iri": "filter.iri", "indicator": "cascade.indicator",
    "document": "document", "entity": "entity", "IRI": "filter.iri", "path": "filter.path",
}
#: where a value of an "one of" list finds its label
VALUE_KEYS = ("level.{}", "search.sort.{}", "search.scope.{}", "type.{}")
_QUOTED = re.compile(r"('[^']*'|\"[^\"]*\")")

#: (pattern, i18n key of the message); named groups: name (a parameter), values (a list), any other
#: group is a value quoted from the request
SHAPES: list[tuple[re.Pattern, str]] = [(re.compile(p), k) for p, k in [
    (r"^(?P<name>[\w ]+?) must not be empty$", "msg.empty"),
    (r"^(?P<name>[\w ]+?) is (?P<n>\d+) characters long; the limit is (?P<limit>\d+)$", "msg.too_long"),
    (r"^(?P<name>\w+) must be one of (?P<values>[^;]+); got (?P<got>.+)$", "msg.one_of"),
    (r"^(?P<name>\w+) must be an integer, got (?P<got>.+)$", "msg.integer"),
    (r"^(?P<name>\w+) must be between (?P<lo>[\d.]+) and (?P<hi>[\d.]+), got (?P<got>.+)$", "msg.between"),
    (r"^(?P<name>\w+) must be a number, got (?P<got>.+)$", "msg.number"),
    (r"^(?P<name>\w+) must not be negative, got (?P<got>.+)$", "msg.negative"),
    (r"^year must be a four-digit year, got (?P<got>.+)$", "msg.year"),
    (r"^no (?P<name>[\w ]+?) (?P<got>'.*'|\".*\")$", "msg.not_found"),
    (r"^no such path: (?P<got>.+)$", "msg.no_path"),
    (r"^query (?P<got>'.*'|\".*\") has no search term \(see the query syntax\)$", "msg.no_term"),
    (r"^upper and lower must be two different documents$", "msg.same_document"),
    (r"^document (?P<got>'[^']*') is ambiguous: (?P<values>.+)$", "msg.ambiguous"),
    (r"^internal server error$", "msg.internal"),
]]


def _quoted(value: str) -> Markup:
    return Markup('<span translate="no">') + escape(value) + Markup("</span>")


def _label(value: str, t: Callable[[str], str]) -> Markup:
    for pattern in VALUE_KEYS:
        key = pattern.format(value)
        if t(key) != key:
            return escape(t(key))
    return _quoted(value)


def localise(message: str, t: Callable[[str], str]) -> Markup:
    """``message`` in the language of ``t`` (an :func:`api.web.i18n.translator`), as markup."""
    message = message or ""
    for pattern, key in SHAPES:
        m = pattern.match(message)
        if not m or t(key) == key:
            continue
        parts: dict[str, Markup] = {}
        for group, value in m.groupdict().items():
            if value is None:
                continue
            if group == "name":
                label = t(PARAMS[value]) if value in PARAMS else None
                if label and not label.isupper():
                    label = label[:1].lower() + label[1:]  # inside an English sentence: "level", not "Level"
                parts[group] = escape(label) if label else _quoted(value)
            elif group == "values":
                parts[group] = Markup(t("msg.list_sep")).join(_label(v.strip(), t) for v in value.split(","))
            elif group in ("n", "limit", "lo", "hi"):
                parts[group] = escape(value)
            else:
                parts[group] = _quoted(value)
        return Markup(escape(t(key)).format(**parts))
    if t("msg.list_sep") == "、":  # Chinese pages: a generic sentence around the untranslated detail
        return escape(t("msg.other")) + _quoted(message)
    return Markup("").join(_quoted(x) if _QUOTED.fullmatch(x) else escape(x) for x in _QUOTED.split(message))
