"""The theses index on the real node: mapping, documents, ids, deletions, scope, Chinese search forms.

The theses.fr sample (../shared/data/oai/theses-fr-elasticsearch-sample: 13 real thesis documents from the
French national theses index) is the target shape: each becomes one of our documents, searchable by title,
supervisor, discipline and subject.
"""
from __future__ import annotations

import orjson
import pytest

from harvesters.oai.records import Thesis
from indexer.theses import COLLECTION, InstitutionMatcher, ThesisBuilder, ThesisWriter, thesis_id
from mappings.theses import FAMILIES, mapping
from yidu import textzh
from yidu.libraries import shipped_registry

pytestmark = pytest.mark.es


@pytest.fixture(scope="module")
def registry():
    return shipped_registry()


@pytest.fixture
def writer(es_client, settings, clean_indices):
    w = ThesisWriter(es_client, settings.index)
    w.ensure()
    return w


def search(es_client, settings, query, **kw):
    es_client.indices.refresh(index=settings.index.alias(COLLECTION))
    return es_client.search(index=settings.index.alias(COLLECTION), query=query, **kw)["hits"]


def build(registry, thesis: Thesis, identifier: str, *, library="XMU", source="repo", origin="local"):
    return ThesisBuilder(registry).build(thesis, source=source, origin=origin, library=library,
                                         identifier=identifier, datestamp="2026-01-01T00:00:00Z",
                                         fulltext_url="https://repo.example.edu.cn/x.pdf")


def chinese_thesis(**kw) -> Thesis:
    base = dict(format="oai_dc", title="沈從文小說中的湘西敘事研究", authors=["林雨晴"], advisors=["王德威"],
                other_titles=["A Study of West Hunan Narratives in Shen Congwen's Fiction"],
                degree="doctoral", degree_name="博士", disciplines=["中国现当代文学"], grantors=["清華大學"],
                year=2018, summary=["本文以沈从文的湘西小说为研究对象，考察其叙事策略。"], subjects=["沈从文", "湘西"],
                languages=["chi"], dois=["10.1234/x.1"], handles=["123456789/501"])
    base.update(kw)
    return Thesis(**base)


# --- institutions ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("grantor,code", [
    ("清華大學", "THU"), ("清华大学", "THU"), ("Tsinghua University", "THU"),
    ("Peking University, School of Physics", "PKU"), ("北京大学化学与分子工程学院", "PKU"),
    ("北京大学医学部", "PKU-HSC"),  # the longer registry name wins
    ("武汉大学经济与管理学院", "WHU"), ("Fudan University Graduate School", "FDU"),
    ("Nanjing University of Science and Technology", None),  # not Nanjing University
    ("University of Leeds", None), ("Naval Postgraduate School (U.S.)", None),
])
def test_grantors_are_matched_to_registry_members(registry, grantor, code):
    assert InstitutionMatcher(registry).match(grantor) == code


def test_the_owning_library_is_the_institution_when_no_member_is_named(registry):
    builder = ThesisBuilder(registry)
    assert builder.institution(["University of Leeds"], "SJTU") == ("SJTU", "University of Leeds")
    assert builder.institution([], "SJTU") == ("SJTU", "上海交通大学")
    assert builder.institution(["Some Lab", "北京大学"], "SJTU") == ("PKU", "北京大学")


# --- mapping and documents -----------------------------------------------------------------------------
def test_ensure_creates_v1_behind_both_aliases_with_a_strict_mapping(es_client, settings, writer):
    state = writer.indices.state(COLLECTION)
    assert state.read == state.write == settings.index.versioned(COLLECTION, 1)
    live = es_client.indices.get_mapping(index=state.read)[state.read]["mappings"]
    assert live["dynamic"] == "strict"
    assert set(live["_source"]["excludes"]) == {"title_s", "title_py", "other_titles_s", "other_titles_py",
                                                "authors_s", "authors_py", "advisors_s", "advisors_py",
                                                "discipline_s", "subjects_s", "summary_s"}
    assert live["properties"]["holding_libraries"]["type"] == "keyword"
    assert live["properties"]["fulltext_url"]["index"] is False
    assert set(live["properties"]) == set(mapping().to_dict()["properties"])


def test_a_document_carries_the_families_scope_and_identifiers(registry):
    doc = build(registry, chinese_thesis(), "oai:repo:501")
    assert doc["collection"] == "theses" and doc["type"] == "thesis"
    assert doc["institution"] == "THU" and doc["holding_libraries"] == ["THU"] and doc["institution_name"] == "清华大学"
    assert doc["identifiers"] == ["oai:repo:501", "10.1234/x.1", "123456789/501"]
    assert doc["source_ids"] == ["repo:oai:repo:501"] and doc["discipline_facet"] == ["中国现当代文学"]
    assert doc["title_t"] == [textzh.fold("沈從文小說中的湘西敘事研究")]  # folded to simplified
    assert "shen cong wen" in doc["title_py"][0] and doc["authors_pyi"] == ["lyq"]
    for name in FAMILIES:
        assert f"{name}_t" in doc


def test_ids_are_stable_per_source_and_identifier():
    assert thesis_id("repo", "oai:x:1") == thesis_id("repo", "oai:x:1")
    assert len({thesis_id("repo", "oai:x:1"), thesis_id("repo", "oai:x:2"), thesis_id("other", "oai:x:1")}) == 3


