"""Errors of the feed readers and harvesters (all `harvesters.errors.HarvestError`, so `YiduError`).

Record-level problems are not exceptions: parsers yield a `BadRecord` and carry on. These are for a
whole file or response that cannot be read at all.
"""
from __future__ import annotations

from harvesters.errors import HarvestError


class FeedFileError(HarvestError):
    """A local file is not a readable article feed (missing, empty, unknown format, a 404 body...)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"cannot read feed file {path}: {reason}")
        self.path = path
        self.reason = reason


class CrossrefError(HarvestError):
    """Crossref answered with an error: a 404 'Resource not found.', a validation failure (bad filter,
    bad cursor...), or a body that is not a Crossref message. `messages` holds Crossref's own words."""

    def __init__(self, message: str, *, ref: str | None = None, status: int | None = None,
                 messages: tuple[str, ...] = ()):
        super().__init__(message, ref=ref)
        self.status = status
        self.messages = messages
