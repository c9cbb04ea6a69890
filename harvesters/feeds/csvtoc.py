"""Table-of-contents files as CSV or TSV: one article per row under a header.

The documented header (any order, any subset that includes `title`):

    issn, eissn, journal, volume, issue, year, title, authors, first_page, last_page, doi, abstract, language

plus optional issn_l, pages, pmid, keywords, publisher. Common variants of the names are accepted
(`lookups/toc_columns.tsv`: "Print ISSN", "Journal Title", "Vol", "No", "Start Page", "篇名", ...;
compared case-insensitively with spaces, dots and hyphens read as underscores). The delimiter is
whichever of tab and comma the header line uses; a UTF-8 BOM is dropped; fields may be quoted
(embedded delimiters, quotes and newlines); files that are not UTF-8 are read as GB18030, the usual
encoding of Chinese publishers' spreadsheets. `authors` and `keywords` are ";"-separated.

A row with more fields than the header, or without a title, is a `BadRecord` with its line number;
missing trailing fields are read as empty.
"""
from __future__ import annotations

import csv
import io
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterator

from harvesters.feeds import values as v
from harvesters.feeds.errors import FeedFileError
from harvesters.feeds.records import ArticleRecord, BadRecord, FeedItem, Position

FEED = "csv"
_SPLIT = re.compile(r"\s*[;；]\s*")
_HEADER_NOISE = re.compile(r"[\s.\-/]+")


@lru_cache(maxsize=1)
def column_names() -> dict[str, str]:
    """Normalised header variant -> canonical column."""
    out: dict[str, str] = {}
    text = resources.files("harvesters.feeds").joinpath("lookups", "toc_columns.tsv").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        canonical, _, variants = line.partition("\t")
        for name in [canonical, *variants.split(",")]:
            out[normalise_header(name)] = canonical
    return out


def normalise_header(name: str) -> str:
    return _HEADER_NOISE.sub("_", name.strip().strip('"').casefold()).strip("_")


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", "replace")


def delimiter(header_line: str) -> str:
    return "\t" if header_line.count("\t") >= max(1, header_line.count(",")) else ","


def header_columns(fields: list[str]) -> list[str | None]:
    """The canonical column of each header field (None: a column we do not read)."""
    names = column_names()
    seen: set[str] = set()
    out: list[str | None] = []
    for f in fields:
        canonical = names.get(normalise_header(f))
        out.append(canonical if canonical and canonical not in seen else None)
        if canonical:
            seen.add(canonical)
    return out


def looks_like_toc(head: str) -> bool:
    """Does this first line read as a TOC header (a title column and something naming the journal)?"""
    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    cols = set(filter(None, header_columns(next(csv.reader([first], delimiter=delimiter(first)), []))))
    return "title" in cols and bool(cols & {"issn", "eissn", "journal", "doi", "issn_l"})


def read_file(path: Path, data: bytes) -> Iterator[FeedItem]:
    source = str(path)
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(first_line))
    try:
        header = next(reader)
    except StopIteration:
        raise FeedFileError(source, "empty file") from None
    columns = header_columns(header)
    if "title" not in columns:
        raise FeedFileError(source, f"no title column in the header {header!r} (see harvesters/feeds/csvtoc.py)")
    n, line = 0, reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            n += 1
            yield BadRecord(Position(source, n, line=line), f"CSV syntax error: {exc}")
            return
        if any(f.strip() for f in fields):
            n += 1
            yield row(dict(zip(columns, fields)), len(fields) - len(columns), Position(source, n, line=line),
                      fields)
        line = reader.line_num + 1


def row(values: dict, extra: int, position: Position, fields: list[str]) -> FeedItem:
    raw = "\t".join(fields).encode("utf-8")
    get = lambda name: v.clean(values.get(name))  # noqa: E731
    doi = v.doi(get("doi"))
    if extra > 0:
        return BadRecord(position, f"{extra} field(s) more than the header has: a shifted row", raw, doi)
    title = get("title")
    if not title:
        return BadRecord(position, "row without a title", raw, doi)
    issns, bad = v.collect_issns([(get("issn"), "print"), (get("eissn"), "electronic")])
    linking, _ = v.collect_issns([(get("issn_l"), None)])
    first, last = get("first_page"), get("last_page")
    if not first and get("pages"):
        first, last = v.split_pages(get("pages"))
    return ArticleRecord(
        feed=FEED, position=position, title=title, authors=v.unique(_SPLIT.split(get("authors") or "")),
        journal=get("journal"), issns=issns, issn_l=linking[0].value if linking else None, bad_issns=bad,
        publisher=get("publisher"), volume=get("volume"), issue=get("issue"), first_page=first, last_page=last,
        pages=get("pages") or v.page_range(first, last), date=v.parse_date(get("year")), doi=doi,
        pmid=get("pmid"), abstract=get("abstract"), keywords=v.unique(_SPLIT.split(get("keywords") or "")),
        language=v.language(get("language")), record_id=doi or f"{position.source}:{position.line}",
    )
