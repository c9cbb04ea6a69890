"""The JSON API, version 1: /api/v1/search, /export, /suggest, /records/{id}, /healthz, /openapi.json."""
from __future__ import annotations


import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api import openapi, params as P, records
from api.enrich import EnrichContext, enrich
from api.errors import BadRequest, NotFound, Unavailable
from api.runtime import JSON, Runtime, lang, request_id
from query import suggest as suggestions
from query.export import export_hits


async def run_search(rt: Runtime, request: Request, *, library: str | None = None, size: int | None = None) -> dict:
    """Search (with enrichment) for the API and the site alike."""
    search_request = P.search_request(request.query_params, library=library, size=size)
    result = await rt.searcher.search(search_request)
    rid = request_id(request)
    result["request_id"] = rid
    await enrich(rt.enrichers, result["hits"], EnrichContext(rid, search_request.library, result["scope"],
                                                             lang(request), rt.registry))
    return result


def routes(rt: Runtime):
    async def search(request: Request) -> Response:
        return JSON(await run_search(rt, request))

    async def export(request: Request) -> Response:
        search_request = P.search_request(request.query_params, size=1)
        limit = P.value(request.query_params, P.LIMIT)
        if rt.exports_running >= rt.limits.export_concurrency:
            raise Unavailable("too many exports running; try again in a minute")
        target = await rt.searcher.target()
        body, state = rt.searcher.body(search_request, target)
        if not state.target.collections:
            raise Unavailable("no index to search yet")

        async def lines():
            rt.exports_running += 1
            try:
                async for hit in export_hits(rt.client, state.target.indices(), body, state, limit):
                    yield orjson.dumps(hit) + b"\n"
            finally:
                rt.exports_running -= 1

        return StreamingResponse(lines(), media_type="application/x-ndjson",
                                 headers={"Content-Disposition": 'attachment; filename="yidu-export.ndjson"'})

    async def suggest(request: Request) -> Response:
        prefix = P.value(request.query_params, P.PREFIX) or ""
        size = P.value(request.query_params, P.SUGGEST[2])
        P.library_code(request.query_params)  # validated; suggestions are not scoped yet
        body = suggestions.autocomplete_body(prefix, size)
        target = await rt.searcher.target()
        if body is None or "catalog" not in target.collections:
            return JSON({"q": prefix, "suggestions": []})
        raw = (await rt.client.search(index=target.alias("catalog"), body=body)).body
        return JSON({"q": prefix, "suggestions": suggestions.shape_autocomplete(prefix, raw, size)})

    async def record(request: Request) -> Response:
        return JSON(await load_record(rt, request.path_params["id"], P.library_code(request.query_params)))

    async def source(request: Request) -> Response:
        found = await load_record(rt, request.path_params["id"])
        fmt = P.value(request.query_params, P.SOURCE_FORMAT)
        library, control = request.path_params["library"], request.path_params["control"]
        if not P.LIBRARY_RE.fullmatch(library) or not records.CONTROL_RE.fullmatch(control):
            raise BadRequest("library or control number malformed")
        data, media = await run_in_threadpool(records.source_marc, rt.record_store, found, library, control, fmt)
        return Response(data, media_type=media)

    async def healthz(request: Request) -> Response:
        try:
            health = (await rt.client.cluster.health(timeout="2s")).body
        except Exception as exc:  # noqa: BLE001 - health reports any failure as unavailable
            return JSON({"status": "unavailable", "elasticsearch": str(exc)[:200]}, status_code=503)
        status = health["status"]
        target = await rt.searcher.target()
        ok = status in ("green", "yellow")
        return JSON({"status": "ok" if ok else "degraded", "elasticsearch": status,
                     "collections": list(target.collections)}, status_code=200 if ok else 503)

    async def spec(request: Request) -> Response:
        return JSON(openapi.document(mounted=openapi.mounted_routes(request.app.routes)))

    return [("/api/v1/search", search), ("/api/v1/export", export), ("/api/v1/suggest", suggest),
            ("/api/v1/records/{id}", record), ("/api/v1/records/{id}/sources/{library}/{control}", source),
            ("/api/v1/healthz", healthz), ("/healthz", healthz), ("/api/v1/openapi.json", spec),
            ("/openapi.json", spec)]


async def load_record(rt: Runtime, record_id: str, library: str | None = None) -> dict:
    records.check_id(record_id)
    target = await rt.searcher.target()
    hit = await records.fetch(rt.client, target, record_id)
    if hit is None:
        raise NotFound(f"no record {record_id}")
    return records.view(hit, rt.registry, library)
