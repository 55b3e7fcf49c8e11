"""Start and stop real SPARQL 1.1 servers on free loopback ports, for tests and benchmarks.

Two servers, each bound to 127.0.0.1 only, with its database in a fresh directory under the
``workdir`` it is given:

* **Virtuoso Open Source 7** (Debian's ``virtuoso-opensource``: ``/usr/bin/virtuoso-t`` and
  ``/usr/bin/isql-vt``) — :func:`start_virtuoso` → :class:`VirtuosoServer`.
* **Oxigraph server** (PyPI's ``oxigraph`` CLI) — :func:`start_oxigraph_server` →
  :class:`OxigraphServer`.

Both are context managers and have ``.stop()``; both expose ``sparql_url`` (SPARQL 1.1 query),
``update_url`` (SPARQL 1.1 update) and ``graph_store_url`` (SPARQL 1.1 Graph Store HTTP
protocol; ``?graph=<iri>`` works on both)::

    from servers import start_virtuoso, start_oxigraph_server

    with start_virtuoso(tmp_path) as vt:
        httpx.post(vt.update_url, data={"update": "INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }"})

Each server runs under a small supervisor (this file run as a script) that ends it when the test
process dies, however it dies, or when ``stop()`` asks. Where ``unshare -rn`` works (Linux, also
as root in CI) the server also gets a network namespace of its own with nothing but loopback,
reached through a unix-socket bridge: it cannot open a connection anywhere, whatever a query
asks (``isolate_network=None``, the default; True requires it, False turns it off). That is
the only thing that stops Oxigraph, which runs ``SERVICE`` and ``LOAD`` with its own HTTP client
(``http_proxy`` ignored, no switch to turn it off).

Virtuoso as started here (found by trying, see ``scripts/virtuoso_probe.py``):

* anonymous ``/sparql`` may update (``GRANT SPARQL_UPDATE TO "SPARQL"``) and so may the anonymous
  Graph Store endpoint ``/sparql-graph-crud``; ``/sparql-auth`` and ``/sparql-graph-crud-auth``
  take HTTP *Digest* auth (Basic is refused) as the non-dba writer :attr:`VirtuosoServer.username`
  / :attr:`VirtuosoServer.password`, or as ``dba``/``dba``.
* the SPARQL roles are stripped of everything that makes Virtuoso fetch from the network
  (:data:`VIRTUOSO_HARDENING_SQL`: ``SERVICE``, ``LOAD``, ``LOAD SERVICE``, sponging
  ``DEFINE get:soft``, IRI dereferencing ``DEFINE input:grab-*``), and its outgoing-HTTP proxy
  (``HTTPProxyServer``) is a loopback port nobody listens on, so every ``http://`` fetch fails,
  dba's included. ``https://`` ignores that proxy and dba (a superuser) ignores the grants: only
  the network namespace stops dba's ``SERVICE <https://…>``.
"""
from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path

__all__ = [
    "MilvusLiteServer",
    "VIRTUOSO_HARDENING_SQL",
    "OxigraphServer",
    "ServerStartError",
    "SparqlServer",
    "VirtuosoServer",
    "find_isql",
    "find_oxigraph",
    "find_virtuoso",
    "free_port",
    "network_isolation_available",
    "oxigraph_available",
    "start_milvus_lite",
    "start_oxigraph_server",
    "start_virtuoso",
    "virtuoso_available",
]

LOOPBACK = "127.0.0.1"


class ServerStartError(RuntimeError):
    """A server did not come up (or its set-up failed); the message ends with its log tail."""


# --------------------------------------------------------------------------------------------
# helpers


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that nobody listens on right now (the OS picks it; there is a
    small race until the server binds it — the starters retry with new ports when that bites)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _reserve_dead_port(host: str = LOOPBACK) -> socket.socket:
    """A socket bound to a loopback port that never listens: connecting to it is refused at once,
    and no one else can bind the port while the socket is held."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((host, 0))
    return s


def _which(name: str, *extra: str, env: str | None = None) -> str | None:
    if env and os.environ.get(env):
        p = os.environ[env]
        return p if os.access(p, os.X_OK) else None
    found = shutil.which(name)
    if found:
        return found
    for cand in extra:
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def find_virtuoso() -> str | None:
    """Path of ``virtuoso-t`` (``$VIRTUOSO_BIN`` wins), or ``None``."""
    return _which("virtuoso-t", "/usr/bin/virtuoso-t", "/usr/local/virtuoso-opensource/bin/virtuoso-t",
                  "/opt/virtuoso-opensource/bin/virtuoso-t", env="VIRTUOSO_BIN")


def find_isql() -> str | None:
    """Path of Virtuoso's isql (Debian: ``isql-vt``; ``$VIRTUOSO_ISQL`` wins), or ``None``.
    Never plain ``isql`` from PATH: on Debian that is unixODBC's, a different program."""
    return _which("isql-vt", "/usr/bin/isql-vt", "/usr/local/virtuoso-opensource/bin/isql",
                  "/opt/virtuoso-opensource/bin/isql", env="VIRTUOSO_ISQL")


