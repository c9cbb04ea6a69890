"""MARC-in-JSON, e.g.
    {"leader": "...", "fields": [{"001": "..."}, {"245": {"ind1": "1", "ind2": "0", "subfields": [{"a": ".."}]}}]}

Accepted layouts: one record per line (JSON lines / .ndj), a JSON array of records, a single record, or several
records one after the other. JSON lines are read line by line (positions carry byte offset and line); the other
layouts are decoded incrementally from a text buffer (positions carry the line).

A line or record that is not valid JSON, or not a MARC-in-JSON record, is a BadRecord with its line; reading goes
on with the next line (JSON lines) or the next object that starts with a "leader" key (other layouts).

The older marc4j "MARC-JSON" notation ({leader: "...", controlfield: [{tag: .., data: ..}], datafield: [{tag: ..,
ind: "  ", subfield: [{code: .., data: ..}]}]}, unquoted keys, commas optional) is read too, with a warning.
"""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

import orjson

from harvesters.marc import flavour as flavours
from harvesters.marc.charset import is_utf8
from harvesters.marc.fields import control_field, data_field, is_control_tag, new_record, repair_leader, subfield
from harvesters.marc.results import BadRecord, Position, ReadResult

CHUNK = 1 << 20
MAX_RECORD_CHARS = 8 << 20  # a record whose JSON is not complete within this many characters is broken
_NEXT_RECORD = re.compile(r'\{\s*"leader"|\{\s*leader\s*:')
_LEGACY_START = re.compile(r"\{\s*leader\s*:")
_WS = re.compile(r"[\s,]*")


class NotMarcJson(ValueError):
    pass


def record_from_json(obj, forced: str | None, warnings: list[str]):
    """(pymarc.Record, flavour) from a decoded MARC-in-JSON object. Raises NotMarcJson."""
    if not isinstance(obj, dict):
        raise NotMarcJson(f"not a MARC-in-JSON record: a JSON {type(obj).__name__}, not an object")
    leader = obj.get("leader")
    if not isinstance(leader, str):
        raise NotMarcJson("not a MARC-in-JSON record: no \"leader\" string")
    repaired = repair_leader(leader)
    if repaired is None:
        raise NotMarcJson(f"invalid leader: {len(leader)} characters, not 24: {leader!r}")
    leader, note = repaired
    if note:
        warnings.append(note)
    raw_fields = obj.get("fields")
    if not isinstance(raw_fields, list):
        raise NotMarcJson("not a MARC-in-JSON record: no \"fields\" array")
    fields = []
    for n, item in enumerate(raw_fields, 1):
        if not isinstance(item, dict) or len(item) != 1:
            warnings.append(f"fields[{n}] is not an object with exactly one tag; dropped")
            continue
        (tag, value), = item.items()
        if isinstance(value, str):
            fields.append(control_field(tag, value))
            continue
        if not isinstance(value, dict):
            warnings.append(f"field {tag}: neither a string nor an object; dropped")
            continue
        ind1 = _indicator(value.get("ind1"), tag, "ind1", warnings)
        ind2 = _indicator(value.get("ind2"), tag, "ind2", warnings)
        subfields = []
        for sf in value.get("subfields") or []:
            if not isinstance(sf, dict) or len(sf) != 1:
                warnings.append(f"field {tag}: a subfield is not an object with exactly one code; dropped")
                continue
            (code, text), = sf.items()
            if not isinstance(text, str):
                text = "" if text is None else str(text)
                warnings.append(f"field {tag} ${code}: value is not a string")
            if len(code) != 1:
                warnings.append(f"field {tag}: subfield code {code!r} is not one character")
            subfields.append(subfield(code, text))
        if is_control_tag(tag) and "subfields" not in value and "data" in value:
            fields.append(control_field(tag, str(value["data"])))
        else:
            fields.append(data_field(tag, ind1, ind2, subfields))
    record = new_record(leader, fields)
    return record, forced or flavours.of_record(record)


def _indicator(value, tag: str, name: str, warnings: list[str]) -> str:
    if value is None or value == "":
        return " "
    if not isinstance(value, str) or len(value) != 1:
        warnings.append(f"field {tag}: {name} {value!r} is not one character")
        value = str(value)[:1] or " "
    return value


