"""MEDLINE text format (PubMed's "MEDLINE" display, .txt/.nbib): tagged lines, one citation per block.

    PMID- 12230038
    IS  - 1467-5463 (Print)
    TI  - The Bio* toolkits--a brief overview.
    AB  - Bioinformatics research is often difficult ...
          continuation lines are indented by six spaces
    FAU - Mangalam, Harry

Tags read: PMID, TI, AB, FAU (else AU), CN (collective), IS with "(Print)"/"(Electronic)"/"(Linking)",
JT/TA (journal, abbreviation), VI, IP, DP, PG, LID/AID "[doi]", LA, OT/MH (keywords), PMC, PB.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from harvesters.feeds import values as v
from harvesters.feeds.records import ArticleRecord, BadRecord, FeedItem, Position

FEED = "medline"
_LINE = re.compile(r"^([A-Z0-9]{2,4})\s*- ?(.*)$")
_ISSN_NOTE = re.compile(r"\((Print|Electronic|Linking)\)", re.IGNORECASE)
_ID = re.compile(r"^(\S+)\s*\[(\w+)\]")


def read_file(path: Path, data: bytes) -> Iterator[FeedItem]:
    source = str(path)
    for n, (line_no, offset, tags, chunk) in enumerate(_blocks(data), 1):
        yield citation(tags, Position(source, n, offset=offset, line=line_no), chunk)


def _blocks(data: bytes) -> Iterator[tuple[int, int, list[tuple[str, str]], bytes]]:
    """(first line, byte offset, [(tag, value)...], raw bytes) per citation: blocks start at 'PMID-'."""
    tags: list[tuple[str, str]] = []
    start_line, start_offset, offset = 0, 0, 0
    for line_no, raw in enumerate(data.split(b"\n"), 1):
        line = raw.decode("utf-8", "replace").rstrip("\r")
        here, offset = offset, offset + len(raw) + 1
        if line.startswith("PMID-") and tags:
            yield start_line, start_offset, tags, data[start_offset:here]
            tags = []
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m and not line.startswith("      "):
            if not tags:
                start_line, start_offset = line_no, here
            tags.append((m.group(1), m.group(2).strip()))
        elif tags:  # a continuation line
            tag, value = tags[-1]
            tags[-1] = (tag, f"{value} {line.strip()}")
    if tags:
        yield start_line, start_offset, tags, data[start_offset:]


def citation(tags: list[tuple[str, str]], position: Position, chunk: bytes) -> FeedItem:
    values: dict[str, list[str]] = {}
    for tag, value in tags:
        values.setdefault(tag, []).append(value)
    one = lambda tag: (values.get(tag) or [None])[0]  # noqa: E731
    pmid = one("PMID")
    title = one("TI")
    if not title:
        return BadRecord(position, "MEDLINE citation without TI (title)", chunk, pmid)
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    pairs, linking = [], None
    for value in values.get("IS", ()):
        note = _ISSN_NOTE.search(value)
        kind = note.group(1).lower() if note else ""
        if kind == "linking":
            linking = v.collect_issns([(value, None)])[0]
        else:
            pairs.append((value, kind))
    issns, bad = v.collect_issns(pairs)
    ids = {}
    for value in values.get("LID", []) + values.get("AID", []):
        m = _ID.match(value)
        if m:
            ids.setdefault(m.group(2).lower(), m.group(1))
    first, last = v.split_pages(one("PG"))
    journal, abbrev = one("JT"), one("TA")
    return ArticleRecord(
        feed=FEED, position=position, title=title,
        authors=v.unique(values.get("FAU") or values.get("AU") or []) + v.unique(values.get("CN", [])),
        journal=journal or abbrev, journal_variants=[abbrev] if journal and abbrev and abbrev != journal else [],
        issns=issns, issn_l=linking[0].value if linking else None, bad_issns=bad, publisher=one("PB"),
        volume=one("VI"), issue=one("IP"), first_page=first or ids.get("pii"), last_page=last,
        pages=one("PG") or ids.get("pii"), date=v.parse_date(one("DP")), doi=v.doi(ids.get("doi")),
        pmid=pmid, pmc=one("PMC"), abstract=v.clean(one("AB")),
        keywords=v.unique([*values.get("OT", ()), *(m.lstrip("*").split("/")[0] for m in values.get("MH", ()))]),
        language=v.language(one("LA")), record_id=pmid,
    )