def find_oxigraph() -> str | None:
    """Path of the ``oxigraph`` CLI (``$OXIGRAPH_BIN`` wins; also looks beside this Python, so a
    virtualenv's ``bin/`` works when it is not on PATH), or ``None``."""
    return _which("oxigraph", str(Path(sys.executable).parent / "oxigraph"), env="OXIGRAPH_BIN")


def virtuoso_available() -> bool:
    """``virtuoso-t`` and ``isql-vt`` are both installed."""
    return find_virtuoso() is not None and find_isql() is not None


def oxigraph_available() -> bool:
    """The ``oxigraph`` CLI is installed."""
    return find_oxigraph() is not None


def _pdeathsig() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: have the kernel SIGTERM this child when its parent (the supervisor's main thread)
    dies. Used only inside the supervisor, which is single-threaded when it forks."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


_LIVE: weakref.WeakSet[SparqlServer] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop()


# --------------------------------------------------------------------------------------------
# base class


class SparqlServer:
    """A SPARQL server child process. ``sparql_url``/``update_url``/``graph_store_url`` are set by
    the subclasses; ``stop()`` ends it (SIGTERM, then SIGKILL after ``timeout``) and waits."""

    name = "sparql server"
    sparql_url: str
    update_url: str
    graph_store_url: str

    def __init__(self, *, process: subprocess.Popen, directory: Path, host: str, port: int,
                 log_paths: list[Path], started_in: float = 0.0, network_isolated: bool = False,
                 sockdir: str | None = None, lifeline: int | None = None) -> None:
        self.process = process
        self.directory = directory
        self.host = host
        self.port = port
        self.log_paths = log_paths
        self.started_in = started_in  # seconds from spawn to "answers HTTP" (set-up included)
        #: True: the server runs in its own network namespace (``unshare -rn``) that has nothing
        #: but a loopback device, reached through a unix-socket bridge: it cannot open any
        #: connection out, whatever a query asks.
        self.network_isolated = network_isolated
        self._sockdir = sockdir
        self._lifeline = lifeline  # closing it (or our death) makes the supervisor end the server
        self._open_files: list = []
        _LIVE.add(self)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for p in self.log_paths:
            t = _tail(p, lines)
            if t:
                parts.append(f"--- {p.name} ---\n{t}")
        return "\n".join(parts)

    def stop(self, timeout: float = 30.0) -> int | None:
        """Terminate the server and wait for it; returns its exit code. Safe to call twice."""
        _LIVE.discard(self)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                self.process.wait(10)
        if self._lifeline is not None:
            with contextlib.suppress(OSError):
                os.close(self._lifeline)
            self._lifeline = None
        for f in self._open_files:
            with contextlib.suppress(Exception):
                f.close()
        if self._sockdir:
            shutil.rmtree(self._sockdir, ignore_errors=True)
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.alive() else f"exited {self.process.returncode}"
        iso = " isolated" if self.network_isolated else ""
        return f"<{type(self).__name__} {self.base_url} pid={self.pid}{iso} {state}>"


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_ok(url: str, timeout: float = 1.0) -> bool:
    # No proxies: a CI's http_proxy must not stand between us and a loopback server.
    try:
        with _NO_PROXY_OPENER.open(url, timeout=timeout) as r:
            r.read()
            return 200 <= r.status < 300
    except Exception:  # noqa: BLE001 - refused, reset by the bridge, half an answer: not up yet
        return False


def _wait_until_up(process: subprocess.Popen, probe_url: str, timeout: float, what: str,
                   log_tail) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        if process.poll() is not None:
            raise ServerStartError(f"{what} exited with code {process.returncode} before answering "
                                   f"{probe_url}\n{log_tail()}")
        if _http_ok(probe_url):
            return
        if time.monotonic() > deadline:
            raise ServerStartError(f"{what} did not answer {probe_url} within {timeout:.0f}s\n{log_tail()}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def _looks_like_port_clash(text: str) -> bool:
    t = text.lower()
    # oxigraph / our supervisor: "Address already in use"; Virtuoso: "Failed HTTP listen at …",
    # and for its SQL port "Failed to start listening …" (the OS error is not logged)
    return any(k in t for k in ("address already in use", "addrinuse", "cannot bind", "failed to bind",
                                "failed http listen", "failed to start listening", "listen at"))


# --------------------------------------------------------------------------------------------
# network isolation: the server in its own network namespace, reached through a unix socket
#
#   test process ──TCP 127.0.0.1:P──▶ supervisor (this file, "isolate") ──unix socket──▶
#   inner (this file, "inner", under `unshare -rn`) ──TCP 127.0.0.1:Q in the namespace──▶ server
#
# A network namespace made by `unshare -rn` has only a loopback device (brought up by "inner"),
# so the server cannot connect anywhere outside it; path-named unix sockets cross namespaces.


@functools.cache
def network_isolation_available() -> bool:
    """Whether ``unshare -rn`` works here (Linux user + network namespaces) and loopback can be
    brought up inside."""
    exe = shutil.which("unshare")
    if not exe or not sys.platform.startswith("linux"):
        return False
    try:
        r = subprocess.run([exe, "-rn", sys.executable, "-I", _THIS_FILE, "lo-check"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


_THIS_FILE = str(Path(__file__).resolve())


def _loopback_up() -> None:
    """Bring ``lo`` up in the current network namespace (SIOCSIFFLAGS |= IFF_UP)."""
    import fcntl
    import struct
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, siocgifflags, struct.pack("16sH14x", b"lo", 0)))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH14x", b"lo", flags | iff_up))


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while True:
            data = src.recv(1 << 18)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


def _bridge(a: socket.socket, connect) -> None:
    try:
        b = connect()
    except OSError:
        a.close()
        return
    back = threading.Thread(target=_pump, args=(b, a), daemon=True)
    back.start()
    _pump(a, b)
    back.join()
    a.close()
    b.close()


def _accept_forever(listener: socket.socket, connect) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_bridge, args=(conn, connect), daemon=True).start()


def _run_until_child_exits(child: subprocess.Popen, lifeline: int | None = None) -> None:
    """Wait for ``child``; SIGTERM/SIGINT to us, or EOF on the ``lifeline`` pipe (the process
    that started us is gone), terminate it first."""
    asked = []

    def _term(*_):
        asked.append(True)
        with contextlib.suppress(ProcessLookupError):
            child.terminate()
    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGINT, _term)
    if lifeline is not None:
        def _watch() -> None:
            with contextlib.suppress(OSError):
                while os.read(lifeline, 64):
                    pass
            _term()
        threading.Thread(target=_watch, daemon=True).start()
    rc = child.wait()
    if asked and rc == -signal.SIGTERM:
        rc = 0  # ended as asked
    sys.exit(rc if rc >= 0 else 128 - rc)


