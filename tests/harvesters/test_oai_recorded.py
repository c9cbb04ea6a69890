"""Recorded reality: every OAI-PMH response in ../shared/data/oai, replayed by a real aiohttp server.

`RECORDED` below maps each recorded file to the group of tests that replays it and to what it proves; the
first test checks that the table names every XML file on disk (a new recording fails it until it is placed).
The one non-XML file there, theses-fr-elasticsearch-sample/theses-sample-data.json (theses.fr index hits), is
loaded by tests/indexer/test_theses_index.py.

Groups (each a parametrized test below, one case per file or chain):
- harvest_chain:        multi-page ListRecords harvests following recorded resumption tokens, end to end into
                        the theses index on the real node; counts, index content and dead letters checked.
- harvest_page:         single recorded ListRecords pages (or a first page whose recorded successor is the
                        same project's last page) harvested end to end; every record's fate is checked against
                        an oracle that reads dc:type / the metadata format itself.
- get_record:           GetRecord answers through OaiClient.get_record and the format mappers.
- error_code:           each OAI error answer as the answer to ListRecords: noRecordsMatch is an empty harvest,
                        everything else fails the run with an OaiError naming the source and the code.
- bad_resumption_token: each recorded badResumptionToken answer served once in place of page 2 of a chain:
                        the run starts the list again and ends with the same index content.
- broken_answer:        broken XML, HTML pages and non-OAI XML: retried, then reported (and a transient one
                        is survived).
- identify / formats / sets / identifiers: the other verbs through OaiClient.
"""
from __future__ import annotations

import base64
import re
from pathlib import Path

import orjson
import pytest
from lxml import etree

from harvesters.checkpoints import CheckpointStore
from harvesters.errors import OaiError
from harvesters.http import HttpClient
from harvesters.oai import protocol
from harvesters.oai.client import OaiClient
from harvesters.oai.harvester import OaiHarvester
from harvesters.oai.localrepo import Fault, RecordedRepository, RepositoryServer, Route
from harvesters.oai.records import Deleted, map_metadata
from harvesters.sources import Source
from indexer.theses import COLLECTION, thesis_id
from yidu.services import Services

pytestmark = [pytest.mark.shared_data]

