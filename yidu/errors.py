"""The root of every package's exception tree.

Each package (harvesters, indexer, query, linkresolver, api) derives its own errors from `YiduError`
and attaches the id of what failed (record, request, source), so a message can always be traced back.
The CLI turns any `YiduError` into a one-line message and a non-zero exit code.
"""
from __future__ import annotations


class YiduError(Exception):
    """Base class. `ref` names the record, request or source concerned, when there is one."""

    exit_code = 1

    def __init__(self, message: str, *, ref: str | None = None):
        super().__init__(message)
        self.message = message
        self.ref = ref

    def __str__(self) -> str:
        return f"{self.message} [{self.ref}]" if self.ref else self.message


class ConfigError(YiduError):
    exit_code = 2


class EsNodeError(YiduError):
    """The embedded Elasticsearch node could not be installed, started, or reached."""
