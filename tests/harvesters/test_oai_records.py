"""harvesters.oai.records without a cluster: each metadata format -> Thesis, and the not-a-thesis rule.

The hand-written fixtures (fixtures/oai/, named after what they show) cover ETD-MS, MARCXML with 502/328 notes
and Chinese oai_dc; the recorded university repositories check the rule on real dc:type vocabularies.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from harvesters.errors import MappingError
from harvesters.oai import protocol
from harvesters.oai.records import Deleted, degree_level, fulltext_url, language_code, map_metadata, type_verdict

FIXTURES = Path(__file__).parent / "fixtures" / "oai"


def records_of(path: Path) -> dict[str, protocol.OaiRecord]:
    env = protocol.parse_envelope(path.read_bytes())
    return {r.header.identifier: r for r in protocol.read_records(env)[0]}


def mapped(record: protocol.OaiRecord, library: str = "PKU"):
    return map_metadata(record.metadata, library=library)


# --- the lookup tables ------------------------------------------------------------------------------------
@pytest.mark.parametrize("value,verdict", [
    ("Thesis", "thesis"), ("Electronic Thesis or Dissertation", "thesis"), ("学位论文", "thesis"),
    ("info:eu-repo/semantics/doctoralThesis", "thesis"), ("Thèse ou Mémoire numérique", "thesis"),
    ("Article", "not_thesis"), ("info:eu-repo/semantics/conferencePaper", "not_thesis"),
    ("http://purl.org/eprint/type/JournalArticle", "not_thesis"), ("Dataset", "not_thesis"),
    ("Image", "not_thesis"), ("Working Paper", "not_thesis"), ("期刊论文", "not_thesis"),
    ("text", None), ("Text", None), ("info:eu-repo/semantics/other", None), ("Graduate student work", None),
])
def test_type_vocabulary(value, verdict):
    assert type_verdict(value) == verdict


@pytest.mark.parametrize("value,level", [
    ("2", "doctoral"), ("1", "master"), ("0", "bachelor"), ("Doctor of Philosophy", "doctoral"),
    ("Thesis (Ph. D.)--Harvard University, 1990.", "doctoral"), ("博士", "doctoral"), ("Ph.D.", "doctoral"),
    ("Master of Public Health", "master"), ("硕士", "master"), ("Thesis (M.A.)", "master"), ("MBA", "master"),
    ("Bachelor of Arts (Honours)", "bachelor"), ("学士", "bachelor"), ("master's", "master"),
    ("Thesis", None), ("A study of doctors and masters", None),  # two levels named: says nothing
])
def test_degree_levels(value, level):
    assert degree_level(value) == level


@pytest.mark.parametrize("value,code", [("en", "eng"), ("en_US", "eng"), ("zh-CN", "chi"), ("zho", "chi"),
                                        ("chi", "chi"), ("中文", "chi"), ("fr", "fre"), ("fra", "fre"),
                                        ("German", "ger"), ("klingon", None)])
def test_languages_become_marc_codes(value, code):
    assert language_code(value) == code


# --- ETD-MS -----------------------------------------------------------------------------------------------
def test_etd_ms_reads_the_degree_block_and_contributor_roles():
    recs = records_of(FIXTURES / "etd_ms_doctoral_and_master_theses.xml")
    phd = mapped(recs["oai:etd.example.edu.cn:2019-0001"])
    assert (phd.format, phd.degree, phd.degree_name) == ("etd_ms", "doctoral", "博士")
    assert phd.advisors == ["李国强"]  # the committee member is not an advisor
    assert phd.disciplines == ["计算机软件与理论"] and phd.grantors[0] == "北京大学"
    assert phd.other_titles[0].startswith("Research on Character Recognition")
    assert phd.dois == ["10.12345/pku.etd.2019.0001"] and phd.year == 2019 and phd.languages == ["chi"]
    assert len(phd.summary) == 1  # the role="note" description is not an abstract
    master = mapped(recs["oai:etd.example.edu.cn:2021-0042"])
    assert (master.degree, master.grantors, master.languages) == ("master", ["University of Leeds"], ["eng"])
    assert fulltext_url(master).endswith("/thesis.pdf")


def test_etd_ms_rejects_an_explicit_non_thesis_and_a_missing_title():
    recs = records_of(FIXTURES / "etd_ms_doctoral_and_master_theses.xml")
    with pytest.raises(MappingError, match=r"not a thesis \(thesis.type Journal Article\)"):
        mapped(recs["oai:etd.example.edu.cn:2022-0100"])
    with pytest.raises(MappingError, match="no title"):
        mapped(recs["oai:etd.example.edu.cn:2022-0101"])


# --- MARCXML ----------------------------------------------------------------------------------------------
def test_marc21_502_subfields_give_degree_institution_and_year():
    recs = records_of(FIXTURES / "marcxml_theses_with_dissertation_notes.xml")
    t = mapped(recs["oai:cadal.example.edu.cn:t0001"])
    assert (t.format, t.title, t.degree, t.year) == ("marcxml", "城市轨道交通网络韧性评估方法研究", "doctoral", 2012)
    assert t.authors == ["陈静"] and t.advisors == ["赵建国"] and t.grantors[0] == "清华大学"
    assert t.dois == ["10.6052/thu.2012.0815"] and fulltext_url(t).endswith("t0001.pdf")


def test_marc21_free_text_502_is_read_too():
    t = mapped(records_of(FIXTURES / "marcxml_theses_with_dissertation_notes.xml")["oai:cadal.example.edu.cn:t0002"])
    assert (t.degree, t.grantors[0], t.year, t.languages) == ("doctoral", "Harvard University", 1990, ["eng"])


def test_cnmarc_328_gives_degree_discipline_year_and_institution():
    t = mapped(records_of(FIXTURES / "marcxml_theses_with_dissertation_notes.xml")["oai:cadal.example.edu.cn:t0003"])
    assert (t.title, t.degree, t.disciplines, t.year, t.grantors[0]) == (
        "宋代江南市镇经济研究", "doctoral", ["中国古代史"], 2010, "复旦大学")
    assert t.advisors == ["葛剑雄"] and t.authors == ["周敏"]


def test_marc_without_thesis_markers_deleted_and_untitled_records():
    recs = records_of(FIXTURES / "marcxml_theses_with_dissertation_notes.xml")
    with pytest.raises(MappingError, match=r"not a thesis \(MARC book without a dissertation note 502"):
        mapped(recs["oai:cadal.example.edu.cn:b0004"])
    assert isinstance(mapped(recs["oai:cadal.example.edu.cn:t0005"]), Deleted)
    with pytest.raises(MappingError, match=r"no title \(245 \$a"):
        mapped(recs["oai:cadal.example.edu.cn:t0006"])


# --- Dublin Core ------------------------------------------------------------------------------------------
def test_chinese_oai_dc_thesis():
    recs = records_of(FIXTURES / "oai_dc_chinese_theses_traditional_grantor.xml")
    t = mapped(recs["oai:repository.example.edu.cn:123456789/501"])
    assert (t.degree, t.degree_name, t.year) == ("doctoral", "博士", 2018)  # the issue date, not accession
    assert t.other_titles == ["A Study of West Hunan Narratives in Shen Congwen's Fiction"]
    assert t.advisors == ["王德威"] and t.disciplines == ["中国语言文学系"] and t.grantors == ["清華大學"]
    assert t.languages == ["chi"] and t.dois == ["10.13140/rg.2.2.501"] and len(t.summary) == 1
    second = mapped(recs["oai:repository.example.edu.cn:123456789/502"])
    assert second.degree == "master" and second.summary == [] and second.grantors == ["武汉大学经济与管理学院"]


def test_recorded_dspace_theses_keep_advisors_departments_and_degree_hints(shared_data):
    repos = shared_data / "oai/scrapi-university-repositories"
    calhoun = next(iter(records_of(repos / "calhoun/calhoun__00.xml").values()))
    t = mapped(calhoun)
    assert t.advisors == ["Bordetsky, Alex", "Singh, Gurminder"] and t.disciplines == ["Information Sciences"]
    assert t.grantors[0] == "Naval Postgraduate School (U.S.)" and t.year == 2004
    krex = [mapped(r) for r in records_of(repos / "krex/krex__00.xml").values()
            if "Master of Public Health" in protocol.text_of(r.metadata)]
    assert krex and all(k.degree == "master" for k in krex)  # K-State master's *reports* are theses


def test_recorded_articles_are_not_theses(shared_data):
    mit = records_of(shared_data / "oai/scrapi-university-repositories/mit/mit__00.xml").values()
    reasons = set()
    for r in mit:
        with pytest.raises(MappingError) as err:
            mapped(r)
        reasons.add(err.value.message.split(" (")[0])
    assert reasons == {"not a thesis"}


def test_unsupported_formats_are_named(shared_data):
    arxiv = next(iter(records_of(shared_data / "oai/invenio-oaiharvester/sample_arxiv_response.xml").values()))
    with pytest.raises(MappingError, match=r"unsupported metadata format <arXiv> \(http://arxiv.org/OAI/arXiv/\)"):
        mapped(arxiv)
    no_ns = next(iter(records_of(shared_data / "oai/invenio-oaiharvester/sample_arxiv_response_no_namespace.xml")
                      .values()))
    with pytest.raises(MappingError, match=r"<arXiv> \(no namespace\)"):
        mapped(no_ns)
