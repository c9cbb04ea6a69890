"""Transforms for mapping rules: each takes the list of values and returns a new list.

Named after what they do to catalogue data, so a table reads like a cataloguer's description.
"""
from __future__ import annotations

import re
from typing import Callable

from harvesters.marc.rules import Transform, lookup
from yidu import identifiers

# ISBD punctuation and brackets that catalogers leave at the ends of subfields.
_TRAILING = re.compile(r"[\s/:;,=.\]\u3002\uff0c\uff1b\uff1a\uff0f]+$")
_LEADING = re.compile(r"^[\s\[:;,=/\uff1a]+")
_LEADING_CHARS = frozenset(" [:;,=/\uff1a")
_TRAILING_CHARS = frozenset(" /:;,=.]\u3002\uff0c\uff1b\uff1a\uff0f")
_INITIAL = re.compile(r"\b[A-Z]\.$")
_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
_CLC = re.compile(r"^[A-Z][A-Z0-9.:/\-=()\"<>+]*")
_EDITION_NUMBER = re.compile(r"(\d+)|第([一二三四五六七八九十]+)版")
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}


def strip_punctuation(values: list) -> list:
    """'Python编程 /' -> 'Python编程'; keeps a trailing '.' after a single capital (initials)."""
    out = []
    for v in values:
        s = _LEADING.sub("", v) if v[:1] in _LEADING_CHARS else v
        if s[-1:] in _TRAILING_CHARS:
            s = _TRAILING.sub("", s) if not _INITIAL.search(s) else s.rstrip(" /:;,=")
        if s.endswith("]") and "[" not in s:
            s = s[:-1]
        if s:
            out.append(s)
    return out


def trim(values: list) -> list:
    """Whitespace only: prose (summaries, contents notes) keeps its final full stop."""
    return [s for s in (" ".join(v.split()) for v in values) if s]


def unique(values: list) -> list:
    seen, out = set(), []
    for v in values:
        key = v if isinstance(v, str) else repr(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def first(values: list) -> list:
    return values[:1]


def isbn13(values: list) -> list:
    return unique([i for i in map(identifiers.isbn13, values) if i])


def issn(values: list) -> list:
    return unique([i for i in map(identifiers.issn, values) if i])


def year(values: list) -> list:
    """The first plausible year in a date statement: 'c1994.' / '[1994?]' / '民国25年[1936]' -> 1994."""
    for v in values:
        for m in _YEAR.finditer(v):
            y = int(m.group(1))
            if 1000 <= y <= 2100:
                return [y]
    return []


def chunks(size: int) -> Transform:
    """041 $a 'engchi' -> ['eng', 'chi'] (older records run language codes together)."""

    def split(values: list) -> list:
        out = []
        for v in values:
            v = v.strip().lower()
            if len(v) > size and len(v) % size == 0 and " " not in v:
                out.extend(v[i : i + size] for i in range(0, len(v), size))
            elif v:
                out.append(v)
        return out

    return split


def translate(table: str, *, default: str | None = None, keep: bool = False) -> Transform:
    """Map values through a lookup table (a data file); `keep` passes unknown values through."""

    def apply(values: list) -> list:
        mapping = lookup(table)
        out = []
        for v in values:
            hit = mapping.get(v)
            if hit is None:
                hit = mapping.get(v.lower()) if isinstance(v, str) else None
            if hit is not None:
                out.append(hit)
            elif keep:
                out.append(v)
            elif default is not None:
                out.append(default)
        return unique(out)

    return apply


def valid_language(values: list) -> list:
    known = lookup("languages")
    return unique([v for v in values if v in known])


def clc(values: list) -> list:
    """Chinese Library Classification numbers: upper-cased, trimmed of call-number tails."""
    out = []
    for v in values:
        m = _CLC.match(v.strip().upper().replace(" ", ""))
        if m:
            out.append(m.group(0).rstrip(".-/"))
    return unique(out)


def edition_number(values: list) -> list:
    """'第2版' / '2nd ed.' / '第二版' -> '2'; used by the title+author+year+edition merge key."""
    for v in values:
        m = _EDITION_NUMBER.search(v)
        if m and m.group(1):
            return [m.group(1)]
        if m and m.group(2):
            cn = m.group(2)
            n = _CN_DIGITS.get(cn) if len(cn) == 1 else (10 + _CN_DIGITS.get(cn[-1], 0) if cn[0] == "十" else None)
            if n:
                return [str(n)]
    return []


def apply_each(fn: Callable[[str], str | None]) -> Transform:
    def apply(values: list) -> list:
        return [r for r in (fn(v) for v in values) if r]

    return apply
