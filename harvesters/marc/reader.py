"""The permissive MARC reader: any MARC file in, one `ReadResult` or `BadRecord` per record out.

    from harvesters.marc.reader import read_marc, BadRecord
    for item in read_marc(["uploads/lib042/", "extra.mrc.gz"], flavour="auto", on_skip=log_skip):
        if isinstance(item, BadRecord):
            log.warning("%s", item)          # "u8738.mrc record 3 @ byte 2451: leader length ..."
        else:
            index(item.record, item.flavour)

Syntaxes (sniffed from content, never from the file name): ISO 2709, MARCXML (any namespace or none, records
found inside SRU/OAI envelopes), MARC-in-JSON (array, single object or one record per line), MARCMaker (.mrk,
.mrk8) and MicroLIF; gzip-compressed files and tar archives of any of them. Flavour (MARC 21 / CNMARC) and
character set are decided per record: see `harvesters.marc.flavour` and `harvesters.marc.charset`.

Guarantees:
- streaming: records are yielded as they are read, memory does not grow with the file;
- every record of a file becomes exactly one ReadResult or one BadRecord, in file order, numbered from 1;
- a file that cannot be read at all raises `MarcFileError` (before anything of it is yielded) - except inside a
  directory walk, where it is reported to `on_skip(path, reason)` (and logged) and the walk goes on;
- XML parsing never resolves entities, loads DTDs or touches the network.
"""
from __future__ import annotations

import gzip
import logging
import os
import tarfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from harvesters.errors import MarcFileError
from harvesters.marc import sniff as sniffing
from harvesters.marc.iso2709 import read_iso2709
from harvesters.marc.marcjson import NotMarcJsonFile, read_marcjson
from harvesters.marc.marcmaker import read_marcmaker, read_microlif
from harvesters.marc.marcxml import HostileXml, NoMarcInXml, read_marcxml
from harvesters.marc.results import BadRecord, Position, ReadResult

__all__ = ["read_marc", "Position", "ReadResult", "BadRecord", "MarcFileError"]

log = logging.getLogger(__name__)

SkipCallback = Callable[[str, str], None]
Item = ReadResult | BadRecord

_SKIPPED_NAMES = {"readme", "provenance", "license", "licence", "changelog", "manifest"}
_SKIPPED_SUFFIXES = {".md", ".txt", ".rst"}

_READERS = {
    sniffing.ISO2709: read_iso2709,
    sniffing.XML: read_marcxml,
    sniffing.JSON: read_marcjson,
    sniffing.MARCMAKER: read_marcmaker,
    sniffing.MICROLIF: read_microlif,
}


def read_marc(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *, flavour: str = "auto",
              on_skip: SkipCallback | None = None) -> Iterator[Item]:
    """Read every MARC record in `paths` (a file, a directory, or a list of them).

    flavour: "auto" (decide per record), "marc21" or "cnmarc" (label every record so; CNMARC also selects the
        UNIMARC character-set rules).
    on_skip: called with (path, reason) for each file of a directory walk (or tar member) that is not MARC or
        cannot be read; such files never raise.
    """
    if flavour not in ("auto", "marc21", "cnmarc"):
        raise ValueError(f"flavour must be 'auto', 'marc21' or 'cnmarc', not {flavour!r}")
    forced = None if flavour == "auto" else flavour
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    return _read_all(list(paths), forced, on_skip)


def _read_all(paths: list, forced: str | None, on_skip: SkipCallback | None) -> Iterator[Item]:
    for given in paths:
        path = os.fsdecode(given)
        if os.path.isdir(path):
            for file in walk_files(path):
                try:
                    yield from _read_file(file, forced, on_skip)
                except MarcFileError as err:
                    _skip(on_skip, file, err.reason)
        elif os.path.exists(path):
            yield from _read_file(path, forced, on_skip)
        else:
            raise MarcFileError(path, "no such file or directory")


def walk_files(top: str) -> Iterator[str]:
    """Files under `top`, recursively, in sorted order; hidden files and READMEs and the like left out."""
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            p = Path(name)
            if p.stem.lower() in _SKIPPED_NAMES and p.suffix.lower() in _SKIPPED_SUFFIXES:
                continue
            yield os.path.join(root, name)


def _skip(on_skip: SkipCallback | None, path: str, reason: str) -> None:
    log.info("skipped %s: %s", path, reason)
    if on_skip is not None:
        on_skip(path, reason)


