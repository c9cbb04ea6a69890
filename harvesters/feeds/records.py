"""The common record model every feed parser yields, whatever the format.

A parser turns one source record into exactly one item:

  ArticleRecord   a journal article (title, journal, ISSNs, volume/issue/pages, date, identifiers...)
  JournalRecord   a journal description (Crossref /journals, DOAJ journal, NLM SerialsSet): feeds the
                  journals index only
  Skipped         a well-formed record that is not a journal article (a book chapter, a dataset...),
                  with the reason; counted, never indexed
  BadRecord       a record that could not be read or lacks what an article needs (no title...), with
                  the reason and, when at hand, the raw bytes: it goes to the dead-letter file

Values are kept as messy as they come where the issue asks for it (volume "4-5", issue "S1", first
page "e217"); only identifiers are normalised (ISSN, DOI), and dates are ISO strings in the precision
the source gave ("2010", "2010-01", "2010-01-15").
"""
from __future__ import annotations

from dataclasses import dataclass, field

from harvesters.marc.results import Position

__all__ = ["ArticleRecord", "BadRecord", "FeedItem", "Issn", "JournalRecord", "Position", "Skipped"]


@dataclass(frozen=True, slots=True)
class Issn:
    value: str  # hyphenated, check digit upper-case (yidu.identifiers.issn)
    kind: str = ""  # "print" | "electronic" | "" (unknown)


@dataclass(slots=True)
class ArticleRecord:
    feed: str  # the format it came from: crossref, jats, pubmed, medline, doaj, csv
    position: Position
    title: str
    authors: list[str] = field(default_factory=list)  # display names: "Surname, Given" or a collective name
    journal: str | None = None
    journal_variants: list[str] = field(default_factory=list)  # abbreviations, other forms of the title
    issns: list[Issn] = field(default_factory=list)
    issn_l: str | None = None  # the linking ISSN when the feed states it (PubMed ISSNLinking, JATS issn-l)
    bad_issns: list[str] = field(default_factory=list)  # values given as ISSNs that are not valid ISSNs
    publisher: str | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None  # or the electronic locator (elocation-id, article number)
    last_page: str | None = None
    pages: str | None = None  # as given: "123-9", "e217", "1116-1122"
    date: str | None = None  # ISO, in the precision given
    doi: str | None = None
    pmid: str | None = None
    pmc: str | None = None
    abstract: str | None = None
    keywords: list[str] = field(default_factory=list)
    language: str | None = None  # MARC (ISO 639-2/B) code
    record_id: str | None = None  # the feed's own id (DOI, PMID, DOAJ id, file row...)
    updated: str | None = None  # the feed's own change timestamp (Crossref "indexed"), for high-water marks

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    @property
    def ref(self) -> str:
        return self.doi or self.record_id or str(self.position)


@dataclass(slots=True)
class JournalRecord:
    feed: str
    position: Position
    title: str
    variants: list[str] = field(default_factory=list)
    issns: list[Issn] = field(default_factory=list)
    issn_l: str | None = None
    publisher: str | None = None
    subjects: list[str] = field(default_factory=list)
    language: str | None = None
    record_id: str | None = None

    @property
    def ref(self) -> str:
        return self.record_id or str(self.position)


@dataclass(frozen=True, slots=True)
class Skipped:
    position: Position
    reason: str
    record_id: str | None = None
    updated: str | None = None  # the feed's change timestamp, when it gives one (replays are recognised)


@dataclass(frozen=True, slots=True)
class BadRecord:
    position: Position
    reason: str
    raw: bytes | None = None
    record_id: str | None = None
    updated: str | None = None


FeedItem = ArticleRecord | JournalRecord | Skipped | BadRecord
