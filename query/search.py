"""Running a search: build the body with the chain, send it, shape the response.

The JSON shape is the one the search API serves:
  total, scope, scopes (level -> count), hits (id, type, collection, title, authors, year, isbn,
  source_ids, holdings, highlight...), facets (name -> buckets), took_ms, query_echo,
  and when they apply: widened_from (the chosen scope had no hit: `scope` is the level searched instead),
  did_you_mean.

The conversation with Elasticsearch is written once, as a generator that yields the requests it needs
(`Call`) and receives the responses: `Searcher` drives it with the sync client (CLI), `AsyncSearcher` with
the async one (API), so both behave identically.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Generator

from elasticsearch import AsyncElasticsearch, Elasticsearch, NotFoundError

from query import highlight, suggest
from query.builder import SearchBuilder, State
from query.collections import Target, Targets
from query.errors import QueryError, SearchUnavailable
from query.facets import FACETS
from query.labels import Labels
from query.parse import describe
from query.request import COLLECTIONS, SearchRequest
from query.scopes import levels, wider
from query.steps import DEFAULT
from yidu.config import IndexSettings
from yidu.libraries import Registry

SEARCH_PARAMS = {"ignore_unavailable": True, "allow_no_indices": True}


@dataclass
class Call:
    """One search request: the indices and the body."""

    indices: list[str]
    body: dict[str, Any]
    params: dict[str, Any] = field(default_factory=lambda: dict(SEARCH_PARAMS))


Flow = Generator[Call, dict, dict]


class _Base:
    def __init__(self, client, registry: Registry, indices: list[str] | Targets | IndexSettings,
                 builder: SearchBuilder = DEFAULT):
        self.client = client
        self.registry = registry
        self.builder = builder
        self.labels = Labels(registry)
        if isinstance(indices, IndexSettings):
            indices = Targets(indices)
        self.targets = indices if isinstance(indices, Targets) else None
        self.fixed = None if self.targets else _fixed_target(list(indices))

    @property
    def indices(self) -> list[str]:
        return self.fixed.indices() if self.fixed else []

    def state(self, request: SearchRequest, target: Target) -> State:
        if request.library and request.library not in self.registry:
            raise QueryError(f"unknown library {request.library!r}", ref=request.library)
        return State(request, self.registry, target=target)

    def body(self, request: SearchRequest, target: Target | None = None) -> tuple[dict[str, Any], State]:
        state = self.state(request, target or self.fixed or Target("yidu"))
        return self.builder.build(state), state

    def flow(self, request: SearchRequest, target: Target) -> Flow:
        started = time.perf_counter()
        body, state = self.body(request, target)
        if not state.target.collections:
            raise SearchUnavailable("no index to search yet: load data first (yidu load catalog ...)")
        indices = state.target.indices()
        raw = yield Call(indices, body)
        result = shape(raw, state, self.labels)
        took = raw.get("took", 0)
        wanted = _widen_to(result, state)
        if wanted:
            body, state = self.body(request.with_scope(wanted), target)
            raw = yield Call(indices, body)
            took += raw.get("took", 0)
            widened = shape(raw, state, self.labels)
            widened["widened_from"] = result["scope"]
            result = widened
        text = suggest.plain_text(state.notes["parsed"].tree)
        if text and result["scopes"].get("nation", result["total"]) < suggest.FEW_HITS:
            dym = suggest.did_you_mean_body(text)
            if dym:
                raw = yield Call(indices, dym)
                took += raw.get("took", 0)
                better = suggest.pick_did_you_mean(text, raw)
                if better:
                    result["did_you_mean"] = better
        result["took_ms"] = took
        result["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return result


class Searcher(_Base):
    """Synchronous searches (CLI, scripts)."""

    client: Elasticsearch

    def target(self) -> Target:
        return self.fixed or self.targets.resolve(self.client)

    def search(self, request: SearchRequest) -> dict[str, Any]:
        return _drive_sync(self.client, self.flow(request, self.target()))


class AsyncSearcher(_Base):
    """The same searches over the async client (the API)."""

    client: AsyncElasticsearch

    async def target(self) -> Target:
        return self.fixed or await self.targets.aresolve(self.client)

    async def search(self, request: SearchRequest) -> dict[str, Any]:
        flow = self.flow(request, await self.target())
        try:
            call = next(flow)
            while True:
                raw = await _asend(self.client, call)
                call = flow.send(raw)
        except StopIteration as done:
            return done.value


def _drive_sync(client: Elasticsearch, flow: Flow) -> dict:
    try:
        call = next(flow)
        while True:
            try:
                raw = client.search(index=",".join(call.indices), body=call.body, **call.params).body
            except NotFoundError as exc:
                raise _unavailable(call, exc) from None
            call = flow.send(raw)
    except StopIteration as done:
        return done.value


async def _asend(client: AsyncElasticsearch, call: Call) -> dict:
    try:
        return (await client.search(index=",".join(call.indices), body=call.body, **call.params)).body
    except NotFoundError as exc:
        raise _unavailable(call, exc) from None


def _unavailable(call: Call, exc: Exception) -> SearchUnavailable:
    return SearchUnavailable(f"no index to search yet ({', '.join(call.indices)}): load data first "
                             f"(yidu load catalog ...)")


def _fixed_target(indices: list[str]) -> Target:
    """A target from explicit alias names (`<prefix>-catalog`, ...); other names count as the catalogue."""
    prefix = indices[0].rsplit("-", 1)[0] if indices else "yidu"
    collections = tuple(c for c in COLLECTIONS if f"{prefix}-{c}" in indices) or ("catalog",)
    return _Fixed(prefix, collections, False, tuple(indices))


@dataclass(frozen=True)
class _Fixed(Target):
    names: tuple[str, ...] = ()

    def indices(self, wanted=None) -> list[str]:
        return list(self.names)

    def narrowed(self, wanted):
        return self


def _widen_to(result: dict, state: State) -> str | None:
    if result["total"] or not state.request.widen or state.request.effective_scope == "nation":
        return None
    for level in wider(state.request.effective_scope):
        if result["scopes"].get(level):
            return level
    return None


# --- the response --------------------------------------------------------------------------------------
def shape(raw: dict[str, Any], state: State, labels: Labels | None = None) -> dict[str, Any]:
    labels = labels or Labels(state.registry)
    aggs = raw.get("aggregations", {})
    parsed = state.notes.get("parsed")
    wanted = highlight.terms(parsed.tree) if parsed else []
    hits = []
    for h in raw["hits"]["hits"]:
        hit = _hit(h)
        marks = highlight.highlight_hit(hit, wanted)
        if marks:
            hit["highlight"] = marks
        hits.append(hit)
    scopes = {level: b["doc_count"] for level, b in aggs.get("scopes", {}).get("buckets", {}).items()}
    r = state.request
    return {
        "total": raw["hits"]["total"]["value"],
        "scope": r.effective_scope,
        "scopes": {level: scopes[level] for level in levels(state) if level in scopes},
        "hits": hits,
        "facets": _facets(aggs, state, labels),
        "took_ms": raw.get("took"),
        "page": r.page,
        "size": r.size,
        "sort": r.sort,
        "query_echo": {
            "q": r.q,
            "parsed": describe(parsed.tree) if parsed else r.q,
            "warnings": list(parsed.warnings) if parsed else [],
            "identifiers": state.notes.get("identifiers", {}),
            "library": r.library,
            "scope": r.scope,
            "filters": {k: list(v) for k, v in r.filters.items()},
            "collections": list(state.target.collections),
        },
    }


def _facets(aggs: dict, state: State, labels: Labels) -> dict[str, list[dict]]:
    out = {}
    for name, facet in FACETS.items():
        holder = aggs.get(f"facet_{name}") or aggs.get("facets") or {}
        buckets = facet.buckets(holder, state, labels)
        if buckets:
            out[name] = buckets
    return out


def _hit(h: dict[str, Any]) -> dict[str, Any]:
    src = h.get("_source", {})
    collection = src.get("collection") or _collection_of(h.get("_index", ""))
    hit = {
        "id": h["_id"],
        "collection": collection,
        "type": src.get("type") or {"articles": "article", "theses": "thesis"}.get(collection),
        "title": src.get("title"),
        "subtitle": src.get("subtitle"),
        "authors": src.get("authors", []),
        "year": src.get("year"),
        "isbn": src.get("isbn", []),
        "issn": src.get("issn", []),
        "publisher": src.get("publisher", []),
        "source_ids": src.get("source_ids", []),
        "holdings": src.get("holdings", []),
        "holding_count": src.get("holding_count", len(src.get("holdings", []))),
        "language": src.get("language", []),
        "score": h.get("_score"),
    }
    for extra in ("doi", "journal", "volume", "issue", "pages", "date", "degree", "degree_name", "institution",
                  "institution_name", "advisors", "fulltext_url", "edition", "clc"):
        if src.get(extra) not in (None, "", []):
            hit[extra] = src[extra]
    return hit


def _collection_of(index: str) -> str:
    for c in COLLECTIONS:
        if f"-{c}-" in index or index.endswith(f"-{c}"):
            return c
    return "catalog"
