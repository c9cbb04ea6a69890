"""Resolution: full text in and out of coverage and embargo, print, ranked suppliers with the subsidy
for the date, books with catalogue copies and e-books, pay-per-view, and the librarian."""
from __future__ import annotations

from datetime import date

import pytest
from pymarc import Field, Record, Subfield

from harvesters.marc.mapper import MarcMapper
from indexer.store import RecordStore
from indexer.union import merge_keys
from linkresolver.catalog import CatalogCopies
from linkresolver.openurl import parse_query
from linkresolver.suppliers import SupplierDirectory, SupplierStats
from lr_support import kbart, kbart_row, make_kb, make_resolver, registry
from yidu.libraries import RegistryError

DAY = date(2026, 11, 22)
REG = registry()

ALPHA = kbart(
    kbart_row("Journal of Alpha Studies", "0044-3328", "1434-6001", "1950", "1", "", "1979", "30", "",
              "https://alpha.example/jas"),
    kbart_row("Journal of Alpha Studies", "0044-3328", "1434-6001", "1990", "41", "", "", "", "",
              "https://alpha.example/jas", "P1Y", publisher="Elsevier"),
    kbart_row("Bulletin of Beta", "0028-0836", "", "1995-06", "12", "3", "2001", "18", "", "https://alpha.example/bb"),
    kbart_row("Open Gamma", "0002-936X", "", "2000", "1", "", "", "", "", "https://alpha.example/og", access="F"),
    kbart_row("Delta Abstracts", "0031-9007", "", "1990", depth="abstracts"),
)
BETA = kbart(
    kbart_row("J. Alpha Stud.", "0044-3328", "", "1980", "31", "", "1989", "40", "", "https://beta.example/jas"),
)
EBOOKS = kbart(
    kbart_row("Fluorination", "978-981-10-3895-2", "978-981-10-3896-9", url="https://ebooks.example/fluor",
              pubtype="monograph"),
)
PRINT_NJU = b"issn,title,start_year,start_volume,end_year,end_volume\n0044-3328,J Alpha,1950,1,2026,,\n"
PRINT_WHU = b"issn,title,start_year,end_year\n0044-3328,J Alpha,1960,\n0028-0836,Beta,1990,2010\n"
PRINT_BNU = b"issn,title,start_year\n0044-3328,J Alpha,1950\n"  # BNU holds it but is not a supplier
PRINT_PKU = b"issn,title,start_year,end_year,control_number\n0028-0836,Bulletin of Beta,1980,1999,bb-77\n"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    kb = make_kb(tmp_path_factory.mktemp("kb"))
    kb.load_kbart(ALPHA, "alpha")
    kb.load_kbart(BETA, "beta")
    kb.load_kbart(EBOOKS, "ebooks")
    kb.subscribe("PKU", "alpha", start="2010-01-01")
    kb.subscribe("THU", "alpha", until="2014-12-31")
    kb.subscribe("FDU", "beta")
    kb.subscribe("SJTU", "alpha", start="2030-01-01")
    kb.subscribe("ZJU", "ebooks")
    for data, code in ((PRINT_NJU, "NJU"), (PRINT_WHU, "WHU"), (PRINT_BNU, "BNU"), (PRINT_PKU, "PKU")):
        kb.load_holdings(data, code)
    return kb


@pytest.fixture(scope="module")
def resolver(kb):
    return make_resolver(kb, DAY)


def resolve(resolver, query, library=None, **kw):
    return resolver.resolve(parse_query(query), library, debug=True, **kw)


def option(result, type_):
    found = [o for o in result.options if o.type == type_]
    return found[0] if found else None


def reasons(result, type_="fulltext"):
    return " | ".join(e["reason"] for e in result.excluded if e["type"] == type_)


# --- full text ----------------------------------------------------------------------------------------------

