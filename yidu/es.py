"""Elasticsearch clients built from `EsSettings`.

Nothing else in the code knows whether it talks to the embedded node or to an existing cluster
(`ES_URL`): both come out of these two functions.
"""
from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from yidu.config import EsSettings


def _options(es: EsSettings, **overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "hosts": es.hosts,
        "request_timeout": es.request_timeout,
        "serializer": OrjsonSerializer(),
        "retry_on_timeout": True,
        "max_retries": 3,
    }
    if es.api_key:
        options["api_key"] = es.api_key
    elif es.username:
        options["basic_auth"] = (es.username, es.password or "")
    if es.ca_file:
        options["ca_certs"] = es.ca_file
    options.update(overrides)
    return options


def client(es: EsSettings, **overrides: Any) -> Elasticsearch:
    return Elasticsearch(**_options(es, **overrides))


def async_client(es: EsSettings, **overrides: Any) -> AsyncElasticsearch:
    return AsyncElasticsearch(**_options(es, **overrides))
