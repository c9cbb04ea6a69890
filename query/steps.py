"""The steps of the default search chain. Each is small, named, and returns the body it was given,
extended. Raw user text only ever reaches `match`/`term`-family queries (through query.parse and
query.relevance), never `query_string`.

Order matters: parse -> identifiers -> text_query builds `query`; holdings_boost and recency wrap it;
scope_filter and facet_filters build `post_filter`; scope_counts and facet_counts the aggregations.
"""
from __future__ import annotations

from typing import Any

from query import ranking, relevance, scopes
from query.builder import Body, SearchBuilder, State
from query.facets import FACETS, selections
from query.parse import Ident, Parsed, lift_identifiers, parse

HIT_FIELDS = ["collection", "type", "title", "subtitle", "authors", "year", "isbn", "issn", "issn_l", "doi",
              "publisher", "edition", "source_ids", "holdings", "holding_libraries", "holding_count", "language",
              "clc", "journal", "volume", "issue", "pages", "date", "degree", "degree_name", "institution",
              "institution_name", "fulltext_url", "advisors"]
SORTS = {
    "relevance": ["_score", {"year": {"order": "desc", "missing": "_last"}}],
    "newest": [{"year": {"order": "desc", "missing": "_last"}}, "_score"],
    "oldest": [{"year": {"order": "asc", "missing": "_last"}}, "_score"],
    "title": [{"title_sort": {"order": "asc", "missing": "_last"}}, "_score"],
}


def _and(clauses: list[dict]) -> dict:
    clauses = [c for c in clauses if c is not None]
    if not clauses:
        return {"match_all": {}}
    return clauses[0] if len(clauses) == 1 else {"bool": {"filter": clauses}}


def parsed(state: State) -> Parsed:
    if "parsed" not in state.notes:
        state.notes["parsed"] = parse(state.request.q)
    return state.notes["parsed"]


# --- the query ------------------------------------------------------------------------------------------
def parse_query(body: Body, state: State) -> Body:
    """Our parser (query.parse): a tree of text runs, phrases, fields and operators; warnings for the echo."""
    state.notes["parsed"] = parse(state.request.q)
    return body


def identifiers(body: Body, state: State) -> Body:
    """An ISBN, ISSN or DOI anywhere in a text run becomes an exact, top-ranked alternative to the run."""
    p = parsed(state)
    p.tree = lift_identifiers(p.tree)
    found = [leaf for leaf in p.leaves() if isinstance(leaf, Ident) and leaf.kind in ("isbn", "issn", "doi")]
    if found:
        state.notes["identifiers"] = {leaf.kind: leaf.value for leaf in found}
    return body


def text_query(body: Body, state: State) -> Body:
    body["query"] = relevance.compile_tree(parsed(state).tree)
    return body


def holdings_boost(body: Body, state: State) -> Body:
    """Held by the reader's library > its city > province > shared domain > elsewhere: a multiplier."""
    if state.library and state.request.sort == "relevance":
        body["query"] = ranking.holdings_boost(body.get("query", {"match_all": {}}), state)
    return body


def recency(body: Body, state: State) -> Body:
    if state.request.sort == "relevance":
        body["query"] = ranking.recency(body.get("query", {"match_all": {}}), state)
    return body


# --- what is shown and what is counted -----------------------------------------------------------------
def scope_filter(body: Body, state: State) -> Body:
    """The chosen scope narrows the hits (post_filter), not the scope counts."""
    flt = scopes.scope_filter(state, state.request.effective_scope)
    if flt is not None:
        body["post_filter"] = flt
    return body


def facet_filters(body: Body, state: State) -> Body:
    """Selected facet values narrow the hits too (post_filter), so facet counts can ignore them."""
    chosen = list(selections(state).values())
    if chosen:
        current = [body["post_filter"]] if "post_filter" in body else []
        body["post_filter"] = _and(current + chosen)
    return body


def scope_counts(body: Body, state: State) -> Body:
    """Counts for every scope level in the same round trip, each with the selected facets applied."""
    chosen = list(selections(state).values())
    filters = {level: _and([scopes.scope_filter(state, level), *chosen]) for level in scopes.levels(state)}
    body.setdefault("aggs", {})["scopes"] = {"filters": {"filters": filters}}
    return body


def facet_counts(body: Body, state: State) -> Body:
    """Each facet counts under the chosen scope and every OTHER facet's selection (multi-select counts)."""
    scope = scopes.scope_filter(state, state.request.effective_scope)
    chosen = selections(state)
    aggs = body.setdefault("aggs", {})
    shared: dict[str, Any] = {}
    for name, facet in FACETS.items():
        if name in chosen:
            others = [flt for other, flt in chosen.items() if other != name]
            aggs[f"facet_{name}"] = {"filter": _and([scope, *others]), "aggs": facet.aggs(state)}
        else:
            shared.update(facet.aggs(state))
    aggs["facets"] = {"filter": _and([scope, *chosen.values()]), "aggs": shared}
    return body


def sort(body: Body, state: State) -> Body:
    body["sort"] = SORTS[state.request.sort]
    return body


def paging(body: Body, state: State) -> Body:
    r = state.request
    body.update({"from": (r.page - 1) * r.size, "size": r.size, "track_total_hits": True})
    return body


def hit_fields(body: Body, state: State) -> Body:
    body["_source"] = HIT_FIELDS
    return body


DEFAULT = SearchBuilder([
    ("parse_query", parse_query),
    ("identifiers", identifiers),
    ("text_query", text_query),
    ("holdings_boost", holdings_boost),
    ("recency", recency),
    ("scope_filter", scope_filter),
    ("facet_filters", facet_filters),
    ("scope_counts", scope_counts),
    ("facet_counts", facet_counts),
    ("sort", sort),
    ("paging", paging),
    ("hit_fields", hit_fields),
])
