"""The build on Ray Data (``policykg build --executor ray``) gives what the local build gives:
documents, extraction, quads, targets, cascade and example-query rows, and vectors within cosine
0.9999. Ray probes for an outside address, so the Ray build runs in a network namespace with only
loopback up (``pytest -k ray`` selects these tests)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyoxigraph as ox
import pytest

from api.cli import main
from api.datadir import current_build
from embeddings.index import HybridIndex

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ray_data(tmp_path_factory, built_data) -> Path:
    data = tmp_path_factory.mktemp("ray") / "data"
    cmd = (f"ip link set lo up && cd {ROOT} && {sys.executable} -m api.cli build --executor ray --quiet "
           f"--data {data}")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "RAY_USAGE_STATS_ENABLED": "0"}
    proc = subprocess.run([shutil.which("unshare") or "unshare", "-rn", "sh", "-c", cmd], env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "built 5 documents" in proc.stderr
    return data


@pytest.fixture(scope="module")
def local_data(tmp_path_factory) -> Path:
    """The same corpus built locally by the CLI in a fresh process, as the Ray build is: the test
    session's own build reuses vectors other tests put in the in-process cache (some in another
    precision, under the same model fingerprint)."""
    data = tmp_path_factory.mktemp("local") / "data"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-m", "api.cli", "build", "--quiet", "--data", str(data)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return current_build(data)


def _cli_json(capsys, *argv) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.json"))}


def test_ray_build_documents_extraction_and_quads_equal_local(ray_data, built_data):
    assert _digest(current_build(ray_data) / "documents") == _digest(built_data / "documents")
    assert _digest(current_build(ray_data) / "extraction") == _digest(built_data / "extraction")
    quads = []
    for data in (ray_data, built_data):
        store = ox.Store.read_only(str(current_build(data) / "graph"))
        quads.append(set(store))
        del store
    assert len(quads[0]) > 5000 and quads[0] == quads[1]


def test_ray_build_answers_like_the_local_one(ray_data, built_data, local_data, capsys):
    for argv in (["docs"], ["targets"]):
        assert _cli_json(capsys, *argv, "--data", str(ray_data)) == _cli_json(capsys, *argv, "--data", str(built_data))
    # the cascade's scores come from the vectors: same batches (cut on the driver) → same vectors
    assert _cli_json(capsys, "cascade", "001", "000", "--data", str(ray_data)) == \
        _cli_json(capsys, "cascade", "001", "000", "--data", str(local_data))
    for q in sorted((ROOT / "kg" / "queries").glob("*.rq")):
        rows = []
        for data in (ray_data, built_data):
            assert main(["sparql", f"@{q}", "--format", "tsv", "--data", str(data)]) == 0
            rows.append(sorted(capsys.readouterr().out.splitlines()))
        assert rows[0] == rows[1], q.name


def test_ray_build_vectors_match_the_local_ones(ray_data, built_data, local_data):
    ixs = [HybridIndex.load(current_build(d) / "index") for d in (ray_data, built_data, local_data)]
    vec = [dict(zip(ix.t.text, ix.dense.vectors(ix.t.ids))) for ix in ixs]
    assert vec[0].keys() == vec[1].keys() == vec[2].keys() and len(vec[0]) > 1000
    cos = [float(np.dot(vec[0][t], vec[1][t])) for t in vec[0]]
    assert min(cos) >= 0.9999  # any encoding of the same text
    # a vector does not depend on its batch: Ray's actors and the local worker process agree bit for bit
    assert all(np.array_equal(vec[0][t], vec[2][t]) for t in vec[0])


def test_ray_rebuild_drops_a_removed_document_and_names_a_bad_file(ray_data, built_data, tmp_path, capsys):
    """Incremental through Ray: the next build of a changed folder over the same data dir (vectors
    of unchanged sentences reused), with a bad file reported by name as a local build does."""
    from corpus import BUNDLED_DIR

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    kept = [p for p in sorted(BUNDLED_DIR.glob("*.txt")) if not p.name.startswith("004")]
    for p in kept:
        shutil.copy(p, corpus / p.name)
    (corpus / "empty.txt").write_bytes(b"")
    cmd = (f"ip link set lo up && cd {ROOT} && {sys.executable} -m api.cli build --executor ray --quiet "
           f"--corpus {corpus} --data {ray_data}")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "RAY_USAGE_STATS_ENABLED": "0"}
    proc = subprocess.run([shutil.which("unshare") or "unshare", "-rn", "sh", "-c", cmd], env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 2, proc.stderr[-3000:]  # built, with a rejected file
    assert "rejected: empty.txt: empty file" in proc.stderr
    local_docs = _cli_json(capsys, "docs", "--data", str(built_data))
    ray_docs = _cli_json(capsys, "docs", "--data", str(ray_data))
    key = lambda d: (d["id"], d["source"], d["title"], d["level"], d["place"])  # noqa: E731 - (文号 inferred from 004 go)
    assert [key(d) for d in ray_docs] == [key(d) for d in local_docs if not d["source"].startswith("004")]
    gone = next(d["id"] for d in local_docs if d["source"].startswith("004"))
    store = ox.Store.read_only(str(current_build(ray_data) / "graph"))
    assert not any(g.value.endswith("/" + gone) for g in store.named_graphs())
    del store
    assert gone not in set(HybridIndex.load(current_build(ray_data) / "index").t.doc)
