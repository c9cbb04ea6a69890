"""What the MARC reader yields: a `ReadResult` per good record, a `BadRecord` per record it could not read.

Both carry a `Position` that says where in which file the record started, so a message can always be traced
back to the bytes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pymarc

FLAVOURS = ("marc21", "cnmarc")
SYNTAXES = ("iso2709", "marcxml", "marc-json", "marcmaker", "microlif")


@dataclass(frozen=True, slots=True)
class Position:
    """Where a record starts.

    source: the path as given (a file inside a directory walk: the joined path; a gzip file: "file.gz", offsets
        then count in the decompressed stream; a member of a tar archive: "archive.tar.gz!member/path").
    index: 1-based number of the record (good or bad) within the file.
    offset: byte offset of the record start (ISO 2709, JSON lines), else None.
    line: 1-based line of the record start (XML, MARCMaker, MicroLIF, JSON), else None.
    """

    source: str
    index: int
    offset: int | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source} record {self.index}"
        if self.line is not None:
            where += f" @ line {self.line}"
            if self.offset is not None:
                where += f" (byte {self.offset})"
        elif self.offset is not None:
            where += f" @ byte {self.offset}"
        return where


@dataclass(frozen=True, slots=True)
class ReadResult:
    """A record that was read.

    record: the record, all text as `str` (decoded from `encoding`).
    flavour: "marc21" or "cnmarc" (CNMARC and every other UNIMARC dialect, e.g. RUSMARC, Sudoc).
    syntax: "iso2709", "marcxml", "marc-json", "marcmaker" or "microlif".
    encoding: what the record's bytes were decoded from: "utf-8", "marc-8", "gb18030", "cp1251", "cp866",
        "ascii", ... (for XML and JSON: the document's encoding).
    raw: the record's original bytes for ISO 2709 (they are at hand anyway), else None.
    warnings: what was repaired or guessed to read the record (wrong record length, encoding contradicting the
        leader, invalid bytes replaced by U+FFFD, ...). Empty for a clean record.
    """

    record: pymarc.Record
    position: Position
    flavour: str
    syntax: str
    encoding: str
    raw: bytes | None = field(default=None, repr=False)
    warnings: tuple[str, ...] = field(default=())

    @property
    def control_number(self) -> str | None:
        f = self.record.get("001")
        return f.data if f is not None else None


@dataclass(frozen=True, slots=True)
class BadRecord:
    """A record that could not be read. `reason` says what is wrong, specifically enough to find it.

    control_number: the 001 when it could still be recovered from the broken bytes, else None.
    raw: the record's bytes when they could be isolated (ISO 2709, JSON lines, MARCMaker), else None.
    syntax: the syntax of the file the record was in.
    """

    position: Position
    reason: str
    control_number: str | None = None
    raw: bytes | None = field(default=None, repr=False)
    syntax: str | None = None

    def __str__(self) -> str:
        cn = f" (001 {self.control_number})" if self.control_number else ""
        return f"{self.position}{cn}: {self.reason}"
