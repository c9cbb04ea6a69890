"""Query building, step by step, through the request bodies it produces (no cluster)."""
from __future__ import annotations

import json

import pytest

from query import ranking, steps
from query.builder import State
from query.collections import Target
from query.errors import QueryError
from query.request import SearchRequest
from query.steps import DEFAULT
from yidu.scopes import scope_key

CATALOG = Target("p")
EVERYTHING = Target("p", ("catalog", "articles", "theses"), journal_scopes=True)


def state_of(registry, target=CATALOG, **kw):
    return State(SearchRequest(**kw), registry, target=target)


def build(registry, target=CATALOG, **kw):
    state = state_of(registry, target, **kw)
    return DEFAULT.build(state), state


def text(body):
    return json.dumps(body, ensure_ascii=False)


def run(registry, names, target=CATALOG, **kw):
    """Only the named steps, in chain order: what those steps alone put in the body."""
    state = state_of(registry, target, **kw)
    body = {}
    for name, step in DEFAULT.steps:
        if name in names:
            body = step(body, state)
    return body, state


# --- parse, identifiers, text ------------------------------------------------------------------------------
def test_traditional_and_simplified_queries_build_the_same_query(registry):
    simplified, _ = run(registry, {"parse_query", "identifiers", "text_query"}, q="沈从文 边城")
    traditional, _ = run(registry, {"parse_query", "identifiers", "text_query"}, q="沈從文 邊城")
    assert simplified == traditional


def test_a_text_run_searches_words_phrases_characters_pinyin_and_never_query_string(registry):
    body, state = run(registry, {"parse_query", "identifiers", "text_query"}, q="中国发展报告 AND title:(x")
    dumped = text(body)
    assert "query_string" not in dumped and "simple_query_string" not in dumped
    clauses = body["query"]["bool"]["must"][0]["bool"]["should"]
    words, phrase, chars = clauses
    assert words["multi_match"]["type"] == "cross_fields" and words["multi_match"]["query"] == "中国 发展 报告"
    assert phrase["multi_match"]["type"] == "phrase" and phrase["multi_match"]["query"] == "中国发展报告"
    assert phrase["multi_match"]["slop"] > 0  # proximity is rewarded, not required to be exact
    assert chars["multi_match"]["operator"] == "and" and "title_t^0.3" in chars["multi_match"]["fields"]
    assert state.notes["parsed"].warnings == ["missing ')' added at the end"]


def test_field_weights_put_title_before_names_before_subjects_before_summary(registry):
    body, _ = run(registry, {"parse_query", "text_query"}, q="经济")
    fields = body["query"]["bool"]["should"][0]["multi_match"]["fields"]
    weight = {f.split("^")[0]: float(f.split("^")[1]) for f in fields}
    assert weight["title_s"] > weight["authors_s"] > weight["subjects_s"] > weight["summary_s"]
    assert weight["summary_s"] == weight["contents_s"]


def test_pinyin_and_initials_inputs_reach_the_pinyin_fields(registry):
    body, _ = run(registry, {"parse_query", "text_query"}, q="zhongguofazhan")
    assert '"query": "zhong guo fa zhan", "type": "phrase", "fields": ["title_py^' in text(body)
    body, _ = run(registry, {"parse_query", "text_query"}, q="zgfzbg")
    assert '{"term": {"title_pyi": {"value": "zgfzbg"' in text(body)
    assert '{"prefix": {"title_pyi": {"value": "zgfzbg"' in text(body)


def test_ambiguous_unspaced_pinyin_searches_every_reading(registry):
    body, _ = run(registry, {"parse_query", "text_query"}, q="xinanminzu")
    assert '"query": "xin an min zu", "type": "phrase"' in text(body)
    assert '"query": "xi nan min zu", "type": "phrase"' in text(body)


def test_fielded_terms_search_only_their_family(registry):
    body, _ = run(registry, {"parse_query", "text_query"}, q="author:鲁迅")
    dumped = text(body)
    assert "authors_s" in dumped and "title_s" not in dumped and "subjects_s" not in dumped
    body, _ = run(registry, {"parse_query", "text_query"}, q='title:"红楼梦" year:1980-1990 clc:I24')
    must = body["query"]["bool"]["must"]
    assert must[0]["multi_match"] == {"query": "红楼梦", "type": "phrase",
                                      "fields": ["title_t^6", "other_titles_t^3", "series_t^1"]}
    assert must[1] == {"range": {"year": {"gte": 1980, "lte": 1990}}}
    assert must[2] == {"prefix": {"clc": {"value": "I24"}}}


def test_boolean_operators_become_bool_queries(registry):
    body, _ = run(registry, {"parse_query", "text_query"}, q="(经济 OR 管理) NOT 历史")
    q = body["query"]["bool"]
    assert q["must"][0]["bool"]["minimum_should_match"] == 1 and len(q["must"][0]["bool"]["should"]) == 2
    assert len(q["must_not"]) == 1


