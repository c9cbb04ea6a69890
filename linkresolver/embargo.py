"""KBART embargoes: moving walls with the recommended practice's calendar semantics.

KBART (NISO RP-9, section "embargo_info") writes an embargo as type + length + unit, e.g. `P1Y`:

* type `R` - access *begins* at the moving wall: only the most recent content is available
  (`R2Y`: the previous and the current calendar year);
* type `P` - access *ends* at the moving wall: everything except the most recent content
  (`P1Y`: all content except the current calendar year; `P6M`: except the past 6 calendar months);
* unit `D`, `M` or `Y`; the unit is also the granularity, i.e. how often the wall moves: `Y` and `M`
  walls move once per calendar year / month, `D` walls move every day (`R365D`: the issue published
  exactly one year ago leaves access today);
* two statements joined by `;` apply together, the starting embargo first (`R10Y;P30D`: the past 10
  calendar years except the most recent 30 days).

So with a reference date `today`, the wall of `xNU` is the start of the unit that lies N-1 units before
today's unit (the current unit counts as one of the N): for `Y` 1 January of `today.year - N + 1`, for
`M` the first day of the month N-1 months back, for `D` the day `today - (N - 1)`. `R` content is
available from the wall on, `P` content up to the day before the wall. `today` is always passed in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from linkresolver.dates import OPEN_HI, OPEN_LO, iso_of, ordinal

_PART = re.compile(r"([RP])(\d{1,4})([DMY])")
UNIT_NAMES = {"D": ("day", "days"), "M": ("calendar month", "calendar months"),
              "Y": ("calendar year", "calendar years")}


@dataclass(frozen=True, slots=True)
class Wall:
    kind: str  # "R": access begins at the wall; "P": access ends before it
    length: int
    unit: str  # "D", "M" or "Y"

    def at(self, today: date) -> int:
        """The ordinal of the wall's day for reference date `today`."""
        back = self.length - 1
        if self.unit == "D":
            return max(today.toordinal() - back, OPEN_LO)
        if self.unit == "M":
            months = today.year * 12 + today.month - 1 - back
            y, m0 = divmod(months, 12)
            if y > 9999:
                return OPEN_HI
            return ordinal(y, m0 + 1) if y >= 1 else OPEN_LO
        y = today.year - back
        if y > 9999:
            return OPEN_HI
        return ordinal(y) if y >= 1 else OPEN_LO

    def __str__(self) -> str:
        return f"{self.kind}{self.length}{self.unit}"


@dataclass(frozen=True, slots=True)
class Embargo:
    walls: tuple[Wall, ...]

    @property
    def text(self) -> str:
        return ";".join(str(w) for w in self.walls)

    def window(self, today: date) -> tuple[int, int]:
        """(first, last) available day as ordinals; OPEN_LO / OPEN_HI where unbounded. first > last
        means nothing is available (e.g. `R0Y`)."""
        lo, hi = OPEN_LO, OPEN_HI
        for wall in self.walls:
            day = wall.at(today)
            if wall.kind == "R":
                lo = max(lo, day)
            else:
                hi = min(hi, day - 1)
        return lo, hi

    def describe(self, today: date) -> str:
        """A sentence for readers and librarians: what the embargo leaves available on `today`."""
        lo, hi = self.window(today)
        parts = []
        for wall in self.walls:
            one, many = UNIT_NAMES[wall.unit]
            unit = one if wall.length == 1 else many
            if wall.kind == "R":
                parts.append(f"only the most recent {wall.length} {unit}")
            else:
                parts.append(f"not the most recent {wall.length} {unit}")
        span = []
        if lo > OPEN_LO:
            span.append(f"from {iso_of(lo)}")
        if hi < OPEN_HI:
            span.append(f"up to {iso_of(hi)}")
        return f"embargo {self.text} ({', '.join(parts)}): available {' '.join(span) or 'in full'}"


def parse_embargo(text: str | None) -> Embargo | None:
    """None for an empty field; raises ValueError for anything that is not KBART embargo syntax."""
    value = (text or "").strip()
    if not value:
        return None
    walls = []
    for part in value.split(";"):
        match = _PART.fullmatch(part.strip().upper())
        if not match:
            raise ValueError(f"embargo {value!r}: {part.strip()!r} is not R|P + number + D|M|Y (e.g. P12M, R10Y;P30D)")
        walls.append(Wall(match.group(1), int(match.group(2)), match.group(3)))
    return Embargo(tuple(walls))
