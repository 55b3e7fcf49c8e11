"""The data directory: its layout and the one loader of what a build wrote.

```
data/
  manifest.json            documents, rejected files, stages (MANIFEST)
  documents/{id}.json      corpus.model.Document (DOCUMENTS)
  extraction/{id}.json     kg.records.DocumentExtraction (EXTRACTION)
  graph/                   the graph store (GRAPH)
  index/                   the search index (INDEX)
  model/                   the converted embedding model (MODEL; kept across builds)
```
Everything that reads a data directory (the service core, the build, the evaluations) reads
it through these functions.
"""
from __future__ import annotations

import json
from pathlib import Path

from corpus.errors import NotBuilt
from corpus.model import Document
from kg.records import DocumentExtraction

MANIFEST = "manifest.json"
DOCUMENTS = "documents"
EXTRACTION = "extraction"
GRAPH = "graph"
INDEX = "index"
MODEL = "model"


def load_manifest(data_dir: str | Path) -> dict:
    """The manifest of a built data dir (:class:`~corpus.errors.NotBuilt` if there is none)."""
    path = Path(data_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotBuilt(f"no build in {Path(data_dir)} (run `policykg build`)") from None
    except (OSError, ValueError) as e:
        raise NotBuilt(f"unreadable manifest in {Path(data_dir)}: {e}") from e


def load_documents(data_dir: str | Path) -> list[Document]:
    """Every document of a built data dir, in manifest order."""
    data_dir = Path(data_dir)
    manifest = load_manifest(data_dir)
    out = []
    for entry in manifest["documents"]:
        path = data_dir / DOCUMENTS / f"{entry['id']}.json"
        try:
            out.append(Document.model_validate_json(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise NotBuilt(f"document {entry['id']} listed in the manifest is missing from {data_dir}") from None
    return out


def load_extractions(folder: str | Path) -> dict[str, DocumentExtraction]:
    """doc id → extraction of every ``{doc_id}.json`` in ``folder`` (empty if there is no folder)."""
    out = {}
    for path in sorted(Path(folder).glob("*.json")):
        ex = DocumentExtraction.model_validate_json(path.read_text(encoding="utf-8"))
        out[ex.doc_id] = ex
    return out