Z = "oaipmh-scythe-zenodo/"
S = "scrapi-university-repositories/"
RECORDED: dict[str, tuple[str, str]] = {
    # sickle: a 4-page chain whose tokens are file names; deleted records; every error code
    "sickle/Identify.xml": ("identify", "day granularity, persistent deletions; Identify of the sickle chain"),
    "sickle/ListRecords.xml": ("harvest_chain", "page 1: a deletion and an article (rejected: not a thesis)"),
    "sickle/ListRecords2.xml": ("harvest_chain", "page 2 repeats page 1's records: the ledger makes them unchanged"),
    "sickle/ListRecords3.xml": ("harvest_chain", "page 3, same again"),
    "sickle/ListRecords4.xml": ("harvest_chain", "last page: a deleted header without identifier is rejected"),
    "sickle/ListRecordsBroken.xml": ("broken_answer", "a 10-byte non-XML answer"),
    "sickle/GetRecord.xml": ("get_record", "an article: not a thesis"),
    "sickle/GetRecord_utf8test.xml": ("get_record", "UTF-8 text survives; typed text, so a thesis"),
    "sickle/ListIdentifiers.xml": ("identifiers", "2-page ListIdentifiers chain with deletions, page 1"),
    "sickle/ListIdentifiers2.xml": ("identifiers", "page 2"),
    "sickle/ListMetadataFormats.xml": ("formats", "the formats a repository offers"),
    "sickle/ListSets.xml": ("sets", "131 sets in one answer"),
    "sickle/badArgument.xml": ("error_code", "badArgument fails the run"),
    "sickle/badResumptionToken.xml": ("bad_resumption_token", "an expired token restarts the list"),
    "sickle/cannotDisseminateFormat.xml": ("error_code", "cannotDisseminateFormat fails the run"),
    "sickle/idDoesNotExist.xml": ("error_code", "idDoesNotExist fails the run"),
    "sickle/noRecordsMatch.xml": ("error_code", "noRecordsMatch is an empty harvest"),
    "sickle/noSetHierarchy.xml": ("error_code", "noSetHierarchy fails the run"),
    "sickle/undefinedError.xml": ("error_code", "a code OAI-PMH does not define fails the run"),
    # oaipmh-scythe: Zenodo recorded in 2026 (422 for errors)
    Z + "identify__00.xml": ("broken_answer", "an HTML page where OAI-PMH was expected"),
    Z + "identify__01.xml": ("identify", "e-periodica: seconds granularity"),
    Z + "identify__02.xml": ("identify", "Zenodo: seconds granularity, no deletions kept"),
    Z + "get_record__00.xml": ("error_code", "badArgument with HTTP 422"),
    Z + "get_record__01.xml": ("get_record", "DataCite: unsupported format"),
    Z + "get_record__02.xml": ("get_record", "oai_dc typed 'other': kept as a thesis"),
    Z + "id_does_not_exist__00.xml": ("error_code", "idDoesNotExist with HTTP 422"),
    Z + "list_identifiers__00.xml": ("identifiers", "one page of 50 headers with a token"),
    Z + "list_identifiers__01.xml": ("identifiers", "a from/until window page"),
    Z + "list_identifiers__02.xml": ("error_code", "noRecordsMatch with HTTP 422: empty harvest"),
    Z + "list_identifiers__03.xml": ("error_code", "badArgument with HTTP 422"),
    Z + "list_identifiers__04.xml": ("identifiers", "DataCite headers"),
    Z + "list_identifiers__05.xml": ("identifiers", "3-page chain 05 -> 09 -> 08, page 1 (with a deletion)"),
    Z + "list_identifiers__06.xml": ("error_code", "noRecordsMatch for an unknown set"),
    Z + "list_identifiers__07.xml": ("identifiers", "a set's page"),
    Z + "list_identifiers__08.xml": ("identifiers", "chain 05 -> 09 -> 08, last page"),
    Z + "list_identifiers__09.xml": ("identifiers", "chain 05 -> 09 -> 08, page 2"),
    Z + "list_identifiers__10.xml": ("bad_resumption_token", "badResumptionToken with HTTP 422"),
    Z + "list_identifiers__11.xml": ("identifiers", "an until-only window page"),
    Z + "list_metadata_formats__00.xml": ("formats", "Zenodo's formats"),
    Z + "list_metadata_formats__01.xml": ("formats", "one item's formats"),
    Z + "list_metadata_formats__02.xml": ("error_code", "idDoesNotExist for ListMetadataFormats"),
    Z + "list_records__00.xml": ("harvest_page", "50 mixed records (composed with the recorded last page 08)"),
    Z + "list_records__01.xml": ("harvest_page", "a window page (composed with 08)"),
    Z + "list_records__02.xml": ("error_code", "noRecordsMatch for a future window"),
    Z + "list_records__03.xml": ("error_code", "badArgument for an unknown prefix"),
    Z + "list_records__04.xml": ("harvest_page", "DataCite records: unsupported format (composed with 08)"),
    Z + "list_records__05.xml": ("harvest_chain", "chain 05 -> 09 -> 08, page 1"),
    Z + "list_records__06.xml": ("error_code", "noRecordsMatch for an unknown set"),
    Z + "list_records__07.xml": ("harvest_page", "the software set (composed with 08)"),
    Z + "list_records__08.xml": ("harvest_chain", "chain 05 -> 09 -> 08, last page"),
    Z + "list_records__09.xml": ("harvest_chain", "chain 05 -> 09 -> 08, page 2, with a deletion"),
    Z + "list_records__10.xml": ("bad_resumption_token", "badResumptionToken with HTTP 422"),
    Z + "list_records__11.xml": ("harvest_page", "an until-only window (composed with 08)"),
    Z + "list_sets__00.xml": ("sets", "ListSets chain 00 -> 02, page 1"),
    Z + "list_sets__01.xml": ("bad_resumption_token", "badResumptionToken for ListSets"),
    Z + "list_sets__02.xml": ("sets", "ListSets chain, page 2"),
    # phpoaipmh
    "phpoaipmh/BadResponseInvalidRecord.xml": ("error_code", "idDoesNotExist from bepress"),
    "phpoaipmh/BadResponseNonExistentVerb.xml": ("error_code", "badVerb"),
    "phpoaipmh/GoodResponseFourPage_1.xml": ("identifiers", "4-page ListIdentifiers chain (733), page 1"),
    "phpoaipmh/GoodResponseFourPage_2.xml": ("identifiers", "page 2"),
    "phpoaipmh/GoodResponseFourPage_3.xml": ("identifiers", "page 3"),
    "phpoaipmh/GoodResponseFourPage_4.xml": ("identifiers", "page 4, empty token"),
    "phpoaipmh/GoodResponseIdentify.xml": ("identify", "seconds granularity; Identify of the Howard chain"),
    "phpoaipmh/GoodResponseSinglePage.xml": ("harvest_page", "162 nsdl_dc learning objects: not theses"),
    "phpoaipmh/GoodResponseSingleRecord.xml": ("get_record", "an nsdl_dc dataset: not a thesis"),
    "phpoaipmh/NamespacedSample.xml": ("harvest_page", "a printed serial (composed with GoodResponseSinglePage)"),
    # pyoai
    "pyoai/fake1/00000.xml": ("sets", "ListSets"),
    "pyoai/fake1/00001.xml": ("identify", "DSpace at Erasmus"),
    "pyoai/fake1/00002.xml": ("formats", "ListMetadataFormats"),
    "pyoai/fake1/00003.xml": ("identifiers", "16 headers, no token"),
    "pyoai/fake1/00004.xml": ("get_record", "a technical report: not a thesis"),
    "pyoai/fake1/00005.xml": ("harvest_page", "16 working papers, articles, reports"),
    "pyoai/fake1/00006.xml": ("broken_answer", "a bare oai_dc record, not an OAI-PMH envelope"),
    "pyoai/fake2/00000.xml": ("get_record", "a deleted record"),
    "pyoai/fake2/00001.xml": ("get_record", "a working paper: not a thesis"),
    "pyoai/fake2/00002.xml": ("harvest_page", "81 records with 20 theses and 2 deletions"),
    "pyoai/fake3/00001.xml": ("broken_answer", "tag mismatch"),
    "pyoai/fake4/00001.xml": ("broken_answer", "an undefined entity"),
    "pyoai/fake5/00001.xml": ("identify", "persistent deletions"),
    # invenio-oaiharvester
    "invenio-oaiharvester/sample_arxiv_response.xml": ("get_record", "arXiv format: unsupported"),
    "invenio-oaiharvester/sample_arxiv_response_listrecords_cs.xml": ("harvest_page", "46 arXiv records: unsupported"),
    "invenio-oaiharvester/sample_arxiv_response_listrecords_physics.xml": ("harvest_page", "150 arXiv records"),
    "invenio-oaiharvester/sample_arxiv_response_no_namespace.xml": ("get_record", "arXiv without namespace"),
    "invenio-oaiharvester/sample_arxiv_response_utf8.xml": ("get_record", "oai_dc with UTF-8: a thesis"),
    "invenio-oaiharvester/sample_arxiv_response_with_namespace.xml": ("get_record", "arXiv with namespace"),
    "invenio-oaiharvester/sample_empty_response.xml": ("error_code", "noRecordsMatch: empty harvest"),
    "invenio-oaiharvester/sample_inspire_response_listrecords.xml": ("harvest_page", "MARCXML without 245: no title"),
    "invenio-oaiharvester/sample_oai_dc_response.xml": ("get_record", "oai_dc typed text: a thesis"),
    # traject
    "traject/oai-pmh-one-record-first.xml": ("harvest_chain", "2-page chain of images, page 1"),
    "traject/oai-pmh-one-record-2.xml": ("harvest_chain", "page 2, empty token"),
    "traject/sample-oai-no-namespace.xml": ("harvest_page", "no namespaces at all (composed with one-record-2)"),
    "traject/sample-oai-pmh.xml": ("harvest_page", "the same with namespaces (composed with one-record-2)"),
    # vufindharvest
    "vufindharvest/arbitrary_error_response.xml": ("error_code", "error code 'foo'"),
    "vufindharvest/identify_response.xml": ("identify", "transient deletions"),
    "vufindharvest/list_records_response.xml": ("harvest_chain", "last page: a deletion and a <foo> record"),
    "vufindharvest/list_records_token_response.xml": ("harvest_chain", "token 'more' leads to the last page"),
    "vufindharvest/list_sets_response.xml": ("sets", "two sets"),
    "vufindharvest/marc.xml": ("harvest_page", "100 MARCXML catalogue records: not theses (composed)"),
    "vufindharvest/oai_doaj.xml": ("harvest_page", "100 DOAJ articles: unsupported format (composed)"),
    "vufindharvest/subjectsplus.xml": ("harvest_page", "an interactive resource: not a thesis"),
    "vufindharvest/token_error_response.xml": ("bad_resumption_token", "badResumptionToken"),
    # scrapi: real university repositories, mostly theses
    S + "calhoun/calhoun__00.xml": ("harvest_page", "NPS Calhoun: theses with advisors and departments"),
    S + "digitalhoward/digitalhoward__00.xml": ("harvest_chain", "Howard 2-page chain, page 1 (token with slashes)"),
    S + "digitalhoward/digitalhoward__01.xml": ("harvest_chain", "page 2, empty token"),
    S + "krex/krex__00.xml": ("harvest_page", "K-State: master's reports are theses by their degree"),
    S + "mit/mit__00.xml": ("harvest_page", "MIT: 50 journal articles, none a thesis"),
    S + "oaktrust/oaktrust__00.xml": ("harvest_page", "TAMU: theses and articles"),
    S + "texasstate/texasstate__00.xml": ("harvest_page", "two theses"),
    S + "ukansas/ukansas__00.xml": ("harvest_page", "KU: articles and reports"),
    S + "uky/uky__00.xml": ("harvest_page", "UKnowledge: typed text, kept"),
    S + "umontreal/umontreal__00.xml": ("harvest_page", "Montreal: French theses and journals"),
    S + "utaustin/utaustin__00.xml": ("harvest_page", "UT Austin: theses with DOIs"),
}


