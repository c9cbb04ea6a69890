"""The steps of the default search chain. Each is small, named, and returns the body it was given,
extended. Raw user text only ever reaches `match`/`term`-family queries, never `query_string`."""
from __future__ import annotations

from typing import Any

from query.builder import Body, SearchBuilder, State
from yidu import identifiers, textzh

# Field weights: title > names > subjects > the rest (contents, summary).
WORD_FIELDS = {"title_s": 6.0, "other_titles_s": 3.0, "authors_s": 4.0, "subjects_s": 2.0,
               "series_s": 1.0, "publisher_s": 1.0, "summary_s": 0.5, "contents_s": 0.5}
PHRASE_FIELDS = {"title_t": 5.0, "other_titles_t": 2.5, "authors_t": 4.0, "subjects_t": 1.5}
PINYIN_FIELDS = {"title_py": 3.0, "authors_py": 3.0, "other_titles_py": 1.5}
INITIALS_FIELDS = {"title_pyi": 3.0, "authors_pyi": 3.0}
HIT_FIELDS = ["type", "title", "subtitle", "authors", "year", "isbn", "issn", "publisher", "edition",
              "source_ids", "holdings", "holding_libraries", "language", "clc"]


def _bool(body: Body) -> dict[str, Any]:
    return body.setdefault("query", {}).setdefault("bool", {})


def text_query(body: Body, state: State) -> Body:
    """Segmented words, character phrases, and pinyin: any of them can match, the best ones score."""
    q = state.request.q.strip()
    if not q:
        _bool(body).setdefault("must", []).append({"match_all": {}})
        return body
    folded = textzh.fold(q)
    words = " ".join(textzh.segment(q))
    should: list[dict] = []
    if words:
        should += [{"match": {f: {"query": words, "operator": "and", "boost": b}}} for f, b in WORD_FIELDS.items()]
        should.append({"multi_match": {"query": words, "type": "cross_fields", "operator": "and",
                                       "analyzer": "whitespace", "boost": 1.0,
                                       "fields": [f"{f}^{b}" for f, b in WORD_FIELDS.items()]}})
    if folded:
        should += [{"match_phrase": {f: {"query": folded, "slop": 2, "boost": b}}} for f, b in PHRASE_FIELDS.items()]
        # Every character somewhere in the title: finds what segmentation cannot (odd spacing, rare names).
        should.append({"match": {"title_t": {"query": folded, "operator": "and", "boost": 0.5}}})
    syllables = textzh.split_pinyin(q)
    if syllables:
        phrase = " ".join(syllables)
        should += [{"match_phrase": {f: {"query": phrase, "boost": b}}} for f, b in PINYIN_FIELDS.items()]
    if textzh.looks_like_initials(q):
        initials = q.lower().replace(" ", "")
        should += [{"term": {f: {"value": initials, "boost": b}}} for f, b in INITIALS_FIELDS.items()]
        should.append({"prefix": {"title_pyi": {"value": initials, "boost": 1.0}}})
    state.notes["analysis"] = {"folded": folded, "words": words, "pinyin": syllables}
    _bool(body).setdefault("must", []).append({"bool": {"should": should, "minimum_should_match": 1}})
    return body


def identifier_boost(body: Body, state: State) -> Body:
    """An ISBN or ISSN anywhere in the query matches exactly and ranks first; a query that is only
    an identifier also matches records whose text does not contain it."""
    q = state.request.q
    found = []
    isbn = identifiers.isbn13(q)
    if isbn:
        found.append({"term": {"isbn": {"value": isbn, "boost": 100.0}}})
    issn = identifiers.issn(q)
    if issn:
        found.append({"term": {"issn": {"value": issn, "boost": 100.0}}})
    if not found:
        return body
    state.notes["identifiers"] = {"isbn": isbn, "issn": issn}
    clauses = _bool(body)
    text = clauses.pop("must", [])
    clauses["must"] = [{"bool": {"should": [*text, *found], "minimum_should_match": 1}}]
    return body


def _scope_filter(state: State, level: str) -> dict:
    members = state.registry.scope_members(level, state.request.library) if state.request.library else None
    if members is None:
        return {"match_all": {}}
    return {"terms": {"holding_libraries": list(members)}}


def scope_filter(body: Body, state: State) -> Body:
    """The chosen scope narrows the hits (post_filter), not the scope counts."""
    level = state.request.effective_scope
    if level != "nation":
        body["post_filter"] = _scope_filter(state, level)
    return body


def scope_counts(body: Body, state: State) -> Body:
    """Counts for every scope level in the same round trip."""
    levels = state.registry.SCOPE_LEVELS if state.request.library else ("nation",)
    body.setdefault("aggs", {})["scopes"] = {"filters": {"filters": {lv: _scope_filter(state, lv) for lv in levels}}}
    return body


def paging(body: Body, state: State) -> Body:
    r = state.request
    body.update({"from": (r.page - 1) * r.size, "size": r.size, "track_total_hits": True})
    return body


def hit_fields(body: Body, state: State) -> Body:
    body["_source"] = HIT_FIELDS
    return body


DEFAULT = SearchBuilder([
    ("text_query", text_query),
    ("identifier_boost", identifier_boost),
    ("scope_filter", scope_filter),
    ("scope_counts", scope_counts),
    ("paging", paging),
    ("hit_fields", hit_fields),
])
