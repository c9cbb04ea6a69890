"""ISO 2709 ("binary MARC", .mrc/.dat/.marc/.usmarc/.iso ...): split a stream into records and parse each one.

Splitting (`split_records`) reads the stream in 1 MiB chunks and keeps at most one record plus one chunk in
memory. A record normally ends where its leader says (leader/00-04) with the record terminator 0x1D. When the
leader's length is not a number or does not land on a terminator, the record is taken to end at the next 0x1D
instead ("resync"), so one bad length does not eat the rest of the file; such a record is still read when its
directory checks out, with a warning. Bytes between records that are only NUL, ^Z (DOS end of file) or white
space are skipped silently; other bytes before a leader are skipped with a warning on the next record; bytes
that contain no leader before the next terminator become a BadRecord. A record cut off by the end of the file
is a BadRecord.

Parsing (`parse_structure`) checks the leader and the directory itself (no pymarc) and slices out the fields;
`harvesters.marc.decode` then decides the character set and builds the pymarc objects. Structural errors that
make the fields unknowable - a directory entry pointing past the end of the record, a directory that is not a
whole number of 12-byte entries, non-numeric lengths or offsets, an empty directory - make the record a
BadRecord. Errors with only one possible repair are repaired, with a warning on the record: a base address that
does not point after the directory (when the directory's terminator is where a whole number of entries ends, or
the directory is well-formed up to the base address but its terminator byte is wrong); directory lengths or
offsets that do not match the data (lengths counted in characters, bytes lost or inserted by a conversion) when
the data area holds exactly one terminated field per directory entry - the fields are then taken from the
field terminators, in offset order.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

from harvesters.marc.decode import decode_fields
from harvesters.marc.results import BadRecord, Position, ReadResult

RT = 0x1D  # record terminator
FT = 0x1E  # field terminator
CHUNK = 1 << 20
MAX_RECORD_SCAN = 16 << 20  # give up looking for a terminator after this many bytes

_FILLER = re.compile(rb"[\x00\x1a\s]*")
# 5 digits, 7 printable, 5 digits (base address), 7 printable: what a leader looks like even when it lies.
LEADER_RE = re.compile(rb"\d{5}[\x20-\x7e]{7}\d{5}[\x20-\x7e]{7}")


class Broken(Exception):
    """The record's structure cannot be read; the message is the BadRecord's reason."""


def looks_like_leader(data: bytes) -> bool:
    return LEADER_RE.match(data) is not None


def _show(data: bytes, limit: int = 24) -> str:
    text = repr(data[:limit])
    return text + ("..." if len(data) > limit else "")


class Piece(NamedTuple):
    """A record-sized piece of an ISO 2709 stream.

    problem: None when the leader's length ends on a record terminator; else what is wrong with the piece.
    fatal: the piece cannot be a record (truncated at the end of the file, junk without a leader); otherwise
        it is parsed, and the problem becomes a warning if the directory checks out.
    notes: warnings about bytes skipped before it.
    """

    offset: int
    data: bytes
    problem: str | None
    fatal: bool
    notes: list[str]


def split_records(stream: BinaryIO) -> Iterator[Piece]:
    """The record-sized pieces of the stream, in order (see the module docstring)."""
    buf = b""
    base = 0  # stream offset of buf[0]
    pos = 0
    eof = False
    notes: list[str] = []

    def fill() -> None:
        nonlocal buf, base, pos, eof
        data = stream.read(CHUNK)
        if not data:
            eof = True
            return
        if pos:
            buf = buf[pos:] + data
            base += pos
            pos = 0
        else:
            buf += data

    while True:
        pos = _FILLER.match(buf, pos).end()
        if pos >= len(buf):
            if eof:
                return
            fill()
            continue
        if len(buf) - pos < 24 and not eof:
            fill()
            continue
        head = buf[pos:pos + 5]
        declared = int(head) if head.isdigit() else -1
        if declared >= 25:
            end = pos + declared
            if end > len(buf) and not eof:
                fill()
                continue
            if end <= len(buf) and buf[end - 1] == RT:
                inner = buf.find(b"\x1d", pos, end - 1)
                if inner < 0 or _directory_fits(buf[pos:end]):
                    if inner >= 0:
                        notes.append(f"record terminator inside the record at byte {inner - pos}, kept as data")
                    yield Piece(base + pos, buf[pos:end], None, False, notes)
                    notes = []
                    pos = end
                    continue
        # The leader's length does not hold: the record ends at the next terminator.
        t = buf.find(b"\x1d", pos)
        while t < 0 and not eof and len(buf) - pos < MAX_RECORD_SCAN:
            searched = len(buf) - pos  # relative to pos, which fill() may move
            fill()
            t = buf.find(b"\x1d", pos + searched)
        if t < 0:
            piece = buf[pos:]
            if eof and looks_like_leader(piece):
                want = f"{declared} bytes" if declared >= 0 else f"length {head!r}"
                problem = (f"truncated record: leader declares {want} but the file ends after {len(piece)} bytes "
                           f"without a record terminator")
            elif len(piece) >= MAX_RECORD_SCAN:
                problem = f"no record terminator in {len(piece)} bytes; skipped"
            else:
                problem = f"{len(piece)} bytes at the end of the file are not a record: {_show(piece)}"
            yield Piece(base + pos, piece, problem, True, notes)
            notes = []
            pos = len(buf)
            continue
        piece = buf[pos:t + 1]
        if looks_like_leader(piece):
            if declared >= 0:
                problem = f"leader length {head.decode()} does not match {len(piece)} bytes to the terminator"
            else:
                problem = f"invalid leader: record length {head!r} is not a number"
            yield Piece(base + pos, piece, problem, False, notes)
            notes = []
            pos = t + 1
            continue
        if not piece[:-1].strip(b"\x00\x1a \t\r\n\x0b\x0c"):
            notes.append(f"stray record terminator at byte {base + t} skipped")
            pos = t + 1
            continue
        m = LEADER_RE.search(buf, pos + 1, t)
        if m is not None:
            notes.append(f"skipped {m.start() - pos} bytes before the leader: {_show(buf[pos:m.start()])}")
            pos = m.start()
            continue
        problem = f"invalid leader: {len(piece)} bytes without a leader before the record terminator: {_show(piece)}"
        yield Piece(base + pos, piece, problem, True, notes)
        notes = []
        pos = t + 1


def _directory_fits(rec: bytes) -> bool:
    try:
        parse_structure(rec)
    except Broken:
        return False
    return True


def parse_structure(rec: bytes) -> tuple[str, list[str], list[bytes], bytes | None, list[str]]:
    """(leader, tags, field bytes without terminators, body, warnings). Raises Broken.

    body is the data area when the fields lie in it in directory order, one after the other, each ending with
    its terminator (the normal case): then body.split(b"\\x1e") starts with the fields, and the decoder can
    decode it in one go. Otherwise body is None.
    """
    warnings: list[str] = []
    n = len(rec)
    body_end = n - 1 if rec[-1:] == b"\x1d" else n
    if body_end < 24:
        raise Broken(f"invalid leader: not 24 bytes (record is {body_end} bytes)")
    lb = rec[:24]
    if not lb.isascii():
        raise Broken(f"invalid leader: non-ASCII bytes in {lb!r}")
    leader = lb.decode("ascii")
    bs = lb[12:17]
    base = int(bs) if bs.isdigit() else -1
    if not (25 <= base <= body_end and rec[base - 1] == FT):
        base = _find_base(rec, lb, base, body_end, warnings)
    directory = rec[24:base - 1]
    if len(directory) % 12:
        if not directory.isascii():
            raise Broken(f"directory contains non-ASCII bytes and is {len(directory)} bytes, not a whole number "
                         f"of 12-byte entries")
        raise Broken(f"directory is {len(directory)} bytes, not a whole number of 12-byte entries")
    if not directory:
        raise Broken("no fields: the directory is empty")
    if directory.isascii():
        # Fast path: fields contiguous and in directory order; checked against the terminators in one go.
        dstr = directory.decode("ascii")
        tags = []
        sizes = []
        expected = 0
        try:
            for i in range(0, len(dstr), 12):
                if int(dstr[i + 7:i + 12]) != expected:
                    break
                length = int(dstr[i + 3:i + 7])
                expected += length
                tags.append(dstr[i:i + 3])
                sizes.append(length - 1)
            else:
                if base + expected == body_end:
                    area = rec[base:body_end]
                    pieces = area.split(b"\x1e")
                    if len(pieces) == len(tags) + 1 and not pieces[-1]:
                        del pieces[-1]
                        if list(map(len, pieces)) == sizes:
                            return leader, tags, pieces, area, warnings
        except ValueError:
            pass
    tags = []
    datas = []
    for i in range(0, len(directory), 12):
        try:
            length = int(directory[i + 3:i + 7])
            start = base + int(directory[i + 7:i + 12])
        except ValueError:
            raise Broken(f"directory entry {i // 12 + 1} {directory[i:i + 12]!r} has a non-numeric length "
                         f"or offset") from None
        end = start + length
        if end <= body_end and length > 0 and start >= base and rec[end - 1] == FT:
            tags.append(_tag(directory, i))
            datas.append(rec[start:end - 1])
            continue
        # The directory and the data disagree from this entry on.
        entries = _split_on_terminators(rec, directory, base, body_end, i // 12, start, end, warnings)
        return leader, [t for t, _ in entries], [d for _, d in entries], None, warnings
    return leader, tags, datas, None, warnings


_DIRECTORY_RE = re.compile(rb"(?:[\x20-\x7e]{3}[0-9]{9})+")


def _find_base(rec: bytes, lb: bytes, base: int, body_end: int, warnings: list[str]) -> int:
    """Where the fields start when the leader's base address does not point just after a field terminator."""
    bs = lb[12:17].decode()
    # The leader is right, the directory's terminator is not (e.g. 0x1F instead of 0x1E).
    if 25 <= base <= body_end and (base - 25) % 12 == 0 and _DIRECTORY_RE.fullmatch(rec, 24, base - 1):
        warnings.append(f"directory terminator at byte {base - 1} is {rec[base - 1:base]!r}, not 0x1E")
        return base
    # The directory is right, the leader is not: the directory ends at the first field terminator.
    d = rec.find(b"\x1e", 24, body_end)
    if d < 0:
        raise Broken("no field terminator after the leader: the directory never ends")
    if (d - 24) % 12:
        if base < 0:
            raise Broken(f"invalid leader: base address {bs!r} is not a number, and the directory "
                         f"(bytes 24-{d}) is not a whole number of 12-byte entries")
        raise Broken(f"base address {bs} does not point after the directory, and the directory "
                     f"(bytes 24-{d}) is not a whole number of 12-byte entries")
    warnings.append(f"leader base address {bs!r} is wrong; the directory ends at byte {d}")
    return d + 1