def group(name: str) -> list[str]:
    return sorted(f for f, (g, _) in RECORDED.items() if g == name)


@pytest.fixture(scope="module")
def oai_dir(shared_data) -> Path:
    return shared_data / "oai"


def test_the_table_accounts_for_every_recorded_file(oai_dir):
    on_disk = {str(p.relative_to(oai_dir)) for p in oai_dir.rglob("*.xml")}
    assert on_disk == set(RECORDED), {"missing from the table": on_disk - set(RECORDED),
                                      "not on disk": set(RECORDED) - on_disk}
    groups = {g for g, _ in RECORDED.values()}
    tested = {name[len("test_"):].split("_replays")[0] for name in globals() if name.startswith("test_")}
    assert groups <= tested, groups - tested


# --- helpers ---------------------------------------------------------------------------------------------
@pytest.fixture
def services(settings, es_client, clean_indices):
    s = Services(settings, client=es_client, progress=False)
    yield s
    s.close()


def fast_http() -> HttpClient:
    return HttpClient(timeout=10, retries=2, backoff=0.01, max_backoff=0.05)


def route(oai_dir: Path, name: str, status: int | None = None, **params) -> Route:
    recorded = status or (422 if name.startswith(Z) and _error_code(oai_dir / name) else 200)
    return Route(params, oai_dir / name, status=recorded)


