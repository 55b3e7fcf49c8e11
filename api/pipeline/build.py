"""Build: corpus folder → data directory, atomically.

``build`` takes the data dir's lock, parses the corpus, writes ``documents/{id}.json`` into a
staging directory inside the data dir (``data/.staging-<id>``), runs every stage of
:data:`STAGES` in order, writes ``manifest.json``, and only then publishes it as
``data/builds/<id>`` and switches ``data/current`` to it (:mod:`api.pipeline.versions`). Any
exception fails the build: the staging directory is removed and the served build is left exactly
as it was; a kill -9 leaves it as well, and the next build cleans what the killed one left.

The stages of a full build are the functions of :data:`api.pipeline.stages.STAGES`, in order:
encoding (started: the new sentences' vectors, in a worker process) → extraction → graph →
cascade analysis → search index (collects the vectors). A stage is a function taking a
:class:`~api.pipeline.context.BuildContext`; pass ``stages=[...]`` to run others. Functions in
``ctx.cleanup`` run when the stages end, even when one failed (a worker is stopped).

Stages run in list order, each once. A stage may put objects in ``ctx.results`` for later
stages; the JSON-serialisable value under its own function name is written to the manifest.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from api.datadir import BUILDS, CURRENT, DOCUMENTS, LOCK, MANIFEST, MODEL, current_build
from api.datadir import build_id as build_id_of
from api.pipeline.context import BuildContext, Stage
from api.pipeline.executor import Executor, LocalExecutor
from api.pipeline.stages import STAGES
from api.pipeline.versions import (
    DISK_ERRNOS,
    build_lock,
    clean_stale,
    disk_error,
    new_build_id,
    staging_dir,
    step,
    switch,
)
from corpus.ingest import ingest_dir
from corpus.errors import DiskError
from corpus.model import Rejection

CARRIED = (MODEL,)  # kept across rebuilds (the converted embedding model)
MIN_FREE_BYTES = 64 * 2**20  # checked before parsing: room for the index and graph of a small corpus
FREE_PER_CORPUS_BYTE = 20  # and about this many bytes per corpus byte (graph, index, JSON)

class BuildFailed(Exception):
    """A stage raised: the build was abandoned and the previous data left intact."""

    def __init__(self, stage: str, error: BaseException):
        super().__init__(f"build stage {stage!r} failed: {type(error).__name__}: {error}")
        self.stage, self.error = stage, error


@dataclass
class BuildReport:
    """Outcome of a build. ``exit_code``: 0 all built, 2 some rejected, 1 nothing usable."""

    data_dir: Path
    documents: list[dict]
    rejected: list[Rejection]
    stages: list[dict]
    seconds: float
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (source, warning) of built documents

    @property
    def exit_code(self) -> int:
        if not self.documents:
            return 1
        return 2 if self.rejected else 0


def _version() -> str:
    try:
        from importlib.metadata import version  # noqa: PLC0415 - only when writing a manifest

        return version("policykg")
    except Exception:
        return "0"


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a folder using hard links where possible (cheap for a large model)."""

    def link(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, copy_function=link)


def _check_not_foreign(data_dir: Path) -> None:
    if not data_dir.is_dir():
        return
    names = {p.name for p in data_dir.iterdir()}
    if names and not names & {MANIFEST, CURRENT, BUILDS, LOCK}:
        raise FileExistsError(f"{data_dir} exists and is not a policykg data dir (no {MANIFEST}); "
                              "refusing to replace it")


def _check_free_space(data_dir: Path, corpus_dir: Path) -> None:
    """Fail before parsing when the disk obviously cannot hold the build."""
    corpus_bytes = sum(p.stat().st_size for p in corpus_dir.rglob("*") if p.is_file())
    need = MIN_FREE_BYTES + FREE_PER_CORPUS_BYTE * corpus_bytes
    free = shutil.disk_usage(data_dir).free
    if free < need:
        raise DiskError(f"not enough free space for a build in {data_dir}: {free // 2**20} MiB free, "
                        f"about {need // 2**20} MiB needed; previous data left unchanged")


