"""The articles and journals indices on the real node: dedup and merge across feeds, messy values kept,
journals grouped by ISSN-L (learned, guessed and from the ISSN Centre's table), the TOC aggregation,
Chinese search forms, and the `yidu articles` commands."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer.articles import ArticleLoader
from indexer.errors import IndexerError
from indexer.journals import journal_issues
from mappings.articles import FAMILIES as ARTICLE_FAMILIES, MAX_TERMS_COUNT
from mappings.catalog import FAMILIES as CATALOG_FAMILIES
from yidu import textzh
from yidu.cli import main

pytestmark = pytest.mark.es

FEEDS = Path(__file__).resolve().parent.parent / "harvesters" / "fixtures" / "feeds"
PAIR_DOI = "10.5555/yidu.pair.0001"


@pytest.fixture
def loader(settings, es_client, clean_indices):
    loader = ArticleLoader(settings, es_client)
    yield loader
    loader.close()


def articles(es_client, settings, **query):
    body = {"term": {k: v}} if (k := next(iter(query), None)) and (v := query[k]) else {"match_all": {}}
    return [h["_source"] | {"_id": h["_id"]} for h in es_client.search(
        index=settings.index.alias("articles"), query=body, size=100)["hits"]["hits"]]


def journal(es_client, settings, issn_l):
    return es_client.get(index=settings.index.alias("journals"), id=issn_l)["_source"]


def test_crossref_and_jats_of_one_article_merge_on_the_doi(loader, es_client, settings):
    first = loader.load([FEEDS / "crossref_pair.json"])
    second = loader.load([FEEDS / "jats_pair.xml"])
    assert (first.indexed, first.merged, second.indexed, second.merged) == (1, 0, 0, 1)
    (doc,) = articles(es_client, settings, doi=PAIR_DOI)
    assert doc["feeds"] == ["crossref", "jats"]
    assert doc["source_ids"] == [f"crossref:{PAIR_DOI}", f"jats:{PAIR_DOI}"]
    assert [s["feed"] for s in doc["sources"]] == ["crossref", "jats"]
    assert doc["authors"] == ["Doe, Jane", "Roe, Richard"]  # Crossref's full names beat JATS's initials
    assert doc["summary"] == "Only the JATS feed carries this abstract about keratinocytes."  # only JATS has it
    assert doc["date"] == "2020-03" and doc["year"] == 2020  # Crossref's month beats JATS's year
    assert doc["journal"] == "The Journal of Investigative Dermatology"  # the longer title
    assert doc["pmc"] == "9000001" and doc["issn_l"] == "0022-202X"
    assert doc["issn"] == ["0022-202X", "1523-1747"]
    assert "doi:" + PAIR_DOI in doc["merge_keys"] and "loc:0022-202X|140|3|501" in doc["merge_keys"]
    assert sorted(doc["subjects"]) == ["Dermatology", "keratinocyte", "signalling"]
    again = loader.load([FEEDS / "crossref_pair.json", FEEDS / "jats_pair.xml"])
    assert (again.indexed, again.merged) == (0, 2)
    (same,) = articles(es_client, settings, doi=PAIR_DOI)
    assert same["sources"] == doc["sources"] and same["summary"] == doc["summary"]  # nothing duplicated


def test_a_csv_row_without_doi_finds_the_doi_document_by_its_locator(loader, es_client, settings):
    loader.load([FEEDS / "crossref_pair.json"])
    summary = loader.load([FEEDS / "toc_variants.csv"])
    assert summary.merged == 1 and summary.indexed == 2 and summary.rejected == 2 and summary.balanced
    (doc,) = articles(es_client, settings, issn_l="0022-202X")
    assert doc["doi"] == PAIR_DOI and doc["feeds"] == ["crossref", "csv"]


def test_the_other_order_merges_too_and_keeps_the_first_id(loader, es_client, settings):
    loader.load([FEEDS / "toc_variants.csv"])
    (before,) = articles(es_client, settings, issn_l="0022-202X")
    assert "doi" not in before
    summary = loader.load([FEEDS / "crossref_pair.json"])
    assert summary.merged == 1
    (after,) = articles(es_client, settings, issn_l="0022-202X")
    assert after["_id"] == before["_id"] and after["doi"] == PAIR_DOI
    again = loader.load([FEEDS / "jats_pair.xml"])  # the DOI now leads to the CSV-born document
    assert again.merged == 1 and len(articles(es_client, settings, issn_l="0022-202X")) == 1


def test_duplicates_inside_one_page_merge(loader, es_client, settings, tmp_path):
    shutil.copy(FEEDS / "crossref_pair.json", tmp_path / "a.json")
    shutil.copy(FEEDS / "crossref_pair.json", tmp_path / "b.json")
    summary = loader.load([tmp_path])
    assert (summary.indexed, summary.merged, summary.articles_written) == (1, 1, 1)


def test_messy_values_are_kept_and_chinese_gets_pinyin(loader, es_client, settings):
    summary = loader.load([FEEDS / "jats_chinese.xml", FEEDS / "toc_gb18030.tsv"])
    assert summary.indexed == 2 and summary.balanced
    (doc,) = articles(es_client, settings, doi="10.5555/yidu.zh.0001")
    assert (doc["volume"], doc["issue"], doc["first_page"], doc["pages"]) == ("XII", "4-5", "S1", "S1-S9")
    assert doc["date"] == "2019" and doc["year"] == 2019 and doc["language"] == "chi"
    assert doc["issn"] == ["0376-2491", "2095-3615"] and doc["issn_l"] == "0376-2491"
    assert doc["sources"][0]["bad_issns"] == ["9999-9999"]  # not an ISSN, but kept as the feed gave it
    assert doc["authors"] == ["王小明", "Smith, Jane", "全国高校文献保障协作组"]
    index = settings.index.alias("articles")
    for query, expected in (
            ({"match_phrase": {"title_py": " ".join(textzh.split_pinyin("pinyinjiansuo"))}}, 1),
            ({"term": {"title_pyi": textzh.initials("中文期刊目录的拼音检索研究")}}, 1),
            ({"match_phrase": {"title_t": textzh.fold("拼音檢索")}}, 1),  # traditional finds simplified
            ({"match_phrase": {"authors_t": textzh.fold("王 小明")}}, 2),  # spaces between Han characters vanish
            ({"match_phrase": {"journal_py": "zhong hua yi xue za zhi"}}, 2)):
        hits = es_client.search(index=index, query=query)["hits"]["hits"]
        assert len(hits) == expected, query
    zh = journal(es_client, settings, "0376-2491")  # both files' articles under the print ISSN
    assert zh["title"] == "中华医学杂志"
    assert zh["issn_print"] == ["0376-2491"] and zh["issn_electronic"] == ["2095-3615"]
    assert zh["feeds"] == ["csv", "jats"] and (zh["first_year"], zh["last_year"]) == (2019, 2019)
    assert zh["other_titles"] == ["Zhonghua Yi Xue Za Zhi"] and zh["title_pyi"] == ["zhyxzz"]
    assert {a["journal_facet"] for a in articles(es_client, settings, issn_l="0376-2491")} == {"中华医学杂志"}


def test_rejected_and_skipped_records_go_to_the_dead_letter_file(loader, settings):
    summary = loader.load([FEEDS / "pubmed_messy.xml", FEEDS / "toc_variants.csv", FEEDS / "medline_sample.txt"])
    assert summary.balanced and (summary.skipped, summary.rejected) == (1, 4)
    letters = [json.loads(line) for line in Path(summary.dead_letter).read_text().splitlines()]
    assert sorted(e["reason"] for e in letters) == sorted([
        "PubMed article without ArticleTitle", "row without a title",
        "1 field(s) more than the header has: a shifted row", "MEDLINE citation without TI (title)"])
    assert all(e["source"] and e["position"] for e in letters)
    assert summary.skipped_reasons == {"a book or book chapter (PubmedBookArticle), not a journal article": 1}


def test_guessed_issn_l_is_corrected_by_a_stated_one(loader, es_client, settings, tmp_path):
    """Untyped ISSNs (electronic listed first) are guessed; a later PubMed record's ISSNLinking corrects them."""
    untyped = {"status": "ok", "message-type": "work", "message": {
        "DOI": "10.5555/yidu.guess.0001", "type": "journal-article", "title": ["Untyped ISSNs first"],
        "container-title": ["Gut"], "ISSN": ["1468-3288", "0017-5749"], "volume": "66", "page": "1-2",
        "issued": {"date-parts": [[2017]]}}}
    (tmp_path / "untyped.json").write_text(json.dumps(untyped))
    loader.load([tmp_path / "untyped.json"])
    assert journal(es_client, settings, "1468-3288")["issn"] == ["0017-5749", "1468-3288"]
    summary = loader.load([FEEDS / "medline_sample.txt"])  # IS 0017-5749 (Linking)
    assert summary.relinked == {"articles": 1, "journals": 1}
    assert {a["issn_l"] for a in articles(es_client, settings)} == {"0017-5749"}
    assert journal(es_client, settings, "0017-5749")["feeds"] == ["crossref", "medline"]
    assert not es_client.exists(index=settings.index.alias("journals"), id="1468-3288")


