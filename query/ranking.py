"""Ranking beyond text: what the reader's own library holds first, then its city, province, shared domain;
and a mild preference for recent editions. Both are multipliers (function_score), never filters."""
from __future__ import annotations

import datetime as _dt
from typing import Any

from query.builder import State
from query.scopes import scope_filter

Clause = dict[str, Any]
# level -> score multiplier for a record held at that level (the best level counts)
HOLDING_WEIGHTS = {"library": 2.0, "city": 1.6, "province": 1.35, "domain": 1.2}
RECENCY_WEIGHT = 0.25  # the newest records score up to 25 % more than very old ones
RECENCY_SCALE = 15  # years: the bonus halves (decay 0.5) this far past the offset
RECENCY_OFFSET = 2


def holdings_functions(state: State) -> list[Clause]:
    out = []
    for level, weight in HOLDING_WEIGHTS.items():
        flt = scope_filter(state, level)
        if flt is not None:
            out.append({"filter": flt, "weight": weight})
    return out


def holdings_boost(query: Clause, state: State) -> Clause:
    functions = holdings_functions(state)
    if not functions:
        return query
    # score_mode max: the narrowest level holding the record decides; records held by none keep factor 1
    return {"function_score": {"query": query, "functions": functions, "score_mode": "max",
                               "boost_mode": "multiply"}}


def recency(query: Clause, state: State, *, this_year: int | None = None) -> Clause:
    origin = this_year or _dt.date.today().year
    decay = {"gauss": {"year": {"origin": origin, "scale": RECENCY_SCALE, "offset": RECENCY_OFFSET, "decay": 0.5}},
             "filter": {"exists": {"field": "year"}}, "weight": RECENCY_WEIGHT}
    # score_mode sum with a constant 1: factor in [1, 1 + RECENCY_WEIGHT]; records without a year get 1
    return {"function_score": {"query": query, "functions": [{"weight": 1.0}, decay], "score_mode": "sum",
                               "boost_mode": "multiply"}}
