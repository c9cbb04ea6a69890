"""Reading KBART files (NISO RP-9, Phase I and Phase II columns) as real publishers send them.

Bytes are decoded by BOM (UTF-8, UTF-16 LE/BE), by the NUL pattern of BOM-less UTF-16, else as UTF-8,
else CP1252; gzip is unwrapped. Lines end in LF, CRLF or CR alone; the last may lack one; blank lines
are skipped. Columns are found by header name (case and spaces ignored), so Phase I files, Phase II
files and files with extension columns all read the same way; unknown columns are kept per row in
`extra`. Rows shorter or longer than the header are padded / trimmed, and the column checks below
catch the shifted values that usually cause them.

Every problem names its physical line. An *error* rejects the row (a date that is not a date, an
embargo that is not KBART syntax, a URL column holding something else, no identifier and no title);
a *warning* keeps the row and drops the bad value (an ISSN with a wrong check digit). One bad row never
stops the file: the rest goes in. Only a file without a recognisable KBART header is refused whole.
"""
from __future__ import annotations

import gzip
import html
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from linkresolver.coverage import UNKNOWN
from linkresolver.dates import DateSpan, parse_kbart_date
from linkresolver.embargo import parse_embargo
from linkresolver.errors import FileProblems
from yidu import identifiers

PHASE_ONE = (
    "publication_title", "print_identifier", "online_identifier", "date_first_issue_online",
    "num_first_vol_online", "num_first_issue_online", "date_last_issue_online", "num_last_vol_online",
    "num_last_issue_online", "title_url", "first_author", "title_id", "embargo_info", "coverage_depth",
    "coverage_notes", "publisher_name",
)
PHASE_TWO = PHASE_ONE[:14] + (
    "notes", "publisher_name", "publication_type", "date_monograph_published_print",
    "date_monograph_published_online", "monograph_volume", "monograph_edition", "first_editor",
    "parent_publication_title_id", "preceding_publication_title_id", "access_type",
)
STANDARD = frozenset(PHASE_ONE) | frozenset(PHASE_TWO)
# Extension columns this reader understands (GOKb access dates, ZDB/finc ILL rights, ISSN-L, PPV).
UNDERSTOOD = frozenset({"access_start_date", "access_end_date", "all_issns", "issn_l", "issnl", "linking_issn",
                        "doi", "il_relevance", "ill", "ppv_price"})
MIN_CORE = 4  # a header naming fewer standard columns than this is not KBART

FULLTEXT_DEPTHS = frozenset({"", "fulltext", "full text", "full-text", "full_text", "volltext", "selected articles",
                             "selected_articles", "ebook"})
NO_ILL = frozenset({"keine fernleihe", "no", "false", "0", "none", "not allowed"})

# Packages repeat the same identifiers row after row: validate each distinct one once.
_issn = lru_cache(maxsize=1 << 16)(identifiers.issn)
_isbn13 = lru_cache(maxsize=1 << 16)(identifiers.isbn13)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NUMBER = re.compile(r"\s*(\d{1,6})")
_URL = re.compile(r"(?:https?|ftp)://\S+", re.IGNORECASE)
_BARE_HOST = re.compile(r"(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/\S*)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    severity: str  # "error": row rejected; "warning": row kept, value dropped
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.severity}: {self.message}"


@dataclass(slots=True)
class Entry:
    """One valid KBART row: one coverage range of one title in one package."""

    line: int
    title: str
    issns: tuple[str, ...] = ()
    isbns: tuple[str, ...] = ()
    issn_l: str | None = None
    first: DateSpan | None = None
    last: DateSpan | None = None
    vol_lo: int = UNKNOWN
    iss_lo: int = UNKNOWN
    vol_hi: int = UNKNOWN
    iss_hi: int = UNKNOWN
    embargo: str = ""
    depth: str = ""
    fulltext: bool = True
    url: str = ""
    doi: str | None = None
    publisher: str = ""
    pubtype: str = "serial"
    free: bool = False
    access_start: DateSpan | None = None
    access_end: DateSpan | None = None
    ill: bool = True
    ppv: float | None = None
    raw: dict[str, str] = field(default_factory=dict)  # the row's own values, standard and extension columns


@dataclass
class KbartFile:
    source: str
    encoding: str
    line_ending: str
    columns: list[str]
    entries: list[Entry]
    problems: list[Problem]
    rows: int  # data rows read (blank lines not counted)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def extra_columns(self) -> list[str]:
        return [c for c in self.columns if c not in STANDARD]

    def summary(self) -> dict[str, Any]:
        return {"source": self.source, "encoding": self.encoding, "line_ending": self.line_ending,
                "rows": self.rows, "loaded": len(self.entries), "rejected": len(self.errors),
                "warnings": len(self.warnings), "extra_columns": self.extra_columns}


