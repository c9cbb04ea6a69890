"""PubMed/MEDLINE XML (PubmedArticleSet, as EFetch and the baseline files deliver it): one
`ArticleRecord` per <PubmedArticle>.

Journal/ISSN (IssnType Print/Electronic) and MedlineJournalInfo/ISSNLinking (the ISSN-L, used as the
grouping hint), Journal/Title with ISOAbbreviation and MedlineTA as variants; JournalIssue
Volume/Issue/PubDate: Year/Month/Day, Season (year precision), or MedlineDate ("1998 Dec-1999 Jan":
the start, in its precision); Pagination StartPage/EndPage or MedlinePgn ("123-9" -> 123 to 129);
ELocationID (doi, and pii as the locator when there are no pages); AuthorList (LastName + ForeName or
Initials, CollectiveName); labelled AbstractText sections; Language; keywords and MeSH descriptors;
ArticleIdList doi/pmc. <PubmedBookArticle> (books) and <DeleteCitation> are skipped with the reason.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

from lxml import etree

from harvesters.feeds import values as v
from harvesters.feeds.records import ArticleRecord, BadRecord, FeedItem, Position, Skipped
from harvesters.feeds.xmltools import block_text, find, find_text, findall, iter_elements, raw, text

FEED = "pubmed"
RECORDS = {"PubmedArticle", "PubmedBookArticle", "DeleteCitation"}


def read_file(path: Path, data: bytes) -> Iterator[FeedItem]:
    source = str(path)
    n = 0
    for el, problem in iter_elements(io.BytesIO(data), RECORDS):
        n += 1
        position = Position(source, n, line=el.sourceline if el is not None else None)
        if el is None:
            yield BadRecord(position, problem or "unreadable XML")
            return
        yield record(el, position)


def record(el: etree._Element, position: Position) -> FeedItem:
    kind = etree.QName(el).localname
    if kind == "DeleteCitation":
        pmids = [text(p) for p in findall(el, "PMID")]
        return Skipped(position, f"a deletion list ({len(pmids)} PMIDs): deletions are not applied from files")
    if kind == "PubmedBookArticle":
        return Skipped(position, "a book or book chapter (PubmedBookArticle), not a journal article",
                       find_text(el, "BookDocument/PMID"))
    citation = find(el, "MedlineCitation")
    article = find(citation, "Article")
    pmid = find_text(citation, "PMID")
    if article is None:
        return BadRecord(position, "PubmedArticle without MedlineCitation/Article", raw(el), pmid)
    title = _title(block_text(find(article, "ArticleTitle")) or find_text(article, "VernacularTitle"))
    if not title:
        return BadRecord(position, "PubMed article without ArticleTitle", raw(el), pmid)
    journal = find(article, "Journal")
    issue = find(journal, "JournalIssue")
    ids = {a.get("IdType"): text(a) for a in findall(el, "PubmedData/ArticleIdList/ArticleId")}
    elocations = {e.get("EIdType"): text(e) for e in findall(article, "ELocationID")}
    doi = v.doi(elocations.get("doi") or ids.get("doi"))
    first, last, pages = _pages(article, elocations)
    issns, bad = v.collect_issns((text(i), i.get("IssnType")) for i in findall(journal, "ISSN"))
    linking, _ = v.collect_issns([(find_text(citation, "MedlineJournalInfo/ISSNLinking"), None)])
    name = find_text(journal, "Title")
    variants = v.unique([find_text(journal, "ISOAbbreviation"), find_text(citation, "MedlineJournalInfo/MedlineTA")])
    keywords = [text(k) for k in findall(citation, "KeywordList/Keyword")]
    keywords += [text(d) for d in findall(citation, "MeshHeadingList/MeshHeading/DescriptorName")]
    return ArticleRecord(
        feed=FEED, position=position, title=title, authors=v.unique(_authors(article)),
        journal=name, journal_variants=[x for x in variants if x != name],
        issns=issns, issn_l=linking[0].value if linking else None, bad_issns=bad,
        volume=find_text(issue, "Volume"), issue=find_text(issue, "Issue"),
        first_page=first, last_page=last, pages=pages, date=_date(find(issue, "PubDate")),
        doi=doi, pmid=pmid or ids.get("pubmed"), pmc=ids.get("pmc"),
        abstract=block_text(find(article, "Abstract")), keywords=v.unique(keywords),
        language=v.language(find_text(article, "Language")), record_id=pmid,
    )


def _title(title: str | None) -> str | None:
    """PubMed ends titles with a period the other feeds do not have."""
    if title and title.endswith(".") and not title.endswith(".."):
        return title[:-1].rstrip() or None
    return title


def _authors(article: etree._Element) -> Iterator[str | None]:
    for a in findall(article, "AuthorList/Author"):
        if a.get("ValidYN") == "N":
            continue  # an erroneous name NLM kept for the record
        collective = find_text(a, "CollectiveName")
        if collective:
            yield collective
        else:
            yield v.person(find_text(a, "LastName"), find_text(a, "ForeName") or find_text(a, "Initials"),
                           find_text(a, "Suffix"))


def _date(pub: etree._Element | None) -> str | None:
    if pub is None:
        return None
    medline = find_text(pub, "MedlineDate")
    if medline:
        return v.parse_date(medline)
    return v.iso_date(find_text(pub, "Year"), find_text(pub, "Month") or find_text(pub, "Season"),
                      find_text(pub, "Day"))


def _pages(article: etree._Element, elocations: dict) -> tuple[str | None, str | None, str | None]:
    start, end = find_text(article, "Pagination/StartPage"), find_text(article, "Pagination/EndPage")
    medline = find_text(article, "Pagination/MedlinePgn")
    if not start and medline:
        start, end = v.split_pages(medline)
    locator = elocations.get("pii") if not start else None  # online-only articles: the locator stands for pages
    return start or locator, end, medline or v.page_range(start, end) or locator
