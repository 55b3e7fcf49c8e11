"""Extraction records: plain typed facts, each pointing to its source sentence.

Extraction produces these; the graph, search filters and cascade analysis read them.
All offsets are character offsets into ``Document.text``.
"""
from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

EntityType = Literal["place", "agency", "program", "slogan", "brand", "indicator"]
ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)  # the one list of entity types
Comparator = Literal["gte", "lte", "approx", "eq", "increaseBy", "percentagePoint"]
#: how a comparator reads in Chinese (``gte`` → 不低于); the machine names stay in JSON and RDF
COMPARATOR_ZH: dict[str, str] = {
    "gte": "不低于", "lte": "不高于", "approx": "约", "eq": "为",
    "increaseBy": "增加", "percentagePoint": "提高（百分点）",
}


class Span(BaseModel):
    """Where a fact was read: document, provision, sentence and exact characters."""

    doc_id: str
    provision_id: str
    sentence_id: str
    start: int
    end: int
    quote: str  # Document.text[start:end]


class Mention(BaseModel):
    """One occurrence of an entity."""

    entity_id: str
    surface: str  # the text as written
    span: Span


class Entity(BaseModel):
    """A real-world thing; one per thing across the corpus (``id`` is its key)."""

    id: str  # "{type}:{key}", e.g. "place:500231119000", "indicator:农业科技进步贡献率"
    type: EntityType
    name: str  # preferred label
    aliases: list[str] = Field(default_factory=list)
    # places: admin_code, admin_level, parent_code, resolved(bool); agencies: place, parent;
    # programs: kind (行动/工程/...); brands: kind (地理标志/区域公用品牌)
    attrs: dict = Field(default_factory=dict)


class Quantity(BaseModel):
    value: float
    unit: str
    year: int | None = None
    value_text: str = ""


class TargetStatement(BaseModel):
    """Another place where the same target is stated: a sentence or a table row (its cell as printed)."""

    provision_id: str
    value_text: str  # as printed there: "89%以上", or the table cell "89"
    comparator: Comparator  # as read there (a table cell with no sign reads eq)
    source: Literal["text", "table"]
    sentence: str
    span: Span


class TargetRecord(BaseModel):
    """One numeric goal: indicator, value, unit, comparator, year.

    A goal stated several times in one document (the 主要目标 paragraph, the indicator table, the
    section that works it out) is one record: the fields describe its main statement (the table
    row where there is one, else the first sentence), ``also_stated`` lists the others."""

    indicator: str  # canonical indicator name (the measured thing)
    indicator_id: str  # Entity id of the indicator
    indicator_text: str  # as written in the sentence
    value: float
    unit: str
    comparator: Comparator
    year: int | None = None
    # where the year comes from: the sentence (到2025年, or the ；-chain it belongs to), the
    # enclosing section heading (二、2024年工作安排), or the document (its title's plan period,
    # or its own year for a 今年 report); None when there is no year
    year_basis: Literal["sentence", "heading", "document"] | None = None
    baseline: Quantity | None = None
    nature: Literal["约束性", "预期性"] | None = None
    value_text: str  # as written: "2.4万亩以上"
    place: str | None = None  # the place it applies to (全镇 → document place)
    doc_id: str
    provision_id: str
    sentence: str  # the sentence text
    span: Span
    source: Literal["text", "table"] = "text"  # where the main statement is: running text or a table row
    also_stated: list[TargetStatement] = Field(default_factory=list)

    def statements(self) -> list[TargetStatement]:
        """Every statement of this target, the main one first."""
        main = TargetStatement(provision_id=self.provision_id, value_text=self.value_text,
                               comparator=self.comparator, source=self.source, sentence=self.sentence,
                               span=self.span)
        return [main, *self.also_stated]


class SloganRecord(BaseModel):
    """A numbered formulation (“四千行动”) as used in one document."""

    name: str  # without quotes: 四千行动
    slogan_id: str  # Entity id (same name across documents → same id)
    numeral: int | None  # 4 for 四千行动; None when no leading numeral is parseable
    components: list[str] = Field(default_factory=list)  # in order, empty if undefined here
    count_matches: bool | None = None  # None when no components
    defined: bool = False
    doc_id: str
    provision_id: str
    span: Span


class ResponsibilityRecord(BaseModel):
    """A （责任单位：…） / （牵头单位：…；配合单位：…） list attached to a provision."""

    doc_id: str
    provision_id: str
    units: list[str]  # as listed, normalised names, in order
    lead: list[str] = Field(default_factory=list)
    cooperating: list[str] = Field(default_factory=list)
    unit_ids: list[str] = Field(default_factory=list)  # Entity ids, same order as units
    span: Span


class DocumentExtraction(BaseModel):
    """Everything extracted from one document."""

    doc_id: str
    entities: list[Entity] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    targets: list[TargetRecord] = Field(default_factory=list)
    slogans: list[SloganRecord] = Field(default_factory=list)
    responsibilities: list[ResponsibilityRecord] = Field(default_factory=list)