def _tag(directory: bytes, i: int) -> str:
    tag_b = directory[i:i + 3]
    if not tag_b.isascii():
        raise Broken(f"directory entry {i // 12 + 1} has a non-ASCII tag {tag_b!r}")
    return tag_b.decode("ascii")


def _split_on_terminators(rec: bytes, directory: bytes, base: int, body_end: int, bad: int, start: int,
                          end: int, warnings: list[str]) -> list[tuple[str, bytes]]:
    """Fields cut at the field terminators when the directory's lengths/offsets do not fit the data.

    Typical cause: lengths counted in characters instead of bytes, or bytes inserted/removed by a bad
    conversion. Accepted only when the data holds exactly one terminated field per directory entry; the
    fields are matched to the entries in offset order. Raises Broken otherwise.
    """
    tag = _tag(directory, bad * 12)
    if end > body_end or start < base:
        what = (f"directory entry {bad + 1} (tag {tag}) points past the end of the record: field at bytes "
                f"{start}-{end - 1}, record data ends at byte {body_end - 1}")
    else:
        what = (f"directory entry {bad + 1} (tag {tag}): field at bytes {start}-{end - 1} does not end with a "
                f"field terminator")
    pieces = rec[base:body_end].split(b"\x1e")
    if pieces[-1] == b"":
        pieces.pop()
    count = len(directory) // 12
    if len(pieces) != count:
        raise Broken(f"{what}; the data has {len(pieces)} terminated fields for {count} directory entries")
    try:
        offsets = [int(directory[k * 12 + 7:k * 12 + 12]) for k in range(count)]
    except ValueError:
        raise Broken(f"{what}; and a later directory entry has a non-numeric offset") from None
    if body_end - base > 99999:  # offsets wrapped around 5 digits: trust the directory's order
        order = list(range(count))
    else:  # directory entries need not be in data order
        order = sorted(range(count), key=lambda k: (offsets[k], k))
    data_of = dict(zip(order, pieces))
    warnings.append(f"{what}; the directory does not match the data, fields taken from the field terminators")
    return [(_tag(directory, k * 12), data_of[k]) for k in range(count)]


