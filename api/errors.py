"""The API's exception tree. Every error carries the id of the request it answers, so a reader's report
("it said ... request 3f2a...") leads straight to the log line."""
from __future__ import annotations

from yidu.errors import YiduError


class ApiError(YiduError):
    status = 500

    def __init__(self, message: str, *, request_id: str | None = None):
        super().__init__(message, ref=request_id)

    @property
    def request_id(self) -> str | None:
        return self.ref


class BadRequest(ApiError):
    """A parameter the API cannot accept (400): the message says which and why."""
    status = 400


class NotFound(ApiError):
    status = 404


class Unavailable(ApiError):
    """Elasticsearch or an index is not there (503): nothing the reader did."""
    status = 503
