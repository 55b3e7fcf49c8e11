"""Responsibility lists: （责任单位：A、B、C） and （牵头单位：A；配合单位：B、C） per provision.

>>> [u.surface for u in parse_unit_lists("做好工作。（责任单位：县农业农村局、县财政局等）")[0].units]
['县农业农村局', '县财政局等']
>>> ul = parse_unit_lists("（牵头单位：县委组织部；配合单位：县财政局、县人社局）")[0]
>>> [(u.surface, u.role) for u in ul.units]
[('县委组织部', 'lead'), ('县财政局', 'cooperating'), ('县人社局', 'cooperating')]
>>> bool(LEAD_RULE.search("排在首位的为牵头单位，下同"))
True
>>> ul = parse_unit_lists("（责任单位：镇农业服务中心、镇财政所；排在首位的为牵头单位，下同）")[0]
>>> [u.surface for u in ul.units], ul.states_lead_rule
(['镇农业服务中心', '镇财政所'], True)
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from corpus.model import Document, Provision, Sentence
from kg.extract.agencies import AgencyNormaliser, agency_id
from kg.extract.text import iter_sentences, make_span
from kg.records import ResponsibilityRecord

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


def _owner(doc: Document, prov: Provision, sent: Sentence, ul: UnitList, previous: Provision | None) -> str:
    """The provision a list belongs to: its own, unless the list stands alone as an unnumbered
    paragraph right after a provision (then that provision)."""
    alone = not sent.text[: ul.start].strip() and prov.sentences and prov.sentences[0].id == sent.id
    if alone and not prov.number and previous is not None:
        return previous.id
    return prov.id


def extract_responsibilities(doc: Document, agency_normaliser: Callable[[str], str] | None = None) -> list[ResponsibilityRecord]:
    """One record per responsibility list, units normalised in order.

    ``lead``: the 牵头单位 when labelled; else, when the document states that the first listed
    unit leads (排在首位的为牵头单位), the first unit of every list from that statement on
    (of every list, if the statement comes after all of them); else empty.
    """
    norm = agency_normaliser or AgencyNormaliser()
    found: list[tuple[Provision, Sentence, UnitList, str]] = []
    previous: Provision | None = None
    for prov in doc.provisions:
        for sent in prov.sentences:
            for ul in parse_unit_lists(sent.text):
                found.append((prov, sent, ul, _owner(doc, prov, sent, ul, previous)))
        if prov.number:
            previous = prov
    rule_at = [sent.start + m.start() for prov, sent in iter_sentences(doc) for m in LEAD_RULE.finditer(sent.text)]
    first_rule = min(rule_at) if rule_at else None
    if first_rule is not None and all(sent.start + ul.end <= first_rule for _, sent, ul, _ in found):
        first_rule = -1  # stated after every list: it speaks of all of them
    records: list[ResponsibilityRecord] = []
    for prov in doc.provisions:  # a task list (序号 | 工作任务 | 责任单位 | 完成时限): one list per row
        for sent, ul in _table_unit_lists(prov):
            found.append((prov, sent, ul, prov.id))
    for prov, sent, ul, owner in found:
        if not ul.units:
            continue
        units = [norm(u.surface) for u in ul.units]
        lead = [n for u, n in zip(ul.units, units) if u.role == "lead"]
        coop = [n for u, n in zip(ul.units, units) if u.role == "cooperating"]
        if not lead and all(u.role is None for u in ul.units):
            covered = ul.states_lead_rule or (first_rule is not None and sent.start + ul.end > first_rule)
            if covered:
                lead, coop = units[:1], units[1:]
        records.append(ResponsibilityRecord(
            doc_id=doc.id, provision_id=owner, units=units, lead=lead, cooperating=coop,
            unit_ids=[agency_id(n) for n in units],
            span=make_span(doc, prov, sent, ul.start, ul.end)))
    return records


def _table_unit_lists(prov: Provision) -> list[tuple[Sentence, UnitList]]:
    """Unit lists from a table column headed 责任单位 / 牵头单位 / 配合单位 …, one per row sentence.

    >>> from corpus.model import Table
    >>> t = Table(header=["序号", "工作任务", "责任单位"], rows=[["1", "建厕200户", "镇农办、镇卫生院"]])
    >>> row = Sentence(id="table_1/s_2", text="1\\t建厕200户\\t镇农办、镇卫生院", start=0, end=19)
    >>> [[u.surface for u in ul.units] for _, ul in _table_unit_lists(Provision(id="table_1", kind="table", table=t, sentences=[row]))]
    [['镇农办', '镇卫生院']]
    """
    if prov.table is None:
        return []
    cols = [(i, _ROLE.get(re.sub(r"\s+", "", h))) for i, h in enumerate(prov.table.header)
            if re.fullmatch(_LABEL, re.sub(r"\s+", "", h))]
    out: list[tuple[Sentence, UnitList]] = []
    for row in prov.table.rows:
        sent = next((s for s in prov.sentences if s.text.split("\t") == row), None)
        if sent is None:
            continue
        units: list[Unit] = []
        for i, role in cols:
            offset = sum(len(c) + 1 for c in row[:i])
            pos = 0
            for piece in re.split(r"(、|，|,|；|;)", row[i] if i < len(row) else ""):
                name = piece.strip()
                if name and not _UNIT_SPLIT.fullmatch(piece):
                    at = offset + pos + piece.find(name)
                    units.append(Unit(at, at + len(name), name, role))
                pos += len(piece)
        if units:
            out.append((sent, UnitList(units[0].start, units[-1].end, units)))
    return out


# ----------------------------------------------------------------------------------------
# evaluation against a hand-written gold file
# ----------------------------------------------------------------------------------------
def _provision_key(doc: Document, provision_id: str) -> tuple[str, str]:
    prov = doc.provision(provision_id)
    parent = doc.provision(prov.parent).number if prov.parent else ""
    return parent, prov.number


def evaluate_responsibilities(gold_path: str | Path, docs: list[Document],
                              records: dict[str, list[ResponsibilityRecord]] | None = None) -> dict:
    """Precision / recall of (provision, unit) pairs and lead accuracy against a gold file.

    ``docs`` must include the gold file's source document; ``records`` (doc_id → records) are
    extracted here with the document's own normaliser when not given.
    """
    from kg.extract.places import place_context
    from kg.gazetteer import Gazetteer

    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    doc = next((d for d in docs if d.source == gold["source"]), None)
    if doc is None:
        raise ValueError(f"gold source {gold['source']} not among the documents")
    if records is not None and doc.id in records:
        recs = records[doc.id]
    else:
        gaz = Gazetteer.load()
        recs = extract_responsibilities(doc, AgencyNormaliser.from_context(place_context(doc, gaz)))
    pred: set[tuple[str, str, str]] = set()
    pred_lead: dict[tuple[str, str], list[str]] = {}
    for r in recs:
        key = _provision_key(doc, r.provision_id)
        pred |= {(*key, u) for u in r.units}
        pred_lead[key] = pred_lead.get(key, []) + r.lead
    gold_pairs: set[tuple[str, str, str]] = set()
    lead_ok = lead_n = 0
    for p in gold["provisions"]:
        key = (p["part"], p["number"])
        gold_pairs |= {(*key, u) for u in p["units"]}
        if "lead" in p:
            lead_n += 1
            lead_ok += pred_lead.get(key, []) == p["lead"]
    tp = len(pred & gold_pairs)
    return {
        "doc": gold["source"],
        "gold_units": len(gold_pairs),
        "predicted_units": len(pred),
        "true_positives": tp,
        "precision": tp / len(pred) if pred else 0.0,
        "recall": tp / len(gold_pairs) if gold_pairs else 0.0,
        "lead_accuracy": lead_ok / lead_n if lead_n else None,
        "missed": sorted(gold_pairs - pred),
        "spurious": sorted(pred - gold_pairs),
    }
