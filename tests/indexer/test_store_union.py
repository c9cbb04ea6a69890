"""Grouping in the record store and the union documents built from groups (SQLite, no cluster)."""
from __future__ import annotations

import pytest

from indexer.store import RecordStore
from indexer.union import UnionBuilder, components, merge_keys, title_key


def rec(control, title, *, isbn=(), author="鲁迅", year=1997, edition=None, holdings=None, **extra):
    doc = {"control_number": control, "title": title, "isbn": list(isbn), "year": year,
           "authors": [{"name": author}], "format": "cnmarc", "type": "book",
           "holdings": holdings if holdings is not None else [], **extra}
    if edition:
        doc["edition_number"] = edition
    return doc


@pytest.fixture
def store(tmp_path):
    s = RecordStore(tmp_path / "records.sqlite")
    yield s
    s.close()


def put(store, library, doc, gen=1):
    return store.upsert(library, doc["control_number"], doc, merge_keys(doc), raw=None,
                        origin=f"test {library}/{doc['control_number']}", gen=gen)


def groups(store):
    """{frozenset of (library, control)} for every non-empty group."""
    return {frozenset((m.library, m.control) for m in members)
            for _, _, members in store.iter_groups(dirty_only=False) if members}


def test_same_isbn_from_two_libraries_is_one_group(store):
    assert put(store, "PKU", rec("p1", "鲁迅全集", isbn=["9787020000001"])).merged is False
    assert put(store, "THU", rec("t1", "鲁迅 全集", isbn=["9787020000001"])).merged is True
    assert groups(store) == {frozenset({("PKU", "p1"), ("THU", "t1")})}


def test_different_isbns_with_the_same_title_stay_apart(store):
    put(store, "PKU", rec("p1", "鲁迅全集", isbn=["9787020000001"]))
    put(store, "THU", rec("t1", "鲁迅全集", isbn=["9787020000002"]))
    assert len(groups(store)) == 2


def test_isbnless_records_match_on_title_author_year_edition(store):
    put(store, "PKU", rec("p1", "资治通鉴", author="司马光", year=1956))
    put(store, "THU", rec("t1", "資治通鑑", author="司馬光", year=1956))  # traditional script, same book
    put(store, "FDU", rec("f1", "资治通鉴", author="司马光", year=1956, edition="2"))  # another edition
    assert groups(store) == {frozenset({("PKU", "p1"), ("THU", "t1")}), frozenset({("FDU", "f1")})}


def test_isbn_record_absorbs_isbnless_copies_but_title_never_joins_two_isbn_groups(store):
    put(store, "PKU", rec("p1", "沈从文文集", author="沈从文", year=1982))
    put(store, "THU", rec("t1", "沈从文文集", author="沈从文", year=1982, isbn=["9787020000003"]))
    assert groups(store) == {frozenset({("PKU", "p1"), ("THU", "t1")})}
    put(store, "FDU", rec("f1", "沈从文文集", author="沈从文", year=1982, isbn=["9787020000004"]))
    assert len(groups(store)) == 2


def test_removing_the_linking_record_splits_the_group_again(store):
    put(store, "PKU", rec("p1", "A", isbn=["9787020000001"]))
    put(store, "THU", rec("t1", "A", isbn=["9787020000001", "9787020000002"]))  # links both ISBNs
    put(store, "FDU", rec("f1", "A", isbn=["9787020000002"]))
    assert len(groups(store)) == 1
    store.delete("THU", "t1")
    (grp, _, members), = [g for g in store.iter_groups(dirty_only=True) if g[2]]
    parts = components(members)
    assert [[(m.library, m.control) for m in p] for p in parts] == [[("FDU", "f1")], [("PKU", "p1")]]
    store.split(grp, [[(m.library, m.control) for m in p] for p in parts])
    assert groups(store) == {frozenset({("FDU", "f1")}), frozenset({("PKU", "p1")})}


def test_reloading_a_record_keeps_its_group_and_full_reload_drops_missing_ones(store):
    put(store, "PKU", rec("p1", "A", isbn=["9787020000001"]), gen=1)
    put(store, "PKU", rec("p2", "B", isbn=["9787020000002"]), gen=1)
    before = {frozenset(g): gid for gid, _, g in
              [(g, u, {(m.library, m.control) for m in ms}) for g, u, ms in store.iter_groups(dirty_only=False)]}
    put(store, "PKU", rec("p1", "A (revised)", isbn=["9787020000001"]), gen=2)
    assert store.remove_stale("PKU", 2) == 1  # p2 was not in the second full load
    after = {frozenset({(m.library, m.control) for m in ms}): g
             for g, _, ms in store.iter_groups(dirty_only=False) if ms}
    assert after == {frozenset({("PKU", "p1")}): before[frozenset({("PKU", "p1")})]}


def test_title_key_ignores_spacing_punctuation_script_and_role_words():
    a = title_key({"title": "鲁  迅 全集：", "responsibility": "鲁迅著", "year": 1981})
    b = title_key({"title": "魯迅全集", "authors": [{"name": "魯迅"}], "year": 1981})
    assert a == b


def test_union_document_merges_members_and_explains_itself(store):
    builder = UnionBuilder(is_member={"PKU", "THU", "BNU"}.__contains__)
    put(store, "PKU", rec("p1", "'97中国发展报告", isbn=["9787503726231"], subjects=["经济发展--中国"],
                          holdings=[{"institution": "PKU", "call_number": "F124/1"},
                                    {"institution": "PKU", "call_number": "F124/1:2"}]))
    put(store, "THU", rec("t1", "97中国发展报告", isbn=["9787503726231"], subjects=["社会发展--中国"],
                          summary=["总论"], clc=["F124"], holdings=[]))
    put(store, "BNU", rec("b1", "'97中国发展报告", isbn=["9787503726231"], holdings=[{"institution": "ZZZ"}]))
    (_, _, members), = list(store.iter_groups(dirty_only=False))
    uid, doc = builder.build(members)
    assert uid.startswith("u") and doc["merge_key"] == "isbn:9787503726231"
    assert doc["holding_libraries"] == ["BNU", "PKU", "THU"] and doc["holding_count"] == 3
    pku = next(h for h in doc["holdings"] if h["library"] == "PKU")
    assert pku["copies"] == 2 and pku["call_numbers"] == ["F124/1", "F124/1:2"]
    assert sorted(doc["source_ids"]) == ["BNU:b1", "PKU:p1", "THU:t1"]
    assert {s["matched_on"] for s in doc["sources"]} == {"isbn:9787503726231"}
    assert sorted(doc["subjects"]) == ["社会发展--中国", "经济发展--中国"]
    assert doc["summary"] == ["总论"]
    assert doc["clc_top"] == ["F"] and doc["clc2"] == ["F1"]
    # search fields carry the folded, segmented and pinyin forms
    assert doc["title_t"][0].endswith("97中国发展报告")
    assert "中国" in doc["title_s"][0].split()
    assert "zhong guo fa zhan bao gao" in doc["title_py"][0]
    assert doc["suggest"]["weight"] == 3
    # the same members in another order build the same document id
    uid2, _ = builder.build(list(reversed(members)))
    assert uid2 == uid