def _supervise_main(args: argparse.Namespace) -> None:
    """Supervisor between the test process and the server: ends the server when the test process
    dies (lifeline pipe) or when told to (SIGTERM). With ``--map``: listens on the host's
    loopback ports, starts the server under ``unshare -rn`` (via ``inner``) and bridges each
    port to its unix socket."""
    maps = [tuple(int(x) for x in m.split(":")) for m in args.map]
    listeners = []
    for host_port, _ in maps:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((LOOPBACK, host_port))
        except OSError as e:
            print(f"supervisor: cannot bind {LOOPBACK}:{host_port}: {e} (Address already in use?)", flush=True)
            sys.exit(98)
        s.listen(64)
        listeners.append(s)
    cmd = args.cmd
    if maps:
        cmd = [shutil.which("unshare") or "unshare", "-rn", sys.executable, "-I", _THIS_FILE, "inner",
               "--sockdir", args.sockdir, *[a for m in args.map for a in ("--map", m)], "--", *cmd]
    # single-threaded here, so preexec_fn is safe; our main thread lives as long as we do
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=_pdeathsig)  # noqa: PLW1509
    for i, s in enumerate(listeners):
        path = os.path.join(args.sockdir, f"{i}.sock")

        def connect(path=path) -> socket.socket:
            u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            u.connect(path)
            return u
        threading.Thread(target=_accept_forever, args=(s, connect), daemon=True).start()
    try:
        _run_until_child_exits(child, args.lifeline)
    finally:
        if args.sockdir:
            shutil.rmtree(args.sockdir, ignore_errors=True)


def _inner_main(args: argparse.Namespace) -> None:
    """Inside the new namespace: loopback up, start the server, unix socket i → 127.0.0.1:Q_i."""
    _loopback_up()
    child = subprocess.Popen(args.cmd, stdin=subprocess.DEVNULL, preexec_fn=_pdeathsig)  # noqa: PLW1509
    for i, m in enumerate(args.map):
        inner_port = int(m.split(":")[1])
        path = os.path.join(args.sockdir, f"{i}.sock")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.bind(path)
        u.listen(64)

        def connect(port=inner_port) -> socket.socket:
            return socket.create_connection((LOOPBACK, port))
        threading.Thread(target=_accept_forever, args=(u, connect), daemon=True).start()
    _run_until_child_exits(child)


