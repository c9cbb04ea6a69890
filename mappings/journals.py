"""The journals index: one document per journal, its print and electronic ISSNs grouped by ISSN-L.

Document id: the ISSN-L. Fields:

  collection       "journals"                        type             "journal"
  issn_l           keyword: the linking ISSN (ISSN Centre table, else learned; see indexer.issnl)
  issn             keyword list: every ISSN of the journal; issn_print / issn_electronic by medium
  title            family with pinyin + phrases: journal records' title first, else the fullest
                   title the article feeds gave
  other_titles     family with pinyin: abbreviations and other forms (ISO/NLM abbreviations...)
  publisher        family                             subjects         family; subject_facet keyword
  language         keyword list (MARC codes)
  first_year, last_year   short: the span of article years known
  holding_libraries       keyword list: member libraries holding the journal in print or electronically
                          (from the holdings providers, see indexer.journal_scopes); holding_count;
                          holders_digest (not indexed): lets a scope rebuild find changed holders cheaply
  feeds            keyword list: the feeds that described the journal
  title_origin     keyword: "journal-record" (a journal description) or "article" (from article feeds)
  suggest          completion on the title            title_sort       keyword

Volumes and issues are not stored here: the table of contents of a journal is an aggregation over the
articles index (indexer.journals.journal_issues: year/volume/issue with article counts), always current
and free to maintain.
"""
from __future__ import annotations

from elasticsearch.dsl import Integer, Keyword, Mapping, Short

from mappings.fields import Family, searchable

FAMILIES = {
    "title": Family(pinyin=True, phrases=True),
    "other_titles": Family(pinyin=True),
    "publisher": Family(),
    "subjects": Family(),
}

KEYWORDS = (
    "collection", "type", "issn_l", "issn", "issn_print", "issn_electronic", "language", "subject_facet",
    "holding_libraries", "feeds", "title_origin", "title_sort",
)


def mapping() -> Mapping:
    m = searchable(FAMILIES, KEYWORDS)
    m.field("first_year", Short())
    m.field("last_year", Short())
    m.field("holding_count", Integer())
    m.field("holders_digest", Keyword(index=False, doc_values=False))
    return m
