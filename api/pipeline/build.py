"""Build: corpus folder → data directory, atomically.

``build`` parses the corpus into a staging directory next to the data directory
(``.{name}.staging-<pid>``), writes ``documents/{id}.json``, runs every stage of
:data:`STAGES` in order, writes ``manifest.json``, and only then swaps the staging
directory into place. Any stage exception fails the build: the staging directory is
removed and the previous data directory is left exactly as it was.

The stages of a full build are the functions of :data:`api.pipeline.stages.STAGES`, in order:
extraction → graph → cascade analysis → search index. A stage is a function taking a
:class:`~api.pipeline.context.BuildContext`; pass ``stages=[...]`` to run others.

Stages run in list order, each once. A stage may put objects in ``ctx.results`` for later
stages; the JSON-serialisable value under its own function name is written to the manifest.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from api.datadir import DOCUMENTS, MANIFEST, MODEL
from api.pipeline.context import BuildContext, Stage
from api.pipeline.executor import Executor, LocalExecutor
from api.pipeline.stages import STAGES
from corpus.ingest import ingest_dir
from corpus.model import Rejection

CARRIED = (MODEL,)  # kept across rebuilds (the converted embedding model)




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


def build(corpus_dir: str | Path, data_dir: str | Path, progress: bool = True,
          stages: list[Stage] | None = None, options: dict | None = None,
          executor: Executor | None = None) -> BuildReport:
    """Build ``data_dir`` from ``corpus_dir`` (see module docstring).

    ``executor`` runs the stages' per-document map steps (default: :class:`LocalExecutor`).
    ``options`` reach every stage as ``ctx.options`` (``{"encoder": name}`` picks the
    embedding model spec; default ``$POLICYKG_ENCODER`` or the registry's default).

    When no document is usable the previous data dir is kept and the report's
    ``exit_code`` is 1. Raises :class:`BuildFailed` if a stage raises.
    """
    t0 = time.perf_counter()
    corpus_dir, data_dir = Path(corpus_dir), Path(data_dir).absolute()
    executor = executor or LocalExecutor()
    docs, rejected = ingest_dir(corpus_dir, progress=progress,
                                map_fn=None if isinstance(executor, LocalExecutor) else executor.map)
    if not docs:
        return BuildReport(data_dir, [], rejected, [], time.perf_counter() - t0)
    if stages is None:
        stages = list(STAGES)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = data_dir.parent / f".{data_dir.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    if data_dir.is_dir() and any(data_dir.iterdir()) and not (data_dir / MANIFEST).is_file():
        raise FileExistsError(f"{data_dir} exists and is not a policykg data dir (no {MANIFEST}); "
                              "refusing to replace it")
    previous = data_dir if data_dir.is_dir() else None
    stage_log: list[dict] = []
    try:
        (staging / DOCUMENTS).mkdir(parents=True)
        for doc in docs:
            (staging / DOCUMENTS / f"{doc.id}.json").write_text(doc.model_dump_json(), encoding="utf-8")
        if previous is not None:
            for name in CARRIED:
                if (previous / name).is_dir():
                    _link_tree(previous / name, staging / name)
        ctx = BuildContext(docs=docs, rejected=rejected, staging_dir=staging, previous_dir=previous,
                           progress=progress, corpus_dir=corpus_dir, options=dict(options or {}),
                           executor=executor, data_dir=data_dir)
        bar = None
        if progress and stages:
            from tqdm import tqdm  # noqa: PLC0415 - progress bars only when asked for

            bar = tqdm(total=len(stages), desc="build", unit="stage", file=sys.stderr)
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
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        manifest = {
            "policykg_version": _version(),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "corpus_dir": str(corpus_dir.absolute()),
            "documents": [{"id": d.id, "source": d.source, "title": d.title} for d in docs],
            "rejected": [r.model_dump() for r in rejected],
            "stages": stage_log,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        _swap(staging, data_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildReport(data_dir, manifest["documents"], rejected, stage_log, time.perf_counter() - t0)


def _jsonable(d: dict) -> dict:
    try:
        json.dumps(d)
        return {k: v for k, v in d.items() if v is not None}
    except (TypeError, ValueError):
        return {}


def _swap(staging: Path, data_dir: Path) -> None:
    """staging → data_dir; the old data dir goes to a trash dir first, then is deleted."""
    trash = data_dir.parent / f".{data_dir.name}.trash-{os.getpid()}"
    if trash.exists():
        shutil.rmtree(trash)
    had_old = data_dir.exists()
    if had_old:
        os.rename(data_dir, trash)
    try:
        os.rename(staging, data_dir)
    except BaseException:
        if had_old:
            os.rename(trash, data_dir)
        raise
    if had_old:
        shutil.rmtree(trash, ignore_errors=True)


def print_rejections(rejected: list[Rejection], stream=None) -> None:
    """Name each rejected file with its reason (stderr by default)."""
    for r in rejected:
        print(f"rejected: {r.source}: {r.reason}", file=stream or sys.stderr)
