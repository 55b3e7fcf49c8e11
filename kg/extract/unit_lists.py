"""Responsibility lists as written: （责任单位：A、B；排在首位的为牵头单位）, 牵头单位：… / 配合单位：….

``parse_unit_lists(text)`` finds every list in a sentence with each unit's offsets and role;
both the agency extractor (every listed unit is an agency mention) and the responsibility
extractor (who leads what) read lists through it.

>>> [(u.surface, u.role) for u in parse_unit_lists("（牵头单位：县农业农村委；配合单位：县财政局、县水利局）")[0].units]
[('县农业农村委', 'lead'), ('县财政局', 'cooperating'), ('县水利局', 'cooperating')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from corpus.model import Document, Provision, Sentence
from kg.extract.text import iter_sentences

_LABEL = r"(责任单位|牵头单位|主责单位|配合单位|协同单位|参与单位|责任部门|牵头部门|配合部门)"
_MARKER = re.compile(_LABEL + r"\s*[：:]")
# 排在首位的为牵头单位 / 排在第一位的是牵头单位 / 第一个单位为牵头单位 / 列第一位的为牵头单位
LEAD_RULE = re.compile(r"(排在|列|位于)?(首位|第一位|第一个|最前|前面)的?(单位|部门)?(为|是)(牵头|主责)(单位|部门)")
_ROLE = {"牵头单位": "lead", "主责单位": "lead", "牵头部门": "lead",
         "配合单位": "cooperating", "协同单位": "cooperating", "参与单位": "cooperating",
         "配合部门": "cooperating"}
_UNIT_SPLIT = re.compile(r"[、，,；;]")
_OPEN, _CLOSE = "（(", "）)"


@dataclass
class Unit:
    start: int  # offsets in the parsed text
    end: int
    surface: str
    role: str | None = None  # lead | cooperating | None (plain 责任单位)


@dataclass
class UnitList:
    start: int  # from the opening parenthesis (or the label) …
    end: int  # … to the closing parenthesis (or the end of the list)
    units: list[Unit] = field(default_factory=list)
    states_lead_rule: bool = False  # the list itself says 排在首位的为牵头单位


def _close_paren(text: str, open_pos: int) -> int:
    depth = 0
    for k in range(open_pos, len(text)):
        if text[k] in _OPEN:
            depth += 1
        elif text[k] in _CLOSE:
            depth -= 1
            if depth == 0:
                return k
    return len(text)


def parse_unit_lists(text: str) -> list[UnitList]:
    """Every responsibility list in a sentence (parenthesised or as a bare ``责任单位：…`` line)."""
    out: list[UnitList] = []
    pos = 0
    while True:
        m = _MARKER.search(text, pos)
        if m is None:
            return out
        # the enclosing parenthesis, if the label opens one
        k = m.start() - 1
        while k >= 0 and text[k].isspace():
            k -= 1
        if k >= 0 and text[k] in _OPEN:
            start, end = k, _close_paren(text, k)
        else:
            start, end = m.start(), len(text)
            stop = re.search(r"[。]", text[m.end():])
            if stop:
                end = m.end() + stop.start()
        body_start, body_end = m.start(), end
        ul = UnitList(start, min(end + 1, len(text)) if end < len(text) and text[end] in _CLOSE else end)
        # the list ends at a full stop (a lead-rule remark may follow it inside the parentheses)
        segment = text[body_start:body_end]
        stop = segment.find("。")
        if stop >= 0:
            ul.states_lead_rule = bool(LEAD_RULE.search(segment[stop:]))
            body_end = body_start + stop
        # （责任单位：A、B；排在首位的为牵头单位，下同）: the remark ends the list
        rule = LEAD_RULE.search(text, body_start, body_end)
        if rule:
            ul.states_lead_rule = True
            body_end = rule.start()
        labels = list(re.finditer(_LABEL + r"\s*[：:]", text[body_start:body_end]))
        for i, lm in enumerate(labels):
            role = _ROLE.get(lm.group(1))
            seg_a = body_start + lm.end()
            seg_b = body_start + labels[i + 1].start() if i + 1 < len(labels) else body_end
            a = seg_a
            for piece in _UNIT_SPLIT.split(text[seg_a:seg_b]) + [None]:
                if piece is None:
                    break
                raw = piece
                lead_ws = len(raw) - len(raw.lstrip())
                item = raw.strip()
                if item:
                    ua = a + lead_ws
                    ul.units.append(Unit(ua, ua + len(item), item, role))
                a += len(raw) + 1
        out.append(ul)
        pos = max(ul.end, m.end())


def iter_unit_lists(doc: Document) -> Iterator[tuple[Provision, Sentence, list[tuple[int, int, str]]]]:
    """(provision, sentence, [(start, end, unit surface)]) for every list, sentence offsets."""
    for prov, sent in iter_sentences(doc):
        for ul in parse_unit_lists(sent.text):
            yield prov, sent, [(u.start, u.end, u.surface) for u in ul.units]