def _spawn(cmd: list[str], *, cwd: Path, log: Path, isolate: bool,
           maps: list[tuple[int, int]]) -> tuple[subprocess.Popen, str | None, object, int]:
    """Start ``cmd`` (stdout+stderr → ``log``) under the supervisor (this file, ``supervise``);
    isolated: in a network namespace, ``maps`` = [(host port, port inside)]. Returns (supervisor
    process, sockdir or None, log file, write end of the lifeline pipe)."""
    sockdir = None
    full = [sys.executable, "-I", _THIS_FILE, "supervise"]
    if isolate:
        # unix socket paths are limited to ~107 bytes: keep them short, outside the workdir
        sockdir = tempfile.mkdtemp(prefix="sq-", dir="/tmp")
        full += ["--sockdir", sockdir]
        for host_port, inner_port in maps:
            full += ["--map", f"{host_port}:{inner_port}"]
    r, w = os.pipe()
    full += ["--lifeline", str(r), "--", *cmd]
    out = open(log, "ab")  # noqa: SIM115 - closed by SparqlServer.stop()
    try:
        proc = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, pass_fds=(r,))
    finally:
        os.close(r)
    return proc, sockdir, out, w


def _want_isolation(isolate_network: bool | None) -> bool:
    if isolate_network is None:
        return network_isolation_available()
    if isolate_network and not network_isolation_available():
        raise ServerStartError("isolate_network=True but `unshare -rn` does not work on this machine")
    return bool(isolate_network)


# --------------------------------------------------------------------------------------------
# Virtuoso


#: SQL run (as dba, through isql) on every fresh database: lets the anonymous SPARQL user and a
#: non-dba writer update, and takes away from the SPARQL roles every procedure that fetches from
#: the network. Each REVOKE was checked to be needed: without it the feature named reached out.
VIRTUOSO_HARDENING_SQL = """\
GRANT SPARQL_UPDATE TO "SPARQL";
-- SERVICE <...> { } (federated query)
REVOKE SELECT ON DB.DBA.SPARQL_SINV_2 FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.SPARQL_SINV_IMP FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.SPARQL_REXEC FROM SPARQL_SELECT;
REVOKE EXECUTE ON DB.DBA.SPARQL_REXEC_TO_ARRAY FROM SPARQL_SELECT;
REVOKE EXECUTE ON DB.DBA.SPARQL_REXEC_WITH_META FROM SPARQL_SELECT;
REVOKE EXECUTE ON DB.DBA.SPARQL_SD_PROBE FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.SPARQL_SD_PROBE FROM SPARQL_LOAD_SERVICE_DATA;
-- sponging: DEFINE get:soft / FROM <http://...> that fetches
REVOKE EXECUTE ON DB.DBA.RDF_SPONGE_UP FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.RDF_SPONGE_UP_1 FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.RDF_SPONGE_UP_LIST FROM SPARQL_SPONGE;
-- IRI dereferencing: DEFINE input:grab-all / grab-seealso / grab-var
REVOKE EXECUTE ON DB.DBA.RDF_GRAB FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.RDF_GRAB_SEEALSO FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.RDF_GRAB_SINGLE FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.RDF_GRAB_SINGLE_ASYNC FROM SPARQL_SPONGE;
-- SPARQL Update LOAD <url> and LOAD SERVICE <url> DATA
REVOKE EXECUTE ON DB.DBA.SPARUL_LOAD FROM SPARQL_UPDATE;
REVOKE EXECUTE ON DB.DBA.SPARUL_LOAD_SERVICE_DATA FROM SPARQL_SPONGE;
REVOKE EXECUTE ON DB.DBA.SPARUL_LOAD_SERVICE_DATA FROM SPARQL_LOAD_SERVICE_DATA;
REVOKE EXECUTE ON DB.DBA.SPARUL_LOAD_SERVICE_DATA FROM SPARQL_UPDATE;
-- RDFa loading fetches profile documents
REVOKE EXECUTE ON DB.DBA.RDF_RDFA11_FETCH_PROFILES FROM SPARQL_UPDATE;
"""


