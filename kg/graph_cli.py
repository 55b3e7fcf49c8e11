"""CLI handlers for ``policykg sparql`` and ``policykg export`` as pure functions.

They raise ``kg.errors`` exceptions; ``api/cli.py`` maps those to exit codes and writes the
returned bytes to stdout.

>>> read_query_arg("SELECT * { ?s ?p ?o }")
'SELECT * { ?s ?p ?o }'
"""
from __future__ import annotations

from pathlib import Path

from kg.errors import BadRequest, NotBuilt
from kg.sparql import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT, SparqlResult, SparqlService

SPARQL_FORMATS = ("json", "csv", "tsv", "xml", "turtle", "jsonld", "ntriples")
EXPORT_FORMATS = ("turtle", "nquads", "jsonld", "trig", "ntriples")


def read_query_arg(arg: str) -> str:
    """``@FILE`` → the file's text (``@-`` is stdin); anything else is the query itself."""
    if arg.startswith("@"):
        name = arg[1:]
        if name == "-":
            import sys

            return sys.stdin.read()
        path = Path(name)
        if not path.is_file():
            raise BadRequest(f"no query file {name!r}")
        return path.read_text("utf-8")
    return arg


def _graph_dir(data_dir: str | Path) -> Path:
    path = Path(data_dir) / "graph"
    if not path.is_dir():
        raise NotBuilt(f"no graph store in {data_dir}; run `policykg build`")
    return path


def sparql_command(data_dir: str | Path, query: str, fmt: str | None = None, *,
                   timeout: float = DEFAULT_TIMEOUT, row_cap: int = DEFAULT_ROW_CAP) -> SparqlResult:
    """``policykg sparql QUERY|@FILE [--format F]``: the serialised result (``.body``) and
    whether the row cap cut it (``.truncated``). ``fmt`` None → json (SELECT/ASK) or turtle."""
    if fmt is not None and fmt not in SPARQL_FORMATS:
        raise BadRequest(f"unknown format {fmt!r}; use one of {', '.join(SPARQL_FORMATS)}")
    text = read_query_arg(query)
    with SparqlService(_graph_dir(data_dir), timeout=timeout, row_cap=row_cap, workers=1) as svc:
        return svc.query(text, fmt)


def export_command(data_dir: str | Path, fmt: str = "turtle", output: str | Path | None = None) -> bytes:
    """``policykg export --format F [-o FILE]``: the whole graph; written to ``output`` when given."""
    from kg.store import Store

    if fmt not in EXPORT_FORMATS:
        raise BadRequest(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    store = Store(_graph_dir(data_dir), read_only=True)
    return store.export(fmt, output)
