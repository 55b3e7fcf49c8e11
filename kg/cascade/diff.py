"""Character-level diff of two aligned provisions, with the changed spans classified.

A change is one run of edits between the upper and the lower text (short runs of equal
characters inside a rewritten stretch are absorbed so that a rewrite is one change, not
twenty one-character edits). Each change gets the kinds that describe it, most specific
first: ``obligation_changed``, ``place_changed``, ``unit_changed``, ``number_changed``,
then ``phrase_added`` / ``phrase_dropped`` / ``phrase_replaced`` for the rest.

>>> d = diff_texts("全市粮食面积稳定在3012万亩以上。", "全镇粮食面积稳定在2.4万亩以上。")
>>> [(c.kind, c.upper, c.lower) for c in d.changes]
[('place_changed', '全市', '全镇'), ('number_changed', '3012万亩', '2.4万亩')]
>>> diff_texts("全市应当确保完成。", "全镇可以力争完成。").kinds()
['obligation_changed', 'place_changed']
"""
from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from typing import Iterable

from rapidfuzz.distance import Indel

#: words that carry the force of a provision; a change among them changes its obligation.
OBLIGATION_WORDS: tuple[str, ...] = (
    "必须", "务必", "应当", "确保", "严禁", "禁止", "不得", "一律", "原则上",
    "力争", "争取", "鼓励", "支持", "可以", "允许",
)
_OBLIGATION = re.compile("|".join(sorted(OBLIGATION_WORDS, key=len, reverse=True)))

#: measurement units as printed after a number (longest first in the pattern).
UNITS: tuple[str, ...] = (
    "个百分点", "平方公里", "万人次", "万亩", "万吨", "亿斤", "万斤", "万头", "万只", "亿元", "万元",
    "千元", "公里", "千米", "人次", "万人", "%", "‰", "亩", "吨", "斤", "头", "只", "元", "米",
    "个", "户", "家", "名", "人", "项", "条", "座", "所", "处", "批", "场", "台", "套", "年", "倍",
)
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
#: a number with its unit, e.g. 3012万亩, 63.5%, 2—3个.
QUANTITY = re.compile(rf"(?P<num>\d+(?:\.\d+)?(?:\s*[—\-~～至]\s*\d+(?:\.\d+)?)?)\s*(?P<unit>{_UNIT_ALT})?")

_LEVEL = "省|市|区县|县|区|镇|乡镇|乡|街道|村"
#: self-references to a jurisdiction (全市, 我县, 本镇) and level words (市级, 区县, 乡镇).
JURISDICTION_WORD = re.compile(
    rf"(?:全|本|我|该)(?:省|市|县|区|镇|乡|村)|(?:{_LEVEL})级|区县|乡镇|(?:市|县|区|镇|乡)(?:委|政府)"
)


@dataclass(frozen=True)
class Change:
    """One changed stretch: upper text → lower text, with offsets into each."""

    kind: str
    kinds: tuple[str, ...]
    upper: str
    lower: str
    upper_start: int
    upper_end: int
    lower_start: int
    lower_end: int

    def to_dict(self) -> dict:
        d = asdict(self)
        d["kinds"] = list(self.kinds)
        return d


@dataclass
class Diff:
    """All changes between two texts, and how much of the text survived."""

    similarity: float  # Indel normalised similarity of the raw texts, 0..1
    changes: list[Change] = field(default_factory=list)

    def kinds(self) -> list[str]:
        """Distinct change kinds, sorted."""
        return sorted({k for c in self.changes for k in c.kinds})

    def to_dict(self) -> dict:
        return {"similarity": round(self.similarity, 4), "changes": [c.to_dict() for c in self.changes]}


