"""Journal scopes on the real node: a library holding a journal through a MARC serial record loaded with
the catalogue pipeline makes that journal's articles match the terms-lookup filter of its scopes, and
not those of scopes without a holder; providers are pluggable; rebuilds write only what changed."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pymarc import Field, Leader, MARCWriter, Record, Subfield

from indexer.articles import ArticleLoader
from indexer.journal_scopes import (COLLECTION, PROVIDERS, catalog_serials, rebuild_journal_scopes, register_provider,
                                    scope_filter)
from yidu.cli import main
from yidu.libraries import Registry, shipped_registry
from yidu.scopes import all_scope_keys, scope_key
from yidu.services import Services

pytestmark = pytest.mark.es

FEEDS = Path(__file__).resolve().parent.parent / "harvesters" / "fixtures" / "feeds"
PAIR_ISSN_L = "0022-202X"  # the journal of crossref_pair.json / jats_pair.xml
PAIR_E_ISSN = "1523-1747"


def serial(control: str, title: str, issn: str, *holders: str) -> Record:
    """A MARC 21 serial (leader/07 's') with an 022 ISSN and one 852 per holding institution."""
    r = Record(force_utf8=True)
    r.leader = Leader("00000nas a2200000 a 4500")
    r.add_field(Field(tag="001", data=control))
    r.add_field(Field(tag="008", data="200101c19709999xxumr p       0   a0eng d"))
    r.add_field(Field(tag="022", indicators=[" ", " "], subfields=[Subfield("a", issn)]))
    r.add_field(Field(tag="245", indicators=["0", "0"], subfields=[Subfield("a", title)]))
    for holder in holders:
        r.add_field(Field(tag="852", indicators=[" ", " "], subfields=[Subfield("a", holder), Subfield("h", "P1")]))
    return r


def marc_file(tmp_path: Path, name: str, *records: Record) -> Path:
    out = io.BytesIO()
    writer = MARCWriter(out)
    for r in records:
        writer.write(r)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def registry():
    return shipped_registry()


@pytest.fixture
def services(settings, es_client, registry, clean_indices):
    s = Services(settings, client=es_client, registry=registry, progress=False)
    yield s
    s.close()


@pytest.fixture
def catalog(services):
    return services.catalog


@pytest.fixture
def pair_loaded(settings, es_client, clean_indices):
    loader = ArticleLoader(settings, es_client)
    try:
        loader.load([FEEDS / "crossref_pair.json", FEEDS / "jats_chinese.xml"])
    finally:
        loader.close()


def scoped(es_client, settings, key):
    """DOIs of the articles the scope filter of `key` lets through."""
    clause = scope_filter(settings, key)
    hits = es_client.search(index=settings.index.alias("articles"), query={"bool": {"filter": [clause]}})
    return sorted(h["_source"]["doi"] for h in hits["hits"]["hits"])


def test_a_serial_record_puts_its_journal_s_articles_in_the_library_s_scopes(
        services, catalog, pair_loaded, es_client, settings, registry, tmp_path):
    # PKU catalogues the electronic ISSN; the ISSN-L table learned from the feed maps it to the print one.
    load = catalog.load([marc_file(tmp_path, "pku.mrc", serial("s1", "Journal of Investigative Dermatology",
                                                               PAIR_E_ISSN, "PKU"))], library="PKU")
    assert load.indexed == 1 and load.rejected == 0
    report = rebuild_journal_scopes(services)
    assert report.libraries == 1 and report.holdings == 1 and report.providers == {"catalog_serials": 1, "knowledge_base": 0}
    assert report.scopes == len(all_scope_keys(registry)) == report.written
    pair = ["10.5555/yidu.pair.0001"]
    for level in ("library", "city", "province", "domain"):
        assert scoped(es_client, settings, scope_key(registry, level, "PKU")) == pair, level
    assert scoped(es_client, settings, "library:THU") == []  # same city, does not hold it
    assert scoped(es_client, settings, scope_key(registry, "city", "THU")) == pair  # but its city does
    assert scoped(es_client, settings, scope_key(registry, "province", "FDU")) == []
    assert scope_filter(settings, None) is None  # the nation: no filter
    doc = es_client.get(index=settings.index.alias(COLLECTION), id="library:PKU")["_source"]
    assert doc == doc | {"issn_l": [PAIR_ISSN_L], "libraries": ["PKU"], "level": "library", "count": 1}
    journal = es_client.get(index=settings.index.alias("journals"), id=PAIR_ISSN_L)["_source"]
    assert journal["holding_libraries"] == ["PKU"] and journal["holding_count"] == 1


def test_holdings_naming_another_member_count_for_it_and_removal_takes_them_away(
        services, catalog, pair_loaded, es_client, settings, tmp_path):
    records = [serial("s2", "Journal of Investigative Dermatology", "0022-202x", "THU", "NOT-A-MEMBER")]
    catalog.load([marc_file(tmp_path, "pku.mrc", *records)], library="PKU")
    rebuild_journal_scopes(services)
    assert scoped(es_client, settings, "library:THU") == ["10.5555/yidu.pair.0001"]
    assert scoped(es_client, settings, "library:PKU") == ["10.5555/yidu.pair.0001"]  # the unknown holder's
    catalog.remove_library("PKU")
    report = rebuild_journal_scopes(services)
    assert report.holdings == 0 and report.journals_updated == 1
    assert scoped(es_client, settings, "library:THU") == [] and scoped(es_client, settings, "library:PKU") == []
    journal = es_client.get(index=settings.index.alias("journals"), id=PAIR_ISSN_L)["_source"]
    assert "holding_libraries" not in journal


def test_providers_are_pluggable_and_unknown_libraries_reported(services, pair_loaded, es_client, settings):
    def subscriptions(svc):
        return {"FDU": {"0376-2491", "1234-5679"}, "NOWHERE": {"0376-2491"}}

    report = rebuild_journal_scopes(services, [catalog_serials, subscriptions])
    assert report.providers == {"catalog_serials": 0, "subscriptions": 3}
    assert report.unknown_libraries == ["NOWHERE"] and report.holdings == 2
    assert scoped(es_client, settings, "library:FDU") == ["10.5555/yidu.zh.0001"]
    assert report.journals_updated == 1 and report.journals_created == 1  # 1234-5679 has no articles yet
    bare = es_client.get(index=settings.index.alias("journals"), id="1234-5679")["_source"]
    assert bare["holding_libraries"] == ["FDU"] and "title" not in bare
    register_provider(subscriptions)
    try:
        assert subscriptions in PROVIDERS
        again = rebuild_journal_scopes(services)
        assert (again.written, again.unchanged, again.journals_updated) == (0, again.scopes, 0)  # digests
    finally:
        PROVIDERS.remove(subscriptions)


def test_scopes_the_registry_no_longer_has_are_deleted(settings, es_client, services, registry):
    rebuild_journal_scopes(services)
    smaller = Registry([lib for lib in registry if lib.province == "11"], registry.provinces, registry.domain_info)
    narrow = Services(settings, client=es_client, registry=smaller, progress=False)
    report = rebuild_journal_scopes(narrow)
    assert report.deleted == len(all_scope_keys(registry)) - len(all_scope_keys(smaller)) > 0
    ids = {h["_id"] for h in es_client.search(index=settings.index.alias(COLLECTION), size=1000)["hits"]["hits"]}
    assert ids == set(all_scope_keys(smaller))


def test_the_rebuild_command(settings, es_client, clean_indices, monkeypatch, capsys):
    monkeypatch.setenv("YIDU_STATE_DIR", str(settings.state_dir))
    monkeypatch.setenv("YIDU_INDEX_PREFIX", settings.index.prefix)
    assert main(["articles", "scopes", "rebuild", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["scopes"] == report["written"] > 0 and report["holdings"] == 0
    assert main(["articles", "scopes", "rebuild"]) == 0
    assert f"{report['scopes']} unchanged" in capsys.readouterr().out
