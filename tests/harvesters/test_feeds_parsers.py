"""Each feed parser on hand-written fixtures (tests/harvesters/fixtures/feeds): what it reads, what it
keeps messy, what it skips or rejects and why; format sniffing; XML safety. No cluster needed."""
from __future__ import annotations

import gzip
import time
from pathlib import Path

import orjson
import pytest

from harvesters.feeds import crossref, read_feed
from harvesters.feeds.errors import CrossrefError, FeedFileError
from harvesters.feeds.files import iter_feed_files
from harvesters.feeds.records import ArticleRecord, BadRecord, Issn, JournalRecord, Skipped

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def items(name: str, fmt: str = "auto"):
    chosen, found = read_feed(FIXTURES / name, fmt)
    return chosen, list(found)


def test_jats_front_matter_with_messy_values_and_chinese_names():
    fmt, (record,) = items("jats_chinese.xml")
    assert fmt == "jats" and isinstance(record, ArticleRecord)
    assert record.title == "中文期刊目录的拼音检索研究"  # <italic> markup dropped, text kept
    # an eastern-style name, a collective author; the editor is no author
    assert record.authors == ["王小明", "Smith, Jane", "全国高校文献保障协作组"]
    assert record.journal == "中华医学杂志" and record.journal_variants == ["Zhonghua Yi Xue Za Zhi"]
    assert record.issns == [Issn("0376-2491", "print"), Issn("2095-3615", "electronic")]
    assert record.bad_issns == ["9999-9999"]
    assert (record.volume, record.issue, record.first_page, record.last_page) == ("XII", "4-5", "S1", "S9")
    assert record.date == "2019" and record.year == 2019  # a year-only pub-date stays a year
    assert record.doi == "10.5555/yidu.zh.0001" and record.pmid == "30000001"
    assert record.language == "chi" and record.publisher == "中华医学会"
    assert record.abstract == "目的 研究拼音检索。 方法 对比分析。" and record.keywords == ["拼音", "期刊目录"]


def test_jats_without_xml_lang_is_english_and_elocation_stands_for_pages(shared_data):
    (record,) = read_feed(shared_data / "articles/jats-pmc/pone.0000217.nxml")[1]
    assert record.language == "eng"  # the JATS DTD default, applied without loading the DTD
    assert (record.first_page, record.pages, record.last_page) == ("e217", "e217", None)
    assert record.date == "2007" and record.issns == [Issn("1932-6203", "electronic")]


def test_a_cut_off_jats_set_keeps_the_whole_article_and_reports_the_rest():
    _, found = items("jats_broken.xml")
    assert [type(i) for i in found] == [ArticleRecord, BadRecord]
    assert found[0].title == "The whole one"
    assert "XML syntax error" in found[1].reason and "Premature end of data" in found[1].reason


def test_xml_entities_are_never_resolved():
    started = time.perf_counter()
    _, (record,) = items("jats_xxe.xml")
    assert time.perf_counter() - started < 5  # no billion laughs
    assert "root:" not in record.title and "lollol" not in record.title
    assert record.doi == "10.5555/yidu.xxe.0001"


def test_pubmed_medline_date_abbreviated_pages_and_what_is_skipped():
    fmt, found = items("pubmed_messy.xml")
    assert fmt == "pubmed"
    article, untitled, book = found
    assert article.date == "1998-12" and article.year == 1998
    assert (article.pages, article.first_page, article.last_page) == ("123-9", "123", "129")
    assert article.doi == "10.5555/yidu.pm.0001" and article.pmc == "PMC9000002"
    assert article.authors == ["Zhang, San", "Yidu Study Group"]  # the ValidYN="N" name is left out
    assert article.title == "[Translated title of a Chinese article]"  # the closing period dropped
    assert article.abstract == "BACKGROUND: First part with italics. RESULTS: Second part."
    assert article.issns == [Issn("1476-4687", "electronic")] and article.issn_l is None
    assert article.language == "chi" and article.keywords == ["yidu"]
    assert isinstance(untitled, BadRecord) and untitled.record_id == "30000003"
    assert "without ArticleTitle" in untitled.reason
    assert isinstance(book, Skipped) and "book" in book.reason


def test_medline_text_with_continuation_lines_and_linking_issn():
    fmt, (record, untitled) = items("medline_sample.txt")
    assert fmt == "medline"
    assert record.title == "A title that runs over two lines" and record.abstract == "An abstract continued."
    assert record.issn_l == "0017-5749"
    assert record.issns == [Issn("0017-5749", "print"), Issn("1468-3288", "electronic")]
    assert (record.first_page, record.last_page, record.pages) == ("1116", "1122", "1116-22")
    assert record.date == "2017-06" and record.doi == "10.5555/yidu.medline.0001"
    assert record.authors == ["Bao, Ying", "Yidu Consortium"]
    assert record.keywords == ["telomeres", "Pancreatic Neoplasms"]
    assert isinstance(untitled, BadRecord) and untitled.record_id == "30000006"


def test_doaj_articles_journals_and_a_broken_line():
    fmt, (article, journal, bad) = items("doaj_mixed.ndjson")
    assert fmt == "doaj"
    assert article.issue == "special issue" and article.volume == "7" and article.date == "2005-01"
    assert article.doi == "10.5555/yidu.doaj.0001" and article.language == "por"
    assert {i.value for i in article.issns} == {"1806-5562", "1980-6108"}
    assert isinstance(journal, JournalRecord) and journal.title == "Revista de Teste"
    assert journal.issns == [Issn("1806-5562", "print"), Issn("1980-6108", "electronic")]
    assert journal.publisher == "Teste" and journal.subjects == ["Medicine"]
    assert isinstance(bad, BadRecord) and bad.position.line == 4 and bad.raw.startswith(b'{"id": "doaj-bad"')


