"""The web application: the search API under /api/v1 (and, later, the results site).

The app is built by `create_app(services)` from explicit objects; nothing here reads the environment.
Elasticsearch is reached through the async client so a slow search never blocks the event loop.
"""
from __future__ import annotations

import html
import uuid
from typing import Any

import orjson
from elasticsearch import AsyncElasticsearch, NotFoundError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from query.errors import QueryError
from query.request import SearchRequest
from query.search import Searcher, shape
from yidu import es
from yidu.services import Services


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _error(status: int, message: str, request_id: str) -> JSON:
    return JSON({"error": message, "request_id": request_id}, status_code=status, headers={"X-Request-Id": request_id})


def _int(params, name: str, default: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"parameter {name!r} must be an integer, got {raw[:40]!r}") from None


def search_request(params) -> SearchRequest:
    return SearchRequest(q=params.get("q", ""), library=params.get("library") or None,
                         scope=params.get("scope") or None, page=_int(params, "page", 1),
                         size=_int(params, "size", 10))


def create_app(services: Services, *, client: AsyncElasticsearch | None = None) -> Starlette:
    aclient = client or es.async_client(services.settings.es)
    searcher = Searcher(services.client, services.registry, [services.settings.index.alias("catalog")])

    async def search(request: Request) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        try:
            body, state = searcher.body(search_request(request.query_params))
            raw = await aclient.search(index=",".join(searcher.indices), body=body)
        except QueryError as exc:
            return _error(400, str(exc), request_id)
        except NotFoundError:
            return _error(503, "no index to search yet: load data first", request_id)
        result = shape(raw.body, state)
        result["request_id"] = request_id
        return JSON(result, headers={"X-Request-Id": request_id})

    async def healthz(request: Request) -> Response:
        try:
            health = await aclient.cluster.health(timeout="2s")
            status = health["status"]
        except Exception as exc:  # noqa: BLE001 - health reports any failure as unavailable
            return JSON({"status": "unavailable", "elasticsearch": str(exc)[:200]}, status_code=503)
        return JSON({"status": "ok" if status in ("green", "yellow") else "degraded", "elasticsearch": status},
                    status_code=200 if status in ("green", "yellow") else 503)

    async def home(request: Request) -> Response:
        q = html.escape(request.query_params.get("q", ""))
        return HTMLResponse(
            "<!doctype html><meta charset=utf-8><title>yidu</title>"
            f"<form action=/api/v1/search><input name=q value=\"{q}\" autofocus>"
            "<input name=library placeholder=library><button>搜索 Search</button></form>")

    async def closing() -> None:
        await aclient.close()

    return Starlette(
        routes=[Route("/", home), Route("/api/v1/search", search), Route("/healthz", healthz),
                Route("/api/v1/healthz", healthz)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"]),
                    Middleware(GZipMiddleware, minimum_size=1000)],
        on_shutdown=[closing],
    )
