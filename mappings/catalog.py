"""The union catalogue index: one document per union record (an edition, with every library's holdings)."""
from __future__ import annotations

from elasticsearch.dsl import Completion, Integer, Keyword, Mapping, Object, Short

from mappings.fields import Family, add_family, derived_excludes

FAMILIES = {
    "title": Family(pinyin=True, phrases=True),
    "other_titles": Family(pinyin=True),
    "authors": Family(pinyin=True, phrases=True),
    "subjects": Family(),
    "publisher": Family(),
    "series": Family(),
    "contents": Family(),
    "summary": Family(),
}

KEYWORDS = (
    "collection", "type", "types", "format", "isbn", "issn", "language", "clc", "clc_top", "clc2",
    "holding_libraries", "source_ids", "merge_key", "title_sort", "subject_facet",
)

DISPLAY_ONLY = ("subtitle", "responsibility", "edition", "place", "extent", "title_romanized")


def mapping() -> Mapping:
    m = Mapping()
    m.meta("dynamic", "strict")
    m.meta("_source", excludes=derived_excludes(FAMILIES))
    for name, family in FAMILIES.items():
        add_family(m, name, family)
    for name in KEYWORDS:
        m.field(name, Keyword())
    for name in DISPLAY_ONLY:
        m.field(name, Keyword(index=False, doc_values=False))
    m.field("year", Short())
    m.field("holding_count", Integer())
    m.field("authors_detail", Object(enabled=False))
    m.field("holdings", Object(enabled=False))
    m.field("sources", Object(enabled=False))
    m.field("suggest", Completion(analyzer="keyword", search_analyzer="keyword", max_input_length=80))
    return m
