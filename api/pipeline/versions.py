"""Crash-safe publication of builds inside a data directory (layout in :mod:`api.datadir`).

A build runs under the data dir's lock (:func:`build_lock`), writes into ``data/.staging-<id>``,
fsyncs it, renames it to ``data/builds/<id>`` and then switches ``data/current`` with one
``rename`` of a fresh symlink over the old one (:func:`switch`), fsyncing the data dir. At every
instant ``current`` names one complete build (or, before the first versioned build, the
pre-versioned files at the top of ``data/`` are complete and untouched), so a kill -9 anywhere
leaves the previous data served. :func:`clean_stale` (run at the start of every build, under the
lock) removes what killed builds left and finishes a migration from the old layout;
:func:`prune` keeps the current build and the one before it.

``$POLICYKG_BUILD_CRASH_AT=<step>`` kills the process with SIGKILL at that named step
(:func:`step`); the crash-safety tests use it to kill a build at every step.
"""
from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.datadir import BUILDS, CURRENT, LEGACY_ENTRIES, LOCK, MANIFEST
from corpus.errors import BuildLocked, DiskError

CRASH_ENV = "POLICYKG_BUILD_CRASH_AT"
STAGING_PREFIX = ".staging-"
POINTER_PREFIX = ".current-"
KEEP = 2  # the current build and the previous one
DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def step(name: str) -> None:
    """A named step of a build; the crash tests kill the process here (``$POLICYKG_BUILD_CRASH_AT``)."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def disk_error(path: Path, e: OSError, doing: str) -> DiskError:
    """One readable line for an OSError of the disk kind."""
    return DiskError(f"cannot write {path} ({doing}): {e.strerror or e}; previous data left unchanged")


@contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``data/.lock`` (flock) for one build; a second build into the same data dir fails at
    once with :class:`BuildLocked` naming the process that holds it. Creating the data dir or the
    lock file on a read-only or full disk raises :class:`DiskError` before any parsing."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        if e.errno in DISK_ERRNOS:
            raise disk_error(data_dir, e, "creating the lock file") from None
        raise
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise BuildLocked(f"another build (pid {holder}) is writing {data_dir}; wait for it to "
                              "finish, or build into another --data") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def new_build_id(data_dir: Path) -> str:
    """A sortable, unused build id: UTC time and process id."""
    now = time.time()
    base = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z-{os.getpid()}"
    n, out = 0, base
    while (data_dir / BUILDS / out).exists() or (data_dir / f"{STAGING_PREFIX}{out}").exists():
        n += 1
        out = f"{base}-{n}"
    return out


def staging_dir(data_dir: Path, build_id: str) -> Path:
    return data_dir / f"{STAGING_PREFIX}{build_id}"


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root`` to disk (before the pointer may name it)."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            if not p.is_symlink():
                _fsync_path(p)
        _fsync_path(Path(dirpath))


def switch(data_dir: Path, staging: Path, build_id: str) -> Path:
    """Publish a finished staging dir: rename it to ``builds/<id>``, point ``current`` at it by
    renaming a new symlink over the old one, and fsync the folders involved. Returns the build dir."""
    builds = data_dir / BUILDS
    builds.mkdir(exist_ok=True)
    fsync_tree(staging)
    step("synced")
    final = builds / build_id
    os.rename(staging, final)
    _fsync_path(builds)
    _fsync_path(data_dir)
    step("renamed")
    pointer = data_dir / f"{POINTER_PREFIX}{build_id}"
    os.symlink(f"{BUILDS}/{build_id}", pointer)
    step("pointer-written")
    os.replace(pointer, data_dir / CURRENT)
    step("switched")
    _fsync_path(data_dir)
    step("durable")
    return final


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def current_id(data_dir: Path) -> str | None:
    try:
        return Path(os.readlink(data_dir / CURRENT)).name
    except OSError:
        return None


def prune(data_dir: Path, keep: int = KEEP) -> list[str]:
    """Remove all builds but the current one and the newest ``keep - 1`` others; returns their ids."""
    cur = current_id(data_dir)
    builds = data_dir / BUILDS
    if cur is None or not builds.is_dir():
        return []
    others = sorted((p.name for p in builds.iterdir() if p.name != cur), reverse=True)
    gone = others[max(keep - 1, 0):]
    for name in gone:
        _remove(builds / name)
    return gone


def clean_stale(data_dir: Path) -> list[str]:
    """Under the lock, before a build: remove staging dirs and pointer files of killed builds,
    the siblings ``.<name>.staging-*`` / ``.<name>.trash-*`` of the pre-versioned swap (restoring a
    trash dir first when the kill left no data at all), the top-level files of a data dir already
    migrated to versioned builds, and builds beyond :data:`KEEP`. Returns what it removed."""
    removed: list[str] = []
    parent, name = data_dir.parent, data_dir.name
    trash = sorted(parent.glob(f".{name}.trash-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    if current_id(data_dir) is None and not (data_dir / MANIFEST).is_file():
        # the old swap was killed between its two renames: the previous data sits in the trash
        for t in trash:
            if (t / MANIFEST).is_file():
                for entry in t.iterdir():
                    os.rename(entry, data_dir / entry.name)
                break
    for p in [*parent.glob(f".{name}.staging-*"), *trash,
              *data_dir.glob(f"{STAGING_PREFIX}*"), *data_dir.glob(f"{POINTER_PREFIX}*")]:
        _remove(p)
        removed.append(str(p))
    if current_id(data_dir) is not None:
        for entry in LEGACY_ENTRIES:  # a pre-versioned layout, superseded by ``current``
            if (data_dir / entry).exists():
                _remove(data_dir / entry)
                removed.append(str(data_dir / entry))
    removed += [str(data_dir / BUILDS / b) for b in prune(data_dir)]
    return removed
