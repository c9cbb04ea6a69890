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


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    params: tuple[P.Param, ...]
    schema: dict[str, Any]
    media: str = "application/json"
    errors: tuple[int, ...] = (400, 503)


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
)


def document(version: str = "1.0.0") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for ep in ENDPOINTS:
        responses: dict[str, Any] = {"200": {"description": "OK", "content": {ep.media: {"schema": ep.schema}}}}
        for status in ep.errors:
            responses[str(status)] = {"description": {400: "bad parameter", 404: "not found",
                                                      503: "search unavailable"}[status],
                                      "content": {"application/json": {"schema": ERROR}}}
        paths[ep.path] = {"get": {"summary": ep.summary, "parameters": [p.openapi() for p in ep.params],
                                  "responses": responses}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "yidu search API", "version": version,
                 "description": "Discovery across the union catalogue, articles and theses of the consortium. "
                                "Every response carries X-Request-Id (send one to choose it); errors are JSON "
                                "{error, request_id}. CORS is open for GET (the embeddable search box)."},
        "paths": paths,
    }
