#!/usr/bin/env python
"""Probe Virtuoso and Oxigraph over the SPARQL 1.1 HTTP protocols, end to end.

Starts each server (``tests/servers.py``) on free loopback ports, loads example N-Quads into two
named graphs, reads them back (GRAPH ?g, FROM, default-graph-uri, the default graph), compares
every term with what was sent (datatypes, language tags, Chinese text and IRIs), replaces one
graph, deletes the other, checks that the server cannot fetch from the network (SERVICE, LOAD,
sponging, IRI dereferencing — aimed only at listeners on loopback addresses), then times a bulk
load of ``--triples`` N-Triples. Prints PASS/FAIL/NOTE lines and timings; exits 1 on any FAIL.

    .venv/bin/python scripts/virtuoso_probe.py                  # both servers, 100k-triple load
    .venv/bin/python scripts/virtuoso_probe.py --only virtuoso --triples 20000
    .venv/bin/python scripts/virtuoso_probe.py --nquads export.nq   # your own two-graph data

Only httpx (and pyoxigraph to parse the example data) is used; nothing leaves 127.0.0.0/8.
"""
from __future__ import annotations

import argparse
import http.server
import json
import socket
import sys
import tempfile
import threading
import time
import typing
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from servers import (
    SparqlServer,
    VirtuosoServer,
    start_oxigraph_server,
    start_virtuoso,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
G1 = "https://w3id.org/policykg/graph/doc/000"
G2 = "https://w3id.org/policykg/graph/doc/001"
ZH_LITERAL = "垫江县人民政府关于印发《农业农村现代化实施方案》的通知"

EXAMPLE_NQUADS = f"""\
<https://w3id.org/policykg/org/垫江县人民政府> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/policykg/ont#Organization> <{G1}> .
<https://w3id.org/policykg/org/垫江县人民政府> <http://www.w3.org/2000/01/rdf-schema#label> "垫江县人民政府"@zh <{G1}> .
<https://w3id.org/policykg/org/垫江县人民政府> <http://www.w3.org/2000/01/rdf-schema#label> "Dianjiang County Government"@en <{G1}> .
<https://w3id.org/policykg/doc/000> <http://purl.org/dc/terms/title> "{ZH_LITERAL}"@zh-CN <{G1}> .
<https://w3id.org/policykg/doc/000> <http://purl.org/dc/terms/issued> "2024-04-08"^^<{XSD}date> <{G1}> .
<https://w3id.org/policykg/doc/000> <http://purl.org/dc/terms/modified> "2024-04-08T10:00:00+08:00"^^<{XSD}dateTime> <{G1}> .
<https://w3id.org/policykg/doc/000> <http://purl.org/dc/terms/created> "2024-04-08T10:00:00"^^<{XSD}dateTime> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#year> "2024"^^<{XSD}gYear> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#provisions> "42"^^<{XSD}integer> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#padded> "007"^^<{XSD}integer> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#rate> "60.0"^^<{XSD}decimal> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#share> "0.6"^^<{XSD}double> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#ratio> "1.5"^^<{XSD}float> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#current> "true"^^<{XSD}boolean> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#term> "P5Y"^^<{XSD}duration> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#code> "渝垫府发〔2024〕12号"^^<https://w3id.org/policykg/ont#DocNumber> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#note> "plain string" <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#empty> "" <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#quote> "引号\\"和\\n换行\\t制表 \\\\ 反斜杠"@zh <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#emoji> "拖拉机🚜"@zh <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#issuer> <https://w3id.org/policykg/org/垫江县人民政府> <{G1}> .
<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#place> <https://w3id.org/policykg/place/%E5%9E%AB%E6%B1%9F> <{G1}> .
_:t1 <https://w3id.org/policykg/ont#indicator> "农业科技进步贡献率"@zh <{G1}> .
_:t1 <https://w3id.org/policykg/ont#value> "60"^^<{XSD}decimal> <{G1}> .
<https://w3id.org/policykg/doc/001> <http://purl.org/dc/terms/title> "垫江县“十四五”林业发展规划"@zh <{G2}> .
<https://w3id.org/policykg/doc/001> <https://w3id.org/policykg/ont#issuer> <https://w3id.org/policykg/org/垫江县人民政府> <{G2}> .
<https://w3id.org/policykg/doc/001> <https://w3id.org/policykg/ont#long> "{'森林覆盖率' * 2000}"@zh <{G2}> .
<https://w3id.org/policykg/org/垫江县人民政府> <http://www.w3.org/2000/01/rdf-schema#label> "垫江县人民政府"@zh <{G2}> .
"""


# --------------------------------------------------------------------------------------------
# reporting

class Report:
    def __init__(self) -> None:
        self.fails = 0
        self.timings: list[tuple[str, str, float, str]] = []

    def check(self, server: str, what: str, ok: bool, detail: str = "") -> bool:
        if not ok:
            self.fails += 1
        print(f"  [{'PASS' if ok else 'FAIL'}] {what}" + (f" — {detail}" if detail else ""), flush=True)
        return ok

    def note(self, server: str, what: str) -> None:
        self.line("NOTE", what)

    def line(self, kind: str, what: str) -> None:
        print(f"  [{kind}] {what}", flush=True)

    def time(self, server: str, what: str, seconds: float, extra: str = "") -> None:
        self.timings.append((server, what, seconds, extra))
        print(f"  [TIME] {what}: {seconds:.3f}s" + (f" ({extra})" if extra else ""), flush=True)


# --------------------------------------------------------------------------------------------
# terms

def term_key(t) -> str:
    """A canonical N-Triples-like text for a pyoxigraph term; blank nodes collapse to ``_:b``."""
    if isinstance(t, ox.BlankNode):
        return "_:b"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"{json.dumps(t.value, ensure_ascii=False)}@{t.language}"
        return f"{json.dumps(t.value, ensure_ascii=False)}^^<{t.datatype.value}>"
    return f"<{t.value}>"


def json_term_key(b: dict) -> str:
    """The same text for a SPARQL JSON results binding (``typed-literal`` accepted too)."""
    kind = b["type"]
    if kind == "bnode":
        return "_:b"
    if kind == "uri":
        return f"<{b['value']}>"
    v = json.dumps(b["value"], ensure_ascii=False)
    if "xml:lang" in b:
        return f"{v}@{b['xml:lang']}"
    return f"{v}^^<{b.get('datatype', XSD + 'string')}>"


def short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def parse_nquads(text: str) -> list[ox.Quad]:
    return list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_QUADS))


