"""DOAJ NDJSON: one record per line, as the DOAJ Elasticsearch dump ({"_type": ..., "_source": {...}}) or
the public API ({"id": ..., "bibjson": {...}}) writes it.

Article bibjson: title, author [{name}], journal {title, volume, number, publisher, language, issns},
identifier [{type: pissn|eissn|doi, id}], start_page, end_page, year, month, abstract, keywords.
Journal bibjson (the "journal" type) becomes a `JournalRecord`: title, alternative_title, identifier or
pissn/eissn, publisher, subject terms and keywords, language. DOAJ gives the journal's languages, not
the article's: an article gets a language only when its journal has exactly one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import orjson

from harvesters.feeds import values as v
from harvesters.feeds.records import ArticleRecord, BadRecord, FeedItem, JournalRecord, Position

FEED = "doaj"


def read_file(path: Path, data: bytes) -> Iterator[FeedItem]:
    source = str(path)
    n, offset = 0, 0
    for line_no, line in enumerate(data.split(b"\n"), 1):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        n += 1
        position = Position(source, n, offset=start, line=line_no)
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield BadRecord(position, f"line is not JSON: {exc}", line)
            continue
        yield record(obj, position, line)


def record(obj: Any, position: Position, raw: bytes | None = None) -> FeedItem:
    if not isinstance(obj, dict):
        return BadRecord(position, "line is not a JSON object", raw)
    body = obj.get("_source") if isinstance(obj.get("_source"), dict) else obj
    bib = body.get("bibjson")
    rid = body.get("id") or obj.get("_id")
    if not isinstance(bib, dict):
        return BadRecord(position, "DOAJ record without bibjson", raw, rid)
    kind = obj.get("_type") or ("article" if isinstance(bib.get("journal"), dict) else "journal")
    return article(bib, position, rid, raw) if kind == "article" else journal(bib, body, position, rid, raw)


def _identifiers(bib: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for i in bib.get("identifier") or ():
        if isinstance(i, dict) and i.get("id"):
            out.setdefault(str(i.get("type", "")).lower(), []).append(str(i["id"]))
    for kind in ("pissn", "eissn"):  # API v3 journals
        if bib.get(kind):
            out.setdefault(kind, []).append(str(bib[kind]))
    return out


def article(bib: dict, position: Position, rid: str | None, raw: bytes | None) -> FeedItem:
    ids = _identifiers(bib)
    doi = v.doi((ids.get("doi") or [None])[0])
    title = v.clean(bib.get("title"))
    if not title:
        return BadRecord(position, "DOAJ article without a title", raw, rid or doi)
    j = bib.get("journal") or {}
    pairs = [(i, "print") for i in ids.get("pissn", ())] + [(i, "electronic") for i in ids.get("eissn", ())]
    pairs += [(i, None) for i in j.get("issns") or ()]
    issns, bad = v.collect_issns(pairs)
    first, last = v.clean(bib.get("start_page")), v.clean(bib.get("end_page"))
    languages = j.get("language") or []
    return ArticleRecord(
        feed=FEED, position=position, title=title,
        authors=v.unique(a.get("name") for a in bib.get("author") or () if isinstance(a, dict)),
        journal=v.clean(j.get("title")), issns=issns, bad_issns=bad, publisher=v.clean(j.get("publisher")),
        volume=v.clean(j.get("volume")), issue=v.clean(j.get("number")), first_page=first, last_page=last,
        pages=v.page_range(first, last), date=v.iso_date(bib.get("year"), bib.get("month")), doi=doi,
        abstract=v.clean(bib.get("abstract")), keywords=v.unique(bib.get("keywords") or ()),
        language=v.language(languages[0]) if len(languages) == 1 else None, record_id=rid or doi,
    )


def journal(bib: dict, body: dict, position: Position, rid: str | None, raw: bytes | None) -> FeedItem:
    ids = _identifiers(bib)
    issns, _ = v.collect_issns([(i, "print") for i in ids.get("pissn", ())]
                               + [(i, "electronic") for i in ids.get("eissn", ())])
    title = v.clean(bib.get("title"))
    if not title or not issns:
        return BadRecord(position, "DOAJ journal without a title or a valid ISSN", raw, rid)
    subjects = [s.get("term") for s in bib.get("subject") or () if isinstance(s, dict)]
    languages = bib.get("language") or []
    return JournalRecord(
        feed=FEED, position=position, title=title, variants=v.unique([bib.get("alternative_title")]),
        issns=issns, publisher=v.clean(bib.get("publisher") if isinstance(bib.get("publisher"), str)
                                       else (bib.get("publisher") or {}).get("name")),
        subjects=v.unique([*subjects, *(bib.get("keywords") or ())]),
        language=v.language(languages[0]) if languages else None, record_id=rid,
    )
