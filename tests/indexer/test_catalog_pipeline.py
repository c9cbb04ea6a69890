"""The catalogue pipeline end to end, against the real node: MARC bytes to searchable union records."""
from __future__ import annotations

import io
import json

import pytest
from pymarc import Field, Leader, MARCWriter, Record, Subfield

from indexer.catalog import CatalogPipeline
from indexer.errors import ReindexError
from indexer.union import merge_keys
from query.request import SearchRequest
from query.search import Searcher
from yidu.libraries import shipped_registry

pytestmark = pytest.mark.es

DP2_CNMARC = "unimarc/dp2-sru-china/sample_cnmarcxml.xml"
DP2_UNIMARCXML = "unimarc/dp2-sru-china/sample_unimarcxml.xml"


@pytest.fixture
def registry():
    return shipped_registry()


@pytest.fixture
def pipeline(settings, es_client, registry, clean_indices):
    p = CatalogPipeline(settings, es_client, is_member=registry.__contains__, progress=False)
    yield p
    p.store.close()


@pytest.fixture
def searcher(pipeline, es_client, registry, settings):
    return Searcher(es_client, registry, [settings.index.alias("catalog")])


def iso2709(*records: Record) -> bytes:
    out = io.BytesIO()
    writer = MARCWriter(out)
    for r in records:
        writer.write(r)
    return out.getvalue()


def book(control: str, title: str, isbn: str | None = None, *, deleted: bool = False, author: str = "Smith, Jane",
         holding: str | None = None) -> Record:
    r = Record(force_utf8=True)
    r.leader = Leader(f"00000{'d' if deleted else 'n'}am a2200000 a 4500")
    r.add_field(Field(tag="001", data=control))
    r.add_field(Field(tag="008", data="200101s2020    xxu           000 0 eng d"))
    if isbn:
        r.add_field(Field(tag="020", indicators=[" ", " "], subfields=[Subfield("a", isbn)]))
    r.add_field(Field(tag="100", indicators=["1", " "], subfields=[Subfield("a", author)]))
    r.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", title)]))
    if holding:
        r.add_field(Field(tag="852", indicators=[" ", " "], subfields=[Subfield("a", holding), Subfield("h", "QA76")]))
    return r


def search(searcher, q, **kw):
    return searcher.search(SearchRequest(q=q, **kw))


@pytest.mark.shared_data
def test_dp2_cnmarc_loads_and_the_two_97_records_become_one_union_record(pipeline, searcher, shared_data):
    summary = pipeline.load([shared_data / DP2_CNMARC], library="BNU")
    assert (summary.read, summary.indexed, summary.merged, summary.rejected) == (10, 9, 1, 0)
    assert summary.balanced and summary.union_written == 9
    result = search(searcher, "7-5037-2623-7")
    assert result["total"] == 1
    hit = result["hits"][0]
    assert hit["title"] == "'97中国发展报告"
    assert sorted(hit["source_ids"]) == ["BNU:990001379280203961", "BNU:9910637057203961"]
    assert [h["library"] for h in hit["holdings"]] == ["BNU"]


@pytest.mark.shared_data
def test_the_same_records_in_another_namespace_update_in_place(pipeline, searcher, shared_data):
    pipeline.load([shared_data / DP2_CNMARC], library="BNU")
    again = pipeline.load([shared_data / DP2_UNIMARCXML], library="BNU")
    assert again.read == 10 and again.rejected == 0 and again.removed == 0
    assert search(searcher, "中国发展报告")["total"] == 9


@pytest.mark.shared_data
@pytest.mark.parametrize("query", ["中国发展报告", "中國發展報告", "zhongguo fazhan baogao", "zhongguofazhanbaogao",
                                   "zgfzbg", "国家统计局", "國家統計局", "guojia tongjiju"])
def test_chinese_records_are_found_by_simplified_traditional_and_pinyin(pipeline, searcher, shared_data, query):
    pipeline.load([shared_data / DP2_CNMARC], library="BNU")
    result = search(searcher, query)
    titles = [h["title"] for h in result["hits"]]
    assert any("中国发展报告" in t for t in titles), (query, titles)


def test_character_matching_finds_oddly_spaced_titles(pipeline, searcher, tmp_path):
    path = tmp_path / "odd.mrc"
    path.write_bytes(iso2709(book("o1", "鲁  迅  传", "9787020000001", author="王 晓明", holding="PKU")))
    pipeline.load([path], library="PKU")
    for q in ("鲁迅传", "鲁 迅", "魯迅", "luxun"):
        assert search(searcher, q)["total"] == 1, q


