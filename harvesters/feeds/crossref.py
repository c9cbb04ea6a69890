"""Crossref REST API JSON: `works` messages (a work list, one journal's `/journals/{issn}/works`, cursor
pages, a single `/works/{doi}`), journal messages, citeproc-json, and NDJSON dumps of work items.

    {"status": "ok", "message-type": "work-list",
     "message": {"next-cursor": "...", "total-results": 454, "items-per-page": 20, "items": [{work}...]}}

A work becomes an `ArticleRecord` when its type is in `ARTICLE_TYPES`; other types (book chapters,
datasets, journal-issue records...) are `Skipped` with their type. Errors come back as
`CrossrefError`: the plain-text 404 body "Resource not found.", `message-type: validation-failure`
(Crossref's messages listed), or anything that is not a Crossref envelope.

The harvester for Crossref sources is `harvesters.feeds.crossref_harvester.CrossrefHarvester`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import orjson

from harvesters.feeds import values as v
from harvesters.feeds.errors import CrossrefError, FeedFileError
from harvesters.feeds.records import ArticleRecord, BadRecord, FeedItem, JournalRecord, Position, Skipped

FEED = "crossref"
# Crossref work types that are journal articles (the CCC service indexes articles, not books).
ARTICLE_TYPES = frozenset({"journal-article"})
WORK_LISTS = frozenset({"work-list"})
JOURNAL_MESSAGES = frozenset({"journal", "journal-list"})


@dataclass
class CrossrefPage:
    """One decoded response: its items (raw dicts), and the paging facts."""

    message_type: str
    items: list[dict] = field(default_factory=list)
    next_cursor: str | None = None
    total: int | None = None
    rows: int | None = None


def parse_body(body: bytes, *, ref: str, status: int = 200) -> CrossrefPage:
    """Decode a Crossref response body; raise `CrossrefError` saying what Crossref said when it is an error."""
    text = body.strip()
    if status == 404 or text.startswith(b"Resource not found"):
        said = text[:200].decode("utf-8", "replace") or "(empty body)"
        raise CrossrefError(f"Crossref: not found (HTTP {status}): {said}", ref=ref, status=status, messages=(said,))
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        snippet = text[:120].decode("utf-8", "replace")
        raise CrossrefError(f"Crossref answered HTTP {status} with a body that is not JSON ({exc}): {snippet!r}",
                            ref=ref, status=status) from None
    if not isinstance(data, dict):
        raise CrossrefError("Crossref answered with JSON that is not a message object", ref=ref, status=status)
    return page_of(data, ref=ref, status=status)


def page_of(data: dict, *, ref: str, status: int = 200) -> CrossrefPage:
    kind = data.get("message-type")
    message = data.get("message")
    if data.get("status") == "failed" or kind == "validation-failure" or status >= 400:
        said = tuple(_messages(message)) or (str(message)[:200],)
        raise CrossrefError(f"Crossref rejected the request (HTTP {status}, {kind or 'error'}): " + "; ".join(said),
                            ref=ref, status=status, messages=said)
    if kind is None and "DOI" in data:  # a bare work: citeproc-json or an NDJSON line
        return CrossrefPage("work", [data])
    if not isinstance(message, dict):
        raise CrossrefError(f"not a Crossref message (message-type {kind!r})", ref=ref, status=status)
    if kind in WORK_LISTS or kind == "journal-list":
        return CrossrefPage(kind, list(message.get("items") or []), message.get("next-cursor"),
                            message.get("total-results"), message.get("items-per-page"))
    if kind in ("work", "journal"):
        return CrossrefPage(kind, [message])
    raise CrossrefError(f"Crossref message type {kind!r} holds neither works nor journals", ref=ref, status=status)


def _messages(message: Any) -> Iterator[str]:
    """Crossref's error messages: [{"type": "...", "value": "...", "message": "..."}] or a string."""
    if isinstance(message, str):
        yield message
    elif isinstance(message, list):
        for m in message:
            if isinstance(m, dict):
                yield " ".join(str(m[k]) for k in ("type", "message", "value") if m.get(k))
            else:
                yield str(m)
    elif isinstance(message, dict) and message.get("message"):
        yield str(message["message"])