def to_ntriples(quads) -> bytes:
    return ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                        format=ox.RdfFormat.N_TRIPLES)


def to_nquads(quads) -> bytes:
    return ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS)


def nt_term(t) -> str:
    """A term in SPARQL/N-Triples syntax (for INSERT DATA)."""
    return str(t)


# --------------------------------------------------------------------------------------------
# a tiny client over both servers

class Client:
    def __init__(self, server: SparqlServer, auth=None, *, authed: bool = False) -> None:
        self.s = server
        self.http = httpx.Client(timeout=120, auth=auth, trust_env=False)
        v = isinstance(server, VirtuosoServer)
        self.query_url = server.auth_sparql_url if (v and authed) else server.sparql_url
        self.update_url = server.auth_update_url if (v and authed) else server.update_url
        self.gsp_url = server.auth_graph_store_url if (v and authed) else server.graph_store_url

    def select(self, query: str, **params) -> list[dict]:
        r = self.http.post(self.query_url, data={"query": query, **params},
                           headers={"Accept": "application/sparql-results+json"})
        if r.status_code != 200:
            raise RuntimeError(f"query failed {r.status_code}: {short(r.text, 400)}")
        return r.json()["results"]["bindings"]

    def ask(self, query: str) -> bool:
        r = self.http.post(self.query_url, data={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
        r.raise_for_status()
        return r.json()["boolean"]

    def count(self, where: str, **params) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) {where}", **params)
        return int(rows[0]["n"]["value"])

    def update(self, update: str) -> httpx.Response:
        r = self.http.post(self.update_url, content=update.encode("utf-8"),
                           headers={"Content-Type": "application/sparql-update; charset=utf-8"})
        if r.status_code not in (200, 204):
            raise RuntimeError(f"update failed {r.status_code}: {short(r.text, 400)}")
        return r

    def gsp(self, method: str, graph: str | None, body: bytes | None = None,
            content_type: str = "application/n-triples", accept: str | None = None) -> httpx.Response:
        params = {"graph": graph} if graph else {}
        if graph is None and method != "POST":
            params = {"default": ""}
        headers = {}
        if body is not None:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        return self.http.request(method, self.gsp_url, params=params, content=body, headers=headers)


def quads_in(client: Client, graphs: list[str]) -> list[tuple[str, str, str, str]]:
    values = " ".join(f"<{g}>" for g in graphs)
    rows = client.select(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
    return [(json_term_key(r["g"]), json_term_key(r["s"]), json_term_key(r["p"]), json_term_key(r["o"]))
            for r in rows]


_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                               "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                               "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


def _lit(key: str) -> tuple[str, str] | None:
    """(lexical form, datatype) of a typed-literal key, else None."""
    if not key.startswith('"') or '"^^<' not in key:
        return None
    lex, dt = key.rsplit("^^<", 1)
    return json.loads(lex), dt[:-1]


def same_value(a: str, b: str) -> bool:
    """Two literal keys with the same datatype and the same value, only the lexical form differs
    ("007" vs "7", "60.0" vs "60", "true" vs "1" for xsd:boolean)."""
    la, lb = _lit(a), _lit(b)
    if not la or not lb or la[1] != lb[1]:
        return False
    (x, dt), (y, _) = la, lb
    if dt in _NUMERIC:
        try:
            return float(x) == float(y)
        except ValueError:
            return False
    if dt == XSD + "boolean":
        return {x, y} <= {"true", "1"} or {x, y} <= {"false", "0"}
    return False


def compare(report: Report, name: str, sent: list[ox.Quad], got: list[tuple], label: str) -> bool:
    """Same number of quads, same (graph, subject, predicate) keys → PASS. Term differences are
    listed: value-equal canonicalisations as NOTE, changed values or datatypes as DIFF (shown,
    not counted as failures: they are the store's behaviour, not a broken operation)."""
    want = Counter((f"<{q.graph_name.value}>", term_key(q.subject), term_key(q.predicate), term_key(q.object))
                   for q in sent)
    have = Counter(got)
    same_shape = Counter(k[:3] for k in want.elements()) == Counter(k[:3] for k in have.elements())
    report.check(name, f"{label}: {sum(have.values())} quads read back for the {sum(want.values())} sent",
                 same_shape, "" if same_shape else "graph/subject/predicate sets differ")
    if want != have:
        missing, extra = want - have, have - want
        by_sp = defaultdict(lambda: ([], []))
        for k in missing.elements():
            by_sp[k[:3]][0].append(k[3])
        for k in extra.elements():
            by_sp[k[:3]][1].append(k[3])
        for (_g, _s, p), (m, e) in sorted(by_sp.items()):
            kind = "NOTE" if len(m) == len(e) == 1 and same_value(m[0], e[0]) else "DIFF"
            report.line(kind, f"  {short(p, 60)}: sent {', '.join(short(x) for x in m) or '-'}"
                              f"  →  got {', '.join(short(x) for x in e) or '-'}")
    return same_shape


# --------------------------------------------------------------------------------------------
# outbound-fetch listener (loopback only)

class _Hits(http.server.BaseHTTPRequestHandler):
    hits: typing.ClassVar[list[str]] = []

    def _any(self) -> None:
        type(self).hits.append(f"{self.command} {self.path}")
        body = b'<urn:x:remote> <urn:x:p> "remote" .\n'
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_CONNECT = _any

    def log_message(self, *a) -> None:
        pass


class RawListener(threading.Thread):
    """Counts every TCP connection (a TLS ClientHello included) to host:port."""

    def __init__(self, host: str) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = 0

    def run(self) -> None:
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns += 1
            c.close()


def outbound_checks(report: Report, name: str, client: Client, server: SparqlServer) -> None:
    """Every way a SPARQL request can make the server fetch a URL, aimed at listeners on
    127.0.0.2 (loopback, nothing else there): none may be reached."""
    http_srv = http.server.ThreadingHTTPServer(("127.0.0.2", 0), _Hits)
    threading.Thread(target=http_srv.serve_forever, daemon=True).start()
    raw = RawListener("127.0.0.2")
    raw.start()
    h = f"http://127.0.0.2:{http_srv.server_address[1]}"
    s = f"https://127.0.0.2:{raw.port}"
    attempts = []
    for base in (h, s):
        attempts += [
            ("query", f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}", f"SERVICE {base[:5]}"),
            ("query", f"SELECT * WHERE {{ SERVICE SILENT <{base}/sparql> {{ ?s ?p ?o }} }}", f"SERVICE SILENT {base[:5]}"),
            ("update", f"LOAD <{base}/d.ttl> INTO GRAPH <urn:x:loaded>", f"LOAD {base[:5]}"),
            ("update", f"LOAD SILENT <{base}/d.ttl>", f"LOAD SILENT {base[:5]}"),
        ]
        if isinstance(server, VirtuosoServer):
            attempts += [
                ("query", f'DEFINE get:soft "soft" SELECT * FROM <{base}/d.ttl> WHERE {{ ?s ?p ?o }}', f"sponge get:soft {base[:5]}"),
                ("query", f'DEFINE input:grab-all "yes" SELECT * WHERE {{ <{base}/r> ?p ?o }}', f"input:grab-all {base[:5]}"),
                ("update", f"LOAD SERVICE <{base}/sparql> DATA", f"LOAD SERVICE {base[:5]}"),
            ]
    refused = []
    for kind, text, label in attempts:
        before = len(_Hits.hits) + raw.conns
        try:
            if kind == "query":
                r = client.http.post(client.query_url, data={"query": text},
                                     headers={"Accept": "application/sparql-results+json"})
            else:
                r = client.http.post(client.update_url, data={"update": text})
            status = r.status_code
            snippet = short(" ".join(r.text.split()), 110)
        except httpx.HTTPError as e:
            status, snippet = 0, str(e)
        time.sleep(0.05)
        reached = len(_Hits.hits) + raw.conns - before
        refused.append(f"{label}: HTTP {status}")
        report.check(name, f"no outbound fetch: {label}", reached == 0,
                     f"HTTP {status}: {snippet}" if reached == 0 else f"REACHED the listener ({status})")
    http_srv.shutdown()
    raw.sock.close()


def dba_outbound(report: Report, vt: VirtuosoServer) -> None:
    """dba is a superuser: no grant binds it. Show what the dead-proxy setting still stops."""
    http_srv = http.server.ThreadingHTTPServer(("127.0.0.2", 0), _Hits)
    threading.Thread(target=http_srv.serve_forever, daemon=True).start()
    raw = RawListener("127.0.0.2")
    raw.start()
    h = f"http://127.0.0.2:{http_srv.server_address[1]}"
    s = f"https://127.0.0.2:{raw.port}"
    dba = Client(vt, httpx.DigestAuth(vt.dba_user, vt.dba_password), authed=True)
    for base, label in ((h, "http"), (s, "https")):
        before = len(_Hits.hits) + raw.conns
        r = dba.http.post(dba.query_url, data={"query": f"SELECT * WHERE {{ SERVICE <{base}/sparql> {{ ?s ?p ?o }} }}"},
                          headers={"Accept": "application/sparql-results+json"})
        time.sleep(0.05)
        reached = len(_Hits.hits) + raw.conns - before
        if label == "http":
            report.check("virtuoso", "dba SERVICE http:// stopped by the dead HTTPProxyServer", reached == 0,
                         f"HTTP {r.status_code}: {short(' '.join(r.text.split()), 100)}")
        elif vt.network_isolated:
            report.check("virtuoso", "dba SERVICE https:// cannot connect (network namespace)", reached == 0,
                         f"HTTP {r.status_code}: {short(' '.join(r.text.split()), 100)}")
        else:
            report.note("virtuoso", f"dba SERVICE https:// {'DID' if reached else 'did not'} open a connection "
                                    f"(https ignores HTTPProxyServer; dba is not bound by the revokes; "
                                    f"no network namespace) — HTTP {r.status_code}")
    http_srv.shutdown()
    raw.sock.close()


# --------------------------------------------------------------------------------------------
# the probe

def probe(report: Report, server: SparqlServer, quads: list[ox.Quad], g1: str, g2: str,
          n_bench: int, batch: int) -> None:
    name = server.name.lower()
    v = isinstance(server, VirtuosoServer)
    c = Client(server)
    g1q = [q for q in quads if q.graph_name.value == g1]
    g2q = [q for q in quads if q.graph_name.value == g2]

    # -- load: Graph Store protocol -----------------------------------------------------------
    if v:
        r = c.gsp("POST", None, to_nquads(quads), "application/n-quads")
        report.note(name, f"POST N-Quads to the Graph Store endpoint: HTTP {r.status_code} "
                          f"({short(' '.join(r.text.split()), 140)}) — so load per graph as N-Triples")
    t = time.perf_counter()
    if v:
        r1 = c.gsp("PUT", g1, to_ntriples(g1q))
        r2 = c.gsp("PUT", g2, to_ntriples(g2q))
        ok = r1.status_code in (200, 201, 204) and r2.status_code in (200, 201, 204)
        report.check(name, f"PUT {len(g1q)}+{len(g2q)} N-Triples into two graphs (Graph Store)", ok,
                     f"HTTP {r1.status_code}, {r2.status_code}")
    else:
        r = c.gsp("POST", None, to_nquads(quads), "application/n-quads")
        report.check(name, f"POST {len(quads)} N-Quads (whole dataset) to {server.graph_store_url}",
                     r.status_code in (200, 201, 204), f"HTTP {r.status_code}")
    report.time(name, "load example", time.perf_counter() - t)

    # -- read back, term by term --------------------------------------------------------------
    compare(report, name, quads, quads_in(c, [g1, g2]), "GRAPH ?g round trip (JSON results)")
    r = c.http.post(c.query_url, data={"query": f"SELECT ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ <{g1}> <{g2}> }} }}"},
                    headers={"Accept": "application/sparql-results+json"})
    kinds = Counter(b["o"]["type"] for b in r.json()["results"]["bindings"])
    escaped = "\\u" in r.text
    report.note(name, f"JSON binding types for objects: {dict(kinds)}; non-ASCII "
                      + ("escaped as \\uXXXX" if escaped else "sent as raw UTF-8"))
    n_stray = c.count("WHERE { GRAPH ?g { <https://w3id.org/policykg/doc/001> ?p ?o } "
                      f"FILTER(?g NOT IN (<{g1}>, <{g2}>)) }}")
    if n_stray:
        report.note(name, f"{n_stray} quads of ours landed in other graphs (the rejected N-Quads POST?)")

    rows = c.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                    f"FILTER(?g IN (<{g1}>, <{g2}>)) }} GROUP BY ?g ORDER BY ?g")
    got = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
    report.check(name, "SELECT … GRAPH ?g … GROUP BY ?g", got == {g1: len(g1q), g2: len(g2q)}, str(got))
    n_from = c.count(f"FROM <{g1}> WHERE {{ ?s ?p ?o }}")
    report.check(name, "SELECT … FROM <g1>", n_from == len(g1q), f"{n_from} rows")
    n_from2 = c.count(f"FROM <{g1}> FROM <{g2}> WHERE {{ ?s ?p ?o }}")
    distinct12 = len({(q.subject, q.predicate, q.object) for q in quads})
    report.check(name, "SELECT … FROM <g1> FROM <g2> (merge)", n_from2 in (distinct12, len(quads)),
                 f"{n_from2} rows (distinct triples {distinct12}, quads {len(quads)})")
    n_dgu = c.count("WHERE { ?s ?p ?o }", **{"default-graph-uri": g1})
    report.check(name, "default-graph-uri=g1 protocol parameter", n_dgu == len(g1q), f"{n_dgu} rows")
    n_dgu_over = c.count(f"FROM <{g2}> WHERE {{ ?s ?p ?o }}", **{"default-graph-uri": g1})
    report.note(name, f"FROM <g2> + default-graph-uri=g1: {n_dgu_over} rows "
                      f"(protocol says the parameter wins → {len(g1q)}; FROM wins → {len(g2q)})")
    n_named = c.count("WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": g2})
    report.check(name, "named-graph-uri=g2 protocol parameter", n_named == len(g2q), f"{n_named} rows")
    n_from_graph = c.count(f"FROM <{g1}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    report.note(name, f"FROM <g1> (no FROM NAMED) + GRAPH ?g: {n_from_graph} rows (spec: 0)")
    n_default = c.count(f"WHERE {{ ?s ?p ?o FILTER(?s IN ({', '.join(sorted({str(q.subject) for q in quads if isinstance(q.subject, ox.NamedNode)}))})) }}")
    n_named_only = sum(1 for q in quads if isinstance(q.subject, ox.NamedNode))
    report.note(name, f"no FROM, no GRAPH (default graph) sees {n_default} of our {n_named_only} IRI-subject quads "
                      f"({'union of all graphs' if n_default else 'the real, empty default graph'})")
    all_graphs = [r["g"]["value"] for r in c.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")]
    report.note(name, f"graphs in a fresh store + ours: {len(all_graphs)}: {', '.join(short(g, 50) for g in all_graphs[:8])}"
                      + (" …" if len(all_graphs) > 8 else ""))

    # -- Chinese text, language tags, Chinese IRIs ------------------------------------------------
    rows = c.select(f'SELECT ?s ?l WHERE {{ GRAPH <{g1}> {{ ?s <http://purl.org/dc/terms/title> ?l '
                    f'FILTER(?l = "{ZH_LITERAL}"@zh-CN) }} }}')
    report.check(name, "match a Chinese literal by value + @zh-CN in a query", len(rows) == 1,
                 json.dumps(rows[0]["l"], ensure_ascii=False) if rows else "no row")
    rows = c.select('SELECT ?l (LANG(?l) AS ?lang) WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l '
                    'FILTER(LANGMATCHES(LANG(?l), "zh") && CONTAINS(STR(?l), "人民政府")) }',
                    **{"default-graph-uri": g1})
    report.check(name, "LANGMATCHES(…,\"zh\") + CONTAINS on Chinese text", len(rows) == 1,
                 ", ".join(f'{r["l"]["value"]}@{r["lang"]["value"]}' for r in rows))
    rows = c.select(f"SELECT ?o WHERE {{ GRAPH <{g1}> {{ <https://w3id.org/policykg/org/垫江县人民政府> "
                    f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?o }} }}")
    report.check(name, "a Chinese IRI written in the query text matches", len(rows) == 1)
    rows = c.select(f"SELECT ?s WHERE {{ GRAPH <{g1}> {{ ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?o }} }}")
    report.check(name, "a Chinese IRI comes back un-escaped in JSON",
                 bool(rows) and rows[0]["s"]["value"] == "https://w3id.org/policykg/org/垫江县人民政府",
                 rows[0]["s"]["value"] if rows else "")
    rows = c.select(f'SELECT ?n WHERE {{ GRAPH <{g1}> {{ ?s <https://w3id.org/policykg/ont#provisions> ?n '
                    f'FILTER(?n > 40 && ?n = 42.0) }} }}')
    report.check(name, "numeric FILTER on xsd:integer", len(rows) == 1)
    rows = c.select(f'SELECT ?d WHERE {{ GRAPH <{g1}> {{ ?s <http://purl.org/dc/terms/issued> ?d '
                    f'FILTER(?d = "2024-04-08"^^<{XSD}date>) }} }}')
    report.check(name, "FILTER on an xsd:date", len(rows) == 1)

    # -- result and RDF formats --------------------------------------------------------------------
    q = f'SELECT ?l WHERE {{ GRAPH <{g1}> {{ <https://w3id.org/policykg/doc/000> <http://purl.org/dc/terms/title> ?l }} }}'
    for accept in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                   "text/tab-separated-values", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        r = c.http.get(c.query_url, params={"query": q}, headers=headers)
        report.note(name, f"SELECT Accept {accept or '(none)'} → {r.status_code} {r.headers.get('content-type')}"
                          f"{'' if ZH_LITERAL in r.text else ' (Chinese text NOT verbatim in body)'}")
    r = c.http.get(c.query_url, params={"query": "ASK { }"}, headers={"Accept": "application/sparql-results+json"})
    report.note(name, f"ASK JSON → {short(' '.join(r.text.split()), 80)}")
    cq = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g2}> {{ ?s ?p ?o }} }}"
    for accept in ("application/n-triples", "text/turtle", "application/n-quads"):
        r = c.http.get(c.query_url, params={"query": cq}, headers={"Accept": accept})
        fmt = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE,
               "application/n-quads": ox.RdfFormat.N_QUADS}[accept]
        try:
            n = len(list(ox.parse(r.content, format=fmt))) if r.status_code == 200 else -1
        except Exception as e:  # noqa: BLE001
            n = f"unparseable as {accept}: {short(str(e), 60)}"
        report.note(name, f"CONSTRUCT Accept {accept} → {r.status_code} {r.headers.get('content-type')}, {n} triples")
    r = c.gsp("GET", g2, accept="application/n-triples")
    try:
        back = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))  # N-Triples ⊂ Turtle
        sent = Counter((term_key(q.subject), term_key(q.predicate), term_key(q.object)) for q in g2q)
        got = Counter((term_key(t.subject), term_key(t.predicate), term_key(t.object)) for t in back)
        report.check(name, "Graph Store GET g2 returns the graph", got == sent,
                     f"HTTP {r.status_code} {r.headers.get('content-type')}, {len(back)} triples")
    except Exception as e:  # noqa: BLE001
        report.check(name, "Graph Store GET g2 returns the graph", False, f"{r.status_code}: {e}")
    r = c.gsp("GET", "https://w3id.org/policykg/graph/none")
    report.note(name, f"Graph Store GET of a missing graph → HTTP {r.status_code}")

    # -- replace g1 (Graph Store PUT), then with SPARQL Update (DROP SILENT + INSERT DATA) ----------
    new_g1 = parse_nquads(
        f'<https://w3id.org/policykg/doc/000> <http://purl.org/dc/terms/title> "替换后的标题"@zh <{g1}> .\n'
        f'<https://w3id.org/policykg/doc/000> <https://w3id.org/policykg/ont#provisions> "43"^^<{XSD}integer> <{g1}> .\n')
    t = time.perf_counter()
    r = c.gsp("PUT", g1, to_ntriples(new_g1))
    report.time(name, "replace g1 (Graph Store PUT)", time.perf_counter() - t, f"HTTP {r.status_code}")
    ok = r.status_code in (200, 201, 204)
    compare(report, name, new_g1 + g2q, quads_in(c, [g1, g2]), "after PUT replace of g1")
    report.check(name, "Graph Store PUT replaced g1", ok, f"HTTP {r.status_code}")
    ins = " ".join(f"{nt_term(q.subject)} {nt_term(q.predicate)} {nt_term(q.object)} ." for q in g1q)
    t = time.perf_counter()
    try:
        r = c.update(f"DROP SILENT GRAPH <{g1}> ;\nINSERT DATA {{ GRAPH <{g1}> {{ {ins} }} }}")
        how = "DROP SILENT GRAPH ; INSERT DATA"
    except RuntimeError as e:
        report.note(name, f"INSERT DATA with a blank node refused: {short(str(e), 130)} — "
                          f"retrying as INSERT {{…}} WHERE {{}}")
        r = c.update(f"DROP SILENT GRAPH <{g1}> ;\nINSERT {{ GRAPH <{g1}> {{ {ins} }} }} WHERE {{ }}")
        how = "DROP SILENT GRAPH ; INSERT {…} WHERE {}"
    report.time(name, f"replace g1 ({how})", time.perf_counter() - t, f"HTTP {r.status_code}")
    compare(report, name, quads, quads_in(c, [g1, g2]), "after SPARQL-Update replace of g1 (INSERT DATA text)")
    r = c.update(f"CLEAR SILENT GRAPH <{g1}>")
    report.check(name, "CLEAR SILENT GRAPH", c.count(f"WHERE {{ GRAPH <{g1}> {{ ?s ?p ?o }} }}") == 0,
                 f"HTTP {r.status_code} {short(' '.join(r.text.split()), 80)}")
    r = c.gsp("POST", g1, to_ntriples(g1q))
    report.check(name, "Graph Store POST (append) into a cleared graph", r.status_code in (200, 201, 204)
                 and c.count(f"WHERE {{ GRAPH <{g1}> {{ ?s ?p ?o }} }}") == len(g1q), f"HTTP {r.status_code}")

    # -- delete g2 ------------------------------------------------------------------------------
    t = time.perf_counter()
    r = c.gsp("DELETE", g2)
    report.time(name, "delete g2 (Graph Store DELETE)", time.perf_counter() - t, f"HTTP {r.status_code}")
    left = c.count(f"WHERE {{ GRAPH <{g2}> {{ ?s ?p ?o }} }}")
    report.check(name, "Graph Store DELETE removed g2", r.status_code in (200, 204) and left == 0,
                 f"HTTP {r.status_code}, {left} left")
    r = c.gsp("DELETE", g2)
    report.note(name, f"Graph Store DELETE of a now-missing graph → HTTP {r.status_code}")
    c.gsp("PUT", g2, to_ntriples(g2q))
    try:
        r = c.update(f"DROP GRAPH <{g2}>")
        report.note(name, f"DROP GRAPH (no SILENT) of a graph made by Graph Store PUT → HTTP {r.status_code}")
    except RuntimeError as e:
        report.note(name, f"DROP GRAPH (no SILENT) of a graph made by Graph Store PUT → {short(str(e), 150)}")
    r = c.update(f"DROP SILENT GRAPH <{g2}>")
    report.check(name, "SPARQL DROP SILENT GRAPH of an existing graph",
                 c.count(f"WHERE {{ GRAPH <{g2}> {{ ?s ?p ?o }} }}") == 0, f"HTTP {r.status_code}")
    try:
        r = c.update(f"DROP GRAPH <{g2}>")
        report.note(name, f"DROP GRAPH of a missing graph (no SILENT) → HTTP {r.status_code}: "
                          f"{short(' '.join(r.text.split()), 100)}")
    except RuntimeError as e:
        report.note(name, f"DROP GRAPH of a missing graph (no SILENT) → {short(str(e), 120)}")
    r = c.update(f"DROP SILENT GRAPH <{g2}>")
    report.check(name, "DROP SILENT GRAPH of a missing graph", r.status_code in (200, 204), f"HTTP {r.status_code}")
    compare(report, name, g1q, quads_in(c, [g1, g2]), "final state (g1 only)")

    # -- auth (Virtuoso) ------------------------------------------------------------------------
    if v:
        a = Client(server, httpx.DigestAuth(*server.credentials), authed=True)
        r = a.update('INSERT DATA { GRAPH <urn:x:auth> { <urn:x:s> <urn:x:p> "写入"@zh } }')
        report.check(name, f"Digest auth as {server.username!r} on /sparql-auth: INSERT DATA", r.status_code == 200)
        r = a.gsp("PUT", "urn:x:auth2", b'<urn:x:s> <urn:x:p> "gsp" .\n')
        report.check(name, "Digest auth on /sparql-graph-crud-auth: PUT", r.status_code in (200, 201), f"HTTP {r.status_code}")
        r = httpx.post(server.auth_sparql_url, data={"query": "ASK {}"}, auth=httpx.BasicAuth(*server.credentials),
                       trust_env=False)
        report.note(name, f"Basic auth on /sparql-auth → HTTP {r.status_code} (Digest only)")
        r = httpx.post(server.auth_sparql_url, data={"query": "ASK {}"},
                       auth=httpx.DigestAuth(server.username, "wrong"), trust_env=False)
        report.check(name, "wrong password refused", r.status_code == 401, f"HTTP {r.status_code}")
        c.update("DROP SILENT GRAPH <urn:x:auth> ; DROP SILENT GRAPH <urn:x:auth2>")

    # -- no network ---------------------------------------------------------------------------
    outbound_checks(report, name, c, server)
    if v:
        dba_outbound(report, server)

    # -- bulk load benchmark ------------------------------------------------------------------
    if n_bench:
        bench(report, name, c, n_bench, batch)


