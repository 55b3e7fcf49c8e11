"""The FastAPI application: server-rendered pages, their JSON twins under ``/api``,
the SPARQL endpoint and offline OpenAPI docs. It maps ``corpus.errors`` to HTTP and
does nothing else: every answer comes from ``api.service.PolicyKG``.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.service import (
    ENTITY_TYPES,
    FACT_TYPES,
    MAX_DRAFT_CHARS,
    MAX_QUERY_CHARS,
    PolicyKG,
)
from api.views import listing
from api.web import charts, render, schemas
from api.web.export import (
    CSV_RESPONSE,
    FORMAT_PATTERN,
    csv_response,
    export_urls,
    query_with,
)
from api.web.guards import BodyLimit, SecurityHeaders, csp, new_nonce
from api.web.http_errors import error_headers, error_response, status_of
from api.web.i18n import LANGS, pick_lang, translator
from api.web.messages import localise
from api.web.openapi_limits import declare_limits
from api.web.snapshot import CurrentKG, PinSnapshot, Snapshots
from api.web.sparql_http import METHODS as SPARQL_METHODS
from api.web.sparql_http import EndpointConfig, sparql_endpoint
from corpus import errors
from corpus.model import LEVELS
from kg.iris import BASE as IRI_BASE
from kg.iris import entity_iri
from kg.prefixes import PREFIXES
from kg.records import COMPARATOR_ZH

HERE = Path(__file__).parent
FORMAT_QUERY = Query("json", alias="format", pattern=FORMAT_PATTERN, description="json (default) or csv (UTF-8 with BOM)")
LIST_HELP = ("Every row unless ``offset``/``limit`` ask for a window (``X-Total-Count``: rows before it); "
             "``sort``: one of {sorts}; ``order``: asc | desc (missing values last either way); "
             "``format=csv``: CSV (UTF-8 with BOM) as an attachment.")
MAX_PROVISIONS_PAGE = 1000  # provisions per /api/documents/{id} response (a bound on its size)
log = logging.getLogger("policykg.api")

def wants_json(request: Request) -> bool:
    """API paths, and clients that do not ask for HTML, get JSON errors."""
    path = request.url.path
    if path.startswith(("/api/", "/openapi")) or path == "/api":
        return True
    return "text/html" not in request.headers.get("accept", "")


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The one error shape of every JSON error."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "bad input (empty or over-long query, bad parameter)"},
    404: {"model": ErrorResponse, "description": "unknown id"},
    405: {"model": ErrorResponse, "description": "method not allowed (the `Allow` header lists the allowed ones)"},
    413: {"model": ErrorResponse, "description": "request body over the limit (`POLICYKG_MAX_BODY_BYTES`)"},
    500: {"model": ErrorResponse, "description": "internal error (no details)"},
    503: {"model": ErrorResponse, "description": "not built, or a query ran past its time limit"},
}


class PrecedentRequest(BaseModel):
    """Body of ``POST /api/precedent``."""

    text: str = Field(description=f"draft sentence or paragraph, at most {MAX_DRAFT_CHARS} characters",
                      json_schema_extra={"minLength": 1, "maxLength": MAX_DRAFT_CHARS, "pattern": r"\S"})
    k: int = Field(5, description="number of precedents (1–100)", json_schema_extra={"minimum": 1, "maximum": 100})


def with_inline_script_hashes(resp: HTMLResponse) -> HTMLResponse:
    """A page made by a library (swagger-ui's) with inline scripts: a CSP admitting exactly those."""
    scripts = re.findall(rb"<script>(.*?)</script>", resp.body, flags=re.DOTALL)
    hashes = tuple("sha256-" + base64.b64encode(hashlib.sha256(s).digest()).decode() for s in scripts)
    resp.headers["Content-Security-Policy"] = csp(script_hashes=hashes)
    return resp


def permalink_of(iri: str | None) -> dict | None:
    """``{iri, path}``: a graph IRI and the local path that resolves it (``/id/...``)."""
    if not iri or not iri.startswith(IRI_BASE + "/"):
        return None
    return {"iri": iri, "path": "/id/" + quote(iri[len(IRI_BASE) + 1:], safe="/:")}


def create_app(data_dir: str | Path = "data", kg: PolicyKG | None = None,
               sparql_config: EndpointConfig | None = None) -> FastAPI:
    """The web application over one data directory; ``sparql_config`` sets the SPARQL
    endpoint's public IRI and CORS (default: http://127.0.0.1:8000/sparql, CORS for any origin).

    Each request is pinned to the build the data dir serves when it starts (``api.web.snapshot``):
    a new build switches pages, API, search and SPARQL together, named in ``X-PolicyKG-Build``."""
    sparql_config = sparql_config or EndpointConfig()
    first = kg or PolicyKG(data_dir)

    def reopen(root: Path) -> PolicyKG:
        new = PolicyKG(root, sparql_workers=first.sparql_workers, backends=first.backends)
        if first.warm_started:  # a server that warms up in the background does so for each new build
            new.start_warming()
        return new

    snapshots = Snapshots(first.root, reopen, first=first)
    kg = CurrentKG(snapshots)  # type: ignore[assignment] - stands for the request's PolicyKG

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        snapshots.close()

    app = FastAPI(
        lifespan=lifespan,
        title="policykg",
        description="Knowledge graph and semantic search over Chinese policy documents. "
        "Every error is `{\"error\": {\"code\", \"message\"}}`.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    app.state.kg = kg
    app.state.snapshots = snapshots

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_limits(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(BodyLimit)
    app.add_middleware(PinSnapshot, snapshots=snapshots)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    env = templates.env
    env.trim_blocks, env.lstrip_blocks = True, True
    env.globals.update(
        LEVELS=LEVELS, ENTITY_TYPES=ENTITY_TYPES, FACT_TYPES=FACT_TYPES,
        MAX_QUERY_CHARS=MAX_QUERY_CHARS, MAX_DRAFT_CHARS=MAX_DRAFT_CHARS,
        entity_url=render.entity_url, qs=render.query_string,
        mark_query=render.mark_query, mark_spans=render.mark_spans, mark_window=render.mark_window,
        mark_query_window=render.mark_query_window, mark_changes=render.mark_changes,
        link_mentions=render.link_mentions, heading_length=render.heading_length, skip_space=render.skip_space,
        diff_side=render.diff_side,
        qs_with=query_with, COMPARATOR_ZH=COMPARATOR_ZH, quote=quote,
    )
    env.globals.update(target_chart=charts.target_chart)

    def page(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
        lang = pick_lang(request.query_params.get("lang"), request.cookies.get("lang"))
        t = translator(lang)
        other = "en" if lang == "zh" else "zh"
        toggle = request.url.include_query_params(lang=other)
        nonce = new_nonce()
        resp = templates.TemplateResponse(
            request, name,
            # the toggle is relative (query only): a path like //evil.example/x never becomes a link off-site
            {"t": t, "lang": lang, "other_lang": other, "toggle_url": f"?{toggle.query}", "csp_nonce": nonce,
             "warming": kg.warming, "exports": None, "refresh": None,
             "level_label": lambda lv: t(f"level.{lv or 'unknown'}"), "tmsg": lambda m: localise(m, t),
             "label_or": lambda key, fallback: t(key) if t(key) != key else fallback,
             "change_label": lambda kind: t(f"change.{kind}") if t(f"change.{kind}") != f"change.{kind}" else kind,
             **ctx},
            status_code=status,
            headers={"Content-Security-Policy": csp(nonce)},
        )
        if request.query_params.get("lang") in LANGS:
            resp.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
        return resp

    # ------------------------------------------------------------------ errors
    def respond_error(request: Request, status: int, code: str, message: str,
                      headers: dict[str, str] | None = None) -> Response:
        if wants_json(request):
            return error_response(status, code, message, headers=headers)
        resp = page(request, "error.html", {"status": status, "code": code, "message": message}, status)
        resp.headers.update(headers or {})
        return resp

    @app.exception_handler(errors.PolicyKGError)
    async def domain_error(request: Request, exc: errors.PolicyKGError) -> Response:
        return respond_error(request, status_of(exc), exc.code, exc.message, headers=error_headers(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        msgs = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path"))
            msgs.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return respond_error(request, 400, "bad_request", "; ".join(msgs) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such path: {request.url.path}"
        return respond_error(request, exc.status_code, code, message, headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return respond_error(request, 500, "internal", "internal server error")

    # --------------------------------------------------------------------- API
    api = APIRouter(prefix="/api", tags=["api"], responses=ERROR_RESPONSES)

    @api.get("/search", summary="Search over sentences (exact matches first), cited, paged, with facets",
             response_model_exclude_unset=True, response_model=schemas.SearchResponse, responses=CSV_RESPONSE,
             description="``q`` takes the query syntax of ``GET /api/search/syntax``: AND by space, "
                         "``\"phrase\"``, ``OR``, ``-exclude``, ``/s`` (same sentence), ``/p`` (same provision). "
                         "``offset``/``k`` page through ``total`` results; ``sort``: relevance | date; "
                         "``cutoff``: dense-score floor of the semantic tail (0–1, default 0.865); "
                         "``scope``: sentence | provision; ``format=csv``: the page as CSV. "
                         "With a ``year``, ``excluded.undated_documents`` counts the documents left out for having no date.")
    def api_search(q: str = "", k: str | None = None, level: str | None = None, doc: str | None = None,
                   place: str | None = None, year: str | None = None, type: str | None = None,
                   offset: str | None = None, sort: str | None = None, cutoff: str | None = None,
                   scope: str | None = None, fmt: str = FORMAT_QUERY) -> Any:
        res = kg.search(q, k=k, level=level, doc=doc, place=place, year=year, type=type, offset=offset,
                        sort=sort, cutoff=cutoff, scope=scope)
        return csv_response(*listing.search_table(res), "search") if fmt == "csv" else res

    @api.get("/search/syntax", summary="The query syntax of search, as text", response_class=PlainTextResponse)
    def api_search_syntax() -> str:
        return kg.search_help()

    @api.get("/precedent", summary="Precedents of a draft given in the query (``format=csv`` for CSV)",
             response_model_exclude_unset=True, response_model=schemas.PrecedentResponse, responses=CSV_RESPONSE)
    def api_precedent_get(text: str = "", k: str | None = None, fmt: str = FORMAT_QUERY) -> Any:
        """The JSON twin (and CSV export) of ``/precedent?text=…``: as ``POST /api/precedent``."""
        res = kg.precedent(text, k=k or None)
        return csv_response(*listing.precedent_table(res), "precedent") if fmt == "csv" else res

    @api.post("/precedent", summary="Closest existing sentences to a draft, with citation and diff",
              response_model_exclude_unset=True, response_model=schemas.PrecedentResponse)
    def api_precedent(body: PrecedentRequest) -> dict:
        """``{draft, results, reuse}``; a draft of several sentences adds ``parts`` (one entry per
        draft sentence with its offsets and ``k`` precedents)."""
        return kg.precedent(body.text, k=body.k)

    @api.get("/concept/{name}", summary="Where a concept appears, by level and place", response_model_exclude_unset=True,
             response_model=schemas.ConceptResponse, responses=CSV_RESPONSE)
    def api_concept(name: str, fmt: str = FORMAT_QUERY) -> Any:
        res = kg.concept(name)
        return csv_response(*listing.concept_table(res), "concept") if fmt == "csv" else res

    @api.get("/cascade", summary="Align an upper and a lower document", response_model_exclude_unset=True,
             response_model=schemas.CascadeResponse, responses=CSV_RESPONSE)
    def api_cascade(upper: str = "", lower: str = "", fmt: str = FORMAT_QUERY) -> Any:
        res = kg.cascade(upper, lower)
        return csv_response(*listing.cascade_table(res), "cascade") if fmt == "csv" else res

    def list_answer(kind: str, fmt: str, filters: dict[str, Any], sort: str | None, order: str | None,
                    offset: str | None, limit: str | None) -> Any:
        """A list endpoint's answer: every row (or the ``offset``/``limit`` window) sorted, as JSON or CSV;
        ``X-Total-Count`` counts the rows before the window."""
        res = kg.list_page(kind, sort=sort, order=order, offset=offset, limit=limit, everything=True, **filters)
        headers = {"X-Total-Count": str(res["total"])}
        for what, n in res["excluded"].items():
            headers[f"X-Excluded-{what.replace('_', '-').title()}"] = str(n)
        if fmt == "csv":
            return csv_response(*listing.list_table(kind, res["rows"]), kind, headers=headers)
        return JSONResponse(jsonable_encoder(res["rows"]), headers=headers)

    @api.get("/documents", summary="Every document's metadata (filter, sort, page, CSV)",
             response_model_exclude_unset=True, response_model=list[schemas.DocumentSummary], responses=CSV_RESPONSE,
             description=LIST_HELP.format(sorts=", ".join(listing.LISTS["documents"].sort_keys))
             + " ``year`` leaves out undated documents: ``X-Excluded-Undated-Documents`` counts them.")
    def api_documents(level: str | None = None, place: str | None = None, year: str | None = None,
                      sort: str | None = None, order: str | None = None, offset: str | None = None,
                      limit: str | None = None, fmt: str = FORMAT_QUERY) -> Any:
        return list_answer("documents", fmt, {"level": level, "place": place, "year": year}, sort, order, offset, limit)

    @api.get("/cascade/pairs", summary="Document pairs the cascade links (upper → lower)",
             response_model=list[dict[str, Any]],
             description="Pairs of corpus documents linked by a citation (applies, based on) or an inferred "
                         "applies, directly or through documents outside the corpus: the /cascade form's list.")
    def api_cascade_pairs() -> list[dict]:
        return kg.cascade_pairs()

    @api.get("/documents/{doc_id}", summary="One document: metadata, provisions, citations, chain",
             response_model_exclude_unset=True, response_model=schemas.DocumentDetail, responses=CSV_RESPONSE)
    def api_document(doc_id: str, offset: int = Query(0, ge=0, description="first provision of the page"),
                     limit: int = Query(MAX_PROVISIONS_PAGE, ge=1, le=MAX_PROVISIONS_PAGE,
                                        description="provisions per page"), fmt: str = FORMAT_QUERY) -> Any:
        """``format=csv``: every provision (id, number, heading, depth, text) as CSV."""
        if fmt == "csv":
            return csv_response(*listing.document_table(kg.document(doc_id)), "document")
        return kg.document(doc_id, offset=offset, limit=limit, max_limit=MAX_PROVISIONS_PAGE)

    @api.get("/entities", summary="Entities by type or name (sort, page, CSV)", response_model_exclude_unset=True,
             response_model=list[schemas.EntitySummary], responses=CSV_RESPONSE,
             description=LIST_HELP.format(sorts=", ".join(listing.LISTS["entities"].sort_keys)))
    def api_entities(type: str | None = None, q: str | None = None, sort: str | None = None,
                     order: str | None = None, offset: str | None = None, limit: str | None = None,
                     fmt: str = FORMAT_QUERY) -> Any:
        return list_answer("entities", fmt, {"type": type, "q": q}, sort, order, offset, limit)

    @api.get("/entities/{entity_id:path}", summary="One entity with its mentions by level",
             response_model_exclude_unset=True, response_model=schemas.EntityDetail, responses=CSV_RESPONSE)
    def api_entity(entity_id: str, fmt: str = FORMAT_QUERY) -> Any:
        """``format=csv``: every mention (level, document, provision, sentence) as CSV."""
        res = kg.entity(entity_id)
        return csv_response(*listing.entity_table(res), "entity") if fmt == "csv" else res

    @api.get("/targets", summary="Numeric targets, optionally for one indicator, document or level (sort, page, CSV)",
             response_model_exclude_unset=True, response_model=list[schemas.TargetRow], responses=CSV_RESPONSE,
             description=LIST_HELP.format(sorts=", ".join(listing.LISTS["targets"].sort_keys)))
    def api_targets(indicator: str | None = None, doc: str | None = None, level: str | None = None,
                    sort: str | None = None, order: str | None = None, offset: str | None = None,
                    limit: str | None = None, fmt: str = FORMAT_QUERY) -> Any:
        return list_answer("targets", fmt, {"indicator": indicator, "doc": doc, "level": level}, sort, order, offset, limit)

    @api.get("/facets", summary="Filter values over the corpus with counts", response_model_exclude_unset=True, response_model=schemas.Facets)
    def api_facets() -> dict:
        return kg.facets

    @api.get("/queries", summary="Example SPARQL queries", response_model_exclude_unset=True, response_model=list[schemas.ExampleQuery])
    def api_queries() -> list[dict]:
        return kg.example_queries()

    app.include_router(api)

    # ------------------------------------------------------------------- pages
    def warming_page(request: Request, name: str, ctx: dict[str, Any], exc: errors.WarmingUp) -> Response:
        """A page whose answer needs the search model while it loads: the form, the banner, a 503
        with ``Retry-After``; the page reloads itself when the model should be ready."""
        resp = page(request, name, {**ctx, "warming": True, "refresh": exc.retry_after}, 503)
        resp.headers.update(error_headers(exc))
        return resp

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, q: str = "", k: str | None = None, level: str | None = None,
             doc: str | None = None, place: str | None = None, year: str | None = None,
             type: str | None = None, offset: str | None = None, sort: str | None = None,
             cutoff: str | None = None, scope: str | None = None) -> Response:
        params = {"q": q, "k": k or "", "level": level or "", "doc": doc or "", "place": place or "",
                  "year": year or "", "type": type or "", "sort": sort or "", "cutoff": cutoff or "",
                  "scope": scope or ""}
        ctx: dict[str, Any] = {"params": params, "facets": kg.facets, "result": None, "form_error": None,
                               "syntax": kg.search_help(), "overview": None}
        status = 200
        if q.strip():
            try:
                ctx["result"] = kg.search(q, k=k, level=level or None, doc=doc or None, place=place or None,
                                          year=year or None, type=type or None, offset=offset, sort=sort or None,
                                          cutoff=cutoff or None, scope=scope or None)
                ctx["exports"] = export_urls("/api/search", {**params, "offset": offset or ""}, keep_paging=True)
            except errors.WarmingUp as exc:
                return warming_page(request, "search.html", ctx, exc)
            except errors.BadRequest as exc:
                ctx["form_error"], status = exc.message, 400
        else:
            ctx["overview"] = kg.overview()
        return page(request, "search.html", ctx, status)

    def list_page(request: Request, kind: str, template: str, api_path: str, filters: dict[str, str]) -> Response:
        """A list page: one sorted page of rows, filters, pager, and its JSON / CSV exports."""
        qp = request.query_params
        params = {**filters, "sort": qp.get("sort", ""), "order": qp.get("order", ""),
                  "offset": qp.get("offset", ""), "limit": qp.get("limit", "")}
        res = kg.list_page(kind, sort=params["sort"], order=params["order"], offset=params["offset"],
                           limit=params["limit"], **{k: v or None for k, v in filters.items()})
        return page(request, template, {"listing": res, "params": params, "path": request.url.path,
                                        "facets": kg.facets, "exports": export_urls(api_path, params)})

    @app.get("/documents", response_class=HTMLResponse, include_in_schema=False)
    def documents_page(request: Request, level: str = "", place: str = "", year: str = "") -> Response:
        return list_page(request, "documents", "documents.html", "/api/documents",
                         {"level": level, "place": place, "year": year})

    @app.get("/targets", response_class=HTMLResponse, include_in_schema=False)
    def targets_page(request: Request, indicator: str = "", doc: str = "", level: str = "") -> Response:
        return list_page(request, "targets", "targets.html", "/api/targets",
                         {"indicator": indicator, "doc": doc, "level": level})

    @app.get("/doc/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def doc_page(request: Request, doc_id: str) -> Response:
        doc = kg.document(doc_id)
        return page(request, "doc.html", {"doc": doc, "documents": kg.documents(),
                                          "permalink": permalink_of(kg.document_iri(doc["id"])),
                                          "exports": export_urls(f"/api/documents/{doc['id']}", {})})

    @app.get("/entities", response_class=HTMLResponse, include_in_schema=False)
    def entities_page(request: Request, type: str = "", q: str = "") -> Response:
        return list_page(request, "entities", "entities.html", "/api/entities", {"type": type, "q": q})

    @app.get("/entity/{entity_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(request: Request, entity_id: str) -> Response:
        e = kg.entity(entity_id)
        return page(request, "entity.html", {"e": e, "permalink": permalink_of(entity_iri(e["id"])),
                                             "exports": export_urls("/api/entities/" + quote(e["id"], safe=":"), {})})

    @app.get("/cascade", response_class=HTMLResponse, include_in_schema=False)
    def cascade_page(request: Request, upper: str = "", lower: str = "") -> Response:
        linked = kg.cascade_pairs()
        docs = kg.documents()
        ctx: dict[str, Any] = {"documents": docs, "upper": upper, "lower": lower, "c": None, "linked": linked}
        if upper or lower:
            ctx["c"] = kg.cascade(upper, lower)
            ctx["exports"] = export_urls("/api/cascade", {"upper": upper, "lower": lower})
        elif linked or len(docs) > 1:  # the empty form proposes a linked pair, never one document twice
            first = linked[0] if linked else {"upper": docs[0]["id"], "lower": docs[1]["id"]}
            ctx["upper"], ctx["lower"] = first["upper"], first["lower"]
        return page(request, "cascade.html", ctx)

    @app.api_route("/precedent", methods=["GET", "POST"], response_class=HTMLResponse, include_in_schema=False)
    async def precedent_page(request: Request) -> Response:
        if request.method == "POST":
            form = await request.form()
            text, k = str(form.get("text", "")), str(form.get("k", "") or "")
        else:
            text, k = request.query_params.get("text", ""), request.query_params.get("k", "")
        ctx: dict[str, Any] = {"text": text, "k": k, "result": None, "form_error": None}
        status = 200
        if text.strip() or request.method == "POST":
            from starlette.concurrency import run_in_threadpool

            try:
                ctx["result"] = await run_in_threadpool(kg.precedent, text, k or None)
                ctx["exports"] = export_urls("/api/precedent", {"text": text.strip(), "k": k}, keep_paging=True)
            except errors.WarmingUp as exc:
                return warming_page(request, "precedent.html", ctx, exc)
            except errors.BadRequest as exc:
                ctx["form_error"], status = exc.message, 400
        return page(request, "precedent.html", ctx, status)

    @app.get("/concept", response_class=HTMLResponse, include_in_schema=False)
    def concept_page(request: Request, name: str = "") -> Response:
        ctx: dict[str, Any] = {"name": name, "c": None}
        if name.strip():
            try:
                ctx["c"] = kg.concept(name)
            except errors.WarmingUp as exc:
                return warming_page(request, "concept.html", ctx, exc)
            ctx["exports"] = export_urls(f"/api/concept/{quote(name.strip(), safe='')}", {})
        return page(request, "concept.html", ctx)

    # -------------------------------------------------------------- permalinks
    @app.get("/id/{path:path}", include_in_schema=False)
    def permalink(path: str) -> RedirectResponse:
        """A graph IRI ``https://w3id.org/policykg/{path}`` → its page (303 See Other): documents,
        provisions, sentences and entities. w3id.org forwards ``/policykg/*`` here."""
        return RedirectResponse(kg.page_of_iri(f"{IRI_BASE}/{path}"), status_code=303)

    @app.get("/iri", include_in_schema=False)
    def iri_page(u: str = "") -> RedirectResponse:
        """Any graph IRI given whole (``/iri?u=...``, as the SPARQL results link them) → its page."""
        return RedirectResponse(kg.page_of_iri(u), status_code=303)

    # ------------------------------------------------------------------ SPARQL
    @app.api_route("/sparql", methods=SPARQL_METHODS, include_in_schema=False)
    async def sparql(request: Request) -> Response:
        accept = request.headers.get("accept", "")
        if (request.method == "GET" and "query" not in request.query_params
                and "text/html" in accept):
            examples = [{**q, "query": render.with_prefixes(q["query"], PREFIXES)} for q in kg.example_queries()]
            return page(request, "sparql.html", {"examples": examples})
        return await sparql_endpoint(request, kg, sparql_config)

    # -------------------------------------------------------------------- docs
    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return with_inline_script_hashes(get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="policykg API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None, "defaultModelsExpandDepth": 0},
        ))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg")

    return app
