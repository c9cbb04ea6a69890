"""Knowledge-base maintenance over HTTP, for librarians (the "librarian column") and operators.

Every route needs `Authorization: Bearer <token>` (tokens from `yidu kb token create`; stored hashed):
401 without a valid token, 403 when a library's token touches another library or a library token
tries an admin operation. Bodies are KBART (tab-separated) or holdings CSV bytes, or small JSON.

  GET    /api/v1/kb/status                                      any token
  PUT    /api/v1/kb/packages/{name}           KBART body        admin   (load / replace a package)
  DELETE /api/v1/kb/packages/{name}                             admin
  GET    /api/v1/kb/packages/{name}/problems                    any token
  GET    /api/v1/kb/libraries/{code}/subscriptions              that library or admin
  PUT    /api/v1/kb/libraries/{code}/subscriptions/{package}   {"from": "YYYY-MM-DD", "until": ...}
  DELETE /api/v1/kb/libraries/{code}/subscriptions/{package}
  GET    /api/v1/kb/libraries/{code}/holdings
  PUT    /api/v1/kb/libraries/{code}/holdings     CSV body      (replaces the library's uploaded holdings)
  POST   /api/v1/kb/holdings/from-catalog                       admin   (re-derive from MARC 866)
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.runtime import JSON, request_id as runtime_request_id
from linkresolver.errors import BadRequest, LinkResolverError, NotFound
from linkresolver.kb import KnowledgeBase
from linkresolver.tokens import Principal

MAX_UPLOAD = 64 * 1024 * 1024




Handler = Callable[[Request, Principal, str], Awaitable[Any]]


def routes(services, *, kb: KnowledgeBase | None = None) -> list[Route]:
    from linkresolver.wiring import knowledge_base

    the_kb = kb or knowledge_base(services)
    record_store = services.settings.record_store

    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            request_id = runtime_request_id(request)
            headers = {"X-Request-Id": request_id}
            try:
                principal = await run_in_threadpool(the_kb.authenticate, request.headers.get("authorization"))
                result = await handler(request, principal, request_id)
            except LinkResolverError as exc:
                status = exc.status
                extra = {"problems": list(exc.problems)} if getattr(exc, "problems", None) else {}
                return JSON({"error": exc.message, "request_id": request_id, **extra}, status_code=status,
                            headers=headers | ({"WWW-Authenticate": "Bearer"} if status == 401 else {}))
            body = result if isinstance(result, dict) else {"result": result}
            body["request_id"] = request_id
            return JSON(body, headers=headers)
        return run

    async def changed() -> None:
        await run_in_threadpool(the_kb.refresh)

    async def status(request: Request, who: Principal, rid: str) -> dict:
        return await run_in_threadpool(the_kb.status)

    async def put_package(request: Request, who: Principal, rid: str) -> dict:
        who.require_admin("loading a package")
        name = request.path_params["name"]
        data = await _body(request)
        report = await run_in_threadpool(the_kb.load_kbart, data, name, source=f"upload:{name}")
        await changed()
        return report.to_dict()

    async def delete_package(request: Request, who: Principal, rid: str) -> dict:
        who.require_admin("deleting a package")
        await run_in_threadpool(the_kb.delete_package, request.path_params["name"])
        await changed()
        return {"deleted": request.path_params["name"]}

    async def package_problems(request: Request, who: Principal, rid: str) -> dict:
        name = request.path_params["name"]
        if the_kb.store.package_id(name) is None:
            raise NotFound(f"no package named {name!r}", ref=name)
        return {"package": name, "problems": the_kb.store.package_problems(name)}

    async def list_subscriptions(request: Request, who: Principal, rid: str) -> dict:
        code = request.path_params["code"]
        who.require_library(code)
        return {"library": code, "subscriptions": the_kb.subscriptions(code)}

    async def put_subscription(request: Request, who: Principal, rid: str) -> dict:
        code, package = request.path_params["code"], request.path_params["package"]
        who.require_library(code)
        body = await _json(request)
        result = await run_in_threadpool(lambda: the_kb.subscribe(code, package, start=body.get("from"),
                                                                  until=body.get("until")))
        await changed()
        return result

    async def delete_subscription(request: Request, who: Principal, rid: str) -> dict:
        code, package = request.path_params["code"], request.path_params["package"]
        who.require_library(code)
        await run_in_threadpool(the_kb.unsubscribe, code, package)
        await changed()
        return {"library": code, "unsubscribed": package}

    async def get_holdings(request: Request, who: Principal, rid: str) -> dict:
        code = request.path_params["code"]
        who.require_library(code)
        return {"library": code, "holdings": await run_in_threadpool(the_kb.holdings, code)}

    async def put_holdings(request: Request, who: Principal, rid: str) -> dict:
        code = request.path_params["code"]
        who.require_library(code)
        data = await _body(request)
        report = await run_in_threadpool(the_kb.load_holdings, data, code, source=f"upload:{code}")
        await changed()
        return report.to_dict()

    async def from_catalog(request: Request, who: Principal, rid: str) -> dict:
        who.require_admin("re-deriving print holdings from the catalogue")
        report = await run_in_threadpool(the_kb.holdings_from_catalog, record_store)
        await changed()
        return report.to_dict()

    base = "/api/v1/kb"
    return [
        Route(f"{base}/status", endpoint(status), methods=["GET"]),
        Route(f"{base}/packages/{{name}}", endpoint(put_package), methods=["PUT", "POST"]),
        Route(f"{base}/packages/{{name}}", endpoint(delete_package), methods=["DELETE"]),
        Route(f"{base}/packages/{{name}}/problems", endpoint(package_problems), methods=["GET"]),
        Route(f"{base}/libraries/{{code}}/subscriptions", endpoint(list_subscriptions), methods=["GET"]),
        Route(f"{base}/libraries/{{code}}/subscriptions/{{package}}", endpoint(put_subscription), methods=["PUT"]),
        Route(f"{base}/libraries/{{code}}/subscriptions/{{package}}", endpoint(delete_subscription),
              methods=["DELETE"]),
        Route(f"{base}/libraries/{{code}}/holdings", endpoint(get_holdings), methods=["GET"]),
        Route(f"{base}/libraries/{{code}}/holdings", endpoint(put_holdings), methods=["PUT", "POST"]),
        Route(f"{base}/holdings/from-catalog", endpoint(from_catalog), methods=["POST"]),
    ]


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD:
        raise BadRequest(f"upload of {declared} bytes exceeds the {MAX_UPLOAD // 2**20} MB limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise BadRequest(f"upload exceeds the {MAX_UPLOAD // 2**20} MB limit")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data.strip():
        raise BadRequest("empty body: send the file's bytes as the request body")
    return data


async def _json(request: Request) -> dict:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object like {\"from\": \"2024-01-01\", \"until\": null}")
    unknown = set(body) - {"from", "until"}
    if unknown:
        raise BadRequest(f"unknown fields {sorted(unknown)}; expected from, until")
    for key in ("from", "until"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise BadRequest(f"{key} must be a date string (YYYY-MM-DD) or null")
    return body
