"""What a build stage sees: the parsed documents, the staging directory and the build options."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from api.pipeline.executor import Executor, LocalExecutor
from corpus.model import Document, Rejection


@dataclass
class BuildContext:
    """What every stage sees."""

    docs: list[Document]
    rejected: list[Rejection]
    # Write your outputs here (e.g. staging_dir / "graph"). staging_dir / "model" is hard-linked
    # from the previous build when it had one: add or replace files there, never edit them in place.
    staging_dir: Path
    previous_dir: Path | None  # the data dir being replaced, if any (read-only)
    progress: bool = False
    corpus_dir: Path | None = None
    results: dict = field(default_factory=dict)  # stage name → anything (shared between stages)
    options: dict = field(default_factory=dict)  # build options, e.g. {"encoder": spec name}
    executor: Executor = field(default_factory=LocalExecutor)  # runs the per-document map steps
    data_dir: Path | None = None  # the data dir this build will replace (its vector cache sits beside it)
    cleanup: list[Callable[[], None]] = field(default_factory=list)  # run when the build ends, even failed


Stage = Callable[[BuildContext], None]