def _result(obj, forced, pos: Position, raw: bytes | None, warnings: list[str]):
    try:
        record, flavour = record_from_json(obj, forced, warnings)
    except NotMarcJson as err:
        cn = None
        if isinstance(obj, dict):
            for f in obj.get("fields") or []:
                if isinstance(f, dict) and isinstance(f.get("001"), str):
                    cn = f["001"]
                    break
        return BadRecord(pos, str(err), cn, raw, "marc-json")
    return ReadResult(record, pos, flavour, "marc-json", "utf-8", None, tuple(warnings))


class NotMarcJsonFile(Exception):
    """A JSON document that is not MARC-in-JSON at all (no "leader" key near its start)."""


_LEADER_KEY = re.compile(rb'"leader"\s*:|[{,]\s*leader\s*:')


def read_marcjson(stream: BinaryIO, source: str, forced: str | None) -> Iterator[ReadResult | BadRecord]:
    head = stream.peek(64 * 1024) if hasattr(stream, "peek") else b""
    if head and not _LEADER_KEY.search(head):
        keys = re.findall(rb'"([^"\\]{1,30})"\s*:', head[:2048])[:5]
        shown = ", ".join(k.decode("utf-8", "replace") for k in keys)
        raise NotMarcJsonFile(f"JSON without MARC records (no \"leader\" key in the first {len(head)} bytes"
                              + (f"; keys {shown}" if shown else "") + ")")
    if _is_json_lines(head):
        yield from _read_lines(stream, source, forced)
    else:
        yield from _read_documents(stream, source, forced)


def _is_json_lines(head: bytes) -> bool:
    """True when the first non-blank line is a complete JSON object on its own."""
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    for line in body.split(b"\n"):
        line = line.strip()
        if not line:
            continue
        if not line.startswith(b"{"):
            return False
        try:
            return isinstance(orjson.loads(line), dict)
        except orjson.JSONDecodeError:
            return False
    return False


def _read_lines(stream: BinaryIO, source: str, forced: str | None) -> Iterator[ReadResult | BadRecord]:
    index = 0
    offset = 0
    line_no = 0
    rest = b""
    while True:
        chunk = stream.read(CHUNK)
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop() if chunk else b""
        for raw in lines:
            line_no += 1
            start = offset
            offset += len(raw) + 1
            text = raw.strip()
            if line_no == 1 and text.startswith(b"\xef\xbb\xbf"):
                text = text[3:].strip()
            if not text:
                continue
            index += 1
            pos = Position(source, index, start, line_no)
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError:
                try:
                    obj = json.loads(text.decode("utf-8", "replace"), strict=False)
                except json.JSONDecodeError as err:
                    yield BadRecord(pos, f"invalid JSON on line {line_no}, column {err.colno}: {err.msg}", None,
                                    bytes(raw), "marc-json")
                    continue
                note = ("invalid UTF-8 replaced by U+FFFD" if not is_utf8(text)
                        else "raw control characters inside JSON strings accepted")
                yield _result(obj, forced, pos, bytes(raw), [note])
                continue
            yield _result(obj, forced, pos, bytes(raw), [])
        if not chunk:
            return


def _read_documents(stream: BinaryIO, source: str, forced: str | None) -> Iterator[ReadResult | BadRecord]:
    decoder = json.JSONDecoder(strict=False)  # raw control characters in strings are common
    text_decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    buf = ""
    pos = 0
    eof = False
    line = 1  # line number at counted_to
    counted_to = 0
    index = 0
    in_array = False

    def more() -> None:
        nonlocal buf, pos, eof, counted_to
        data = stream.read(CHUNK)
        if not data:
            eof = True
            buf += text_decoder.decode(b"", final=True)
            return
        if pos > CHUNK:
            line_at(pos)
            buf = buf[pos:]
            counted_to -= pos
            pos = 0
        buf += text_decoder.decode(data)

    def line_at(p: int) -> int:
        nonlocal line, counted_to
        if p > counted_to:
            line += buf.count("\n", counted_to, p)
            counted_to = p
        return line

    while True:
        pos = _WS.match(buf, pos).end() if in_array else _skip_ws(buf, pos)
        if pos >= len(buf):
            if eof:
                return
            more()
            continue
        ch = buf[pos]
        if ch == "[" and not in_array:
            in_array = True
            pos += 1
            continue
        if ch == "]" and in_array:
            in_array = False
            pos += 1
            continue
        try:
            obj, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as err:
            if not eof and len(buf) - pos < MAX_RECORD_CHARS:
                more()
                continue
            start_line = line_at(pos)
            if _LEGACY_START.match(buf, pos):
                try:
                    obj, end = _parse_legacy(buf, pos)
                except ValueError as lerr:
                    obj, end = None, -1
                    err_text = str(lerr)
                if obj is not None:
                    index += 1
                    yield _legacy_result(obj, forced, Position(source, index, None, start_line))
                    line_at(end)
                    pos = end
                    continue
            else:
                err_text = f"{err.msg} at line {_line_of(buf, pos, err.pos, start_line)}"
            index += 1
            yield BadRecord(Position(source, index, None, start_line), f"invalid JSON: {err_text}", None, None,
                            "marc-json")
            nxt = _NEXT_RECORD.search(buf, pos + 1)
            if nxt is None:
                return
            pos = nxt.start()
            continue
        index += 1
        yield _result(obj, forced, Position(source, index, None, line_at(pos)), None, [])
        pos = end


