"""Cleaning: raw reader text → the cleaned text every offset refers to, plus footnotes.

Steps, in order: newline/space normalisation, docx-export artifacts (``[bookmark: …]``,
``[footnoteRef:N]`` + ``[N: note text]``), tab-separated table dumps → one row per line,
full-width digits/Latin → ASCII, stray spaces in numbers, run-in layouts of crawls (a body
stored twice, a 文号 or a signature run on, headings inline: :mod:`corpus.runin`), lines broken mid-sentence by
page breaks re-joined, blank-line runs collapsed; footnote markers are removed last so
that each :class:`~corpus.model.Note` anchors at an exact offset of the final text.

>>> clean("[bookmark: _Toc1]全市粮食播种面积和产量分别稳定在 3012 万亩、\\n\\n２１６亿斤以上。").text
'全市粮食播种面积和产量分别稳定在3012万亩、216亿斤以上。'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import Note
from corpus.numerals import HAN as CJK
from corpus.runin import (
    collapse_repeated,
    split_doc_number_run_on,
    split_run_in_headings,
    split_signature_run_on,
)

# Punctuation that ends a sentence or a line-level unit: a line ending in one is complete.
SENTENCE_FINAL = "。！？；：!?;:…"
HEADING_RE = re.compile(
    r"^\s*(第[一二三四五六七八九十百零〇两\d]+[章节条编部分]|[一二三四五六七八九十百]+、"
    r"|[（(][一二三四五六七八九十百]+[）)]|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)]|专栏\s*\S|表\s*\d|附件)"
)


@dataclass
class Cleaned:
    """The cleaned text and the footnotes taken out of it."""

    text: str
    notes: list[Note] = field(default_factory=list)


_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
_FOOTREF = re.compile(r"\[footnoteRef:\s*(\w+)\]")
_MARK = "\x00"  # placeholder for a footnote reference while the text is being cleaned


def clean(raw: str) -> Cleaned:
    """Clean raw reader output (see module docstring)."""
    text = _normalise_whitespace(raw)
    text = _BOOKMARK.sub("", text)
    text, defs = _take_footnote_definitions(text)
    labels: list[str] = []

    def mark(m: re.Match) -> str:
        labels.append(m.group(1))
        return _MARK

    text = _FOOTREF.sub(mark, text.replace(_MARK, ""))
    text = normalise_tables(text)
    text = normalise_width(text)
    text = fix_number_spaces(text)
    text = collapse_repeated(text)
    text = split_doc_number_run_on(text)
    text = split_signature_run_on(text)
    text = split_run_in_headings(text)
    text = "\n".join(line.strip(" ") for line in text.split("\n"))
    text = join_broken_lines(text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    # Footnote markers out, anchors recorded in the final text.
    notes: list[Note] = []
    out: list[str] = []
    pos = 0
    for label, piece in zip(labels, text.split(_MARK)[:-1]):
        out.append(piece)
        pos += len(piece)
        notes.append(Note(label=label, text=defs.get(label, ""), anchor=pos))
    out.append(text.split(_MARK)[-1])
    return Cleaned(text="".join(out), notes=notes)


def _normalise_whitespace(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = re.sub(r"[\ufeff\u200b\u200c\u200d\u2060\u00ad]", "", text)
    text = re.sub(r"[\u00a0\u2002\u2003\u2009\u3000]", " ", text)
    return re.sub(r"[ \t]+\n", lambda m: "\n" if "\t" not in m.group(0) else "\t\n", text)


def _take_footnote_definitions(text: str) -> tuple[str, dict[str, str]]:
    """Remove ``[N: note text]`` definitions whose label is referenced by ``[footnoteRef:N]``.

    >>> _take_footnote_definitions("户[footnoteRef:0]和人。 [0: 即：脱贫户。] ")
    ('户[footnoteRef:0]和人。', {'0': '即：脱贫户。'})
    """
    refs = set(_FOOTREF.findall(text))
    defs: dict[str, str] = {}

    def take(m: re.Match) -> str:
        if m.group(1) in refs and m.group(1) not in defs:
            defs[m.group(1)] = m.group(2).strip()
            return ""
        return m.group(0)

    text = re.sub(r"[ \t]*\[(\w+):\s*([^\[\]\n]*)\][ \t]*", take, text)
    return text, defs


# ------------------------------------------------------------------------- tables


def normalise_tables(text: str) -> str:
    r"""Turn tab-led cell-per-line dumps (docx → text) into one row per line, cells tab-separated.

    In a dump every cell is a line starting with a tab, a blank line ends a row, and a line
    without a tab continues the previous cell. A dump whose rows all have one cell (a
    boxed 专栏) is unwrapped into plain lines.

    >>> normalise_tables("表1\n\t序号\n\t指标\n\n\t1\n\t增速\n\n正文")
    '表1\n序号\t指标\n1\t增速\n\n正文'
    >>> normalise_tables("\t专栏1  重点\n\n\t甲：乙。\n丙：丁。\n\n正文")
    '专栏1  重点\n甲：乙。\n丙：丁。\n\n正文'
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("\t"):
            out.append(lines[i])
            i += 1
            continue
        rows: list[list[str]] = []
        row: list[str] = []
        while i < len(lines):
            ln = lines[i]
            if ln.startswith("\t"):
                row.append(ln.strip())
            elif not ln.strip():
                if row:
                    rows.append(row)
                    row = []
                # a run of blank lines followed by a non-tab line ends the dump
                j = i
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j >= len(lines) or not lines[j].startswith("\t"):
                    i = j
                    break
            elif row:
                row[-1] = (row[-1] + "\n" + ln.strip()) if row[-1] else ln.strip()
            else:
                break
            i += 1
        if row:
            rows.append(row)
        if out and out[-1].strip() and not HEADING_RE.match(out[-1]):
            out.append("")  # a table starts its own block
        if all(len(r) == 1 for r in rows):
            out.extend(r[0] for r in rows if r[0])
        else:
            out.extend("\t".join(c.replace("\n", " ") for c in r) for r in rows)
        if i < len(lines):
            out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------------- widths

