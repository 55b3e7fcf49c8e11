"""Bounded, read-only SPARQL: the query check, content negotiation and a pool of query workers.

``prepare`` checks a query in the calling process without the native parser: a size limit and a
bracket-nesting limit first (so no parser ever recurses deeply), then rdflib's SPARQL parser and
algebra. UPDATE → Forbidden; SERVICE anywhere in the algebra → BadRequest; a syntax error →
BadRequest with the parser's message. FROM / FROM NAMED come out of the algebra as the query's
dataset.

``SparqlService`` runs checked queries in a pool of worker processes (``kg.sparql_worker``), each
opening the on-disk store read-only and, where the platform allows (``unshare -rn``), living in
a network namespace with no interface up: a query that slipped past the check still cannot reach
any address. Each query has its own time limit (its worker is killed and replaced when it runs
over); waiting for a worker is bounded by a queue length and a wait, past which ``Busy``.

>>> prepare("SELECT ?d WHERE { ?d a pk:PolicyDocument }").form
'SELECT'
>>> prepare("ASK FROM <http://g/1> FROM NAMED <http://g/2> {}").default_graphs
('http://g/1',)
>>> prepare("INSERT DATA { <a:b> <a:c> <a:d> }")
Traceback (most recent call last):
...
corpus.errors.Forbidden: SPARQL UPDATE is not allowed on this endpoint
>>> prepare("SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
corpus.errors.BadRequest: SERVICE (federated query) is not allowed on this endpoint
"""
from __future__ import annotations

import logging
import os
import queue
import re
import select
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import mimeparse

from corpus.errors import (
    BadRequest,
    Busy,
    Forbidden,
    NotBuilt,
    PolicyKGError,
    QueryTimeout,
)
from kg import sparql_worker as wire
from kg.iris import BASE, CONTRIB_BASE
from kg.prefixes import PREFIXES
from kg.sparql_limits import DEFAULT_ROW_CAP, DEFAULT_TIMEOUT, MAX_NESTING, MAX_QUERY_CHARS
from kg.sparql_worker import GRAPH_FORMATS, RESULT_FORMATS, Request, SparqlResult

__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "Prepared", "SparqlResult", "SparqlService", "prepare",
           "negotiate", "media_type", "format_for", "DEFAULT_TIMEOUT", "DEFAULT_ROW_CAP"]

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 60.0
BASE_IRI = f"{BASE}/"
HIDDEN_GRAPH_PREFIXES = (CONTRIB_BASE,)
EXAMPLE_QUERIES_DIR = Path(__file__).resolve().parent / "queries"  # kg/queries/*.rq

# content negotiation: media type -> format name, per query form (the default comes last: ties go to it)
_RESULT_TYPES = [("text/tab-separated-values", "tsv"), ("text/csv", "csv"),
                 ("application/xml", "xml"), ("application/sparql-results+xml", "xml"),
                 ("application/json", "json"), ("application/sparql-results+json", "json")]
_GRAPH_TYPES = [("application/xml", "xml"), ("application/rdf+xml", "xml"), ("application/json", "jsonld"),
                ("application/ld+json", "jsonld"), ("text/plain", "ntriples"), ("application/n-triples", "ntriples"),
                ("application/x-turtle", "turtle"), ("text/turtle", "turtle")]
# `format` / `output` parameter values (short names and media types) -> format name, per form
_SHORT = {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv",
          "turtle": "turtle", "ttl": "turtle", "jsonld": "jsonld", "json-ld": "jsonld",
          "ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples", "rdfxml": "xml", "rdf": "xml"}
_GRAPH_ALIAS = {"json": "jsonld", "xml": "xml"}

_STRIP = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                    r'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_parse_lock = threading.Lock()  # rdflib's pyparsing grammar keeps state: one parse at a time


