"""Print journal holdings: which volumes and years a library keeps on its shelves.

Two sources:

* MARC serial holdings summaries (866 $a, and CNMARC 905 $y), free text in the style of ANSI/NISO
  Z39.71: "v.1(1990)-v.12(2001)", "1995-", "v.3-5, 7-", "v.10-35  (1988-2013)",
  "Jahrg.22:no.21-Jahrg.23:no.21 (1893-1894)", "1901/1902", "第1卷(1990)-". `parse_summary` turns one
  into `Run`s - continuous runs, several when there are gaps - and says when it cannot read it.
* a CSV file a librarian uploads (`read_holdings_csv`), with these columns (header required, any order):

  | column | required | meaning |
  |---|---|---|
  | `issn` | one of issn/eissn/title | ISSN of the journal (any form: 0028-0836, 00280836) |
  | `eissn` | | its online ISSN, if known (helps group print and online) |
  | `title` | | journal title (matching when ISSNs are missing or disagree; display) |
  | `start_year`, `start_volume` | | first year / volume held (empty: from the first) |
  | `end_year`, `end_volume` | | last year / volume held (empty with `open=yes` or nothing after: to present) |
  | `summary` | | instead of the four above: an 866-style statement ("v.1(1990)-v.12(2001), 2005-") |
  | `control_number` | | the journal's record number in the library's OPAC (shelf-status link) |
  | `note` | | shown to readers ("bound volumes in the stacks") |

  One row per continuous run; a journal with gaps has several rows (or one `summary` with commas).
  An empty end means "to present" (the library still receives it) unless `end_year`/`end_volume` is set.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from linkresolver.coverage import UNKNOWN
from linkresolver.dates import OPEN_HI, ordinal
from linkresolver.errors import FileProblems
from linkresolver.kbart import Problem, decode
from yidu import identifiers

OPEN = 99_999  # an open end in years/volumes ("1995-": to present)


@dataclass(frozen=True, slots=True)
class Run:
    """A continuous run of a print journal. Years and volumes are ints, UNKNOWN when the statement
    does not give them, OPEN for an open end."""

    year_lo: int = UNKNOWN
    year_hi: int = UNKNOWN
    vol_lo: int = UNKNOWN
    vol_hi: int = UNKNOWN

    def date_bounds(self) -> tuple[int, int]:
        """The run's years as day ordinals for `coverage.check` (OPEN -> open, UNKNOWN stays)."""
        lo = UNKNOWN if self.year_lo == UNKNOWN else ordinal(self.year_lo)
        if self.year_hi == OPEN:
            hi = OPEN_HI
        elif self.year_hi == UNKNOWN:
            hi = UNKNOWN
        else:
            hi = ordinal(self.year_hi, 12, 31)
        if self.vol_hi == OPEN and hi == UNKNOWN:
            hi = OPEN_HI  # "v.3-": to present, whatever the years
        return lo, hi

    def describe(self) -> str:
        def side(v: int, y: int) -> str:
            vol = f"v.{v}" if v not in (UNKNOWN, OPEN) else ""
            year = f"({y})" if vol and y not in (UNKNOWN, OPEN) else (str(y) if y not in (UNKNOWN, OPEN) else "")
            return vol + year
        start, end = side(self.vol_lo, self.year_lo), side(self.vol_hi, self.year_hi)
        if self.year_hi == OPEN or self.vol_hi == OPEN:
            return f"{start}-"
        return start if start == end else f"{start}-{end}"


@dataclass(frozen=True, slots=True)
class Holding:
    """One library's print holdings of one journal."""

    library: str
    issns: tuple[str, ...]
    title: str
    runs: tuple[Run, ...]
    summary: str = ""
    control_number: str = ""
    note: str = ""
    line: int = 0


# --- 866 summaries -----------------------------------------------------------------------------------------------

