"""Search behaviour on the real node, over the session's generated corpus plus named records
(tests/query/searchcorpus.py). Expected numbers come from the index itself, never from constants."""
from __future__ import annotations

import pytest

import searchcorpus as sc
from query.errors import QueryError
from query.request import SearchRequest
from query.search import Searcher
from yidu import textzh

pytestmark = pytest.mark.es


@pytest.fixture(scope="module")
def searcher(corpus, es_client, registry):
    return Searcher(es_client, registry, corpus.settings.index)


def search(searcher, q="", **kw):
    return searcher.search(SearchRequest(q=q, **kw))


def ids_of(result, special):
    return [h["id"] for h in result["hits"] if f"{special.library}:{special.control}" in h["source_ids"]]


def rank_of(result, special):
    for i, h in enumerate(result["hits"]):
        if f"{special.library}:{special.control}" in h["source_ids"]:
            return i
    return None


def common_words(es_client, corpus, n=3):
    """Frequent title words of the generated corpus (read from the index, not hard-coded)."""
    raw = es_client.search(index=corpus.alias, size=0, aggs={"w": {"terms": {"field": "clc_top", "size": n}}})
    tops = [b["key"] for b in raw["aggregations"]["w"]["buckets"]]
    words = []
    for top in tops:
        hit = es_client.search(index=corpus.alias, size=1, query={"term": {"clc_top": top}},
                               _source=["title"])["hits"]["hits"][0]
        words.append(textzh.segment(hit["_source"]["title"])[0])
    return words[:n]


# --- scopes ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("library", ["PKU", "SYSU", "XJU", "BFSU"])
def test_scope_counts_nest_and_each_scope_returns_its_count(searcher, es_client, corpus, library):
    for q in ["", *common_words(es_client, corpus, 2)]:
        result = search(searcher, q, library=library, size=1, widen=False)
        s = result["scopes"]
        assert list(s) == ["library", "city", "province", "domain", "nation"]
        assert s["library"] <= s["city"] <= s["province"] <= s["nation"], (q, s)
        assert s["library"] <= s["domain"] <= s["nation"], (q, s)
        assert result["total"] == s["library"] and result["scope"] == "library"
        for level in ("city", "province", "nation"):
            assert search(searcher, q, library=library, scope=level, size=1, widen=False)["total"] == s[level]


def test_library_scope_count_equals_an_independent_count(searcher, es_client, corpus, registry):
    for library in ("PKU", "XJU"):
        result = search(searcher, "", library=library, size=1)
        for level in ("library", "city", "province"):
            members = list(registry.scope_members(level, library))
            direct = es_client.count(index=corpus.alias, query={"terms": {"holding_libraries": members}})["count"]
            assert result["scopes"][level] == direct
        assert result["scopes"]["nation"] == corpus.union_records


def test_empty_scope_widens_to_the_next_level_with_hits_and_says_so(searcher):
    result = search(searcher, "Zyxwvut steppe", library="PKU")
    assert result["widened_from"] == "library"
    assert result["scope"] == "nation" and result["total"] == 1
    assert ids_of(result, sc.LONELY)
    assert result["scopes"]["library"] == result["scopes"]["province"] == 0
    plain = search(searcher, "Zyxwvut steppe", library="PKU", widen=False)
    assert plain["total"] == 0 and "widened_from" not in plain


def test_holdings_rank_the_readers_library_first_without_filtering(searcher):
    near = search(searcher, "量子计算导论", library="PKU", scope="nation")
    far = search(searcher, "量子计算导论", library="XJU", scope="nation")
    assert rank_of(near, sc.NEAR) < rank_of(near, sc.FAR)
    assert rank_of(far, sc.FAR) < rank_of(far, sc.NEAR)
    assert near["total"] == far["total"] >= 2  # a boost, not a filter


# --- facets ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("facet", ["type", "language", "clc_top", "clc2", "year", "province", "holding_library",
                                   "subject"])
def test_facet_counts_match_the_totals_of_their_selection(searcher, facet):
    result = search(searcher, "", library="PKU", scope="nation", size=1)
    buckets = result["facets"][facet][:3]
    assert buckets, facet
    for b in buckets:
        selected = search(searcher, "", library="PKU", scope="nation", size=1, filters={facet: (b["value"],)})
        assert selected["total"] == b["count"], (facet, b)
        # the selected facet still counts its other values as if unselected (multi-select)
        assert {x["value"]: x["count"] for x in selected["facets"][facet]} == \
            {x["value"]: x["count"] for x in result["facets"][facet]}
        assert [x["value"] for x in selected["facets"][facet] if x["selected"]] == [b["value"]]


def test_multi_select_is_or_within_a_facet_and_and_across_facets(searcher):
    base = search(searcher, "", scope="nation", size=1)
    types = base["facets"]["clc_top"][:2]
    both = search(searcher, "", size=1, filters={"clc_top": tuple(b["value"] for b in types)})
    assert max(b["count"] for b in types) <= both["total"] <= sum(b["count"] for b in types)
    language = both["facets"]["language"][0]
    narrowed = search(searcher, "", size=1, filters={"clc_top": tuple(b["value"] for b in types),
                                                     "language": (language["value"],)})
    assert narrowed["total"] == language["count"] < both["total"] + 1


def test_scope_counts_reflect_the_selected_facets(searcher):
    chinese = search(searcher, "", library="PKU", size=1, filters={"language": ("chi",)})
    for level, count in chinese["scopes"].items():
        assert search(searcher, "", library="PKU", scope=level, size=1, widen=False,
                      filters={"language": ("chi",)})["total"] == count
    assert chinese["scopes"]["nation"] < search(searcher, "", size=1)["scopes"]["nation"]


