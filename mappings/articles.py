"""The articles index: one document per journal article, whatever feeds described it (CCC TOC service).

Fields (the text families are those of the catalogue - see mappings.fields - so one query body
searches catalogue, articles and theses together):

  collection      "articles" (keyword)             type            "article" (keyword)
  title           family with pinyin + phrases      authors         family with pinyin; "Surname, Given"
  journal         family with pinyin: the journal title as the article's richest feed gives it
  journal_facet   keyword: the journal's title as the journals index holds it (one value per journal)
  issn_l          keyword: THE scope field. Articles are scoped by journal: filter with a terms lookup
                  on the journal_scopes index (see indexer.journal_scopes)
  issn            keyword list: every ISSN the feeds gave (yidu.identifiers.issn form: "0028-0836")
  volume, issue, pages, first_page, last_page
                  keywords, kept as messy as they come ("4-5", "S1", "xii", "e217", "123-9")
  year            short (from whatever date precision there is)
  date            keyword, ISO in the original precision: "1990", "2010-01", "1976-09-28"
  doi             keyword, yidu.identifiers.doi form (lower case, no resolver prefix)
  pmid, pmc       keywords
  summary         family: the abstract              subjects        family: keywords, MeSH, subjects
  subject_facet   keyword list                       language        keyword, MARC code ("eng", "chi")
  publisher       family                             feeds           keyword list: formats that gave it
  source_ids      keyword list "<feed>:<record id>" ("crossref:10.1038/...", "pubmed:9997")
  merge_keys      keyword list: the dedup keys ("doi:...", "loc:<issn_l>|<vol>|<issue>|<first page>",
                  "cit:<journal>|<year>|<title>"), see indexer.articles
  sources         object, not indexed: per feed record {feed, record_id, origin, issns, bad_issns}
  suggest         completion on the title         title_sort      keyword (pinyin or folded title)

The derived search forms (`*_s`, `*_py`) are left out of _source: they are recomputed from the
display values whenever a document is rewritten.
"""
from __future__ import annotations

from elasticsearch.dsl import Mapping, Object, Short

from mappings.fields import Family, searchable

FAMILIES = {
    "title": Family(pinyin=True, phrases=True),
    "authors": Family(pinyin=True, phrases=True),
    "journal": Family(pinyin=True),
    "subjects": Family(),
    "publisher": Family(),
    "summary": Family(),
}

KEYWORDS = (
    "collection", "type", "journal_facet", "issn_l", "issn", "volume", "issue", "pages", "first_page",
    "last_page", "date", "doi", "pmid", "pmc", "subject_facet", "language", "feeds", "source_ids",
    "merge_keys", "title_sort",
)

# Terms-lookup filters on issn_l may carry every journal a province holds; ES caps a terms query at
# index.max_terms_count (65,536 by default), so article index versions are raised to this (and higher
# when a scope grows beyond it: see indexer.journal_scopes).
MAX_TERMS_COUNT = 262_144


def settings() -> dict:
    """Index settings every new version of the collection gets (see mappings.settings_for)."""
    return {"max_terms_count": MAX_TERMS_COUNT}


def mapping() -> Mapping:
    m = searchable(FAMILIES, KEYWORDS)
    m.field("year", Short())
    m.field("sources", Object(enabled=False))
    return m
