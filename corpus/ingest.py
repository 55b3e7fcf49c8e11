"""Ingestion: a file (or its bytes) → :class:`~corpus.model.Document`; a folder → documents + rejections.

>>> doc = parse_bytes("一、总体要求\\n坚持稳中求进。".encode("gb18030"), "plan.txt")
>>> doc.title, [p.id for p in doc.provisions], len(doc.id)
('', ['part_1'], 16)
"""
from __future__ import annotations

import hashlib
import sys
from functools import partial
from pathlib import Path
from typing import Callable

from corpus.clean import clean
from corpus.limits import IngestLimits, check_bytes, check_sentences, check_text
from corpus.metadata import extract_metadata
from corpus.model import Document, DocWarning, Rejection
from corpus.readers import READERS, IngestError, read_bytes
from corpus.structure import segment

__all__ = ["IngestError", "parse_bytes", "parse_file", "ingest_dir", "doc_id", "SKIPPED_SUFFIXES"]

# Files in a corpus folder that are never documents: Python sources (the bundled corpus is a
# package) and tabular sidecars (a crawl's SOURCES.tsv / index.csv); the folder's own README/LICENSE.
SKIPPED_SUFFIXES = (".py", ".pyc", ".pyo", ".tsv", ".csv")
SKIPPED_STEMS = ("readme", "license", "licence", "changelog")


def doc_id(text: str) -> str:
    """Stable document id: the first 16 hex digits of SHA-256 of the cleaned text.

    >>> doc_id("abc")
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_bytes(data: bytes, source: str) -> Document:
    """Parse one file's bytes (``source`` is its file name; the extension picks the reader).

    Raises :class:`IngestError` (never anything else) when the bytes are not a usable document,
    :class:`~corpus.limits.LimitRejection` subclasses when over a limit (:mod:`corpus.limits`).
    """
    limits = IngestLimits.from_env()
    check_bytes(data, source, limits)
    raw = read_bytes(data, source)
    check_text(raw, source, limits)
    try:
        cleaned = clean(raw)
        if not cleaned.text.strip():
            raise IngestError(source, "no text after cleaning")
        provisions = segment(cleaned.text)
        check_sentences(sum(len(p.sentences) for p in provisions), source, limits)
        md = extract_metadata(cleaned.text, provisions)
    except IngestError:
        raise
    except Exception as e:  # a parsing bug must not take the whole corpus down
        raise IngestError(source, f"could not parse ({type(e).__name__}: {e})") from e
    warnings = degradation_warnings(md.title, md.level, md.place, provisions)
    nul = raw.count("\x00")
    if nul:
        warnings.append(DocWarning(code="stripped_nul", message=f"stripped {nul} NUL character{'s' if nul > 1 else ''}"))
    title = md.title
    return Document(
        id=doc_id(cleaned.text), title=title, doc_number=md.doc_number, date=md.date,
        issuers=md.issuers, level=md.level, place=md.place, genre=md.genre, source=source,
        cites=md.cites, text=cleaned.text, provisions=provisions, notes=cleaned.notes, warnings=warnings,
    )


def degradation_warnings(title: str, level: str | None, place: str | None, provisions: list) -> list[DocWarning]:
    """What a reader of the parsed document must know was not found.

    >>> [w.code for w in degradation_warnings("", None, None, [])]
    ['no_title', 'no_level', 'no_place']
    """
    out = []
    if not title:
        out.append(DocWarning(code="no_title", message="no title found in the text"))
    if level is None:
        out.append(DocWarning(code="no_level", message="administrative level unknown (no issuer or place read)"))
    if place is None:
        out.append(DocWarning(code="no_place", message="jurisdiction unknown: the document is not placed"))
    if provisions and provisions[0].kind == "body":
        out.append(DocWarning(code="no_structure",
                              message="no recognisable structure: ingested as one flat provision"))
    return out


def parse_file(path: str | Path) -> Document:
    """Parse one file; raises :class:`IngestError` naming the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(path.name, f"cannot read file ({e.strerror or e})") from e
    return parse_bytes(data, path.name)


def corpus_files(directory: str | Path) -> list[Path]:
    """Candidate files of a corpus folder, recursively, sorted; hidden files, Python sources,
    tabular sidecars, README/LICENSE files (see ``SKIPPED_SUFFIXES``) and symbolic links
    (:func:`symlinks`) are skipped."""
    directory = Path(directory)
    out = []
    for p in _visible(directory):
        if (not p.is_symlink() and p.is_file() and p.suffix.lower() not in SKIPPED_SUFFIXES
                and p.stem.lower() not in SKIPPED_STEMS):
            out.append(p)
    return out


def symlinks(directory: str | Path) -> list[Path]:
    """The symbolic links of a corpus folder: never followed (a link may lead out of the corpus),
    each reported as a rejection."""
    return [p for p in _visible(Path(directory)) if p.is_symlink()]


def _visible(directory: Path) -> list[Path]:
    return [p for p in sorted(directory.rglob("*"))
            if not any(part.startswith((".", "__pycache__")) for part in p.relative_to(directory).parts)]


def parse_entry(directory: Path, path: Path) -> Document | Rejection:
    """One corpus file parsed, or the reason it was rejected (never raises for a file)."""
    source = path.relative_to(directory).as_posix()
    try:
        return parse_bytes(path.read_bytes(), source)
    except IngestError as e:
        return Rejection(source=source, reason=e.reason)
    except OSError as e:
        return Rejection(source=source, reason=f"cannot read file ({e})")


def ingest_dir(directory: str | Path, progress: bool = False,
               map_fn: Callable[[Callable, list], list] | None = None) -> tuple[list[Document], list[Rejection]]:
    """Parse every file of a folder. One bad file becomes a :class:`Rejection`; never raises
    for a file (a missing folder raises ``FileNotFoundError``). Duplicate texts are rejected
    (the first in file order is kept). ``map_fn(fn, items)`` runs the per-file parse (a build
    executor's ``map``; default: here, in order)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {directory}")
    files = corpus_files(directory)
    docs: list[Document] = []
    rejected: list[Rejection] = [Rejection(source=p.relative_to(directory).as_posix(),
                                           reason="symbolic link, not followed") for p in symlinks(directory)]
    seen: dict[str, str] = {}
    if map_fn is not None:
        parsed = map_fn(partial(parse_entry, directory), files)
    else:
        bar = None
        if progress:
            from tqdm import tqdm  # noqa: PLC0415 - progress bars only when asked for

            bar = tqdm(files, desc="parse", unit="doc", file=sys.stderr)
        parsed = [parse_entry(directory, path) for path in (bar if bar is not None else files)]
    for doc in parsed:
        if isinstance(doc, Rejection):
            rejected.append(doc)
            continue
        if doc.id in seen:
            rejected.append(Rejection(source=doc.source, reason=f"duplicate of {seen[doc.id]} (same text)"))
            continue
        seen[doc.id] = doc.source
        docs.append(doc)
    return docs, rejected


SUPPORTED_EXTENSIONS = tuple(sorted(READERS))
