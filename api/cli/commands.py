"""Query subcommands of ``policykg``: facts, search, cascade, SPARQL, export, evaluation.

Each one reads a built data directory (building the bundled corpus first when it is empty),
goes through the service core or the layer's pure view function, and prints either one JSON
document (``--json``) or a readable rendering.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from api.cli import readable, remote
from api.cli.registry import Arg, command, data_arg, ensure_built, json_arg
from api.datadir import current_build
from corpus.errors import BadRequest
from kg.records import ENTITY_TYPES
from kg.sparql_limits import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT

BUNDLED_QUERIES = Path(__file__).resolve().parents[2] / "kg" / "queries"


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _service(args: argparse.Namespace):
    data_dir = Path(args.data)
    ensure_built(data_dir)
    from api.service import PolicyKG  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it

    return PolicyKG(data_dir)


def read_query_arg(arg: str) -> str:
    """The query a ``QUERY`` argument names: ``@FILE`` → the file's text (``@-`` is stdin); the
    path of an existing file → its text; a name ending in ``.rq`` / ``.sparql`` that is no file
    here → the bundled query of that name (``kg/queries``) or BadRequest; anything else is the
    query itself.

    >>> read_query_arg("SELECT * { ?s ?p ?o }")
    'SELECT * { ?s ?p ?o }'
    >>> read_query_arg("kg/queries/slogan_components.rq").count("SELECT")
    1
    """
    if arg.startswith("@"):
        name = arg[1:]
        if name == "-":
            return sys.stdin.read()
        path = Path(name)
        if not path.is_file():
            raise BadRequest(f"no query file {name!r}")
        return path.read_text("utf-8")
    if "\n" in arg or len(arg) > 1024:
        return arg
    path = Path(arg)
    if path.is_file():
        return path.read_text("utf-8")
    if path.suffix in (".rq", ".sparql"):
        bundled = BUNDLED_QUERIES / path.name
        if bundled.is_file():
            return bundled.read_text("utf-8")
        raise BadRequest(f"no query file {arg!r}")
    return arg


server_arg = Arg("--server", metavar="URL", help=f"ask a running `policykg serve` (default ${remote.SERVER_ENV}; "
                                                 "unset: load the data directory here)")


def _data(args: argparse.Namespace) -> Path:
    data_dir = Path(args.data)
    ensure_built(data_dir)
    return data_dir




def _fact_table(args: argparse.Namespace, kind: str, render, **filters) -> int:
    kg = _service(args)
    rows = kg.fact_list(kind, **filters)
    if args.json:
        _print_json(rows)
    else:
        print(render(rows, {d.id: d for d in kg.parsed_documents()}))
    return 0


@command("entities", help="extracted entities with their mentions (a table; --json for machines)", args=[
    Arg("--type", choices=list(ENTITY_TYPES)), Arg("--doc", metavar="DOC"), json_arg, data_arg])
def cmd_entities(args: argparse.Namespace) -> int:
    return _fact_table(args, "entities", readable.entities_table, type=args.type, doc=args.doc)


@command("targets", help="numeric targets: indicator, comparator, value, year, provision (a table; "
         "--json for machines)", args=[
    Arg("--doc", metavar="DOC"), Arg("--indicator", metavar="TEXT"), json_arg, data_arg])
def cmd_targets(args: argparse.Namespace) -> int:
    return _fact_table(args, "targets", readable.targets_table, doc=args.doc, indicator=args.indicator)


@command("slogans", help="numbered slogans (提法) and their components (a table; --json for machines)", args=[
    Arg("--doc", metavar="DOC"), json_arg, data_arg])
def cmd_slogans(args: argparse.Namespace) -> int:
    return _fact_table(args, "slogans", readable.slogans_table, doc=args.doc)


@command("search", help="search sentences (exact matches first; query syntax: policykg search --syntax)", args=[
    Arg("query", metavar="QUERY", nargs="?", default=""), Arg("--k", type=int, default=10),
    Arg("--offset", type=int, default=0, help="skip this many results (paging)"),
    Arg("--sort", choices=["relevance", "date"], default="relevance"),
    Arg("--cutoff", type=float, help="dense-score cut-off of the semantic tail (0-1; default 0.865)"),
    Arg("--within", dest="scope", choices=["sentence", "provision"], help="all terms in the same sentence or provision"),
    Arg("--syntax", action="store_true", help="print the query syntax and exit"),
    Arg("--level"), Arg("--doc"), Arg("--place"), Arg("--year", type=int), json_arg, data_arg, server_arg])
def cmd_search(args: argparse.Namespace) -> int:
    if args.syntax:
        from embeddings.query import HELP  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it

        print(HELP)
        return 0
    params = {"k": args.k, "level": args.level, "doc": args.doc, "place": args.place, "year": args.year,
              "offset": args.offset, "sort": args.sort, "cutoff": args.cutoff, "scope": args.scope}
    server = remote.server_of(args.server)
    if server:
        res = remote.call(server, "/api/search", {"q": args.query, **params})
    else:
        res = _service(args).search(args.query, **params)
    if args.json:
        _print_json(res)
    else:

        print(readable.search_report(res))
    return 0


@command("precedent", help="closest existing wording for a draft sentence, cited, with a diff", args=[
    Arg("text", metavar="TEXT"), Arg("--k", type=int, default=5), json_arg, data_arg, server_arg])
def cmd_precedent(args: argparse.Namespace) -> int:
    server = remote.server_of(args.server)
    if server:
        res = remote.call(server, "/api/precedent", body={"text": args.text, "k": args.k})
    else:
        res = _service(args).precedent(args.text, k=args.k)

    print(json.dumps(res, ensure_ascii=False, indent=2) if args.json else readable.precedent_report(res))
    return 0


@command("cascade", help="how an upper document cascades into a lower one", args=[
    Arg("upper", metavar="UPPER"), Arg("lower", metavar="LOWER"), json_arg, data_arg])
def cmd_cascade(args: argparse.Namespace) -> int:
    res = _service(args).cascade(args.upper, args.lower)
    print(json.dumps(res, ensure_ascii=False, indent=2) if args.json else readable.cascade_report(res))
    return 0


@command("concept", help="where a concept appears, by level and place, with the linking chain", args=[
    Arg("name", metavar="NAME"), json_arg, data_arg, server_arg])
def cmd_concept(args: argparse.Namespace) -> int:
    server = remote.server_of(args.server)
    res = remote.call(server, f"/api/concept/{args.name}") if server else _service(args).concept(args.name)
    print(json.dumps(res, ensure_ascii=False, indent=2) if args.json else readable.concept_report(res))
    return 0


@command("sparql", help="run a read-only SPARQL 1.1 query (QUERY text, a .rq file or @FILE); prints a table "
         "(SELECT), true/false (ASK) or Turtle (CONSTRUCT, DESCRIBE) unless --format / --json", args=[
    Arg("query", metavar="QUERY|FILE|@FILE"),
    Arg("--format", dest="fmt", choices=["json", "csv", "tsv", "xml", "turtle", "jsonld", "ntriples"]),
    Arg("--json", action="store_true", help="the same as --format json"),
    Arg("--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds (default {DEFAULT_TIMEOUT:g})"),
    Arg("--limit", type=int, default=DEFAULT_ROW_CAP, help=f"row cap (default {DEFAULT_ROW_CAP})"), data_arg])
def cmd_sparql(args: argparse.Namespace) -> int:
    from kg.sparql import prepare  # noqa: PLC0415 - CLI start-up: the graph stack (pyoxigraph, rdflib's SPARQL parser) loads only for the command that needs it

    text = read_query_arg(args.query)
    fmt = args.fmt or ("json" if args.json else None)
    readable_form = None if fmt else ("turtle" if prepare(text).is_graph else "table")
    from api.service import PolicyKG  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it

    kg = PolicyKG(_data(args), sparql_workers=1)
    try:
        res = kg.sparql(text, "json" if readable_form == "table" else fmt, timeout=args.timeout,
                        row_cap=args.limit)
    finally:
        kg.close()
    body = res.body.decode("utf-8") if isinstance(res.body, bytes) else res.body
    if readable_form == "table":
        body = readable.sparql_table(body)
    elif readable_form == "turtle":
        body = readable.turtle(body)
    sys.stdout.write(body if body.endswith("\n") else body + "\n")
    if res.truncated:
        print(f"policykg: result truncated at {args.limit} rows", file=sys.stderr)
    return 0


@command("export", help="export the whole graph", args=[
    Arg("--format", dest="fmt", default="turtle", choices=["turtle", "nquads", "jsonld", "trig", "ntriples"]),
    Arg("-o", "--output", metavar="FILE"), data_arg])
def cmd_export(args: argparse.Namespace) -> int:
    body = _service(args).export(args.fmt, args.output)
    if not args.output:
        sys.stdout.buffer.write(body)
    return 0


@command("eval", help="evaluation on the gold files: extraction, search, cascade, real (../shared/real metadata, "
         "provision trees, targets, slogans, chain alignment)", args=[
    Arg("what", nargs="?", default="all", choices=["all", "extraction", "search", "cascade", "real"]), data_arg,
    Arg("--corpus", default=None, help="eval real: folder of the real documents (default: ../shared/real)")])
def cmd_eval(args: argparse.Namespace) -> int:
    from api.evaluation import cascade, extraction, real, search  # noqa: PLC0415 - CLI start-up: the application stack (faiss, scipy, FastAPI) loads only for the command that needs it

    if args.what == "real":
        folder = [args.corpus] if args.corpus else []
        status = real.main(["--corpus", *folder] if folder else []) or 0
        for name, module in (("extraction (targets, slogans)", extraction), ("cascade (real chains)", cascade)):
            print(f"== real {name}")
            status |= module.main(["--real", *folder]) or 0
        return status
    modules = {"extraction": extraction, "search": search, "cascade": cascade}
    wanted = list(modules) if args.what == "all" else [args.what]
    status = 0
    for name in wanted:
        print(f"== {name}")
        # extraction reads the corpus; search indexes it in memory when DATA holds no index;
        # cascade uses the stored index's vectors only when there is one
        has_index = (current_build(Path(args.data)) / "index" / "manifest.json").exists()
        argv = ["--data", str(args.data)] if name == "search" or (name == "cascade" and has_index) else []
        status |= modules[name].main(argv) or 0
    return status
