"""Structure: cleaned text → a flat, reading-order list of provisions forming a tree.

Headings start a line: 第N章 (chapter), 第N节 (section), 第N条 (article), 一、 (part), （一） (item),
1. / 1、 / （1） (point), 专栏N (box), 表N + tab-separated rows (table). A document with no
recognisable heading is one ``body`` provision; text before the first heading is the
``preamble``. Ids are AKN-style paths built from the printed numbers (``part_2/item_7``).

Offsets: every sentence satisfies ``text[s.start:s.end] == s.text``; a provision's own
text is ``text[p.start:p.end]`` unless a box or table interrupts it (then ``p.text`` joins
its pieces with a newline and ``start``/``end`` cover the first piece).

>>> ps = segment("一、总体要求\\n坚持稳中求进。\\n（一）稳定粮食生产。推广良种；扩大面积。")
>>> [(p.id, p.number, p.title) for p in ps]
[('part_1', '一、', '总体要求'), ('part_1/item_1', '（一）', '稳定粮食生产')]
>>> [s.text for s in ps[1].sentences]
['（一）稳定粮食生产。', '推广良种；', '扩大面积。']
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.model import Provision, Sentence, Table
from corpus.numerals import cn_number

_CN = "零〇一二三四五六七八九十百两"


# kind, AKN prefix, rank (lower = higher in the tree), pattern (groups: number, rest)
_HEADINGS: list[tuple[str, str, int, re.Pattern]] = [
    ("chapter", "chp", 1, re.compile(rf"^(第([{_CN}\d]+)章)\s*(.*)$")),
    ("section", "sec", 2, re.compile(rf"^(第([{_CN}\d]+)节)\s*(.*)$")),
    ("article", "art", 3, re.compile(rf"^(第([{_CN}\d]+)条)\s*(.*)$")),
    ("part", "part", 4, re.compile(r"^(([一二三四五六七八九十百]+)、)\s*(.*)$")),
    ("item", "item", 5, re.compile(r"^([（(]([一二三四五六七八九十百]+)[）)])\s*(.*)$")),
    ("point", "point", 6, re.compile(r"^((\d{1,2})[.．、])(?!\d)\s*(.*)$")),
    ("point", "point", 7, re.compile(r"^([（(](\d{1,2})[）)])\s*(.*)$")),
    ("box", "box", 8, re.compile(rf"^(专栏\s*([{_CN}\d]+))\s*(.*)$")),
    ("table", "table", 8, re.compile(r"^(表\s*(\d+))\s*(.*)$")),
]
# 附件 / 附件1 / 附件：title — a top-level annex, only once the body has begun (a notice's
# 附件 line before the plan it wraps is running text)
_ANNEX = re.compile(r"^(附件\s*(\d{0,2}))\s*(?:[：:]\s*(.*))?$")
_PREFIX = {"annex": "annex", "chapter": "chp", "section": "sec", "article": "art", "part": "part", "item": "item", "point": "point",
           "box": "box", "table": "table"}


@dataclass
class _Heading:
    kind: str
    rank: int
    number: str
    value: int | None
    rest: str


def match_heading(line: str) -> _Heading | None:
    """The heading a line starts with, if any.

    >>> h = match_heading("（三十四）优化乡村振兴工作推进机制。建立…")
    >>> (h.kind, h.number, h.value)
    ('item', '（三十四）', 34)
    >>> match_heading("2.2024年巴渝和美乡村创建申报名单") is None
    True
    """
    s = line.strip()
    for kind, _prefix, rank, pat in _HEADINGS:
        m = pat.match(s)
        if m:
            if kind == "table" and not m.group(3):
                return None
            if kind in ("chapter", "section", "article", "part", "item") and not m.group(3):
                return None  # a bare number on its own line is not a heading
            return _Heading(kind, rank, m.group(1), cn_number(m.group(2)), m.group(3))
    return None


def match_annex(line: str) -> _Heading | None:
    """An annex heading (附件, 附件2, 附件：title), ranked above every other heading.

    >>> h = match_annex("附件2：重点任务清单")
    >>> (h.kind, h.number, h.value, h.rest)
    ('annex', '附件2', 2, '重点任务清单')
    >>> match_annex("附件中的表格请按时填报") is None
    True
    """
    m = _ANNEX.match(line.strip())
    if not m:
        return None
    return _Heading("annex", 0, m.group(1).replace(" ", ""), int(m.group(2)) if m.group(2) else None,
                    m.group(3) or "")


def heading_title(rest: str) -> str:
    """The heading sentence: the text after the number, up to the first 。/：/；.

    >>> heading_title("稳定粮食生产。推广良种")
    '稳定粮食生产'
    >>> heading_title("  工作基础和环境")
    '工作基础和环境'
    """
    rest = rest.strip()
    m = re.search(r"[。；：:！？]", rest)
    title = rest[: m.start()] if m else rest
    return title.strip() if len(title) <= 80 else ""


# ------------------------------------------------------------------------ sentences

_OPEN, _CLOSE = "（(【[", "）)】]"


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans in ``text[start:end]``: split after 。！？； (plus closing quotes)
    and at line ends, never inside （…）; spans are stripped of surrounding whitespace.

    >>> t = "一是强化帮扶（牵头单位：甲；配合单位：乙）。二是稳就业！\\n表头"
    >>> [t[a:b] for a, b in split_sentences(t, 0, len(t))]
    ['一是强化帮扶（牵头单位：甲；配合单位：乙）。', '二是稳就业！', '表头']
    """
    spans: list[tuple[int, int]] = []
    depth = 0
    s = start
    i = start
    while i < end:
        c = text[i]
        cut = None
        if c == "\n":
            cut = i
            depth = 0
        elif c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
        elif c in "。！？；!?" and depth == 0:
            j = i + 1
            while j < end and text[j] in "”’」』\"'":
                j += 1
            cut = j
            i = j - 1
        if cut is not None:
            spans.append((s, cut))
            s = cut + 1 if c == "\n" else cut
        i += 1
    spans.append((s, end))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


