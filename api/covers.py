"""Book covers over HTTP.

  GET /covers/{isbn}.jpg | .png    public: the cover a library or feed supplied, else a generated one
  PUT /api/v1/covers/{isbn}        API key: a library supplies a JPEG or PNG cover (body: the image)

The GET is public on purpose: OPAC pages embed it as <img src>, which cannot send an X-Api-Key header,
and a key written into every page's HTML would be public anyway; a cover shows nothing the public
search does not. Its cost is bounded by caching: ETag with 304 on If-None-Match and Cache-Control for
browsers and proxies, the generated-cover cache (api.covergen) here. An upload changes what every
reader sees, so it needs a key (and counts against the key's rate).

Supplied covers are served as stored, whatever extension was asked for (Content-Type says which it
is); generated ones are drawn in the format asked for, for any valid ISBN - one the union catalogue
does not know gets a cover showing its ISBN, so an OPAC's page never shows a broken image.
"""
from __future__ import annotations

import re
import weakref

from elasticsearch import AsyncElasticsearch
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api import covergen, params as P
from api.coverstore import MAX_BYTES, CoverError, CoverStore, etag_of
from api.errors import BadRequest, PayloadTooLarge
from api.gate import Gate, guarded
from api.runtime import JSON

SUPPLIED_MAX_AGE, GENERATED_MAX_AGE = 86400, 3600  # a generated cover may be replaced by a supplied one
_FILE = re.compile(r"(?P<isbn>[0-9Xx-]{10,17})\.(?P<ext>jpg|jpeg|png)")
_stores: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def store_for(services) -> CoverStore:
    store = _stores.get(services)
    if store is None:
        store = _stores[services] = CoverStore.for_settings(services.settings)
    return store


def cover_fields(store: CoverStore, isbn: str) -> dict:
    """The cover part of an enrichment response (a site-absolute URL)."""
    media = store.media(isbn)
    ext = {"image/jpeg": "jpg", "image/png": "png"}.get(media, "png")
    return {"cover_url": f"/covers/{isbn}.{ext}", "cover_generated": media is None}


async def book_label(client: AsyncElasticsearch, catalog: str, isbn: str) -> tuple[str, str, str]:
    """(title, first authors, romanised title) of the most widely held record with `isbn`."""
    body = {"query": {"term": {"isbn": isbn}}, "size": 1, "sort": [{"holding_count": "desc"}],
            "_source": ["title", "authors", "title_romanized", "responsibility"]}
    hits = (await client.search(index=catalog, body=body, ignore_unavailable=True))["hits"]["hits"]
    if not hits:
        return "", "", ""
    src = hits[0]["_source"]
    authors = "; ".join((src.get("authors") or [])[:3]) or src.get("responsibility") or ""
    return src.get("title") or "", authors, src.get("title_romanized") or ""


def routes(services, gate: Gate, client: AsyncElasticsearch | None = None) -> list[Route]:
    store = store_for(services)
    catalog = services.settings.index.alias("catalog")

    async def get_cover(request: Request) -> Response:
        match = _FILE.fullmatch(request.path_params["file"])
        if not match:
            raise BadRequest("covers are /covers/<ISBN>.jpg or /covers/<ISBN>.png")
        isbn, fmt = P.isbn(match["isbn"]), "png" if match["ext"] == "png" else "jpeg"
        supplied = await run_in_threadpool(store.get, isbn)
        if supplied is not None:
            return _image(request, supplied.data, supplied.media, supplied.etag, SUPPLIED_MAX_AGE)
        aclient = client or request.app.state.runtime.client
        title, author, alt = await book_label(aclient, catalog, isbn)
        data = await run_in_threadpool(covergen.cover, title, author, isbn, fmt, alt)
        return _image(request, data, f"image/{fmt}", etag_of(data), GENERATED_MAX_AGE)

    async def put_cover(request: Request) -> Response:
        key = await gate(request)
        isbn = P.isbn(request.path_params["isbn"])
        data = await _body(request)
        existed = await run_in_threadpool(store.media, isbn) is not None
        try:
            cover = await run_in_threadpool(lambda: store.put(isbn, data, source=f"{key.library} (key {key.id})"))
        except CoverError as exc:
            raise (PayloadTooLarge if exc.status == 413 else BadRequest)(exc.message) from None
        body = {**cover.describe(), "url": f"/covers/{isbn}.{cover.extension}", "replaced": existed}
        return JSON(body, status_code=200 if existed else 201, headers={"ETag": cover.etag})

    return [Route("/covers/{file}", guarded(get_cover), methods=["GET", "HEAD"]),
            Route("/api/v1/covers/{isbn}", guarded(put_cover), methods=["PUT"])]


def _image(request: Request, data: bytes, media: str, etag: str, max_age: int) -> Response:
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media, headers=headers)


def _matches(header: str | None, etag: str) -> bool:
    tags = [t.strip() for t in (header or "").split(",") if t.strip()]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise PayloadTooLarge(f"upload of {declared} bytes exceeds the {MAX_BYTES // 1024} KB limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            raise PayloadTooLarge(f"upload exceeds the {MAX_BYTES // 1024} KB limit")
        chunks.append(chunk)
    return b"".join(chunks)

