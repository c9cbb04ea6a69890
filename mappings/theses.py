"""The theses index: one document per harvested thesis record (source + OAI identifier).

Written by `indexer.theses` from what the harvesters map (`harvesters.oai.records.Thesis`); searched beside
the catalogue with the same query body, since the text families and the scope field have the same names.

Field reference (for query/ and api/):

| field | type | content |
|---|---|---|
| `collection` | keyword | always "theses" |
| `type` | keyword | always "thesis" |
| `title` (+ `title_t`, `title_s`, `title_py`, `title_pyi`) | family, pinyin | the title as given |
| `other_titles` (+ `_t`, `_s`, `_py`, `_pyi`) | family, pinyin | parallel titles (e.g. the English title of a Chinese thesis) |
| `authors` (+ family) | family, pinyin | the author(s), as given ("Surname, Forename" or 张三) |
| `advisors` (+ family) | family, pinyin | supervisors / thesis advisors |
| `discipline` (+ `_t`, `_s`) | family | discipline / department as given |
| `discipline_facet` | keyword | the same values, for facets |
| `degree` | keyword | doctoral, master, bachelor or unknown |
| `degree_name` | display | the degree as named ("Master of Public Health", "博士") |
| `institution` | keyword | registry library code of the degree-granting institution |
| `institution_name` | display | its name |
| `holding_libraries` | keyword | [institution]: the scope filter, exactly as in the catalogue |
| `year` | short | year of the degree / issue |
| `summary` (+ `_t`, `_s`) | family | abstracts |
| `subjects` (+ `_t`, `_s`) | family | keywords |
| `subject_facet` | keyword | first part of each subject, for facets |
| `language` | keyword | MARC codes: chi, eng, fre, ... |
| `source` | keyword | where the thesis comes from: local, CADAL, PQDT or NDLTD (the source registry's `origin`) |
| `harvest_source` | keyword | the source registry entry's name |
| `format` | keyword | the metadata format read: oai_dc, etd_ms, marcxml |
| `fulltext_url` | keyword, not indexed | the best link to the full text (file, else landing page, else DOI) |
| `identifiers` | keyword | OAI identifier, DOIs (lower case, "10.x/y"), handles ("1969.1/149344") |
| `oai_identifier` | keyword | the OAI identifier |
| `datestamp` | keyword | the OAI datestamp, normalised (YYYY-MM-DDThh:mm:ssZ), sortable |
| `source_ids` | keyword | ["SOURCE:oai-identifier"] |
| `title_sort` | keyword | pinyin (or folded) title, for sorting |
| `suggest` | completion | title, folded title, pinyin, initials |

`_source` leaves out the derived `_s` and `_py` fields, like the catalogue (mappings.fields.derived_excludes).
"""
from __future__ import annotations

from elasticsearch.dsl import Mapping, Short

from mappings.fields import Family, searchable

FAMILIES = {
    "title": Family(pinyin=True, phrases=True),
    "other_titles": Family(pinyin=True),
    "authors": Family(pinyin=True, phrases=True),
    "advisors": Family(pinyin=True),
    "discipline": Family(),
    "subjects": Family(),
    "summary": Family(),
}

KEYWORDS = (
    "collection", "type", "degree", "discipline_facet", "institution", "holding_libraries", "subject_facet",
    "language", "source", "harvest_source", "format", "identifiers", "oai_identifier", "datestamp", "source_ids",
    "title_sort",
)

DISPLAY_ONLY = ("degree_name", "institution_name", "fulltext_url")


def mapping() -> Mapping:
    m = searchable(FAMILIES, KEYWORDS, DISPLAY_ONLY)
    m.field("year", Short())
    return m
