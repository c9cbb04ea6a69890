"""What every handler shares: the async Elasticsearch client, the searcher, the registry, the enrichers,
and the per-request bits (request id, language, the reader's library)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from elasticsearch import AsyncElasticsearch
from starlette.requests import Request

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


def request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "-")


def lang(request: Request) -> str:
    return i18n.choose(request.query_params.get("lang"), request.cookies.get("lang"),
                       request.headers.get("accept-language"))


def library_of_ip(request: Request, registry: Registry) -> Library | None:
    """The library whose registered IP ranges contain the reader's address (on-campus readers)."""
    host = request.client.host if request.client else None
    return registry.by_ip(host) if host else None
