"""The journal_scopes index: for each reader scope, the journals its libraries hold.

One document per scope key of yidu.scopes.all_scope_keys(registry), id = the key ("library:PKU",
"city:11:北京", "province:11", "domain:WY", "domain:BJ-HD+WY"):

  key        keyword: the scope key (= _id)          level      keyword: library|city|province|domain
  libraries  keyword list: the member libraries of the scope
  issn_l     keyword list: every ISSN-L any of those libraries holds - the terms-lookup path
  count      integer: len(issn_l)                    digest     keyword (not indexed): change detection
  built_at   date

Used by article searches as {"terms": {"issn_l": {"index": "<prefix>-journal_scopes", "id": KEY,
"path": "issn_l"}}} (see indexer.journal_scopes).
"""
from __future__ import annotations

from elasticsearch.dsl import Date, Integer, Keyword, Mapping


def mapping() -> Mapping:
    m = Mapping()
    m.meta("dynamic", "strict")
    for name in ("key", "level", "libraries", "issn_l"):
        m.field(name, Keyword())
    m.field("count", Integer())
    m.field("digest", Keyword(index=False, doc_values=False))
    m.field("built_at", Date())
    return m
