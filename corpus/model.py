"""The document model: what parsing produces and every later stage reads.

Offsets (``start``/``end``) are always character offsets into ``Document.text``,
the cleaned text of the whole document, so ``doc.text[s.start:s.end] == s.text``.

>>> s = Sentence(id="item_1/s_1", text="稳定粮食生产。", start=0, end=7)
>>> Sentence.model_validate(s.model_dump()) == s
True
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

Level = Literal["central", "provincial", "prefectural", "county", "township", "village"]
LEVELS: tuple[str, ...] = ("central", "provincial", "prefectural", "county", "township", "village")

ProvisionKind = Literal[
    "preamble",  # text before the first heading (notice wrapper, 前言)
    "chapter",  # 第N章
    "section",  # 第N节
    "part",  # 一、
    "item",  # （一）
    "point",  # 1. / 1、 / （1）
    "article",  # 第N条 (a 办法 / 条例 / 规定)
    "box",  # 专栏N
    "table",  # 表N or a tab-separated table dump
    "body",  # a document with no recognisable structure: one flat provision
    "annex",  # 附件 / 附件N after the body: a top-level provision holding what follows
]

CitationRelation = Literal["applies", "based_on", "cites"]


class Sentence(BaseModel):
    """One sentence: the unit of search and provenance."""

    id: str  # "{provision_id}/s_{n}", n from 1
    text: str
    start: int
    end: int


class Table(BaseModel):
    """A table parsed out of a tab-separated dump or a docx table."""

    caption: str = ""
    header: list[str] = Field(default_factory=list)
    rows: list[list[str]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Provision(BaseModel):
    """A structural unit: 第N章, 第N节, 一、, （一）, 1., 专栏N, 表N."""

    id: str  # stable AKN-style path, e.g. "part_2/item_7" or "chp_1/sec_2/part_1"
    kind: ProvisionKind
    number: str = ""  # exactly as printed: "（七）", "一、", "第三章", "专栏1"
    ordinal: int = 0  # position among its siblings, from 1
    title: str = ""  # heading sentence, if any
    text: str = ""  # the provision's own text (heading included, children excluded)
    start: int = 0  # span of the provision's own text in Document.text
    end: int = 0
    parent: str | None = None  # parent provision id, None at top level
    children: list[str] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    table: Table | None = None


class Citation(BaseModel):
    """A 《title》 cited by a document, with its 文号 when printed."""

    title: str
    number: str | None = None  # 文号 as printed, e.g. 渝委发〔2024〕1号
    issuer: str | None = None
    relation: CitationRelation = "cites"
    start: int = 0  # span of the citation in Document.text
    end: int = 0
    sentence_id: str | None = None
    provision_id: str | None = None
    resolved_doc_id: str | None = None  # a corpus document, else None


class Note(BaseModel):
    """A footnote kept out of the running text."""

    label: str
    text: str
    anchor: int = 0  # offset in Document.text where the reference stood


WarningCode = Literal["no_structure", "no_title", "no_level", "no_place", "stripped_nul", "other"]


class DocWarning(BaseModel):
    """A named degradation of a parsed document (shown in ``docs --json`` and on its page).

    >>> Document(id="x", title="", source="a.txt", text="", warnings=["old free text"]).warnings[0].code
    'other'
    """

    code: WarningCode
    message: str


class Document(BaseModel):
    """One parsed policy document."""

    id: str  # stable: derived from the cleaned text's content hash
    title: str
    doc_number: str | None = None  # 文号
    doc_number_inferred: bool = False  # True when learnt from another document's citation
    date: str | None = None  # 成文日期, ISO yyyy-mm-dd
    issuers: list[str] = Field(default_factory=list)
    level: Level | None = None
    place: str | None = None  # jurisdiction name, e.g. 三溪镇
    place_code: str | None = None  # 12-digit admin code when resolved
    genre: str | None = None  # 意见 / 方案 / 规划 / 通知 / 要点 ...
    source: str  # file name
    cites: list[Citation] = Field(default_factory=list)
    text: str  # the cleaned full text
    provisions: list[Provision] = Field(default_factory=list)  # flat, reading order
    notes: list[Note] = Field(default_factory=list)
    warnings: list[DocWarning] = Field(default_factory=list)

    @field_validator("warnings", mode="before")
    @classmethod
    def _legacy_warnings(cls, v):
        """Data built before warnings had codes stored bare strings."""
        return [{"code": "other", "message": w} if isinstance(w, str) else w for w in v or []]

    def provision(self, provision_id: str) -> Provision:
        """The provision with this id (KeyError if none)."""
        for p in self.provisions:
            if p.id == provision_id:
                return p
        raise KeyError(provision_id)

    def path_number(self, provision_id: str) -> str:
        """The printed numbers of a provision and its ancestors, outermost first, as a citation
        writes them: "第八章 第四节", "五、（十六）", "第三章 一、（二）" ("" for an unknown id).

        >>> d = Document(id="x", title="t", source="s", text="", provisions=[
        ...     Provision(id="chp_8", kind="chapter", number="第八章", start=0, end=0),
        ...     Provision(id="chp_8/sec_4", kind="section", number="第四节", parent="chp_8", start=0, end=0),
        ...     Provision(id="chp_8/sec_4/item_1", kind="item", number="一、", parent="chp_8/sec_4", start=0, end=0),
        ...     Provision(id="chp_8/sec_4/item_1/item_2", kind="item", number="（二）", parent="chp_8/sec_4/item_1", start=0, end=0)])
        >>> d.path_number("chp_8/sec_4/item_1/item_2"), d.path_number("nope")
        ('第八章 第四节 一、（二）', '')
        """
        by_id = {p.id: p for p in self.provisions}
        parts: list[str] = []
        p = by_id.get(provision_id)
        while p is not None:
            if p.number:
                parts.append(p.number.strip())
            p = by_id.get(p.parent) if p.parent else None
        out = ""
        for part in reversed(parts):
            # a space after a number that ends in a word (第八章), none after 、 or a closing bracket
            out += part if not out or out[-1] in "、）)．.】〕" else " " + part
        return out

    def sentences(self) -> list[tuple[Provision, Sentence]]:
        """Every sentence in reading order with its provision."""
        return [(p, s) for p in self.provisions for s in p.sentences]

    def summary(self) -> dict:
        """Metadata only (no text, no provisions)."""
        return self.model_dump(exclude={"text", "provisions", "notes"})


class Rejection(BaseModel):
    """A document that could not be ingested, and why."""

    source: str
    reason: str
