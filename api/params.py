"""Query parameters, declared once: the declarations validate requests AND generate the OpenAPI document,
so the two cannot drift apart. Every bad value becomes `BadRequest` (400) with a message, never a 500."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from api.errors import BadRequest
from query.errors import QueryError
from query.export import MAX_EXPORT
from query.request import (
    COLLECTIONS, FACETS, MAX_PAGE_SIZE, MAX_QUERY_LENGTH, SCOPE_LEVELS, SORTS, SearchRequest,
)
from yidu import identifiers

LIBRARY_RE = re.compile(r"[A-Z0-9-]{2,16}")
MAX_PARAM_LENGTH = 1000


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    kind: str = "string"  # string | integer
    default: Any = None
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    repeat: bool = False
    location: str = "query"

    def schema(self) -> dict[str, Any]:
        item: dict[str, Any] = {"type": self.kind}
        for key, value in (("enum", list(self.enum) if self.enum else None), ("minimum", self.minimum),
                           ("maximum", self.maximum), ("maxLength", self.max_length)):
            if value is not None:
                item[key] = value
        if self.default is not None and not self.repeat:
            item["default"] = self.default
        return {"type": "array", "items": item} if self.repeat else item

    def openapi(self) -> dict[str, Any]:
        out = {"name": self.name, "in": self.location, "description": self.description, "schema": self.schema()}
        if self.location == "path":
            out["required"] = True
        if self.repeat:
            out.update(style="form", explode=True)
        return out


Q = Param("q", "The query: words, \"phrases\", field:value (title author subject publisher clc isbn issn doi year), "
               "AND OR NOT ( ); Chinese punctuation accepted.", max_length=MAX_QUERY_LENGTH, default="")
LIBRARY = Param("library", "The reader's library code (registry): opens on its scope and ranks its holdings first.",
                max_length=16)
SCOPE = Param("scope", "The scope of the hits; default: library when a library is given, else nation.",
              enum=SCOPE_LEVELS)
PAGE = Param("page", "1-based page; page x size is limited (use /export beyond).", "integer", 1, minimum=1)
SIZE = Param("size", "Hits per page.", "integer", 10, minimum=1, maximum=MAX_PAGE_SIZE)
SORT = Param("sort", "Order of the hits.", default="relevance", enum=SORTS)
COLLECTION = Param("collection", "Restrict to collections (repeatable); default: all that exist.",
                   enum=COLLECTIONS, repeat=True)
LANG = Param("lang", "Interface language of labels and messages.", enum=("zh", "en"))
FACET_PARAMS = tuple(Param(name, f"Select values of the {name} facet (repeatable: OR within, AND across facets)"
                           + ("; YYYY, YYYY-YYYY, -YYYY or YYYY-" if name == "year" else ""),
                           max_length=200, repeat=True) for name in FACETS)
SEARCH = (Q, LIBRARY, SCOPE, PAGE, SIZE, SORT, COLLECTION, LANG, *FACET_PARAMS)
LIMIT = Param("limit", "Most hits to stream.", "integer", 10000, minimum=1, maximum=MAX_EXPORT)
EXPORT = (Q, LIBRARY, SCOPE, SORT, COLLECTION, LIMIT, *FACET_PARAMS)
PREFIX = Param("q", "What has been typed so far (title, name or subject; Chinese, pinyin or initials).",
               max_length=80, default="")
SUGGEST = (PREFIX, LIBRARY, Param("size", "Suggestions wanted.", "integer", 8, minimum=1, maximum=20))
RECORD_ID = Param("id", "The record id (as in search hits).", location="path", max_length=128)
RECORD = (RECORD_ID, Param("library", "The reader's library: its holdings (then its city's, province's) first.",
                            max_length=16), LANG)
SOURCE_FORMAT = Param("format", "The source record as MARCXML or MARC-in-JSON.", default="marcxml",
                      enum=("marcxml", "json"))

# the enrichment API (OPACs, with an API key)
ISBN_PATH = Param("isbn", "ISBN-10 or ISBN-13, hyphens allowed.", location="path", max_length=24)
ISSN_PATH = Param("issn", "ISSN, print or electronic (NNNN-NNNC or NNNNNNNC).", location="path", max_length=9)
NEAREST = Param("nearest", "Holding libraries to list, nearest to the key's library first.", "integer", 10,
                minimum=1, maximum=100)
ENRICH = (ISBN_PATH, NEAREST)
TOC = (ISSN_PATH, Param("volume", "The volume, as /issues lists it.", max_length=32),
       Param("issue", "The issue, as /issues lists it.", max_length=32),
       Param("year", "The year of publication.", "integer", minimum=1000, maximum=2999))
COVER_FILE = Param("file", "<ISBN>.jpg or <ISBN>.png", location="path", max_length=32)
# the link resolver: an OpenURL 1.0 (Z39.88-2004 KEV) or 0.1 citation, plus these
RESOLVE = (Param("library", "The reader's library code; default: the library of the caller's address."),
           Param("format", "json or html; default: by Accept (JSON for /api/v1/resolve, HTML for /openurl).",
                 enum=("json", "html")),
           Param("debug", "1: list the options considered and why each was excluded.", enum=("0", "1")),
           Param("rft.issn", "ISSN of the journal (any OpenURL key works: rft.jtitle, rft.volume, rft_id=info:doi/..)."),
           Param("rft.isbn", "ISBN of the book."), Param("rft_id", "info:doi/... or other identifiers."))


def _one(params, p: Param) -> str | None:
    values = params.getlist(p.name) if hasattr(params, "getlist") else [params.get(p.name)]
    values = [v for v in values if v is not None]
    if len(values) > 1:
        raise BadRequest(f"parameter {p.name!r} given {len(values)} times; give it once")
    return values[0] if values else None


def value(params, p: Param) -> Any:
    """The parameter's value, validated against its declaration (the default when absent or empty)."""
    if p.repeat:
        raw = [v.strip() for v in params.getlist(p.name) if v.strip()] if hasattr(params, "getlist") else []
        for v in raw:
            _check_text(p, v)
        return tuple(dict.fromkeys(raw))
    raw = _one(params, p)
    if raw is None or raw.strip() == "":
        return p.default
    if p.kind == "integer":
        if not re.fullmatch(r"[+-]?\d{1,9}", raw.strip()):
            raise BadRequest(f"parameter {p.name!r} must be an integer, got {raw[:40]!r}")
        number = int(raw)
        if p.minimum is not None and number < p.minimum or p.maximum is not None and number > p.maximum:
            raise BadRequest(f"parameter {p.name!r} must be between {p.minimum} and {p.maximum}, got {number}")
        return number
    _check_text(p, raw)
    return raw


