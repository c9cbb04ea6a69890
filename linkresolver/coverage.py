"""Does a range of a serial (electronic coverage or a print run) include the issue a citation names?

A *point* is what the citation says: a date span (with its precision), a volume, an issue - any of
them may be missing. A *range* has a start and an end side, each with a date and a volume/issue,
each of which may be open (no bound: "to present"), or unknown (print holdings "v.1-12" say nothing
about years). Each side is decided on its own - by date when both have one, by volume/issue when the
date straddles the bound (a range starting mid-year) or is missing - and the weaker side wins:

  FULL     the whole span the citation can mean is inside;
  PARTIAL  part of it may be (a year-only citation against a range starting in June), or the data
           cannot tell (a date against volume-only print holdings);
  NONE     it is certainly outside - with the reason.

Everything here is integer arithmetic on day ordinals (see `dates.py`) so the resolver stays fast.
"""
from __future__ import annotations

from dataclasses import dataclass

from linkresolver.dates import OPEN_HI, OPEN_LO

NONE, PARTIAL, FULL = 0, 1, 2
UNKNOWN = -1  # a bound the data does not state (print holdings without years, a volume never given)

STATUS_NAMES = {NONE: "none", PARTIAL: "partial", FULL: "full"}


@dataclass(frozen=True, slots=True)
class Point:
    lo: int | None = None  # first day the citation's date can mean (ordinal), None without a date
    hi: int | None = None
    volume: int | None = None
    issue: int | None = None

    @property
    def dated(self) -> bool:
        return self.lo is not None

    @property
    def journal_level(self) -> bool:
        """No date and no volume: the citation names the journal, not an issue of it."""
        return self.lo is None and self.volume is None


@dataclass(frozen=True, slots=True)
class Verdict:
    status: int
    reason: str  # "inside", "before_start", "after_end", "start_unclear", "end_unclear", "embargo", ...

    @property
    def name(self) -> str:
        return STATUS_NAMES[self.status]


INSIDE = Verdict(FULL, "inside")


def check(point: Point, date_lo: int, date_hi: int, vol_lo: int = UNKNOWN, iss_lo: int = UNKNOWN,
          vol_hi: int = UNKNOWN, iss_hi: int = UNKNOWN) -> Verdict:
    """Where `point` lies against a range. Dates are ordinals, OPEN_LO/OPEN_HI for open ends, UNKNOWN
    when the data does not say; volumes and issues are ints or UNKNOWN."""
    if point.journal_level:
        return INSIDE
    start = _side(point, date_lo, vol_lo, iss_lo, OPEN_LO, lower=True)
    if start == NONE:
        return Verdict(NONE, "before_start")
    end = _side(point, date_hi, vol_hi, iss_hi, OPEN_HI, lower=False)
    if end == NONE:
        return Verdict(NONE, "after_end")
    if start == PARTIAL:
        return Verdict(PARTIAL, "start_unclear")
    if end == PARTIAL:
        return Verdict(PARTIAL, "end_unclear")
    return INSIDE


def _side(point: Point, bound: int, vol: int, iss: int, open_value: int, *, lower: bool) -> int:
    if bound == open_value:
        # No date limit on this side; a stated volume limit still counts when the citation has a volume.
        if vol != UNKNOWN and point.volume is not None:
            return _volume_side(point.volume, point.issue, vol, iss, lower)
        return FULL
    if point.lo is not None and bound != UNKNOWN:
        by_date = _date_side(point.lo, point.hi, bound, lower)
        if by_date != PARTIAL:
            return by_date
    if point.volume is not None and vol != UNKNOWN:
        return _volume_side(point.volume, point.issue, vol, iss, lower)
    return PARTIAL  # a date straddling the bound with no volume to settle it, or nothing comparable


def _date_side(lo: int, hi: int, bound: int, lower: bool) -> int:
    if lower:
        if hi < bound:
            return NONE
        return FULL if lo >= bound else PARTIAL
    if lo > bound:
        return NONE
    return FULL if hi <= bound else PARTIAL


def _volume_side(volume: int, issue: int | None, vol: int, iss: int, lower: bool) -> int:
    if volume != vol:
        return FULL if (volume > vol) == lower else NONE
    if iss == UNKNOWN:
        return FULL
    if issue is None:
        # The range starts (or ends) inside this volume: an issue-less citation may fall either side.
        return FULL if (lower and iss <= 1) else PARTIAL
    return FULL if (issue >= iss if lower else issue <= iss) else NONE


def check_window(point: Point, lo: int, hi: int) -> Verdict:
    """An embargo's available window (see `Embargo.window`) against the citation: dates only, since
    a moving wall is a date. Without a date an issue-level citation cannot be checked."""
    if lo > hi:
        return Verdict(NONE, "embargo")
    if lo == OPEN_LO and hi == OPEN_HI:
        return INSIDE
    if point.lo is None:
        return INSIDE if point.volume is None else Verdict(PARTIAL, "embargo_unclear")
    if point.hi < lo or point.lo > hi:
        return Verdict(NONE, "embargo")
    if point.lo >= lo and point.hi <= hi:
        return INSIDE
    return Verdict(PARTIAL, "embargo_partial")


def overlaps(a_lo: int, a_hi: int, b_lo: int, b_hi: int) -> bool:
    return max(a_lo, b_lo) <= min(a_hi, b_hi)
