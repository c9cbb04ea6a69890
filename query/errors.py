"""The query package's exception tree: errors about what a reader asked for (the API answers 400)."""
from __future__ import annotations

from yidu.errors import YiduError


class QueryError(YiduError):
    """A search request that cannot be served as asked: the message says what to change."""

    exit_code = 2


class SearchUnavailable(YiduError):
    """The indices to search do not exist or do not answer (the API answers 503)."""
