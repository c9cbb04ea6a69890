"""The link resolver's knowledge base for the generated journals: KBART packages, subscriptions, print holdings.

    packages()                                   # data/kb_packages.tsv
    coverage(seed, journal)                      # the packages covering a journal, with ranges and embargoes
    write_kbart(seed, journals, "out/kbart")     # one KBART Phase II file per package (+ issn_l column)
    subscriptions(seed, libraries)               # who subscribes to what, from when, until when
    write_holdings(seed, libraries, journals, "out/holdings")   # print holdings CSV per library

Everything is a pure function of the seed, the journal and the library, drawn from `Rng` keyed by them,
so the knowledge base always agrees with the articles of the same seed (yidu/corpus/articles.py).

Packages (data/kb_packages.tsv) cover a publisher's journals (Elsevier, SpringerLink, Wiley, Taylor &
Francis), a share of every foreign journal (an aggregator with embargoes: P1Y, P6M, P18M...) or the Chinese
journals (CNKI, a few titles with R10Y or P6M). A range starts at the journal's first volume or the
package's backfile year, whichever is later, and a few have ended (titles that moved to another publisher).

Subscriptions: a library subscribes to a package with the chance of its highest tier (big research
library, document-delivery supplier, shared domain, region): big universities take nearly everything,
western libraries less, medical libraries Elsevier and Wiley, foreign-language universities Taylor &
Francis. Some subscriptions carry a start date, a few ended (2021-2023). Print holdings (data/kb_print.tsv):
big libraries keep a share of the foreign journals in print, usually cancelled between 2008 and 2016 when
they went e-only, and most libraries keep the Chinese journals; some statements are 866-style summaries.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from yidu.corpus import vocab as V
from yidu.corpus.articles import YEARS, Journal
from yidu.corpus.rng import Rng, Weighted, key64
from yidu.libraries import Library

KBART_COLUMNS = (
    "publication_title", "print_identifier", "online_identifier", "date_first_issue_online", "num_first_vol_online",
    "num_first_issue_online", "date_last_issue_online", "num_last_vol_online", "num_last_issue_online", "title_url",
    "first_author", "title_id", "embargo_info", "coverage_depth", "notes", "publisher_name", "publication_type",
    "date_monograph_published_print", "date_monograph_published_online", "monograph_volume", "monograph_edition",
    "first_editor", "parent_publication_title_id", "preceding_publication_title_id", "access_type", "issn_l",
)
HOLDINGS_COLUMNS = ("issn", "eissn", "title", "start_year", "start_volume", "end_year", "end_volume", "summary",
                    "control_number", "note")
NOTES = ("", "", "", "", "合订本在外文期刊库", "过刊在保存本库", "bound volumes in the stacks", "现刊阅览室")
ENDED = (2012, 2022)  # years in which an ended coverage range stops
PRINT_CANCELLED = (2008, 2016)  # years foreign print subscriptions were cancelled (going e-only)
KBART_DATE = "2025-01-01"  # the date the generated packages describe (in file names)
_WORDS = re.compile(r"\W+")


# --- packages ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Package:
    name: str
    provider: str
    covers: tuple[tuple[str, float], ...]  # (publisher name, "*" or "zh", share of those journals)
    backfile: tuple[int, int]
    embargoes: Weighted  # "" = none
    ended: float
    tiers: dict[str, float]
    url: str  # {url}: the publisher's journal page, {code}: the journal code

    def share(self, journal: Journal) -> float:
        """The share of journals like this one the package covers (its publisher's, any foreign, Chinese)."""
        keys = (journal.publisher, "zh" if journal.language == "zh" else "*")
        return next((share for who, share in self.covers if who in keys), 0.0)

    @property
    def file_name(self) -> str:
        """KBART's recommended name: Provider_Package_date.txt."""
        provider = _WORDS.sub("", self.provider)
        return f"{provider}_{_WORDS.sub('', self.name.replace(self.provider, ''))}_{KBART_DATE}.txt"


def _pairs(text: str) -> list[tuple[str, float]]:
    return [(name, float(value)) for name, value in (item.rsplit(":", 1) for item in text.split("|") if item)]


@lru_cache(maxsize=1)
def packages() -> tuple[Package, ...]:
    out = []
    for name, provider, covers, backfile, embargoes, ended, tiers, url in V._rows("kb_packages.tsv"):
        lo, _, hi = backfile.partition("-")
        out.append(Package(name, provider, tuple(_pairs(covers)), (int(lo), int(hi or lo)),
                           Weighted([("" if e == "-" else e, w) for e, w in _pairs(embargoes)]), float(ended),
                           dict(_pairs(tiers)), url))
    return tuple(out)


# --- coverage -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    package: str
    journal: Journal
    first_year: int
    last_year: int | None  # None: to the present
    embargo: str  # KBART embargo_info, "" for none

    @property
    def first_volume(self) -> int:
        return self.journal.volume(self.first_year)

    @property
    def last_volume(self) -> int | None:
        return None if self.last_year is None else self.journal.volume(self.last_year)

    def includes(self, year: int) -> bool:
        """The range includes the year (the embargo aside)."""
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


def coverage(seed: int, journal: Journal) -> tuple[Coverage, ...]:
    """The ranges of the packages covering `journal`, in package order."""
    out = []
    for p in packages():
        share = p.share(journal)
        if not share or (key64(f"cover:{seed}:{p.name}:{journal.code}") % 10_000) / 10_000 >= share:
            continue
        r = Rng(f"coverage:{seed}:{p.name}:{journal.code}")
        first = max(journal.first_year, r.randint(*p.backfile))
        last = r.randint(*ENDED) if r.chance(p.ended) else None
        if last is not None and last < first:
            last = None
        out.append(Coverage(p.name, journal, first, last, r.pick(p.embargoes)))
    return tuple(out)


def kbart_row(cover: Coverage, p: Package) -> dict[str, str]:
    j = cover.journal
    ended = cover.last_year is not None
    return {
        "publication_title": j.title, "print_identifier": j.issn or "", "online_identifier": j.eissn or "",
        "date_first_issue_online": f"{cover.first_year}-01-01", "num_first_vol_online": str(cover.first_volume),
        "num_first_issue_online": "1", "date_last_issue_online": f"{cover.last_year}-12-31" if ended else "",
        "num_last_vol_online": str(cover.last_volume) if ended else "",
        "num_last_issue_online": str(j.issues) if ended else "",
        "title_url": p.url.format(url=j.url, code=j.code.split(".", 1)[1]), "title_id": j.code,
        "embargo_info": cover.embargo, "coverage_depth": "fulltext",
        "notes": "title transferred to another publisher" if ended else "", "publisher_name": j.publisher,
        "publication_type": "serial", "access_type": "P", "issn_l": j.issn_l,
    }


def kbart_rows(seed: int, journals: Iterable[Journal], p: Package) -> Iterator[dict[str, str]]:
    for journal in journals:
        for cover in coverage(seed, journal):
            if cover.package == p.name:
                yield kbart_row(cover, p)


def write_kbart(seed: int, journals: Sequence[Journal], out: str | Path) -> dict[str, Path]:
    """One KBART file per package (tab-separated, UTF-8, CRLF as most providers send); package -> path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for p in packages():
        path = out / p.file_name
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write("\t".join(KBART_COLUMNS) + "\r\n")
            for row in kbart_rows(seed, journals, p):
                handle.write("\t".join(row.get(c, "") for c in KBART_COLUMNS) + "\r\n")
        paths[p.name] = path
    return paths


# --- subscriptions -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Subscription:
    library: str
    package: str
    start: str | None  # YYYY-MM-DD
    until: str | None

    def active(self, day: str) -> bool:
        """In force on `day` (YYYY-MM-DD)."""
        return (self.start is None or self.start <= day) and (self.until is None or day <= self.until)


def tiers(library: Library) -> tuple[str, ...]:
    """The tiers a library belongs to: big research library, supplier, its region, its shared domains."""
    return (("big",) if library.code in V.BIG_LIBRARIES else ()) + (("supplier",) if library.supplier else ()) + (
        library.region,) + library.domains


def chance(library: Library, table: dict[str, float]) -> float:
    return max((table[t] for t in tiers(library) if t in table), default=0.0)


def subscriptions(seed: int, libraries: Iterable[Library]) -> list[Subscription]:
    out = []
    for lib in libraries:
        for p in packages():
            r = Rng(f"subscription:{seed}:{lib.code}:{p.name}")
            if not r.chance(chance(lib, p.tiers)):
                continue
            start = f"{r.randint(2005, 2020)}-01-01" if r.chance(0.6) else None
            until = f"{r.randint(2021, 2023)}-12-31" if r.chance(0.07) else None
            out.append(Subscription(lib.code, p.name, start, until))
    return out


# --- print holdings ----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def print_shares() -> dict[str, tuple[float, float]]:
    return {tier: (float(foreign), float(chinese)) for tier, foreign, chinese in V._rows("kb_print.tsv")}


def print_holdings(seed: int, library: Library, journals: Iterable[Journal]) -> list[dict[str, str]]:
    """The library's print holdings as rows of the linkresolver's holdings CSV (one row per run)."""
    shares = print_shares()
    foreign = chance(library, {t: s[0] for t, s in shares.items()})
    chinese = chance(library, {t: s[1] for t, s in shares.items()})
    rows = []
    for j in journals:
        if j.issn is None:
            continue  # online-only: nothing to shelve
        r = Rng(f"print:{seed}:{library.code}:{j.code}")
        if r.chance(chinese if j.language == "zh" else foreign):
            rows.extend(_runs(r, library, j))
    return rows


def _runs(r: Rng, library: Library, j: Journal) -> list[dict[str, str]]:
    start = max(j.first_year, r.randint(1978, 2005))
    if j.language == "zh":
        end = r.randint(2015, 2020) if r.chance(0.1) else None
    else:
        end = r.randint(*PRINT_CANCELLED) if r.chance(0.85) else None
    if end is not None and end < start:
        end = None
    spans = [(start, end)]
    if end is None and YEARS[1] - start > 8 and r.chance(0.1):  # a gap: a few years never bound
        gap = r.randint(start + 2, YEARS[1] - 4)
        spans = [(start, gap - 1), (gap + 2, None)]
    control = f"{library.code.lower()}-s{key64(f'{library.code}:{j.code}') % 10**7:07d}"
    note = r.choice(NOTES)
    summary = r.chance(0.25)
    return [_run(j, lo, hi, summary, control, note) for lo, hi in spans]


def _run(j: Journal, lo: int, hi: int | None, summary: bool, control: str, note: str) -> dict[str, str]:
    row = {"issn": j.issn, "eissn": j.eissn or "", "title": j.title, "control_number": control, "note": note}
    if summary:
        end = f"v.{j.volume(hi)}({hi})" if hi is not None else ""
        row["summary"] = f"v.{j.volume(lo)}({lo})-{end}"
    else:
        row.update(start_year=str(lo), start_volume=str(j.volume(lo)), end_year="" if hi is None else str(hi),
                   end_volume="" if hi is None else str(j.volume(hi)))
    return row


def write_holdings(seed: int, libraries: Iterable[Library], journals: Sequence[Journal],
                   out: str | Path) -> dict[str, Path]:
    """A holdings CSV per library that keeps print journals; library code -> path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for lib in libraries:
        rows = print_holdings(seed, lib, journals)
        if not rows:
            continue
        path = out / f"{lib.code}.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, HOLDINGS_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        paths[lib.code] = path
    return paths
