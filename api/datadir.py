"""The data directory: its layout and the one loader of what a build wrote.

A data directory holds versioned builds and a pointer to the one it serves::

```
data/
  current -> builds/<id>   the served build (a relative symlink, replaced by rename: CURRENT)
  builds/<id>/             one complete build each (BUILDS); the previous one is kept
  .lock                    held by the build that is running (LOCK)
```
A build directory (``current_build(data)``; a data dir of the pre-versioned layout is its own build):

```
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
import os
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
CURRENT = "current"
BUILDS = "builds"
LOCK = ".lock"
LEGACY_ENTRIES = (MANIFEST, DOCUMENTS, EXTRACTION, GRAPH, INDEX, MODEL)


def build_id(data_dir: str | Path) -> str | None:
    """The id of the build ``data_dir`` serves: the name ``current`` points to, ``"legacy"`` for a
    pre-versioned data dir (a manifest at the top), None when nothing is built."""
    d = Path(data_dir)
    try:
        return Path(os.readlink(d / CURRENT)).name
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError:  # ``current`` is not a symlink (EINVAL): not ours
        return None
    return "legacy" if (d / MANIFEST).is_file() else None


def current_build(data_dir: str | Path) -> Path:
    """The folder holding the served build: ``data/builds/<id>`` (resolved now, so later switches do
    not change what a reader of it sees), or ``data`` itself for a pre-versioned layout, a build folder
    or a data dir with nothing built (readers then raise :class:`~corpus.errors.NotBuilt`)."""
    d = Path(data_dir)
    try:
        target = os.readlink(d / CURRENT)
    except OSError:
        return d
    return d / BUILDS / Path(target).name


def not_built(data_dir: str | Path) -> NotBuilt:
    """The error for a data dir with no build: names the path and the command that builds it."""
    return NotBuilt(f"no build in {data_dir}: build it with `policykg build --data {data_dir}` "
                    "(add --corpus DIR for your own documents)")


def load_manifest(data_dir: str | Path) -> dict:
    """The manifest of a built data dir (:class:`~corpus.errors.NotBuilt` if there is none)."""
    path = current_build(data_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise not_built(data_dir) from None
    except (OSError, ValueError) as e:
        raise NotBuilt(f"unreadable manifest in {Path(data_dir)}: {e}") from e


def load_documents(data_dir: str | Path) -> list[Document]:
    """Every document of a built data dir, in manifest order."""
    data_dir = current_build(data_dir)
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
