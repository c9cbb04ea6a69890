"""`yidu demo load` and the generators behind its theses and knowledge base: the theses map through the real ETD-MS
mapping to their university, the repository speaks OAI-PMH, KBART and holdings files load with no bad rows; end to
end on the real node, a small demo loads every part through the real pipelines, a search finds books, articles and
theses, subscriptions decide full text, and journal scopes count articles for the libraries that hold them."""
from __future__ import annotations

import json
import statistics
from datetime import date

import pytest
from lxml import etree

from harvesters.oai import protocol
from harvesters.oai.records import map_metadata
from indexer.journal_scopes import scope_filter
from indexer.theses import ThesisBuilder
from linkresolver.holdings import read_holdings_csv
from linkresolver.kb import KnowledgeBase
from linkresolver.openurl import parse_query
from linkresolver.wiring import resolver_for
from query.request import SearchRequest
from query.search import Searcher
from yidu.cli import main
from yidu.commands.demo import DemoPlan, load_demo
from yidu.corpus import kb as corpus_kb
from yidu.corpus.articles import ArticleSpec, allocation, issues, iter_articles, journals
from yidu.corpus.theses import PREFIX, ThesisRepository, ThesisSpec, etdms, institutions, thesis
from yidu.libraries import shipped_registry
from yidu.services import Services

REGISTRY = shipped_registry()
SMALL = {"records": 2000, "articles": 1000, "theses": 300}


# --- theses ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def thesis_spec() -> ThesisSpec:
    return ThesisSpec(600, institutions(REGISTRY), seed=3)


def test_theses_are_deterministic(thesis_spec):
    assert [thesis(thesis_spec, i) for i in range(50)] == [thesis(thesis_spec, i) for i in range(50)]
    other = ThesisSpec(600, thesis_spec.institutions, seed=4)
    assert [thesis(other, i).title for i in range(50)] != [thesis(thesis_spec, i).title for i in range(50)]


def test_theses_map_through_etd_ms_to_their_university(thesis_spec):
    builder = ThesisBuilder(REGISTRY)
    generated = [thesis(thesis_spec, i) for i in range(thesis_spec.theses)]
    for t in generated:
        mapped = map_metadata(etree.fromstring(etdms(t).encode()), library="NONE")
        assert builder.institution(mapped.grantors, "NONE")[0] == t.institution, t.grantor
        assert (mapped.title, mapped.degree, mapped.year, mapped.authors) == (t.title, t.level, t.year, [t.author])
        assert mapped.advisors == list(t.advisors) and mapped.disciplines == [t.discipline]
        assert len(mapped.summary) == len(t.abstracts) and mapped.subjects == list(t.keywords)
        assert 2000 <= t.year <= 2024
    chinese = [t for t in generated if t.language == "chi"]
    assert 0.75 < len(chinese) / len(generated) < 0.95 and all(t.alternative_title for t in chinese)
    assert 0.2 < sum(t.level == "doctoral" for t in generated) / len(generated) < 0.4
    assert len({t.institution for t in generated}) > 40
    medical = [t for t in generated if t.institution in ("PUMC", "TMU", "CMU", "SMU", "CQMU", "XJMU")]
    assert sum(t.discipline == "临床医学" or t.discipline == "Medicine" for t in medical) > len(medical) / 2


def test_the_repository_speaks_oai_pmh(thesis_spec):
    repo = ThesisRepository(thesis_spec, page_size=250)
    identify = protocol.read_identify(protocol.parse_envelope(repo.answer({"verb": "Identify"})[1], "Identify"))
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    seen, params, sizes = [], {"verb": "ListRecords", "metadataPrefix": PREFIX}, []
    while True:
        records, token = protocol.read_records(protocol.parse_envelope(repo.answer(params)[1], "ListRecords"))
        seen += [r.header.identifier for r in records]
        sizes.append(token.complete_list_size if token else None)
        if not token or not token.value:
            break
        params = {"verb": "ListRecords", "resumptionToken": token.value}
    assert seen == [thesis(thesis_spec, i).identifier for i in range(thesis_spec.theses)]
    assert sizes == [600, 600, 600]
    window = {"verb": "ListRecords", "metadataPrefix": PREFIX, "from": repo.datestamp(10), "until": repo.datestamp(19)}
    assert len(protocol.read_records(protocol.parse_envelope(repo.answer(window)[1]))[0]) == 10
    for params, code in (({"verb": "ListRecords", "metadataPrefix": "oai_dc"}, "cannotDisseminateFormat"),
                         ({"verb": "ListRecords", "resumptionToken": "x"}, "badResumptionToken"),
                         ({"verb": "ListRecords", "metadataPrefix": PREFIX, "from": "2030-01-01"}, "noRecordsMatch"),
                         ({"verb": "Dance"}, "badVerb")):
        assert protocol.parse_envelope(repo.answer(params)[1]).errors[0][0] == code


# --- the knowledge base ------------------------------------------------------------------------------------

