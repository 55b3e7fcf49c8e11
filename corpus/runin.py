"""Run-in layouts of crawled texts: put back the line breaks a crawl lost.

Real crawls deliver bodies with no line breaks at all (headings 一、 / （一） / 1. / 第N条 inline
after 。；：), a 文号 running into the addressee line, a signature + date running on after the
last sentence, and a body repeated twice. Each function here restores one such break so that
the line-based structure and metadata readers see the layout the document was printed with.

An inline heading is accepted only where a heading can stand: after a sentence end (。；：！？),
a closing bracket or a space run — or right after its parent heading's phrase, as its first
child, numbered 1 or running on — followed by a heading-like phrase (not another numeral + 、: 一、二、三产), and numbered
in sequence with its siblings (the next number, or 1 again under a new parent). A line is split
only when it holds at least two structural headings (第N章/节/条, 一、, （一）): a paragraph
enumerating （1）…（10） in a line-based report stays one paragraph.

>>> split_run_in_headings("通知如下：一、推进补网，健全体系（一）强化带动。甲。（二）科学布局。乙。二、推进强网（一）加强合作。")
'通知如下：\\n一、推进补网，健全体系\\n（一）强化带动。甲。\\n（二）科学布局。乙。\\n二、推进强网\\n（一）加强合作。'
>>> split_run_in_headings("健全完善全省统一、市县共享的平台。推行多证合一、一照一码。一、二、三产融合。")
'健全完善全省统一、市县共享的平台。推行多证合一、一照一码。一、二、三产融合。'
"""
from __future__ import annotations

import re

from corpus.metadata import DOC_NUMBER
from corpus.numerals import HAN as CJK
from corpus.numerals import cn_number

_CN = "一二三四五六七八九十百"
_INLINE = re.compile(
    rf"第(?P<chapter>[{_CN}\d]+)章|第(?P<section>[{_CN}\d]+)节|第(?P<article>[{_CN}\d]+)条"
    rf"|(?<![{_CN}第])(?P<part>[{_CN}]+)、|[（(](?P<item>[{_CN}]+)[）)]"
    r"|(?<![\d.．])(?P<point>\d{1,2})[.．](?![\d.．])|[（(](?P<point2>\d{1,2})[）)]"
)
_RANK = {"chapter": 1, "section": 2, "article": 3, "part": 4, "item": 5, "point": 6, "point2": 7}
_STRUCTURAL = ("chapter", "section", "article", "part", "item")
_BOUNDARY = "。；：！？;:!?）)”"
# the title a flattened body starts with (…实施方案一、总体要求): its genre word ends it
_TITLE_END = re.compile(r"(?:意见|方案|规划|纲要|要点|办法|细则|措施|计划|通知|决定|规定|条例)$")
# the phrase after a heading number: a CJK character or an opening quote, not a numeral list (一、二、)
_PHRASE = re.compile(rf"\s*(?:(?![{_CN}][、，])[{CJK}“《‘「]|(?:19|20)\d{{2}}年)")