def test_subscriber_gets_full_text_after_the_embargo(resolver):
    result = resolve(resolver, "rft.issn=0044-3328&rft.date=2020&rft.volume=71&rft_id=info:doi/10.1016/j.jas.2020.1",
                     "PKU")
    full = option(result, "fulltext")
    assert full.certain and full.package == "alpha"
    assert full.link == "https://doi.org/10.1016/j.jas.2020.1"
    assert "P1Y" in full.reason
    assert result.types()[0] == "fulltext" and result.types()[-1] == "librarian"
    assert "delivery" not in result.types() and "ppv" not in result.types()


def test_inside_the_embargo_there_is_no_full_text_and_debug_says_why(resolver):
    result = resolve(resolver, "rft.issn=0044-3328&rft.date=2026-03&rft.atitle=New&rft_id=info:doi/10.1016/n.1",
                     "PKU")
    assert option(result, "fulltext") is None
    assert "embargo P1Y" in reasons(result)
    assert option(result, "delivery") is not None and option(result, "ppv") is not None


def test_a_year_only_citation_straddling_the_embargo_is_not_offered(resolver):
    # P1Y on 2026-11-22: 2025 is available, 2026 is not
    assert option(resolve(resolver, "rft.issn=0044-3328&rft.date=2025", "PKU"), "fulltext").certain
    assert option(resolve(resolver, "rft.issn=0044-3328&rft.date=2026", "PKU"), "fulltext") is None


def test_a_library_without_the_package(resolver):
    result = resolve(resolver, "rft.issn=0044-3328&rft.date=2020", "NKU")
    assert option(result, "fulltext") is None
    assert "NKU does not subscribe to alpha" in reasons(result)


def test_expired_and_not_yet_started_subscriptions(resolver):
    assert "expired 2014-12-31" in reasons(resolve(resolver, "rft.issn=0044-3328&rft.date=2010", "THU"))
    assert "starts 2030-01-01" in reasons(resolve(resolver, "rft.issn=0044-3328&rft.date=2010", "SJTU"))


def test_the_same_date_is_full_text_when_the_subscription_was_in_force(kb):
    then = make_resolver(kb, date(2014, 6, 1))
    assert option(resolve(then, "rft.issn=0044-3328&rft.date=2010", "THU"), "fulltext").certain


def test_several_ranges_and_packages(resolver):
    # 1985 falls in the gap of alpha (1950-1979, 1990-) and inside beta (1980-1989)
    pku = resolve(resolver, "rft.issn=1434-6001&rft.date=1985", "PKU")
    assert option(pku, "fulltext") is None
    assert "coverage ended 1979" in reasons(pku) and "coverage starts 1990" in reasons(pku)
    fdu = resolve(resolver, "rft.eissn=1434-6001&rft.date=1985", "FDU")
    assert option(fdu, "fulltext").package == "beta"  # the eISSN joins the print ISSN of beta's row


def test_a_straddled_start_is_offered_as_uncertain_and_volume_settles_it(resolver):
    maybe = option(resolve(resolver, "rft.issn=0028-0836&rft.date=1995", "PKU"), "fulltext")
    assert maybe is not None and not maybe.certain and "may fall before" in maybe.reason
    assert option(resolve(resolver, "rft.issn=0028-0836&rft.date=1995&rft.volume=12&rft.issue=5", "PKU"),
                  "fulltext").certain
    assert option(resolve(resolver, "rft.issn=0028-0836&rft.date=1995&rft.volume=12&rft.issue=1", "PKU"),
                  "fulltext") is None


def test_free_titles_are_full_text_for_everyone(resolver):
    result = resolve(resolver, "issn=0002936x&date=2010")
    assert option(result, "fulltext").link == "https://alpha.example/og"
    assert "freely available" in option(result, "fulltext").reason


def test_abstracts_only_coverage_is_not_full_text(resolver):
    result = resolve(resolver, "rft.issn=0031-9007&rft.date=2000", "PKU")
    assert option(result, "fulltext") is None and "abstracts" in reasons(result)


