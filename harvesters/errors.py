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
