"""Which collections a search spans: the catalogue, articles and theses aliases that exist right now.

Other collections arrive later than the catalogue (and tests make their own), so a search only names the
aliases that exist; the journal_scopes index, which article scope filters look up, may be missing too.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from elasticsearch import AsyncElasticsearch, Elasticsearch

from query.request import COLLECTIONS
from yidu.config import IndexSettings

SCOPE_INDEX = "journal_scopes"
TTL_SECONDS = 15.0  # a newly created collection shows up in searches within this time


@dataclass(frozen=True)
class Target:
    prefix: str
    collections: tuple[str, ...] = ("catalog",)  # the ones that exist, in COLLECTIONS order
    journal_scopes: bool = False  # the article scope lookup index exists

    def alias(self, collection: str) -> str:
        return f"{self.prefix}-{collection}"

    @property
    def scope_index(self) -> str:
        return self.alias(SCOPE_INDEX)

    def indices(self, wanted: tuple[str, ...] | None = None) -> list[str]:
        return [self.alias(c) for c in self.collections if wanted is None or c in wanted]

    def narrowed(self, wanted: tuple[str, ...] | None) -> "Target":
        if wanted is None:
            return self
        return Target(self.prefix, tuple(c for c in self.collections if c in wanted), self.journal_scopes)


def _target(index: IndexSettings, existing: set[str]) -> Target:
    return Target(index.prefix, tuple(c for c in COLLECTIONS if index.alias(c) in existing),
                  index.alias(SCOPE_INDEX) in existing)


def _names(index: IndexSettings) -> str:
    return ",".join(index.alias(c) for c in (*COLLECTIONS, SCOPE_INDEX))


def _existing(raw: dict) -> set[str]:
    """Aliases (and plain indices, for tests that index without aliases) found by get_alias."""
    found = set(raw)
    for info in raw.values():
        found.update(info.get("aliases", {}))
    return found


class Targets:
    """Resolves (and caches for TTL_SECONDS) the collections that exist, with the sync or async client."""

    def __init__(self, index: IndexSettings, ttl: float = TTL_SECONDS):
        self.index = index
        self.ttl = ttl
        self._cached: tuple[float, Target] | None = None

    def _fresh(self) -> Target | None:
        if self._cached and time.monotonic() - self._cached[0] < self.ttl:
            return self._cached[1]
        return None

    def _keep(self, raw: dict) -> Target:
        target = _target(self.index, _existing(raw))
        self._cached = (time.monotonic(), target)
        return target

    def resolve(self, client: Elasticsearch) -> Target:
        cached = self._fresh()
        if cached is not None:
            return cached
        raw = client.options(ignore_status=404).indices.get_alias(index=_names(self.index),
                                                                   ignore_unavailable=True)
        return self._keep(raw.body if raw.meta.status == 200 else {})

    async def aresolve(self, client: AsyncElasticsearch) -> Target:
        cached = self._fresh()
        if cached is not None:
            return cached
        raw = await client.options(ignore_status=404).indices.get_alias(index=_names(self.index),
                                                                         ignore_unavailable=True)
        return self._keep(raw.body if raw.meta.status == 200 else {})

    def forget(self) -> None:
        self._cached = None