def test_journal_level_citation_links_the_title(resolver):
    full = option(resolve(resolver, "rft.jtitle=Journal+of+Alpha+Studies", "PKU"), "fulltext")
    assert full.link == "https://alpha.example/jas"


# --- identifiers and titles ------------------------------------------------------------------------------------

def test_title_only_citation(resolver):
    result = resolve(resolver, "rft.jtitle=The+Journal+of+Alpha+Studies&rft.date=2000", "PKU")
    assert result.match.how == "title" and option(result, "fulltext") is not None


def test_when_identifiers_disagree_the_title_decides(resolver):
    result = resolve(resolver, "rft.issn=0044-3328&rft.eissn=0028-0836&rft.jtitle=Bulletin+of+Beta&rft.date=1999",
                     "PKU")
    assert result.match.how == "issn+title"
    assert [j["title"] for j in result.journals] == ["Bulletin of Beta"]
    assert option(result, "fulltext").package == "alpha" and "bb" in option(result, "fulltext").link


def test_a_wrong_issn_with_a_known_title_is_corrected_by_the_title(resolver):
    result = resolve(resolver, "rft.issn=0002-936X&rft.jtitle=Bulletin+of+Beta&rft.date=1999", "PKU")
    assert result.match.how == "title" and result.match.note


def test_unknown_library_is_an_error(resolver):
    with pytest.raises(RegistryError):
        resolve(resolver, "rft.issn=0044-3328", "NOPE")


# --- print --------------------------------------------------------------------------------------------------------

def test_own_print_copy_with_the_opac_link(resolver):
    result = resolve(resolver, "rft.issn=0028-0836&rft.date=1990", "PKU")
    printed = option(result, "print")
    assert printed.certain and "1980" in printed.reason
    expected = REG.get("PKU").shelf_status_url(control_number="bb-77", title="Bulletin of Beta")
    assert printed.link == expected
    assert option(resolve(resolver, "rft.issn=0028-0836&rft.date=2005", "PKU"), "print") is None


# --- delivery: ranked suppliers and the subsidy ------------------------------------------------------------------

def test_delivery_lists_supplier_members_that_hold_it(resolver):
    result = resolve(resolver, "rft.issn=0044-3328&rft.date=1970", "XJU")
    delivery = option(result, "delivery")
    codes = [s["code"] for s in delivery.suppliers]
    assert set(codes) >= {"NJU", "WHU", "PKU"}  # print holders and the subscriber
    assert "BNU" not in codes and "XJU" not in codes  # BNU does not supply; the reader is not its own supplier
    assert "BNU holds it but does not supply" in reasons(result, "delivery")
    assert all(s["certain"] for s in delivery.suppliers)
    assert delivery.cost.reader_pays == 0.0 and delivery.cost.policy == "calis-2015"  # Xinjiang: 100 %


def test_suppliers_are_ranked_by_the_configured_policy(kb):
    stats = [SupplierStats("NJU", delivery_price=30, response_hours=10, fill_rate=0.95),
             SupplierStats("WHU", delivery_price=8, response_hours=70, fill_rate=0.75),
             SupplierStats("PKU", delivery_price=15, response_hours=30, fill_rate=0.85)]
    firsts = {}
    for name in ("cheapest", "fastest", "best_fill"):
        r = make_resolver(kb, DAY, suppliers=SupplierDirectory(stats), config=_config(name))
        firsts[name] = option(resolve(r, "rft.issn=0044-3328&rft.date=1970", "SCU"), "delivery").suppliers[0]["code"]
    assert firsts == {"cheapest": "WHU", "fastest": "NJU", "best_fill": "NJU"}
    local = make_resolver(kb, DAY, suppliers=SupplierDirectory(stats), config=_config("local_first"))
    assert option(resolve(local, "rft.issn=0044-3328&rft.date=1970", "HUST"), "delivery").suppliers[0]["code"] == "WHU"


def _config(policy):
    from linkresolver.config import ResolverConfig
    return ResolverConfig(ranking_policy=policy)


