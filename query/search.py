"""Running a search: build the body with the chain, send it, shape the response.

The JSON shape is the one the search API serves: `total`, `scopes` (level -> count), `hits` (each with
`id`, `type`, `title`, `authors`, `year`, `isbn`, `source_ids`, `holdings`).
"""
from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from query.builder import SearchBuilder, State
from query.errors import QueryError, SearchUnavailable
from query.request import SearchRequest
from query.steps import DEFAULT
from yidu.libraries import Registry


class Searcher:
    def __init__(self, client: Elasticsearch, registry: Registry, indices: list[str],
                 builder: SearchBuilder = DEFAULT):
        self.client = client
        self.registry = registry
        self.indices = indices
        self.builder = builder

    def body(self, request: SearchRequest) -> tuple[dict[str, Any], State]:
        if request.library and request.library not in self.registry:
            raise QueryError(f"unknown library {request.library!r}", ref=request.library)
        state = State(request, self.registry)
        return self.builder.build(state), state

    def search(self, request: SearchRequest) -> dict[str, Any]:
        body, state = self.body(request)
        try:
            response = self.client.search(index=",".join(self.indices), body=body)
        except NotFoundError:
            raise SearchUnavailable(f"no index to search yet ({', '.join(self.indices)}): "
                                    "load data first (yidu load catalog ...)") from None
        return shape(response.body, state)


def shape(raw: dict[str, Any], state: State) -> dict[str, Any]:
    buckets = raw.get("aggregations", {}).get("scopes", {}).get("buckets", {})
    hits = [_hit(h) for h in raw["hits"]["hits"]]
    return {
        "total": raw["hits"]["total"]["value"],
        "scope": state.request.effective_scope,
        "scopes": {level: b["doc_count"] for level, b in buckets.items()},
        "hits": hits,
        "took_ms": raw.get("took"),
    }


def _hit(h: dict[str, Any]) -> dict[str, Any]:
    src = h.get("_source", {})
    return {
        "id": h["_id"],
        "type": src.get("type"),
        "title": src.get("title"),
        "subtitle": src.get("subtitle"),
        "authors": src.get("authors", []),
        "year": src.get("year"),
        "isbn": src.get("isbn", []),
        "publisher": src.get("publisher", []),
        "source_ids": src.get("source_ids", []),
        "holdings": src.get("holdings", []),
        "score": h.get("_score"),
    }
