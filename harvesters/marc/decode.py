"""Turn a record's fields, still as bytes, into a `pymarc.Record`: flavour, character set, fields.

Shared by the byte-oriented syntaxes (ISO 2709, MicroLIF). A field is a tag and its bytes without the field
terminator: 0x1F before each subfield code, indicators first.

This is the reader's hot path. When the pymarc `Field` layout is the expected one (`fields.FAST`), the
`Field` and `Subfield` objects are built directly rather than through their constructors, and a record whose
fields lie one after the other in its data area is decoded with one `bytes.decode` call.
"""
from __future__ import annotations

from dataclasses import dataclass

import pymarc

from harvesters.marc import charset, flavour as flavours
from harvesters.marc.fields import FAST, control_field, data_field, is_control_tag, new_record, unstructured_field

_tuple_new = tuple.__new__
_new_field = pymarc.Field.__new__
_Field = pymarc.Field
_Subfield = pymarc.Subfield
_Indicators = pymarc.Indicators
MAX_WARNINGS = 12


@dataclass(slots=True)
class Decoded:
    record: pymarc.Record
    flavour: str
    encoding: str
    warnings: list[str]


def _subfield_a(data: bytes) -> bytes | None:
    i = data.find(b"\x1fa")
    if i < 0:
        return None
    j = data.find(b"\x1f", i + 2)
    return data[i + 2:] if j < 0 else data[i + 2:j]


def _first_100a(tags: list[str], datas: list[bytes]) -> str | None:
    for tag, data in zip(tags, datas):
        if tag == "100":
            a = _subfield_a(data)
            if a is not None:
                return a.decode("ascii", "replace")
    return None


def detect_flavour(tags: list[str], datas: list[bytes]) -> str:
    """The flavour from the raw fields (see `harvesters.marc.flavour`)."""
    tag_set = set(tags)
    if "245" in tag_set:
        return flavours.MARC21
    has_200a = "200" in tag_set and any(_subfield_a(d) is not None for t, d in zip(tags, datas) if t == "200")
    f100a = _first_100a(tags, datas) if "100" in tag_set else None
    return flavours.decide(tag_set, has_200a, f100a)


def decode_fields(leader: str, tags: list[str], datas: list[bytes], forced_flavour: str | None,
                  warnings: list[str], body: bytes | None = None) -> Decoded:
    """Decode the fields of one record. Never raises for bad bytes: they become U+FFFD plus a warning.

    body: when given, `body.split(b"\\x1e")` starts with exactly `datas` (ISO 2709 data area).
    """
    flavour = forced_flavour or detect_flavour(tags, datas)
    if body is None:
        body = b"\x1e".join(datas)
    unimarc_100a = _first_100a(tags, datas) if flavour == flavours.CNMARC else None
    choice = charset.choose_encoding(leader, body, flavour, unimarc_100a)
    if choice.warning:
        warnings.append(choice.warning)
    unstructured = leader[10:12] == "00" and not any(
        b"\x1f" in d for t, d in zip(tags, datas) if not is_control_tag(t))
    if choice.codec == "marc-8":
        texts = charset.ansel_texts(body, len(tags)) if FAST else None
        if texts is None:
            texts = _marc8_texts(tags, datas, warnings)
        fields = _fields_fast(tags, texts, warnings) if FAST else _text_fields(tags, texts, warnings)
    elif unstructured or not FAST:
        fields = _codec_fields(tags, datas, choice, warnings, unstructured)
    else:
        texts = None
        try:
            texts = body.decode(choice.codec).split("\x1e")
        except UnicodeDecodeError:
            pass  # some field has bad bytes: decode field by field to say which
        if texts is None or len(texts) < len(tags):
            texts = [_decode(d, choice, t, warnings) for t, d in zip(tags, datas)]
        fields = _fields_fast(tags, texts, warnings)
    if len(warnings) > MAX_WARNINGS:
        extra = len(warnings) - MAX_WARNINGS
        del warnings[MAX_WARNINGS:]
        warnings.append(f"... and {extra} more warnings")
    return Decoded(new_record(leader, fields), flavour, choice.encoding, warnings)


def _decode(data: bytes, choice: charset.Choice, tag: str, warnings: list[str]) -> str:
    try:
        return data.decode(choice.codec)
    except UnicodeDecodeError as err:
        text = data.decode(choice.codec, "replace")
        bad = data[err.start:err.end].hex(" ")
        more = text.count("\ufffd") - 1
        also = f" (and {more} more)" if more > 0 else ""
        warnings.append(f"field {tag}: invalid {choice.encoding} bytes {bad} at byte {err.start}{also} "
                        f"replaced by U+FFFD")
        return text


