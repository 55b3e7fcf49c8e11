"""The scale benchmark's synthetic corpus (``benchmarks/synthetic_corpus.py``): N outputs are N
documents of the graph — no two share a document IRI, within a corpus or across the seeds that
``bench_scale.py --store-copies`` merges — and each keeps its source's genre and structure."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic_corpus import default_sources, generate

from corpus.ingest import parse_file
from kg.graph import document_iri_of


@pytest.fixture(scope="module")
def sources() -> list[Path]:
    return default_sources()


def _iris(paths: list[Path]) -> list[str]:
    return [document_iri_of(parse_file(p)) for p in paths]


def test_every_output_is_its_own_document(tmp_path, sources):
    # 3 rounds: undated 政府工作报告 and undated 实施意见 were copied with one IRI before
    n = 3 * len(sources)
    files = generate(n, tmp_path / "s0", seed=0)
    assert len(files) == n
    assert len(set(_iris(files))) == n
    # a second seed of the same size (a --store-copies corpus) shares no document with the first
    more = generate(n, tmp_path / "s1", seed=1)
    assert not set(_iris(files)) & set(_iris(more))
    texts = {p.read_bytes() for p in files + more} | {p.read_bytes() for p in sources}
    assert len(texts) == 2 * n + len(sources)


def test_outputs_keep_their_source_genre_and_structure(tmp_path, sources):
    files = generate(2 * len(sources), tmp_path / "c", seed=0)
    for i, path in enumerate(files):
        src, out = parse_file(sources[i % len(sources)]), parse_file(path)
        assert (out.genre, out.level, len(out.provisions)) == (src.genre, src.level, len(src.provisions)), path.name
        assert out.date is not None, path.name  # every output has a date of its own, undated sources too
