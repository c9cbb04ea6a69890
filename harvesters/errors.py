"""The harvesters package's exception tree.

Everything the harvesters raise derives from `HarvestError`, itself a `yidu.errors.YiduError`, so the CLI turns
it into a one-line message and a non-zero exit code. `ref` names the file, URL or record concerned.

Record-level problems are *not* exceptions: the MARC reader yields a `BadRecord` for them and carries on
(see `harvesters.marc.reader`). Only problems that stop a whole source from being read are raised.
"""
from __future__ import annotations

from yidu.errors import YiduError


class HarvestError(YiduError):
    """Base class of every error raised by the harvesters package."""


class MarcFileError(HarvestError):
    """A MARC input file cannot be read at all.

    It does not exist, is unreadable, is empty, is not in any MARC syntax (an HTML page, a PNG, a non-MARC XML
    document), or its compression is corrupt from the first byte. The message names the file and says why;
    `path` and `reason` hold the two parts separately.
    """

    def __init__(self, path: str, reason: str):
        super().__init__(f"cannot read MARC file {path}: {reason}", ref=None)
        self.path = path
        self.reason = reason


class MappingError(HarvestError):
    """A record was read but cannot be mapped (no title, ...): it goes to the dead-letter file."""


class HttpError(HarvestError):
    """A request failed for good: the network, a timeout or an error status outlasted every retry.

    `ref` (and `url`) is the URL; `status` the last HTTP status, None when no response came back at all;
    `attempts` how many requests were made.
    """

    def __init__(self, message: str, *, url: str, status: int | None = None, attempts: int = 1):
        super().__init__(message, ref=url)
        self.url = url
        self.status = status
        self.attempts = attempts


class SourceError(HarvestError):
    """The source registry is unreadable, or a source entry is invalid or unknown. `ref` is the source."""


class OaiError(HarvestError):
    """An OAI-PMH repository answered with a protocol error (or an answer that is not OAI-PMH at all).

    `code` is the OAI error code (badArgument, badResumptionToken, badVerb, cannotDisseminateFormat,
    idDoesNotExist, noMetadataFormats, noRecordsMatch, noSetHierarchy), or "badResponse" for broken XML,
    HTML pages and other answers that are not OAI-PMH; `ref` names the source (or the URL).
    """

    def __init__(self, message: str, *, code: str, ref: str | None = None, response_date: str | None = None):
        super().__init__(message, ref=ref)
        self.code = code
        self.response_date = response_date  # the repository's clock, when it answered at all


class CheckpointError(HarvestError):
    """The checkpoint store (SQLite) is unusable, or a run is not in the state an operation needs."""
