"""The indexer package's exception tree."""
from __future__ import annotations

from yidu.errors import YiduError


class IndexerError(YiduError):
    """Base class of every error raised by the indexer."""


class BulkError(IndexerError):
    """Elasticsearch refused a bulk request as a whole (after retries)."""


class ReindexError(IndexerError):
    """A new index version could not be built or did not check out; the alias was not moved."""


class StoreError(IndexerError):
    """The record store (SQLite) is missing, locked or inconsistent."""
