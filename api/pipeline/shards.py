"""Per-document shards: what each map step of a build writes into the build folder itself.

A worker (in this process for the local executor, a Ray task for the Ray executor: one code path)
writes each document's outputs as files and hands the driver back only a small summary, so the
driver never holds the whole corpus's extraction records or quads:

* ``extraction/{doc_id}.json`` — the document's extraction (:class:`ExtractionShard`), rewritten
  by the driver only for documents whose indicators the corpus-wide naming renames;
* ``shards/{doc_id}.nq.gz`` — the document's named graph and its contribution to the shared graph,
  as gzip-compressed N-Quads (:class:`GraphShard`); the graph stage bulk-loads the store from these files.

The build folder must be visible to every worker (a local cluster's disk, or a volume shared by
a cluster's pods: docs/scale-out.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from api.datadir import EXTRACTION
from corpus.model import Document
from kg.extract import ExtractionContext, extract_document
from kg.graph import document_quads
from kg.records import DocumentExtraction
from kg.store import write_nquads

SHARDS = "shards"  # shards/{doc_id}.nq.gz: one document's quads


def extraction_path(build_dir: str | Path, doc_id: str) -> Path:
    return Path(build_dir) / EXTRACTION / f"{doc_id}.json"


def graph_shard_path(build_dir: str | Path, doc_id: str) -> Path:
    return Path(build_dir) / SHARDS / f"{doc_id}.nq.gz"


def write_extraction(build_dir: str | Path, ex: DocumentExtraction) -> None:
    extraction_path(build_dir, ex.doc_id).write_text(ex.model_dump_json(), encoding="utf-8")


def read_extraction(build_dir: str | Path, doc_id: str) -> DocumentExtraction | None:
    """One document's extraction shard; None when the build has none for it."""
    try:
        return DocumentExtraction.model_validate_json(extraction_path(build_dir, doc_id).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def extraction_counts(ex: DocumentExtraction) -> dict[str, int]:
    return {"entities": len(ex.entities), "targets": len(ex.targets), "slogans": len(ex.slogans),
            "responsibilities": len(ex.responsibilities)}


@dataclass(frozen=True)
class ExtractionShard:
    """Map step: extract one document, write its shard, return its summary (the indicator names
    its targets use, for the corpus-wide naming, and its record counts)."""

    build_dir: str
    ctx: ExtractionContext

    def __call__(self, doc: Document) -> dict:
        ex = extract_document(doc, ctx=self.ctx)
        write_extraction(self.build_dir, ex)
        return {"doc_id": doc.id, "indicators": sorted({t.indicator for t in ex.targets}),
                "counts": extraction_counts(ex)}


@dataclass(frozen=True)
class GraphShard:
    """Map step: one document's quads (from its extraction shard) written as its N-Quads shard;
    returns the number of quads."""

    build_dir: str
    doc_iris: dict[str, str]

    def __call__(self, doc: Document) -> int:
        quads = document_quads(doc, read_extraction(self.build_dir, doc.id), self.doc_iris)
        write_nquads(quads, graph_shard_path(self.build_dir, doc.id))
        return len(quads)