def control_number_of(rec: bytes) -> str | None:
    """The 001 of a broken record, when it can still be found."""
    try:
        _, tags, datas, _, _ = parse_structure(rec)
        for tag, data in zip(tags, datas):
            if tag == "001":
                return data.decode("utf-8", "replace").strip() or None
    except Broken:
        pass
    if rec[24:27] == b"001":
        d = rec.find(b"\x1e", 24)
        if d > 0:
            e = rec.find(b"\x1e", d + 1)
            value = rec[d + 1:e if e > 0 else d + 40]
            if 0 < len(value) <= 40 and b"\x1f" not in value and value.isascii():
                return value.decode("ascii").strip() or None
    return None


def read_iso2709(stream: BinaryIO, source: str, forced_flavour: str | None) -> Iterator[ReadResult | BadRecord]:
    index = 0
    for offset, rec, problem, fatal, notes in split_records(stream):
        index += 1
        pos = Position(source, index, offset, None)
        if fatal:
            yield BadRecord(pos, problem, control_number_of(rec), rec, "iso2709")
            continue
        try:
            leader, tags, datas, body, warnings = parse_structure(rec)
        except Broken as err:
            reason = f"{problem}; {err}" if problem else str(err)
            yield BadRecord(pos, reason, control_number_of(rec), rec, "iso2709")
            continue
        if notes:
            warnings[:0] = notes
        if problem:
            warnings.insert(0, problem)
        decoded = decode_fields(leader, tags, datas, forced_flavour, warnings, body)
        yield ReadResult(decoded.record, pos, decoded.flavour, "iso2709", decoded.encoding, rec,
                         tuple(decoded.warnings))
