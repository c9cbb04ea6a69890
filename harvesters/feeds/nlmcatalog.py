"""NLM Catalog journal records (<SerialsSet><Serial>): `JournalRecord`s for the journals index.

Title, MedlineTA/ISOAbbreviation and cross-reference titles as variants, ISSN (IssnType
Print/Electronic), ISSNLinking, PublicationInfo/Publisher, BroadJournalHeading subjects, Language.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

from lxml import etree

from harvesters.feeds import values as v
from harvesters.feeds.records import BadRecord, FeedItem, JournalRecord, Position
from harvesters.feeds.xmltools import find_text, findall, iter_elements, raw, text

FEED = "nlm-serials"


def read_file(path: Path, data: bytes) -> Iterator[FeedItem]:
    source = str(path)
    n = 0
    for el, problem in iter_elements(io.BytesIO(data), {"Serial"}):
        n += 1
        position = Position(source, n, line=el.sourceline if el is not None else None)
        if el is None:
            yield BadRecord(position, problem or "unreadable XML")
            return
        yield serial(el, position)


def serial(el: etree._Element, position: Position) -> FeedItem:
    nlm_id = find_text(el, "NlmUniqueID")
    title = find_text(el, "Title")
    issns, _ = v.collect_issns((text(i), i.get("IssnType")) for i in findall(el, "ISSN"))
    if not title or not issns:
        return BadRecord(position, "NLM serial without a title or a valid ISSN", raw(el), nlm_id)
    linking, _ = v.collect_issns([(find_text(el, "ISSNLinking"), None)])
    variants = [find_text(el, "MedlineTA"), find_text(el, "ISOAbbreviation")]
    variants += [text(x) for x in findall(el, "CrossReferenceList/CrossReference/XrTitle")]
    return JournalRecord(
        feed=FEED, position=position, title=title.rstrip(". "),
        variants=[x for x in v.unique(variants) if x.casefold() != title.casefold()],
        issns=issns, issn_l=linking[0].value if linking else None,
        publisher=find_text(el, "PublicationInfo/Publisher"),
        subjects=v.unique(text(h) for h in findall(el, "BroadJournalHeadingList/BroadJournalHeading")),
        language=v.language(find_text(el, "Language")), record_id=nlm_id,
    )
