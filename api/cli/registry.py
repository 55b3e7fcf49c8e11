"""The command registry of ``policykg`` and the helpers every subcommand shares.

``api.cli`` (the entry point) and ``api.cli.commands`` both register on :data:`COMMANDS` here, so
``policykg …`` and ``python -m api.cli …`` see the same commands.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from api.datadir import build_id, current_build, not_built
from corpus import BUNDLED_DIR
from corpus.errors import NotBuilt, PolicyKGError

DEFAULT_DATA = os.environ.get("POLICYKG_DATA", "data")


@dataclass
class Arg:
    """One ``add_argument`` call."""

    names: tuple[str, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __init__(self, *names: str, **kwargs: Any):
        self.names, self.kwargs = names, kwargs


@dataclass
class Command:
    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    args: list[Arg]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, args: list[Arg] | None = None):
    """Register a subcommand; the function takes the parsed args and returns an exit code."""

    def register(fn: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = Command(name, help, fn, list(args or []))
        return fn

    return register


data_arg = Arg("--data", default=DEFAULT_DATA, help="data directory (default: ./data or $POLICYKG_DATA)")
json_arg = Arg("--json", action="store_true", help="print one JSON document on stdout")


def bundled_corpus() -> Path:
    return BUNDLED_DIR


def run_build(corpus_dir: Path, data_dir: Path, progress: bool = True, encoder: str | None = None,
              graph_store: str | None = None, executor: str | None = None, search_backend: str | None = None) -> int:
    """Build, publish the graph to an external store when one is configured, and report on stderr;
    returns the build's exit code."""
    from api.pipeline.build import BuildFailed, build, print_rejections  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it
    from embeddings.encoder import configured_spec  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it
    from api.config import open_graph_store, open_search_index, resolve_backends  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it
    from api.pipeline.executor import executor_for  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it
    from api.pipeline.publish import publish_graph, publish_search_index  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it
    from kg.store import open_store  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it

    backends = resolve_backends(data_dir, graph_store=graph_store, executor=executor,
                                search_backend=search_backend)  # bad specs fail first
    runner = executor_for(backends.executor)
    try:
        configured_spec(encoder)  # an unknown model fails before any parsing
        report = build(corpus_dir, data_dir, progress=progress, options={"encoder": encoder} if encoder else None,
                       executor=runner)
    except PolicyKGError as e:  # locked, disk read-only or full: one line
        print(f"policykg: build failed: {e.message}", file=sys.stderr)
        return 1
    except (BuildFailed, FileNotFoundError, FileExistsError, ValueError) as e:
        print(f"policykg: build failed: {e}", file=sys.stderr)
        print(f"policykg: previous data in {data_dir} left unchanged", file=sys.stderr)
        return 1
    finally:
        getattr(runner, "shutdown", lambda: None)()
    print_rejections(report.rejected, warnings=report.warnings)
    if report.exit_code == 1:
        print(f"policykg: nothing usable in {corpus_dir}; {data_dir} left unchanged", file=sys.stderr)
    else:
        print(f"built {len(report.documents)} documents into {report.data_dir} "
              f"({len(report.rejected)} rejected) in {report.seconds:.1f}s", file=sys.stderr)
        if backends.remote_graph:
            target = open_graph_store(data_dir, backends)
            summary = publish_graph(open_store(current_build(data_dir)), target)
            print(f"published {summary['documents']} documents ({summary['quads']} quads) to the graph store "
                  f"{backends.graph_store.split(';')[0]} in {summary['seconds']:.1f}s", file=sys.stderr)
        if backends.remote_search:
            summary = publish_search_index(current_build(data_dir), open_search_index(backends))
            print(f"published the search index ({summary['documents']} documents, {summary['written']} written, "
                  f"{summary['removed']} removed, {summary['sentences']} sentences) to {backends.search_backend} "
                  f"in {summary['seconds']:.1f}s", file=sys.stderr)
    return report.exit_code


def ensure_built(data_dir: Path) -> None:
    """Raise :class:`NotBuilt` (naming the path and the command that builds it) unless ``data_dir``
    serves a build. Read commands never build, and never write."""
    if build_id(data_dir) is None:
        raise not_built(data_dir)


def build_bundled_if_fresh(data_dir: Path) -> None:
    """``serve`` with no ``--data`` on a fresh checkout: build the bundled corpus, saying so."""
    if build_id(data_dir) is not None:
        return
    print(f"policykg: no build in {data_dir}; building the bundled corpus ({bundled_corpus()}) into it "
          "first (serve with --data DIR to serve another build) …", file=sys.stderr)
    code = run_build(bundled_corpus(), data_dir)
    if code == 1:
        raise NotBuilt(f"could not build {data_dir}")