def test_merge_across_libraries_is_reversible(pipeline, searcher, tmp_path):
    a, b = tmp_path / "pku.mrc", tmp_path / "thu.mrc"
    a.write_bytes(iso2709(book("p1", "Data structures", "0-19-853453-1", holding="PKU")))
    b.write_bytes(iso2709(book("t1", "Data structures.", "9780198534532", holding="THU")))
    assert pipeline.load([a], library="PKU").indexed == 1
    assert pipeline.load([b], library="THU").merged == 1
    hit, = search(searcher, "data structures")["hits"]
    assert sorted(h["library"] for h in hit["holdings"]) == ["PKU", "THU"]
    pipeline.remove_library("THU")
    hit, = search(searcher, "data structures")["hits"]
    assert [h["library"] for h in hit["holdings"]] == ["PKU"] and hit["source_ids"] == ["PKU:p1"]


def test_scope_counts_from_the_registry(pipeline, searcher, tmp_path, registry):
    beijing = registry.scope_members("city", "PKU")
    other = next(lib.code for lib in registry if lib.code not in registry.scope_members("province", "PKU"))
    files = {"PKU": book("p1", "Scope test A", "9780000000002", holding="PKU"),
             beijing[-1]: book("c1", "Scope test B", "9780000000019", holding=beijing[-1]),
             other: book("o1", "Scope test C", "9780000000026", holding=other)}
    for library, record in files.items():
        path = tmp_path / f"{library}.mrc"
        path.write_bytes(iso2709(record))
        pipeline.load([path], library=library)
    result = search(searcher, "scope test", library="PKU")
    assert result["scopes"]["library"] == 1 and result["scopes"]["city"] == 2
    assert result["scopes"]["province"] == 2 and result["scopes"]["nation"] == 3
    assert result["total"] == 1  # the default scope is the reader's library
    assert search(searcher, "scope test", library="PKU", scope="nation")["total"] == 3


def test_deletions_and_incremental_loads_update_in_place(pipeline, searcher, tmp_path):
    full = tmp_path / "full.mrc"
    full.write_bytes(iso2709(book("x1", "Alpha volume", "9780000000033"), book("x2", "Beta volume", "9780000000040")))
    pipeline.load([full], library="PKU")
    inc = tmp_path / "inc.mrc"
    inc.write_bytes(iso2709(book("x1", "", deleted=True), book("x3", "Gamma volume", "9780000000057")))
    summary = pipeline.load([inc], library="PKU", incremental=True)
    assert (summary.read, summary.deleted, summary.indexed, summary.removed) == (2, 1, 1, 0)
    assert {h["title"] for h in search(searcher, "volume")["hits"]} == {"Beta volume", "Gamma volume"}
    # a full load is the library's whole catalogue: what it does not contain goes
    pipeline.load([inc], library="PKU")
    assert {h["title"] for h in search(searcher, "volume")["hits"]} == {"Gamma volume"}


def test_a_first_load_removes_nothing_and_a_reload_drops_what_it_lacks(pipeline, searcher, tmp_path):
    pku, thu = tmp_path / "pku.mrc", tmp_path / "thu.mrc"
    pku.write_bytes(iso2709(book("s1", "Stale test one", "9780000000064"), book("s2", "Stale test two", "9780000000071")))
    thu.write_bytes(iso2709(book("u1", "Stale test three", "9780000000088")))
    from indexer.catalog import LoadJob

    first = pipeline.load_many([LoadJob("PKU", (str(pku),)), LoadJob("THU", (str(thu),))])
    assert [(s.read, s.removed) for s in first] == [(2, 0), (1, 0)]
    pku.write_bytes(iso2709(book("s2", "Stale test two", "9780000000071")))
    again = pipeline.load([pku], library="PKU")
    assert (again.read, again.removed) == (1, 1)
    assert {h["title"] for h in search(searcher, "stale test")["hits"]} == {"Stale test two", "Stale test three"}


def test_a_librarys_files_in_separate_jobs_of_one_load_are_one_full_load(pipeline, searcher, tmp_path):
    from indexer.catalog import LoadJob

    whole = tmp_path / "whole.mrc"
    whole.write_bytes(iso2709(*(book(f"j{i}", f"Joint job {i}", isbn) for i, isbn in
                                enumerate(["9780000000064", "9780000000071", "9780000000088"]))))
    pipeline.load([whole], library="PKU")
    part_a, part_b = tmp_path / "a.mrc", tmp_path / "b.mrc"
    part_a.write_bytes(iso2709(book("j0", "Joint job 0", "9780000000064")))
    part_b.write_bytes(iso2709(book("j1", "Joint job 1", "9780000000071")))
    summaries = pipeline.load_many([LoadJob("PKU", (str(part_a),)), LoadJob("PKU", (str(part_b),))])
    # neither job's stale pass drops the other's record; the one record in neither file goes
    assert sum(s.removed for s in summaries) == 1
    assert {h["title"] for h in search(searcher, "joint job")["hits"]} == {"Joint job 0", "Joint job 1"}