_FW_TABLE = {i: i - 0xFEE0 for i in range(0xFF10, 0xFF1A)}  # ０-９
_FW_TABLE.update({i: i - 0xFEE0 for i in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FW_TABLE.update({i: i - 0xFEE0 for i in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FW_TABLE.update({0xFF05: ord("%"), 0xFF0B: ord("+"), 0xFF1D: ord("="), 0xFF1C: ord("<"), 0xFF1E: ord(">")})


def normalise_width(text: str) -> str:
    """Full-width digits/Latin/% → ASCII; ASCII punctuation inside Chinese text → Chinese.

    Chinese punctuation (，。（）、“”：；) is kept; a full-width point between digits
    becomes ``.``; ASCII ``(``/``)``/``,``/``;``/``:`` next to Chinese become full-width.

    >>> normalise_width("（２０２１－２０２５年）比例(%)，ＧＤＰ增长１．５％,全面")
    '（2021-2025年）比例（%），GDP增长1.5%，全面'
    """
    text = text.translate(_FW_TABLE)
    text = re.sub(r"(?<=\d)[．](?=\d)", ".", text)
    text = re.sub(r"(?<=\d)﹒", ".", text)  # small full stop (1﹒推进…) as a point number
    text = re.sub(r"(?<=\d)[－](?=\d)", "-", text)
    # ASCII parentheses around or next to Chinese → full-width
    text = re.sub(
        r"\(([^()\n]{0,60})\)",
        lambda m: f"（{m.group(1)}）"
        if re.search(f"[{CJK}%]", m.group(1)) or _cjk_before(text, m.start()) else m.group(0),
        text,
    )
    text = re.sub(rf"(?<=[{CJK}）”%]),(?!\d)", "，", text)
    text = re.sub(rf"(?<=[{CJK}）”]);", "；", text)
    text = re.sub(rf"(?<=[{CJK}）”]):(?![\d/])", "：", text)
    return text


def _cjk_before(text: str, i: int) -> bool:
    return i > 0 and bool(re.match(f"[{CJK}]", text[i - 1]))


def fix_number_spaces(text: str) -> str:
    """Remove stray spaces between numbers and Chinese (``2024 年`` → ``2024年``).

    >>> fix_number_spaces("稳定在 3012 万亩、216 亿斤，至少 5% 的 用地")
    '稳定在3012万亩、216亿斤，至少5%的 用地'
    """
    text = re.sub(rf"(?<=[{CJK}，。、；：“（《]) {{1,2}}(?=\d)", "", text)
    text = re.sub(rf"(?<=\d|%) {{1,2}}(?=[{CJK}，。、；：”）》])", "", text)
    return text


# ------------------------------------------------------------------------- page breaks


def _is_layout_line(line: str) -> bool:
    """Lines laid out with runs of spaces (signatures, dates, headers) never continue."""
    return "  " in line or "\t" in line


def join_broken_lines(text: str, min_len: int = 20) -> str:
    r"""Re-join a paragraph broken by a page break (a line, blank lines, its continuation).

    The first line must look like running text cut short: at least ``min_len`` characters,
    not a bare heading, no layout spacing, and no sentence-final punctuation at its end; the
    next non-blank line must not start a heading or a table row.

    >>> join_broken_lines("以深入实施千万亩高标准农田改造提升、千亿级生\n\n态特色产业培育为抓手。\n\n二、总体要求")
    '以深入实施千万亩高标准农田改造提升、千亿级生态特色产业培育为抓手。\n\n二、总体要求'
    >>> join_broken_lines("一、总体要求\n\n坚持以习近平新时代中国特色社会主义思想为指导。")
    '一、总体要求\n\n坚持以习近平新时代中国特色社会主义思想为指导。'
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        while (
            j > i + 1
            and j < len(lines)
            and _is_cut_short(line, min_len)
            and not HEADING_RE.match(lines[j])
            and not _is_layout_line(lines[j])
            and not lines[j].lstrip().startswith(("—", "●", "■", "◆", "★", "※"))
            and _MARK not in lines[j][:1]
            and not _SALUTATION.match(lines[j].strip())
        ):
            line = line.rstrip() + lines[j].lstrip()
            i = j
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
        out.append(line)
        i += 1
    return "\n".join(out)


_SALUTATION = re.compile(r"^各.{1,60}：$")  # 各村（社区）党支部、…：
# A line ending like a document title (…实施方案, …的通知, …（2021—2025年）) is complete.
_TITLE_END = re.compile(
    r"(通知|意见|方案|规划|纲要|要点|办法|细则|规定|决定|条例|计划|报告|批复|请示|函|通报|公告|决议|[（(][^（）()]*年[）)])$"
)


def _is_cut_short(line: str, min_len: int) -> bool:
    s = line.strip()
    return (
        len(s) >= min_len
        and not _TITLE_END.search(s)
        and s[-1] not in SENTENCE_FINAL
        and s[-1] != _MARK
        and (not HEADING_RE.match(s) or "。" in s or len(s) >= 40)  # a bare heading is complete
        and not _is_layout_line(line.strip())
        and bool(re.match(rf"[{CJK}\d，、“”‘’（《a-zA-Z%]", s[-1]))
    )