def _read_file(path: str, forced: str | None, on_skip: SkipCallback | None) -> Iterator[Item]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below, also when the generator is closed
    except OSError as err:
        raise MarcFileError(path, f"cannot open: {err.strerror or err}") from None
    with fh:
        try:
            head_stream = sniffing.Peekable(fh)
            head = head_stream.peek(sniffing.SNIFF_BYTES)
        except OSError as err:
            raise MarcFileError(path, f"cannot read: {err.strerror or err}") from None
        if not head:
            raise MarcFileError(path, "empty file")
        yield from _read_stream(head_stream, head, path, forced, on_skip, depth=0)


def _read_stream(stream: sniffing.Peekable, head: bytes, source: str, forced: str | None,
                 on_skip: SkipCallback | None, depth: int) -> Iterator[Item]:
    kind = sniffing.sniff(head)
    if kind == sniffing.GZIP:
        if depth >= 2:
            raise MarcFileError(source, "gzip nested more than twice")
        inner = sniffing.Peekable(gzip.GzipFile(fileobj=stream, mode="rb"), decompressing=True)
        try:
            inner_head = inner.peek(sniffing.SNIFF_BYTES)
        except sniffing.StreamCorrupt as err:
            if err.offset == 0:
                raise MarcFileError(source, f"corrupt gzip data: {err}") from None
            inner_head = inner.head
        if not inner_head:
            raise MarcFileError(source, "gzip file decompresses to nothing")
        yield from _read_stream(inner, inner_head, source, forced, on_skip, depth + 1)
        return
    if kind == sniffing.TAR:
        yield from _read_tar(stream, source, forced, on_skip)
        return
    if kind is None:
        raise MarcFileError(source, sniffing.describe(head))
    yield from _guarded(_READERS[kind], stream, source, forced, kind)


def _guarded(reader, stream: BinaryIO, source: str, forced: str | None, syntax: str) -> Iterator[Item]:
    """Run a syntax reader; a decompression failure part-way becomes one BadRecord for the rest of the file."""
    last = 0
    try:
        for item in reader(stream, source, forced):
            last = item.position.index
            yield item
    except sniffing.StreamCorrupt as err:
        yield BadRecord(Position(source, last + 1, err.offset if syntax in (sniffing.ISO2709, sniffing.JSON) else None),
                        f"compressed data corrupt after {err.offset} decompressed bytes ({err}); the rest of the "
                        f"file is lost", None, None, syntax)
    except (NoMarcInXml, NotMarcJsonFile) as err:
        if last:
            return
        raise MarcFileError(source, str(err)) from None
    except HostileXml as err:  # refused whole, even after records: they came from the same hostile document
        raise MarcFileError(source, str(err)) from None


def _read_tar(stream: BinaryIO, source: str, forced: str | None, on_skip: SkipCallback | None) -> Iterator[Item]:
    read_any = False
    problems = []
    try:
        archive = tarfile.open(fileobj=stream, mode="r|")
    except (tarfile.TarError, sniffing.StreamCorrupt) as err:
        raise MarcFileError(source, f"corrupt tar archive: {err}") from None
    with archive:
        try:
            for member in archive:
                if not member.isfile() or os.path.basename(member.name).startswith("."):
                    continue
                name = f"{source}!{member.name}"
                fh = archive.extractfile(member)
                if fh is None:
                    continue
                member_stream = sniffing.Peekable(fh)
                head = member_stream.peek(sniffing.SNIFF_BYTES)
                if not head:
                    problems.append(f"{member.name}: empty")
                    _skip(on_skip, name, "empty file")
                    continue
                try:
                    for item in _read_stream(member_stream, head, name, forced, on_skip, depth=1):
                        read_any = True
                        yield item
                except MarcFileError as err:
                    problems.append(f"{member.name}: {err.reason}")
                    _skip(on_skip, name, err.reason)
        except (tarfile.TarError, sniffing.StreamCorrupt) as err:
            if not read_any and not problems:
                raise MarcFileError(source, f"corrupt tar archive: {err}") from None
            yield BadRecord(Position(source, 1, None, None), f"tar archive corrupt part-way ({err}); the rest of "
                            f"the archive is lost", None, None, None)
    if not read_any and problems:
        raise MarcFileError(source, "tar archive without MARC records: " + "; ".join(problems[:5]))
