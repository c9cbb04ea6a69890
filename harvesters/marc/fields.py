"""Fast construction of pymarc objects.

`pymarc.Field.__init__` validates and normalises its arguments, which costs more than parsing the field: on the
ISO 2709 hot path it was a third of the time. The readers here have already validated tags, indicators and
subfields, so they fill the `Field`'s slots directly. At import time the fast builders are checked against the
real constructor; if a pymarc upgrade changes the `Field` layout, they fall back to the constructor.
"""
from __future__ import annotations

import re

import pymarc
from pymarc import Field, Indicators, Subfield
from pymarc.leader import Leader

_new_field = Field.__new__
_tuple_new = tuple.__new__


def is_control_tag(tag: str) -> bool:
    """pymarc's (and ruby-marc's) rule: 001-009 are control fields; alphabetic tags are data fields."""
    return tag < "010" and tag.isdigit()


def subfield(code: str, value: str) -> Subfield:
    return _tuple_new(Subfield, (code, value))


def indicators(first: str, second: str) -> Indicators:
    return _tuple_new(Indicators, (first, second))


def _fast_control_field(tag: str, data: str) -> Field:
    f = _new_field(Field)
    f.tag = tag
    f.data = data
    f.control_field = True
    f._indicators = None
    f.subfields = []
    return f


def _fast_data_field(tag: str, ind1: str, ind2: str, subfields: list[Subfield]) -> Field:
    f = _new_field(Field)
    f.tag = tag
    f.data = None
    f.control_field = False
    f._indicators = _tuple_new(Indicators, (ind1, ind2))
    f.subfields = subfields
    return f


def _slow_control_field(tag: str, data: str) -> Field:
    return Field(tag=tag, data=data)


def _slow_data_field(tag: str, ind1: str, ind2: str, subfields: list[Subfield]) -> Field:
    return Field(tag=tag, indicators=Indicators(ind1, ind2), subfields=subfields)


def unstructured_field(tag: str, data: str) -> Field:
    """A data field (tag >= 010) without indicators or subfield codes, kept as plain `data`.

    Used only for ISO 2709 records whose leader declares 0 indicators and 0-length subfield codes (leader/10-11 =
    "00", e.g. IRBIS exports). `Field.as_marc()` writes it back unchanged.
    """
    f = _new_field(Field)
    f.tag = tag
    f.data = data
    f.control_field = True  # as_marc()/value() then use .data; is_control_field() is therefore True too
    f._indicators = None
    f.subfields = []
    return f


_SHORT_LEADER = re.compile(r"([0-9]{5}.{7}[0-9]{5})(.{0,2})(4500)")


def repair_leader(text: str) -> tuple[str, str | None] | None:
    """A 24-character leader from `text`, with a warning when it had to be repaired; None when it cannot be.

    The one repair: a leader of 22-23 characters whose record length, base address and entry map ("4500")
    are where they belong is missing characters in positions 17-19 (encoding level, cataloguing form,
    multipart level - seen in real Alma exports); they are padded with blanks.
    """
    if len(text) == 24:
        return text, None
    m = _SHORT_LEADER.fullmatch(text)
    if m is None:
        return None
    fixed = m.group(1) + m.group(2).ljust(3) + m.group(3)
    return fixed, f"leader {text!r} has {len(text)} characters; positions 17-19 padded with blanks: {fixed!r}"


def new_record(leader: str, fields: list[Field]) -> pymarc.Record:
    record = pymarc.Record()
    record.leader = Leader(leader)
    record.fields = fields
    return record


def _fast_path_works() -> bool:
    try:
        sfs = [subfield("a", "x"), subfield("A", "拼音")]
        pairs = (
            (_fast_control_field("001", "id 1"), Field(tag="001", data="id 1")),
            (_fast_data_field("245", "1", "0", sfs), Field(tag="245", indicators=Indicators("1", "0"), subfields=sfs)),
        )
        for fast, slow in pairs:
            if (fast.tag, fast.data, fast.control_field, fast.indicators, fast.subfields) != (
                slow.tag, slow.data, slow.control_field, slow.indicators, slow.subfields
            ):
                return False
            if fast.as_marc("utf-8") != slow.as_marc("utf-8") or str(fast) != str(slow):
                return False
        return pairs[1][0]["A"] == "拼音" and pairs[1][0].indicator1 == "1"
    except Exception:  # noqa: BLE001 - any surprise means: do not use the fast path
        return False


FAST = _fast_path_works()  # the slots of pymarc.Field are as expected: may be filled directly
if FAST:
    control_field = _fast_control_field
    data_field = _fast_data_field
else:  # pragma: no cover - only with an incompatible pymarc
    control_field = _slow_control_field
    data_field = _slow_data_field