def _line_of(buf: str, pos: int, err_pos: int, start_line: int) -> int:
    return start_line + buf.count("\n", pos, err_pos) if err_pos >= pos else start_line


def _skip_ws(buf: str, pos: int) -> int:
    n = len(buf)
    while pos < n and buf[pos] in " \t\r\n\ufeff":
        pos += 1
    return pos


# --- the legacy marc4j "MARC-JSON" notation -------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|(-?\d+(?:\.\d+)?)|([{}\[\]:,]))', re.S)


def _parse_legacy(buf: str, pos: int):
    """Parse one JavaScript-like object (unquoted keys, optional commas). Returns (value, end). Raises ValueError."""

    def token(p):
        m = _TOKEN.match(buf, p)
        if m is None:
            raise ValueError(f"unexpected {buf[p:p + 10]!r} in MARC-JSON")
        if m.group(1) is not None:
            return ("str", json.loads(m.group(1))), m.end()
        if m.group(2) is not None:
            return ("name", m.group(2)), m.end()
        if m.group(3) is not None:
            return ("num", m.group(3)), m.end()
        return ("punct", m.group(4)), m.end()

    def value(p):
        (kind, v), p = token(p)
        if kind == "punct" and v == "{":
            obj = {}
            while True:
                (k2, v2), q = token(p)
                if k2 == "punct" and v2 == "}":
                    return obj, q
                if k2 == "punct" and v2 == ",":
                    p = q
                    continue
                if k2 not in ("str", "name"):
                    raise ValueError(f"expected a key in MARC-JSON, got {v2!r}")
                (k3, v3), q = token(q)
                if (k3, v3) != ("punct", ":"):
                    raise ValueError(f"expected ':' after key {v2!r} in MARC-JSON")
                obj[v2], p = value(q)
        if kind == "punct" and v == "[":
            arr = []
            while True:
                (k2, v2), q = token(p)
                if k2 == "punct" and v2 == "]":
                    return arr, q
                if k2 == "punct" and v2 == ",":
                    p = q
                    continue
                item, p = value(p)
                arr.append(item)
        if kind in ("str", "num"):
            return v, p
        if kind == "name" and v in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[v], p
        raise ValueError(f"unexpected {v!r} in MARC-JSON")

    return value(pos)


def _legacy_result(obj, forced, pos: Position):
    """Convert the legacy notation to MARC-in-JSON and read that."""
    warnings = ["marc4j MARC-JSON notation (unquoted keys), not MARC-in-JSON"]
    if not isinstance(obj, dict):
        return BadRecord(pos, "not a MARC record", None, None, "marc-json")
    fields = []
    for cf in obj.get("controlfield") or []:
        if isinstance(cf, dict) and "tag" in cf:
            fields.append({str(cf["tag"]): str(cf.get("data", ""))})
    for df in obj.get("datafield") or []:
        if not isinstance(df, dict) or "tag" not in df:
            continue
        ind = str(df.get("ind", "  ")).ljust(2)
        subs = [{str(s.get("code", "")): s.get("data", "")} for s in df.get("subfield") or [] if isinstance(s, dict)]
        fields.append({str(df["tag"]): {"ind1": ind[0], "ind2": ind[1], "subfields": subs}})
    return _result({"leader": obj.get("leader"), "fields": fields}, forced, pos, None, warnings)
