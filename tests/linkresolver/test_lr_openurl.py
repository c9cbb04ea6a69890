"""OpenURL parsing: 1.0 KEV, 0.1, and the mixtures real sources send."""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
from hypothesis import given, settings, strategies as st

from linkresolver.errors import BadRequest
from linkresolver.kbart import read_kbart
from linkresolver.openurl import parse_pairs, parse_query

D = date.fromordinal


def test_openurl_1_0_journal_article():
    c = parse_query(
        "url_ver=Z39.88-2004&ctx_ver=Z39.88-2004&rft_val_fmt=info%3Aofi%2Ffmt%3Akev%3Amtx%3Ajournal"
        "&rft.genre=article&rft.atitle=Cell+migration&rft.jtitle=Nature&rft.issn=0028-0836&rft.eissn=1476-4687"
        "&rft.volume=453&rft.issue=7193&rft.spage=314&rft.date=2008-05-15&rft_id=info%3Adoi%2F10.1038%2Fnature06969"
        "&rft.aulast=Ridley")
    assert (c.genre, c.family, c.kind, c.version) == ("article", "serial", "article", "1.0")
    assert c.issns == ["0028-0836"] and c.eissns == ["1476-4687"]
    assert (c.atitle, c.jtitle, c.volume, c.issue, c.spage) == ("Cell migration", "Nature", "453", "7193", "314")
    assert c.doi == "10.1038/nature06969"
    assert (D(c.date.lo), c.date.precision) == (date(2008, 5, 15), "day")
    assert c.authors == ["Ridley"]


@pytest.mark.parametrize("query, issn, volume, issue, spage, year", [
    # requests logged by DOAJ's resolver (docs/openurl/outline.md in DOAJ/doaj)
    ("func=openurl&genre=article&issn=13334395&date=2006&volume=5&issue=2&spage=165", "1333-4395", "5", "2", "165", 2006),
    ("volume=1&date=2010&spage=151&issn=22157840&func=openurl&issue=2&genre=article", "2215-7840", "1", "2", "151", 2010),
    ("genre=journal&issn=2158-2440&volume=4&issue=2&date=2014", "2158-2440", "4", "2", "", 2014),
])
def test_openurl_0_1_as_logged(query, issn, volume, issue, spage, year):
    c = parse_query(query)
    assert c.version == "0.1"
    assert (c.issns, c.volume, c.issue, c.spage, c.date.year) == ([issn], volume, issue, spage, year)


def test_both_forms_duplicated_keys_and_messy_values():
    c = parse_query("sid=google&genre=article&issn=0002936X&rft.issn=0002-936x&issn=0002936x&title=Nature"
                    "&rft.jtitle=Nature&volume=12&rft.volume=12&date=Spring+2001&id=doi:10.1000/ABC"
                    "&rft_id=info:doi/10.1000/abc&rft_id=info:pmid/123456")
    assert c.version == "1.0+0.1"
    assert c.issns == ["0002-936X"]  # three spellings of one ISSN: one value
    assert c.doi == "10.1000/abc" and c.pmid == "123456"
    assert c.date.precision == "season" and D(c.date.lo) == date(2001, 3, 1)
    assert c.sid == "google"


def test_invalid_issns_are_dropped_with_a_note():
    c = parse_query("issn=1234-5678&eissn=1476-4687&atitle=x")
    assert c.issns == [] and c.eissns == ["1476-4687"]
    assert any("1234-5678" in note for note in c.notes)


@pytest.mark.parametrize("value", ["info:doi/10.1038/nature06969", "doi:10.1038/NATURE06969",
                                   "https://doi.org/10.1038/nature06969", "http://dx.doi.org/10.1038/nature06969",
                                   "10.1038/nature06969"])
def test_doi_forms(value):
    assert parse_query("rft_id=" + quote(value, safe="")).doi == "10.1038/nature06969"
    assert parse_query("id=" + quote(value, safe="")).doi == "10.1038/nature06969"


def test_season_key_refines_a_year():
    c = parse_query("rft.jtitle=X&rft.date=2001&rft.ssn=fall")
    assert D(c.date.lo) == date(2001, 9, 1) and D(c.date.hi) == date(2001, 11, 30)


