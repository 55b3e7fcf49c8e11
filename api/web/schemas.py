"""Response models of the JSON API: what the OpenAPI page documents for each route.

Each names the fields a client can rely on; ``extra="allow"`` keeps any further field the
service core returns (the models document, they never drop data).
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class SearchHit(_Open):
    """One sentence, cited by document, provision and sentence id, with its highlights."""

    doc_id: str
    provision_id: str
    provision_number: str | None = None
    provision_path: str | None = Field(None, description="the provision's full path as cited: 第八章 第四节, 五、（十六）")
    provision_title: str | None = None
    sentence_id: str
    text: str
    score: float
    lexical_score: float
    dense_score: float
    level: str | None = None
    place: str | None = None
    doc_title: str | None = None
    doc_number: str | None = None
    highlights: list[list[int]] = Field(default_factory=list, description="[start, end) offsets into text")
    match: str | None = Field(None, description="exact (holds the whole query) | terms (every term) | semantic (the tail)")
    citation: str | None = Field(None, description="《title》（文号）provision number, ready to copy")


class SearchResponse(_Open):
    query: str
    k: int | None = None
    total: int | None = Field(None, description="results in the whole result set (all pages)")
    offset: int | None = Field(None, description="index of the first result of this page")
    sort: str | None = Field(None, description="relevance | date")
    cutoff: float | None = Field(None, description="dense-score floor of the semantic tail")
    scope: str | None = Field(None, description="sentence | provision: where every term must occur")
    strict: bool | None = Field(None, description="matches only (a phrase, OR or proximity was used)")
    filters: dict[str, Any] = Field(default_factory=dict)
    results: list[SearchHit]
    facets: dict[str, Any] | None = Field(None, description="counts over the whole result set")
    excluded: dict[str, int] | None = Field(None, description="what a filter left out that a reader would not "
                                            "expect: with a year, `undated_documents`")


class PrecedentResponse(_Open):
    draft: str | None = None
    results: list[dict[str, Any]] = Field(default_factory=list, description="precedents with citation and diff")
    reuse: Any = None
    parts: list[dict[str, Any]] | None = Field(None, description="one entry per draft sentence (paragraph drafts)")


class DocumentSummary(_Open):
    id: str
    title: str | None = None
    doc_number: str | None = Field(None, description="文号")
    doc_number_inferred: bool | None = None
    date: str | None = Field(None, description="成文日期, ISO")
    year: int | None = None
    issuers: list[str] = Field(default_factory=list)
    level: str | None = None
    place: str | None = None
    place_code: str | None = None
    genre: str | None = None
    source: str | None = None
    n_provisions: int | None = None
    n_sentences: int | None = None


class ProvisionsPage(_Open):
    """Which provisions a document response holds (``?offset=&limit=``)."""

    offset: int
    limit: int
    total: int
    next: int | None = Field(None, description="offset of the next page; null on the last")


class DocumentDetail(DocumentSummary):
    provisions: list[dict[str, Any]] = Field(default_factory=list)
    provisions_page: ProvisionsPage | None = None


class EntitySummary(_Open):
    id: str
    type: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    attrs: dict[str, Any] = Field(default_factory=dict)
    n_mentions: int | None = None
    n_documents: int | None = None


class EntityDetail(_Open):
    id: str
    type: str
    name: str
    aliases: list[str] = Field(default_factory=list)


class TargetRow(_Open):
    """A numeric target with its source sentence."""

    indicator: str
    indicator_id: str
    indicator_text: str | None = None
    value: float
    unit: str | None = None
    comparator: str
    year: int | None = None
    baseline: dict[str, Any] | None = None
    nature: str | None = None
    value_text: str | None = None
    place: str | None = None
    doc_id: str
    provision_id: str
    sentence: str | None = None
    doc_title: str | None = None
    doc_number: str | None = None
    level: str | None = None
    doc_place: str | None = None
    provision_number: str | None = None
    provision_path: str | None = Field(None, description="the provision's full path as cited")
    value_label: str | None = None  # the value as printed with its unit (96%, 1.5:1)
    year_basis: str | None = None  # sentence | heading | document
    source: str | None = None  # text | table: where the main statement is
    also_stated: list[dict[str, Any]] = Field(default_factory=list)  # the goal's other statements, with spans


class FacetValue(_Open):
    value: str | int
    count: int
    label: str | None = None


class Facets(_Open):
    level: list[FacetValue] = Field(default_factory=list)
    place: list[FacetValue] = Field(default_factory=list)
    doc: list[FacetValue] = Field(default_factory=list)
    year: list[FacetValue] = Field(default_factory=list)
    type: list[FacetValue] = Field(default_factory=list)


class ExampleQuery(_Open):
    name: str
    title: str
    query: str


class CascadeResponse(_Open):
    """Aligned provisions, local additions, target moves and slogan genealogy of an upper/lower pair."""

    upper: dict[str, Any]
    lower: dict[str, Any]
    pairs: list[dict[str, Any]] = Field(default_factory=list)
    targets: list[dict[str, Any]] = Field(default_factory=list)
    summary: dict[str, Any] = Field(default_factory=dict)


class ConceptResponse(_Open):
    """Where a concept appears, grouped by level and place, with the chain linking the occurrences."""

    canonical: str | None = None
    aliases: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    found: bool | None = Field(None, description="false: no entity and no literal mention (neighbours are then suggestions)")
    occurrences: list[dict[str, Any]] = Field(default_factory=list, description="every literal mention (name or alias)")
    neighbours: list[dict[str, Any]] = Field(default_factory=list, description="semantic neighbours above the cut-off, not mentions")
    groups: list[dict[str, Any]] = Field(default_factory=list)