def _indicators(tag: str, ind: str, warnings: list[str]) -> tuple[str, str]:
    if len(ind) == 2 and ind.isascii() and ind.isprintable():
        return ind[0], ind[1]
    if not ind:
        warnings.append(f"field {tag} has no indicators; blanks assumed")
        return " ", " "
    if len(ind) == 1:
        warnings.append(f"field {tag} has one indicator; second set blank")
        ind = ind + " "
    elif len(ind) > 2:
        warnings.append(f"field {tag}: {ind[2:]!r} between the indicators and the first subfield dropped")
    fixed = [c if c.isascii() and c.isprintable() else " " for c in ind[:2]]
    if fixed != list(ind[:2]):
        warnings.append(f"field {tag}: invalid indicator {ind[:2]!r} replaced by blank")
    return fixed[0], fixed[1]


def _fields_fast(tags: list[str], texts: list[str], warnings: list[str]) -> list:
    """pymarc fields from decoded field texts, slots filled directly (see `fields.FAST`)."""
    fields = []
    append = fields.append
    new_field = _new_field
    field_cls = _Field
    tuple_new = _tuple_new
    subfield_cls = _Subfield
    indicators_cls = _Indicators
    for tag, text in zip(tags, texts):
        f = new_field(field_cls)
        f.tag = tag
        if tag < "010" and tag.isdigit():
            f.data = text
            f.control_field = True
            f._indicators = None
            f.subfields = []
        else:
            parts = text.split("\x1f")
            ind = parts[0]
            if len(ind) != 2 or not ind.isascii():
                ind = _indicators(tag, ind, warnings)
            f.data = None
            f.control_field = False
            f._indicators = tuple_new(indicators_cls, ind)
            del parts[0]
            f.subfields = [tuple_new(subfield_cls, (p[0], p[1:])) for p in parts if p]
        append(f)
    return fields


def _codec_fields(tags, datas, choice: charset.Choice, warnings: list[str], unstructured: bool) -> list:
    """Fields through the pymarc constructors (or unstructured, for leader/10-11 = "00" records)."""
    fields = []
    for tag, data in zip(tags, datas):
        text = _decode(data, choice, tag, warnings)
        if is_control_tag(tag):
            fields.append(control_field(tag, text))
            continue
        if unstructured:
            fields.append(unstructured_field(tag, text))
            continue
        parts = text.split("\x1f")
        i1, i2 = _indicators(tag, parts[0], warnings)
        fields.append(data_field(tag, i1, i2, [_tuple_new(_Subfield, (p[0], p[1:])) for p in parts[1:] if p]))
    return fields


def _text_fields(tags, texts, warnings: list[str]) -> list:
    """Fields from decoded field texts through the pymarc constructors (when `FAST` is off)."""
    fields = []
    for tag, text in zip(tags, texts):
        if is_control_tag(tag):
            fields.append(control_field(tag, text))
            continue
        parts = text.split("\x1f")
        i1, i2 = _indicators(tag, parts[0], warnings)
        fields.append(data_field(tag, i1, i2, [_tuple_new(_Subfield, (p[0], p[1:])) for p in parts[1:] if p]))
    return fields


def _marc8_texts(tags, datas, warnings: list[str]) -> list[str]:
    """Field texts (indicators, 0x1F, code, value ...) from MARC-8 bytes, subfield by subfield.

    Fields that are plain ASCII (no escape, no &#x reference) are decoded in one go; the others subfield by
    subfield, the character sets reset at each (see `charset.Marc8Decoder`).
    """
    decoder = charset.Marc8Decoder()
    texts = []
    for tag, data in zip(tags, datas):
        if data.isascii() and 0x1B not in data and b"&#x" not in data:
            texts.append(data.decode("ascii"))
            continue
        decoder.reset()
        decoder.problems = []
        if is_control_tag(tag):
            texts.append(decoder.decode(data))
        else:
            parts = data.split(b"\x1f")
            out = [parts[0].decode("latin-1")]  # indicators; non-ASCII ones are replaced later, with a warning
            for p in parts[1:]:
                if not p:
                    continue
                code = p[0]
                if code >= 0x80:
                    warnings.append(f"field {tag}: non-ASCII subfield code byte {code:#04x}")
                decoder.reset()
                out.append(chr(code) + decoder.decode(p[1:]))
            texts.append("\x1f".join(out))
        if decoder.problems:
            seen = list(dict.fromkeys(decoder.problems))
            shown = "; ".join(seen[:3]) + (f"; ... ({len(seen) - 3} more)" if len(seen) > 3 else "")
            warnings.append(f"field {tag}: MARC-8 {shown}")
    return texts
