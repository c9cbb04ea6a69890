"""Dates with their precision, as spans of days.

A KBART coverage date ("1995", "1995-06", "1995-06-15") and a citation date ("2008-03", "Spring 2001",
"2008年3月") both become a `DateSpan`: the first and last day they can mean, as proleptic Gregorian
ordinals (`date.toordinal()`), so that "1995" as a coverage start means 1 January 1995 and as an end
31 December 1995. Comparisons are then plain integer comparisons, which keeps the resolver fast.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

OPEN_LO = 0  # "no lower bound" (before any real date)
OPEN_HI = 10_000_000  # "no upper bound" (to present and beyond; date.max is 3,652,059)

YEAR_MIN, YEAR_MAX = 1000, 2999


@dataclass(frozen=True, slots=True)
class DateSpan:
    lo: int  # ordinal of the first day the date can mean
    hi: int  # ordinal of the last day
    precision: str  # "day", "month", "season", "year" or "years"
    text: str = ""

    @property
    def year(self) -> int:
        return date.fromordinal(self.lo).year

    @property
    def last_year(self) -> int:
        return date.fromordinal(self.hi).year

    def iso(self) -> str:
        """The span in KBART-style ISO form at its own precision ("2008", "2008-03", "2008-03-15")."""
        lo = date.fromordinal(self.lo)
        if self.precision == "day":
            return lo.isoformat()
        if self.precision == "month":
            return f"{lo.year:04d}-{lo.month:02d}"
        if self.precision == "years" and self.last_year != lo.year:
            return f"{lo.year:04d}-{self.last_year:04d}"
        return f"{lo.year:04d}"


def ordinal(y: int, m: int = 1, d: int = 1) -> int:
    return date(y, m, d).toordinal()


def year_span(y: int, text: str = "") -> DateSpan:
    return DateSpan(ordinal(y), ordinal(y, 12, 31), "year", text)


def month_span(y: int, m: int, text: str = "") -> DateSpan:
    return DateSpan(ordinal(y, m), ordinal(y, m, calendar.monthrange(y, m)[1]), "month", text)


def day_span(y: int, m: int, d: int, text: str = "") -> DateSpan:
    o = ordinal(y, m, d)
    return DateSpan(o, o, "day", text)


def iso_of(ordinal_: int) -> str:
    if ordinal_ <= OPEN_LO or ordinal_ >= OPEN_HI:
        return ""
    return date.fromordinal(ordinal_).isoformat()


# --- KBART dates: ISO 8601 at year, month or day precision -------------------------------------------------

_ISO = re.compile(r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2})(?:[T ][\d:.]+(?:z|Z|[+-]\d\d:?\d\d)?)?)?)?")


def parse_kbart_date(text: str | None) -> DateSpan | None:
    """A KBART date field; None when empty. Raises ValueError for anything that is not an ISO date."""
    value = (text or "").strip()
    if not value:
        return None
    match = _ISO.fullmatch(value)
    if not match:
        raise ValueError(f"{value!r} is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)")
    span = _span(int(match.group(1)), match.group(2), match.group(3), value)
    if span is None:
        raise ValueError(f"{value!r} is not a real date")
    return span


def _span(y: int, m: str | None, d: str | None, text: str) -> DateSpan | None:
    if not YEAR_MIN <= y <= YEAR_MAX:
        return None
    if m is None:
        return year_span(y, text)
    month = int(m)
    if not 1 <= month <= 12:
        return None
    if d is None:
        return month_span(y, month, text)
    day = int(d)
    if not 1 <= day <= calendar.monthrange(y, month)[1]:
        return None
    return day_span(y, month, day, text)


# --- citation dates: whatever real OpenURL sources send ------------------------------------------------------

_MONTHS = {name: i for i, names in enumerate((
    (), ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
    ("november", "nov"), ("december", "dec")), start=0) for name in names}
# Seasons as the months an issue so named can appear in (winter: the first quarter of its year).
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (1, 3),
            "春": (3, 5), "夏": (6, 8), "秋": (9, 11), "冬": (1, 3)}
_QUARTERS = {"1": (1, 3), "2": (4, 6), "3": (7, 9), "4": (10, 12)}

_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日)?)?")
_MONTH_YEAR = re.compile(r"(\d{1,2})[/.-](\d{4})")
_RANGE = re.compile(r"(\d{4})\s*[-/–]\s*(\d{2}|\d{4})")
_WORD_DATE = re.compile(r"(?:(\d{1,2})\s+)?([a-z]+|[春夏秋冬])\.?\s*(?:(\d{1,2})(?:st|nd|rd|th)?,?\s+)?(\d{4})"
                        r"|(\d{4})\s*[,/]?\s*([a-z]+|[春夏秋冬])\.?(?:\s+(\d{1,2}))?")
_QUARTER = re.compile(r"(?:q([1-4])|([1-4])(?:st|nd|rd|th)\s+quarter)\s*,?\s*(\d{4})|(\d{4})\s*,?\s*q([1-4])")
_ANY_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def parse_citation_date(text: str | None) -> DateSpan | None:
    """The most precise span a citation's date can be read as; None when it names no year at all."""
    raw = (text or "").strip()
    if not raw:
        return None
    value = unicodedata.normalize("NFKC", raw).strip().lower()
    for parse in (_iso_like, _compact, _chinese, _quarter, _words, _month_year, _year_range):
        span = parse(value, raw)
        if span is not None:
            return span
    match = _ANY_YEAR.search(value)
    return year_span(int(match.group(1)), raw) if match else None