def items(page: CrossrefPage, *, source: str, start: int = 1) -> Iterator[FeedItem]:
    """The page's items as feed items, numbered from `start` (positions count across pages)."""
    for n, item in enumerate(page.items, start):
        position = Position(source, n)
        if not isinstance(item, dict):
            yield BadRecord(position, f"item is a JSON {type(item).__name__}, not an object")
        elif page.message_type in JOURNAL_MESSAGES:
            yield journal(item, position)
        else:
            yield work(item, position)


def work(item: dict, position: Position) -> FeedItem:
    doi = v.doi(item.get("DOI"))
    kind = item.get("type")
    indexed = item.get("indexed")
    updated = indexed.get("date-time") if isinstance(indexed, dict) else None
    if kind not in ARTICLE_TYPES:
        return Skipped(position, f"not a journal article (Crossref type {kind or 'missing'})", doi, updated)
    title = _first(item.get("title"))
    if not title:
        return BadRecord(position, "journal article without a title", orjson.dumps(item), doi, updated)
    subtitle = _first(item.get("subtitle"))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}"
    issns, bad = v.collect_issns(_issn_pairs(item))
    journals = v.unique([*(item.get("container-title") or ()), *(item.get("short-container-title") or ())])
    journal = max(journals, key=len) if journals else None  # the full title; the short forms are variants
    first, last = v.split_pages(item.get("page"))
    date = next(filter(None, (v.date_parts(item.get(k)) for k in
                              ("published-print", "published-online", "issued", "published", "created"))), None)
    return ArticleRecord(
        feed=FEED, position=position, title=title,
        authors=v.unique(_authors(item.get("author") or ())),
        journal=journal, journal_variants=[j for j in journals if j != journal],
        issns=issns, bad_issns=bad, publisher=v.clean(item.get("publisher")),
        volume=v.clean(item.get("volume")), issue=v.clean(item.get("issue")),
        first_page=first or v.clean(item.get("article-number")), last_page=last,
        pages=v.clean(item.get("page")) or v.clean(item.get("article-number")),
        date=date, doi=doi, abstract=v.strip_markup(item.get("abstract")),
        keywords=v.unique(_subject_names(item.get("subject"))),
        language=v.language(item.get("language")), record_id=doi, updated=updated,
    )


def journal(item: dict, position: Position) -> FeedItem:
    title = v.clean(item.get("title"))
    issns, _ = v.collect_issns(_issn_pairs(item))
    if not title or not issns:
        return BadRecord(position, "journal record without a title or a valid ISSN", orjson.dumps(item))
    return JournalRecord(feed=FEED, position=position, title=title, issns=issns,
                         publisher=v.clean(item.get("publisher")),
                         subjects=v.unique(_subject_names(item.get("subjects"))), record_id=issns[0].value)


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return next(filter(None, map(v.clean, value)), None)
    return v.clean(value)


def _issn_pairs(item: dict) -> list[tuple[Any, Any]]:
    """(ISSN, kind) from 'issn-type' (typed) first, then the untyped 'ISSN' list."""
    typed = [(t.get("value"), t.get("type")) for t in item.get("issn-type") or () if isinstance(t, dict)]
    return typed + [(i, None) for i in item.get("ISSN") or ()]


def _authors(authors: Any) -> Iterator[str | None]:
    for a in authors:
        if not isinstance(a, dict):
            continue
        yield v.person(a.get("family"), a.get("given"), a.get("suffix")) or v.clean(a.get("name"))


def _subject_names(subjects: Any) -> Iterator[str | None]:
    for s in subjects or ():
        yield s.get("name") if isinstance(s, dict) else s


# --- files ------------------------------------------------------------------------------------------

def read_file(path: Path, data: bytes) -> Iterator[FeedItem]:
    """A saved response (envelope or bare work) or an NDJSON file of work items, one per line."""
    source = str(path)
    stripped = data.lstrip()
    try:
        whole = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        whole = None
    if isinstance(whole, dict):
        try:
            page = page_of(whole, ref=source)
        except CrossrefError as exc:
            raise FeedFileError(source, exc.message) from None
        yield from items(page, source=source)
        return
    yield from _ndjson(data, source)


def _ndjson(data: bytes, source: str) -> Iterator[FeedItem]:
    n = 0
    offset = 0
    for line_no, line in enumerate(data.split(b"\n"), 1):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        n += 1
        position = Position(source, n, offset=start, line=line_no)
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield BadRecord(position, f"line is not JSON: {exc}", line)
            continue
        if not isinstance(item, dict):
            yield BadRecord(position, "line is not a JSON object", line)
            continue
        yield work(item, position)