class _Sequence:
    """Last number per kind, and whether a higher heading came since (so numbering may restart)."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}
        self.reopened: dict[str, bool] = {}

    def fits(self, kind: str, value: int) -> bool:
        last = self.last.get(kind, 0)
        return value == last + 1 or (value == 1 and self.reopened.get(kind, True))

    def take(self, kind: str, value: int) -> None:
        self.last[kind] = value
        self.reopened[kind] = False
        for k, r in _RANK.items():
            if r > _RANK[kind]:
                self.reopened[k] = True

    def copy(self) -> _Sequence:
        s = _Sequence()
        s.last, s.reopened = dict(self.last), dict(self.reopened)
        return s


def _candidates(line: str):
    for m in _INLINE.finditer(line):
        kind = m.lastgroup
        value = cn_number(m.group(kind))
        if value is None or not _PHRASE.match(line, m.end()):
            continue
        yield m.start(), m.end(), kind, value


def split_run_in_headings(text: str) -> str:
    """Break lines before inline headings (see module docstring)."""
    seq = _Sequence()
    out: list[str] = []
    for line in text.split("\n"):
        if "\t" in line:  # a table row keeps its cells together
            out.append(line)
            continue
        trial = seq.copy()
        cuts: list[int] = []
        structural = 0
        parent_end: int | None = None  # end of the last heading's number, while its phrase runs
        last_kind = "chapter"
        for start, end, kind, value in _candidates(line):
            at_start = not line[:start].strip()
            before = line[:start].rstrip()
            spaced = len(before) < start
            boundary = at_start or spaced or (before and before[-1] in _BOUNDARY) or bool(_TITLE_END.search(before))
            first_child = (parent_end is not None and _RANK[kind] > _RANK[last_kind] and start - parent_end <= 40
                           and not re.search(r"[。；：！？]", line[parent_end:start]))
            if not (boundary or first_child) or not trial.fits(kind, value):
                continue
            if kind in ("point", "point2") and not at_start and structural < 1:
                continue  # points split only inside a line already broken at a structural heading
            trial.take(kind, value)
            structural += kind in _STRUCTURAL
            parent_end, last_kind = end, kind
            if not at_start:
                cuts.append(len(before) if spaced else start)
        if structural >= 2 and cuts:
            pieces, prev = [], 0
            for c in cuts:
                pieces.append(line[prev:c].rstrip())
                prev = c
            pieces.append(line[prev:].lstrip())
            out.extend(p.strip() for p in pieces if p.strip())
            seq = trial
        else:
            _take_line_start(line, seq)
            out.append(line)
    return "\n".join(out)


def _take_line_start(line: str, seq: _Sequence) -> None:
    """A line that stays whole still numbers its leading heading in the sequence."""
    for start, _end, kind, value in _candidates(line):
        if not line[:start].strip() and kind in _STRUCTURAL:
            seq.take(kind, value)
        break


def split_doc_number_run_on(text: str) -> str:
    r"""A line that starts with a 文号 and runs on (国发〔2015〕32号各省、自治区…) is split after it.

    >>> split_doc_number_run_on("国发〔2014〕49号各省、自治区人民政府：")
    '国发〔2014〕49号\n各省、自治区人民政府：'
    """
    pat = re.compile(rf"^([ \t]*(?:{DOC_NUMBER.pattern}))(?=[^\s，。、）)])", re.MULTILINE)
    return pat.sub(lambda m: m.group(1) + "\n", text)


_ORG_END = r"(?:办公厅|办公室|人民政府|委员会|党委|党工委|政府|厅|局|委|部|院|中心|小组)"
_SIGNATURE = re.compile(
    rf"(?<=[。！？；])[ \t]*([{CJK}（）]{{2,40}}?{_ORG_END})[ \t]*((?:19|20)\d{{2}}年\d{{1,2}}月\d{{1,2}}日)"
)


def split_signature_run_on(text: str) -> str:
    r"""A signature + date run on after a sentence (…氛围。河北省人民政府办公厅2024年7月4日) → own lines.

    >>> split_signature_run_on("形成工作合力。河北省人民政府办公厅2024年7月4日")
    '形成工作合力。\n河北省人民政府办公厅\n2024年7月4日'
    """
    def cut(m: re.Match) -> str:
        tail = text[m.end():m.end() + 1]
        return f"\n{m.group(1)}\n{m.group(2)}" + ("\n" if tail and tail != "\n" else "")

    return _SIGNATURE.sub(cut, text)


def collapse_repeated(text: str, min_len: int = 50) -> str:
    r"""A line that is its own text twice (a crawl that stored the body twice) keeps one copy.

    >>> collapse_repeated("甲" * 60 + "甲" * 60 + "\n乙")
    '甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲甲\n乙'
    """
    out = []
    for line in text.split("\n"):
        n = len(line)
        if n >= 2 * min_len and n % 2 == 0 and line[: n // 2] == line[n // 2:]:
            line = line[: n // 2]
        out.append(line)
    return "\n".join(out)