def _virtuoso_ini(*, db: Path, http_port: int, sql_port: int, public_http_port: int, proxy_port: int | None,
                  number_of_buffers: int, max_dirty_buffers: int, result_set_max_rows: int,
                  max_query_execution_time: int) -> str:
    proxy = f"HTTPProxyServer = {LOOPBACK}:{proxy_port}\n" if proxy_port else ""
    return f"""\
; generated by tests/servers.py — a throw-away loopback-only Virtuoso
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {LOOPBACK}:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = {db}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxMemPoolSize = 50000000
MaxQueryMem = 256M
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4
NumberOfBuffers = {number_of_buffers}
MaxDirtyBuffers = {max_dirty_buffers}

[HTTPServer]
ServerPort = {LOOPBACK}:{http_port}
ServerRoot = {db}
MaxClientConnections = 10
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
{proxy}TempASPXDir = 0
DefaultMailServer = {LOOPBACK}:25
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
MaxCachedProxyConnections = 0
ProxyConnectionCacheTimeout = 15
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[URIQA]
DynamicLocal = 0
DefaultHost = {LOOPBACK}:{public_http_port}

[SPARQL]
ResultSetMaxRows = {result_set_max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {max_query_execution_time}
DeferInferenceRulesInit = 0
ExternalQuerySource = 0
ExternalXsltSource = 0
"""


class VirtuosoServer(SparqlServer):
    """A running Virtuoso. URLs:

    * ``sparql_url`` = ``update_url`` = ``{base}/sparql`` — anonymous; queries as ``query=``
      (GET or POST form), updates as ``update=`` (POST form) or ``application/sparql-update``.
    * ``graph_store_url`` = ``{base}/sparql-graph-crud`` — anonymous Graph Store protocol
      (``?graph-uri=`` or ``?graph=``; ``?default``); bodies are N-Triples/Turtle/RDF-XML —
      Virtuoso sniffs the body and ignores Content-Type, and rejects N-Quads and TriG.
    * ``auth_sparql_url`` = ``{base}/sparql-auth``, ``auth_graph_store_url`` =
      ``{base}/sparql-graph-crud-auth`` — HTTP Digest as (``username``, ``password``), a non-dba
      writer, or (``dba_user``, ``dba_password``).

    Behaviour to code against (Virtuoso 7.2.5, each seen in ``scripts/virtuoso_probe.py``):

    * the default graph (no FROM, no GRAPH) is the union of *all* graphs, Virtuoso's own system
      graphs included; ``FROM <a>`` plus ``default-graph-uri=b`` merges both (the protocol says the
      parameter replaces FROM); ``FROM <a>`` without ``FROM NAMED`` leaves every graph visible to
      ``GRAPH ?g``. The Graph Store ``?default`` graph is not supported (500/501).
    * Graph Store bodies: N-Triples/Turtle/RDF-XML (sniffed, Content-Type ignored); N-Quads and
      TriG rejected — load a dataset graph by graph. PUT answers 201 (new) / 200, DELETE 200,
      GET of a missing graph 404.
    * ``INSERT DATA`` refuses blank nodes (use ``INSERT {…} WHERE {}``) and more than ~4,990
      triples per request (parser "memory exhausted"); updates answer 200 with a one-row result
      set, not 204. ``DROP GRAPH`` without SILENT fails for graphs never made with CREATE GRAPH
      (e.g. by the Graph Store protocol): use ``DROP SILENT GRAPH`` / ``CLEAR GRAPH``.
    * literals: ``"x"`` and ``"x"^^xsd:string`` are *different* terms (neither matches the other,
      not even with ``=``) — never write ``^^xsd:string``; lexical forms are canonicalised
      ("007"→"7", "60.0"→"60", boolean "true"→"1"); ``xsd:duration`` "P5Y" comes back as "60";
      ``INSERT {…} WHERE {}`` turns "60"^^xsd:decimal into xsd:integer; language tags come back
      lower-cased. Chinese text and IRIs round-trip exactly.
    * results: SPARQL/XML unless asked (``Accept: application/sparql-results+json``); JSON uses
      ``"type": "typed-literal"`` for datatyped literals and ``\\uXXXX`` escapes for non-ASCII;
      CONSTRUCT gives N-Triples/Turtle, not N-Quads (406). SELECTs are cut at
      ``ResultSetMaxRows`` (set by :func:`start_virtuoso`) without an error.
    """

    name = "Virtuoso"

    def __init__(self, *, sql_port: int, isql: str, username: str, password: str,
                 dba_password: str, **kw) -> None:
        super().__init__(**kw)
        self.sql_port = sql_port
        self.isql_path = isql
        self.username = username
        self.password = password
        self.dba_user = "dba"
        self.dba_password = dba_password
        self.sparql_url = f"{self.base_url}/sparql"
        self.update_url = f"{self.base_url}/sparql"
        self.graph_store_url = f"{self.base_url}/sparql-graph-crud"
        self.auth_sparql_url = f"{self.base_url}/sparql-auth"
        self.auth_update_url = f"{self.base_url}/sparql-auth"
        self.auth_graph_store_url = f"{self.base_url}/sparql-graph-crud-auth"
        self._dead_proxy: socket.socket | None = None

    @property
    def credentials(self) -> tuple[str, str]:
        """(user, password) of the non-dba writer, for HTTP Digest on the ``auth_*`` URLs."""
        return (self.username, self.password)

    def isql(self, sql: str, *, timeout: float = 120.0) -> str:
        """Run SQL (statements ending in ``;``) as dba through isql-vt; returns its output.
        Raises :class:`RuntimeError` on any ``*** Error`` (isql itself exits 0 on SQL errors)."""
        return _run_isql(self.isql_path, self.sql_port, "dba", self.dba_password, sql, timeout=timeout)

    def stop(self, timeout: float = 30.0) -> int | None:
        rc = super().stop(timeout)
        if self._dead_proxy is not None:
            self._dead_proxy.close()
            self._dead_proxy = None
        return rc


