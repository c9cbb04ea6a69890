"""The hook later issues use to add fields to hits (the link resolver's `availability`, for one).

An enricher is `async def enrich(hits: list[dict], context: EnrichContext) -> None`; it is called ONCE per
result page with every hit of the page (so it can batch its own lookups) and changes the hits in place.
A failing enricher is logged with the request id and skipped: the reader still gets results.

`availability`, when an enricher sets it, is a dict or a list of dicts with `label` (short text) and `url`
(http(s), optional); the site shows the label, linked.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Sequence

from yidu.libraries import Registry

log = logging.getLogger("yidu.api")


@dataclass(frozen=True)
class EnrichContext:
    request_id: str
    library: str | None  # the reader's library, when known
    scope: str
    lang: str
    registry: Registry


HitEnricher = Callable[[list[dict], EnrichContext], Awaitable[None]]


async def enrich(enrichers: Sequence[HitEnricher], hits: list[dict], context: EnrichContext) -> None:
    if not hits:
        return
    for enricher in enrichers:
        try:
            await enricher(hits, context)
        except Exception:  # noqa: BLE001 - one broken enricher must not take the results away
            log.exception("hit enricher %s failed [request %s]", getattr(enricher, "__name__", enricher),
                          context.request_id)
