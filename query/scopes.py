"""Scope filters: what "held in scope L" means for each collection, as one filter.

Catalogue records and theses are in scope when a library of the scope holds them (`holding_libraries`);
articles when their journal is reachable in the scope - a terms lookup on the `journal_scopes` document of
the scope key (yidu.scopes). A search over several collections ORs the per-collection filters, each
guarded by `collection`, so one filter serves any mix of indices.
"""
from __future__ import annotations

from typing import Any

from query.builder import State
from yidu.scopes import scope_key

Clause = dict[str, Any]
HELD = ("catalog", "theses")  # collections scoped by holding_libraries
LEVELS = ("library", "city", "province", "domain", "nation")


def members(state: State, level: str) -> tuple[str, ...] | None:
    if level == "nation" or not state.library:
        return None
    return state.registry.scope_members(level, state.library)


def holdings_filter(codes) -> Clause:
    return {"terms": {"holding_libraries": list(codes)}}


def article_filter(state: State, key: str) -> Clause:
    if not state.target.journal_scopes:
        return {"match_none": {}}  # no scope data yet: no article counts as held anywhere
    return {"terms": {"issn_l": {"index": state.target.scope_index, "id": key, "path": "issn_l"}}}


def place_filter(state: State, codes, key: str) -> Clause:
    """Held by one of `codes` (catalogue, theses) or reachable under scope key `key` (articles)."""
    collections = state.target.collections
    if "articles" not in collections:
        return holdings_filter(codes)
    held = [c for c in collections if c in HELD]
    parts: list[Clause] = []
    if held:
        parts.append({"bool": {"filter": [{"terms": {"collection": held}}, holdings_filter(codes)]}})
    parts.append({"bool": {"filter": [{"term": {"collection": "articles"}}, article_filter(state, key)]}})
    return parts[0] if len(parts) == 1 else {"bool": {"should": parts, "minimum_should_match": 1}}


def scope_filter(state: State, level: str) -> Clause | None:
    """The filter of scope `level` around the reader's library; None for the nation (no filter)."""
    codes = members(state, level)
    if codes is None:
        return None
    return place_filter(state, codes, scope_key(state.registry, level, state.library))


def levels(state: State) -> tuple[str, ...]:
    """The scope levels a response counts: all of them for a reader with a library, else the nation."""
    return LEVELS if state.library else ("nation",)


def wider(level: str) -> tuple[str, ...]:
    return LEVELS[LEVELS.index(level) + 1:]