def test_the_issn_centre_table_moves_documents(settings, es_client, clean_indices, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("YIDU_STATE_DIR", str(settings.state_dir))
    monkeypatch.setenv("YIDU_INDEX_PREFIX", settings.index.prefix)
    assert main(["articles", "load", str(FEEDS / "crossref_pair.json"), "--json"]) == 0
    loaded = json.loads(capsys.readouterr().out)
    assert loaded["indexed"] == 1 and loaded["balanced"] and loaded["scopes"]["scopes"] > 0
    table = tmp_path / "ISSN-to-ISSN-L.txt"
    table.write_text("ISSN\tISSN-L\n0022-202X\t1523-1747\n1523-1747\t1523-1747\nnot an issn\t1234-5679\n")
    assert main(["articles", "issnl", str(table), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["rows"], result["bad_lines"], result["corrected_issn_l"]) == (2, 1, 1)
    assert result["relinked"] == {"articles": 1, "journals": 1}
    (doc,) = articles(es_client, settings)
    assert doc["issn_l"] == "1523-1747" and "loc:1523-1747|140|3|501" in doc["merge_keys"]
    assert journal(es_client, settings, "1523-1747")["title"] == "Journal of Investigative Dermatology"
    loader = ArticleLoader(settings, es_client)
    try:  # the locator under the new ISSN-L finds the same document
        assert loader.load([FEEDS / "toc_variants.csv"]).merged == 1
    finally:
        loader.close()
    assert len(articles(es_client, settings, issn_l="1523-1747")) == 1


def test_issues_of_a_journal_come_from_an_aggregation(loader, es_client, settings, shared_data):
    loader.load([shared_data / "articles/crossref/habanero/test_journals_mixed_ids_works_warn__00.json"])
    (issn_l,) = {a["issn_l"] for a in articles(es_client, settings)}
    issues = journal_issues(es_client, settings.index, issn_l, size=3)  # small pages: the paging is exercised
    assert sum(i["articles"] for i in issues) == 20
    assert len({(i["year"], i["volume"], i["issue"]) for i in issues}) == len(issues) > 3
    assert issues == sorted(issues, key=lambda i: (i["year"] or 0, i["volume"] or "", i["issue"] or ""),
                            reverse=True)


def test_one_writer_at_a_time_and_large_terms_lookups_allowed(loader, es_client, settings):
    with loader.session("first"):
        other = ArticleLoader(settings, es_client)
        with pytest.raises(IndexerError, match="another article load is running"):
            other.load([FEEDS / "jats_pair.xml"])
        other.close()
    index = es_client.indices.get_alias(index=settings.index.alias("articles"))
    (name,) = index.body
    value = es_client.indices.get_settings(index=name)[name]["settings"]["index"]["max_terms_count"]
    assert int(value) == MAX_TERMS_COUNT


def test_article_families_are_the_catalogue_s():
    shared = {"title", "authors", "subjects", "summary", "publisher"}
    assert shared <= set(ARTICLE_FAMILIES) and shared <= set(CATALOG_FAMILIES)
    for name in shared:
        assert ARTICLE_FAMILIES[name] == CATALOG_FAMILIES[name], name