def test_chinese_pinyin_and_traditional_searches_find_the_thesis(es_client, settings, registry, writer):
    docs = [(thesis_id("repo", "a"), build(registry, chinese_thesis(), "a"), "a"),
            (thesis_id("repo", "b"), build(registry, chinese_thesis(title="长江中游城市群协同发展机制研究", grantors=["武汉大学"],
                                                                    advisors=["刘建华"], summary=[]), "b"), "b")]
    result = writer.write_page(docs, [])
    assert (result.indexed, result.failures) == (2, [])
    hit = lambda q: [h["_source"]["oai_identifier"] for h in search(es_client, settings, q)["hits"]]  # noqa: E731
    assert hit({"match_phrase": {"title_t": textzh.fold("沈从文")}}) == ["a"]  # simplified finds traditional
    assert hit({"match_phrase": {"title_py": "shen cong wen"}}) == ["a"]
    assert hit({"term": {"title_pyi": "cjzycsqxtfzjzyj"}}) == ["b"]
    assert hit({"match": {"advisors_s": " ".join(textzh.segment("刘建华"))}}) == ["b"]
    # the scope filter is the catalogue's: terms on holding_libraries
    assert hit({"terms": {"holding_libraries": ["WHU", "HUST"]}}) == ["b"]


def test_a_replayed_page_overwrites_and_deletions_use_the_same_id(es_client, settings, registry, writer):
    page = [(thesis_id("repo", f"r{i}"), build(registry, chinese_thesis(title=f"论文{i}"), f"r{i}"), f"r{i}")
            for i in range(5)]
    writer.write_page(page, [])
    writer.write_page(page, [])  # a page replayed after a crash
    assert search(es_client, settings, {"match_all": {}})["total"]["value"] == 5
    versions = {h["_version"] for h in search(es_client, settings, {"match_all": {}}, version=True)["hits"]}
    assert versions == {2}
    gone = writer.write_page([], [(thesis_id("repo", "r1"), "r1"), (thesis_id("repo", "never-indexed"), "x")])
    assert gone.deleted == 2 and gone.failures == []  # deleting what is not there is not an error
    assert search(es_client, settings, {"match_all": {}})["total"]["value"] == 4


def test_a_refused_document_comes_back_with_its_ref(es_client, settings, registry, writer):
    good = build(registry, chinese_thesis(), "ok")
    bad = dict(good, unknown_field="strict mappings refuse this")
    result = writer.write_page([(thesis_id("repo", "ok"), good, "ok"), (thesis_id("repo", "bad"), bad, "bad")], [])
    assert result.indexed == 1 and [f.ref for f in result.failures] == ["bad"]
    assert "unknown_field" in result.failures[0].reason


def test_load_mode_switches_refresh_off_and_back_to_the_default(es_client, writer):
    writer.load_mode(True)
    index = writer.indices.state(COLLECTION).write
    flat = lambda: es_client.indices.get_settings(index=index, flat_settings=True)[index]["settings"]  # noqa: E731
    assert flat()["index.refresh_interval"] == "-1"
    writer.load_mode(False)
    assert "index.refresh_interval" not in flat()


def test_the_theses_fr_sample_becomes_searchable_documents(es_client, settings, registry, writer, shared_data):
    hits = [orjson.loads(line) for line in
            (shared_data / "oai/theses-fr-elasticsearch-sample/theses-sample-data.json").read_bytes().splitlines()
            if line.strip()]
    page = []
    for hit in hits:
        s = hit["_source"]
        titles = s.get("titres", {})
        main = s.get("titrePrincipal") or next(iter(titles.values()))
        thesis = Thesis(
            format="theses.fr", title=main, other_titles=[t for t in titles.values() if t != main],
            authors=s.get("auteursNP", []), advisors=s.get("directeursNP", []), degree="doctoral",
            degree_name="Doctorat", disciplines=[s["discipline"]] if s.get("discipline") else [],
            grantors=[s.get("etabSoutenanceN")] if s.get("etabSoutenanceN") else [],
            year=int(s["dateSoutenance"][:4]) if s.get("dateSoutenance") else None,
            summary=list(s.get("resumes", {}).values()), subjects=s.get("sujetsLibelle", []),
            languages=["fre" if lang == "fr" else "eng" if lang == "en" else lang for lang in s.get("langues", [])])
        page.append((thesis_id("theses.fr", hit["_id"]),
                     build(registry, thesis, hit["_id"], library="SISU", source="theses.fr"), hit["_id"]))
    result = writer.write_page(page, [])
    assert result.indexed == len(hits) == 13 and not result.failures
    assert search(es_client, settings, {"term": {"harvest_source": "theses.fr"}})["total"]["value"] == 13
    found = search(es_client, settings, {"match": {"advisors_s": "bougdira"}})["hits"]
    assert [h["_id"] for h in found] == [thesis_id("theses.fr", "2009NAN10089")]
    physics = search(es_client, settings, {"term": {"discipline_facet": "Physique"}})["total"]["value"]
    assert physics == sum(1 for h in hits if h["_source"].get("discipline") == "Physique")
    # French grantors are not consortium members: the owning library holds them
    assert search(es_client, settings, {"term": {"holding_libraries": "SISU"}})["total"]["value"] == 13


def test_every_family_form_is_what_textzh_analyze_gives(registry):
    """Abstracts and subjects skip the pinyin they do not need, but their forms stay analyze()'s."""
    doc = build(registry, chinese_thesis(summary=["本文以沈從文的湘西小說為研究對象，考察其敘事策略。", "An English abstract."]),
                "x")
    for name in ("summary", "subjects", "discipline", "title", "authors"):
        value = doc[name] if isinstance(doc[name], list) else [doc[name]]
        analyses = [textzh.analyze(v) for v in value]
        assert doc[f"{name}_t"] == [a.folded for a in analyses]
        assert doc[f"{name}_s"] == [a.seg for a in analyses]
