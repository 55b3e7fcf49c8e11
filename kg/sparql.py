"""Bounded, read-only SPARQL: checks, a time limit enforced by killing a worker process, a row cap,
and result serialisation.

``prepare`` checks a query in the calling process (UPDATE → Forbidden, SERVICE → BadRequest,
syntax error → BadRequest with the parser's message). ``SparqlService`` runs it in a warm worker
process that opens the on-disk store read-only; a query past the time limit gets its worker killed
(a thread cannot be stopped) and ``QueryTimeout`` — never a truncated answer. ``execute`` is the
in-process core, also used by the worker.

>>> prepare("SELECT ?d WHERE { ?d a pk:PolicyDocument }").form
'SELECT'
>>> prepare("INSERT DATA { <a:b> <a:c> <a:d> }")
Traceback (most recent call last):
...
kg.errors.Forbidden: SPARQL UPDATE is not allowed on this endpoint
"""
from __future__ import annotations

import io
import json
import os
import pickle
import queue
import re
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from kg.errors import BadRequest, Forbidden, PolicyKGError, QueryTimeout
from kg.vocab import PREFIXES

DEFAULT_TIMEOUT = 10.0
DEFAULT_ROW_CAP = 10_000
MAX_QUERY_CHARS = 100_000
STARTUP_TIMEOUT = 60.0

# format name -> media type
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "xml": "application/rdf+xml",
}
_GRAPH_RDF = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD,
              "ntriples": ox.RdfFormat.N_TRIPLES, "xml": ox.RdfFormat.RDF_XML}
_STRIP = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                    r'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_KW = r"(?<![?$:\w\-]){}(?![\w:\-])"
_UPDATE = re.compile(_KW.format(r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)"), re.I)
_SERVICE = re.compile(_KW.format("SERVICE"), re.I)
_FORM = re.compile(_KW.format(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)"), re.I)


@dataclass(frozen=True)
class Prepared:
    """A checked query: its text and form (SELECT, ASK, CONSTRUCT, DESCRIBE)."""

    text: str
    form: str

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


@dataclass
class SparqlResult:
    """A serialised result."""

    body: bytes
    media_type: str
    form: str
    rows: int
    truncated: bool
    seconds: float


def _strip(text: str) -> str:
    """The query without comments, strings and IRIs (for keyword checks)."""
    return _STRIP.sub(" ", text)


def prepare(query: str) -> Prepared:
    """Check a query without running it; raises Forbidden or BadRequest."""
    if not query or not query.strip():
        raise BadRequest("empty SPARQL query")
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"SPARQL query longer than {MAX_QUERY_CHARS} characters")
    bare = _strip(query)
    if _SERVICE.search(bare):
        raise BadRequest("SERVICE (federated query) is not allowed on this endpoint")
    try:
        ox.Store().query(query, prefixes=PREFIXES)  # parses; evaluation is lazy and never started
    except SyntaxError as e:
        if _UPDATE.search(bare):
            raise Forbidden("SPARQL UPDATE is not allowed on this endpoint") from None
        raise BadRequest(f"SPARQL syntax error: {e}") from None
    m = _FORM.search(bare)
    return Prepared(query, m.group(1).upper() if m else "SELECT")


def default_format(prepared: Prepared) -> str:
    """The format used when the client states none."""
    return "turtle" if prepared.is_graph else "json"


def negotiate(accept: str | None, prepared: Prepared) -> str | None:
    """The best format for an Accept header (None when nothing acceptable is offered).

    >>> p = prepare("SELECT * { ?s ?p ?o }")
    >>> negotiate("text/csv;q=0.9, application/sparql-results+xml", p), negotiate("*/*", p)
    ('xml', 'json')
    >>> negotiate("text/turtle", prepare("CONSTRUCT WHERE { ?s ?p ?o }"))
    'turtle'
    """
    offered = GRAPH_FORMATS if prepared.is_graph else RESULT_FORMATS
    if not accept:
        return default_format(prepared)
    choices = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        choices.append((-q, i, media))
    for _q, _i, media in sorted(choices):
        if _q == 0:
            continue
        if media in ("*/*", "application/*"):
            return default_format(prepared)
        if media == "application/json" and not prepared.is_graph:
            return "json"
        if media == "application/xml" and not prepared.is_graph:
            return "xml"
        if media == "text/*":
            return "csv" if not prepared.is_graph else "turtle"
        for name, mt in offered.items():
            if media == mt:
                return name
    return None


def media_type(prepared: Prepared, fmt: str) -> str:
    """The media type of a format for this query form; BadRequest when it does not apply."""
    table = GRAPH_FORMATS if prepared.is_graph else RESULT_FORMATS
    if fmt not in table:
        raise BadRequest(f"format {fmt!r} does not apply to a {prepared.form} query; use one of {sorted(table)}")
    return table[fmt]


# --- serialisation of solutions ------------------------------------------------------------

def _term_json(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = t.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _term_json(t.subject), "predicate": _term_json(t.predicate),
                                        "object": _term_json(t.object)}}


