"""Facets: multi-select within a facet (OR), AND across facets, with counts that stay right.

The standard technique: the selections go into `post_filter` (they narrow the hits, not the aggregations),
and each facet counts under a filter made of the chosen scope and every OTHER facet's selection - so a
selected facet still shows how many hits its other values would add. Facets without a selection share one
wrapper (they all see every selection). Scope counts (query.steps.scope_counts) include every selection:
the count on a scope tab is what the reader gets by clicking it, with the facets kept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from query.builder import State
from query.errors import QueryError
from query.labels import Labels
from query.scopes import place_filter

Clause = dict[str, Any]
YEAR_BUCKETS = (("-1949", None, 1949), ("1950-1979", 1950, 1979), ("1980-1999", 1980, 1999),
                ("2000-2009", 2000, 2009), ("2010-2019", 2010, 2019), ("2020-", 2020, None))
_YEAR_VALUE = re.compile(r"(\d{1,4})?-(\d{1,4})?|\d{1,4}")


@dataclass(frozen=True)
class Facet:
    name: str
    field: str | None  # the keyword field counted (None: computed filters)
    size: int = 10
    kind: str = "terms"  # terms | years | provinces

    # -- selection ---------------------------------------------------------------------------------------
    def select(self, values: tuple[str, ...], state: State) -> Clause:
        """The filter of the selected values: any of them (OR)."""
        if self.kind == "years":
            return _any([_year_range(v) for v in values])
        if self.kind == "provinces":
            return _any([_province(v, state) for v in values])
        if self.name == "holding_library":
            return _any([place_filter(state, (v,), f"library:{v}") for v in values])
        return {"terms": {self.field: list(values)}}

    # -- counting ----------------------------------------------------------------------------------------
    def aggs(self, state: State) -> dict[str, Clause]:
        if self.kind == "years":
            ranges = [{"key": key, **({"from": lo} if lo else {}), **({"to": hi + 1} if hi else {})}
                      for key, lo, hi in YEAR_BUCKETS]
            return {self.name: {"range": {"field": "year", "ranges": ranges}}}
        if self.kind == "provinces":
            return {self.name: {"filters": {"filters": {code: _province(code, state)
                                                        for code in _provinces(state)}}}}
        out: Clause = {self.name: {"terms": {"field": self.field, "size": self.size}}}
        chosen = state.request.filters.get(self.name)
        if chosen:  # a selected value may fall outside the top `size`: count it anyway
            out[f"{self.name}__selected"] = {"filters": {"filters": {v: {"term": {self.field: v}} for v in chosen}}}
        return out

    def buckets(self, aggs: dict, state: State, labels: Labels) -> list[dict]:
        raw = aggs.get(self.name)
        if raw is None:
            return []
        chosen = state.request.filters.get(self.name, ())
        if self.kind == "years":
            pairs = [(b["key"], b["doc_count"]) for b in raw["buckets"]]
        elif self.kind == "provinces":
            pairs = sorted(((k, b["doc_count"]) for k, b in raw["buckets"].items()), key=lambda p: -p[1])
            pairs = pairs[: self.size]
        else:
            pairs = [(str(b["key"]), b["doc_count"]) for b in raw["buckets"]]
            extra = aggs.get(f"{self.name}__selected", {}).get("buckets", {})
            seen = {k for k, _ in pairs}
            pairs += [(k, b["doc_count"]) for k, b in extra.items() if k not in seen]
        out = []
        for value, count in pairs:
            if count == 0 and value not in chosen:
                continue
            zh, en = labels(self.name, value)
            out.append({"value": value, "count": count, "label": zh, "label_en": en, "selected": value in chosen})
        return out


def _any(clauses: list[Clause]) -> Clause:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def _year_range(value: str) -> Clause:
    m = _YEAR_VALUE.fullmatch(value.strip())
    if not m or value.strip() == "-":
        raise QueryError(f"year facet value {value[:20]!r} must be YYYY, YYYY-YYYY, -YYYY or YYYY-")
    if "-" not in value:
        return {"range": {"year": {"gte": int(value), "lte": int(value)}}}
    bounds = {k: int(v) for k, v in (("gte", m.group(1)), ("lte", m.group(2))) if v}
    return {"range": {"year": bounds}}


def _provinces(state: State) -> list[str]:
    return [code for code in state.registry.provinces if state.registry.in_province(code)]


def _province(code: str, state: State) -> Clause:
    if code not in state.registry.provinces:
        raise QueryError(f"unknown province {code[:10]!r}")
    codes = state.registry.in_province(code)
    return place_filter(state, codes, f"province:{code}") if codes else {"match_none": {}}


FACETS: dict[str, Facet] = {f.name: f for f in (
    Facet("type", "type", 12),
    Facet("year", None, kind="years"),
    Facet("language", "language", 12),
    Facet("clc_top", "clc_top", 22),
    Facet("clc2", "clc2", 15),
    Facet("subject", "subject_facet", 12),
    Facet("holding_library", "holding_libraries", 15),
    Facet("province", None, 12, kind="provinces"),
    Facet("journal", "journal_facet", 10),
    Facet("degree", "degree", 8),
)}


def selections(state: State) -> dict[str, Clause]:
    """facet -> the filter of its selected values (only facets with a selection)."""
    return {name: FACETS[name].select(values, state) for name, values in state.request.filters.items() if values}

