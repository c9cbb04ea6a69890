"""The union catalogue index: one document per union record (an edition, with every library's holdings)."""
from __future__ import annotations

from elasticsearch.dsl import Integer, Mapping, Object, Short

from mappings.fields import Family, searchable

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
    m = searchable(FAMILIES, KEYWORDS, DISPLAY_ONLY)
    m.field("year", Short())
    m.field("holding_count", Integer())
    m.field("authors_detail", Object(enabled=False))
    m.field("holdings", Object(enabled=False))
    m.field("sources", Object(enabled=False))
    m.field("links", Object(enabled=False))  # 856 electronic locations: shown, not searched
    return m
