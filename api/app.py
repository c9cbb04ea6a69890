"""The web application: the search API under /api/v1, the results site, and the embeddable search box.

The app is built by `create_app(services, ...)` from explicit objects; nothing here reads the environment.
Elasticsearch is reached through the async client so a slow search never blocks the event loop.

Cross-cutting behaviour, in the order a request meets it:
  RequestId   X-Request-Id in (if sane) or a new one; echoed on every response; one log line per request
  CORS        open for GET, so a library's homepage can call /api/v1/suggest from its own origin
  GZip        responses over 1 kB
  errors      user input -> 400 {error, request_id}; missing index/cluster -> 503; anything else -> 500 with
              the request id (and the traceback in the log) - never a 500 for user input
"""
from __future__ import annotations

import contextlib
import logging
import time
from typing import Sequence

from elasticsearch import AsyncElasticsearch, BadRequestError, ConnectionError as EsConnectionError, NotFoundError
from elastic_transport import TransportError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api import site, v1
from api.enrich import HitEnricher
from api.errors import ApiError, BadRequest, NotFound, Unavailable
from api.runtime import JSON, Limits, Runtime, accept_request_id, request_id
from query.collections import Targets
from query.errors import QueryError, SearchUnavailable
from query.search import AsyncSearcher
from yidu import es
from yidu.libraries import RegistryError
from yidu.services import Services

log = logging.getLogger("yidu.api")


class RequestId:
    """Pure ASGI middleware: a request id for every request, in and out, and an access log line."""

    def __init__(self, app, limits: Limits):
        self.app = app
        self.limits = limits

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = accept_request_id(given)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = {"code": 0}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in headers):
                    headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        if len(scope.get("query_string", b"")) > self.limits.max_query_string:
            response = _json_error(414, f"query string longer than {self.limits.max_query_string} bytes", rid)
            await response(scope, receive, send_with_id)
        else:
            await self.app(scope, receive, send_with_id)
        log.info("%s %s %s %d %.1fms", rid, scope["method"], scope["path"], status["code"],
                 (time.perf_counter() - started) * 1000)


def _json_error(status: int, message: str, rid: str) -> Response:
    return JSON({"error": message, "request_id": rid}, status_code=status, headers={"X-Request-Id": rid})


def create_app(services: Services, *, client: AsyncElasticsearch | None = None,
               hit_enrichers: Sequence[HitEnricher] = (), limits: Limits | None = None,
               routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The site and API over `services` (settings, registry). `hit_enrichers` add fields to every result
    page's hits (see api.enrich); `routes` mounts other packages' routes beside ours (the link resolver's
    api.resolver and api.kb, for one); `client` replaces the async client built from the settings."""
    settings = services.settings
    aclient = client or es.async_client(settings.es)
    targets = Targets(settings.index)
    limits = limits or Limits()
    rt = Runtime(client=aclient, registry=services.registry, targets=targets,
                 searcher=AsyncSearcher(aclient, services.registry, targets), record_store=settings.record_store,
                 enrichers=tuple(hit_enrichers), limits=limits)
    env = site.environment()
    render, site_routes = site.routes(rt, env)

    def error(request: Request, status: int, message: str) -> Response:
        rid = request_id(request)
        if request.url.path.startswith(("/api/", "/healthz", "/openapi")):
            return _json_error(status, message, rid)
        response = render(request, "error.html", status=status, status_code=status, message=message)
        response.headers["X-Request-Id"] = rid
        return response

    async def on_api_error(request: Request, exc: ApiError) -> Response:
        return error(request, exc.status, exc.message)

    async def on_query_error(request: Request, exc: QueryError) -> Response:
        return error(request, 400, exc.message)

    async def on_registry_error(request: Request, exc: RegistryError) -> Response:
        return error(request, 400, exc.message)

    async def on_unavailable(request: Request, exc: Exception) -> Response:
        log.warning("%s search unavailable: %s", request_id(request), exc)
        return error(request, 503, "search is unavailable right now; try again shortly")

    async def on_es_bad_request(request: Request, exc: BadRequestError) -> Response:
        # a request Elasticsearch refused is about what was asked (too many terms, ...): say so, log the detail
        log.warning("%s elasticsearch refused the request: %s", request_id(request), exc)
        return error(request, 400, "the search could not be run as asked; simplify the query")

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return error(request, 404, str(getattr(exc, "message", "")) or "not found")

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("%s unhandled error", request_id(request), exc_info=exc)
        return error(request, 500, "internal error; quote the request id when reporting it")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await aclient.close()

    own = [Route(path, handler) for path, handler in [*v1.routes(rt), *site_routes]]
    own += [*routes, Mount("/static", StaticFiles(directory=str(site.STATIC)), name="static")]
    app = Starlette(
        routes=own,
        middleware=[
            Middleware(RequestId, limits=limits),
            Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"], allow_headers=["X-Request-Id"],
                       expose_headers=["X-Request-Id"]),
            Middleware(GZipMiddleware, minimum_size=1000),
        ],
        exception_handlers={
            ApiError: on_api_error, QueryError: on_query_error, RegistryError: on_registry_error,
            SearchUnavailable: on_unavailable, Unavailable: on_api_error, NotFoundError: on_unavailable,
            EsConnectionError: on_unavailable, TransportError: on_unavailable, BadRequestError: on_es_bad_request,
            404: lambda request, exc: error(request, 404, "not found"),
            405: lambda request, exc: error(request, 405, "method not allowed"),
            Exception: on_crash,
        },
        lifespan=lifespan,
    )
    app.state.runtime = rt
    return app


def create_service_app(services: Services, **options) -> Starlette:
    """The app `yidu serve` runs: search site and API, plus the link resolver (/openurl, /api/v1/resolve),
    the knowledge-base API, the enrichment API and covers, and every hit's availability for the reader's
    library."""
    from api import enrichment, kb as kb_api, resolver as resolver_api
    from linkresolver.availability import enricher
    from linkresolver.wiring import knowledge_base

    extra = [*resolver_api.routes(services), *kb_api.routes(services), *options.pop("routes", ())]
    extra += enrichment.routes(services)  # the OPACs' enrichment API and covers (API keys: api.gate)
    enrichers = [enricher(knowledge_base(services), registry=services.registry), *options.pop("hit_enrichers", ())]
    return create_app(services, routes=extra, hit_enrichers=enrichers, **options)


__all__ = ["create_app", "create_service_app", "BadRequest", "NotFound"]