# --- bytes to lines -------------------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a KBART file's bytes."""
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-16-le" if data[:2] == b"\xff\xfe" else "utf-16-be"
        return data[2:].decode(codec, errors="replace"), codec
    head = data[:4000]
    if head and head.count(0) > len(head) // 4:  # BOM-less UTF-16: every other byte of ASCII text is NUL
        codec = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        return data.decode(codec, errors="replace"), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # the five bytes CP1252 leaves undefined: read them as Latin-1
        return data.decode("latin-1"), "latin-1"


def line_ending(text: str) -> str:
    crlf, cr, lf = text.count("\r\n"), 0, 0
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("CR", cr), ("LF", lf)) if n]
    return "+".join(kinds) or "none"


def read_bytes(path: str | Path) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileProblems(f"cannot read {path}: {exc.strerror or exc}", ref=str(path)) from None
    return data


def read_kbart(path: str | Path) -> KbartFile:
    return parse_kbart(read_bytes(path), source=str(path))


def parse_kbart(data: bytes, *, source: str = "<upload>") -> KbartFile:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FileProblems(f"{source}: broken gzip data ({exc})", ref=source) from None
    text, encoding = decode(data)
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    header_at, columns = _header(lines, source)
    reader = _RowReader(columns)
    entries: list[Entry] = []
    problems: list[Problem] = []
    rows = 0
    for number in range(header_at + 1, len(lines)):
        raw_line = lines[number]
        if not raw_line.strip():
            continue
        rows += 1
        entry, row_problems = reader.read(raw_line, number + 1)
        problems.extend(row_problems)
        if entry is not None:
            entries.append(entry)
    return KbartFile(source, encoding, line_ending(text), columns, entries, problems, rows)


def _normalise_column(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().strip('"').strip().lower().lstrip("\ufeff"))


def _header(lines: list[str], source: str) -> tuple[int, list[str]]:
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        columns = [_normalise_column(c) for c in line.split("\t")]
        while columns and not columns[-1]:
            columns.pop()  # trailing empty header cells (Annual Reviews 2011)
        core = [c for c in columns if c in STANDARD]
        if "publication_title" in columns and len(core) >= MIN_CORE:
            return index, columns
        found = ", ".join(c for c in columns[:8] if c) or "nothing"
        raise FileProblems(
            f"{source} is not a KBART file", ref=source,
            problems=[f"line {index + 1}: header names {found}; a KBART header has publication_title and at least "
                      f"{MIN_CORE} of the standard columns (print_identifier, online_identifier, "
                      f"date_first_issue_online, ...)"])
    raise FileProblems(f"{source} is empty", ref=source, problems=["line 1: no header row"])


# --- one row ----------------------------------------------------------------------------------------------------

PLACEHOLDERS = frozenset({"n/a", "na", "-", "--", "none", "null", "unknown"})


def _clean(value: str) -> str:
    if not value:
        return value
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('""', '"').strip()
    return "" if len(value) <= 7 and value.lower() in PLACEHOLDERS else value


def _text(value: str) -> str:
    if "&" in value and ";" in value:
        value = html.unescape(value)  # publishers' exports carry HTML entities (&#268;eslovo)
    return re.sub(r"\s+", " ", value).strip()


