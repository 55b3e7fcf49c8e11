"""Shared helper for the search tests: one index of the bundled corpus per test session.

Built in memory from the parsed documents with the real encoder and the real extraction;
sentence vectors are cached per process, so a full build in the same session re-encodes nothing.
"""
from __future__ import annotations

from pathlib import Path

_CACHE: dict[str, object] = {}


def corpus_search_index(docs, model_dir: Path):
    """A ``SearchIndex`` over ``docs`` (built once per process and model dir)."""
    key = str(model_dir)
    if key not in _CACHE:
        from embeddings.encoder import load_encoder
        from embeddings.index import HybridIndex
        from embeddings.search import SearchIndex
        from kg.extract import extract_corpus

        encoder = load_encoder(model_dir)
        _CACHE[key] = SearchIndex(HybridIndex.build(list(docs), encoder, extract_corpus(list(docs))), encoder)
    return _CACHE[key]