@dataclass(frozen=True)
class Prepared:
    """A checked query: its text, form (SELECT, ASK, CONSTRUCT, DESCRIBE) and FROM / FROM NAMED graphs."""

    text: str
    form: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting outside strings, IRIs and comments.

    >>> nesting_depth('ASK { { ?s ?p "{{{" } }'), nesting_depth("ASK " + "{" * 300 + "}" * 300)
    (2, 300)
    """
    depth = deepest = 0
    for ch in _STRIP.sub(" ", text):
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})]":
            depth = max(0, depth - 1)
    return deepest


def _walk(node):
    """Every CompValue in an rdflib parse tree / algebra."""
    from rdflib.plugins.sparql.parserutils import CompValue  # see prepare

    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, CompValue):
            yield n
            stack.extend(n.values())
        elif isinstance(n, (list, tuple)):
            stack.extend(n)
        elif isinstance(n, dict):
            stack.extend(n.values())


@lru_cache(maxsize=512)
def prepare(query: str) -> Prepared:
    """Check a query without running it; raises Forbidden or BadRequest."""
    if not query or not query.strip():
        raise BadRequest("empty SPARQL query")
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"SPARQL query longer than {MAX_QUERY_CHARS} characters")
    if nesting_depth(query) > MAX_NESTING:
        raise BadRequest(f"SPARQL query nested deeper than {MAX_NESTING} brackets")
    # rdflib's SPARQL parser takes ~0.6 s to import: only processes that check a query pay it
    from rdflib.plugins.sparql import algebra, parser

    with _parse_lock:
        try:
            tree = parser.parseQuery(query)
        except Exception as e:  # noqa: BLE001 - pyparsing raises ParseException, RecursionError, ...
            try:
                parser.parseUpdate(query)
            except Exception:  # noqa: BLE001
                raise BadRequest(f"SPARQL syntax error: {e}") from None
            raise Forbidden("SPARQL UPDATE is not allowed on this endpoint") from None
        if any(n.name == "ServiceGraphPattern" for n in _walk(tree)):
            raise BadRequest("SERVICE (federated query) is not allowed on this endpoint")
        try:
            q = algebra.translateQuery(tree, base=BASE_IRI, initNs=PREFIXES)
        except Exception as e:  # noqa: BLE001 - unknown prefix, bad aggregate, ...
            raise BadRequest(f"SPARQL error: {e}") from None
    if any(n.name in ("ServiceGraphPattern", "Service") for n in _walk(q.algebra)):
        raise BadRequest("SERVICE (federated query) is not allowed on this endpoint")
    form = q.algebra.name.removesuffix("Query").upper()
    default, named = [], []
    for clause in q.algebra.get("datasetClause") or ():
        if "default" in clause:
            default.append(str(clause["default"]))
        else:
            named.append(str(clause["named"]))
    if not default and not named:
        return Prepared(query, form)
    return Prepared(query, form, tuple(default), tuple(named))


def default_format(prepared: Prepared) -> str:
    """The format used when the client states none."""
    return "turtle" if prepared.is_graph else "json"


def negotiate(accept: str | None, prepared: Prepared) -> str | None:
    """The best format for an Accept header, by RFC 9110 rules (python-mimeparse); None when
    nothing acceptable is offered.

    >>> p = prepare("SELECT * { ?s ?p ?o }")
    >>> negotiate("text/csv;q=0.9, application/sparql-results+xml", p), negotiate("*/*", p)
    ('xml', 'json')
    >>> negotiate("application/sparql-results+json;q=0, */*;q=0.1", p)
    'xml'
    >>> negotiate("text/turtle", prepare("CONSTRUCT WHERE { ?s ?p ?o }"))
    'turtle'
    """
    if not accept or not accept.strip():
        return default_format(prepared)
    offered = GRAPH_FORMATS if prepared.is_graph else RESULT_FORMATS
    table = _GRAPH_TYPES if prepared.is_graph else _RESULT_TYPES
    canonical = [mt for mt, _ in table if mt in offered.values()]
    aliases = [mt for mt, _ in table if mt not in offered.values()]
    try:  # the formats' own media types first; generic aliases (application/json, …) only if none fits
        best = mimeparse.best_match(canonical, accept) or mimeparse.best_match(aliases, accept)
    except (ValueError, IndexError):
        return None
    return dict(table).get(best) if best else None


def format_for(values: list[str], prepared: Prepared) -> str | None:
    """The first ``format``/``output`` parameter value that names a format for this query form
    (short names or media types); None when none does (then content negotiation decides).

    >>> format_for(["tsv", "text/tab-separated-values"], prepare("SELECT * {}"))
    'tsv'
    >>> format_for(["png", "json"], prepare("CONSTRUCT WHERE { ?s ?p ?o }"))
    'jsonld'
    """
    table = GRAPH_FORMATS if prepared.is_graph else RESULT_FORMATS
    by_type = dict(_GRAPH_TYPES if prepared.is_graph else _RESULT_TYPES)
    for raw in values:
        v = raw.strip().lower()
        name = by_type.get(v.split(";")[0].strip()) or _SHORT.get(v)
        if prepared.is_graph:
            name = _GRAPH_ALIAS.get(name, name)
        if name in table:
            return name
    return None


def media_type(prepared: Prepared, fmt: str) -> str:
    """The media type of a format for this query form; BadRequest when it does not apply."""
    table = GRAPH_FORMATS if prepared.is_graph else RESULT_FORMATS
    if fmt not in table:
        raise BadRequest(f"format {fmt!r} does not apply to a {prepared.form} query; use one of {sorted(table)}")
    return table[fmt]


# --- the worker pool ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def network_namespace_available() -> bool:
    """Whether ``unshare -rn`` can start a process with no network (Linux user namespaces)."""
    exe = shutil.which("unshare")
    if not exe:
        return False
    try:
        return subprocess.run([exe, "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def available_cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


class _Worker:
    """A child process running ``kg.sparql_worker.main``, in its own network namespace when isolated."""

    def __init__(self, store_path: str, isolated: bool):
        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        cmd = [sys.executable, "-c", "import sys; from kg.sparql_worker import main; main(sys.argv[1])", store_path]
        if isolated:
            cmd = [shutil.which("unshare") or "unshare", "-rn", *cmd]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, env=env)
        self.ready = False

    def poll(self, timeout: float) -> bool:
        """Whether a reply is waiting (within ``timeout`` seconds)."""
        r, _, _ = select.select([self.proc.stdout], [], [], max(0.0, timeout))
        return bool(r)

    def send(self, obj) -> None:
        wire.send(self.proc.stdin, obj)

    def recv(self):
        return wire.recv(self.proc.stdout)

    def wait_ready(self, timeout: float) -> bool:
        """Wait for the start-up handshake (start-up time never counts against a query)."""
        if not self.ready and self.poll(timeout):
            try:
                self.ready = self.recv()[0] == "ready"
            except EOFError:
                return False
        return self.ready

    def kill(self) -> None:
        self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class _SparqlFront:
    """What the protocol edge calls, the same for every query backend: ``query`` checks a query
    and picks its format, ``run`` (the backend's) runs it."""

    def run(self, prepared: Prepared, fmt: str, **kwargs) -> SparqlResult:
        raise NotImplementedError

    def graphs(self) -> list[str]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the backend."""

    def query(self, query: str, fmt: str | None = None, *, accept: str | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None,
              timeout: float | None = None, row_cap: int | None = None) -> SparqlResult:
        """Check and run a query; raises BadRequest, Forbidden, QueryTimeout or Busy."""
        prepared = prepare(query)
        if fmt is None:
            fmt = negotiate(accept, prepared) or default_format(prepared)
        return self.run(prepared, fmt, default_graphs=default_graphs, named_graphs=named_graphs,
                        timeout=timeout, row_cap=row_cap)

    def sparql(self, query: str, fmt: str | None = None, **kwargs) -> SparqlResult:
        """The protocol edge's entry point (same as ``query``)."""
        return self.query(query, fmt, **kwargs)

    def sparql_graphs(self) -> list[str]:
        """The protocol edge's entry point for the service description (same as ``graphs``)."""
        return self.graphs()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SparqlService(_SparqlFront):
    """A pool of query workers over the on-disk store at ``store_path``.

    ``workers``: pool size (default: the available cores, at least 2, so one heavy query never
    blocks a light one); ``max_waiting``: queries allowed to wait for a worker (default 4 per
    worker) before ``Busy``; ``wait``: how long one waits (default 5 s); ``isolate_network``:
    None = use a network namespace when the platform offers one, True = require it.
    """

    def __init__(self, store_path: str | Path, *, timeout: float = DEFAULT_TIMEOUT,
                 row_cap: int = DEFAULT_ROW_CAP, workers: int | None = None, max_waiting: int | None = None,
                 wait: float = 5.0, isolate_network: bool | None = None,
                 hidden_prefixes: tuple[str, ...] = HIDDEN_GRAPH_PREFIXES, base_iri: str = BASE_IRI):
        self.store_path = str(store_path)
        if not Path(self.store_path).is_dir():
            raise NotBuilt(f"no graph store at {self.store_path}")
        available = network_namespace_available()
        if isolate_network and not available:
            raise PolicyKGError("isolate_network=True but `unshare -rn` is not available on this machine")
        self.network_isolated = available if isolate_network is None else bool(isolate_network)
        if not self.network_isolated:
            log.warning("SPARQL workers run without a network namespace; SERVICE is refused by the query check only")
        self.timeout, self.row_cap, self.wait = timeout, row_cap, wait
        self.size = max(1, workers) if workers else max(2, available_cores())
        self.max_waiting = self.size * 4 if max_waiting is None else max_waiting
        self.hidden_prefixes, self.base_iri = tuple(hidden_prefixes), base_iri
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._waiting = 0
        self._workers: list[_Worker] = []
        self._closed = False
        for _ in range(self.size):
            self._add_worker()

    def _add_worker(self) -> None:
        if self._closed:
            return
        w = _Worker(self.store_path, self.network_isolated)
        with self._lock:
            self._workers.append(w)
        self._idle.put(w)

    def _retire(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)

    def _checkout(self) -> _Worker:
        with self._lock:
            if self._waiting >= self.max_waiting and self._idle.empty():
                raise Busy(f"the SPARQL service is busy ({self._waiting} queries waiting); retry shortly",
                           retry_after=max(1, round(self.timeout / 2)))
            self._waiting += 1
        try:
            w = self._idle.get(timeout=self.wait)
        except queue.Empty:
            raise Busy(f"the SPARQL service is busy; no worker became free within {self.wait:g} s",
                       retry_after=max(1, round(self.timeout / 2))) from None
        finally:
            with self._lock:
                self._waiting -= 1
        if not w.wait_ready(STARTUP_TIMEOUT):
            self._retire(w)
            self._add_worker()
            raise PolicyKGError("the SPARQL worker did not start")
        return w

    def _call(self, message, limit: float):
        """Send one message to a free worker and wait up to ``limit`` seconds for its reply."""
        w = self._checkout()
        try:
            w.send(message)
            if not w.poll(limit):
                self._retire(w)
                self._add_worker()
                raise QueryTimeout(f"the query ran past the {limit:g} s time limit and was stopped")
            status, payload = w.recv()
        except (EOFError, OSError):
            self._retire(w)
            self._add_worker()
            raise PolicyKGError("the SPARQL worker died while running the query") from None
        self._idle.put(w)
        if status != "ok":
            raise BadRequest(payload)
        return payload

    def run(self, prepared: Prepared, fmt: str, *, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None, timeout: float | None = None,
            row_cap: int | None = None) -> SparqlResult:
        """Run an already checked query. A protocol dataset (``default_graphs`` / ``named_graphs``)
        overrides the query's FROM / FROM NAMED, as the SPARQL 1.1 Protocol says."""
        media_type(prepared, fmt)
        if default_graphs is None and named_graphs is None:
            default_graphs, named_graphs = prepared.default_graphs, prepared.named_graphs
        req = Request(prepared.text, prepared.form, fmt, self.row_cap if row_cap is None else row_cap,
                      None if default_graphs is None and named_graphs is None else tuple(default_graphs or ()),
                      None if default_graphs is None and named_graphs is None else tuple(named_graphs or ()),
                      self.base_iri, tuple(PREFIXES.items()), self.hidden_prefixes)
        return self._call(("query", req), self.timeout if timeout is None else timeout)

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs a query can see."""
        return self._call(("graphs", self.hidden_prefixes), self.timeout)

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers, self._workers = list(self._workers), []
        for w in workers:
            try:
                w.send(None)
            except OSError:
                pass
            w.kill()



class RemoteSparqlService(_SparqlFront):
    """The public endpoint's bounds in front of an external graph store
    (``kg.remote_store.SparqlGraphStore``): the same query check (UPDATE, SERVICE, depth, size), a
    time limit per query (the HTTP read timeout), the row cap and pyoxigraph's serialisers. The
    store itself must refuse federation (see docs); nothing here parses a query natively."""

    def __init__(self, store, *, timeout: float = DEFAULT_TIMEOUT, row_cap: int = DEFAULT_ROW_CAP,
                 base_iri: str = BASE_IRI):
        self.store, self.timeout, self.row_cap, self.base_iri = store, timeout, row_cap, base_iri
        self.network_isolated = False

    def run(self, prepared: Prepared, fmt: str, *, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None, timeout: float | None = None,
            row_cap: int | None = None) -> SparqlResult:
        media_type(prepared, fmt)
        if default_graphs is None and named_graphs is None:
            default_graphs, named_graphs = prepared.default_graphs, prepared.named_graphs
        req = Request(prepared.text, prepared.form, fmt, self.row_cap if row_cap is None else row_cap)
        t0 = time.perf_counter()
        if default_graphs is not None or named_graphs is not None:
            visible = {g.value for g in self.store.graphs()}
            default_graphs = [g if g in visible else wire.NO_GRAPH.value for g in default_graphs or []]
            named_graphs = [g for g in named_graphs or [] if g in visible]
        try:
            result = self.store.run_query(prepared.text, default_graphs=default_graphs, named_graphs=named_graphs,
                                          base_iri=self.base_iri, timeout=self.timeout if timeout is None else timeout)
        except PolicyKGError as e:
            if "did not answer within" in e.message:
                raise QueryTimeout(e.message) from None
            raise BadRequest(e.message) from None
        try:
            return wire.serialise(result, req, t0)
        except wire.QueryFailed as e:
            raise BadRequest(str(e)) from None

    def graphs(self) -> list[str]:
        return [g.value for g in self.store.graphs()]

    def close(self) -> None:
        self.store.close()
