"""The link resolver's exception tree.

Every error carries `ref`: the package, library, line or request it concerns. The API maps
`BadRequest` to 400, `Unauthorized` to 401, `Forbidden` to 403 and `NotFound` to 404; the CLI prints
any of them as one line.
"""
from __future__ import annotations

from typing import Iterable

from yidu.errors import YiduError


class LinkResolverError(YiduError):
    """Base class of the package."""

    status = 500


class BadRequest(LinkResolverError):
    """A request or a file the caller sent is malformed (an OpenURL without a citation, a bad date)."""

    status = 400


class NotFound(LinkResolverError):
    """A named package, library or token does not exist."""

    status = 404


class Unauthorized(LinkResolverError):
    status = 401


class Forbidden(LinkResolverError):
    status = 403


class KbError(LinkResolverError):
    """The knowledge-base database could not be opened or written."""


class FileProblems(BadRequest):
    """A whole file was rejected (not KBART, not a holdings CSV). `problems` lists "line N: reason"."""

    def __init__(self, message: str, *, ref: str | None = None, problems: Iterable[str] = ()):
        super().__init__(message, ref=ref)
        self.problems = tuple(problems)


class PolicyError(LinkResolverError):
    """A policy data file (subsidies, supplier ranking, suppliers, pay-per-view) is invalid."""
