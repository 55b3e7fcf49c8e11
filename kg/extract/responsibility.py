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

import re
from typing import Callable

from corpus.model import Document, Provision, Sentence
from kg.extract.agencies import AgencyNormaliser, agency_id
from kg.extract.text import iter_sentences, make_span
from kg.extract.unit_lists import (  # noqa: F401
    _LABEL,
    _ROLE,
    _UNIT_SPLIT,
    LEAD_RULE,
    Unit,
    UnitList,
    iter_unit_lists,
    parse_unit_lists,
)
from kg.records import ResponsibilityRecord


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