def test_empty_query_matches_everything(registry):
    body, _ = run(registry, {"parse_query", "text_query"}, q="")
    assert body == {"query": {"match_all": {}}}


@pytest.mark.parametrize("q", ["7-5037-2623-7", "7503726237", "9787503726231", "978-7-5037-2623-1",
                               "中国发展报告 978-7-5037-2623-1"])
def test_isbn_in_any_form_becomes_an_exact_constant_score_alternative(registry, q):
    body, state = run(registry, {"parse_query", "identifiers", "text_query"}, q=q)
    assert state.notes["identifiers"] == {"isbn": "9787503726231"}
    first = body["query"]["bool"]["should"][0]
    assert first == {"constant_score": {"filter": {"term": {"isbn": "9787503726231"}}, "boost": 1000.0}}


def test_issn_and_doi_match_exactly_too(registry):
    body, state = run(registry, {"parse_query", "identifiers", "text_query"}, q="0028-0836 doi:10.1038/ABC")
    assert state.notes["identifiers"] == {"issn": "0028-0836", "doi": "10.1038/abc"}
    dumped = text(body)
    assert '{"term": {"issn": "0028-0836"}}' in dumped and '{"term": {"issn_l": "0028-0836"}}' in dumped
    assert '{"constant_score": {"filter": {"term": {"doi": "10.1038/abc"}}' in dumped


# --- ranking -----------------------------------------------------------------------------------------------
def test_holdings_boost_ranks_library_over_city_over_province_over_domain(registry):
    body, _ = run(registry, {"parse_query", "text_query", "holdings_boost"}, q="经济", library="PKU")
    fs = body["query"]["function_score"]
    assert fs["score_mode"] == "max" and fs["boost_mode"] == "multiply"
    weights = [f["weight"] for f in fs["functions"]]
    assert weights == sorted(weights, reverse=True) and weights[0] > weights[-1] > 1
    assert fs["functions"][0]["filter"] == {"terms": {"holding_libraries": ["PKU"]}}
    assert set(fs["functions"][1]["filter"]["terms"]["holding_libraries"]) == set(registry.scope_members("city", "PKU"))
    assert "post_filter" not in body  # a boost, never a filter


def test_no_holdings_boost_without_a_library_or_when_sorted_by_field(registry):
    body, _ = run(registry, {"parse_query", "text_query", "holdings_boost"}, q="经济")
    assert "function_score" not in body["query"]
    body, _ = run(registry, {"parse_query", "text_query", "holdings_boost"}, q="经济", library="PKU", sort="newest")
    assert "function_score" not in body["query"]


def test_recency_is_a_mild_gauss_decay_on_year(registry):
    body, _ = run(registry, {"parse_query", "text_query", "recency"}, q="经济")
    fs = body["query"]["function_score"]
    constant, decay = fs["functions"]
    assert constant == {"weight": 1.0} and fs["score_mode"] == "sum" and fs["boost_mode"] == "multiply"
    assert "gauss" in decay and decay["filter"] == {"exists": {"field": "year"}}
    assert 0 < decay["weight"] <= 0.5  # at most +50 %: recency never beats a clearly better text match
    assert ranking.recency({"match_all": {}}, None, this_year=2000)["function_score"]["functions"][1]["gauss"][
        "year"]["origin"] == 2000


# --- scopes and facets -------------------------------------------------------------------------------------
def test_scope_counts_for_every_level_and_post_filter_for_the_chosen_one(registry):
    body, _ = build(registry, q="经济", library="PKU", scope="city")
    filters = body["aggs"]["scopes"]["filters"]["filters"]
    assert list(filters) == ["library", "city", "province", "domain", "nation"]
    assert filters["library"] == {"terms": {"holding_libraries": ["PKU"]}}
    libs = {lv: set(f["terms"]["holding_libraries"]) for lv, f in filters.items() if lv != "nation"}
    assert libs["library"] <= libs["city"] <= libs["province"]
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


def test_selected_facets_narrow_hits_and_scope_counts_but_not_their_own_counts(registry):
    body, _ = build(registry, q="经济", library="PKU",
                    filters={"language": ("chi", "eng"), "year": ("2000-2009",)})
    languages = {"terms": {"language": ["chi", "eng"]}}  # multi-select: OR within the facet
    years = {"range": {"year": {"gte": 2000, "lte": 2009}}}
    library = {"terms": {"holding_libraries": ["PKU"]}}
    assert body["post_filter"] == {"bool": {"filter": [library, languages, years]}}
    # every scope count includes the selections: the number on a tab is what clicking it gives
    assert body["aggs"]["scopes"]["filters"]["filters"]["nation"] == {"bool": {"filter": [languages, years]}}
    # a selected facet counts under the scope and the OTHER facets' selections only
    assert body["aggs"]["facet_language"]["filter"] == {"bool": {"filter": [library, years]}}
    assert body["aggs"]["facet_year"]["filter"] == {"bool": {"filter": [library, languages]}}
    assert "language__selected" in body["aggs"]["facet_language"]["aggs"]
    # unselected facets share one wrapper with every selection
    assert body["aggs"]["facets"]["filter"] == {"bool": {"filter": [library, languages, years]}}
    assert {"type", "clc_top", "province"} <= set(body["aggs"]["facets"]["aggs"])
    assert "language" not in body["aggs"]["facets"]["aggs"]