class _RowReader:
    def __init__(self, columns: list[str]):
        self.columns = columns
        self.width = len(columns)

    def read(self, line: str, number: int) -> tuple[Entry | None, list[Problem]]:
        values = line.split("\t")
        problems: list[Problem] = []
        shape = ""
        if len(values) < self.width:
            shape = f" (the row has {len(values)} fields, the header {self.width}: columns shifted?)"
        # Most cells are empty: clean only the others.
        raw = {name: cleaned for name, value in zip(self.columns, values)
               if value and name and (cleaned := _clean(value))}
        surplus = [v for v in values[self.width:] if _clean(v)]
        if surplus:
            shape = f" (the row has {len(values)} fields, the header {self.width})"
            problems.append(Problem(number, "warning", f"{len(surplus)} value(s) beyond the last column ignored{shape}"))
        errors: list[str] = []
        entry = self._entry(raw, number, errors, problems)
        if errors:
            problems.append(Problem(number, "error", "; ".join(errors) + shape))
            return None, problems
        return entry, problems

    def _entry(self, raw: dict[str, str], number: int, errors: list[str], problems: list[Problem]) -> Entry:
        get = raw.get
        title = _text(get("publication_title", ""))
        pubtype = (get("publication_type") or "").strip().lower()
        issns, isbns = _identifiers(raw, problems, number)
        if not pubtype:
            pubtype = "monograph" if isbns and not issns else "serial"
        elif pubtype not in ("serial", "monograph"):
            problems.append(Problem(number, "warning", f"publication_type {get('publication_type')!r} is neither "
                                                       f"serial nor monograph; read as "
                                                       f"{'monograph' if isbns and not issns else 'serial'}"))
            pubtype = "monograph" if isbns and not issns else "serial"
        if not title and not issns and not isbns:
            errors.append("no publication_title and no valid identifier: nothing to match citations against")
        entry = Entry(line=number, title=title, issns=issns, isbns=isbns, pubtype=pubtype, raw=raw)
        issn_l = get("issn_l") or get("issnl") or get("linking_issn")
        if issn_l:
            entry.issn_l = identifiers.issn(issn_l)
            if entry.issn_l is None:
                problems.append(Problem(number, "warning", f"issn_l {issn_l!r} is not a valid ISSN"))
        entry.first = _date(raw, "date_first_issue_online", errors)
        entry.last = _date(raw, "date_last_issue_online", errors)
        if entry.first and entry.last and entry.first.lo > entry.last.hi:
            errors.append(f"coverage ends ({entry.last.text}) before it starts ({entry.first.text})")
        entry.vol_lo = _number(raw, "num_first_vol_online", errors)
        entry.iss_lo = _number(raw, "num_first_issue_online", errors)
        entry.vol_hi = _number(raw, "num_last_vol_online", errors)
        entry.iss_hi = _number(raw, "num_last_issue_online", errors)
        entry.url = _url(get("title_url", ""), problems, number)
        try:
            embargo = parse_embargo(get("embargo_info"))
            entry.embargo = embargo.text if embargo else ""
        except ValueError as exc:
            errors.append(str(exc))
        entry.depth = (get("coverage_depth") or "").strip().lower()
        entry.fulltext = entry.depth in FULLTEXT_DEPTHS
        entry.publisher = _text(get("publisher_name", ""))
        entry.free = (get("access_type") or "").strip().upper().startswith("F")
        entry.doi = identifiers.doi(get("doi")) or identifiers.doi(get("title_id"))
        entry.access_start = _date(raw, "access_start_date", errors)
        entry.access_end = _date(raw, "access_end_date", errors)
        ill = (get("il_relevance") or get("ill") or "").strip().lower()
        entry.ill = ill not in NO_ILL
        if get("ppv_price"):
            try:
                entry.ppv = float(get("ppv_price").replace(",", "."))
            except ValueError:
                problems.append(Problem(number, "warning", f"ppv_price {get('ppv_price')!r} is not a number"))
        return entry


def _identifiers(raw: dict[str, str], problems: list[Problem], number: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    issns: list[str] = []
    isbns: list[str] = []
    for column in ("print_identifier", "online_identifier", "all_issns"):
        value = raw.get(column)
        if not value:
            continue
        parts = re.split(r"[;,|\s]+", value) if column == "all_issns" else [value]
        for part in filter(None, parts):
            compact = re.sub(r"[\s-]", "", part)
            if len(compact) == 8:
                found = _issn(part)
                kind, bucket = "ISSN", issns
            elif len(compact) in (10, 13):
                found = _isbn13(compact)
                kind, bucket = "ISBN", isbns
            else:
                found, kind, bucket = None, "ISSN or ISBN", issns
            if found is None:
                problems.append(Problem(number, "warning", f"{column} {part!r} is not a valid {kind}; ignored"))
            elif found not in bucket:
                bucket.append(found)
    return tuple(issns), tuple(isbns)


_kbart_date = lru_cache(maxsize=1 << 14)(parse_kbart_date)  # packages repeat the same dates


def _date(raw: dict[str, str], column: str, errors: list[str]) -> DateSpan | None:
    try:
        return _kbart_date(raw.get(column))
    except ValueError as exc:
        errors.append(f"{column}: {exc}")
        return None


def _number(raw: dict[str, str], column: str, errors: list[str]) -> int:
    value = raw.get(column, "")
    if not value:
        return UNKNOWN
    if "://" in value or len(value) > 24:
        errors.append(f"{column}: {value[:40]!r} is not a volume or issue number")
        return UNKNOWN
    match = _NUMBER.match(value)
    return int(match.group(1)) if match else UNKNOWN  # "Suppl.", "S1": no number to compare


def _url(value: str, problems: list[Problem], number: int) -> str:
    """An absolute link, or "" with a warning: a relative link (EZB's "/ezeit/...") cannot leave this
    site, but the coverage it came with is still true."""
    value = value.strip()
    if not value:
        return ""
    if _URL.fullmatch(value):
        return value
    if _BARE_HOST.fullmatch(value) and "." in value.split("/")[0]:
        return "https://" + value
    problems.append(Problem(number, "warning", f"title_url {value[:60]!r} is not an absolute URL; no link kept"))
    return ""