def _error_code(path: Path) -> str | None:
    m = re.search(rb'<error code="([^"]*)"', path.read_bytes())
    return m.group(1).decode() if m else None


def _token(path: Path) -> str | None:
    m = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", path.read_bytes())
    return m.group(1).decode() if m else None


def chain_routes(oai_dir: Path, identify: str, pages: list[str]) -> list[Route]:
    """Identify, then the first page for ListRecords, then each page for the previous page's token."""
    routes = [route(oai_dir, identify, verb="Identify"), route(oai_dir, pages[0], verb="ListRecords",
                                                                   metadataPrefix="oai_dc")]
    for before, page in zip(pages, pages[1:]):
        routes.append(route(oai_dir, page, resumptionToken=_token(oai_dir / before)))
    return routes


async def harvest(services, name: str, routes: list[Route], *, faults=None, mode="full", **kw):
    repo = RecordedRepository(routes)
    server = await RepositoryServer(repo, faults=faults).start()
    store = CheckpointStore(services.settings.state_dir / "harvest.sqlite")
    try:
        source = Source(name=name, protocol="oai-pmh", url=server.url, library="XMU", prefix="oai_dc")
        harvester = OaiHarvester(services, source, store, http=fast_http(), bad_response_backoff=0.01, **kw)
        return await harvester.run(mode=mode), repo, store
    finally:
        await server.stop()


def indexed_ids(services, name: str) -> set[str]:
    client = services.client
    alias = services.settings.index.alias(COLLECTION)
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, query={"term": {"harvest_source": name}}, size=1000,
                         source=["oai_identifier"])["hits"]["hits"]
    return {h["_source"]["oai_identifier"] for h in hits}


def dead_letters(summary) -> list[dict]:
    if not summary.dead_letter:
        return []
    return [orjson.loads(line) for line in Path(summary.dead_letter).read_bytes().splitlines()]


