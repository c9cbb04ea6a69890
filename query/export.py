"""Deep export: every hit of a search, past the plain-paging depth limit, through a point in time and
search_after (stable under concurrent writes, no deep `from`). Hits come out in the search's order."""
from __future__ import annotations

from typing import Any, AsyncIterator

from elasticsearch import AsyncElasticsearch

from query.builder import State
from query.search import _hit

PAGE = 500
KEEP_ALIVE = "1m"
MAX_EXPORT = 100_000


def export_body(body: dict[str, Any]) -> dict[str, Any]:
    """The search body without what a stream does not need: counts, paging by offset, total tracking."""
    out = {k: v for k, v in body.items() if k not in ("aggs", "from", "size", "track_total_hits", "sort")}
    out["sort"] = [*body.get("sort", ["_score"]), {"_shard_doc": "asc"}]
    out["track_total_hits"] = False
    return out


async def export_hits(client: AsyncElasticsearch, indices: list[str], body: dict[str, Any], state: State,
                      limit: int = MAX_EXPORT) -> AsyncIterator[dict[str, Any]]:
    pit = (await client.open_point_in_time(index=",".join(indices), keep_alive=KEEP_ALIVE,
                                           ignore_unavailable=True)).body["id"]
    sent = 0
    after = None
    try:
        base = export_body(body)
        while sent < limit:
            page = {**base, "size": min(PAGE, limit - sent), "pit": {"id": pit, "keep_alive": KEEP_ALIVE}}
            if after is not None:
                page["search_after"] = after
            raw = (await client.search(body=page)).body
            pit = raw.get("pit_id", pit)
            hits = raw["hits"]["hits"]
            if not hits:
                break
            for h in hits:
                yield _hit(h)
            sent += len(hits)
            after = hits[-1]["sort"]
    finally:
        await client.options(ignore_status=404).close_point_in_time(id=pit)
