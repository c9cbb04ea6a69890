"""A citation as the resolver sees it, whatever form it arrived in.

`Citation` holds normalised identifiers (hyphenated ISSNs, ISBN-13s, lower-case DOIs), titles, the
enumeration as given and as numbers, and the date as a `DateSpan` with its precision. It knows which
family it belongs to - serial (articles, issues, journals) or book (books, chapters) - and can write
itself back as a canonical OpenURL 1.0 KEV query (for links to the full menu).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from linkresolver.coverage import Point
from linkresolver.dates import DateSpan

SERIAL_GENRES = frozenset({"article", "journal", "issue", "proceeding", "conference", "preprint"})
BOOK_GENRES = frozenset({"book", "bookitem", "report", "document", "dissertation"})
GENRES = SERIAL_GENRES | BOOK_GENRES | {"unknown"}

_ROMAN = re.compile(r"^(?=[mdclxvi])m{0,4}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"m": 1000, "d": 500, "c": 100, "l": 50, "x": 10, "v": 5, "i": 1}


@dataclass
class Citation:
    genre: str = "unknown"
    fmt: str = ""  # "journal", "book" (rft_val_fmt) or ""
    atitle: str = ""
    jtitle: str = ""
    btitle: str = ""
    stitle: str = ""
    issns: list[str] = field(default_factory=list)
    eissns: list[str] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)
    doi: str | None = None
    pmid: str | None = None
    volume: str = ""
    issue: str = ""
    spage: str = ""
    epage: str = ""
    pages: str = ""
    date: DateSpan | None = None
    date_text: str = ""
    authors: list[str] = field(default_factory=list)
    publisher: str = ""
    sid: str = ""
    version: str = ""  # "1.0", "0.1" or "1.0+0.1" (both forms in one request)
    notes: list[str] = field(default_factory=list)  # what was odd about the request (bad ISSN, ...)

    # --- what kind of thing is cited --------------------------------------------------------------------------
    @property
    def family(self) -> str:
        """'serial' or 'book': which knowledge the resolver consults."""
        if self.fmt == "book" or self.genre in BOOK_GENRES:
            return "book"
        if self.fmt == "journal" or self.genre in SERIAL_GENRES:
            return "serial"
        if self.isbns and not self.all_issns and not self.jtitle:
            return "book"
        if self.btitle and not self.all_issns and not self.jtitle:
            return "book"
        return "serial"

    @property
    def kind(self) -> str:
        """'article', 'journal', 'book' or 'chapter': what a reader would get a copy of."""
        if self.family == "book":
            return "chapter" if self.genre == "bookitem" or (self.atitle and self.btitle) else "book"
        if self.genre in ("journal", "issue") or (not self.atitle and not self.volume and not self.spage
                                                    and self.date is None and not self.doi):
            return "journal"
        return "article"

    @property
    def all_issns(self) -> list[str]:
        return self.issns + [i for i in self.eissns if i not in self.issns]

    @property
    def container_title(self) -> str:
        if self.family == "serial":
            return self.jtitle or self.stitle
        return self.btitle or self.jtitle

    @property
    def display_title(self) -> str:
        return self.atitle or self.container_title or self.btitle or self.jtitle

    @property
    def has_subject(self) -> bool:
        """Whether there is anything to resolve at all."""
        return bool(self.all_issns or self.isbns or self.doi or self.pmid or self.atitle or self.jtitle
                    or self.btitle or self.stitle)

    @property
    def volume_number(self) -> int | None:
        return enumeration_number(self.volume)

    @property
    def issue_number(self) -> int | None:
        number = enumeration_number(self.issue)
        if number is None and not self.issue:
            match = re.search(r"\((\d+)\)", self.volume)  # "12(3)"
            if match:
                return int(match.group(1))
        return number

    def point(self) -> Point:
        if self.date is not None:
            return Point(self.date.lo, self.date.hi, self.volume_number, self.issue_number)
        return Point(None, None, self.volume_number, self.issue_number)

    # --- writing it back ----------------------------------------------------------------------------------------
    def kev(self) -> list[tuple[str, str]]:
        """The citation as OpenURL 1.0 KEV pairs."""
        book = self.family == "book"
        pairs: list[tuple[str, str]] = [("url_ver", "Z39.88-2004"), ("ctx_ver", "Z39.88-2004"),
                                        ("rft_val_fmt", f"info:ofi/fmt:kev:mtx:{'book' if book else 'journal'}")]
        if self.genre != "unknown":
            pairs.append(("rft.genre", self.genre))
        for key, value in (("rft.atitle", self.atitle), ("rft.jtitle", self.jtitle), ("rft.btitle", self.btitle),
                           ("rft.stitle", self.stitle)):
            if value:
                pairs.append((key, value))
        pairs += [("rft.issn", i) for i in self.issns] + [("rft.eissn", i) for i in self.eissns]
        pairs += [("rft.isbn", i) for i in self.isbns]
        for key, value in (("rft.volume", self.volume), ("rft.issue", self.issue), ("rft.spage", self.spage),
                           ("rft.epage", self.epage), ("rft.pages", self.pages), ("rft.date", self.date_text),
                           ("rft.pub", self.publisher)):
            if value:
                pairs.append((key, value))
        pairs += [("rft.au", a) for a in self.authors[:3]]
        if self.doi:
            pairs.append(("rft_id", f"info:doi/{self.doi}"))
        if self.pmid:
            pairs.append(("rft_id", f"info:pmid/{self.pmid}"))
        return pairs

    def to_query(self) -> str:
        return "&".join(f"{key}={_quote(value)}" for key, value in self.kev())

    def key(self) -> str:
        """A stable short key of what is cited (spreads supplier ties across requests deterministically)."""
        basis = "|".join((",".join(self.all_issns), ",".join(self.isbns), self.doi or "", self.volume, self.issue,
                          self.spage, self.date_text, self.atitle.lower()))
        return hashlib.blake2b(basis.encode(), digest_size=8).hexdigest()


_SAFE_VALUE = re.compile(r"[A-Za-z0-9._~:/-]*")


def _quote(value: str) -> str:
    """Percent-encode a query value (most are already safe: skip the slow path for those)."""
    return value if _SAFE_VALUE.fullmatch(value) else quote(value, safe=":/")


def enumeration_number(value: str | None) -> int | None:
    """The number of a volume or issue as written: "12", "Vol. 12", "12(3)" -> 12; "XII" -> 12; "Suppl" -> None."""
    text = (value or "").strip().lower()
    if not text:
        return None
    match = re.search(r"\d+", text)
    if match:
        return int(match.group(0)) if len(match.group(0)) <= 6 else None
    word = re.sub(r"^(?:vol|v|no|nr|issue|iss)\.?\s*", "", text)
    if _ROMAN.match(word):
        total, prev = 0, 0
        for ch in reversed(word):
            v = _ROMAN_VALUES[ch]
            total, prev = (total - v, prev) if v < prev else (total + v, v)
        return total or None
    return None
