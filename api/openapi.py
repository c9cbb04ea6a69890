"""The OpenAPI document, generated from the same parameter declarations the handlers validate with
(api.params), so what it says is what the API does."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api import params as P

ERROR = {"type": "object", "required": ["error", "request_id"],
         "properties": {"error": {"type": "string"}, "request_id": {"type": "string"}}}
HOLDING = {"type": "object", "properties": {
    "library": {"type": "string"}, "copies": {"type": "integer"}, "call_numbers": {"type": "array", "items": {"type": "string"}},
    "locations": {"type": "array", "items": {"type": "string"}}, "control_numbers": {"type": "array", "items": {"type": "string"}}}}
STRINGS = {"type": "array", "items": {"type": "string"}}
HIT = {"type": "object", "required": ["id", "type", "title", "authors", "year", "isbn", "source_ids", "holdings"],
       "properties": {
           "id": {"type": "string"}, "collection": {"type": "string", "enum": ["catalog", "articles", "theses"]},
           "type": {"type": "string", "description": "book, ebook, serial, ancient, ..., article, thesis"},
           "title": {"type": "string"}, "subtitle": {"type": ["string", "null"]}, "authors": STRINGS,
           "year": {"type": ["integer", "null"]}, "isbn": STRINGS, "issn": STRINGS, "publisher": STRINGS,
           "source_ids": STRINGS, "holdings": {"type": "array", "items": HOLDING},
           "holding_count": {"type": "integer"}, "language": STRINGS, "score": {"type": ["number", "null"]},
           "highlight": {"type": "object", "description": "HTML-escaped display values with <mark> around matches",
                         "properties": {"title": {"type": "string"}, "subtitle": {"type": "string"},
                                        "authors": STRINGS}},
           "availability": {"description": "set by hit enrichers: {label, url} or a list of them"}}}
BUCKET = {"type": "object", "properties": {"value": {"type": "string"}, "count": {"type": "integer"},
                                           "label": {"type": "string"}, "label_en": {"type": "string"},
                                           "selected": {"type": "boolean"}}}
SEARCH_RESULT = {"type": "object", "required": ["total", "scope", "scopes", "hits", "facets", "took_ms", "query_echo"],
                 "properties": {
                     "total": {"type": "integer", "description": "hits in the chosen scope with the selected facets"},
                     "scope": {"type": "string", "enum": list(P.SCOPE.enum)},
                     "widened_from": {"type": "string", "description": "the chosen scope had no hit; `scope` was searched"},
                     "scopes": {"type": "object", "additionalProperties": {"type": "integer"},
                                "description": "level -> hits, with the selected facets applied"},
                     "hits": {"type": "array", "items": HIT},
                     "facets": {"type": "object", "additionalProperties": {"type": "array", "items": BUCKET}},
                     "did_you_mean": {"type": "string"}, "took_ms": {"type": "integer"},
                     "elapsed_ms": {"type": "number"}, "page": {"type": "integer"}, "size": {"type": "integer"},
                     "sort": {"type": "string"}, "query_echo": {"type": "object"}, "request_id": {"type": "string"}}}
SUGGESTIONS = {"type": "object", "properties": {"q": {"type": "string"}, "suggestions": {"type": "array", "items": {
    "type": "object", "properties": {"text": {"type": "string"}, "kind": {"type": "string", "enum": ["title", "author", "subject"]},
                                     "id": {"type": "string"}}}}}}


OBJECT = {"type": "object"}
KEYED = (400, 401, 403, 404, 429)  # an API key's answers: bad value, no key, wrong address, unknown, rate limit
ADMIN = (400, 401, 403, 404)
STATUS_TEXT = {400: "bad parameter or body", 401: "no or unknown credentials", 403: "credentials not valid here",
               404: "not found", 413: "body too large", 429: "rate limit: see Retry-After",
               503: "search unavailable"}


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    params: tuple[P.Param, ...]
    schema: dict[str, Any]
    media: str = "application/json"
    errors: tuple[int, ...] = (400, 503)
    method: str = "get"
    auth: str | None = None  # "apiKey" (X-Api-Key, the OPACs) or "token" (Bearer, knowledge-base staff)
    body: str | None = None  # media type of the request body


def _kb(path: str, method: str, summary: str, body: str | None = None) -> Endpoint:
    params = tuple(P.Param(name, name, location="path") for name in ("name", "code", "package") if f"{{{name}}}" in path)
    return Endpoint(f"/api/v1/kb{path}", summary, params, OBJECT, errors=ADMIN, method=method, auth="token", body=body)


ENDPOINTS = (
    Endpoint("/api/v1/search", "Search the catalogue, articles and theses in one scope, with every scope's count "
             "and facets", P.SEARCH, SEARCH_RESULT),
    Endpoint("/api/v1/export", "Every hit of a search as NDJSON (one hit per line), past the paging limit",
             P.EXPORT, HIT, "application/x-ndjson"),
    Endpoint("/api/v1/suggest", "Autocomplete: titles, names and subjects (Chinese, pinyin, initials)",
             P.SUGGEST, SUGGESTIONS),
    Endpoint("/api/v1/records/{id}", "A record with every holding library (place, shelf-status link) and its sources",
             P.RECORD, {"type": "object"}, errors=(400, 404, 503)),
    Endpoint("/api/v1/records/{id}/sources/{library}/{control}", "One member library's original MARC record",
             (P.RECORD_ID, P.Param("library", "library code", location="path"),
              P.Param("control", "control number (001)", location="path"), P.SOURCE_FORMAT),
             {"type": "string"}, "application/marcxml+xml", errors=(400, 404)),
    Endpoint("/api/v1/healthz", "Service and Elasticsearch health", (), {"type": "object"}, errors=(503,)),
    # the link resolver
    Endpoint("/api/v1/resolve", "The ways to the full text of an OpenURL citation for the reader's library "
             "(subscribed e-text, own print, delivery, ILL, pay-per-view, a librarian)", P.RESOLVE, OBJECT,
             errors=(400,)),
    Endpoint("/openurl", "The same as an HTML menu (the link libraries' databases point at)", P.RESOLVE,
             {"type": "string"}, "text/html", errors=(400,)),
    # enrichment for OPACs
    Endpoint("/api/v1/enrich/isbn/{isbn}", "A book for an OPAC page: record, cover URL, contents, summary, links, "
             "holdings count and the holding libraries nearest to the key's library", P.ENRICH, OBJECT,
             errors=(*KEYED, 503), auth="apiKey"),
    Endpoint("/api/v1/journals/{issn}/issues", "The volumes and issues of a journal with articles indexed",
             P.TOC[:1], OBJECT, errors=KEYED, auth="apiKey"),
    Endpoint("/api/v1/journals/{issn}/toc", "The table of contents of an issue, a volume or a year",
             P.TOC, OBJECT, errors=KEYED, auth="apiKey"),
    Endpoint("/covers/{file}", "A cover: the one supplied for the ISBN, else one generated from title and author "
             "(ETag, If-None-Match)", (P.COVER_FILE,), {"type": "string", "format": "binary"}, "image/png",
             errors=(400,)),
    Endpoint("/api/v1/covers/{isbn}", "Supply a cover (JPEG or PNG) for an ISBN", (P.ISBN_PATH,), OBJECT,
             errors=(*KEYED[:-2], 413, 429), method="put", auth="apiKey", body="image/jpeg"),
    # the knowledge base (staff, with a token)
    _kb("/status", "get", "Counts of packages, titles, subscriptions and print holdings"),
    _kb("/packages/{name}", "put", "Load or replace a KBART package", "text/tab-separated-values"),
    _kb("/packages/{name}", "post", "Load or replace a KBART package", "text/tab-separated-values"),
    _kb("/packages/{name}", "delete", "Remove a package"),
    _kb("/packages/{name}/problems", "get", "The rows of a package that could not be read, with reasons"),
    _kb("/libraries/{code}/subscriptions", "get", "A library's subscriptions"),
    _kb("/libraries/{code}/subscriptions/{package}", "put", "Subscribe a library to a package (from, until)",
        "application/json"),
    _kb("/libraries/{code}/subscriptions/{package}", "delete", "End a subscription"),
    _kb("/libraries/{code}/holdings", "get", "A library's print journal holdings"),
    _kb("/libraries/{code}/holdings", "put", "Replace a library's print holdings (CSV)", "text/csv"),
    _kb("/libraries/{code}/holdings", "post", "Replace a library's print holdings (CSV)", "text/csv"),
    _kb("/holdings/from-catalog", "post", "Derive print holdings from the catalogue's serial records"),
)


def document(version: str = "1.0.0", mounted: set[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The document; with `mounted` ((path, method) pairs of the serving app), only the routes it serves."""
    paths: dict[str, Any] = {}
    for ep in ENDPOINTS:
        if mounted is not None and (ep.path, ep.method) not in mounted:
            continue
        responses: dict[str, Any] = {"200": {"description": "OK", "content": {ep.media: {"schema": ep.schema}}}}
        for status in ep.errors:
            responses[str(status)] = {"description": STATUS_TEXT[status],
                                      "content": {"application/json": {"schema": ERROR}}}
        operation: dict[str, Any] = {"summary": ep.summary, "parameters": [p.openapi() for p in ep.params],
                                     "responses": responses}
        if ep.auth:
            operation["security"] = [{ep.auth: []}]
        if ep.body:
            operation["requestBody"] = {"required": True, "content": {ep.body: {"schema": {"type": "string"}}}}
        paths.setdefault(ep.path, {})[ep.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "yidu search API", "version": version,
                 "description": "Discovery across the union catalogue, articles and theses of the consortium. "
                                "Every response carries X-Request-Id (send one to choose it); errors are JSON "
                                "{error, request_id}. CORS is open for GET (the embeddable search box)."},
        "paths": paths,
        "components": {"securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                       "description": "a member library's key (yidu apikeys create), valid from its addresses"},
            "token": {"type": "http", "scheme": "bearer",
                      "description": "a knowledge-base token (yidu kb token create)"}}},
    }


def mounted_routes(routes) -> set[tuple[str, str]]:
    """(path, method) of every HTTP route of an app, HEAD aside."""
    return {(r.path, m.lower()) for r in routes if getattr(r, "methods", None) for m in r.methods if m != "HEAD"}