def test_facet_labels_name_languages_classes_and_libraries(searcher):
    facets = search(searcher, "", size=1)["facets"]
    chi = next(b for b in facets["language"] if b["value"] == "chi")
    assert (chi["label"], chi["label_en"]) == ("中文", "Chinese")
    f = next(b for b in facets["clc_top"] if b["value"] == "F")
    assert f["label"] == "F 经济"
    pku = next((b for b in facets["holding_library"] if b["value"] == "PKU"), None)
    assert pku is None or pku["label"] == "北京大学图书馆"
    beijing = next(b for b in facets["province"] if b["value"] == "11")
    assert beijing["label"] == "北京" and beijing["label_en"] == "Beijing"


# --- Chinese relevance -------------------------------------------------------------------------------------
@pytest.mark.parametrize("q", ["镜花缘", "鏡花緣", "jinghuayuan", "jing hua yuan", "jhy", "李汝珍 镜花缘",
                               'title:"镜花缘"', "author:李汝珍", "author:liruzhen", "鏡花"])
def test_simplified_traditional_pinyin_and_initials_find_the_same_record(searcher, q):
    result = search(searcher, q, size=10)
    assert rank_of(result, sc.FLOWERS) == 0, (q, [h["title"] for h in result["hits"]])


def test_highlights_keep_the_records_traditional_script(searcher):
    hit = search(searcher, "镜花缘")["hits"][0]
    assert hit["title"] == "鏡花緣" and hit["highlight"]["title"] == "<mark>鏡花緣</mark>"


def test_generated_titles_are_found_by_their_pinyin_and_traditional_forms(searcher, es_client, corpus):
    raw = es_client.search(index=corpus.alias, size=20, query={"terms": {"language": ["chi"]}},
                           _source=["title"])["hits"]["hits"]
    checked = 0
    for h in raw:
        title = h["_source"]["title"]
        if not textzh.has_cjk(title) or len(title) < 4:
            continue
        analysis = textzh.analyze(title)
        for q in (analysis.py, analysis.py.replace(" ", "")):
            ids = [x["id"] for x in search(searcher, q, size=20)["hits"]]
            assert h["_id"] in ids, (title, q)
        checked += 1
    assert checked >= 5


# --- identifiers -------------------------------------------------------------------------------------------
def _hyphenated(isbn):
    return f"{isbn[:3]}-{isbn[3]}-{isbn[4:8]}-{isbn[8:12]}-{isbn[12]}"


@pytest.mark.parametrize("form", ["13", "13-hyphens", "10", "10-hyphens", "with-words"])
def test_isbn_lookups_in_every_form_rank_the_record_first(searcher, form):
    isbn = sc.REPORT.isbn
    ten = sc.isbn10_of(isbn)
    q = {"13": isbn, "13-hyphens": _hyphenated(isbn), "10": ten,
         "10-hyphens": f"{ten[0]}-{ten[1:5]}-{ten[5:9]}-{ten[9]}", "with-words": f"国家统计局 {ten}"}[form]
    result = search(searcher, q)
    assert rank_of(result, sc.REPORT) == 0, q
    assert result["query_echo"]["identifiers"] == {"isbn": isbn}


def test_isbn_of_generated_records_find_them(searcher, es_client, corpus):
    raw = es_client.search(index=corpus.alias, size=5, query={"exists": {"field": "isbn"}},
                           _source=["isbn"])["hits"]["hits"]
    for h in raw:
        isbn = h["_source"]["isbn"][0]
        for q in (isbn, _hyphenated(isbn), sc.isbn10_of(isbn) if isbn.startswith("978") else isbn):
            assert search(searcher, q)["hits"][0]["id"] == h["_id"]


def test_malformed_fielded_identifier_is_a_query_error(searcher):
    with pytest.raises(QueryError, match="not a valid ISBN"):
        search(searcher, "isbn:12345")


# --- did you mean, sorting, paging -------------------------------------------------------------------------
def test_did_you_mean_corrects_western_spelling(searcher):
    result = search(searcher, "thermodynamcs")
    assert result["did_you_mean"] == "thermodynamics"
    assert search(searcher, result["did_you_mean"])["total"] >= 1


def test_did_you_mean_proposes_the_homophone_title(searcher):
    result = search(searcher, "中国发展保告")
    assert result["did_you_mean"] == "中国发展报告"


def test_no_suggestion_when_there_are_enough_hits(searcher):
    assert "did_you_mean" not in search(searcher, "")


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sorting_by_year(searcher, sort):
    years = [h["year"] for h in search(searcher, "", sort=sort, size=50)["hits"] if h["year"]]
    assert years == sorted(years, reverse=sort == "newest") and len(set(years)) > 1


def test_sorting_by_title(searcher):
    titles = [h["title"] for h in search(searcher, "", sort="title", size=50)["hits"]]
    keys = [(textzh.analyze(t).py or textzh.analyze(t).folded)[:120] for t in titles]
    assert keys == sorted(keys)


def test_pages_are_disjoint_and_continue_each_other(searcher):
    both = [h["id"] for h in search(searcher, "", sort="newest", size=20)["hits"]]
    first = [h["id"] for h in search(searcher, "", sort="newest", size=10)["hits"]]
    second = [h["id"] for h in search(searcher, "", sort="newest", size=10, page=2)["hits"]]
    assert first + second == both and not set(first) & set(second)
