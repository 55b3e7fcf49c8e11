"""Query syntax for search, in the style of legal databases (pure; no index needed).

=====================  =====================================================================
``高标准农田 建设``     AND: every term must occur (by default in the same provision)
``"四千行动"``          phrase: required verbatim (width, spaces, punctuation and quotes ignored);
                        ``“…”`` works too. A query with a phrase shows matches only, no semantic tail
``粮食 OR 油料``        OR between neighbouring terms (``|`` too)
``乡村振兴 -旅游``      exclude: no result contains the term
``/s`` · ``/p``         proximity: all terms in the same sentence (``/s``, ``同句``) or the same
                        provision (``/p``, ``同条``; the default)
=====================  =====================================================================

Matching is on the normalised text (:func:`squash`): NFKC (full-width → half-width), case folded,
every space, quote and punctuation mark removed, so ``“千村示范、万村整治”`` matches
``千村示范万村整治``. A plain query (one term, no operator) still gets the semantic tail after
its exact matches.

>>> q = parse('高标准农田 "四千 行动" OR 三千行动 -旅游 /s')
>>> [[t.key for t in g] for g in q.groups], [t.key for t in q.exclude], q.scope, q.strict
([['高标准农田'], ['四千行动', '三千行动']], ['旅游'], 'sentence', True)
>>> q.text
'高标准农田 四千 行动 三千行动'
>>> p = parse("四千行动"); p.plain, p.strict, p.whole
(True, False, '四千行动')
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SCOPES = ("sentence", "provision")
_SCOPE_TOKENS = {"/s": "sentence", "同句": "sentence", "/p": "provision", "同条": "provision", "同段": "provision"}
_OR_TOKENS = {"OR", "|", "或"}
_TOKEN = re.compile(r'"([^"]*)"?|“([^”]*)”?|(\S+)')
_KEEP = re.compile(r"[^\W_]+")

HELP = """\
Query syntax
  高标准农田 建设     all terms (AND), in the same provision
  "四千行动"          exact phrase, required (“…” works too); matches only, no semantic tail
  粮食 OR 油料        either term (| too)
  乡村振兴 -旅游      leave out results containing 旅游
  A B /s              A and B in the same sentence (同句); /p: in the same provision (同条, default)
Matching ignores full/half width, spaces, quotes and punctuation. Results that contain the
whole query come first, then those that contain every term; a plain query then lists
semantically close passages above the relevance cut-off, marked "semantic"."""


def squash(text: str) -> str:
    """Normalised matching key: NFKC, case folded, only letters/digits/CJK kept.

    >>> squash("“千村示范、万村整治”　工程 ＡＢ")
    '千村示范万村整治工程ab'
    """
    return "".join(_KEEP.findall(unicodedata.normalize("NFKC", text).casefold()))


@dataclass(frozen=True)
class Term:
    """One query term: its text as typed, its matching key, whether it was quoted."""

    text: str
    key: str
    phrase: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed query: AND over ``groups`` (each an OR of terms), minus ``exclude``, within ``scope``."""

    raw: str
    groups: tuple[tuple[Term, ...], ...]
    exclude: tuple[Term, ...] = ()
    scope: str = "provision"
    proximity: bool = False  # /s or /p given

    @property
    def terms(self) -> list[Term]:
        return [t for g in self.groups for t in g]

    @property
    def strict(self) -> bool:
        """Matches only (no semantic tail): a phrase, an OR or a proximity operator was used."""
        return self.proximity or any(t.phrase for t in self.terms) or any(len(g) > 1 for g in self.groups)

    @property
    def plain(self) -> bool:
        """One unquoted term and nothing else."""
        return len(self.groups) == 1 and len(self.groups[0]) == 1 and not self.groups[0][0].phrase and not self.exclude

    @property
    def whole(self) -> str | None:
        """The key a passage must contain to match the whole query (None with OR)."""
        if any(len(g) > 1 for g in self.groups) or not self.groups:
            return None
        return "".join(g[0].key for g in self.groups)

    @property
    def text(self) -> str:
        """What the rankers (BM25, the encoder) see: the positive terms, space-separated."""
        return " ".join(t.text for t in self.terms)


def parse(raw: str, scope: str | None = None) -> Query:
    """Parse ``raw`` (see the module doc); ``scope`` overrides ``/s``/``/p``. Terms without a
    letter, digit or CJK character are dropped; an operator without a term is ignored."""
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    groups: list[list[Term]] = []
    exclude: list[Term] = []
    found_scope = None
    pending_or = False
    for m in _TOKEN.finditer(raw.replace("\u3000", " ")):
        quoted = m.group(1) if m.group(1) is not None else m.group(2)
        word = m.group(3)
        if word is not None:
            if word in _SCOPE_TOKENS:
                found_scope = _SCOPE_TOKENS[word]
                continue
            if word in _OR_TOKENS:
                pending_or = bool(groups)
                continue
            neg = word[0] in "-－" and len(word) > 1
            text = word[1:] if neg else word
            phrase = False
            if len(text) > 2 and text[0] in '"“' and text[-1] in '"”':
                text, phrase = text[1:-1], True
            term = Term(text, squash(text), phrase)
            if not term.key:
                continue
            if neg:
                exclude.append(term)
                continue
        else:
            term = Term(quoted, squash(quoted), True)
            if not term.key:
                continue
        if pending_or and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return Query(raw, tuple(tuple(g) for g in groups), tuple(exclude), scope or found_scope or "provision",
                 proximity=bool(scope or found_scope))