@pytest.mark.parametrize("library, day, share, policy", [
    ("PKU-HSC", date(2013, 6, 1), 0.50, "calis-2013"),   # east
    ("SCU", date(2013, 6, 1), 0.75, "calis-2013"),       # west
    ("XJU", date(2013, 6, 1), 1.00, "calis-2013"),       # Xinjiang
    ("XZU", date(2013, 6, 1), 1.00, "calis-2013"),       # Tibet
    ("PKU-HSC", date(2016, 6, 1), 0.00, "calis-2015"),
    ("SCU", date(2016, 6, 1), 0.50, "calis-2015"),
    ("XZU", date(2016, 6, 1), 1.00, "calis-2015"),
])
def test_reader_cost_follows_the_policy_in_force_on_the_request_date(kb, library, day, share, policy):
    r = make_resolver(kb, day, suppliers=SupplierDirectory([SupplierStats("NJU", delivery_price=60)]),
                      config=_config("cheapest"))
    delivery = option(resolve(r, "rft.issn=0028-0836&rft.date=1999", library), "delivery")
    top = delivery.suppliers[0]
    price = top["price"]
    expected = min(round(price * share, 2), 100.0) if policy == "calis-2015" else round(price * share, 2)
    assert (delivery.cost.policy, delivery.cost.subsidy) == (policy, expected)
    assert delivery.cost.reader_pays == round(price - expected, 2)
    assert {s["cost"]["policy"] for s in delivery.suppliers} == {policy}


def test_the_100_yuan_cap_for_an_expensive_loan(kb):
    pricey = SupplierDirectory([SupplierStats("WHU", delivery_price=260)], SupplierStats("", delivery_price=260))
    r = make_resolver(kb, DAY, suppliers=pricey)
    delivery = option(resolve(r, "rft.issn=0028-0836&rft.date=1999", "XJU"), "delivery")
    assert (delivery.cost.price, delivery.cost.subsidy, delivery.cost.reader_pays) == (260.0, 100.0, 160.0)
    then = make_resolver(kb, date(2014, 1, 1), suppliers=pricey)
    delivery = option(resolve(then, "rft.issn=0028-0836&rft.date=1999", "XJU"), "delivery")
    assert (delivery.cost.subsidy, delivery.cost.reader_pays) == (260.0, 0.0)


def test_partners_are_the_fallback_when_no_member_holds_it(resolver):
    result = resolve(resolver, "rft.issn=1050-124X&rft.jtitle=Nowhere+Journal&rft.date=2001&rft.atitle=x", "PKU")
    delivery = option(result, "delivery")
    assert delivery is not None and all(s["channel"] == "partner" for s in delivery.suppliers)
    assert "no other member library can supply it" in delivery.reason


# --- pay per view and the librarian ----------------------------------------------------------------------------

def test_pay_per_view_from_the_publisher_table(resolver):
    result = resolve(resolver, "rft.issn=0044-3328&rft.date=2026&rft.atitle=New&rft_id=info:doi/10.1016/x.1", "NKU")
    ppv = option(result, "ppv")
    assert ppv.link == "https://doi.org/10.1016/x.1" and ppv.cost.price > 0 and ppv.cost.subsidy == 0
    assert "Elsevier" in ppv.reason


def test_librarian_is_always_there_and_last(resolver):
    for query, lib in (("rft.issn=0044-3328&rft.date=2020", "PKU"), ("rft.jtitle=Unheard+Of", None),
                       ("isbn=9780000000002", "THU")):
        result = resolve(resolver, query, lib)
        assert result.types()[-1] == "librarian"
        assert result.types().count("librarian") == 1


def test_options_come_in_order_of_preference(resolver):
    order = ["fulltext", "print", "delivery", "ill", "ppv", "ebook", "librarian"]
    for query, lib in (("rft.issn=0028-0836&rft.date=1995&rft.atitle=a", "PKU"),
                       ("rft.issn=0044-3328&rft.date=2026-06&rft.atitle=a&rft_id=info:doi/10.1016/q", "NJU")):
        types = resolve(resolver, query, lib).types()
        assert types == sorted(types, key=order.index)


