"""Crash-safe publication: kill -9 at every step, concurrent builds, the pre-versioned layout, disks."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import api.pipeline.build
import api.pipeline.versions
from api.cli import main
from api.datadir import BUILDS, build_id, current_build, load_documents
from api.pipeline.build import build
from api.pipeline.versions import CRASH_ENV, build_lock
from api.service import PolicyKG
from app_support import corpus_of
from corpus.errors import BuildLocked, DiskError

ROOT = Path(__file__).resolve().parents[1]
# every named step of a build and of the switch, in order (api.pipeline.build / versions)
STEPS = ["locked", "parsed", "staged", "stage:touch", "manifest", "synced", "renamed",
         "pointer-written", "switched", "durable", "cleaned"]
SWITCHED_FROM = STEPS.index("switched")

BUILD_SCRIPT = textwrap.dedent("""
    import sys, time
    from api.pipeline.build import build
    def touch(ctx):
        (ctx.staging_dir / "touched").write_text("1")
        time.sleep(float(sys.argv[3]))
    try:
        report = build(sys.argv[1], sys.argv[2], progress=False, stages=[touch])
    except Exception as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    sys.exit(report.exit_code)
""")


def run_build(corpus: Path, data: Path, crash_at: str | None = None, sleep: float = 0.0) -> subprocess.Popen:
    env = {**os.environ, **({CRASH_ENV: crash_at} if crash_at else {})}
    return subprocess.Popen([sys.executable, "-c", BUILD_SCRIPT, str(corpus), str(data), str(sleep)],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)


def sources(data: Path) -> list[str]:
    return [d.source for d in load_documents(data)]


def leftovers(data: Path) -> list[str]:
    """Anything but the lock, the builds folder and the pointer, plus siblings of the old swap."""
    inside = [p.name for p in data.iterdir() if p.name not in (".lock", BUILDS, "current")]
    beside = [p.name for p in data.parent.iterdir() if p.name.startswith(f".{data.name}.")]
    return inside + beside


def test_kill_at_every_step_leaves_a_complete_build(tmp_path):
    old = corpus_of(tmp_path, "old", "004")
    new = corpus_of(tmp_path, "new", "000")
    old_sources, new_sources = sources_of(old), sources_of(new)
    for i, step_name in enumerate(STEPS):
        data = tmp_path / f"data{i}"
        assert build(old, data, progress=False, stages=[]).exit_code == 0
        served = current_build(data)
        proc = run_build(new, data, crash_at=step_name)
        proc.communicate(timeout=120)
        assert proc.returncode == -9, step_name
        expected = new_sources if i >= SWITCHED_FROM else old_sources
        assert sources(data) == expected, step_name
        assert PolicyKG(data).documents()[0]["source"] == expected[0]
        if i < SWITCHED_FROM:
            assert current_build(data) == served, step_name
        # the next build cleans what the killed one left
        assert build(old, data, progress=False, stages=[]).exit_code == 0
        assert leftovers(data) == [], step_name
        assert len(list((data / BUILDS).iterdir())) <= 2
        assert sources(data) == old_sources


def sources_of(corpus: Path) -> list[str]:
    return sorted(p.name for p in corpus.iterdir())


def test_concurrent_builds_second_fails_clearly(tmp_path):
    data = tmp_path / "data"
    a, b = corpus_of(tmp_path, "a", "004"), corpus_of(tmp_path, "b", "000")
    first = run_build(a, data, sleep=4)
    deadline = time.time() + 60
    while not (data / ".lock").exists() or not os.path.getsize(data / ".lock"):
        assert time.time() < deadline
        time.sleep(0.05)
    second = run_build(b, data)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 1
    assert "BuildLocked" in err and f"pid {first.pid}" in err and str(data) in err
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert sources(data) == sources_of(a) and leftovers(data) == []


def test_lock_is_held_for_the_whole_build(tmp_path):
    data = tmp_path / "data"
    with build_lock(data), pytest.raises(BuildLocked, match="another build"):
        build(corpus_of(tmp_path, "c", "004"), data, progress=False, stages=[])
    assert build(tmp_path / "c", data, progress=False, stages=[]).exit_code == 0


def test_pre_versioned_layout_is_read_then_migrated(tmp_path):
    staged = tmp_path / "staged"
    build(corpus_of(tmp_path, "old", "004"), staged, progress=False, stages=[])
    legacy = tmp_path / "data"
    shutil.copytree(current_build(staged), legacy)  # the old layout: a build at the top of data/
    (legacy / "model").mkdir()
    (legacy / "model" / "config.json").write_text("{}")
    assert build_id(legacy) == "legacy" and sources(legacy) == ["004_3ef3457ce6f99b08.txt"]
    assert PolicyKG(legacy).documents()[0]["source"] == "004_3ef3457ce6f99b08.txt"
    build(corpus_of(tmp_path, "new", "000"), legacy, progress=False, stages=[])
    assert sources(legacy) == ["000_08c1a4648f21665b.txt"]
    assert sorted(p.name for p in legacy.iterdir()) == [".lock", "builds", "current"]
    assert (current_build(legacy) / "model" / "config.json").read_text() == "{}"  # carried over


def test_data_left_in_trash_by_the_old_swap_is_restored(tmp_path):
    """The pre-versioned swap killed between its two renames left no data/, only a trash dir."""
    staged = tmp_path / "staged"
    build(corpus_of(tmp_path, "old", "004"), staged, progress=False, stages=[])
    shutil.copytree(current_build(staged), tmp_path / ".data.trash-4242")
    (tmp_path / ".data.staging-4243" / "documents").mkdir(parents=True)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.txt").write_bytes(bytes(range(256)))
    assert build(junk, tmp_path / "data", progress=False, stages=[]).exit_code == 1  # nothing usable
    assert sources(tmp_path / "data") == ["004_3ef3457ce6f99b08.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".data.")]


def test_read_commands_never_build(tmp_path, capsys):
    missing = tmp_path / "nonexistent"
    for argv in (["docs"], ["show", "000"], ["search", "粮食"], ["sparql", "ASK {}"], ["entities"]):
        assert main([*argv, "--data", str(missing)]) == 1, argv
        err = capsys.readouterr().err
        assert f"no build in {missing}" in err and f"policykg build --data {missing}" in err
    assert not missing.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["docs", "--data", str(empty)]) == 1
    assert list(empty.iterdir()) == []


def test_no_space_is_one_line_before_parsing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(api.pipeline.build, "ingest_dir", lambda *a, **k: pytest.fail("parsed on a full disk"))
    monkeypatch.setattr(api.pipeline.build.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9, 10**6))
    corpus = corpus_of(tmp_path, "c", "004")
    with pytest.raises(DiskError, match="not enough free space"):
        build(corpus, tmp_path / "data", progress=False, stages=[])
    assert main(["build", "--corpus", str(corpus), "--data", str(tmp_path / "data"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("policykg: build failed: not enough free space")
    assert not (tmp_path / "data").exists()


def test_disk_full_mid_build_is_a_named_error(tmp_path):
    data = tmp_path / "data"
    corpus = corpus_of(tmp_path, "c", "004")
    build(corpus, data, progress=False, stages=[])
    served = current_build(data)

    def fill(ctx):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(ctx.staging_dir / "graph"))

    with pytest.raises(DiskError, match="No space left on device"):
        build(corpus, data, progress=False, stages=[fill])
    assert current_build(data) == served and leftovers(data) == []


def test_read_only_data_dir_fails_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(api.pipeline.build, "ingest_dir", lambda *a, **k: pytest.fail("parsed on a read-only disk"))
    real_open = os.open

    def read_only(path, flags, *args):
        if str(path).endswith(".lock") and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(api.pipeline.versions.os, "open", read_only)
    with pytest.raises(DiskError, match="Read-only file system"):
        build(corpus_of(tmp_path, "c", "004"), tmp_path / "data", progress=False, stages=[])
