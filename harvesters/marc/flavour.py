"""MARC 21 or CNMARC/UNIMARC, decided per record from its content.

1. A 245 field -> MARC 21; a 200 field with $a and no 245 -> CNMARC (any UNIMARC dialect: CNMARC, RUSMARC,
   Sudoc UNIMARC, ...).
2. Neither: an 008 -> MARC 21; a 100 $a of at least 36 characters starting with 8 digits (the UNIMARC
   "general processing data", which starts with the date entered) -> CNMARC.
3. Otherwise MARC 21.
"""
from __future__ import annotations

from collections.abc import Collection

import pymarc

MARC21 = "marc21"
CNMARC = "cnmarc"


def looks_like_unimarc_100a(value: str | None) -> bool:
    return bool(value) and len(value) >= 36 and value[:8].isdigit()


def decide(tags: Collection[str], has_200a: bool, f100a: str | None) -> str:
    if "245" in tags:
        return MARC21
    if has_200a:
        return CNMARC
    if "008" in tags:
        return MARC21
    if looks_like_unimarc_100a(f100a):
        return CNMARC
    return MARC21


def of_record(record: pymarc.Record) -> str:
    """The flavour of a decoded record."""
    tags = {f.tag for f in record.fields}
    has_200a = any(sf.code == "a" for f in record.fields if f.tag == "200" for sf in f.subfields)
    f100a = None
    if "245" not in tags and not has_200a and "008" not in tags:
        for f in record.fields:
            if f.tag == "100" and not f.control_field:
                f100a = next((sf.value for sf in f.subfields if sf.code == "a"), None)
                break
    return decide(tags, has_200a, f100a)
