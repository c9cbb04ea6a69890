"""Availability of a whole result page in one pass, the search-API enricher, and the scopes provider."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from linkresolver.availability import enricher, menu_link, summarize
from linkresolver.openurl import parse_query
from linkresolver.wiring import knowledge_base, scopes_provider
from lr_support import kbart, kbart_row, make_kb, make_resolver, registry
from yidu.config import Settings
from yidu.services import Services

DAY = date(2026, 11, 22)
REG = registry()
SUPPLIERS = frozenset(REG.suppliers())


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    kb = make_kb(tmp_path_factory.mktemp("avail"))
    kb.load_kbart(kbart(
        kbart_row("Journal of Alpha Studies", "0044-3328", "1434-6001", "1990", "1", "", "", "", "",
                  "https://alpha.example/jas", "P1Y"),
        kbart_row("Fluorination", "978-981-10-3895-2", "978-981-10-3896-9", url="https://e.example/f",
                  pubtype="monograph"),
    ), "alpha")
    kb.subscribe("PKU", "alpha")
    kb.subscribe("FDU", "alpha")
    kb.load_holdings(b"issn,title,start_year,end_year\n0028-0836,Bulletin of Beta,1980,1999\n", "THU")
    kb.load_holdings(b"issn,title,start_year\n0028-0836,Bulletin of Beta,1995\n", "NJU")
    return kb


ARTICLE_IN = {"collection": "articles", "title": "A", "issn_l": "0044-3328", "year": 2020, "volume": "31"}
ARTICLE_EMBARGO = {"collection": "articles", "title": "B", "issn": ["1434-6001"], "year": 2026}  # inside P1Y for everyone: nobody can supply it
ARTICLE_PRINT = {"collection": "articles", "title": "C", "issn_l": "0028-0836", "year": 1990}
ARTICLE_UNKNOWN = {"collection": "articles", "title": "D", "issn_l": "1050-124X", "year": 2001}
BOOK_HERE = {"type": "book", "title": "E", "isbn": ["9787301000007"], "holding_libraries": ["PKU", "NJU"]}
BOOK_ELSEWHERE = {"type": "book", "title": "F", "isbn": ["9787301000007"], "holding_libraries": ["NJU"]}
BOOK_NOBODY = {"type": "book", "title": "G", "isbn": [], "holding_libraries": ["BNU"]}  # BNU does not supply
EBOOK_PACKAGE = {"type": "book", "title": "Fluorination", "isbn": ["9789811038969"], "holding_libraries": []}
SERIAL = {"type": "serial", "title": "Journal of Alpha Studies", "issn": ["0044-3328"], "holding_libraries": []}
PAGE = [ARTICLE_IN, ARTICLE_EMBARGO, ARTICLE_PRINT, ARTICLE_UNKNOWN, BOOK_HERE, BOOK_ELSEWHERE, BOOK_NOBODY,
        EBOOK_PACKAGE, SERIAL]


def test_summaries_for_a_subscriber(kb):
    assert summarize(kb, PAGE, "PKU", today=DAY, suppliers=SUPPLIERS) == [
        "fulltext", "none", "request", "none", "print", "request", "none", "fulltext", "fulltext"]


def test_summaries_for_a_print_holder(kb):
    assert summarize(kb, PAGE, "THU", today=DAY, suppliers=SUPPLIERS) == [
        "request", "none", "print", "none", "request", "request", "none", "request", "request"]


def test_without_a_library_only_what_others_hold_counts(kb):
    statuses = summarize(kb, PAGE, None, today=DAY, suppliers=SUPPLIERS)
    assert "fulltext" not in statuses and "print" not in statuses


def test_the_summary_agrees_with_the_full_resolver(kb):
    resolver = make_resolver(kb, DAY)
    for hit in (ARTICLE_IN, ARTICLE_EMBARGO, ARTICLE_PRINT):
        for library in ("PKU", "THU", "NJU"):
            status = summarize(kb, [hit], library, today=DAY, suppliers=SUPPLIERS)[0]
            link = menu_link(hit, library)
            query = urlsplit(link).query
            params = dict(parse_qsl(query))
            result = resolver.resolve(parse_query(query), params.get("library"))
            types = result.types()
            expected = ("fulltext" if "fulltext" in types else "print" if "print" in types else
                        "request" if any(o.type == "delivery" and any(s["channel"] == "member" for s in o.suppliers)
                                         for o in result.options) else "none")
            assert status == expected, (hit["title"], library, types)


def test_menu_links_rebuild_the_citation(kb):
    link = menu_link(ARTICLE_IN, "PKU")
    assert link.startswith("/openurl?")
    c = parse_query(urlsplit(link).query)
    assert (c.issns, c.date.year, c.volume, c.kind) == (["0044-3328"], 2020, "31", "article")
    assert dict(parse_qsl(urlsplit(link).query))["library"] == "PKU"
    book = parse_query(urlsplit(menu_link(BOOK_HERE, None)).query)
    assert (book.family, book.isbns) == ("book", ["9787301000007"])


async def test_the_enricher_sets_availability_on_every_hit(kb):
    hits = [dict(h) for h in PAGE]
    enrich = enricher(kb, registry=REG, clock=lambda: DAY)
    await enrich(hits, {"library": "PKU"})
    assert [h["availability"]["status"] for h in hits] == summarize(kb, PAGE, "PKU", today=DAY, suppliers=SUPPLIERS)
    first = hits[0]["availability"]
    assert first["label_zh"] and first["label_en"] and first["link"].startswith("/openurl?")

    class Context:  # the search API's EnrichContext: .library, .lang, .registry
        library = "THU"
        lang = "en"
        registry = REG

    await enricher(kb, clock=lambda: DAY, menu_base="https://yidu.example/")(hits, Context())
    third = hits[2]["availability"]
    assert third["status"] == "print" and third["label"] == third["label_en"]
    assert third["url"].startswith("https://yidu.example/openurl?") and third["url"].endswith("&library=THU")


def test_scopes_provider(tmp_path: Path):
    services = Services(Settings(state_dir=tmp_path / "state"), progress=False)
    kb = knowledge_base(services)
    kb.load_kbart(kbart(kbart_row("Alpha", "0044-3328", "1434-6001", "1990"),
                        kbart_row("Abstracts only", "0031-9007", "", "1990", depth="abstracts")), "alpha")
    kb.subscribe("PKU", "alpha")
    kb.subscribe("THU", "alpha", until="2020-12-31")
    kb.load_holdings(b"issn,eissn,title,start_year\n0028-0836,1476-4687,Beta,1990\n", "NJU")
    scopes = scopes_provider(services, today=DAY)
    assert scopes == {"PKU": {"0044-3328"}, "NJU": {"0028-0836"}}
    assert scopes_provider(services, today=date(2020, 6, 1))["THU"] == {"0044-3328"}