# ------------------------------------------------------------------------ segmentation


@dataclass
class _Node:
    prov: Provision
    rank: int
    chunks: list[list[int]] = field(default_factory=list)  # [start, end] pieces of own text
    header: list[str] | None = None  # a table continued under a category row: the header it shares


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def segment(text: str) -> list[Provision]:
    """Provisions of a cleaned text, flat in reading order (see module docstring)."""
    lines = _lines(text)
    nodes: list[_Node] = []
    stack: list[_Node] = []
    current: _Node | None = None  # node receiving running text
    table_open = False
    shared_header: list[str] | None = None

    def new_node(kind: str, rank: int, number: str, value: int | None, title: str, pos: int) -> _Node:
        parent = stack[-1] if stack else None
        siblings = [n for n in nodes if n.prov.parent == (parent.prov.id if parent else None)]
        prefix = _PREFIX.get(kind, kind)
        same = [n for n in siblings if n.prov.kind == kind]
        seg = f"{prefix}_{value if value is not None else len(same) + 1}"
        taken = {n.prov.id.rsplit("/", 1)[-1] for n in siblings}
        if seg in taken:
            seg = f"{prefix}_{len(same) + 1}"
            k = 2
            while seg in taken:
                seg, k = f"{prefix}_{len(same) + 1}_{k}", k + 1
        pid = f"{parent.prov.id}/{seg}" if parent else seg
        prov = Provision(id=pid, kind=kind, number=number, ordinal=len(siblings) + 1, title=title,
                         parent=parent.prov.id if parent else None)
        if parent:
            parent.prov.children.append(pid)
        node = _Node(prov, rank, [[pos, pos]])
        nodes.append(node)
        return node

    def add_text(node: _Node, a: int, b: int) -> None:
        last = node.chunks[-1] if node.chunks else None
        if last is not None and last[1] >= 0 and _only_space(text, last[1], a):
            last[1] = b
        else:
            node.chunks.append([a, b])

    has_heading = any(match_heading(text[a:b]) or ("\t" in text[a:b] and _category_row(text[a:b]))
                      for a, b in lines)
    for idx, (a, b) in enumerate(lines):
        line = text[a:b]
        if not line.strip():
            continue
        is_row = "\t" in line
        h = match_heading(line) if not is_row else _category_row(line)
        if h is not None and is_row:  # a category row (一、… alone in a row) of a table document
            header = _table_header(text, nodes[-1]) if table_open and nodes else None
            while stack and stack[-1].rank >= h.rank:
                stack.pop()
            node = new_node(h.kind, h.rank, h.number, h.value, heading_title(h.rest), a)
            node.chunks = [[a, a + len(line.rstrip())]]
            stack.append(node)
            current, table_open, shared_header = node, False, header or shared_header
            continue
        if not is_row and h is None and any(n.prov.kind not in ("preamble", "body") for n in nodes):
            h = match_annex(line)
        if h and h.kind == "table" and not _next_is_row(text, lines, idx):
            h = None
        if h:
            while stack and stack[-1].rank >= h.rank:
                stack.pop()
            title = heading_title(h.rest) if h.kind != "article" else ""  # 第N条 has no heading
            node = new_node(h.kind, h.rank, h.number, h.value, title, a)
            node.chunks = [[a, b]]
            stack.append(node)
            current = node
            table_open = h.kind == "table"
            continue
        if is_row:
            if not table_open:  # rows without a 表N caption: an unnumbered table
                while stack and stack[-1].rank >= 8:
                    stack.pop()
                node = new_node("table", 8, "", None, "", a)
                node.chunks = [[a, b]]
                node.header = shared_header
                stack.append(node)
                current, table_open = node, True
            else:
                add_text(current, a, b)
            continue
        if table_open:
            if current is not None and re.match(r"^(注|资料来源|说明)[:：]", line.strip()):
                add_text(current, a, b)
                continue
            # the table ended: the text returns to its parent
            table_open = False
            stack.pop()
            current = stack[-1] if stack else None
        if current is None:
            lead = next((n for n in nodes if n.prov.kind in ("preamble", "body")), None)
            if lead is not None:  # text after a top-level table: back to the leading text
                current = lead
            else:
                kind = "preamble" if has_heading else "body"
                current = new_node(kind, 0, "", None, "", a)
                current.prov.id = kind
                current.chunks = [[a, b]]
                continue
        add_text(current, a, b)

    provisions = []
    for node in nodes:
        p = node.prov
        chunks = [(s, e) for s, e in node.chunks if e > s]
        if not chunks:
            chunks = [(node.chunks[0][0], node.chunks[0][0])]
        p.start, p.end = chunks[0]
        p.text = "\n".join(text[s:e] for s, e in chunks)
        sents = [sp for s, e in chunks for sp in split_sentences(text, s, e)]
        p.sentences = [Sentence(id=f"{p.id}/s_{n}", text=text[s:e], start=s, end=e)
                       for n, (s, e) in enumerate(sents, 1)]
        if p.kind == "table":
            p.table = _table(p, text, chunks)
            if node.header and p.table.header != node.header:
                p.table.rows.insert(0, p.table.header)
                p.table.header = list(node.header)
        provisions.append(p)
    return provisions