# --- the oracle: what should become of each recorded record -------------------------------------------
NOT_THESIS_TYPES = {
    "article", "info:eu-repo/semantics/article", "doc-type:article", "image", "photographs", "working paper",
    "technical report", "report", "preprint", "book chapter", "book", "dataset", "interactive simulation",
    "instructional material", "learning object", "recording, oral", "presentation", "web page capture",
    "revue / journal", "printed serial", "publication en série imprimée", "interactiveresource",
    "info:eu-repo/semantics/conferencepaper", "info:eu-repo/semantics/conferenceproceedings",
    "info:eu-repo/semantics/book", "info:eu-repo/semantics/lecture", "info:eu-repo/semantics/preprint",
    "info:eu-repo/semantics/technicaldocumentation", "http://purl.org/eprint/type/journalarticle",
    "http://purl.org/eprint/type/conferencepaper", "article, scholarly/refereed, author accepted manuscript",
    "article, scholarly/refereed, publisher version", "version révisée par les pairs / postprint",
    "version révisée par les pairs / post-print", "10.1371/journal.pone.0142474",
}
GENERIC_TYPES = {"text", "texte", "other", "info:eu-repo/semantics/other", "graduate student work",
                 "travail aux cycles supérieurs / graduate student work"}


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def expected_fate(record) -> str:
    """'indexed', 'deleted' or 'rejected:<reason prefix>', read from the XML without the code under test."""
    header = next(c for c in record if _local(c) == "header")
    ident = next((c.text for c in header if _local(c) == "identifier" and c.text), None)
    if header.get("status") == "deleted":
        return "deleted" if ident else "rejected:header without an identifier"
    md = next((c for c in record if _local(c) == "metadata"), None)
    root = next((c for c in md if isinstance(c.tag, str)), None)
    ns = etree.QName(root).namespace or ""
    if _local(root) == "record":
        has_245 = any(c.get("tag") == "245" for c in root)
        return "rejected:not a thesis" if has_245 else "rejected:no title"
    if ns.startswith(("http://arxiv.org", "http://datacite.org", "http://doaj.org")) or _local(root) in ("arXiv", "foo"):
        return "rejected:unsupported metadata format"
    values = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el is not root:
            values.setdefault(_local(el), []).append(" ".join("".join(el.itertext()).split()))
    if not any(values.get("title", [])):
        return "rejected:no title"
    types = [t.lower() for t in values.get("type", [])]
    if any(re.search("thesis|thèse|dissertation|学位论文", t) for t in types):
        return "indexed"
    if any(d.startswith(("Master of", "Doctor of")) for d in values.get("description", [])):
        return "indexed"
    if types and all(t in NOT_THESIS_TYPES | GENERIC_TYPES for t in types) and not all(t in GENERIC_TYPES for t in types):
        return "rejected:not a thesis"
    return "indexed"