def _run_isql(isql: str, port: int, user: str, password: str, sql: str, *, timeout: float) -> str:
    # The SQL goes through a file, so no quoting of it on a command line.
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False, encoding="utf-8") as f:
        f.write(sql if sql.rstrip().endswith(";") else sql + ";")
        path = f.name
    try:
        proc = subprocess.run([isql, f"{LOOPBACK}:{port}", user, password, "VERBOSE=OFF", path],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout, errors="replace", check=False)
    finally:
        os.unlink(path)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0 or "*** Error" in out:
        raise RuntimeError(f"isql failed (rc={proc.returncode}):\n{out.strip()}")
    return out


_VIRTUOSO_INNER_HTTP, _VIRTUOSO_INNER_SQL, _INNER_DEAD_PORT = 8890, 1111, 9


def start_virtuoso(workdir: Path | str, *, timeout: float = 90.0, number_of_buffers: int = 4000,
                   max_dirty_buffers: int = 3000, result_set_max_rows: int = 1_000_000,
                   max_query_execution_time: int = 120, block_outbound_http: bool = True,
                   isolate_network: bool | None = None, username: str = "policykg",
                   password: str = "policykg-test", attempts: int = 3) -> VirtuosoServer:
    """Start a fresh Virtuoso in a new directory under ``workdir`` and return it once its HTTP
    endpoint answers and the grants (:data:`VIRTUOSO_HARDENING_SQL` + a non-dba writer) are in.

    ``number_of_buffers`` × 8 KiB is the page cache (4000 ≈ 32 MiB; the process then uses about
    250 MiB). ``result_set_max_rows`` caps every SELECT (Virtuoso truncates silently past it).
    ``block_outbound_http`` points the server's outgoing-HTTP proxy at a dead loopback port.
    ``isolate_network``: None = run in a network namespace of its own when ``unshare -rn``
    works, True = require it, False = never. Raises :class:`ServerStartError` (with the log
    tail) when it does not come up."""
    binary, isql = find_virtuoso(), find_isql()
    if not binary or not isql:
        raise ServerStartError("Virtuoso is not installed: need virtuoso-t and isql-vt "
                               "(apt-get install -y virtuoso-opensource)")
    isolate = _want_isolation(isolate_network)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    last: Exception | None = None
    for _ in range(max(1, attempts)):
        directory = Path(tempfile.mkdtemp(prefix="virtuoso-", dir=workdir)).resolve()
        http_port, sql_port = free_port(), free_port()
        while sql_port == http_port:
            sql_port = free_port()
        dead = None
        if isolate:
            inner_http, inner_sql, proxy_port = _VIRTUOSO_INNER_HTTP, _VIRTUOSO_INNER_SQL, _INNER_DEAD_PORT
        else:
            inner_http, inner_sql = http_port, sql_port
            dead = _reserve_dead_port() if block_outbound_http else None
            proxy_port = dead.getsockname()[1] if dead else None
        ini = directory / "virtuoso.ini"
        ini.write_text(_virtuoso_ini(
            db=directory, http_port=inner_http, sql_port=inner_sql, public_http_port=http_port,
            proxy_port=proxy_port if block_outbound_http else None,
            number_of_buffers=number_of_buffers, max_dirty_buffers=max_dirty_buffers,
            result_set_max_rows=result_set_max_rows,
            max_query_execution_time=max_query_execution_time), encoding="utf-8")
        out_log = directory / "stdout.log"
        t0 = time.monotonic()
        proc, sockdir, out, lifeline = _spawn([binary, "-f", "-c", str(ini)], cwd=directory, log=out_log,
                                    isolate=isolate,
                                    maps=[(http_port, inner_http), (sql_port, inner_sql)])
        server = VirtuosoServer(process=proc, directory=directory, host=LOOPBACK, port=http_port,
                                log_paths=[out_log, directory / "virtuoso.log"], sql_port=sql_port,
                                isql=isql, username=username, password=password, dba_password="dba",
                                network_isolated=isolate, sockdir=sockdir, lifeline=lifeline)
        server._open_files.append(out)
        server._dead_proxy = dead
        try:
            _wait_until_up(proc, server.sparql_url + "?query=" + urllib.parse.quote("ASK {}"),
                           timeout, "virtuoso-t", server.log_tail)
            # HTTP comes up a moment before the SQL listener; isql retries until it connects.
            _isql_when_ready(server, _writer_sql(username, password) + VIRTUOSO_HARDENING_SQL,
                             deadline=t0 + timeout)
        except Exception as e:
            tail = server.log_tail()
            server.stop()
            last = e
            if _looks_like_port_clash(tail):
                continue
            if isinstance(e, ServerStartError):
                raise
            raise ServerStartError(f"Virtuoso set-up failed: {e}\n{tail}") from e
        server.started_in = time.monotonic() - t0
        return server
    raise ServerStartError(f"Virtuoso did not start after {attempts} attempts: {last}")


