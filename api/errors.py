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

    @property
    def headers(self) -> dict[str, str]:
        """Extra response headers the error needs (Retry-After, ...)."""
        return {}


class BadRequest(ApiError):
    """A parameter the API cannot accept (400): the message says which and why."""
    status = 400


class NotFound(ApiError):
    status = 404


class Unavailable(ApiError):
    """Elasticsearch or an index is not there (503): nothing the reader did."""
    status = 503


class Unauthorized(ApiError):
    """No API key, or one the service does not know or has revoked (401)."""
    status = 401


class Forbidden(ApiError):
    """A valid key used from outside its library's address ranges (403)."""
    status = 403


class PayloadTooLarge(ApiError):
    status = 413


class TooManyRequests(ApiError):
    """The key's rate is spent (429); `retry_after` whole seconds until the next request is allowed."""
    status = 429

    def __init__(self, message: str, *, retry_after: int, request_id: str | None = None):
        super().__init__(message, request_id=request_id)
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
