"""Index mappings, declared once in code (elasticsearch DSL), one module per collection.

`mapping_for(collection)` returns the DSL Mapping a new index version of that collection gets; the
indexer's `IndexManager` creates versions from it and moves the aliases. Modules are imported on
first use, so a collection's mapping module is only loaded when that collection is touched.
"""
from __future__ import annotations

import importlib

from elasticsearch.dsl import Mapping

# collection -> module defining `mapping() -> Mapping`
MAPPINGS: dict[str, str] = {
    "catalog": "mappings.catalog",
    "journals": "mappings.journals",
    "articles": "mappings.articles",
    "theses": "mappings.theses",
    "journal_scopes": "mappings.journal_scopes",
}


def mapping_for(collection: str) -> Mapping:
    return importlib.import_module(MAPPINGS[collection]).mapping()


def settings_for(collection: str) -> dict:
    """Extra index settings a collection's module asks for (`settings()`), e.g. a higher
    max_terms_count for articles, whose scope filters are large terms lookups."""
    module = importlib.import_module(MAPPINGS[collection])
    return module.settings() if hasattr(module, "settings") else {}