def _writer_sql(username: str, password: str) -> str:
    u, p = username.replace("'", "''"), password.replace("'", "''")
    return f"DB.DBA.USER_CREATE ('{u}', '{p}');\nGRANT SPARQL_UPDATE TO \"{username}\";\n"


def _isql_when_ready(server: VirtuosoServer, sql: str, *, deadline: float) -> None:
    while True:
        try:
            server.isql(sql)
            return
        except RuntimeError as e:
            msg = str(e)
            transient = any(k in msg for k in ("onnect", "08001", "08004", "08S01", "CL0", "Lost", "ommunication"))
            if not transient or time.monotonic() > deadline or not server.alive():
                raise
            time.sleep(0.2)


# --------------------------------------------------------------------------------------------
# Oxigraph


class OxigraphServer(SparqlServer):
    """A running ``oxigraph serve``: ``sparql_url`` = ``{base}/query``, ``update_url`` =
    ``{base}/update``, ``graph_store_url`` = ``{base}/store`` (``?graph=<iri>`` or ``?default``;
    ``POST /store`` with N-Quads/TriG and no ``graph`` loads a whole dataset). No auth.

    Behaviour: the default graph is the real (empty) default graph unless
    ``union_default_graph=True``; updates answer 204; numeric literals are stored as values
    ("007"→"7", "60.0"→"60"); language tags come back lower-cased; ``"x"`` = ``"x"^^xsd:string``
    (RDF 1.1); JSON results carry raw UTF-8. It runs ``SERVICE``/``LOAD`` itself — only the
    network namespace stops that."""

    name = "Oxigraph"

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.sparql_url = f"{self.base_url}/query"
        self.update_url = f"{self.base_url}/update"
        self.graph_store_url = f"{self.base_url}/store"


_OXIGRAPH_INNER_PORT = 7878


def start_oxigraph_server(workdir: Path | str, *, timeout: float = 30.0, in_memory: bool = False,
                          union_default_graph: bool = False, isolate_network: bool | None = None,
                          attempts: int = 3) -> OxigraphServer:
    """Start ``oxigraph serve --location <new dir under workdir> --bind 127.0.0.1:<free port>``
    (``in_memory``: no ``--location``) and return it once ``/query`` answers.

    Oxigraph runs SERVICE (and LOAD) with its own HTTP client, which ignores ``http_proxy``
    and has no switch to turn off: ``isolate_network`` (None = when ``unshare -rn`` works,
    True = require, False = never) is what stops it. Raises :class:`ServerStartError` (with the
    log tail) when it does not come up."""
    binary = find_oxigraph()
    if not binary:
        raise ServerStartError("the oxigraph CLI is not installed (pip install oxigraph)")
    isolate = _want_isolation(isolate_network)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    last: Exception | None = None
    for _ in range(max(1, attempts)):
        directory = Path(tempfile.mkdtemp(prefix="oxigraph-", dir=workdir)).resolve()
        port = free_port()
        inner = _OXIGRAPH_INNER_PORT if isolate else port
        cmd = [binary, "serve", "--bind", f"{LOOPBACK}:{inner}"]
        if not in_memory:
            cmd += ["--location", str(directory / "db")]
        if union_default_graph:
            cmd.append("--union-default-graph")
        log = directory / "oxigraph.log"
        t0 = time.monotonic()
        proc, sockdir, out, lifeline = _spawn(cmd, cwd=directory, log=log, isolate=isolate,
                                              maps=[(port, inner)])
        server = OxigraphServer(process=proc, directory=directory, host=LOOPBACK, port=port,
                                log_paths=[log], network_isolated=isolate, sockdir=sockdir,
                                lifeline=lifeline)
        server._open_files.append(out)
        try:
            _wait_until_up(proc, server.sparql_url + "?query=" + urllib.parse.quote("ASK {}"),
                           timeout, "oxigraph serve", server.log_tail)
        except ServerStartError as e:
            tail = server.log_tail()
            server.stop()
            last = e
            if _looks_like_port_clash(tail):
                continue
            raise
        server.started_in = time.monotonic() - t0
        return server
    raise ServerStartError(f"oxigraph did not start after {attempts} attempts: {last}")


