"""KBART reading: every real file in the shared data, encodings, line endings, ragged and bad rows."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from linkresolver.coverage import UNKNOWN
from linkresolver.errors import FileProblems
from linkresolver.kbart import parse_kbart, read_kbart
from lr_support import HEADER, kbart, kbart_row

ROWS = (
    kbart_row("Zeitschrift für Physik", "0044-3328", "1434-6001", "1995-06", "12", "3", "2001", "29", "",
              "https://example.org/zfp", "P1Y"),
    kbart_row("Œuvres – Revue", "0028-0836", "", "1990", "1", "", "", "", "", "https://example.org/n"),
)


def test_every_shared_kbart_file_loads_or_is_refused_with_line_reasons(shared_data):
    files = sorted(p for p in (shared_data / "kbart").rglob("*") if p.is_file() and p.name != "PROVENANCE.md")
    assert len(files) >= 20
    loaded = 0
    for path in files:
        try:
            result = read_kbart(path)
        except FileProblems as exc:
            assert exc.problems and all(p.startswith("line ") for p in exc.problems), path
            continue
        loaded += 1
        assert result.rows == len(result.entries) + len(result.errors), path
        assert all(p.line >= 2 for p in result.problems), path
    assert loaded >= 20


def test_the_big_german_holdings_file(shared_data):
    result = read_kbart(shared_data / "kbart" / "span" / "kbart.txt.gz")
    assert result.rows == 72056
    assert len(result.entries) + len(result.errors) == 72056
    assert len(result.entries) > 72000
    embargoed = [e for e in result.entries if e.embargo]
    assert len(embargoed) > 6000 and {e.embargo for e in embargoed} >= {"P12M", "P1Y", "P18M"}
    # the ZDB extension columns are kept per row, and "Keine Fernleihe" (no ILL) is understood
    assert {"il_relevance", "zdb_id", "all_issns"} <= set(result.extra_columns)
    assert any(not e.ill for e in result.entries) and any(e.ill for e in result.entries)
    assert any("zdb_id" in e.raw for e in result.entries)
    # every rejected row names its line and says why
    for problem in result.errors:
        assert problem.line >= 2 and problem.message


def test_utf16_with_bom_reads_like_utf8(shared_data):
    utf16 = read_kbart(shared_data / "kbart" / "gokb" / "CambridgeBooks_EdinburghUniversityPress.tsv")
    utf8 = read_kbart(shared_data / "kbart" / "gokb" / "CambridgeBooks_EdinburghUniversityPress_utf8.tsv")
    assert utf16.encoding == "utf-16-le"
    assert [(e.title, e.isbns) for e in utf16.entries] == [(e.title, e.isbns) for e in utf8.entries]
    assert all(e.pubtype == "monograph" and e.isbns for e in utf8.entries)


def test_cr_only_line_endings(shared_data):
    result = read_kbart(shared_data / "kbart" / "gokb" / "AnnualReviews_SciencesCollection34_2011-04-27.txt")
    assert result.line_ending == "CR"
    assert result.rows == 47 and len(result.entries) == 47


def test_trailing_tab_rows_are_not_errors(shared_data):
    result = read_kbart(shared_data / "kbart" / "gokb" / "journals.cambridge.org_AllTitles_2015-07-14.txt")
    assert len(result.entries) == 468 and not result.errors


def test_shifted_row_is_rejected_with_its_line_and_the_rest_goes_in(shared_data):
    result = read_kbart(shared_data / "kbart" / "gokb" / "integration-test" / "test_rest_import_partial_error.txt")
    assert [p.line for p in result.errors] == [2]
    assert "columns shifted" in result.errors[0].message
    assert [e.title for e in result.entries] == ["TestBookTIPPUpdate"]


def test_cufts_lists_are_not_kbart(shared_data):
    with pytest.raises(FileProblems) as info:
        read_kbart(shared_data / "kbart" / "gokb" / "project_muse_alltitles")
    assert info.value.problems[0].startswith("line 1:")


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8"),
    lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    lambda t: t.encode("utf-16"),  # with BOM, native order
    lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
    lambda t: t.encode("utf-16-le"),  # no BOM
    lambda t: t.encode("cp1252"),
    lambda t: gzip.compress(t.encode("utf-8")),
], ids=["utf8", "utf8-bom", "utf16", "utf16be-bom", "utf16le-bom", "utf16le-nobom", "cp1252", "gzip"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize("final_newline", [True, False], ids=["eol", "no-eol"])
def test_encodings_and_line_endings(encode, newline, final_newline):
    text = newline.join((HEADER, *ROWS)) + (newline if final_newline else "")
    result = parse_kbart(encode(text))
    assert [e.title for e in result.entries] == ["Zeitschrift für Physik", "Œuvres – Revue"]
    assert result.entries[0].issns == ("0044-3328", "1434-6001")
    assert not result.problems


def test_values_and_precision_of_one_row():
    entry = parse_kbart(kbart(ROWS[0])).entries[0]
    assert entry.first.precision == "month" and entry.first.iso() == "1995-06"
    assert entry.last.precision == "year" and entry.last.iso() == "2001"
    assert (entry.vol_lo, entry.iss_lo, entry.vol_hi, entry.iss_hi) == (12, 3, 29, UNKNOWN)
    assert entry.embargo == "P1Y" and entry.fulltext and entry.url == "https://example.org/zfp"


def test_several_ranges_of_one_title_each_with_its_own_embargo():
    result = parse_kbart(kbart(
        kbart_row("Journal A", "0044-3328", "", "1950", "1", "", "1979", "30", "", "https://a.example/1"),
        kbart_row("Journal A", "0044-3328", "", "1990", "41", "", "", "", "", "https://a.example/2", "P6M"),
    ))
    assert [(e.first.iso(), e.last.iso() if e.last else None, e.embargo) for e in result.entries] == [
        ("1950", "1979", ""), ("1990", None, "P6M")]


def test_dirty_identifiers_are_warnings_and_hyphenless_issns_normalise():
    result = parse_kbart(kbart(
        kbart_row("Good", "00443328", "1434-6002", first="2000"),  # online check digit wrong
        kbart_row("Book", "978-3-16-148410-0", "", pubtype=""),
        kbart_row("Nothing", "n/a", "garbage"),
    ))
    good, book, nothing = result.entries
    assert good.issns == ("0044-3328",)
    assert book.isbns == ("9783161484100",) and book.pubtype == "monograph"
    assert nothing.issns == () and nothing.title == "Nothing"
    assert [(p.line, p.severity) for p in result.problems] == [(2, "warning"), (4, "warning")]


def test_bad_rows_are_reported_with_their_line_and_the_rest_goes_in():
    result = parse_kbart(kbart(
        kbart_row("Fine", "0044-3328", first="2000"),
        kbart_row("Bad date", "0028-0836", first="June 2000"),
        kbart_row("Bad embargo", "0028-0836", first="2000", embargo="12 months"),
        kbart_row("Backwards", "0028-0836", first="2005", last="2001"),
        kbart_row("", "", ""),
        kbart_row("Also fine", "0028-0836", first="2000"),
    ))
    assert [e.title for e in result.entries] == ["Fine", "Also fine"]
    assert [p.line for p in result.errors] == [3, 4, 5, 6]
    assert "date_first_issue_online" in result.errors[0].message
    assert "embargo" in result.errors[1].message
    assert "before it starts" in result.errors[2].message


def test_extra_columns_are_kept_and_short_rows_padded():
    data = (HEADER + "\tlocal_note\n" + kbart_row("Extra", "0044-3328", first="2000") + "\tshelved\n"
            + "Short\t0028-0836\n").encode()
    result = parse_kbart(data)
    assert result.extra_columns == ["local_note"]
    assert result.entries[0].raw["local_note"] == "shelved"
    assert result.entries[1].title == "Short" and result.entries[1].first is None


def test_blank_lines_and_quoted_fields():
    data = (HEADER + "\n\n" + kbart_row('"Quoted, ""title"""', "0044-3328") + "\n\n\n").encode()
    result = parse_kbart(data)
    assert [e.title for e in result.entries] == ['Quoted, "title"']
    assert result.entries[0].line == 3


def test_html_entities_in_titles_are_decoded():
    result = parse_kbart(kbart(kbart_row("&#268;eslovo Miloo", "2029-8692")))
    assert result.entries[0].title == "Česlovo Miloo"


def test_a_header_only_file_loads_nothing():
    result = parse_kbart((HEADER + "\n").encode())
    assert result.entries == [] and result.rows == 0


def test_an_empty_file_is_refused():
    with pytest.raises(FileProblems):
        parse_kbart(b"")


def test_relative_title_urls_are_kept_without_a_link():
    result = parse_kbart(kbart(kbart_row("EZB", "0044-3328", url="/ezeit/local_resource.phtml")))
    assert result.entries[0].url == "" and result.problems[0].severity == "warning"


def test_reading_a_missing_file_says_so(tmp_path: Path):
    with pytest.raises(FileProblems) as info:
        read_kbart(tmp_path / "nope.tsv")
    assert "cannot read" in str(info.value)
