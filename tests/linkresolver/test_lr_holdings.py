"""Print journal holdings: 866 summaries, the CSV upload, and derivation from the catalogue."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pymarc import Field, Record, Subfield

from harvesters.marc.mapper import MarcMapper
from indexer.store import RecordStore
from indexer.union import merge_keys
from linkresolver.errors import FileProblems
from linkresolver.holdings import OPEN, Run, parse_summary, read_holdings_csv
from lr_support import make_kb, make_resolver

U = -1


@pytest.mark.parametrize("text, runs", [
    ("v.1(1990)-v.12(2001)", [Run(1990, 2001, 1, 12)]),
    ("1995-", [Run(1995, OPEN, U, U)]),
    ("v.3-5, 7-", [Run(U, U, 3, 5), Run(U, OPEN, 7, OPEN)]),
    ("v.10-35  (1988-2013)", [Run(1988, 2013, 10, 35)]),
    ("v.1,4-5", [Run(U, U, 1, 1), Run(U, U, 4, 5)]),
    ("v.9:no.2-3  (1987)", [Run(1987, 1987, 9, 9)]),
    ("v.184:no.1-4, 6  (1999)", [Run(U, U, 184, 184), Run(1999, 1999, 184, 184)]),
    ("Jahrg.22:no.21-Jahrg.23:no.21  (1893-1894)", [Run(1893, 1894, 22, 23)]),
    ("Jahrg.30-32  (1907-1909/1910)", [Run(1907, 1910, 30, 32)]),
    ("Bd.37:Heft 1-2  (1916)", [Run(1916, 1916, 37, 37)]),
    ("v.1:no.2-v.4  (1978-1982:June)", [Run(1978, 1982, 1, 4)]),
    ("v.1(1990)-v.12", [Run(1990, U, 1, 12)]),
    ("1901/1902", [Run(1901, 1902, U, U)]),
    ("1990-95", [Run(1990, 1995, U, U)]),
    ("1990-2001年", [Run(1990, 2001, U, U)]),
    ("第1卷(1990)-", [Run(1990, OPEN, 1, OPEN)]),
    ("Issue 2-17  (1979-1984)", [Run(1979, 1984, U, U)]),
    ("15th  (1973)", [Run(1973, 1973, 15, 15)]),
])
def test_866_summaries_as_catalogued(text, runs):
    found, problem = parse_summary(text)
    assert found == runs and problem is None


@pytest.mark.parametrize("text", ["28 reels", "*Continued by:Judisches Litteratur-Blatt (Magdeburg,", "INDEX ON SHELF",
                                  "", "fiche 1-5"])
def test_statements_that_are_not_enumerations(text):
    runs, problem = parse_summary(text)
    assert runs == [] and problem


def test_every_866_in_the_shared_marc_reads_or_says_why(shared_data):
    import pymarc

    seen = 0
    for path in sorted((shared_data / "marc21" / "solrmarc").glob("*.mrc")):
        with open(path, "rb") as fh:
            for record in pymarc.MARCReader(fh, to_unicode=True, force_utf8=True, utf8_handling="replace"):
                if record is None:
                    continue
                for f in record.get_fields("866"):
                    for summary in f.get_subfields("a"):
                        runs, problem = parse_summary(summary)
                        assert runs or problem, summary
                        for run in runs:
                            assert run.vol_lo != U or run.year_lo != U
                        seen += 1
    assert seen > 50


CSV = """issn,eissn,title,start_year,start_volume,end_year,end_volume,summary,control_number,note
0028-0836,1476-4687,Nature,1990,343,2001,414,,nat-1,bound volumes
0028-0836,,Nature,2005,,,,,nat-1,
00368075,,Science,,,,,"v.200(1978)-v.250(1990), 1995-",sci-9,
,,中国社会科学,1980,,1999,,,zgshkx,
1234-5678,,Bad check digit,1990,,,,,,
,,,1990,,,,,,
0010-4620,,Backwards,2001,,1990,,,,
"""


def test_holdings_csv_rows_gaps_and_problems():
    holdings, problems = read_holdings_csv(CSV.encode(), "PKU")
    by_title = {h.title: h for h in holdings}
    assert by_title["Nature"].runs == (Run(1990, 2001, 343, 414), Run(2005, OPEN, U, U))
    assert by_title["Nature"].issns == ("0028-0836", "1476-4687")
    assert by_title["Science"].runs == (Run(1978, 1990, 200, 250), Run(1995, OPEN, U, U))
    assert by_title["中国社会科学"].issns == () and by_title["中国社会科学"].runs == (Run(1980, 1999, U, U),)
    assert [(p.line, p.severity) for p in problems] == [(6, "warning"), (7, "error"), (8, "error")]
    assert "Bad check digit" in by_title  # kept by title, its ISSN dropped


def test_holdings_csv_without_a_usable_header_is_refused():
    with pytest.raises(FileProblems):
        read_holdings_csv(b"year,volume\n1990,1\n", "PKU")


def _serial(control: str, issn: str, title: str, summary: str | None, institution: str | None = None) -> Record:
    r = Record(leader="00000cas a2200000 a 4500")
    r.add_field(Field(tag="001", data=control))
    r.add_field(Field(tag="022", indicators=[" ", " "], subfields=[Subfield("a", issn)]))
    r.add_field(Field(tag="245", indicators=["0", "0"], subfields=[Subfield("a", title)]))
    r.add_field(Field(tag="852", indicators=[" ", " "], subfields=[Subfield("a", institution or "x"), Subfield("b", "Stacks")]))
    if summary:
        r.add_field(Field(tag="866", indicators=[" ", "0"], subfields=[Subfield("a", summary)]))
    return r


def test_print_holdings_from_the_catalogue_record_store(tmp_path: Path):
    mapper = MarcMapper()
    store = RecordStore(tmp_path / "records.sqlite")
    store.begin()
    for library, record in [
        ("NJU", _serial("s1", "0028-0836", "Nature.", "v.1(1990)-v.12(2001)")),
        ("WHU", _serial("s2", "00280836", "Nature", "1995-")),
        ("SCU", _serial("s3", "0028-0836", "Nature", None)),  # holds it, extent not recorded
        ("FDU", _serial("s4", "1234-5678", "No valid ISSN", "1990-")),
    ]:
        doc = mapper.map(record, "marc21", library)
        store.upsert(library, doc["control_number"], doc, merge_keys(doc), raw=None, origin="test", gen=1)
    store.commit()
    store.close()

    kb = make_kb(tmp_path)
    report = kb.holdings_from_catalog(tmp_path / "records.sqlite")
    assert report.details["serial_records"] == 3
    assert sorted(h["title"] for lib in ("NJU", "WHU", "SCU") for h in kb.holdings(lib)) == ["Nature"] * 3
    assert kb.holdings("NJU")[0]["runs"] == [[1990, 2001, 1, 12]]

    # NJU's print run answers for 1995, not for 2005; WHU's open run answers for 2005
    resolver = make_resolver(kb, date(2026, 6, 1))
    from linkresolver.openurl import parse_query
    c = parse_query("rft.issn=0028-0836&rft.date=1995&rft.volume=7")
    assert "print" in resolver.resolve(c, "NJU").types()
    c2005 = parse_query("rft.issn=0028-0836&rft.date=2005")
    result = resolver.resolve(c2005, "NJU", debug=True)
    assert "print" not in result.types()
    assert any(e["type"] == "print" for e in result.excluded)
    delivery = next(o for o in result.options if o.type == "delivery")
    assert delivery.suppliers[0]["code"] == "WHU" and delivery.suppliers[0]["certain"]
    # SCU holds it with unknown extent: a supplier, but not a certain one
    assert any(s["code"] == "SCU" and not s["certain"] for s in delivery.suppliers)

    # reloading replaces, it does not add
    kb.holdings_from_catalog(tmp_path / "records.sqlite")
    assert len(kb.holdings("NJU")) == 1


def test_print_holdings_from_real_marc_serials(shared_data, tmp_path: Path):
    """Real serial records with 022 and 866 (solrmarc's UVA sample) through the project's own mapper
    and record store, then `holdings_from_catalog`."""
    import pymarc

    from harvesters.errors import HarvestError

    mapper = MarcMapper()
    store = RecordStore(tmp_path / "records.sqlite")
    store.begin()
    serials_with_866 = 0
    with open(shared_data / "marc21" / "solrmarc" / "uva_001_2000.mrc", "rb") as fh:
        for record in pymarc.MARCReader(fh, to_unicode=True, force_utf8=True, utf8_handling="replace"):
            if record is None:
                continue
            try:
                doc = mapper.map(record, "marc21", "PKU")
            except HarvestError:
                continue
            if doc.get("deleted"):
                continue
            if doc.get("type") == "serial" and doc.get("issn") and any(h.get("summary") for h in doc["holdings"]):
                serials_with_866 += 1
            store.upsert("PKU", doc["control_number"], doc, merge_keys(doc), raw=None, origin="uva", gen=1)
    store.commit()
    store.close()
    assert serials_with_866 > 5

    kb = make_kb(tmp_path)
    report = kb.holdings_from_catalog(tmp_path / "records.sqlite")
    assert report.details["serial_records"] >= serials_with_866
    held = kb.holdings("PKU")
    with_runs = [h for h in held if h["runs"]]
    assert len(with_runs) >= serials_with_866 * 0.8
    index = kb.index
    for h in with_runs[:20]:
        gid = index.ident[h["issns"][0]]
        assert index.own_print_runs(gid, "PKU")