def bench_triples(n: int, graph_no: int) -> list[ox.Triple]:
    out = []
    ont = "https://w3id.org/policykg/ont#"
    for i in range(n):
        s = ox.NamedNode(f"https://w3id.org/policykg/bench/{graph_no}/s{i // 5}")
        k = i % 5
        if k == 0:
            out.append(ox.Triple(s, ox.NamedNode(ont + "label"), ox.Literal(f"第{i}号文件关于推进乡村振兴的实施意见", language="zh")))
        elif k == 1:
            out.append(ox.Triple(s, ox.NamedNode(ont + "value"), ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer"))))
        elif k == 2:
            out.append(ox.Triple(s, ox.NamedNode(ont + "issuer"), ox.NamedNode(f"https://w3id.org/policykg/org/机构{i % 97}")))
        elif k == 3:
            out.append(ox.Triple(s, ox.NamedNode(ont + "date"), ox.Literal(f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                                                                            datatype=ox.NamedNode(XSD + "date"))))
        else:
            out.append(ox.Triple(s, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                 ox.NamedNode(ont + "Provision")))
    return out


def bench(report: Report, name: str, c: Client, n: int, batch: int) -> None:
    gb = "https://w3id.org/policykg/graph/bench"
    # 1) Graph Store POST of N-Triples in chunks
    triples = bench_triples(n, 1)
    c.update(f"DROP SILENT GRAPH <{gb}1>")
    chunk = 50_000
    t = time.perf_counter()
    for i in range(0, n, chunk):
        body = ox.serialize(triples[i:i + chunk], format=ox.RdfFormat.N_TRIPLES)
        r = c.gsp("POST", f"{gb}1", body)
        if r.status_code not in (200, 201, 204):
            report.check(name, "bench Graph Store POST", False, f"HTTP {r.status_code}: {short(r.text, 200)}")
            return
    dt = time.perf_counter() - t
    got = c.count(f"WHERE {{ GRAPH <{gb}1> {{ ?s ?p ?o }} }}")
    report.check(name, f"bench: {n} triples via Graph Store POST ({chunk}/request) all there", got == n, f"{got}")
    report.time(name, f"load {n} triples, Graph Store POST N-Triples", dt, f"{n / dt:,.0f} triples/s")
    # 2) SPARQL INSERT DATA batches
    triples = bench_triples(n, 2)
    c.update(f"DROP SILENT GRAPH <{gb}2>")
    t = time.perf_counter()
    i = 0
    while i < n:
        body = " ".join(f"{t_.subject} {t_.predicate} {t_.object} ." for t_ in triples[i:i + batch])
        try:
            c.update(f"INSERT DATA {{ GRAPH <{gb}2> {{ {body} }} }}")
        except RuntimeError as e:
            if "memory exhausted" in str(e) and batch > 100:
                report.note(name, f"INSERT DATA of {batch} triples refused ({short(str(e), 90)}); halving")
                batch //= 2
                continue
            report.check(name, f"bench INSERT DATA batches of {batch}", False, short(str(e), 300))
            return
        i += batch
    dt = time.perf_counter() - t
    got = c.count(f"WHERE {{ GRAPH <{gb}2> {{ ?s ?p ?o }} }}")
    report.check(name, f"bench: {n} triples via INSERT DATA ({batch}/request) all there", got == n, f"{got}")
    report.time(name, f"load {n} triples, INSERT DATA batches of {batch}", dt, f"{n / dt:,.0f} triples/s")
    t = time.perf_counter()
    got = c.count("WHERE { GRAPH ?g { ?s <https://w3id.org/policykg/ont#issuer> ?o } }")
    report.time(name, f"count {got} issuer triples over the 2 bench graphs", time.perf_counter() - t)
    rows = c.select(f"SELECT ?s WHERE {{ GRAPH <{gb}1> {{ ?s ?p ?o }} }}")
    report.note(name, f"SELECT without LIMIT over {n} triples returned {len(rows)} rows")
    t = time.perf_counter()
    c.update(f"DROP SILENT GRAPH <{gb}1> ; DROP SILENT GRAPH <{gb}2>")
    report.time(name, f"DROP the two bench graphs ({2 * n} triples)", time.perf_counter() - t)


def tree_peak_rss_mib(pid: int) -> float:
    """Sum of VmHWM (peak resident memory) over ``pid`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(d.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=["virtuoso", "oxigraph"])
    ap.add_argument("--triples", type=int, default=100_000, help="bulk-load size (0: skip)")
    ap.add_argument("--batch", type=int, default=2_000,
                    help="triples per INSERT DATA request (Virtuoso's parser gives up near 4,990)")
    ap.add_argument("--nquads", type=Path, help="N-Quads to use instead of the built-in example "
                                                "(its first two named graphs are used)")
    ap.add_argument("--workdir", type=Path, help="where the databases go (default: a temp dir)")
    ap.add_argument("--isolate", choices=["auto", "yes", "no"], default="auto",
                    help="run the servers in a network namespace of their own (default: when possible)")
    args = ap.parse_args(argv)

    if args.nquads:
        quads = [q for q in parse_nquads(args.nquads.read_text(encoding="utf-8"))
                 if isinstance(q.graph_name, ox.NamedNode)]
        graphs = list(dict.fromkeys(q.graph_name.value for q in quads))[:2]
        if len(graphs) < 2:
            ap.error("--nquads needs at least two named graphs")
        quads = [q for q in quads if q.graph_name.value in graphs]
    else:
        quads, graphs = parse_nquads(EXAMPLE_NQUADS), [G1, G2]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sparql-probe-"))
    report = Report()
    starters = [("virtuoso", start_virtuoso), ("oxigraph", start_oxigraph_server)]
    for label, start in starters:
        if args.only and args.only != label:
            continue
        print(f"== {label}", flush=True)
        t = time.perf_counter()
        server = start(workdir, isolate_network={"auto": None, "yes": True, "no": False}[args.isolate])
        report.time(label, "start (spawn → HTTP answers, grants done)", time.perf_counter() - t)
        print(f"  {server!r}\n  query {server.sparql_url}\n  update {server.update_url}\n"
              f"  graph store {server.graph_store_url}", flush=True)
        try:
            probe(report, server, quads, graphs[0], graphs[1], args.triples, args.batch)
        except Exception as e:  # noqa: BLE001
            report.check(label, "probe ran to the end", False, f"{type(e).__name__}: {e}")
            print(server.log_tail(20))
        finally:
            report.note(label, f"peak resident memory of the server's process tree: "
                               f"{tree_peak_rss_mib(server.pid):.0f} MiB")
            t = time.perf_counter()
            rc = server.stop()
            report.time(label, "stop", time.perf_counter() - t, f"exit code {rc}")
    print("\n== timings")
    for server, what, seconds, extra in report.timings:
        print(f"  {server:9} {what:60} {seconds:8.3f}s  {extra}")
    print(f"\n{'FAILED: ' + str(report.fails) + ' check(s)' if report.fails else 'all checks passed'}")
    return 1 if report.fails else 0


if __name__ == "__main__":
    sys.exit(main())
