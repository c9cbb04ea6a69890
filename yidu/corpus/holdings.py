"""One library's copies of an edition: locations, barcodes, call numbers, and small cataloguing variants.

Shared by both record writers. Everything here is drawn from the record's own random stream (seed, edition,
library), so a library's record of an edition is stable but differs from other libraries' records.
"""
from __future__ import annotations

import re

from yidu.corpus import vocab as V
from yidu.corpus.editions import Edition
from yidu.corpus.profiles import LibraryProfile

_FULL2HALF = str.maketrans("（）：，；！？", "():,;!?")
_HALF2FULL = str.maketrans("():,;!?", "（）：，；！？")
_LEADING_NUMBER = re.compile(r"^(['’`]?\d+)(?=[\u4e00-\u9fff])")
_SPACED_NUMBER = re.compile(r"^(['’`]?\d+) (?=[\u4e00-\u9fff])")

FORM_SUBDIVISIONS = {"t": "-43", "r": "-61", "a": "-53", "p": "-54"}


def trivial(text: str, r: int) -> str:
    """A trivially different transcription of `text` (r: a uniform byte 0-255): half- or full-width
    punctuation, a space after (or none after) a leading year, ’ for '. Never changes words."""
    if r < 205 or not text:
        return text
    if r < 225:
        return text.translate(_FULL2HALF)
    if r < 238:
        return text.translate(_HALF2FULL)
    if r < 248:
        if _SPACED_NUMBER.match(text):
            return _SPACED_NUMBER.sub(r"\1", text)
        return _LEADING_NUMBER.sub(r"\1 ", text)
    return text.replace("'", "’")


_D2 = tuple(f"{i:02d}" for i in range(100))


def entered_date(ed: Edition, u) -> tuple[str, str]:
    """(date entered YYYYMMDD, 005 timestamp) of this library's record."""
    year = ed.year or 1950
    r = u()
    entered = 1995 + r % 18 if year < 1995 else min(2024, year + r % 3)
    changed = min(2025, entered + (r >> 8) % 8)
    d2 = _D2
    date = f"{entered}{d2[1 + (r >> 12) % 12]}{d2[1 + (r >> 16) % 28]}"
    r = u()
    stamp = f"{changed}{d2[1 + r % 12]}{d2[1 + (r >> 4) % 28]}{d2[(r >> 9) % 24]}{d2[(r >> 14) % 60]}{d2[(r >> 20) % 60]}.0"
    return date, stamp


def _call_data(ed: Edition) -> tuple:
    """Library-independent inputs of the holdings: (locations, kind, class, author letter, edition mark, volumes)."""
    if ed.mode == "ancient":
        locations, kind = V.LOCATIONS_ANCIENT, 0
    elif ed.form == "r":
        locations, kind = V.LOCATIONS_REFERENCE, 1
    elif ed.script == "western":
        locations, kind = V.LOCATIONS_WESTERN, 2
    else:
        locations, kind = V.LOCATIONS_ZH, 3
    names = ed.names
    if ed.script == "western":
        letter = names[0].name[:1] if names else ed.title[:1]
    else:
        letter = names[0].pinyin[:1] if names and names[0].pinyin else (ed.title_pinyin or "Z")[:1]
    letter = letter.upper()
    letter = letter if "A" <= letter <= "Z" else "Z"
    mark = f"({ed.edition_statement.strip('第版')})" if ed.edition_statement and ed.script == "chinese" else ""
    subdivided = ed.clc + FORM_SUBDIVISIONS[ed.form] if ed.form in FORM_SUBDIVISIONS else ed.clc
    return (locations, kind, ed.clc, subdivided, letter, mark, f"1-{ed.volumes}" if ed.volumes > 1 else None,
            ed.script == "western")


def copysets(ed: Edition, lib: LibraryProfile, u, k: int,
             memo: dict | None = None) -> list[tuple[str, list[str], str, str, str | None]]:
    """The library's copies of `ed`: [(location, barcodes, call-number class, item part, volumes)], one
    entry per location (one or two)."""
    data = memo.get("call") if memo is not None else None
    if data is None:
        data = _call_data(ed)
        if memo is not None:
            memo["call"] = data
    locations, kind, clc, subdivided, letter, mark, volumes, western = data
    r = u()
    if kind == 3:
        x = (r & 0xFFFF) / 65536.0 * (1.0 + lib.copies_bias)
        copies = 1 if x < 0.7 else (2 if x < 1.3 else (3 if x < 1.8 else 4 + (r >> 16) % 4))
    elif kind == 2:  # foreign books: mostly a single copy
        x = r & 0xFF
        copies = 1 if x < 205 else (2 if x < 243 else 3)
    elif kind == 1:
        copies = 1 + (r & 3 == 0)
    else:
        copies = 1
    if lib.form_subdivision:
        clc = subdivided
    r = u()
    if western or lib.call_style == "author":
        item = letter + str(100 + r % 900)
    else:
        item = str(1 + r % 480)
    if mark and (r >> 12) & 1:
        item += mark
    modulus = _POW10[lib.barcode_digits]
    base = (k * 63352 + lib.barcode_salt) % modulus
    prefix = lib.barcode_prefix
    n_loc = len(locations)
    first = (r >> 14) % n_loc
    if copies == 1:
        return [(locations[first], [prefix + str(modulus + base)[1:]], clc, item, volumes)]
    if (r >> 20) % 3:
        return [(locations[first], [prefix + str(modulus + (base + j) % modulus)[1:] for j in range(copies)],
                 clc, item, volumes)]
    rest = copies // 2
    return [(locations[first], [prefix + str(modulus + (base + j) % modulus)[1:] for j in range(copies - rest)],
             clc, item, volumes),
            (locations[(first + 1) % n_loc], [prefix + str(modulus + (base + 8 + j) % modulus)[1:] for j in range(rest)],
             clc, item, volumes)]


_POW10 = tuple(10 ** i for i in range(16))


def isbn_forms(ed: Edition, lib: LibraryProfile, r: int) -> list[str]:
    """The ISBN(s) as this library writes them (r: a uniform uint32): hyphenated or not, ISBN-10 kept or
    converted to ISBN-13, now and then both."""
    if not ed.isbn:
        return []
    hyphens = (r & 0xFFFF) < lib.isbn_hyphens * 65536.0
    if ed.isbn10:
        hyphenated10 = ed.isbn_printed or ed.isbn10
        if lib.isbn13_retro:
            forms = [("978-" + hyphenated10[:-1] + ed.isbn[-1]) if hyphens else ed.isbn]
            if (r >> 16) % 10 == 0:
                forms.append(hyphenated10 if hyphens else ed.isbn10)
        else:
            forms = [hyphenated10 if hyphens else ed.isbn10]
            if (r >> 16) % 20 == 0:
                forms.append(ed.isbn)
        return forms
    return [ed.isbn_printed if hyphens and ed.isbn_printed else ed.isbn]


def keep_other_title(ed: Edition, r: int) -> bool:
    """Libraries sometimes omit the subtitle (r: a uniform byte), but never for editions without ISBN: their
    title is part of the matching key."""
    if not ed.other_title:
        return False
    return ed.isbn is None or r >= 26