def _check_text(p: Param, raw: str) -> None:
    if len(raw) > (p.max_length or MAX_PARAM_LENGTH):
        raise BadRequest(f"parameter {p.name!r} is too long ({len(raw)} characters; "
                         f"at most {p.max_length or MAX_PARAM_LENGTH})")
    if p.enum and raw not in p.enum:
        raise BadRequest(f"parameter {p.name!r} must be one of {', '.join(p.enum)}, got {raw[:40]!r}")
    if "\x00" in raw:
        raise BadRequest(f"parameter {p.name!r} contains a NUL character")


def library_code(params) -> str | None:
    code = value(params, LIBRARY)
    if code is None:
        return None
    code = code.strip().upper()
    if not LIBRARY_RE.fullmatch(code):
        raise BadRequest(f"parameter 'library' must be a library code like PKU, got {code[:20]!r}")
    return code


def search_request(params: Mapping, *, library: str | None = None, size: int | None = None) -> SearchRequest:
    """A validated SearchRequest from query parameters (`library` given: the one the site decided)."""
    filters = {p.name: value(params, p) for p in FACET_PARAMS}
    try:
        return SearchRequest(
            q=value(params, Q) or "", library=(library or None) if library is not None else library_code(params),
            scope=value(params, SCOPE), page=value(params, PAGE), size=size or value(params, SIZE),
            sort=value(params, SORT), filters={k: v for k, v in filters.items() if v},
            collections=value(params, COLLECTION) or None)
    except QueryError as exc:
        raise BadRequest(exc.message) from None


_ISBN_PATH = re.compile(r"[0-9Xx][0-9Xx -]{8,20}")


def isbn(value: str) -> str:
    """The ISBN-13 of an ISBN-10 or -13 given in a path (hyphens and spaces allowed), else BadRequest."""
    found = identifiers.isbn13(value) if _ISBN_PATH.fullmatch(value or "") else None
    if found is None:
        raise BadRequest(f"{(value or '')[:40]!r} is not a valid ISBN-10 or ISBN-13 (digits, check digit)")
    return found


def issn(value: str) -> str:
    """The hyphenated ISSN given in a path ("0028-0836" or "00280836"), else BadRequest."""
    found = identifiers.issn(value) if re.fullmatch(r"\d{4}-?\d{3}[\dXx]", value or "") else None
    if found is None:
        raise BadRequest(f"{(value or '')[:40]!r} is not a valid ISSN (NNNN-NNNC with its check digit)")
    return found