def test_facet_aggregations(registry):
    body, _ = build(registry, q="")
    aggs = body["aggs"]["facets"]["aggs"]
    assert aggs["clc_top"] == {"terms": {"field": "clc_top", "size": 22}}
    assert aggs["holding_library"]["terms"]["field"] == "holding_libraries"
    assert aggs["year"]["range"]["ranges"][0] == {"key": "-1949", "to": 1950}
    provinces = aggs["province"]["filters"]["filters"]
    assert provinces["11"] == {"terms": {"holding_libraries": list(registry.in_province("11"))}}
    assert len(provinces) == len({lib.province for lib in registry})


def test_bad_facet_values_are_query_errors(registry):
    with pytest.raises(QueryError, match="year facet value"):
        build(registry, filters={"year": ("lately",)})
    with pytest.raises(QueryError, match="unknown province"):
        build(registry, filters={"province": ("99",)})
    with pytest.raises(QueryError, match="unknown facet"):
        SearchRequest(filters={"colour": ("red",)})


def test_one_stop_scope_filters_differ_per_collection(registry):
    body, _ = build(registry, EVERYTHING, q="经济", library="BFSU")
    held, articles = body["post_filter"]["bool"]["should"]
    assert held == {"bool": {"filter": [{"terms": {"collection": ["catalog", "theses"]}},
                                        {"terms": {"holding_libraries": ["BFSU"]}}]}}
    assert articles == {"bool": {"filter": [
        {"term": {"collection": "articles"}},
        {"terms": {"issn_l": {"index": "p-journal_scopes", "id": scope_key(registry, "library", "BFSU"),
                              "path": "issn_l"}}}]}}
    domain = body["aggs"]["scopes"]["filters"]["filters"]["domain"]["bool"]["should"][1]["bool"]["filter"][1]
    assert domain["terms"]["issn_l"]["id"] == "domain:BJ-HD+WY"


def test_articles_count_as_held_nowhere_until_journal_scopes_exist(registry):
    body, _ = build(registry, Target("p", ("catalog", "articles")), q="x", library="PKU")
    assert body["post_filter"]["bool"]["should"][1]["bool"]["filter"][1] == {"match_none": {}}


def test_collections_can_be_narrowed(registry):
    body, state = build(registry, EVERYTHING, q="x", library="PKU", collections=("catalog",))
    assert body["post_filter"] == {"terms": {"holding_libraries": ["PKU"]}}
    assert state.target.indices() == ["p-catalog"]


# --- sort, paging, fields ----------------------------------------------------------------------------------
@pytest.mark.parametrize("sort, first", [("relevance", "_score"), ("newest", {"year": {"order": "desc", "missing": "_last"}}),
                                         ("oldest", {"year": {"order": "asc", "missing": "_last"}}),
                                         ("title", {"title_sort": {"order": "asc", "missing": "_last"}})])
def test_sorts(registry, sort, first):
    body, _ = run(registry, {"sort"}, sort=sort)
    assert body["sort"][0] == first


def test_paging_and_limits(registry):
    body, _ = run(registry, {"paging"}, q="x", page=3, size=20)
    assert body == {"from": 40, "size": 20, "track_total_hits": True}
    for kw, message in [({"size": 1000}, "page size"), ({"page": 200}, "at most 1000"),
                        ({"scope": "planet"}, "unknown scope"), ({"scope": "city"}, "needs a library"),
                        ({"q": "x" * 501}, "too long"), ({"sort": "random"}, "unknown sort"),
                        ({"collections": ("books",)}, "unknown collection")]:
        with pytest.raises(QueryError, match=message):
            SearchRequest(**kw)


def test_hit_fields_are_display_fields_only(registry):
    body, _ = run(registry, {"hit_fields"})
    assert "title" in body["_source"] and not any(f.endswith(("_s", "_py")) for f in body["_source"])


def test_steps_are_named_and_the_chain_can_grow(registry):
    assert DEFAULT.names()[:3] == ["parse_query", "identifiers", "text_query"]
    grown = DEFAULT.append("marker", lambda body, state: {**body, "marker": True})
    assert grown.build(state_of(registry, q="x"))["marker"] is True
    assert "marker" not in DEFAULT.build(state_of(registry, q="x"))
    assert "recency" not in DEFAULT.without("recency").names()
    assert DEFAULT.insert_after("text_query", "m", steps.sort).names()[3] == "m"
