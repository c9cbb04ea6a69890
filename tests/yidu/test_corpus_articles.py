"""The article generator (yidu/corpus/articles.py): determinism, valid identifiers, realistic fields, and files that
the real feed parsers read without rejecting anything. No Elasticsearch."""
from __future__ import annotations

import collections
import hashlib
import re
import tracemalloc
from pathlib import Path

import pytest

from harvesters.feeds import read_feed
from harvesters.feeds.records import ArticleRecord
from yidu import identifiers
from yidu.corpus.articles import (
    DOI_PREFIX,
    YEARS,
    ArticleSpec,
    allocation,
    crossref_work,
    issues,
    iter_articles,
    journal_articles,
    journals,
    publishers,
    style_of,
    write_articles,
)

SPEC = ArticleSpec(articles=3000, seed=5)
DEMO = ArticleSpec(articles=20000, seed=1)
CJK = re.compile(r"[\u4e00-\u9fff]")
PERSON = re.compile(r"^[^,]+, [^,]+$")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("articles")
    return write_articles(SPEC, out)


@pytest.fixture(scope="module")
def records(written):
    """Every feed item of the written files, by format."""
    found = collections.defaultdict(list)
    for path in sorted(written.directory.rglob("*")):
        if path.is_file():
            fmt, items = read_feed(path)
            found[fmt].extend(items)
    return found


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


# --- determinism -----------------------------------------------------------------------------------------

def test_same_spec_same_files(tmp_path, written):
    again = write_articles(SPEC, tmp_path / "again")
    assert digest(again.directory) == digest(written.directory)
    assert (again.articles, again.csv_rows, again.crossref_items) == (written.articles, written.csv_rows,
                                                                     written.crossref_items)


def test_another_seed_another_corpus():
    a = [x.title for x in iter_articles(ArticleSpec(300, seed=1))]
    b = [x.title for x in iter_articles(ArticleSpec(300, seed=2))]
    assert len(a) == len(b) == 300 and a != b


def test_journal_list_is_prefix_stable():
    assert journals(ArticleSpec(1000, journals=60))[:40] == journals(ArticleSpec(1000, journals=40))


# --- journals ---------------------------------------------------------------------------------------------

def test_journals_have_valid_unique_issns_and_an_issn_l():
    js = journals(DEMO)
    assert 200 <= len(js) <= 400  # "a few hundred"
    issns = [i for j in js for i in j.issns]
    assert len(issns) == len(set(issns))
    for j in js:
        assert j.issns and all(identifiers.issn(i) == i for i in j.issns)
        assert j.issn_l == (j.issn or j.eissn)
    assert sum(j.issn is None for j in js) > 10  # online-only journals exist


def test_journals_are_spread_over_publishers_disciplines_and_languages():
    js = journals(DEMO)
    assert len({j.title for j in js}) == len(js)
    assert {j.publisher for j in js if j.language == "en"} == set(publishers())
    assert len({j.discipline for j in js}) >= 15
    chinese = [j for j in js if j.language == "zh"]
    assert 15 <= len(chinese) <= 40 and all(CJK.search(j.title) for j in chinese)
    assert any(j.title == "中国图书馆学报" for j in chinese) and any(j.title == "经济研究" for j in chinese)
    ieee = [j.title for j in js if j.publisher.startswith("Institute of Electrical")]
    assert ieee and all(t.startswith("IEEE ") for t in ieee)


# --- articles ---------------------------------------------------------------------------------------------

def test_allocation_and_issues_account_for_every_article():
    counts = allocation(DEMO)
    assert sum(counts) == DEMO.articles and min(counts) > 0
    for journal, n in zip(journals(DEMO)[:50], counts):
        found = issues(journal, n)
        assert sum(i.size for i in found) == n
        assert [(i.year, i.number) for i in found] == sorted({(i.year, i.number) for i in found})
        assert all(YEARS[0] <= i.year <= YEARS[1] and 1 <= i.number <= journal.issues for i in found)


