"""Search over the real CNMARC and Chinese MARC 21 samples (../shared/data): Chinese equivalences,
identifiers, highlights, scopes and autocomplete on records nobody on the team wrote."""
from __future__ import annotations

import pytest

from indexer.catalog import CatalogPipeline
from query import suggest
from query.request import SearchRequest
from query.search import Searcher

pytestmark = [pytest.mark.es, pytest.mark.shared_data]

CNMARC = "unimarc/dp2-sru-china/sample_cnmarcxml.xml"
MARC21 = "marc21/dp2-sru-china/sample_marcxml.xml"


@pytest.fixture
def samples(settings, es_client, registry, clean_indices, shared_data):
    pipeline = CatalogPipeline(settings, es_client, is_member=registry.__contains__, progress=False)
    try:
        assert pipeline.load([shared_data / CNMARC], library="BNU").rejected == 0
        assert pipeline.load([shared_data / MARC21], library="XJU").rejected == 0
    finally:
        pipeline.store.close()
    return Searcher(es_client, registry, settings.index)


def search(searcher, q, **kw):
    return searcher.search(SearchRequest(q=q, **kw))


@pytest.mark.parametrize("q", ["中国发展报告", "中國發展報告", "zhongguo fazhan baogao", "zhongguofazhanbaogao",
                               "zgfzbg", '"中国发展报告"'])
def test_every_form_of_the_title_finds_all_the_reports_first(samples, q):
    titles = [h["title"] for h in search(samples, q, size=10)["hits"]]
    assert all("中国发展报告" in t for t in titles[:8]), (q, titles)


@pytest.mark.parametrize("q, first", [("97zgfzbg", "'97中国发展报告"), ("title:中国发展报告 author:国家统计局", "中国发展报告"),
                                      ("國家統計局 發展報告", "中国发展报告"), ("题名：“中國發展報告”", "中国发展报告")])
def test_fielded_traditional_and_initials_queries(samples, q, first):
    titles = [h["title"] for h in search(samples, q, size=10)["hits"]]
    assert titles and first in titles[0], (q, titles)


@pytest.mark.parametrize("q", ["7-5037-2623-7", "7503726237", "978-7-5037-2623-1", "9787503726231",
                               "发展报告 7-5037-2623-7", "isbn:7-5037-2623-7"])
def test_the_isbn_in_any_form_ranks_its_record_first(samples, q):
    hit = search(samples, q)["hits"][0]
    assert hit["title"] == "'97中国发展报告" and "9787503726231" in hit["isbn"]


def test_marc21_chinese_records_by_isbn_10_and_13(samples):
    assert search(samples, "978-7-04-024765-7")["hits"][0]["isbn"] == ["9787040247657"]
    hit = search(samples, "7-5426-0585-2")["hits"][0]
    assert "9787542605856" in hit["isbn"] and "'90中国犹太学研究总汇" == hit["title"]


def test_highlights_mark_the_display_title(samples):
    hit = search(samples, "中國發展報告")["hits"][0]
    assert hit["highlight"]["title"].endswith("<mark>中国发展报告</mark>")
    assert "<mark>" not in hit["highlight"]["title"].split("<mark>")[0]


def test_scopes_around_the_holding_library(samples):
    bnu = search(samples, "中国发展报告", library="BNU")
    assert bnu["scope"] == "library" and bnu["total"] == bnu["scopes"]["library"] >= 8
    pku = search(samples, "中国发展报告", library="PKU")  # same city as BNU: widened to it
    assert pku["widened_from"] == "library" and pku["scope"] == "city" and pku["total"] == bnu["total"]
    xju = search(samples, "中国", library="XJU", scope="nation")
    assert xju["scopes"]["library"] >= 9 and xju["scopes"]["nation"] == xju["total"] > xju["scopes"]["library"]


def test_autocomplete_on_real_titles(samples, es_client, settings):
    for typed in ("中国发展", "zgfzbg", "zggfzbg", "zhongguofazhan", "97zgfz"):
        raw = es_client.search(index=settings.index.alias("catalog"), body=suggest.autocomplete_body(typed)).body
        titles = [s["text"] for s in suggest.shape_autocomplete(typed, raw) if s["kind"] == "title"]
        assert any("中国发展报告" in t for t in titles), (typed, titles)
