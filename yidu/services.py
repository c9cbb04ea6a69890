"""The service objects a command or the web app needs, built once from `Settings` on first use.

Commands and the API take a `Services`; tests build one around their own settings (index prefix,
state folder) so that nothing reads the environment behind their back.
"""
from __future__ import annotations

from functools import cached_property

from elasticsearch import Elasticsearch

from yidu import es
from yidu.config import Settings
from yidu.libraries import Registry, active_registry


class Services:
    def __init__(self, settings: Settings, *, client: Elasticsearch | None = None, registry: Registry | None = None,
                 progress: bool = True):
        self.settings = settings
        self._client = client
        self._registry = registry
        self.progress = progress

    @cached_property
    def client(self) -> Elasticsearch:
        return self._client or es.client(self.settings.es)

    @cached_property
    def registry(self) -> Registry:
        return self._registry or active_registry(self.settings)

    @cached_property
    def catalog(self):
        from indexer.catalog import CatalogPipeline

        return CatalogPipeline(self.settings, self.client, is_member=self.registry.__contains__,
                               progress=self.progress)

    def searcher(self):
        from query.search import Searcher

        return Searcher(self.client, self.registry, [self.settings.index.alias("catalog")])

    def close(self) -> None:
        if "catalog" in self.__dict__:
            self.catalog.store.close()
        if "client" in self.__dict__ and self._client is None:
            self.client.close()