def test_kbart_packages_load_through_the_real_loader_with_no_bad_rows(tmp_path):
    js = journals(ArticleSpec(20000))
    paths = corpus_kb.write_kbart(1, js, tmp_path / "kbart")
    kb = KnowledgeBase(tmp_path / "kb.sqlite")
    try:
        for p in corpus_kb.packages():
            report = kb.load_kbart(paths[p.name], p.name)
            expected = sum(1 for j in js for c in corpus_kb.coverage(1, j) if c.package == p.name)
            assert (report.loaded, report.rejected, report.problems) == (expected, 0, []), p.name
            assert expected > 0
        index = kb.index
        for j in js[:60]:
            match = index.find(j.issns, (), None)
            assert len(match.groups) == (1 if corpus_kb.coverage(1, j) else 0)
    finally:
        kb.close()
    embargoes = {c.embargo for j in js for c in corpus_kb.coverage(1, j)}
    assert {"", "P1Y", "P6M", "R10Y"} <= embargoes
    assert any(c.last_year for j in js for c in corpus_kb.coverage(1, j))  # some coverage has ended


def test_print_holdings_files_read_cleanly(tmp_path):
    js = journals(ArticleSpec(20000))
    paths = corpus_kb.write_holdings(1, REGISTRY, js, tmp_path)
    assert len(paths) > 30
    for code, path in paths.items():
        holdings, problems = read_holdings_csv(path.read_bytes(), code, source=str(path))
        assert problems == [] and holdings
        assert all(h.runs for h in holdings)
    counts = {code: len(corpus_kb.print_holdings(1, REGISTRY.get(code), js)) for code in ("PKU", "THU", "XZU", "QHU")}
    assert min(counts["PKU"], counts["THU"]) > max(counts["XZU"], counts["QHU"])


def test_subscriptions_follow_library_tiers():
    subs = corpus_kb.subscriptions(1, REGISTRY)
    assert subs == corpus_kb.subscriptions(1, REGISTRY)
    per_library = {lib.code: sum(s.library == lib.code for s in subs) for lib in REGISTRY}
    big = [per_library[c] for c in ("PKU", "THU", "FDU", "ZJU", "SJTU", "WHU")]
    west = [per_library[lib.code] for lib in REGISTRY if lib.region == "west" and not lib.supplier]
    assert statistics.mean(big) > statistics.mean(west) + 1
    for p in corpus_kb.packages():
        subscribers = {s.library for s in subs if s.package == p.name}
        assert 0 < len(subscribers) < len(REGISTRY) or p.name.startswith("CNKI")
    assert any(s.until for s in subs) and any(s.start for s in subs)


# --- end to end --------------------------------------------------------------------------------------------

@pytest.fixture
def cli_env(settings, monkeypatch):
    monkeypatch.setenv("YIDU_STATE_DIR", str(settings.state_dir))
    monkeypatch.setenv("YIDU_INDEX_PREFIX", settings.index.prefix)
    monkeypatch.delenv("YIDU_LIBRARIES", raising=False)
    return settings