def test_csv_header_variants_bom_quotes_and_bad_rows():
    fmt, found = items("toc_variants.csv")
    assert fmt == "csv"
    pair, quoted, untitled, shifted, wrong_issn = found
    assert pair.issns == [Issn("0022-202X", "print"), Issn("1523-1747", "electronic")]  # "Print ISSN", "E-ISSN"
    assert pair.journal == "Journal of Investigative Dermatology" and pair.authors == ["Doe, Jane", "Roe, Richard"]
    assert (pair.volume, pair.issue, pair.first_page, pair.last_page) == ("140", "3", "501", "509")
    assert pair.doi is None and pair.language == "eng"
    assert quoted.title == 'Commas, "quotes" and a newline inside one title'
    assert quoted.issns == [Issn("1234-5679", "print")]  # "1234 5679"
    assert (quoted.volume, quoted.issue, quoted.first_page, quoted.date) == ("iv", "S1", "e12", "2001")
    assert isinstance(untitled, BadRecord) and untitled.reason == "row without a title" and untitled.position.line == 5
    assert isinstance(shifted, BadRecord) and "shifted" in shifted.reason and shifted.position.line == 6
    assert wrong_issn.issns == [] and wrong_issn.bad_issns == ["1234-5670"] and wrong_issn.language == "ger"


def test_tsv_in_gb18030_with_chinese_headers():
    fmt, (record,) = items("toc_gb18030.tsv")
    assert fmt == "csv"
    assert record.journal == "中华医学杂志" and record.title == "基于拼音的期刊检索"
    assert record.authors == ["王小明", "李四"]  # full-width semicolon
    assert (record.volume, record.issue, record.first_page, record.date) == ("99", "12", "885", "2019")


def test_a_table_without_a_title_column_is_not_a_feed(tmp_path):
    path = tmp_path / "holdings.csv"
    path.write_text("issn,journal,volume\n1234-5679,Acta,1\n")
    with pytest.raises(FeedFileError, match="unknown format"):
        read_feed(path)
    with pytest.raises(FeedFileError, match="no title column"):
        list(read_feed(path, "csv")[1])


def test_crossref_work_message_and_error_bodies():
    fmt, (record,) = items("crossref_pair.json")
    assert fmt == "crossref" and record.updated == "2026-01-05T10:00:00Z"
    assert record.journal == "Journal of Investigative Dermatology" and record.journal_variants == ["J Invest Dermatol"]
    with pytest.raises(CrossrefError, match="not found.*Resource not found") as err:
        crossref.parse_body(b"Resource not found.", ref="https://api.crossref.org/journals/4444-4444/works",
                            status=404)
    assert err.value.status == 404 and err.value.ref.endswith("4444-4444/works")
    failure = orjson.dumps({"status": "failed", "message-type": "validation-failure",
                            "message": [{"type": "filter-not-available", "value": "from-idx-date",
                                         "message": "Filter from-idx-date specified but there is no such filter"}]})
    with pytest.raises(CrossrefError, match="there is no such filter") as err:
        crossref.parse_body(failure, ref="u", status=400)
    assert err.value.messages == ("filter-not-available Filter from-idx-date specified but there is no such "
                                  "filter from-idx-date",)
    with pytest.raises(CrossrefError, match="not JSON"):
        crossref.parse_body(b"<html>busy</html>", ref="u", status=200)


def test_crossref_types_that_are_not_articles_are_skipped():
    page = crossref.page_of({"status": "ok", "message-type": "work-list", "message": {"items": [
        {"DOI": "10.5555/c", "type": "book-chapter", "title": ["A chapter"]},
        {"DOI": "10.5555/a", "type": "journal-article", "title": []},
        "not an object"]}}, ref="u")
    chapter, untitled, junk = crossref.items(page, source="u")
    assert isinstance(chapter, Skipped) and chapter.reason == "not a journal article (Crossref type book-chapter)"
    assert isinstance(untitled, BadRecord) and untitled.record_id == "10.5555/a"
    assert isinstance(junk, BadRecord)


def test_sniffing_gzip_and_what_is_not_a_feed(tmp_path):
    (tmp_path / "works.json.gz").write_bytes(gzip.compress((FIXTURES / "crossref_pair.json").read_bytes()))
    assert read_feed(tmp_path / "works.json.gz")[0] == "crossref"
    for name, body, reason in [("bib.txt", b"@article{Frank_1970, title={x}}", "BibTeX"),
                               ("404.txt", b"Resource not found.", "Resource not found"),
                               ("page.html", b"<!DOCTYPE html><html></html>", "HTML"),
                               ("oai.xml", b"<?xml version='1.0'?><OAI-PMH/>", "root element <OAI-PMH>"),
                               ("empty.json", b"  \n", "empty")]:
        (tmp_path / name).write_bytes(body)
        with pytest.raises(FeedFileError, match=reason):
            read_feed(tmp_path / name)


def test_directory_walks_skip_hidden_and_documentation(tmp_path):
    (tmp_path / "a.xml").write_text("<article/>")
    (tmp_path / ".hidden.xml").write_text("<article/>")
    (tmp_path / "README.md").write_text("# notes")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv").write_text("title\nx\n")
    found = [(f.path.relative_to(tmp_path).as_posix(), f.explicit) for f in iter_feed_files([tmp_path])]
    assert found == [("a.xml", False), ("sub/b.csv", False)]
    assert [f.explicit for f in iter_feed_files([tmp_path / "a.xml"])] == [True]