def build(corpus_dir: str | Path, data_dir: str | Path, progress: bool = True,
          stages: list[Stage] | None = None, options: dict | None = None,
          executor: Executor | None = None) -> BuildReport:
    """Build ``data_dir`` from ``corpus_dir`` (see module docstring).

    ``executor`` runs the stages' per-document map steps (default: :class:`LocalExecutor`).
    ``options`` reach every stage as ``ctx.options`` (``{"encoder": name}`` picks the
    embedding model spec; default ``$POLICYKG_ENCODER`` or the registry's default).

    When no document is usable the previous data dir is kept and the report's
    ``exit_code`` is 1. Raises :class:`BuildFailed` if a stage raises,
    :class:`~corpus.errors.BuildLocked` if another build holds the data dir and
    :class:`~corpus.errors.DiskError` if the disk is read-only or full.
    """
    t0 = time.perf_counter()
    corpus_dir, data_dir = Path(corpus_dir), Path(data_dir).absolute()
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder not found: {corpus_dir}")
    _check_not_foreign(data_dir)
    created = not data_dir.exists()
    with build_lock(data_dir):
        step("locked")
        try:
            clean_stale(data_dir)
            _check_free_space(data_dir, corpus_dir)
            return _build_locked(corpus_dir, data_dir, progress, stages, options, executor, t0)
        except OSError as e:
            if e.errno in DISK_ERRNOS:
                raise disk_error(data_dir, e, "writing the build") from None
            raise
        except BuildFailed as e:
            if isinstance(e.error, OSError) and e.error.errno in DISK_ERRNOS:
                raise disk_error(data_dir, e.error, f"stage {e.stage}") from None
            raise
        finally:
            if created and build_id_of(data_dir) is None:  # nothing built: leave no trace
                shutil.rmtree(data_dir, ignore_errors=True)


def _build_locked(corpus_dir: Path, data_dir: Path, progress: bool, stages: list[Stage] | None,
                  options: dict | None, executor: Executor | None, t0: float) -> BuildReport:
    executor = executor or LocalExecutor()
    docs, rejected = ingest_dir(corpus_dir, progress=progress,
                                map_fn=None if isinstance(executor, LocalExecutor) else executor.map)
    step("parsed")
    if not docs:
        return BuildReport(data_dir, [], rejected, [], time.perf_counter() - t0)
    if stages is None:
        stages = list(STAGES)
    build_id = new_build_id(data_dir)
    staging = staging_dir(data_dir, build_id)
    previous = current_build(data_dir) if build_id_of(data_dir) else None
    stage_log: list[dict] = []
    try:
        (staging / DOCUMENTS).mkdir(parents=True)
        for doc in docs:
            (staging / DOCUMENTS / f"{doc.id}.json").write_text(doc.model_dump_json(), encoding="utf-8")
        if previous is not None:
            for name in CARRIED:
                if (previous / name).is_dir():
                    _link_tree(previous / name, staging / name)
        step("staged")
        ctx = BuildContext(docs=docs, rejected=rejected, staging_dir=staging, previous_dir=previous,
                           progress=progress, corpus_dir=corpus_dir, options=dict(options or {}),
                           executor=executor, data_dir=data_dir)
        bar = None
        if progress and stages:
            from tqdm import tqdm  # noqa: PLC0415 - progress bars only when asked for

            bar = tqdm(total=len(stages), desc="build", unit="stage", file=sys.stderr)
        try:
            for stage in list(stages):
                name = getattr(stage, "__name__", repr(stage))
                if bar is not None:
                    bar.set_postfix_str(name)
                t = time.perf_counter()
                try:
                    stage(ctx)
                except Exception as e:
                    raise BuildFailed(name, e) from e
                stage_log.append({"name": name, "seconds": round(time.perf_counter() - t, 3),
                                  **_jsonable({"result": ctx.results.get(name)})})
                step(f"stage:{name}")
                if bar is not None:
                    bar.update(1)
        finally:
            for done in ctx.cleanup:  # e.g. a worker process a failed build no longer needs
                done()
        if bar is not None:
            bar.close()
        manifest = {
            "policykg_version": _version(),
            "build_id": build_id,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "corpus_dir": str(corpus_dir.absolute()),
            "documents": [{"id": d.id, "source": d.source, "title": d.title} for d in docs],
            "rejected": [r.model_dump() for r in rejected],
            "stages": stage_log,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        step("manifest")
        switch(data_dir, staging, build_id)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    clean_stale(data_dir)  # the legacy top-level files of a migrated dir; builds beyond the previous one
    step("cleaned")
    return BuildReport(data_dir, manifest["documents"], rejected, stage_log, time.perf_counter() - t0,
                       [(d.source, w.message) for d in docs for w in d.warnings])


def _jsonable(d: dict) -> dict:
    try:
        json.dumps(d)
        return {k: v for k, v in d.items() if v is not None}
    except (TypeError, ValueError):
        return {}


def print_rejections(rejected: list[Rejection], stream=None, warnings: list[tuple[str, str]] = ()) -> None:
    """Name each rejected file with its reason, then each built file's warnings (stderr by default)."""
    for r in rejected:
        print(f"rejected: {r.source}: {r.reason}", file=stream or sys.stderr)
    for source, warning in warnings:
        print(f"warning: {source}: {warning}", file=stream or sys.stderr)
