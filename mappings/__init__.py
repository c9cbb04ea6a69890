"""Index mappings, declared once in code (elasticsearch DSL), one module per collection.

`MAPPINGS[collection]()` returns the DSL Mapping a new index version of that collection gets; the
indexer's `IndexManager` creates versions from it and moves the aliases.
"""
from __future__ import annotations

from typing import Callable

from elasticsearch.dsl import Mapping

from mappings import catalog

MAPPINGS: dict[str, Callable[[], Mapping]] = {
    "catalog": catalog.mapping,
}