_ENUM_WORDS = r"v|vol|vols|bd|bde|band|jahrg|jg|t|tome|tomo|annee|année|jaarg|knj|vyp|ser|année|anno|卷|第"
_LEVEL2 = re.compile(r"^(?:no|nos|nr|heft|h|issue|iss|fasc|pt|n|num|期)\b\.?", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_NUM = re.compile(r"\d+")
_SKIP = re.compile(r"^\s*(?:\*|index|catalog|reels?|fiche|microfiche|\d+\s+reels)", re.IGNORECASE)


def parse_summary(text: str) -> tuple[list[Run], str | None]:
    """(runs, problem): the runs a holdings statement describes; `problem` says why (part of) it could
    not be read. An unreadable statement gives no runs: the library holds the journal, extent unknown."""
    value = unicodedata.normalize("NFKC", text or "").strip().rstrip(",;. ")
    if not value:
        return [], "empty holdings statement"
    if _SKIP.match(value):
        return [], f"not an enumeration: {text.strip()[:60]!r}"
    runs: list[Run] = []
    problems: list[str] = []
    context = _Context()
    for segment in _split_top(value, ",;"):
        run, problem = _segment(segment, context)
        if run is not None and run not in runs:
            runs.append(run)
        if problem:
            problems.append(problem)
    return runs, ("; ".join(problems) or None)


class _Context:
    """What the previous comma-separated segment ended on: "v.176:no.1,3-4" continues issues of v.176."""

    def __init__(self) -> None:
        self.volume: int | None = None
        self.issue_level = False


def _split_top(text: str, separators: str) -> list[str]:
    """Split on separators outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif ch in separators and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _top_dash(text: str) -> int:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        elif ch in "-–—~至" and depth == 0:
            return i
    return -1


@dataclass
class _Enum:
    kind: str  # "volume", "issue" (an issue-level number only), "year" (a bare year), "" (nothing)
    number: int = UNKNOWN
    second: int = UNKNOWN  # "9/10": a combined volume
    labelled: bool = False
    ends_at_issue: bool = False  # "v.9:no.2"


_LABEL = re.compile(rf"\s*(?:(?:{_ENUM_WORDS})\b\.?\s*|第\s*)", re.IGNORECASE)


def _enum(text: str) -> _Enum:
    outside = re.sub(r"\([^)]*\)?", " ", text).strip()
    if not outside:
        return _Enum("")
    if _LEVEL2.match(outside):
        return _Enum("issue")
    label = _LABEL.match(outside)
    rest = outside[label.end():] if label else outside
    match = re.match(r"(\d+)(?:st|nd|rd|th)?(?:\s*/\s*(\d+))?\s*(?:卷)?", rest)
    if not match:
        return _Enum("")
    number = int(match.group(1))
    labelled = bool(label) or "卷" in rest[:match.end()]
    if not labelled and len(match.group(1)) == 4 and 1500 <= number <= 2099:
        second = int(match.group(2)) if match.group(2) and len(match.group(2)) == 4 else UNKNOWN
        return _Enum("year", number, second)
    second = int(match.group(2)) if match.group(2) else UNKNOWN
    tail = rest[match.end():]
    return _Enum("volume", number, second, labelled, bool(re.match(r"\s*[:.]?\s*" + _LEVEL2.pattern[1:], tail,
                                                                 re.IGNORECASE)))


def _paren_years(text: str) -> tuple[list[int], bool]:
    """Years in the parentheses of `text`, and whether a parenthesis holds a range ("(1988-2013)")."""
    groups = re.findall(r"\(([^)]*)\)?", text)
    years = [int(y) for g in groups for y in _YEAR.findall(g)]
    return years, any(re.search(r"[-–/]", g) for g in groups)


def _segment(segment: str, ctx: _Context) -> tuple[Run | None, str | None]:
    dash = _top_dash(segment)
    left, right = (segment, None) if dash < 0 else (segment[:dash], segment[dash + 1:])
    lo, hi = _enum(left), _enum(right or "")
    if lo.kind == "volume" and not lo.labelled and ctx.issue_level and ctx.volume is not None:
        lo = _Enum("issue", ends_at_issue=True)  # "..., 6": another issue of the last volume
        lo.number = ctx.volume
        vol_lo = ctx.volume
    else:
        vol_lo = lo.number if lo.kind == "volume" else UNKNOWN
    if lo.kind == "issue" and vol_lo == UNKNOWN and ctx.issue_level and ctx.volume is not None:
        vol_lo = ctx.volume
    year_lo = lo.number if lo.kind == "year" else UNKNOWN
    vol_hi, year_hi = UNKNOWN, UNKNOWN
    if right is None:  # a single volume or year
        vol_hi = lo.second if lo.kind == "volume" and lo.second != UNKNOWN else vol_lo
        year_hi = lo.second if lo.kind == "year" and lo.second != UNKNOWN else year_lo
    elif not right.strip():  # "1995-", "v.7-": to present
        vol_hi = OPEN if vol_lo != UNKNOWN else UNKNOWN
        year_hi = OPEN
    elif hi.kind == "volume" and not hi.labelled and (lo.ends_at_issue or lo.kind == "issue"):
        vol_hi = vol_lo  # "v.9:no.2-3": issues within one volume
    elif hi.kind == "volume" and not hi.labelled and lo.kind == "year" and hi.number < 100:
        year_hi = lo.number // 100 * 100 + hi.number  # "1990-95"
        if year_hi < lo.number:
            year_hi += 100
    elif hi.kind == "volume":
        vol_hi = hi.number
    elif hi.kind == "year":
        year_hi = hi.second if hi.second != UNKNOWN else hi.number
    # Chronology in parentheses: per side ("v.1(1990)-v.12(2001)") or once for the run ("v.10-35 (1988-2013)").
    left_years, left_range = _paren_years(left)
    right_years, right_range = _paren_years(right or "")
    if left_years and right_years and not left_range and not right_range:
        year_lo, year_hi = left_years[0], right_years[-1]
    elif left_years or right_years:
        years = left_years + right_years
        if right is not None and right.strip() == "" and left_years:
            year_lo = min(years)  # "第1卷(1990)-": open end stays open
        elif left_years and not right_years and right is not None and not left_range:
            year_lo = left_years[0]  # "v.1(1990)-v.12": the end year is not stated
        else:
            year_lo, year_hi = min(years), max(years)
    ctx.volume = vol_hi if vol_hi not in (UNKNOWN, OPEN) else (vol_lo if vol_lo != UNKNOWN else ctx.volume)
    ctx.issue_level = (hi.kind == "issue" or lo.ends_at_issue or lo.kind == "issue") if right else \
        (lo.ends_at_issue or lo.kind == "issue")
    if hi.ends_at_issue:
        ctx.issue_level = True
    if vol_lo == UNKNOWN and year_lo == UNKNOWN:
        return None, f"no volume or year in {segment[:40]!r}"
    if (year_lo != UNKNOWN and year_hi not in (UNKNOWN, OPEN) and year_hi < year_lo) or \
            (vol_lo != UNKNOWN and vol_hi not in (UNKNOWN, OPEN) and vol_hi < vol_lo):
        return None, f"run ends before it starts: {segment[:40]!r}"
    return Run(year_lo, year_hi, vol_lo, vol_hi), None


# --- CSV upload ----------------------------------------------------------------------------------------------------

CSV_COLUMNS = ("issn", "eissn", "title", "start_year", "start_volume", "end_year", "end_volume", "summary",
               "control_number", "note")


def read_holdings_csv(data: bytes, library: str, *, source: str = "<upload>") -> tuple[list[Holding], list[Problem]]:
    """Holdings rows of one library from a CSV upload (columns in the module docstring). Bad rows are
    reported with their line and skipped; a file without the needed header is refused whole."""
    text, _ = decode(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    sample = text[:4096]
    dialect = "excel-tab" if sample.count("\t") > sample.count(",") else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    header: list[str] | None = None
    grouped: dict[tuple, dict] = {}
    problems: list[Problem] = []
    line = 1
    try:
        for fields in reader:
            row_line, line = line, reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                header = [re.sub(r"\s+", "_", f.strip().lower()) for f in fields]
                _check_header(header, source, row_line)
                continue
            row = dict(zip(header, (f.strip() for f in fields)))
            _holdings_row(row, row_line, library, grouped, problems)
    except csv.Error as exc:
        problems.append(Problem(line, "error", f"CSV syntax error: {exc}; the rest of the file was not read"))
    if header is None:
        raise FileProblems(f"{source} is empty", ref=source, problems=["line 1: no header row"])
    holdings = [Holding(library, g["issns"], g["title"], tuple(g["runs"]), "; ".join(g["summaries"]),
                        g["control"], g["note"], g["line"]) for g in grouped.values()]
    return holdings, problems


def _check_header(header: list[str], source: str, line: int) -> None:
    if not {"issn", "eissn", "title"} & set(header):
        raise FileProblems(f"{source} is not a holdings CSV", ref=source,
                           problems=[f"line {line}: the header needs an issn, eissn or title column "
                                     f"(columns: {', '.join(CSV_COLUMNS)})"])


def _holdings_row(row: dict, line: int, library: str, grouped: dict, problems: list[Problem]) -> None:
    issns = []
    for column in ("issn", "eissn"):
        raw = row.get(column, "")
        if raw:
            found = identifiers.issn(raw)
            if found is None:
                problems.append(Problem(line, "warning", f"{column} {raw!r} is not a valid ISSN; ignored"))
            elif found not in issns:
                issns.append(found)
    title = row.get("title", "")
    if not issns and not title:
        problems.append(Problem(line, "error", "no valid ISSN and no title"))
        return
    runs, problem = _row_runs(row)
    if problem:
        problems.append(Problem(line, "error" if runs is None else "warning", problem))
        if runs is None:
            return
    # Rows of one journal share its first ISSN (gaps are several rows); without ISSNs, its title.
    key = issns[0] if issns else "title:" + title.casefold()
    group = grouped.setdefault(key, {"issns": (), "title": title, "runs": [], "summaries": [],
                                     "control": row.get("control_number", ""), "note": row.get("note", ""),
                                     "line": line})
    group["issns"] += tuple(i for i in issns if i not in group["issns"])
    group["runs"].extend(r for r in runs if r not in group["runs"])
    if row.get("summary"):
        group["summaries"].append(row["summary"])


def _row_runs(row: dict) -> tuple[list[Run] | None, str | None]:
    structured = [row.get(c, "") for c in ("start_year", "start_volume", "end_year", "end_volume")]
    if row.get("summary") and not any(structured):
        runs, problem = parse_summary(row["summary"])
        return runs, (f"summary {row['summary']!r}: {problem}" if problem else None)
    values = []
    for column, raw in zip(("start_year", "start_volume", "end_year", "end_volume"), structured):
        if not raw:
            values.append(UNKNOWN)
        elif raw.isdigit():
            values.append(int(raw))
        else:
            return None, f"{column} {raw!r} is not a number"
    y_lo, v_lo, y_hi, v_hi = values
    if y_hi == UNKNOWN and v_hi == UNKNOWN:
        y_hi, v_hi = OPEN, (OPEN if v_lo != UNKNOWN else UNKNOWN)  # nothing after the start: to present
    for column, y in (("start_year", y_lo), ("end_year", y_hi)):
        if y not in (UNKNOWN, OPEN) and not 1500 <= y <= 2100:
            return None, f"{column} {y} is not a plausible year"
    if y_lo not in (UNKNOWN,) and y_hi not in (UNKNOWN, OPEN) and y_hi < y_lo:
        return None, f"end_year {y_hi} is before start_year {y_lo}"
    if v_lo not in (UNKNOWN,) and v_hi not in (UNKNOWN, OPEN) and v_hi < v_lo:
        return None, f"end_volume {v_hi} is before start_volume {v_lo}"
    return [Run(y_lo, y_hi, v_lo, v_hi)], None


__all__ = ["Run", "Holding", "parse_summary", "read_holdings_csv", "CSV_COLUMNS", "OPEN"]
