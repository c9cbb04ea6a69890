"""Journal documents: built from what article feeds and journal records say about a journal, merged.

A journal is identified by its ISSN-L (indexer.issnl). Every article record contributes a fragment
(its journal title and abbreviations, ISSNs by medium, publisher, language, year); journal records
(Crossref /journals, DOAJ journals, NLM serials) contribute authoritative fragments (title, subjects).
`merge` combines fragments and stored documents; it is what the articles loader runs, page by page,
on the fragments of the page and the stored documents of their ISSN-Ls (read-modify-write).

Title rule: a journal record's title beats an article feed's; between equals, the better-written one
(more capitalised words - PubMed writes "Journal of magnetic resonance"), then the longer (full title
over abbreviation). Every other form is kept in other_titles.

`holding_libraries` is not touched here: indexer.journal_scopes owns it and merges keep it.

The table of contents (volumes and issues) is an aggregation over the articles index:
`journal_issues(client, settings, issn_l)`.

`searchable(doc, families)` adds the Python-side search forms of the text families (shared with
indexer.articles).
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any, Iterable

from elasticsearch import Elasticsearch

from harvesters.feeds.records import ArticleRecord, JournalRecord
from mappings.fields import Family
from mappings.journals import FAMILIES
from yidu import textzh
from yidu.config import IndexSettings

COLLECTION = "journals"
JOURNAL_RECORD, ARTICLE = "journal-record", "article"
MAX_VARIANTS = 30
_HAN_ONLY = re.compile(r"[^\u3400-\u9fff\U00020000-\U0002ffff]+")
_LETTERS = re.compile(r"[^a-z]+")
_CAPITALISED = re.compile(r"\b[A-Z]")


# --- fragments -------------------------------------------------------------------------------------

def fragment(record: ArticleRecord | JournalRecord, issn_l: str) -> dict:
    """What one record says about its journal, as a (partial) journal document."""
    doc: dict[str, Any] = {"collection": COLLECTION, "type": "journal", "issn_l": issn_l,
                           "issn": sorted({i.value for i in record.issns} | {issn_l}),
                           "feeds": [record.feed]}
    for kind, name in (("print", "issn_print"), ("electronic", "issn_electronic")):
        values = sorted({i.value for i in record.issns if i.kind == kind})
        if values:
            doc[name] = values
    if isinstance(record, JournalRecord):
        title, variants, origin = record.title, record.variants, JOURNAL_RECORD
        if record.subjects:
            doc["subjects"] = list(record.subjects)
    else:
        title, variants, origin = record.journal, record.journal_variants, ARTICLE
        if record.year:
            doc["first_year"] = doc["last_year"] = record.year
    if title:
        doc["title"], doc["title_origin"] = title, origin
    if variants:
        doc["other_titles"] = list(variants)
    if record.publisher:
        doc["publisher"] = [record.publisher]
    if record.language:
        doc["language"] = [record.language]
    return doc


# --- merging -----------------------------------------------------------------------------------------

def _title_rank(doc: dict) -> tuple:
    title = doc.get("title") or ""
    return (doc.get("title_origin") == JOURNAL_RECORD, len(_CAPITALISED.findall(title)), len(title), title)


def _union(a: Iterable | None, b: Iterable | None, *, key=None) -> list:
    seen, out = set(), []
    for value in [*(a or ()), *(b or ())]:
        k = key(value) if key else value
        if value and k not in seen:
            seen.add(k)
            out.append(value)
    return out


def merge(a: dict, b: dict) -> dict:
    """One journal document from two (stored document and fragment, or two fragments)."""
    if not a:
        return dict(b)
    best, other = (a, b) if _title_rank(a) >= _title_rank(b) else (b, a)
    out = {**other, **best}  # scalars of the better-titled side; lists are recomputed below
    for name in ("issn", "issn_print", "issn_electronic", "feeds", "language"):
        values = sorted(set(a.get(name) or ()) | set(b.get(name) or ()))
        if values:
            out[name] = values
    for name in ("publisher", "subjects"):
        values = _union(a.get(name), b.get(name), key=textzh.fold)
        if values:
            out[name] = values
    title = best.get("title") or other.get("title")
    variants = _union([other.get("title")], _union(a.get("other_titles"), b.get("other_titles"), key=textzh.fold),
                      key=textzh.fold)
    variants = [t for t in variants if title is None or textzh.fold(t) != textzh.fold(title)][:MAX_VARIANTS]
    if variants:
        out["other_titles"] = variants
    else:
        out.pop("other_titles", None)
    years = [y for d in (a, b) for y in (d.get("first_year"), d.get("last_year")) if y]
    if years:
        out["first_year"], out["last_year"] = min(years), max(years)
    set_holders(out, set(a.get("holding_libraries") or ()) | set(b.get("holding_libraries") or ()))
    return out


def holders_digest(libraries: Iterable[str]) -> str:
    return hashlib.sha1("|".join(sorted(libraries)).encode()).hexdigest()[:16]


def set_holders(doc: dict, libraries: Iterable[str]) -> None:
    """holding_libraries, holding_count and holders_digest, or none of them when nobody holds it."""
    holders = sorted(set(libraries))
    if holders:
        doc["holding_libraries"], doc["holding_count"] = holders, len(holders)
        doc["holders_digest"] = holders_digest(holders)
    else:
        for name in ("holding_libraries", "holding_count", "holders_digest"):
            doc.pop(name, None)


def display(doc: dict, families: dict[str, Family] = FAMILIES) -> dict:
    """The stored document without its derived search forms (they are recomputed on every write)."""
    derived = _derived_names(tuple(families))
    return {k: v for k, v in doc.items() if k not in derived}


def build(doc: dict) -> dict:
    """The document as indexed: subject facet, search forms, sort key and suggestions."""
    out = display(doc)
    if out.get("subjects"):
        out["subject_facet"] = sorted({s.split("--")[0].strip() for s in out["subjects"] if s.strip()})
    searchable(out, FAMILIES)
    return out


# --- search forms (shared with indexer.articles) --------------------------------------------------

@lru_cache(maxsize=8)
def _derived_names(families: tuple[str, ...]) -> frozenset[str]:
    return frozenset({f"{name}_{suffix}" for name in families for suffix in ("t", "s", "py", "pyi")}
                     | {"title_sort", "suggest", "subject_facet"})


def searchable(doc: dict, families: dict[str, Family], *, weight: int = 1) -> dict:
    """Add f_t/f_s (and f_py/f_pyi) for every text family, title_sort and the completion input."""
    for name, family in families.items():
        value = doc.get(name)
        values = [value] if isinstance(value, str) else [x for x in (value or ()) if x]
        if not values:
            continue
        analyses = [textzh.analyze(x) for x in values]
        doc[f"{name}_t"] = [a.folded for a in analyses]
        doc[f"{name}_s"] = [a.seg for a in analyses]
        if family.pinyin:
            doc[f"{name}_py"] = [a.py for a in analyses if a.py]
            doc[f"{name}_pyi"] = _initials(analyses)
    if doc.get("title"):
        title = textzh.analyze(doc["title"])
        doc["title_sort"] = (title.py or title.folded)[:120]
        inputs = [doc["title"], title.folded, title.py.replace(" ", ""), title.pyi]
        doc["suggest"] = {"input": list(dict.fromkeys(i[:80] for i in inputs if i)), "weight": max(1, weight)}
    return doc


def _initials(analyses) -> list[str]:
    """As the catalogue does: with digits and Latin words, and of the Chinese part only."""
    out: list[str] = []
    for a in analyses:
        for form in (a.pyi, _LETTERS.sub("", textzh.initials(_HAN_ONLY.sub("", a.folded)))):
            if form and form not in out:
                out.append(form)
    return out


# --- the table of contents ---------------------------------------------------------------------------

def journal_issues(client: Elasticsearch, settings: IndexSettings, issn_l: str, *, size: int = 1000) -> list[dict]:
    """Every (year, volume, issue) of a journal with its article count, newest first: the TOC API's
    issue list, aggregated from the articles index (a composite aggregation, paged)."""
    sources = [{"year": {"terms": {"field": "year", "missing_bucket": True, "order": "desc"}}},
               {"volume": {"terms": {"field": "volume", "missing_bucket": True, "order": "desc"}}},
               {"issue": {"terms": {"field": "issue", "missing_bucket": True, "order": "desc"}}}]
    out: list[dict] = []
    after = None
    while True:
        composite: dict[str, Any] = {"size": size, "sources": sources}
        if after:
            composite["after"] = after
        response = client.search(index=settings.alias("articles"), size=0,
                                 query={"term": {"issn_l": issn_l}}, aggs={"toc": {"composite": composite}})
        agg = response["aggregations"]["toc"]
        out += [{**bucket["key"], "articles": bucket["doc_count"]} for bucket in agg["buckets"]]
        after = agg.get("after_key")
        if not agg["buckets"] or not after:
            return out