def test_articles_look_like_real_ones():
    articles = list(iter_articles(SPEC))
    assert len(articles) == SPEC.articles
    assert len({a.doi for a in articles}) == len(articles)
    by_issue = collections.defaultdict(list)
    for a in articles:
        assert a.doi.startswith(DOI_PREFIX + "/") and identifiers.doi(a.doi) == a.doi
        assert a.volume == a.year - a.journal.first_year + 1 >= 1
        assert 1 <= len(a.authors) <= 8 and 3 <= len(a.keywords) <= 4
        assert a.first_page < a.last_page
        if a.language == "zh":
            assert CJK.search(a.title) and CJK.search(a.abstract) and all(CJK.search(n) for n in a.authors)
        else:
            assert not CJK.search(a.title + a.abstract)
            assert all(PERSON.match(n) for n in a.authors), a.authors
            assert a.abstract.count(". ") >= 4  # five sentences
        by_issue[(a.journal.code, a.year, a.issue)].append(a)
    for issue in by_issue.values():  # pages run on through an issue
        assert all(x.last_page < y.first_page for x, y in zip(issue, issue[1:]))
    assert sum(a.language == "zh" for a in articles) > 100


def test_crossref_work_is_a_crossref_item():
    journal = next(j for j in journals(SPEC) if j.crossref and j.issn)
    article = next(journal_articles(SPEC.seed, journal, 5))
    work = crossref_work(article)
    assert work["DOI"] == article.doi and work["type"] == "journal-article"
    assert {t["type"] for t in work["issn-type"]} == {"print", "electronic"}
    assert work["author"][0]["family"] + ", " + work["author"][0]["given"] == article.authors[0]


# --- the files through the real parsers ----------------------------------------------------------------

def test_files_parse_through_the_real_feed_parsers_with_nothing_rejected(written, records):
    assert set(records) == {"csv", "crossref"}
    everything = records["csv"] + records["crossref"]
    assert all(isinstance(r, ArticleRecord) for r in everything), [r for r in everything
                                                                  if not isinstance(r, ArticleRecord)][:3]
    assert len(records["csv"]) == written.csv_rows and len(records["crossref"]) == written.crossref_items
    assert written.csv_files == written.journals and written.crossref_files > 0
    for r in everything:
        assert not r.bad_issns and r.issns and r.doi and r.year and r.volume and r.issue and r.first_page
        assert r.authors and r.abstract and r.keywords and r.journal and r.publisher
        assert r.language in ("eng", "chi")


def test_every_article_is_delivered_and_crossref_overlaps_only_the_latest_issue(written, records):
    truth = {a.doi: a for a in iter_articles(SPEC)}
    csv_dois = {r.doi for r in records["csv"]}
    crossref_dois = {r.doi for r in records["crossref"]}
    assert csv_dois | crossref_dois == set(truth)
    latest = {j.code: (i.year, i.number) for j, n in zip(journals(SPEC), allocation(SPEC)) if n
              for i in issues(j, n)[-1:]}
    expected = {doi for doi, a in truth.items() if a.journal.crossref and (a.year, a.issue) == latest[a.journal.code]}
    assert csv_dois & crossref_dois == expected and expected


def test_csv_rows_say_what_the_ground_truth_says(records):
    truth = {a.doi: a for a in iter_articles(SPEC)}
    for r in records["csv"]:
        a = truth[r.doi]
        assert r.title == a.title and r.authors == list(a.authors) and r.journal == a.journal.title
        assert {i.value for i in r.issns} == set(a.journal.issns)
        assert (r.volume, r.issue, r.first_page, r.last_page) == (str(a.volume), str(a.issue), str(a.first_page),
                                                                  str(a.last_page))
        assert r.year == a.year and r.keywords == list(a.keywords)
        if style_of(a.journal) == "documented":
            assert r.issn_l == a.journal.issn_l


def test_three_header_styles_are_written(written):
    headers = {p.read_text(encoding="utf-8").split("\r\n", 1)[0] for p in (written.directory / "toc").rglob("*.csv")}
    assert any(h.startswith("issn,eissn,issn_l,journal") for h in headers)
    assert any(h.startswith("Journal Title,Print ISSN") for h in headers)
    assert any(h.startswith("篇名\t作者\t刊名") for h in headers)


# --- memory ------------------------------------------------------------------------------------------------

def test_generation_streams_in_constant_memory():
    """The peak while iterating does not grow with the number of articles (journals fixed)."""
    def peak(n: int) -> int:
        list(journal_articles(9, journals(ArticleSpec(n, seed=9, journals=40))[0], 10))  # warm the caches
        tracemalloc.start()
        for _ in iter_articles(ArticleSpec(n, seed=9, journals=40)):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(2000), peak(20000)
    assert large < small + 2 * 2**20, (small, large)
