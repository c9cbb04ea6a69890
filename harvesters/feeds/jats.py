"""JATS (and its NLM predecessors) front matter: one `ArticleRecord` per <article>.

Reads a single-article file (PMC OA .nxml, publisher deliveries) or a <pmc-articleset> of many.
journal-meta gives the journal: journal-title (inside journal-title-group or directly), abbreviations
and NLM title abbreviations as variants, <issn> with pub-type ppub/epub (or publication-format
print/electronic), <issn-l>, publisher-name. article-meta gives the article: article-id doi/pmid/pmc,
article-title (+ subtitle), authors (contrib-type author: surname/given-names, string-name, collab;
name-style="eastern" Chinese names are written without a comma), volume, issue, fpage/lpage or
elocation-id, the issue's pub-date (ppub, then collection, then epub; a year alone is kept as a year),
abstract, kwd-group and subject keywords, and xml:lang.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

from lxml import etree

from harvesters.feeds import values as v
from harvesters.feeds.records import ArticleRecord, BadRecord, FeedItem, Position
from harvesters.feeds.xmltools import XML_LANG, block_text, find, find_text, findall, iter_elements, raw, text
from yidu import textzh

FEED = "jats"
# Which publication date dates the issue: print first, then the issue (collection), then online.
DATE_PREFERENCE = ("ppub", "epub-ppub", "collection", "epreprint", "epub", "pub")
# The JATS DTDs default article/@xml:lang to "en"; without loading the DTD we apply the default ourselves.
DEFAULT_LANG = "en"
ISSN_KIND = {"ppub": "print", "print": "print", "epub": "electronic", "electronic": "electronic"}


def read_file(path: Path, data: bytes) -> Iterator[FeedItem]:
    source = str(path)
    n = 0
    for el, problem in iter_elements(io.BytesIO(data), {"article"}):
        n += 1
        position = Position(source, n, line=el.sourceline if el is not None else None)
        if el is None:
            yield BadRecord(position, problem or "unreadable XML")
            return
        yield article(el, position)


def article(el: etree._Element, position: Position) -> FeedItem:
    front = find(el, "front")
    jmeta = find(front, "journal-meta")
    ameta = find(front, "article-meta")
    if ameta is None:
        return BadRecord(position, "JATS article without front/article-meta", raw(el))
    ids = {a.get("pub-id-type"): text(a) for a in findall(ameta, "article-id")}
    doi = v.doi(ids.get("doi"))
    title = find_text(ameta, "title-group/article-title")
    if not title:
        return BadRecord(position, "JATS article without an article-title", raw(el), doi)
    subtitle = find_text(ameta, "title-group/subtitle")
    if subtitle:
        title = f"{title}: {subtitle}"
    journal = find_text(jmeta, "journal-title-group/journal-title") or find_text(jmeta, "journal-title")
    variants = v.unique([text(t) for t in findall(jmeta, ".//abbrev-journal-title")]
                        + [text(j) for j in findall(jmeta, "journal-id")
                           if j.get("journal-id-type") in ("nlm-ta", "iso-abbrev")])
    issns, bad = v.collect_issns(
        (text(i), ISSN_KIND.get(i.get("pub-type") or i.get("publication-format") or "", ""))
        for i in findall(jmeta, "issn"))
    fpage, lpage = find_text(ameta, "fpage"), find_text(ameta, "lpage")
    first = fpage or find_text(ameta, "elocation-id")
    pages = v.page_range(fpage, lpage) or find_text(ameta, "page-range") or first
    keywords = [text(k) for k in findall(ameta, "kwd-group/kwd")]
    keywords += [text(s) for g in findall(ameta, "article-categories//subj-group")
                 if g.get("subj-group-type") not in ("heading", "display-channel") for s in findall(g, "subject")]
    return ArticleRecord(
        feed=FEED, position=position, title=title, authors=v.unique(_authors(ameta)),
        journal=journal, journal_variants=[x for x in variants if x != journal],
        issns=issns, issn_l=_issn_l(jmeta), bad_issns=bad, publisher=find_text(jmeta, "publisher/publisher-name"),
        volume=find_text(ameta, "volume"), issue=find_text(ameta, "issue"),
        first_page=first, last_page=lpage, pages=pages, date=_date(ameta), doi=doi,
        pmid=ids.get("pmid"), pmc=ids.get("pmc") or ids.get("pmcid"),
        abstract=_abstract(ameta), keywords=v.unique(keywords),
        language=v.language(el.get(XML_LANG) or el.get("lang") or DEFAULT_LANG),
        record_id=doi or ids.get("pmid") or ids.get("publisher-id"),
    )


def _issn_l(jmeta: etree._Element | None) -> str | None:
    found, _ = v.collect_issns([(find_text(jmeta, "issn-l"), None)])
    return found[0].value if found else None


def _authors(ameta: etree._Element) -> Iterator[str | None]:
    for contrib in findall(ameta, ".//contrib-group/contrib"):
        if contrib.get("contrib-type") not in (None, "author"):
            continue  # editors, reviewers, translators are not authors of the article
        name = find(contrib, "name")
        if name is not None:
            surname, given = find_text(name, "surname"), find_text(name, "given-names")
            if name.get("name-style") == "eastern" and textzh.has_cjk((surname or "") + (given or "")):
                yield (surname or "") + (given or "")
            else:
                yield v.person(surname, given, find_text(name, "suffix"))
        elif find(contrib, "string-name") is not None:
            yield find_text(contrib, "string-name")
        elif find(contrib, "collab") is not None:
            yield find_text(contrib, "collab")


def _date(ameta: etree._Element) -> str | None:
    dates = {}
    for d in findall(ameta, "pub-date"):
        kind = d.get("pub-type") or d.get("date-type") or d.get("publication-format") or ""
        iso = v.iso_date(find_text(d, "year"), find_text(d, "month") or find_text(d, "season"), find_text(d, "day"))
        if iso and kind not in dates:
            dates[kind] = iso
    for kind in DATE_PREFERENCE:
        if kind in dates:
            return dates[kind]
    return next(iter(dates.values()), None)


def _abstract(ameta: etree._Element) -> str | None:
    abstracts = findall(ameta, "abstract")
    plain = [a for a in abstracts if a.get("abstract-type") in (None, "", "summary")]
    return block_text((plain or abstracts or [None])[0])