def demo(capsys, *extra: str) -> tuple[int, dict]:
    code = main(["demo", "load", *[f"--{k}={v}" for k, v in SMALL.items()], "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def crossref_overlap(spec: ArticleSpec) -> int:
    """Articles delivered twice (the CSV alert of a Crossref journal's latest issue): the merges expected."""
    latest = {j.code: issues(j, n)[-1] for j, n in zip(journals(spec), allocation(spec)) if n}
    return sum(1 for a in iter_articles(spec) if a.journal.crossref
               and (a.year, a.issue) == (latest[a.journal.code].year, latest[a.journal.code].number))


def test_demo_load_loads_every_part_once_and_search_finds_all_three(cli_env, es_client, clean_indices, capsys):
    code, summary = demo(capsys)
    assert code == 0 and summary["problems"] == []
    parts = summary["parts"]
    assert (parts["catalog"]["read"], parts["catalog"]["rejected"], parts["catalog"]["refused"]) == (2000, 0, 0)
    spec = ArticleSpec(SMALL["articles"])
    assert (parts["articles"]["indexed"], parts["articles"]["merged"]) == (1000, crossref_overlap(spec))
    assert parts["articles"]["files"] == {"crossref": sum(j.crossref for j in journals(spec)),
                                          "csv": len(journals(spec))}
    assert (parts["theses"]["harvested"], parts["theses"]["indexed"], parts["theses"]["rejected"]) == (300, 300, 0)
    assert parts["kb"]["packages"] == len(corpus_kb.packages())
    assert parts["kb"]["subscriptions"] == len(corpus_kb.subscriptions(1, REGISTRY))
    assert parts["scopes"]["libraries"] > 50

    code, again = demo(capsys)
    assert code == 0 and all(p == {"skipped": "already loaded"} for p in again["parts"].values())

    alias = cli_env.index.alias
    assert es_client.count(index=alias("articles"))["count"] == 1000
    assert es_client.count(index=alias("theses"))["count"] == 300
    institutions_found = es_client.search(index=alias("theses"), size=0, aggs={
        "i": {"terms": {"field": "institution", "size": 100}}})["aggregations"]["i"]["buckets"]
    assert len(institutions_found) > 30 and all(b["key"] in REGISTRY for b in institutions_found)
    result = Searcher(es_client, REGISTRY, cli_env.index).search(SearchRequest(q="研究", size=50))
    types = {b["value"] for b in result["facets"]["type"]}
    assert {"article", "thesis", "book"} <= types, result["facets"]["type"]
    assert {h["collection"] for h in result["hits"]} <= {"catalog", "articles", "theses"}


def fulltext_case(seed: int, spec: ArticleSpec, day: str):
    """From the ground truth: an article inside an embargo-free coverage range of a package, a library that
    subscribes to that package today, and one with no subscription covering the journal and no print copy."""
    active = {(s.library, s.package) for s in corpus_kb.subscriptions(seed, REGISTRY) if s.active(day)}
    for article in iter_articles(spec):
        covers = corpus_kb.coverage(seed, article.journal)
        usable = [c for c in covers if not c.embargo and c.includes(article.year)]
        if not usable:
            continue
        with_ = [lib.code for lib in REGISTRY if (lib.code, usable[0].package) in active]
        without = [lib.code for lib in REGISTRY if not any((lib.code, c.package) in active for c in covers)
                   and not corpus_kb.print_holdings(seed, lib, [article.journal])]
        if with_ and without:
            return article, usable[0].package, with_[0], without[0]
    raise AssertionError("the generated corpus has no article a subscription decides")


@pytest.fixture
def articles_demo(settings, es_client, clean_indices):
    services = Services(settings, client=es_client, registry=REGISTRY, progress=False)
    summary = load_demo(DemoPlan(records=0, articles=SMALL["articles"], theses=0), services)
    assert summary["problems"] == [] and summary["parts"]["catalog"] == {"skipped": "size 0"}
    case = fulltext_case(1, ArticleSpec(SMALL["articles"]), date.today().isoformat())
    yield services, case
    services.close()


def test_a_subscription_gives_full_text_and_its_absence_does_not(articles_demo, es_client):
    services, (article, package, subscriber, outsider) = articles_demo
    hit = es_client.search(index=services.settings.index.alias("articles"),
                           query={"term": {"doi": article.doi}})["hits"]["hits"]
    doc = hit[0]["_source"]
    citation = parse_query(f"rft.genre=article&rft.issn={doc['issn_l']}&rft.date={doc['year']}"
                           f"&rft.volume={doc['volume']}&rft.issue={doc['issue']}&rft.spage={doc['first_page']}"
                           f"&rft_id=info:doi/{doc['doi']}")
    resolver = resolver_for(services)
    inside = resolver.resolve(citation, subscriber)
    fulltext = [o for o in inside.options if o.type == "fulltext"]
    assert fulltext and fulltext[0].package == package and fulltext[0].link == f"https://doi.org/{article.doi}"
    outside = resolver.resolve(citation, outsider)
    assert "fulltext" not in outside.types() and outside.types()[-1] == "librarian"
    assert {"delivery", "ppv"} & set(outside.types())


def test_journal_scopes_count_an_article_for_a_subscribing_library(articles_demo, es_client):
    services, (article, _, subscriber, outsider) = articles_demo
    settings = services.settings

    def in_scope(library: str) -> int:
        query = {"bool": {"filter": [{"term": {"doi": article.doi}}, scope_filter(settings, f"library:{library}")]}}
        return es_client.count(index=settings.index.alias("articles"), query=query)["count"]

    assert (in_scope(subscriber), in_scope(outsider)) == (1, 0)


def test_another_article_corpus_replaces_the_previous_one(settings, es_client, clean_indices):
    services = Services(settings, client=es_client, registry=REGISTRY, progress=False)
    try:
        for articles in (300, 120):
            summary = load_demo(DemoPlan(records=0, articles=articles, theses=0), services)
            assert summary["parts"]["articles"]["indexed"] == articles
        assert es_client.count(index=settings.index.alias("articles"))["count"] == 120
        forced = load_demo(DemoPlan(records=0, articles=120, theses=0, force=True), services)["parts"]["articles"]
        assert (forced["indexed"], forced["merged"]) == (0, forced["read"])  # the same articles again: merged
        assert es_client.count(index=settings.index.alias("articles"))["count"] == 120
    finally:
        services.close()


def test_a_print_run_covering_the_year_offers_the_print_copy(articles_demo):
    services, _ = articles_demo
    found = next((lib.code, article) for article in iter_articles(ArticleSpec(SMALL["articles"])) for lib in REGISTRY
                 for row in corpus_kb.print_holdings(1, lib, [article.journal])
                 if row.get("start_year") and int(row["start_year"]) <= article.year <= int(row["end_year"] or 9999))
    library, article = found
    citation = parse_query(f"rft.genre=article&rft.issn={article.journal.issn_l}&rft.date={article.year}"
                           f"&rft.volume={article.volume}&rft.spage={article.first_page}")
    printed = [o for o in resolver_for(services).resolve(citation, library).options if o.type == "print"]
    assert printed and "in print" in printed[0].reason