def test_broken_records_are_dead_lettered_and_the_rest_goes_in(pipeline, searcher, tmp_path):
    good = iso2709(book("g1", "Good one", "9780000000064"), book("g2", "Good two", "9780000000071"))
    broken = iso2709(book("b1", "Broken", "9780000000088"))
    broken = b"abcde" + broken[5:]  # no record length, and nothing else adds up either
    untitled = iso2709(book("u1", ""))
    path = tmp_path / "mixed.mrc"
    path.write_bytes(good + broken + untitled)
    summary = pipeline.load([path], library="PKU")
    assert summary.read == 4 and summary.indexed == 2 and summary.rejected == 2 and summary.balanced
    letters = [json.loads(line) for line in open(summary.dead_letter, encoding="utf-8")]
    assert len(letters) == 2
    assert all(entry["source"].endswith("mixed.mrc") and entry["reason"] for entry in letters)
    assert any(entry.get("offset") for entry in letters)
    assert any("245" in entry["reason"] for entry in letters)
    assert search(searcher, "good")["total"] == 2


def test_an_unreadable_file_is_reported_and_does_not_drop_the_librarys_records(pipeline, searcher, tmp_path):
    good = tmp_path / "good.mrc"
    good.write_bytes(iso2709(book("k1", "Kept record", "9780000000095")))
    pipeline.load([good], library="PKU")
    junk = tmp_path / "page.html"
    junk.write_text("<html><body>not MARC</body></html>")
    summary = pipeline.load([junk], library="PKU")
    assert summary.unreadable_files and "page.html" in summary.unreadable_files[0]
    assert summary.removed == 0
    assert search(searcher, "kept record")["total"] == 1


def test_reindex_builds_a_new_version_and_swaps_only_when_it_checks_out(pipeline, searcher, tmp_path, es_client,
                                                                        settings):
    path = tmp_path / "r.mrc"
    path.write_bytes(iso2709(*(book(f"r{i}", f"Reindex book {i}", None, author=f"Author {i}") for i in range(30))))
    pipeline.load([path], library="PKU")
    alias = settings.index.alias("catalog")
    before = pipeline.indices.state("catalog").read
    result = pipeline.reindex()
    assert result["old"] == before and result["new"] != before and result["documents"] == 30
    assert pipeline.indices.state("catalog").read == result["new"]
    assert es_client.count(index=alias)["count"] == 30
    # a record Elasticsearch refuses: the new version fails the check and the alias stays
    bad = {"control_number": "bad", "title": "Bad year", "year": "not a year", "format": "marc21",
           "type": "book", "holdings": []}
    pipeline.store.begin()
    pipeline.store.upsert("PKU", "bad", bad, merge_keys(bad), raw=None, origin="test", gen=99)
    pipeline.store.commit()
    with pytest.raises(ReindexError, match="alias stays"):
        pipeline.reindex()
    assert pipeline.indices.state("catalog").read == result["new"]
    assert search(searcher, "reindex book")["total"] == 30
    assert len(pipeline.indices.state("catalog").versions) == 2  # the failed build was removed


@pytest.mark.shared_data
def test_every_shared_marc_file_is_accounted_for(pipeline, es_client, settings, shared_data):
    """All MARC 21 and CNMARC/UNIMARC files, broken ones included: every record read is indexed, merged,
    deleted or rejected with its position and reason; files that are not MARC at all are named."""
    summary = pipeline.load([shared_data / "marc21", shared_data / "unimarc"], library="PKU")
    assert summary.balanced, summary
    assert summary.read > 4000 and summary.indexed > 3000
    assert summary.rejected >= 29  # the deliberately broken files (and records without a title)
    letters = [json.loads(line) for line in open(summary.dead_letter, encoding="utf-8")]
    assert len(letters) == summary.rejected
    assert all(e["source"] and e["reason"] and e["position"] for e in letters)
    for skipped in summary.skipped_files:  # e.g. ISO 20775 holdings XML, not a MARC record in sight
        path, _, reason = skipped.partition(": ")
        assert path.startswith(str(shared_data)) and reason
    # everything stored is searchable: one document per union record
    es_client.indices.refresh(index=settings.index.alias("catalog"))
    groups = pipeline.store.counts()["groups"]
    assert es_client.count(index=settings.index.alias("catalog"))["count"] == groups
    assert pipeline.store.count_dirty() == 0
