"""Index settings for full loads: no refresh and no replicas while bulk loading, restored afterwards.

Refreshing every second and copying every document to replicas while millions arrive costs
throughput; both are switched off for the load and put back (then one refresh) even when the load
fails, so the index never stays in load mode.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from elasticsearch import Elasticsearch


@contextmanager
def bulk_mode(client: Elasticsearch, index: str) -> Iterator[None]:
    current = client.indices.get_settings(index=index, flat_settings=True)
    settings = next(iter(current.body.values()))["settings"] if current else {}
    refresh = settings.get("index.refresh_interval")
    replicas = settings.get("index.number_of_replicas", "0")
    client.indices.put_settings(index=index, settings={"index": {"refresh_interval": "-1", "number_of_replicas": 0}})
    try:
        yield
    finally:
        client.indices.put_settings(
            index=index, settings={"index": {"refresh_interval": refresh, "number_of_replicas": int(replicas)}}
        )
        client.indices.refresh(index=index)