def _term_xml(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    return f"<literal>{escape(str(t))}</literal>"


def _csv_cell(t) -> str:
    if t is None:
        return ""
    v = t.value if not isinstance(t, ox.BlankNode) else f"_:{t.value}"
    if isinstance(t, (ox.Triple,)):
        v = str(t)
    return '"' + v.replace('"', '""') + '"' if re.search(r'[",\r\n]', v) else v


def serialise_solutions(variables: list[str], rows: list[list], fmt: str, truncated: bool = False) -> bytes:
    """SPARQL 1.1 JSON / XML / CSV / TSV results for SELECT rows (None = unbound).

    >>> print(serialise_solutions(["x"], [[ox.Literal("a,b")]], "csv").decode(), end="")
    x\r
    "a,b"\r
    """
    if fmt == "json":
        doc: dict = {"head": {"vars": variables},
                     "results": {"bindings": [{v: _term_json(t) for v, t in zip(variables, r) if t is not None}
                                              for r in rows]}}
        if truncated:
            doc["policykg"] = {"truncated": True, "note": f"result truncated to {len(rows)} rows"}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = io.StringIO()
        out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>')
        out.write("".join(f"<variable name={quoteattr(v)}/>" for v in variables))
        if truncated:
            out.write('<link href="urn:policykg:truncated"/>')
        out.write("</head>\n<results>\n")
        for r in rows:
            out.write("<result>" + "".join(f"<binding name={quoteattr(v)}>{_term_xml(t)}</binding>"
                                           for v, t in zip(variables, r) if t is not None) + "</result>\n")
        out.write("</results>\n</sparql>\n")
        return out.getvalue().encode("utf-8")
    if fmt == "csv":
        lines = [",".join(_csv_cell(ox.Literal(v)) for v in variables)]
        lines += [",".join(_csv_cell(t) for t in r) for r in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in r) for r in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise BadRequest(f"unknown result format {fmt!r}")


def serialise_boolean(value: bool, fmt: str) -> bytes:
    """An ASK result."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    if fmt in ("csv", "tsv"):
        nl = "\r\n" if fmt == "csv" else "\n"
        return (("_askResult" if fmt == "csv" else "?_askResult") + nl + ("true" if value else "false") + nl).encode()
    raise BadRequest(f"unknown result format {fmt!r}")


def execute(store: ox.Store, prepared: Prepared, fmt: str, row_cap: int = DEFAULT_ROW_CAP) -> SparqlResult:
    """Run a prepared query in this process (unbounded in time; the caller bounds it)."""
    t0 = time.perf_counter()
    mt = media_type(prepared, fmt)
    try:
        from kg.store import visible_graphs

        visible = visible_graphs(store)
        result = store.query(prepared.text, default_graph=visible, named_graphs=visible, prefixes=PREFIXES)
        if isinstance(result, ox.QueryBoolean):
            body, rows, truncated = serialise_boolean(bool(result), fmt), 1, False
        elif isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows, truncated = [], False
            for sol in result:
                if len(rows) >= row_cap:
                    truncated = True
                    break
                rows.append([sol[v] for v in variables])
            body, rows = serialise_solutions(variables, rows, fmt, truncated), len(rows)
        else:
            triples, truncated = [], False
            for t in result:
                if len(triples) >= row_cap:
                    truncated = True
                    break
                triples.append(t)
            body = ox.serialize(triples, format=_GRAPH_RDF[fmt], prefixes=PREFIXES if fmt == "turtle" else None)
            rows = len(triples)
    except (OSError, ValueError, RuntimeError) as e:
        raise BadRequest(f"SPARQL evaluation error: {e}") from None
    return SparqlResult(body, mt, prepared.form, rows, truncated, time.perf_counter() - t0)


# --- the worker pool ---------------------------------------------------------------------------

def _store_token(path: str) -> tuple:
    st = os.stat(path)
    return (st.st_ino, st.st_dev)


def _send(f, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(struct.pack("<Q", len(data)) + data)
    f.flush()


def _recv(f):
    head = f.read(8)
    if len(head) < 8:
        raise EOFError("worker pipe closed")
    (n,) = struct.unpack("<Q", head)
    data = f.read(n)
    if len(data) < n:
        raise EOFError("worker pipe closed")
    return pickle.loads(data)


def worker_main(store_path: str) -> None:  # pragma: no cover - runs in a child process
    """Serve queries over stdin/stdout (length-prefixed pickles) against a read-only store."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the protocol pipe
    store, token = None, None
    try:
        store, token = ox.Store.read_only(store_path), _store_token(store_path)
    except OSError:
        pass
    _send(out, ("ready", None))
    while True:
        try:
            msg = _recv(inp)
        except EOFError:
            return
        if msg is None:
            return
        text, form, fmt, row_cap = msg
        try:
            now = _store_token(store_path)
            if store is None or now != token:
                store, token = ox.Store.read_only(store_path), now
            _send(out, ("ok", execute(store, Prepared(text, form), fmt, row_cap)))
        except PolicyKGError as e:
            _send(out, ("error", (type(e).__name__, e.message)))
        except Exception as e:  # noqa: BLE001 - reported to the caller
            _send(out, ("error", ("BadRequest", f"{type(e).__name__}: {e}")))


class _Worker:
    """A child process running ``worker_main``: independent of the caller's ``__main__``."""

    def __init__(self, store_path: str):
        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from kg.sparql import worker_main; worker_main(sys.argv[1])", store_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, env=env)
        self.ready = False

    def poll(self, timeout: float) -> bool:
        """Whether a reply is waiting (within ``timeout`` seconds)."""
        r, _, _ = select.select([self.proc.stdout], [], [], max(0.0, timeout))
        return bool(r)

    def send(self, obj) -> None:
        _send(self.proc.stdin, obj)

    def recv(self):
        return _recv(self.proc.stdout)

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
        self.proc.wait(5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class SparqlService:
    """Warm worker processes that run queries against the on-disk store at ``store_path``."""

    def __init__(self, store_path: str | Path, *, timeout: float = DEFAULT_TIMEOUT,
                 row_cap: int = DEFAULT_ROW_CAP, workers: int = 1):
        self.store_path = str(store_path)
        if not Path(self.store_path).is_dir():
            from kg.errors import NotBuilt

            raise NotBuilt(f"no graph store at {self.store_path}")
        self.timeout, self.row_cap = timeout, row_cap
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        for _ in range(max(1, workers)):
            self._add_worker()

    def _add_worker(self) -> None:
        w = _Worker(self.store_path)
        with self._lock:
            self._workers.append(w)
        self._idle.put(w)

    def _retire(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)

    def query(self, query: str, fmt: str | None = None, *, accept: str | None = None,
              timeout: float | None = None, row_cap: int | None = None) -> SparqlResult:
        """Check and run a query; raises BadRequest, Forbidden or QueryTimeout."""
        prepared = prepare(query)
        if fmt is None:
            fmt = negotiate(accept, prepared) or default_format(prepared)
        media_type(prepared, fmt)
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        try:
            w = self._idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"the SPARQL service is busy; no worker became free within {limit:g} s") from None
        if not w.wait_ready(STARTUP_TIMEOUT):
            self._retire(w)
            self._add_worker()
            raise PolicyKGError("the SPARQL worker did not start")
        deadline = time.monotonic() + limit
        try:
            w.send((prepared.text, prepared.form, fmt, self.row_cap if row_cap is None else row_cap))
            if not w.poll(deadline - time.monotonic()):
                self._retire(w)
                self._add_worker()
                raise QueryTimeout(f"the query ran past the {limit:g} s time limit and was stopped")
            status, payload = w.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._retire(w)
            self._add_worker()
            raise PolicyKGError("the SPARQL worker died while running the query") from None
        self._idle.put(w)
        if status == "ok":
            return payload
        name, message = payload
        raise {"Forbidden": Forbidden, "QueryTimeout": QueryTimeout}.get(name, BadRequest)(message)

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            workers, self._workers = list(self._workers), []
        for w in workers:
            try:
                w.send(None)
            except OSError:
                pass
            w.kill()

    def __enter__(self) -> "SparqlService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
