"""What every handler shares: the async Elasticsearch client, the searcher, the registry, the enrichers,
and the per-request bits (request id, language, the reader's library)."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import orjson

from elasticsearch import AsyncElasticsearch
from starlette.requests import Request
from starlette.responses import Response

from api import i18n
from api.enrich import HitEnricher
from query.collections import Targets
from query.search import AsyncSearcher
from yidu.libraries import Library, Registry


@dataclass(frozen=True)
class Limits:
    """Input limits beyond the per-parameter ones in api.params."""

    max_query_string: int = 4096  # bytes of the raw query string
    export_concurrency: int = 2  # exports streaming at once


@dataclass
class Runtime:
    client: AsyncElasticsearch
    registry: Registry
    targets: Targets
    searcher: AsyncSearcher
    record_store: Path
    enrichers: Sequence[HitEnricher] = ()
    limits: Limits = field(default_factory=Limits)
    exports_running: int = 0


REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class JSON(Response):
    """Every JSON body of the service, serialised by orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def accept_request_id(given: str | None) -> str:
    """The caller's X-Request-Id when it is a plain token, else a new one."""
    return given if given and REQUEST_ID_RE.fullmatch(given) else uuid.uuid4().hex[:16]


def request_id(request: Request) -> str:
    """The id the RequestId middleware gave this request; routes mounted without it (a package's own
    test app) take the caller's header or a new id, once per request."""
    rid = getattr(request.state, "request_id", None)
    if rid is None:
        rid = request.state.request_id = accept_request_id(request.headers.get("x-request-id"))
    return rid


def lang(request: Request) -> str:
    return i18n.choose(request.query_params.get("lang"), request.cookies.get("lang"),
                       request.headers.get("accept-language"))


def library_of_ip(request: Request, registry: Registry) -> Library | None:
    """The library whose registered IP ranges contain the reader's address (on-campus readers)."""
    host = request.client.host if request.client else None
    return registry.by_ip(host) if host else None
