"""The feed value normalisers, and the article merge rules that need no cluster: the messy-value cases."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from harvesters.feeds import values as v
from harvesters.feeds.records import Issn
from indexer.articles import compatible, doc_id, locator, merge, merge_keys
from indexer.journals import merge as merge_journals


@pytest.mark.parametrize("text, expected", [
    ("2002 Sep", "2002-09"),
    ("2012 Oct 15", "2012-10-15"),
    ("1998 Dec-1999 Jan", "1998-12"),  # MEDLINE: a span is dated by its start
    ("2006", "2006"),  # only a year: kept as a year
    ("2010-01-15", "2010-01-15"),
    ("2005-01-01T00:00:00Z", "2005-01-01"),
    ("Spring 1990", "1990"),  # a season is no month
    ("1990 Spring", "1990"),
    ("2010-1", "2010-01"),
    ("n.d.", None),
    ("", None),
])
def test_dates_keep_the_precision_given(text, expected):
    assert v.parse_date(text) == expected


def test_date_parts_as_crossref_gives_them():
    assert v.date_parts({"date-parts": [[2010, 1]]}) == "2010-01"
    assert v.date_parts({"date-parts": [[2010]]}) == "2010"
    assert v.date_parts({"date-parts": [[None]]}) is None
    assert v.date_parts(None) is None
    assert v.iso_date("2019", "Sep", "31") == "2019-09-31" and v.iso_date("2019", "13") == "2019"


@pytest.mark.parametrize("pages, first, last", [
    ("123-9", "123", "129"),  # MEDLINE abbreviates the end page
    ("5795-813", "5795", "5813"),
    ("1116-1122", "1116", "1122"),
    ("e217", "e217", None),
    ("S1-S10", "S1", "S10"),
    ("R12-5", "R12", "R15"),
    ("123-9, 140", "123", "129"),  # only the first range counts
    ("xii-xv", "xii", "xv"),  # roman numerals as given
    ("100\u2013105", "100", "105"),  # an en dash
    ("129-3", "129", "3"),  # an end before the start is not an abbreviation: kept as given
    (None, None, None),
])
def test_pages(pages, first, last):
    assert v.split_pages(pages) == (first, last)


@pytest.mark.parametrize("raw, expected", [
    ("en", "eng"), ("en-US", "eng"), ("EN", "eng"), ("eng", "eng"), ("English", "eng"), ("英文", "eng"),
    ("zh", "chi"), ("zho", "chi"), ("deu", "ger"), ("fra", "fre"), ("Portuguese", "por"), ("xx", None), ("", None),
])
def test_languages_become_marc_codes(raw, expected):
    assert v.language(raw) == expected


def test_messy_issns_are_normalised_and_invalid_ones_kept_apart():
    issns, bad = v.collect_issns([("0028083x", None), ("00280836", "print"), (" 0028 0836 ", "ppub"),
                                  ("1476-4687", "epub"), ("0022-202x", "Print"), ("1234-5670", "print"), ("", None)])
    assert issns == [Issn("0028-0836", "print"), Issn("1476-4687", "electronic"), Issn("0022-202X", "print")]
    assert bad == ["0028083x", "1234-5670"]  # wrong check digits: not ISSNs, but reported


def test_names_and_markup():
    assert v.person("Doe", "Jane") == "Doe, Jane"
    assert v.person("Hora", "Donald", "Jr.") == "Hora, Donald, Jr."
    assert v.person(None, "Plato") == "Plato"
    assert v.strip_markup("<jats:title>Abstract</jats:title><jats:p>Growth &lt; 5 %</jats:p>") == "Growth < 5 %"
    assert v.unique(["Nature", "nature", " Nature ", None, "Cell"]) == ["Nature", "Cell"]


@given(st.text(max_size=40))
def test_normalisers_never_raise(text):
    v.parse_date(text)
    v.split_pages(text)
    v.language(text)
    v.collect_issns([(text, text)])
    v.strip_markup(text)


# --- the article merge rules (pure) ---------------------------------------------------------------

def _doc(**fields):
    return {"collection": "articles", "type": "article", **fields}


def test_merge_keys_strongest_first_and_messy_locators():
    doc = _doc(title="A long enough title", doi="10.1/x", issn_l="0022-202X", volume="IV", issue="4-5",
               first_page="026002", pmid="7", year=2001)
    keys = merge_keys(doc)
    assert keys[0] == "doi:10.1/x"
    assert "loc:0022-202X|iv|45|26002" in keys  # folded, punctuation and leading zeros dropped
    assert "pmid:7" in keys and any(k.startswith("cit:0022-202X|2001|") for k in keys)
    assert locator(_doc(issn_l="0022-202X", volume="1")) is None  # no first page: no locator
    assert merge_keys(_doc(title="Short", year=2001, issn_l="0022-202X")) == []  # too short to match on title
    assert doc_id("doi:10.1/x") == doc_id("doi:10.1/x") != doc_id("doi:10.1/y")


def test_compatibility_decides_by_doi_then_pmid_then_locator():
    a = _doc(doi="10.1/a", volume="1", first_page="5")
    assert compatible(a, _doc(doi="10.1/a", volume="2"))  # same DOI: same article whatever the locator says
    assert not compatible(a, _doc(doi="10.1/b", volume="1", first_page="5"))
    assert compatible(a, _doc(volume="1", first_page="5", issn_l="x"))
    assert not compatible(a, _doc(volume="1", first_page="6"))
    assert not compatible(_doc(pmid="1"), _doc(pmid="2", volume="1"))
    assert compatible(_doc(issue="4"), _doc(issue=None))


def test_merge_keeps_the_richer_value_of_each_field():
    crossref = _doc(title="T", authors=["Doe, Jane", "Roe, Richard"], date="2020-03", year=2020, doi="10.1/a",
                    issn=["0022-202X"], feeds=["crossref"], source_ids=["crossref:10.1/a"],
                    sources=[{"feed": "crossref", "record_id": "10.1/a", "origin": "p1"}])
    jats = _doc(title="T", authors=["Doe, J", "Roe, R"], date="2020", year=2020, doi="10.1/a",
                summary="An abstract.", subjects=["keratinocyte"], issn=["0022-202X", "1523-1747"], feeds=["jats"],
                source_ids=["jats:10.1/a"], sources=[{"feed": "jats", "record_id": "10.1/a", "origin": "f"}])
    merged = merge(crossref, jats)
    assert merged["authors"] == ["Doe, Jane", "Roe, Richard"]  # full given names beat initials
    assert merged["date"] == "2020-03" and merged["year"] == 2020  # more precision wins
    assert merged["summary"] == "An abstract." and merged["subjects"] == ["keratinocyte"]
    assert merged["issn"] == ["0022-202X", "1523-1747"] and merged["feeds"] == ["crossref", "jats"]
    assert merged["source_ids"] == ["crossref:10.1/a", "jats:10.1/a"] and len(merged["sources"]) == 2
    assert merge(jats, crossref)["authors"] == merged["authors"]  # the rule does not depend on order
    assert merge(merged, jats) == merged  # merging the same feed again changes nothing


def test_journal_titles_prefer_journal_records_then_the_better_written():
    article = {"issn_l": "0017-5749", "title": "Gut", "title_origin": "article", "issn": ["0017-5749"],
               "feeds": ["medline"], "first_year": 2017, "last_year": 2017}
    pubmed = {"issn_l": "0017-5749", "title": "The journal of gut studies", "title_origin": "article",
              "issn": ["1468-3288"], "feeds": ["pubmed"], "first_year": 1999, "last_year": 1999}
    record = {"issn_l": "0017-5749", "title": "GUT", "title_origin": "journal-record", "feeds": ["nlm-serials"],
              "issn": ["0017-5749"], "subjects": ["Gastroenterology"], "holding_libraries": ["PKU"]}
    step = merge_journals(article, pubmed)
    assert step["title"] == "The journal of gut studies" and step["other_titles"] == ["Gut"]
    assert (step["first_year"], step["last_year"]) == (1999, 2017)
    final = merge_journals(step, record)
    assert final["title"] == "GUT" and final["title_origin"] == "journal-record"
    assert final["other_titles"] == ["The journal of gut studies"]  # "Gut" folds to the title itself
    assert final["issn"] == ["0017-5749", "1468-3288"] and final["holding_libraries"] == ["PKU"]
