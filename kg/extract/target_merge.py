"""One target per statement: the same goal read in several places of one document becomes one
record carrying every place it was read.

A plan states its goals in the 主要目标 paragraph, again as a row of its indicator table
(主要指标表), and again in the section that works them out. Two readings are the same goal when
they name the same indicator (after the document's normalisation), value, unit and target year,
and their comparators agree: equal, or one of them a bare value (``eq``: a table cell without a
sign, 提高到 X) beside a bound or an approximation (达到 X 以上, X 左右). A growth (``increaseBy``,
``percentagePoint``) merges only with a growth.

The main statement is the table row where there is one (it carries the nature, the baseline and
the year of its column), else the first sentence in reading order; the others are kept in
``TargetRecord.also_stated`` with their own quote, offsets, value as printed and comparator, so
every fact stays traceable to its sentence or table cell. A baseline or nature missing on the
main statement is taken from another one.

>>> from kg.records import Span, TargetRecord
>>> def rec(pid, value_text, comparator, source="text"):
...     span = Span(doc_id="d", provision_id=pid, sentence_id=pid + "/s_1", start=0, end=1, quote="x")
...     return TargetRecord(indicator="农村自来水普及率", indicator_id="indicator:农村自来水普及率",
...                         indicator_text="农村自来水普及率", value=89, unit="%", comparator=comparator,
...                         year=2025, value_text=value_text, doc_id="d", provision_id=pid, sentence="x",
...                         span=span, source=source)
>>> [m] = merge_statements([rec("chp_2", "89%", "gte"), rec("chp_2/table_1", "89%", "eq", "table"),
...                         rec("chp_4", "89%", "gte")])
>>> m.provision_id, m.comparator, [s.provision_id for s in m.also_stated]
('chp_2/table_1', 'eq', ['chp_2', 'chp_4'])
"""
from __future__ import annotations

from kg.records import TargetRecord, TargetStatement

_GROWTH = ("increaseBy", "percentagePoint")


def _compatible(a: str, b: str) -> bool:
    """Comparators that can describe one goal: equal, or a bare value beside a bound or ``approx``."""
    if a == b:
        return True
    if a in _GROWTH or b in _GROWTH:
        return False
    return "eq" in (a, b)


def _key(t: TargetRecord) -> tuple:
    return (t.indicator_id, t.unit, round(t.value, 6), t.year)


def _statement(t: TargetRecord) -> TargetStatement:
    return TargetStatement(provision_id=t.provision_id, value_text=t.value_text, comparator=t.comparator,
                           source=t.source, sentence=t.sentence, span=t.span)


def _merge_group(group: list[TargetRecord]) -> TargetRecord:
    """One record for readings of one goal (reading order): the table row leads if there is one."""
    main = next((t for t in group if t.source == "table"), group[0])
    others = [t for t in group if t is not main]
    merged = main.model_copy(deep=True)
    merged.also_stated = [s for t in others for s in [_statement(t), *t.also_stated]]
    for t in others:
        if merged.baseline is None and t.baseline is not None:
            merged.baseline = t.baseline.model_copy()
        if merged.nature is None and t.nature is not None:
            merged.nature = t.nature
    return merged


def merge_statements(records: list[TargetRecord]) -> list[TargetRecord]:
    """One record per goal of one document, in the reading order of each goal's first statement."""
    groups: list[list[TargetRecord]] = []
    open_groups: dict[tuple, list[list[TargetRecord]]] = {}
    for t in records:
        candidates = open_groups.setdefault(_key(t), [])
        home = next((g for g in candidates if all(_compatible(t.comparator, o.comparator) for o in g)), None)
        if home is None:
            home = []
            candidates.append(home)
            groups.append(home)
        home.append(t)
    return [g[0] if len(g) == 1 else _merge_group(g) for g in groups]


__all__ = ["merge_statements"]