def place_spans(text: str, names: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Spans of place references: known names (gazetteer / extraction) and jurisdiction words.

    >>> place_spans("垫江县三溪镇全镇", ["三溪镇", "垫江县", "垫江"])
    [(0, 3), (3, 6), (6, 8)]
    """
    spans: list[tuple[int, int]] = []
    for name in sorted({n for n in names if len(n) >= 2}, key=len, reverse=True):
        start = 0
        while (i := text.find(name, start)) >= 0:
            spans.append((i, i + len(name)))
            start = i + len(name)
    spans += [m.span() for m in JURISDICTION_WORD.finditer(text)]
    return _disjoint(spans)


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep the longest of overlapping spans, in text order."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        if out and s < out[-1][1]:
            continue
        out.append((s, e))
    return out


def _grow(start: int, end: int, spans: list[tuple[int, int]]) -> tuple[int, int, bool]:
    """Extend [start, end) to cover every span it touches; say whether any did."""
    hit = False
    for s, e in spans:
        if s < max(end, start + 1) and e > start:
            start, end, hit = min(start, s), max(end, e), True
    return start, end, hit


def _raw_changes(upper: str, lower: str, absorb: int) -> list[tuple[int, int, int, int]]:
    """Merged non-equal opcode runs as (upper_start, upper_end, lower_start, lower_end).

    Ratcliff/Obershelp matching (longest common block first) anchors on real shared
    passages; equal runs shorter than ``absorb`` between two edits are absorbed into one change.
    """
    runs: list[list[int]] = []
    gap = 0  # length of the equal run since the last change
    matcher = difflib.SequenceMatcher(None, upper, lower, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            gap += i2 - i1
            continue
        if runs and gap < absorb:
            r = runs[-1]
            r[1], r[3] = max(r[1], i2), max(r[3], j2)
        else:
            runs.append([i1, i2, j1, j2])
        gap = 0
    return [tuple(r) for r in runs]  # type: ignore[misc]


def _within(spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """Spans inside [start, end), made relative to ``start``."""
    return [(s - start, e - start) for s, e in spans if start <= s and e <= end]


def _quantities(text: str) -> list[tuple[str, str]]:
    return [(m.group("num"), m.group("unit") or "") for m in QUANTITY.finditer(text)]


#: words that state how a number binds (达到 62%以上): part of a number change, not a new phrase.
_COMPARATOR = re.compile(r"达到|提升至|提升到|提高到|提高至|提升|提高|保持在|稳定在|不低于|不超过|不少于|不高于|以上|以下|左右|增长|超过|至少")
_PUNCT = re.compile(r"[\s，。；：、,.;:！？!?“”\"'‘’（）()《》]")


def _residual(text: str, places: list[tuple[int, int]]) -> str:
    """What is left of a changed span once places, quantities, obligation words and punctuation go."""
    chars = list(text)
    for s, e in places:
        chars[s:e] = [""] * (e - s)
    rest = "".join(chars)
    return _PUNCT.sub("", _COMPARATOR.sub("", _OBLIGATION.sub("", QUANTITY.sub("", rest))))


def _classify(u: str, l: str, u_places: list[tuple[int, int]], l_places: list[tuple[int, int]]) -> tuple[str, ...]:
    """Kinds of one change. Specific kinds (obligation, place, unit, number) are given only when
    the rest of the change is small or similar on both sides — a rewritten clause that happens
    to contain 确保 is a replaced phrase, not an obligation change."""
    us, ls = _PUNCT.sub("", u), _PUNCT.sub("", l)
    if not us or not ls:
        bare = len(_OBLIGATION.sub("", us + ls)) <= 1  # an obligation word inserted or removed alone
        if bare and _OBLIGATION.search(us + ls):
            return ("obligation_changed",)
        return ("phrase_added",) if not us else ("phrase_dropped",)
    ru, rl = _residual(u, u_places), _residual(l, l_places)
    if len(ru) + len(rl) > 4 and Indel.normalized_similarity(ru, rl) < 0.6:
        return ("phrase_replaced",)
    kinds: list[str] = []
    if _OBLIGATION.findall(u) != _OBLIGATION.findall(l):
        kinds.append("obligation_changed")
    if u_places or l_places:
        kinds.append("place_changed")
    qu, ql = _quantities(u), _quantities(l)
    if qu and ql:
        if [q[1] for q in qu] != [q[1] for q in ql]:
            kinds.append("unit_changed")
        if [q[0] for q in qu] != [q[0] for q in ql]:
            kinds.append("number_changed")
    return tuple(kinds) or ("phrase_replaced",)


def diff_texts(
    upper: str,
    lower: str,
    *,
    upper_places: Iterable[str] = (),
    lower_places: Iterable[str] = (),
    absorb: int = 3,
) -> Diff:
    """Character-level diff of ``upper`` → ``lower`` with classified changes.

    ``upper_places`` / ``lower_places`` are place names known to occur in either text (from
    the gazetteer or extraction mentions); jurisdiction words (全市, 区县, 镇级) are always found.
    Changed spans are widened to whole numbers-with-units and whole place references.

    >>> diff_texts("确保2024年完成", "确保2024年完成").changes
    []
    >>> [c.kind for c in diff_texts("加强监管。", "加强监管，严格考核。").changes]
    ['phrase_added']
    >>> [c.kind for c in diff_texts("完成改造。", "确保完成改造。").changes]
    ['obligation_changed']
    """
    uspans = place_spans(upper, upper_places)
    lspans = place_spans(lower, lower_places)
    uq = [m.span() for m in QUANTITY.finditer(upper)]
    lq = [m.span() for m in QUANTITY.finditer(lower)]
    uo = [m.span() for m in _OBLIGATION.finditer(upper)]
    lo = [m.span() for m in _OBLIGATION.finditer(lower)]
    changes: list[Change] = []
    for us, ue, ls, le in _raw_changes(upper, lower, absorb):
        us, ue, _ = _grow(us, ue, uspans)
        ls, le, _ = _grow(ls, le, lspans)
        if ue > us and le > ls:  # widen replacements to whole quantities / obligation words
            us, ue, _ = _grow(us, ue, uq + uo)
            ls, le, _ = _grow(ls, le, lq + lo)
        if changes and (us < changes[-1].upper_end or ls < changes[-1].lower_end):
            prev = changes.pop()  # widening made two changes overlap: merge them
            us, ls = min(us, prev.upper_start), min(ls, prev.lower_start)
            ue, le = max(ue, prev.upper_end), max(le, prev.lower_end)
        u, l = upper[us:ue], lower[ls:le]
        kinds = _classify(u, l, _within(uspans, us, ue), _within(lspans, ls, le))
        changes.append(Change(kinds[0], kinds, u, l, us, ue, ls, le))
    return Diff(Indel.normalized_similarity(upper, lower), changes)


# ---------------------------------------------------------------- relation of an aligned pair

_FOLD_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")


def compared_text(text: str, number: str = "") -> str:
    """Provision text as diffed: whitespace removed (CJK text has none that matters) and the
    printed number (一、, （三）) dropped from the front — renumbering is not a content change.

    >>> compared_text("（三）严格落实 耕地保护制度。", "（三）")
    '严格落实耕地保护制度。'
    """
    text = _SPACE.sub("", text)
    return text[len(number) :] if number and text.startswith(number) else text


LOCAL_KINDS = frozenset({"number_changed", "place_changed", "unit_changed", "obligation_changed"})


def taken_share(lower: str, diff: Diff) -> float:
    """Share of the lower text that is the upper's wording: verbatim, or changed only in
    numbers, places, units or obligation words.

    >>> taken_share("全镇新建2.4万亩农田，另建水库。", diff_texts("全市新建3012万亩农田。", "全镇新建2.4万亩农田，另建水库。"))
    0.7059
    """
    if not lower:
        return 1.0
    fresh = sum(c.lower_end - c.lower_start for c in diff.changes if not LOCAL_KINDS.intersection(c.kinds))
    return round(1.0 - fresh / len(lower), 4)


def relation_of(lower: str, diff: Diff, *, copied: float = 0.9, adapted: float = 0.7) -> str:
    """``copied`` (near-verbatim: similarity ≥ ``copied``), ``adapted`` (at least ``adapted``
    of the lower text is the upper's wording with only numbers/places/units/obligation words
    swapped; dropped upper sentences allowed) or ``reworded``.

    >>> l = "全镇新建2.4万亩农田。"
    >>> relation_of(l, diff_texts("全市新建3012万亩农田。", l))
    'adapted'
    >>> relation_of(l, diff_texts(l, l))
    'copied'
    """
    if diff.similarity >= copied:
        return "copied"
    return "adapted" if taken_share(lower, diff) >= adapted else "reworded"
