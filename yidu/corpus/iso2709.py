"""A small direct ISO 2709 encoder (pymarc's Record.as_marc() is ~10x slower).

A record is a leader (24 bytes), a directory of 12-byte entries (tag, field length, start offset), a field
terminator, the fields (each ending with 0x1E) and the record terminator 0x1D. Data fields are two
indicators followed by subfields, each introduced by the delimiter 0x1F and a one-character code.
Lengths and offsets count bytes of the UTF-8 encoding.
"""
from __future__ import annotations

RT = b"\x1d"  # record terminator; fields end with 0x1E, subfields start with 0x1F


_D4 = tuple(f"{i:04d}" for i in range(10000))
_D5 = tuple(f"{i:05d}" for i in range(32768))


def encode(leader_head: str, leader_tail: str, fields: list[tuple[str, str | bytes]]) -> bytes:
    """Encode a record.

    leader_head: leader/05-11 (status, type, level, ..., "22" indicator/subfield-code counts), 7 chars
    leader_tail: leader/17-23 (encoding level ... "4500"), 7 chars
    fields: (tag, body) with body a str (encoded as UTF-8) or bytes (written as is), without terminators.
    Raises ValueError when a field or the record exceeds what the format can express.
    """
    datas = []
    entries = []
    offset = 0
    d4, d5 = _D4, _D5
    add_data, add_entry = datas.append, entries.append
    try:
        for tag, body in fields:
            if body.__class__ is str:
                body = body.encode()
            add_data(body)
            n = len(body) + 1
            add_entry(tag + d4[n] + d5[offset])
            offset += n
    except IndexError:
        if offset >= 32768:
            return _encode_long(leader_head, leader_tail, fields)
        raise ValueError("a field is longer than 9998 bytes") from None
    base = 25 + 12 * len(fields)
    total = base + offset + 1
    if total > 99999:
        raise ValueError("record longer than 99999 bytes")
    return (f"{total:05d}{leader_head}{base:05d}{leader_tail}{''.join(entries)}\x1e".encode()
            + b"\x1e".join(datas) + b"\x1e\x1d")


def _encode_long(leader_head: str, leader_tail: str, fields) -> bytes:
    """The general (slower) path for records whose data area passes 32 KB."""
    datas = [body.encode() if body.__class__ is str else body for _, body in fields]
    entries, offset = [], 0
    for (tag, _), data in zip(fields, datas):
        n = len(data) + 1
        if n > 9999:
            raise ValueError("a field is longer than 9998 bytes")
        entries.append(f"{tag}{n:04d}{offset:05d}")
        offset += n
    base = 25 + 12 * len(fields)
    total = base + offset + 1
    if total > 99999:
        raise ValueError("record longer than 99999 bytes")
    return (f"{total:05d}{leader_head}{base:05d}{leader_tail}{''.join(entries)}\x1e".encode()
            + b"\x1e".join(datas) + b"\x1e\x1d")


def decode_directory(data: bytes) -> tuple[int, int, list[tuple[str, int, int]]]:
    """(leader record length, base address, [(tag, length, offset)]) as the leader/directory claim them."""
    length = int(data[:5]) if data[:5].isdigit() else -1
    base = int(data[12:17])
    directory = data[24:base - 1].decode("ascii")
    entries = [(directory[i:i + 3], int(directory[i + 3:i + 7]), int(directory[i + 7:i + 12]))
               for i in range(0, len(directory) - len(directory) % 12, 12)]
    return length, base, entries


def structure_problems(data: bytes) -> list[str]:
    """What is wrong with a record's framing (empty for a well-formed record)."""
    problems = []
    if not data.endswith(RT):
        problems.append("no record terminator")
    try:
        length, base, entries = decode_directory(data)
    except ValueError:
        return problems + ["unreadable leader or directory"]
    if length != len(data):
        problems.append(f"leader length {length} != {len(data)} bytes")
    if base > len(data) or data[base - 1:base] != b"\x1e":
        problems.append("base address does not follow the directory")
    body = len(data) - base
    for tag, n, off in entries:
        if off + n > body:
            problems.append(f"field {tag} runs past the end of the record")
        elif data[base + off + n - 1:base + off + n] != b"\x1e":
            problems.append(f"field {tag} is not terminated where the directory says")
    return problems