# --- books ----------------------------------------------------------------------------------------------------------

def _book(control, isbn, title, ebook=False):
    r = Record(leader="00000cam a2200000 a 4500")
    r.add_field(Field(tag="001", data=control))
    r.add_field(Field(tag="020", indicators=[" ", " "], subfields=[Subfield("a", isbn)]))
    r.add_field(Field(tag="245", indicators=["0", "0"], subfields=[Subfield("a", title)] +
                      ([Subfield("h", "[electronic resource]")] if ebook else [])))
    r.add_field(Field(tag="852", indicators=[" ", " "], subfields=[Subfield("b", "Stacks"), Subfield("h", "QD181.F1")]))
    return r


@pytest.fixture(scope="module")
def book_resolver(kb, tmp_path_factory):
    path = tmp_path_factory.mktemp("records") / "records.sqlite"
    store = RecordStore(path)
    mapper = MarcMapper()
    store.begin()
    for library, record in (("PKU", _book("b1", "9787301000007", "A Chinese Book")),
                            ("NJU", _book("b2", "9787301000007", "A Chinese Book")),
                            ("BNU", _book("b3", "9787301000007", "A Chinese Book")),
                            ("WHU", _book("b4", "9789811038969", "Fluorination", ebook=True))):
        doc = mapper.map(record, "marc21", library)
        store.upsert(library, doc["control_number"], doc, merge_keys(doc), raw=None, origin="t", gen=1)
    store.commit()
    store.close()
    return make_resolver(kb, DAY, catalog=CatalogCopies(path, REG.__contains__))


def test_book_in_own_library_and_on_loan_from_others(book_resolver):
    own = resolve(book_resolver, "rft_val_fmt=info:ofi/fmt:kev:mtx:book&rft.btitle=A+Chinese+Book&rft.isbn=7-301-00000-6",
                  "PKU")
    printed = option(own, "print")
    assert printed.link == REG.get("PKU").shelf_status_url(control_number="b1", isbn="9787301000007",
                                                            title="A Chinese Book")
    assert "QD181.F1" in printed.reason
    other = resolve(book_resolver, "genre=book&isbn=9787301000007&title=A+Chinese+Book", "XJU")
    ill = option(other, "ill")
    codes = [s["code"] for s in ill.suppliers]
    assert "NJU" in codes and "PKU" in codes and "BNU" not in codes
    assert ill.cost.policy == "calis-2015" and ill.cost.reader_pays == max(0.0, ill.cost.price - 100.0)


def test_ebook_held_by_members(book_resolver):
    result = resolve(book_resolver, "genre=book&isbn=978-981-10-3896-9", "XJU")
    ebook = option(result, "ebook")
    assert {l["code"] for l in ebook.libraries} == {"ZJU", "WHU"}
    assert option(result, "fulltext") is None
    mine = resolve(book_resolver, "genre=book&isbn=978-981-10-3896-9", "ZJU")
    assert option(mine, "fulltext").link == "https://ebooks.example/fluor" and option(mine, "ebook") is None


def test_chapter_is_document_delivery_not_a_loan(book_resolver):
    result = resolve(book_resolver, "rft.genre=bookitem&rft.atitle=Ch.+2&rft.btitle=A+Chinese+Book"
                                    "&rft.isbn=9787301000007", "XJU")
    assert "delivery" in result.types() and "ill" not in result.types()


def test_resolution_to_dict_is_serialisable(resolver):
    import orjson

    data = resolve(resolver, "rft.issn=0044-3328&rft.date=1970&rft.atitle=x", "XJU").to_dict()
    text = orjson.dumps(data)
    assert b"options" in text and data["library"]["code"] == "XJU" and data["debug"]["excluded"] is not None
    assert all(o["reason"] for o in data["options"])