# --------------------------------------------------------------------------------------------
# command line: the isolation helpers (run by this module itself), and a manual start


def _main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="servers.py", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    for name in ("supervise", "inner"):
        sp = sub.add_parser(name, help="internal: supervisor / network-namespace bridge")
        sp.add_argument("--sockdir", default=None)
        sp.add_argument("--map", action="append", default=[], help="HOSTPORT:INNERPORT")
        sp.add_argument("--lifeline", type=int, default=None)
        sp.add_argument("cmd", nargs=argparse.REMAINDER)
    sub.add_parser("lo-check", help="internal: can loopback be brought up here")
    for name in ("virtuoso", "oxigraph"):
        sp = sub.add_parser(name, help=f"start {name} and print its URLs until Ctrl-C")
        sp.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.what in ("supervise", "inner"):
        if args.cmd and args.cmd[0] == "--":
            args.cmd = args.cmd[1:]
        (_supervise_main if args.what == "supervise" else _inner_main)(args)
    elif args.what == "lo-check":
        _loopback_up()
        with socket.socket() as s:
            s.bind((LOOPBACK, 0))
            s.listen(1)
            socket.create_connection(s.getsockname(), timeout=5).close()
    else:
        start = start_virtuoso if args.what == "virtuoso" else start_oxigraph_server
        with start(args.workdir or Path(tempfile.mkdtemp(prefix=f"{args.what}-"))) as server:
            print(f"{server!r} started in {server.started_in:.2f}s\n  query       {server.sparql_url}\n"
                  f"  update      {server.update_url}\n  graph store {server.graph_store_url}", flush=True)
            if isinstance(server, VirtuosoServer):
                print(f"  auth        {server.auth_sparql_url} {server.auth_graph_store_url} (Digest "
                      f"{server.username}/{server.password}, dba/dba)\n  isql        isql-vt "
                      f"{LOOPBACK}:{server.sql_port} dba dba", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                while server.alive():
                    time.sleep(1)


# --------------------------------------------------------------------------------------------
# milvus-lite: the Milvus search backend's server (pip milvus-lite, gRPC on loopback)
class MilvusLiteServer(SparqlServer):
    """A ``milvus-lite server`` child process; ``spec`` is its policykg search-backend spec."""

    name = "milvus-lite"

    @property
    def spec(self) -> str:
        return f"milvus://{self.host}:{self.port}"


def _milvus_answers(uri: str) -> bool:
    from pymilvus import MilvusClient

    try:
        MilvusClient(uri=uri, timeout=2).list_collections()
        return True
    except Exception:  # noqa: BLE001 - refused, not ready: not up yet
        return False


def start_milvus_lite(workdir: Path | str, *, timeout: float = 60.0) -> MilvusLiteServer:
    """Start ``python -m milvus_lite server --data-dir <new dir> --host 127.0.0.1 --port <free>``
    and return it once a client can list collections."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="milvus-", dir=workdir)).resolve()
    port = free_port()
    cmd = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(directory / "db"),
           "--host", LOOPBACK, "--port", str(port), "--max-workers", "8"]
    log = directory / "milvus.log"
    proc, sockdir, out, lifeline = _spawn(cmd, cwd=directory, log=log, isolate=False, maps=[])
    server = MilvusLiteServer(process=proc, directory=directory, host=LOOPBACK, port=port, log_paths=[log],
                              sockdir=sockdir, lifeline=lifeline)
    server._open_files.append(out)
    deadline = time.monotonic() + timeout
    while not _milvus_answers(f"http://{LOOPBACK}:{port}"):
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = server.log_tail()
            server.stop()
            raise ServerStartError(f"milvus-lite did not come up on {LOOPBACK}:{port}\n{tail}")
        time.sleep(0.2)
    return server


if __name__ == "__main__":
    _main()
