"""SPARQL 1.1 Protocol over HTTP: GET ``?query=``, POST form, POST ``application/sparql-query``.

``sparql_endpoint(request, service)`` does the protocol work for any route (the web app's
``/sparql`` route calls it for every request that is not a browser asking for the page);
``router(get_service)`` mounts it as a stand-alone ``APIRouter``. ``service`` is anything with
``sparql(query, accept=..., fmt=...) -> kg.sparql.SparqlResult`` (``kg.service.PolicyKG``).
Errors use the common shape ``{"error": {"code", "message"}}``: 400 (syntax, SERVICE, bad
parameter), 403 (UPDATE), 406 (no acceptable format), 503 (time limit, not built).
"""
from __future__ import annotations

from typing import Any, Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.http_errors import error_response, status_of
from kg import errors
from kg.sparql import GRAPH_FORMATS, RESULT_FORMATS, negotiate, prepare

TRUNCATED_HEADER = "X-PolicyKG-Truncated"
_RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "ntriples", "application/ld+json": "jsonld"}
_FORMAT_ALIASES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                   "jsonld": "jsonld", "json-ld": "jsonld", "ntriples": "ntriples", "nt": "ntriples"}


def service_description(endpoint: str, fmt: str = "turtle") -> Response:
    """A SPARQL 1.1 Service Description of this endpoint (turtle or N-Triples)."""
    result_formats = " , ".join(f"<http://www.w3.org/ns/formats/{n}>" for n in
                                ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                                 "SPARQL_Results_TSV", "Turtle", "JSON-LD", "N-Triples"))
    ttl = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix dct: <http://purl.org/dc/terms/> .
<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat {result_formats} ;
    sd:feature sd:UnionDefaultGraph ;
    dct:description "policykg: read-only SPARQL over Chinese policy documents; UPDATE and SERVICE are refused, queries are time-limited and row-capped."@en ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""
    if fmt == "ntriples":
        import pyoxigraph as ox

        body = ox.serialize(ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES)
        return Response(body, media_type="application/n-triples")
    return Response(ttl.encode("utf-8"), media_type="text/turtle; charset=utf-8")


async def _read_query(request: Request) -> tuple[str | None, str | None]:
    """The query and an explicit ``format`` parameter, from the URL, a form or a raw body."""
    params = request.query_params
    query, fmt = params.get("query"), params.get("format")
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if ctype == "application/sparql-query":
            query = body.decode("utf-8", errors="replace")
        elif ctype == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8", errors="replace"))
            if "update" in form:
                raise errors.Forbidden("SPARQL UPDATE is not allowed on this endpoint")
            query = (form.get("query") or [query])[0]
            fmt = (form.get("format") or [fmt])[0]
        elif ctype == "application/sparql-update":
            raise errors.Forbidden("SPARQL UPDATE is not allowed on this endpoint")
        else:
            raise errors.BadRequest("POST needs Content-Type application/sparql-query or "
                                    "application/x-www-form-urlencoded")
    elif "update" in params:
        raise errors.Forbidden("SPARQL UPDATE is not allowed on this endpoint")
    return query, fmt


async def sparql_endpoint(request: Request, service: Any) -> Response:
    """Answer one SPARQL protocol request (never raises: errors become the JSON error shape)."""
    accept = request.headers.get("accept", "")
    try:
        query, fmt = await _read_query(request)
        if query is None:
            wanted = next((name for mt, name in _RDF_TYPES.items() if mt in accept), None)
            if request.method == "GET" and wanted in ("turtle", "ntriples"):
                return service_description(str(request.url).split("?")[0], wanted)
            if request.method == "GET" and (not accept or "*/*" in accept):
                return service_description(str(request.url).split("?")[0])
            raise errors.BadRequest("missing 'query' parameter")
        if fmt is not None:
            if fmt.lower() not in _FORMAT_ALIASES:
                raise errors.BadRequest(f"unknown format {fmt!r}; use one of {sorted(set(_FORMAT_ALIASES.values()))}")
            fmt = _FORMAT_ALIASES[fmt.lower()]
        else:
            prepared = prepare(query)
            fmt = negotiate(accept, prepared)
            if fmt is None:
                offered = GRAPH_FORMATS if prepared.is_graph else RESULT_FORMATS
                return error_response(406, "not_acceptable",
                                      f"cannot answer a {prepared.form} query as {accept!r}; "
                                      f"offered: {', '.join(offered.values())}")
        # the query waits on a worker process for up to its time limit: off the event loop
        result = await run_in_threadpool(service.sparql, query, accept=accept, fmt=fmt)
    except errors.PolicyKGError as e:
        return error_response(status_of(e), e.code, e.message)
    headers = {"X-PolicyKG-Rows": str(result.rows)}
    if result.truncated:
        headers[TRUNCATED_HEADER] = "true"
        headers["X-PolicyKG-Note"] = f"result truncated to {result.rows} rows (row cap)"
    media = result.media_type
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return Response(result.body, media_type=media, headers=headers)


def router(get_service: Callable[[], Any], path: str = "/sparql") -> APIRouter:
    """A stand-alone router serving the protocol at ``path``."""
    r = APIRouter()

    @r.api_route(path, methods=["GET", "POST"], include_in_schema=False)
    async def sparql(request: Request) -> Response:
        return await sparql_endpoint(request, get_service())

    return r
