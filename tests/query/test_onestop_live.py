"""One-stop search over the catalogue, articles and theses together, on the real node.

The articles, theses and journal_scopes collections are created with their own mappings (mappings/) and
filled with a few documents built the way their indexers build them (indexer.articles.build; the shared
family analysis of indexer.journals.searchable for theses), following the fields their mapping modules
document."""
from __future__ import annotations

import pytest

import searchcorpus as sc
from indexer.articles import build as build_article
from indexer.catalog import CatalogPipeline
from indexer.indices import IndexManager
from indexer.journals import searchable
from mappings import theses as theses_mapping
from query.collections import Targets
from query.request import SearchRequest
from query.search import Searcher
from yidu.scopes import scope_key

pytestmark = pytest.mark.es

NATURE = "0028-0836"
CELL = "0092-8674"


def article(title, authors, journal, issn_l, year, doi):
    return build_article({"collection": "articles", "type": "article", "title": title, "authors": authors,
                          "journal": journal, "issn_l": issn_l, "issn": [issn_l], "year": year, "doi": doi,
                          "language": ["eng"], "source_ids": [f"test:{doi}"]}, journal)


def thesis(title, author, institution, year, degree="doctoral"):
    return searchable({"collection": "theses", "type": "thesis", "title": title, "authors": [author],
                       "degree": degree, "institution": institution, "holding_libraries": [institution],
                       "year": year, "language": ["chi"], "source_ids": [f"local:{title}"]},
                      theses_mapping.FAMILIES)


@pytest.fixture
def loaded(settings, es_client, registry, clean_indices, tmp_path):
    pipeline = CatalogPipeline(settings, es_client, is_member=registry.__contains__, progress=False)
    try:
        for s in (sc.NEAR, sc.FAR):
            path = tmp_path / f"{s.control}.mrc"
            path.write_bytes(sc.marc21(s))
            pipeline.load([path], library=s.library)
    finally:
        pipeline.store.close()
    indices = IndexManager(es_client, settings.index)
    articles = indices.ensure("articles")
    theses = indices.ensure("theses")
    docs = {
        articles: {"a1": article("Quantum computing with trapped ions 量子计算", ["Blatt, Rainer"], "Nature", NATURE,
                                 2008, "10.1038/nature07125"),
                   "a2": article("Quantum computing in cells 量子计算", ["Doe, Jane"], "Cell", CELL, 2019,
                                 "10.1016/j.cell.2019.01.001")},
        theses: {"t1": thesis("量子计算若干问题研究", "王小明", "PKU", 2018),
                 "t2": thesis("量子计算导论的教学研究", "李四", "XJU", 2016, "master")},
    }
    for index, items in docs.items():
        for doc_id, doc in items.items():
            es_client.index(index=index, id=doc_id, document=doc)
        es_client.indices.refresh(index=index)
    return settings


def searcher_for(settings, es_client, registry):
    return Searcher(es_client, registry, Targets(settings.index, ttl=0))


def test_one_search_spans_every_collection_with_a_type_on_each_hit(loaded, es_client, registry):
    result = searcher_for(loaded, es_client, registry).search(SearchRequest(q="量子计算", size=20))
    types = {h["id"]: h["type"] for h in result["hits"]}
    assert sorted(types.values()) == ["article", "article", "book", "book", "thesis", "thesis"]
    assert {h["collection"] for h in result["hits"]} == {"catalog", "articles", "theses"}
    counts = {b["value"]: b["count"] for b in result["facets"]["type"]}
    assert counts == {"article": 2, "book": 2, "thesis": 2}
    assert result["query_echo"]["collections"] == ["catalog", "articles", "theses"]
    article_hit = next(h for h in result["hits"] if h["id"] == "a1")
    assert article_hit["journal"] == "Nature" and article_hit["doi"] == "10.1038/nature07125"
    thesis_hit = next(h for h in result["hits"] if h["id"] == "t1")
    assert thesis_hit["degree"] == "doctoral" and thesis_hit["institution"] == "PKU"


def test_articles_are_scoped_through_journal_scopes_and_counted_per_scope(loaded, es_client, registry):
    searcher = searcher_for(loaded, es_client, registry)
    # without journal_scopes, no article counts as held in any scope, but all are in the nation
    before = searcher.search(SearchRequest(q="量子计算", library="PKU", size=20, widen=False))
    assert {h["type"] for h in before["hits"]} == {"book", "thesis"}
    assert before["scopes"]["library"] == 2 and before["scopes"]["nation"] == 6

    scopes = IndexManager(es_client, loaded.index).ensure("journal_scopes")
    for level in ("library", "city", "province", "domain"):
        key = scope_key(registry, level, "PKU")
        es_client.index(index=scopes, id=key, document={"key": key, "level": level, "libraries": ["PKU"],
                                                        "issn_l": [NATURE], "count": 1})
    es_client.indices.refresh(index=scopes)
    result = searcher.search(SearchRequest(q="量子计算", library="PKU", size=20, widen=False))
    held = sorted((h["type"], h["id"]) for h in result["hits"])
    assert [t for t, _ in held] == ["article", "book", "thesis"]
    assert ("article", "a1") in held  # Nature is held, Cell is not
    assert result["scopes"]["library"] == 3 and result["scopes"]["nation"] == 6
    assert result["total"] == result["scopes"]["library"]


def test_facets_of_one_collection_and_identifiers_of_another(loaded, es_client, registry):
    searcher = searcher_for(loaded, es_client, registry)
    result = searcher.search(SearchRequest(q="quantum", filters={"journal": ("Nature",)}))
    assert [h["id"] for h in result["hits"]] == ["a1"]
    assert {b["value"] for b in result["facets"]["journal"]} == {"Nature", "Cell"}
    degree = searcher.search(SearchRequest(q="量子计算", filters={"degree": ("master",)}))
    assert [h["id"] for h in degree["hits"]] == ["t2"]
    by_doi = searcher.search(SearchRequest(q="https://doi.org/10.1038/NATURE07125"))
    assert by_doi["hits"][0]["id"] == "a1" and by_doi["query_echo"]["identifiers"] == {"doi": "10.1038/nature07125"}
    by_issn = searcher.search(SearchRequest(q=f"quantum {CELL}"))
    assert by_issn["hits"][0]["id"] == "a2"


def test_collections_can_be_chosen_and_missing_ones_are_skipped(loaded, es_client, registry):
    searcher = searcher_for(loaded, es_client, registry)
    only = searcher.search(SearchRequest(q="量子计算", collections=("theses",)))
    assert {h["type"] for h in only["hits"]} == {"thesis"} and only["query_echo"]["collections"] == ["theses"]
    # a collection that does not exist yet is simply not searched
    IndexManager(es_client, loaded.index).drop_all("theses")
    searcher = searcher_for(loaded, es_client, registry)
    result = searcher.search(SearchRequest(q="量子计算", size=20))
    assert {h["type"] for h in result["hits"]} == {"book", "article"}
    assert result["query_echo"]["collections"] == ["catalog", "articles"]
