"""Value normalisers the feed parsers share: text, dates, pages, names, languages, ISSNs.

Pure functions, no I/O except the lookup tables in `lookups/` (read once). They never raise on bad
data: what cannot be understood comes back as None (or is kept as given where the issue says to keep
messy values, e.g. pages).
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from importlib import resources
from typing import Iterable

from harvesters.feeds.records import Issn
from yidu import identifiers

_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]{0,400}>")
_ABSTRACT_HEADING = re.compile(r"^\s*<(?:jats:)?title>\s*(?:abstract|summary)\s*</(?:jats:)?title>", re.IGNORECASE)
_DASH = re.compile(r"\s*[-\u2010-\u2015\u2212~]\s*")
_MONTHS = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], 1) for name in names}
_DATE_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:T.*|\s+\d{1,2}:\d{2}.*)?$")
_DATE_WORDS = re.compile(r"(\d{4})(?:[\s/.,-]+([A-Za-z]+|\d{1,2})\.?(?:[\s/.,-]+(\d{1,2})(?!\d))?)?")
_PREFIXED = re.compile(r"^([A-Za-z]*)(\d+)$")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")


def clean(value: object) -> str | None:
    """Whitespace collapsed and stripped; None for empty or non-text."""
    if value is None:
        return None
    text = _SPACE.sub(" ", str(value)).strip()
    return text or None


def strip_markup(value: str | None) -> str | None:
    """Text of a value carrying JATS/HTML tags (Crossref abstracts: '<jats:title>Abstract</jats:title><jats:p>...')."""
    if not value:
        return None
    text = _ABSTRACT_HEADING.sub("", value)
    text = _TAG.sub(" ", text)
    return clean(html.unescape(text))


def unique(values: Iterable[str | None]) -> list[str]:
    """Non-empty values, first occurrence kept, compared case-insensitively."""
    seen: set[str] = set()
    out = []
    for v in values:
        v = clean(v)
        if v and v.casefold() not in seen:
            seen.add(v.casefold())
            out.append(v)
    return out


# --- dates ----------------------------------------------------------------------------------------

def month_number(value: object) -> int | None:
    if value is None:
        return None
    text = str(value).strip().lower().rstrip(".")
    if text.isdigit():
        n = int(text)
        return n if 1 <= n <= 12 else None
    return _MONTHS.get(text) or _MONTHS.get(text[:3])


def iso_date(year: object, month: object = None, day: object = None) -> str | None:
    """'2010', '2010-01' or '2010-01-15' from parts; a month that is a season ('Spring') or unreadable
    drops the precision to the year, a day without a month is ignored."""
    y = str(year).strip() if year is not None else ""
    if not (len(y) == 4 and y.isdigit()):
        return None
    m = month_number(month)
    if m is None:
        return y
    d = str(day).strip() if day is not None else ""
    if d.isdigit() and 1 <= int(d) <= 31:
        return f"{y}-{m:02d}-{int(d):02d}"
    return f"{y}-{m:02d}"


def parse_date(value: object) -> str | None:
    """A date written as text, in the precision given: '2010-01-15', '2005-01-01T00:00:00Z', '2002 Sep',
    '2012 Oct 15', '1998 Dec-1999 Jan' (MEDLINE: the start), '2006', 'Spring 1990' (the year)."""
    text = clean(value)
    if not text:
        return None
    m = _DATE_ISO.match(text)
    if m:
        return iso_date(*m.groups())
    m = _DATE_WORDS.search(text)
    if m and m.start() == 0:
        return iso_date(m.group(1), m.group(2), m.group(3))
    y = _YEAR.search(text)
    return y.group(1) if y else None


def date_parts(parts: object) -> str | None:
    """Crossref's {'date-parts': [[2010, 1, 15]]} (or [[None]]) as an ISO date."""
    try:
        first = parts["date-parts"][0]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None
    if not first or first[0] is None:
        return None
    return iso_date(*(list(first) + [None, None])[:3])


# --- pages ----------------------------------------------------------------------------------------

def split_pages(value: str | None) -> tuple[str | None, str | None]:
    """(first page, last page) of a page statement, kept as given except MEDLINE's abbreviated end page,
    which is expanded ('123-9' -> 129, '5795-813' -> 5813). Only the first range of '123-9, 140' counts."""
    text = clean(value)
    if not text:
        return None, None
    text = re.split(r"[,;]", text)[0].strip()
    parts = _DASH.split(text, maxsplit=1)
    first = parts[0] or None
    last = parts[1] if len(parts) > 1 and parts[1] else None
    m = _PREFIXED.match(first or "")
    if m and last and last.isdigit() and len(last) < len(m.group(2)):
        prefix, digits = m.groups()
        expanded = digits[: len(digits) - len(last)] + last
        if int(expanded) >= int(digits):  # 'R12-5' -> R15; an end before the start is no abbreviation
            last = prefix + expanded
    return first, last


def page_range(first: str | None, last: str | None) -> str | None:
    if first and last and last != first:
        return f"{first}-{last}"
    return first or None


# --- names ----------------------------------------------------------------------------------------

def person(surname: str | None, given: str | None, suffix: str | None = None) -> str | None:
    """'Surname, Given' (the display form of the catalogue), 'Surname' alone, or None."""
    surname, given, suffix = clean(surname), clean(given), clean(suffix)
    if not surname:
        return given
    name = f"{surname}, {given}" if given else surname
    return f"{name}, {suffix}" if suffix else name


# --- languages ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _languages() -> dict[str, str]:
    table: dict[str, str] = {}
    text = resources.files("harvesters.feeds").joinpath("lookups", "languages.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, _, aliases = line.partition("\t")
        table[code] = code
        for alias in aliases.split(","):
            if alias.strip():
                table[alias.strip().casefold()] = code
    return table


def language(value: object) -> str | None:
    """A MARC (ISO 639-2/B) code from 'en', 'en-US', 'EN', 'eng', 'deu', 'English', '英文'; None if unknown."""
    text = clean(value)
    if not text:
        return None
    key = text.casefold()
    table = _languages()
    return table.get(key) or table.get(re.split(r"[-_]", key)[0])


# --- ISSNs ----------------------------------------------------------------------------------------

_KINDS = {"print": "print", "ppub": "print", "pissn": "print", "p": "print",
          "electronic": "electronic", "epub": "electronic", "eissn": "electronic", "online": "electronic",
          "e": "electronic"}


def issn_kind(label: object) -> str:
    text = (clean(label) or "").casefold()
    return _KINDS.get(text, "")


def collect_issns(pairs: Iterable[tuple[object, object]]) -> tuple[list[Issn], list[str]]:
    """(valid ISSNs with their kinds, values that are not ISSNs) from (value, kind label) pairs.
    '00280836', '0028-083x' and ' 0028 0836 ' all count; a value met twice keeps its first known kind."""
    found: dict[str, str] = {}
    bad: list[str] = []
    for raw, label in pairs:
        text = clean(raw)
        if not text:
            continue
        value = identifiers.issn(text)
        if value is None:
            if text not in bad:
                bad.append(text)
            continue
        kind = issn_kind(label)
        if not found.get(value):
            found[value] = kind
    return [Issn(v, k) for v, k in found.items()], bad


def doi(value: object) -> str | None:
    return identifiers.doi(clean(value))
