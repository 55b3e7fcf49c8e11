"""SPARQL 1.1 Protocol over HTTP: GET ``?query=``, POST form, POST ``application/sparql-query``,
HEAD, OPTIONS (CORS preflight) and the service description.

``sparql_endpoint(request, service, config)`` does the protocol work for any route (the web app's
``/sparql`` route calls it for every request that is not a browser asking for the editor page);
``router(get_service, config)`` mounts it as a stand-alone ``APIRouter``. ``service`` is anything
with ``sparql(query, fmt=, default_graphs=, named_graphs=) -> SparqlResult`` and
``sparql_graphs() -> list[str]`` (``api.service.PolicyKG``, ``kg.sparql.SparqlService``).

Errors use the common shape ``{"error": {"code", "message"}}``: 400 (syntax, SERVICE, too deep,
duplicate or conflicting parameters, a body that is not UTF-8), 403 (UPDATE), 405 (with
``Allow``), 406 (no acceptable format), 415 (unsupported media type), 503 (time limit, not built,
busy with ``Retry-After``). Truncation by the row cap: header ``X-PolicyKG-Truncated: true``
(and in-band where the format has room: ``head.link`` in JSON / XML results, a comment in Turtle).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qsl

import mimeparse
import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.web.http_errors import error_headers, error_response, status_of
from corpus import errors
from kg.sparql import GRAPH_FORMATS, RESULT_FORMATS, format_for, negotiate, prepare

TRUNCATED_HEADER = "X-PolicyKG-Truncated"
ROWS_HEADER = "X-PolicyKG-Rows"
ALLOW = "GET, HEAD, POST, OPTIONS"
_SD = "http://www.w3.org/ns/sparql-service-description#"
_SD_TYPES = [("application/rdf+xml", ox.RdfFormat.RDF_XML), ("application/ld+json", ox.RdfFormat.JSON_LD),
             ("application/n-triples", ox.RdfFormat.N_TRIPLES), ("text/turtle", ox.RdfFormat.TURTLE)]
_RESULT_FORMAT_IRIS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                       "Turtle", "N-Triples", "JSON-LD", "RDF_XML"]


@dataclass(frozen=True)
class EndpointConfig:
    """How the endpoint presents itself: its public IRI (the service description names it, never
    the request's Host header) and CORS (``cors_origin`` None turns it off)."""

    public_endpoint: str = "http://127.0.0.1:8000/sparql"
    cors_origin: str | None = "*"


class ProtocolError(Exception):
    """A request the protocol refuses before any query runs (HTTP status, code, message)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def service_description(endpoint: str, graphs: list[str], accept: str | None) -> Response:
    """A SPARQL 1.1 Service Description: the configured endpoint IRI, result formats, features and
    the named graphs, in whichever RDF syntax the client accepts (Turtle by default)."""
    sd, node = (lambda n: ox.NamedNode(_SD + n)), ox.NamedNode(endpoint)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    ds, dg = ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    triples = [ox.Triple(node, rdf_type, sd("Service")), ox.Triple(node, sd("endpoint"), node),
               ox.Triple(node, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(node, sd("feature"), sd("UnionDefaultGraph")),
               ox.Triple(node, ox.NamedNode("http://purl.org/dc/terms/description"),
                         ox.Literal("policykg: read-only SPARQL over Chinese policy documents; UPDATE and SERVICE are "
                                    "refused, queries are time-limited and row-capped.", language="en")),
               ox.Triple(node, sd("defaultDataset"), ds), ox.Triple(ds, rdf_type, sd("Dataset")),
               ox.Triple(ds, sd("defaultGraph"), dg), ox.Triple(dg, rdf_type, sd("Graph"))]
    triples += [ox.Triple(node, sd("resultFormat"), ox.NamedNode(f"http://www.w3.org/ns/formats/{n}"))
                for n in _RESULT_FORMAT_IRIS]
    for i, g in enumerate(graphs):
        ng = ox.BlankNode(f"g{i}")
        triples += [ox.Triple(ds, sd("namedGraph"), ng), ox.Triple(ng, rdf_type, sd("NamedGraph")),
                    ox.Triple(ng, sd("name"), ox.NamedNode(g))]
    best = mimeparse.best_match([mt for mt, _ in _SD_TYPES], accept or "text/turtle") if accept else "text/turtle"
    if not best:
        best = "text/turtle"
    fmt = dict(_SD_TYPES)[best]
    body = ox.serialize(triples, format=fmt,
                        prefixes={"sd": _SD} if fmt == ox.RdfFormat.TURTLE else None)
    return Response(body, media_type=best + ("; charset=utf-8" if best.startswith("text/") else ""))


def _charset_ok(content_type: str) -> bool:
    params = [p.strip().lower() for p in content_type.split(";")[1:]]
    return all(not p.startswith("charset=") or p[8:].strip('"') in ("utf-8", "utf8") for p in params)


async def read_params(request: Request) -> dict[str, list[str]]:
    """Every protocol parameter of a request, from the URL and (for a form POST) the body; the
    query of a direct POST under ``query``. ProtocolError for what the protocol forbids."""
    params: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        params.setdefault(k, []).append(v)
    if request.method == "POST":
        raw_type = request.headers.get("content-type", "")
        ctype = raw_type.split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            raise ProtocolError(403, "forbidden", "SPARQL UPDATE is not allowed on this endpoint")
        if ctype not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            raise ProtocolError(415, "unsupported_media_type",
                                "POST needs Content-Type application/sparql-query or application/x-www-form-urlencoded"
                                + (f", not {ctype!r}" if ctype else ""))
        if not _charset_ok(raw_type):
            raise ProtocolError(400, "bad_request", "the request body must be UTF-8")
        try:
            body = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "bad_request", "the request body is not valid UTF-8") from None
        if ctype == "application/sparql-query":
            if "query" in params:
                raise ProtocolError(400, "bad_request", "a query in both the URL and the body")
            params["query"] = [body]
        else:
            try:
                form = parse_qsl(body, keep_blank_values=True, encoding="utf-8", errors="strict")
            except UnicodeDecodeError:
                raise ProtocolError(400, "bad_request", "a form parameter is not valid UTF-8") from None
            if "query" in params and any(k == "query" for k, _ in form):
                raise ProtocolError(400, "bad_request", "a query in both the URL and the body")
            for k, v in form:
                params.setdefault(k, []).append(v)
    if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise ProtocolError(403, "forbidden", "SPARQL UPDATE is not allowed on this endpoint")
    if len(params.get("query", [])) > 1:
        raise ProtocolError(400, "bad_request", "more than one 'query' parameter")
    return params


def _cors(config: EndpointConfig) -> dict[str, str]:
    if not config.cors_origin:
        return {"Vary": "Accept"}
    return {"Access-Control-Allow-Origin": config.cors_origin,
            "Access-Control-Expose-Headers": f"{TRUNCATED_HEADER}, {ROWS_HEADER}, Retry-After",
            "Vary": "Accept" if config.cors_origin == "*" else "Accept, Origin"}


async def sparql_endpoint(request: Request, service: Any, config: EndpointConfig = EndpointConfig()) -> Response:
    """Answer one SPARQL protocol request (never raises: errors become the JSON error shape)."""
    headers = _cors(config)
    method = request.method
    if method == "OPTIONS":
        pre = {"Allow": ALLOW, **headers}
        if config.cors_origin:
            pre.update({"Access-Control-Allow-Methods": ALLOW,
                        "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "86400"})
        return Response(status_code=204, headers=pre)
    if method not in ("GET", "HEAD", "POST"):
        return error_response(405, "method_not_allowed", f"{method} is not allowed on the SPARQL endpoint; use "
                              f"GET or POST", {"Allow": ALLOW, **headers})
    accept = request.headers.get("accept", "")
    try:
        params = await read_params(request)
        query = (params.get("query") or [None])[0]
        if query is None:
            if method in ("GET", "HEAD"):
                graphs = await run_in_threadpool(service.sparql_graphs)
                resp = service_description(config.public_endpoint, graphs, accept)
                resp.headers.update(headers)
                return resp
            raise ProtocolError(400, "bad_request", "missing 'query' parameter")
        prepared = prepare(query)
        fmt = format_for(params.get("format", []) + params.get("output", []), prepared) \
            or negotiate(accept, prepared)
        if fmt is None:
            offered = GRAPH_FORMATS if prepared.is_graph else RESULT_FORMATS
            raise ProtocolError(406, "not_acceptable", f"cannot answer a {prepared.form} query as {accept!r}; "
                                f"offered: {', '.join(offered.values())}")
        dataset = {}
        if "default-graph-uri" in params or "named-graph-uri" in params:
            dataset = {"default_graphs": params.get("default-graph-uri", []),
                       "named_graphs": params.get("named-graph-uri", [])}
        # the query waits on a worker process for up to its time limit: off the event loop
        result = await run_in_threadpool(lambda: service.sparql(query, fmt=fmt, **dataset))
    except ProtocolError as e:
        return error_response(e.status, e.code, e.message, headers)
    except errors.PolicyKGError as e:
        return error_response(status_of(e), e.code, e.message, {**headers, **error_headers(e)})
    headers[ROWS_HEADER] = str(result.rows)
    if result.truncated:
        headers[TRUNCATED_HEADER] = "true"
        headers["X-PolicyKG-Note"] = f"result truncated to {result.rows} rows (row cap)"
    media = result.media_type + ("; charset=utf-8" if result.media_type.startswith("text/") else "")
    if method == "HEAD":
        headers["Content-Length"] = str(len(result.body))
        return Response(b"", media_type=media, headers=headers)
    return Response(result.body, media_type=media, headers=headers)


METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"]


def router(get_service: Callable[[], Any], path: str = "/sparql",
           config: EndpointConfig = EndpointConfig()) -> APIRouter:
    """A stand-alone router serving the protocol at ``path``."""
    r = APIRouter()

    @r.api_route(path, methods=METHODS, include_in_schema=False)
    async def sparql(request: Request) -> Response:
        return await sparql_endpoint(request, get_service(), config)

    return r