def _iso_like(value: str, raw: str) -> DateSpan | None:
    match = _ISO.fullmatch(value)
    return _span(int(match.group(1)), match.group(2), match.group(3), raw) if match else None


def _compact(value: str, raw: str) -> DateSpan | None:
    match = _COMPACT.fullmatch(value)
    return _span(int(match.group(1)), match.group(2), match.group(3), raw) if match else None


def _chinese(value: str, raw: str) -> DateSpan | None:
    match = _CHINESE.search(value)
    if not match:
        return None
    season = next((s for s in ("春", "夏", "秋", "冬") if s in value[match.end():match.end() + 2]), None)
    if season and not match.group(2):
        return _months(int(match.group(1)), _SEASONS[season], raw, "season")
    return _span(int(match.group(1)), match.group(2), match.group(3), raw)


def _quarter(value: str, raw: str) -> DateSpan | None:
    match = _QUARTER.search(value)
    if not match:
        return None
    q = match.group(1) or match.group(2) or match.group(5)
    y = int(match.group(3) or match.group(4))
    return _months(y, _QUARTERS[q], raw, "season")


def _words(value: str, raw: str) -> DateSpan | None:
    for match in _WORD_DATE.finditer(value):
        if match.group(4):
            day, word, day2, y = match.group(1), match.group(2), match.group(3), int(match.group(4))
        else:
            y, word, day2, day = int(match.group(5)), match.group(6), match.group(7), None
        day = day or day2
        if word in _SEASONS:
            return _months(y, _SEASONS[word], raw, "season")
        month = _MONTHS.get(word)
        if month is None:
            continue
        if day:
            span = _span(y, str(month), day, raw)
            if span is not None:
                return span
        return _span(y, str(month), None, raw)
    return None


def _month_year(value: str, raw: str) -> DateSpan | None:
    match = _MONTH_YEAR.fullmatch(value)
    return _span(int(match.group(2)), match.group(1), None, raw) if match else None


def _year_range(value: str, raw: str) -> DateSpan | None:
    match = _RANGE.fullmatch(value)
    if not match:
        return None
    first, second = int(match.group(1)), match.group(2)
    last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    if len(second) == 2 and last < first:
        last += 100  # "1999/00"
    if not (YEAR_MIN <= first <= YEAR_MAX and first <= last <= YEAR_MAX):
        return None
    if last == first:
        return year_span(first, raw)
    return DateSpan(ordinal(first), ordinal(last, 12, 31), "years", raw)


def _months(y: int, months: tuple[int, int], raw: str, precision: str) -> DateSpan | None:
    if not YEAR_MIN <= y <= YEAR_MAX:
        return None
    first, last = months
    return DateSpan(ordinal(y, first), ordinal(y, last, calendar.monthrange(y, last)[1]), precision, raw)