def _category_row(line: str) -> _Heading | None:
    """A table row whose only filled cell is a 一、/第N章/（一） heading: a top-level category.

    >>> _category_row("一、产业发展\t\t").number, _category_row("1\t一、产业发展\t甲") is None
    ('一、', True)
    """
    cells = [c.strip() for c in line.split("\t") if c.strip()]
    if len(cells) != 1:
        return None
    h = match_heading(cells[0])
    return h if h is not None and h.kind in ("chapter", "part", "item") else None


def _table_header(text: str, node: _Node) -> list[str] | None:
    """The header row of the table ``node`` when it holds nothing but that row."""
    if node.prov.kind != "table":
        return None
    rows = [ln for s, e in node.chunks for ln in text[s:e].split("\n") if "\t" in ln]
    return [c.strip() for c in rows[0].split("\t")] if len(rows) == 1 else None


def _only_space(text: str, a: int, b: int) -> bool:
    return a <= b and not text[a:b].strip()


def _next_is_row(text: str, lines: list[tuple[int, int]], idx: int) -> bool:
    for a, b in lines[idx + 1: idx + 4]:
        if text[a:b].strip():
            return "\t" in text[a:b]
    return False


def _table(p: Provision, text: str, chunks: list[tuple[int, int]]) -> Table:
    rows, notes = [], []
    caption = ""
    for s, e in chunks:
        for line in text[s:e].split("\n"):
            if "\t" in line:
                rows.append([c.strip() for c in line.split("\t")])
            elif line.strip() and not rows and not caption:
                caption = line.strip()
            elif line.strip():
                notes.append(line.strip())
    return Table(caption=caption, header=rows[0] if rows else [], rows=rows[1:], notes=notes)