def expected(oai_dir: Path, pages: list[str]) -> dict[str, str]:
    """identifier -> fate over the pages in order (a later page's entry wins)."""
    fates: dict[str, str] = {}
    for page in pages:
        root = etree.fromstring((oai_dir / page).read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
        for n, record in enumerate(el for el in root.iter() if _local(el) == "record" and
                                   any(_local(c) == "header" for c in el)):
            header = next(c for c in record if _local(c) == "header")
            ident = next((c.text for c in header if _local(c) == "identifier" and c.text), None)
            fates[ident or f"{page}#{n}"] = expected_fate(record)
    return fates


def check_outcome(services, name: str, summary, fates: dict[str, str]) -> None:
    assert summary.balanced, summary
    should_be_indexed = {i for i, f in fates.items() if f == "indexed"}
    assert indexed_ids(services, name) == should_be_indexed
    assert summary.indexed >= len(should_be_indexed) and summary.deleted >= sum(f == "deleted" for f in fates.values())
    letters = dead_letters(summary)
    assert len(letters) == summary.rejected
    for letter in letters:
        ident = letter["control_number"] or next(i for i in fates if i.startswith(tuple(RECORDED)) and
                                                 fates[i].startswith("rejected:header"))
        want = fates[ident]
        assert want.startswith("rejected:"), (ident, letter["reason"])
        assert letter["reason"].startswith(want.split(":", 1)[1]), (ident, letter["reason"], want)
        assert letter["source"].startswith(name) and letter["position"].startswith("page ")
        assert b"<" in base64.b64decode(letter["raw_base64"])  # the record's XML, to fix and reload


# --- harvest_chain -----------------------------------------------------------------------------------------
CHAINS = {
    "sickle": ("sickle/Identify.xml", ["sickle/ListRecords.xml", "sickle/ListRecords2.xml",
                                       "sickle/ListRecords3.xml", "sickle/ListRecords4.xml"]),
    "howard": ("phpoaipmh/GoodResponseIdentify.xml", [S + "digitalhoward/digitalhoward__00.xml",
                                                      S + "digitalhoward/digitalhoward__01.xml"]),
    "zenodo": (Z + "identify__02.xml", [Z + "list_records__05.xml", Z + "list_records__09.xml",
                                       Z + "list_records__08.xml"]),
    "traject": ("sickle/Identify.xml", ["traject/oai-pmh-one-record-first.xml", "traject/oai-pmh-one-record-2.xml"]),
    "vufind": ("vufindharvest/identify_response.xml", ["vufindharvest/list_records_token_response.xml",
                                                       "vufindharvest/list_records_response.xml"]),
}


def test_harvest_chain_files_are_all_in_a_chain():
    in_chains = {p for _, pages in CHAINS.values() for p in pages}
    assert set(group("harvest_chain")) == in_chains


@pytest.mark.parametrize("chain", sorted(CHAINS))
async def test_harvest_chain_replays(services, oai_dir, chain):
    identify, pages = CHAINS[chain]
    summary, repo, store = await harvest(services, chain, chain_routes(oai_dir, identify, pages))
    assert repo.served == [Path(identify).name] + [Path(p).name for p in pages]  # every token followed, in order
    assert summary.pages == len(pages) and summary.harvested == sum(
        len(expected(oai_dir, [p])) for p in pages)
    check_outcome(services, chain, summary, expected(oai_dir, pages))
    run = store.runs(chain)[0]
    assert run.status == "done" and run.counts.harvested == summary.harvested


async def test_harvest_chain_replays_sickle_counts_replays_once(services, oai_dir):
    """The sickle pages repeat the same deletion and the same article: counted once, then unchanged."""
    summary, _, _ = await harvest(services, "sickle", chain_routes(oai_dir, *CHAINS["sickle"]))
    assert (summary.harvested, summary.deleted, summary.rejected, summary.unchanged, summary.indexed) == (8, 1, 2, 5, 0)
    assert any("header without an identifier" in e for e in summary.errors)


async def test_harvest_chain_replays_howard_incrementally_with_the_window(services, oai_dir):
    """An incremental window is sent with the granularity Identify announces (seconds, here)."""
    routes = chain_routes(oai_dir, *CHAINS["howard"])
    repo = RecordedRepository(routes)
    server = await RepositoryServer(repo).start()
    try:
        store = CheckpointStore(services.settings.state_dir / "harvest.sqlite")
        source = Source(name="howard", protocol="oai-pmh", url=server.url, library="XMU")
        summary = await OaiHarvester(services, source, store, http=fast_http()).run(
            mode="incremental", from_="2015-06-14T00:00:00Z", until="2015-06-16T00:00:00Z")
    finally:
        await server.stop()
    first = next(r for r in repo.requests if r.get("verb") == "ListRecords")
    assert (first["from"], first["until"], first["metadataPrefix"]) == (
        "2015-06-14T00:00:00Z", "2015-06-16T00:00:00Z", "oai_dc")
    assert summary.indexed == 181 and summary.high_water == "2015-06-16T00:00:00Z"
    hit = services.client.search(index=services.settings.index.alias(COLLECTION),
                                 query={"term": {"oai_identifier": "oai:dh.howard.edu:ta_fac-1001"}})["hits"]["hits"]
    doc = hit[0]["_source"]  # Howard is no consortium member: the owning library holds it, under Howard's name
    assert doc["holding_libraries"] == ["XMU"] and doc["institution_name"] == "Digital Howard @ Howard University"
    assert doc["title"] == "The Wild Duck Comes Home" and doc["year"] == 1950


# --- harvest_page ------------------------------------------------------------------------------------------
COMPOSED_LAST_PAGE = {
    Z: Z + "list_records__08.xml",
    "traject/": "traject/oai-pmh-one-record-2.xml",
    "vufindharvest/": "vufindharvest/list_records_response.xml",
    "phpoaipmh/": "phpoaipmh/GoodResponseSinglePage.xml",
}


def pages_of(oai_dir: Path, name: str) -> list[str]:
    if _token(oai_dir / name) is None:
        return [name]
    last = next(v for k, v in COMPOSED_LAST_PAGE.items() if name.startswith(k))
    return [name, last]


@pytest.mark.parametrize("name", group("harvest_page"))
async def test_harvest_page_replays(services, oai_dir, name):
    pages = pages_of(oai_dir, name)
    source = re.sub(r"[^A-Za-z0-9._-]", "_", name)[-60:]
    summary, repo, store = await harvest(services, source, chain_routes(oai_dir, "sickle/Identify.xml", pages))
    fates = expected(oai_dir, pages)
    assert summary.harvested == sum(len(expected(oai_dir, [p])) for p in pages)
    check_outcome(services, source, summary, fates)


async def test_harvest_page_replays_recorded_theses_with_their_metadata(services, oai_dir):
    """Real theses keep advisors, DOIs, handles and the full-text link."""
    summary, _, _ = await harvest(services, "utaustin",
                                  chain_routes(oai_dir, "sickle/Identify.xml", [S + "utaustin/utaustin__00.xml"]))
    assert summary.indexed == 31
    alias = services.settings.index.alias(COLLECTION)
    doc = services.client.search(index=alias, query={"term": {"identifiers": "10.15781/t2kk53"}})["hits"]["hits"][0]
    source = doc["_source"]
    assert source["title"].startswith("In different voices") and source["advisors"][0] == "Bremen, Brian A."
    assert "2152/31430" in source["identifiers"] and source["fulltext_url"] == "http://hdl.handle.net/2152/31430"
    assert source["language"] == ["eng"] and source["year"] == 2015 and doc["_id"] == thesis_id(
        "utaustin", source["oai_identifier"])


# --- get_record -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", group("get_record"))
async def test_get_record_replays(oai_dir, name):
    repo = RecordedRepository([route(oai_dir, name, verb="GetRecord")])
    server = await RepositoryServer(repo).start()
    try:
        async with fast_http() as http:
            record = await OaiClient(http, server.url, source="t").get_record("oai:any:1", "oai_dc")
    finally:
        await server.stop()
    assert repo.requests[0] == {"verb": "GetRecord", "identifier": "oai:any:1", "metadataPrefix": "oai_dc"}
    root = etree.fromstring((oai_dir / name).read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    want = expected_fate(next(el for el in root.iter() if _local(el) == "record"))
    if record.header.deleted:
        assert want == "deleted"
        return
    try:
        thesis = map_metadata(record.metadata, library="XMU")
    except Exception as exc:  # noqa: BLE001 - MappingError expected for the rejected ones
        assert want.startswith("rejected:") and str(exc).startswith(want.split(":", 1)[1]), (want, exc)
    else:
        assert want == "indexed" and not isinstance(thesis, Deleted) and thesis.title


# --- error_code ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", group("error_code"))
async def test_error_code_replays(services, oai_dir, name):
    code = _error_code(oai_dir / name)
    routes = [route(oai_dir, "sickle/Identify.xml", verb="Identify"), route(oai_dir, name, verb="ListRecords")]
    meaning = protocol.ERROR_CODES.get(code)
    if meaning is not None and meaning.outcome == "empty":
        summary, _, store = await harvest(services, "errors", routes)
        assert (summary.harvested, summary.pages) == (0, 0)
        response_date = re.search(rb"<responseDate>([^<]+)", (oai_dir / name).read_bytes()).group(1).decode()
        assert summary.high_water == protocol.normalise_datestamp(response_date)
        assert store.runs("errors")[0].status == "done"
        return
    with pytest.raises(OaiError) as err:
        await harvest(services, "errors", routes)
    assert err.value.code == code and err.value.ref == "errors"
    assert str(err.value).startswith(f"errors: ListRecords failed with {code}")
    store = CheckpointStore(services.settings.state_dir / "harvest.sqlite")
    run = store.runs("errors")[0]
    assert run.status == "failed" and code in run.error and store.resume_point("errors").id == run.id


# --- bad_resumption_token --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", group("bad_resumption_token"))
async def test_bad_resumption_token_replays(services, oai_dir, name):
    """Page 2's token is refused once: the list starts again and the index ends as in a clean harvest."""
    identify, pages = CHAINS["zenodo"]
    token = _token(oai_dir / pages[0])
    refusal = Fault(body=(oai_dir / name).read_bytes(), status=422 if name.startswith(Z) else 200,
                    content_type="text/xml", when={"resumptionToken": token}, times=1)
    summary, repo, store = await harvest(services, "zenodo", chain_routes(oai_dir, identify, pages), faults=[refusal])
    assert refusal.hits == 1
    first_requests = [r for r in repo.requests if r.get("metadataPrefix") == "oai_dc"]
    assert len(first_requests) == 2  # the list was started again
    page1 = len(expected(oai_dir, [pages[0]]))
    assert summary.unchanged >= page1  # the replayed first page sent and counted nothing
    assert summary.harvested == sum(len(expected(oai_dir, [p])) for p in pages) + page1
    check_outcome(services, "zenodo", summary, expected(oai_dir, pages))
    run = store.runs("zenodo")[0]
    assert run.restarts == 1 and any("badResumptionToken" in e for e in store.errors(run))


# --- broken_answer --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", group("broken_answer"))
async def test_broken_answer_replays(services, oai_dir, name):
    """Always broken: retried, then the run fails saying why. Broken once: the retry gets the good page."""
    routes = [route(oai_dir, "sickle/Identify.xml", verb="Identify"),
              route(oai_dir, name, verb="ListRecords", metadataPrefix="oai_dc")]
    with pytest.raises(OaiError) as err:
        await harvest(services, "broken", routes, bad_response_retries=2)
    assert err.value.code == "badResponse" and "(3 attempts" in str(err.value)
    assert str(err.value).startswith("broken: ListRecords answered with")
    store = CheckpointStore(services.settings.state_dir / "harvest.sqlite")
    assert store.resume_point("broken").status == "failed"

    once = Fault(body=(oai_dir / name).read_bytes(), content_type="text/xml", when={"verb": "ListRecords"}, times=1)
    good = chain_routes(oai_dir, "sickle/Identify.xml", [S + "texasstate/texasstate__00.xml"])
    summary, _, _ = await harvest(services, "broken", good, faults=[once])
    assert once.hits == 1 and summary.indexed == 2 and summary.resumed


# --- the other verbs ---------------------------------------------------------------------------------------
async def _client_call(oai_dir, routes, call):
    repo = RecordedRepository(routes)
    server = await RepositoryServer(repo).start()
    try:
        async with fast_http() as http:
            return await call(OaiClient(http, server.url, source="t")), repo
    finally:
        await server.stop()


def _count(path: Path, local: str) -> int:
    root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
    return sum(1 for el in root.iter() if _local(el) == local)


def _text(path: Path, local: str) -> str | None:
    m = re.search(rb"<" + local.encode() + rb">([^<]*)<", path.read_bytes())
    return m.group(1).decode().strip() if m else None


@pytest.mark.parametrize("name", group("identify"))
async def test_identify_replays(oai_dir, name):
    info, _ = await _client_call(oai_dir, [route(oai_dir, name, verb="Identify")], lambda c: c.identify())
    assert info.granularity == _text(oai_dir / name, "granularity")
    assert info.deleted_record == _text(oai_dir / name, "deletedRecord")
    assert info.earliest_datestamp == _text(oai_dir / name, "earliestDatestamp")
    assert info.protocol_version == "2.0" and info.base_url


@pytest.mark.parametrize("name", group("formats"))
async def test_formats_replays(oai_dir, name):
    formats, _ = await _client_call(oai_dir, [route(oai_dir, name, verb="ListMetadataFormats")],
                                    lambda c: c.list_metadata_formats())
    assert len(formats) == _count(oai_dir / name, "metadataFormat") and "oai_dc" in {f.prefix for f in formats}
    assert all(f.namespace and f.schema for f in formats)
    assert {f.namespace for f in formats if f.prefix == "oai_dc"} == {"http://www.openarchives.org/OAI/2.0/oai_dc/"}


SET_CHAINS = {Z + "list_sets__00.xml": [Z + "list_sets__00.xml", Z + "list_sets__02.xml"]}


@pytest.mark.parametrize("name", [n for n in group("sets") if n != Z + "list_sets__02.xml"])
async def test_sets_replays(oai_dir, name):
    pages = SET_CHAINS.get(name, [name])
    routes = [route(oai_dir, pages[0], verb="ListSets")]
    routes += [route(oai_dir, p, verb="ListSets", resumptionToken=_token(oai_dir / b)) for b, p in zip(pages, pages[1:])]
    sets, repo = await _client_call(oai_dir, routes, lambda c: c.list_sets())
    assert len(sets) == sum(_count(oai_dir / p, "set") for p in pages) and all(s.spec for s in sets)
    assert len(repo.requests) == len(pages)


IDENTIFIER_CHAINS = {
    "phpoaipmh/GoodResponseFourPage_1.xml": [f"phpoaipmh/GoodResponseFourPage_{i}.xml" for i in (1, 2, 3, 4)],
    "sickle/ListIdentifiers.xml": ["sickle/ListIdentifiers.xml", "sickle/ListIdentifiers2.xml"],
    Z + "list_identifiers__05.xml": [Z + "list_identifiers__05.xml", Z + "list_identifiers__09.xml",
                                     Z + "list_identifiers__08.xml"],
}
LATER_PAGES = {p for chain in IDENTIFIER_CHAINS.values() for p in chain[1:]}


@pytest.mark.parametrize("name", [n for n in group("identifiers") if n not in LATER_PAGES])
async def test_identifiers_replays(oai_dir, name):
    pages = IDENTIFIER_CHAINS.get(name, [name])
    routes = [route(oai_dir, pages[0], verb="ListIdentifiers", metadataPrefix="oai_dc")]
    routes += [route(oai_dir, p, verb="ListIdentifiers", resumptionToken=_token(oai_dir / b))
               for b, p in zip(pages, pages[1:])]

    async def walk(client):
        headers, page = [], await client.list_identifiers(prefix="oai_dc")
        headers += page.records
        while page.token_value and len(headers) < 10_000:
            if not any(r.params.get("resumptionToken") == page.token_value for r in routes):
                break  # a single recorded page: its successor was never recorded
            page = await client.list_identifiers(token=page.token_value)
            headers += page.records
        return headers

    headers, _ = await _client_call(oai_dir, routes, walk)
    assert len(headers) == sum(_count(oai_dir / p, "header") for p in pages)
    deleted = sum(len(re.findall(rb'status="deleted"', (oai_dir / p).read_bytes())) for p in pages)
    assert sum(h.header.deleted for h in headers) == deleted and all(h.metadata is None for h in headers)
    assert all(h.header.identifier and h.header.datestamp for h in headers)