def test_percent_encoded_utf8_chinese():
    title = "中国社会科学"
    c = parse_query(f"rft.jtitle={quote(title)}&rft.issn=1002-4921&rft.date=2008%E5%B9%B43%E6%9C%88")
    assert c.jtitle == title and c.date.precision == "month"


def test_percent_encoded_gb18030_from_legacy_systems():
    title = "中国社会科学"
    c = parse_query("title=" + quote(title.encode("gb18030")) + "&issn=1002-4921")
    assert c.jtitle == title


def test_declared_latin1_encoding():
    c = parse_query("ctx_enc=info%3Aofi%2Fenc%3AISO-8859-1&rft.jtitle=Z%FCrich+Studies&rft.issn=0028-0836")
    assert c.jtitle == "Zürich Studies"


def test_book_in_both_forms():
    one = parse_query("url_ver=Z39.88-2004&rft_val_fmt=info:ofi/fmt:kev:mtx:book&rft.btitle=Fluorination"
                      "&rft.isbn=978-981-10-3896-9&rft.date=2020")
    old = parse_query("genre=book&title=Fluorination&isbn=9789811038969")
    for c in (one, old):
        assert (c.family, c.kind, c.btitle, c.isbns) == ("book", "book", "Fluorination", ["9789811038969"])


def test_chapter():
    c = parse_query("rft.genre=bookitem&rft.atitle=Chapter+3&rft.btitle=A+Book&rft.isbn=0-19-920380-6")
    assert (c.family, c.kind) == ("book", "chapter")


def test_isbn_only_is_a_book_and_issn_only_is_a_journal():
    assert parse_query("isbn=9783161484100").kind == "book"
    assert parse_query("issn=0028-0836").kind == "journal"


@pytest.mark.parametrize("query", ["", "sid=x", "foo=bar&date=2001", "issn=nonsense", "rft_id=info:oclcnum/123"])
def test_requests_without_a_citation_are_bad_requests(query):
    with pytest.raises(BadRequest):
        parse_query(query)


def test_garbage_bytes_never_crash():
    c = parse_query(b"rft.jtitle=%FF%FE%00abc&rft.issn=0028-0836&%%%=&=x&rft.volume=%E4%B8")
    assert c.issns == ["0028-0836"]


def test_canonical_query_round_trips():
    c = parse_query("genre=article&issn=00280836&title=Nature&atitle=A+%26+B&volume=12&issue=3&spage=5&date=2008-03"
                    "&id=doi:10.1038/x1")
    again = parse_query(c.to_query())
    for field in ("genre", "issns", "jtitle", "atitle", "volume", "issue", "spage", "doi", "date"):
        assert getattr(again, field) == getattr(c, field), field


text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).map(str.strip)


@settings(max_examples=200)
@given(atitle=text, jtitle=text, volume=st.integers(1, 999), year=st.integers(1800, 2100))
def test_any_citation_survives_its_own_query(atitle, jtitle, volume, year):
    if not atitle or not jtitle:
        return
    first = parse_pairs([("rft.atitle", atitle), ("rft.jtitle", jtitle), ("rft.volume", str(volume)),
                         ("rft.date", str(year)), ("rft.issn", "0028-0836")])
    again = parse_query(first.to_query())
    assert (again.atitle, again.jtitle, again.volume, again.date, again.issns) == \
        (first.atitle, first.jtitle, first.volume, first.date, first.issns)


def test_citations_built_from_real_kbart_titles(shared_data):
    """A realistic test set: every Cambridge journal, cited in the messy forms real sources use."""
    entries = read_kbart(shared_data / "kbart" / "gokb" / "journals.cambridge.org_AllTitles_2015-07-14.txt").entries
    checked = 0
    for n, e in enumerate(entries):
        if not e.issns or not e.first:
            continue
        issn = e.issns[n % len(e.issns)]
        forms = [
            f"url_ver=Z39.88-2004&rft.jtitle={quote(e.title)}&rft.issn={issn}&rft.date={e.first.year + 1}",
            f"genre=article&issn={issn.replace('-', '')}&title={quote(e.title)}&date={e.first.year + 1}-03",
            f"issn={issn.lower()}&rft.issn={issn}&volume=1&date=Spring+{e.first.year + 1}",
        ]
        for form in forms:
            c = parse_query(form)
            assert c.all_issns == [issn], form
            assert c.date.year == e.first.year + 1, form
            checked += 1
    assert checked > 1000
