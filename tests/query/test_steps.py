"""Query building, step by step, through the request bodies it produces (no cluster)."""
from __future__ import annotations

import json

import pytest

from query.builder import State
from query.errors import QueryError
from query.request import SearchRequest
from query.steps import DEFAULT, identifier_boost, scope_counts, scope_filter, text_query
from yidu.libraries import shipped_registry


@pytest.fixture(scope="module")
def registry():
    return shipped_registry()


def build(registry, **kw):
    state = State(SearchRequest(**kw), registry)
    return DEFAULT.build(state), state


def clauses(body):
    return json.dumps(body, ensure_ascii=False)


def test_traditional_and_simplified_queries_build_the_same_text_clauses(registry):
    simplified, _ = build(registry, q="沈从文")
    traditional, _ = build(registry, q="沈從文")
    assert simplified["query"] == traditional["query"]


def test_chinese_query_searches_words_characters_and_never_query_string(registry):
    body, state = build(registry, q="中国发展报告 AND title:(x")
    text = clauses(body)
    assert "query_string" not in text and "simple_query_string" not in text
    assert '"title_s"' in text and '"title_t"' in text
    assert state.notes["analysis"]["folded"].startswith("中国发展报告")


def test_pinyin_and_initials_inputs_reach_the_pinyin_fields(registry):
    body, _ = build(registry, q="zhongguofazhan")
    assert '"title_py": {"query": "zhong guo fa zhan"' in clauses(body)
    body, _ = build(registry, q="zgfzbg")
    assert '"title_pyi": {"value": "zgfzbg"' in clauses(body)


def test_isbn_in_any_form_becomes_an_exact_boosted_match(registry):
    for q in ("7-5037-2623-7", "9787503726231", "中国发展报告 978-7-5037-2623-1"):
        body, state = build(registry, q=q)
        assert state.notes["identifiers"]["isbn"] == "9787503726231"
        assert '{"term": {"isbn": {"value": "9787503726231", "boost": 100.0}}}' in clauses(body)


def test_scope_counts_for_every_level_and_post_filter_for_the_chosen_one(registry):
    body, _ = build(registry, q="经济", library="PKU", scope="city")
    filters = body["aggs"]["scopes"]["filters"]["filters"]
    assert list(filters) == ["library", "city", "province", "domain", "nation"]
    assert filters["library"] == {"terms": {"holding_libraries": ["PKU"]}}
    assert set(filters["library"]["terms"]["holding_libraries"]) <= set(filters["city"]["terms"]["holding_libraries"])
    assert set(filters["city"]["terms"]["holding_libraries"]) <= set(
        filters["province"]["terms"]["holding_libraries"])
    assert filters["nation"] == {"match_all": {}}
    assert body["post_filter"] == filters["city"]


def test_without_a_library_only_the_nation_is_counted_and_nothing_filtered(registry):
    body, _ = build(registry, q="经济")
    assert list(body["aggs"]["scopes"]["filters"]["filters"]) == ["nation"]
    assert "post_filter" not in body


def test_default_scope_is_the_readers_library(registry):
    body, state = build(registry, q="x", library="THU")
    assert state.request.effective_scope == "library"
    assert body["post_filter"] == {"terms": {"holding_libraries": ["THU"]}}


def test_paging_and_limits(registry):
    body, _ = build(registry, q="x", page=3, size=20)
    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, True)
    with pytest.raises(QueryError, match="page size"):
        SearchRequest(q="x", size=1000)
    with pytest.raises(QueryError, match="at most 1000"):
        SearchRequest(q="x", page=200, size=10)
    with pytest.raises(QueryError, match="unknown scope"):
        SearchRequest(q="x", scope="planet")
    with pytest.raises(QueryError, match="needs a library"):
        SearchRequest(q="x", scope="city")
    with pytest.raises(QueryError, match="too long"):
        SearchRequest(q="x" * 501)


def test_steps_are_named_and_the_chain_can_grow(registry):
    names = DEFAULT.names()
    assert names[:2] == ["text_query", "identifier_boost"]
    grown = DEFAULT.append("marker", lambda body, state: {**body, "marker": True})
    body, _ = (grown.build(State(SearchRequest(q="x"), registry)), None)
    assert body["marker"] is True and "marker" not in DEFAULT.build(State(SearchRequest(q="x"), registry))


def test_each_step_alone(registry):
    state = State(SearchRequest(q="", library="PKU", scope="province"), registry)
    assert text_query({}, state) == {"query": {"bool": {"must": [{"match_all": {}}]}}}
    assert identifier_boost({"x": 1}, state) == {"x": 1}
    assert "terms" in scope_filter({}, state)["post_filter"]
    assert "scopes" in scope_counts({}, state)["aggs"]
