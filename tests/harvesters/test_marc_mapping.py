"""The MARC 21 and CNMARC mapping tables, on hand-built records and on the real dp2 records."""
from __future__ import annotations

import copy

import pytest
from pymarc import Field, Leader, Record, Subfield

from harvesters.errors import MappingError
from harvesters.marc.holdings import HoldingsProfiles
from harvesters.marc.mapper import MarcMapper
from harvesters.marc.rules import RecordView, marc


def _record(leader: str, *fields: tuple) -> Record:
    r = Record(force_utf8=True)
    r.leader = Leader(leader)
    for tag, *rest in fields:
        if tag < "010":
            r.add_field(Field(tag=tag, data=rest[0]))
        else:
            inds, subs = rest
            r.add_field(Field(tag=tag, indicators=list(inds), subfields=[Subfield(c, v) for c, v in subs]))
    return r


CNMARC = _record(
    "01576nam0 2200409   4500",
    ("001", "990001379280203961"),
    ("010", "  ", [("a", "7-5037-2623-7"), ("d", "CNY90.00")]),
    ("100", "  ", [("a", "19980204d1997    em y0chiy0120    ea")]),
    ("101", "0 ", [("a", "chi")]),
    ("200", "1 ", [("a", "'97中国发展报告"), ("A", "'97 Zhong Guo Fa Zhan Bao Gao"), ("e", "统计分析"),
                   ("f", "国家统计局编")]),
    ("205", "  ", [("a", "第2版")]),
    ("210", "  ", [("a", "北京"), ("c", "中国统计出版社"), ("d", "1997")]),
    ("225", "2 ", [("a", "中国发展报告丛书")]),
    ("330", "  ", [("a", "本书介绍了1997年中国经济社会发展概况。")]),
    ("606", "  ", [("a", "经济发展"), ("y", "中国"), ("z", "1997")]),
    ("690", "  ", [("a", "F124"), ("v", "4")]),
    ("701", " 0", [("a", "叶震"), ("A", "Ye Zhen"), ("4", "主编")]),
    ("711", "02", [("a", "国家统计局"), ("4", "编")]),
    ("905", "  ", [("a", "BNU"), ("c", "中文书库"), ("d", "F124"), ("e", "26")]),
    ("905", "  ", [("a", "BNU"), ("s", "F124/26:2")]),
)

MARC21 = _record(
    "00900cam a2200241 a 4500",
    ("001", "ocm123"),
    ("008", "980101s1997    cc            000 0 chi d"),
    ("020", "  ", [("a", "0-19-853453-1 (pbk.) :"), ("c", "$20")]),
    ("041", "1 ", [("a", "chieng")]),
    ("084", "  ", [("a", "I210.4"), ("2", "clc")]),
    ("084", "  ", [("a", "PL2754"), ("2", "lcc")]),
    ("100", "1 ", [("6", "880-01"), ("a", "Lu, Xun,"), ("d", "1881-1936,"), ("e", "author.")]),
    ("245", "10", [("6", "880-02"), ("a", "Lu Xun quan ji /"), ("c", "Lu Xun zhu.")]),
    ("260", "  ", [("a", "Beijing :"), ("b", "Ren min wen xue chu ban she,"), ("c", "c1997.")]),
    ("650", " 0", [("a", "Chinese literature"), ("y", "20th century"), ("v", "Collections.")]),
    ("852", "  ", [("a", "PKU"), ("b", "Main stacks"), ("h", "I210.4"), ("i", "L97")]),
    ("880", "1 ", [("6", "100-01"), ("a", "鲁迅,"), ("d", "1881-1936")]),
    ("880", "10", [("6", "245-02"), ("a", "鲁迅全集 /"), ("c", "鲁迅著.")]),
)


@pytest.fixture(scope="module")
def mapper() -> MarcMapper:
    return MarcMapper()


def test_cnmarc_core_fields(mapper):
    doc = mapper.map(CNMARC, "cnmarc", "BNU")
    assert doc["control_number"] == "990001379280203961"
    assert doc["title"] == "'97中国发展报告"
    assert doc["subtitle"] == "统计分析"
    assert doc["title_romanized"] == "'97 Zhong Guo Fa Zhan Bao Gao"
    assert doc["isbn"] == ["9787503726231"]  # ISBN-10 normalised to ISBN-13
    assert doc["year"] == 1997 and doc["publisher"] == ["中国统计出版社"] and doc["place"] == ["北京"]
    assert doc["edition"] == "第2版" and doc["edition_number"] == "2"
    assert doc["language"] == ["chi"] and doc["clc"] == ["F124"]
    assert doc["subjects"] == ["经济发展--中国--1997"]
    assert doc["series"] == ["中国发展报告丛书"]
    assert doc["summary"] == ["本书介绍了1997年中国经济社会发展概况。"]
    assert doc["authors"][0] == {"name": "叶震", "role": "editor", "romanized": "Ye Zhen"}
    assert doc["authors"][1]["name"] == "国家统计局"
    assert doc["type"] == "book" and doc["format"] == "cnmarc"


def test_cnmarc_905_holdings_per_copy(mapper):
    holdings = mapper.map(CNMARC, "cnmarc", "BNU")["holdings"]
    assert [h.get("call_number") for h in holdings] == ["F124/26", "F124/26:2"]
    assert holdings[0]["institution"] == "BNU" and holdings[0]["location"] == "中文书库"


def test_marc21_prefers_original_script_and_keeps_romanisation(mapper):
    doc = mapper.map(MARC21, "marc21", "PKU")
    assert doc["title"] == "鲁迅全集"
    assert doc["title_romanized"] == "Lu Xun quan ji"
    assert doc["responsibility"] == "鲁迅著"
    assert doc["authors"][0]["name"] == "鲁迅" and doc["authors"][0]["romanized"] == "Lu, Xun"
    assert doc["authors"][0]["dates"] == "1881-1936"
    assert doc["authors"][0]["role"] == "author"
    assert doc["isbn"] == ["9780198534532"]
    assert doc["language"] == ["chi", "eng"]  # 008/35-37 plus 041 split into codes, de-duplicated
    assert doc["clc"] == ["I210.4"]  # only the 084 whose $2 names the CLC
    assert doc["year"] == 1997
    assert doc["subjects"] == ["Chinese literature--20th century--Collections"]
    assert doc["holdings"] == [{"field": "852", "institution": "PKU", "location": "Main stacks",
                                "call_number": "I210.4 L97"}]


def test_deleted_record_needs_only_its_control_number(mapper):
    deleted = _record("00100dam a2200049 a 4500", ("001", "gone-1"))
    doc = mapper.map(deleted, "marc21", "PKU")
    assert doc["control_number"] == "gone-1" and doc["deleted"] is True
    assert "holdings" not in doc and "title" not in doc


def test_record_without_title_is_a_mapping_error_naming_the_field(mapper):
    untitled = _record("00100nam a2200049 a 4500", ("001", "x1"), ("020", "  ", [("a", "7503726237")]))
    with pytest.raises(MappingError, match=r"245 \$a"):
        mapper.map(untitled, "marc21", "PKU")


def test_record_without_001_gets_a_stable_content_id(mapper):
    a = _record("00100nam a2200049 a 4500", ("245", "10", [("a", "No id here")]))
    b = _record("00100nam a2200049 a 4500", ("245", "10", [("a", "No id here")]))
    c = _record("00100nam a2200049 a 4500", ("245", "10", [("a", "Another")]))
    ids = [mapper.map(r, "marc21", "PKU")["control_number"] for r in (a, b, c)]
    assert ids[0] == ids[1] != ids[2] and ids[0].startswith("nocn-")


def test_ebook_and_ancient_book_types(mapper):
    ebook = _record("00100nam a2200049 a 4500", ("001", "e1"),
                    ("245", "10", [("a", "'2005中国小说排行榜"), ("h", "电子资源")]))
    ancient = _record("00100nam0 2200049   4500", ("001", "a1"), ("101", "0 ", [("a", "chi")]),
                      ("200", "1 ", [("a", "資治通鑑")]), ("205", "  ", [("a", "明刻本")]))
    assert mapper.map(ebook, "marc21", "BNU")["type"] == "ebook"
    assert mapper.map(ancient, "cnmarc", "BNU")["type"] == "ancient"


def test_holdings_profiles_are_configurable_per_library():
    profiles = HoldingsProfiles({
        "profiles": {"p852": {"tag": "852", "institution": "a"}, "p999": {"tag": "999", "call_number": ["a"]}},
        "defaults": {"marc21": ["p852"]},
        "libraries": {"XJU": {"marc21": ["p999"]}},
    })
    rec = _record("00100nam a2200049 a 4500", ("245", "10", [("a", "T")]),
                  ("852", "  ", [("a", "PKU")]), ("999", "  ", [("a", "QA76 .X1")]))
    view = RecordView(rec)
    assert profiles.extract(view, "marc21", "PKU") == [{"field": "852", "institution": "PKU"}]
    assert profiles.extract(view, "marc21", "XJU") == [{"field": "999", "call_number": "QA76 .X1"}]


def test_extractor_spec_byte_ranges_and_880_modes():
    view = RecordView(MARC21)
    assert marc("008[35-37]")(view) == ["chi"]
    assert marc("LDR[6-7]")(view) == ["am"]
    assert marc("245a", alt="only")(view) == ["鲁迅全集 /"]
    assert marc("245a", alt="none")(view) == ["Lu Xun quan ji /"]
    assert marc("245a")(view) == ["Lu Xun quan ji /", "鲁迅全集 /"]


@pytest.mark.shared_data
def test_real_dp2_cnmarc_records_map(shared_data, mapper):
    from pymarc import parse_xml_to_array

    records = parse_xml_to_array(str(shared_data / "unimarc/dp2-sru-china/sample_cnmarcxml.xml"))
    docs = [mapper.map(r, "cnmarc", "BNU") for r in records]
    assert len(docs) == 10
    assert all(d["title"] and d["language"] == ["chi"] for d in docs)
    by_id = {d["control_number"]: d for d in docs}
    assert by_id["990002180740203961"]["title"] == "'94中国发展报告"
    assert by_id["990002180740203961"]["clc"] == ["F124"]
    both97 = [d for d in docs if d["title"] == "'97中国发展报告"]
    assert len(both97) == 2 and {tuple(d["isbn"]) for d in both97} == {("9787503726231",)}
    assert {d["type"] for d in both97} == {"book", "ebook"}


def test_856_electronic_locations_become_web_links_with_labels(mapper):
    record = _record(
        "00500cam a2200157 a 4500",
        ("001", "e1"),
        ("245", "10", [("a", "An online book")]),
        ("856", "40", [("3", "Full text"), ("u", "https://example.org/fulltext"), ("u", "ftp://example.org/f")]),
        ("856", "42", [("z", "Publisher description"), ("u", "http://example.org/desc")]),
        ("856", "4 ", [("y", "bad"), ("u", "javascript:alert(1)"), ("u", "https://example.org/fulltext")]),
    )
    assert mapper.map(record, "marc21", "PKU")["links"] == [
        {"url": "https://example.org/fulltext", "label": "Full text", "relation": "resource"},
        {"url": "http://example.org/desc", "label": "Publisher description", "relation": "related"},
    ]
    cnmarc = copy.deepcopy(CNMARC)
    cnmarc.add_field(Field(tag="856", indicators=["4", " "],
                           subfields=[Subfield("u", "http://read.example.cn/97"), Subfield("z", "电子版全文")]))
    assert mapper.map(cnmarc, "cnmarc", "BNU")["links"] == [{"url": "http://read.example.cn/97", "label": "电子版全文"}]
    assert "links" not in mapper.map(CNMARC, "cnmarc", "BNU")


@pytest.mark.shared_data
def test_real_856_fields_map_to_links(shared_data, mapper):
    from pymarc import parse_xml_to_array

    records = parse_xml_to_array(str(shared_data / "marc21/solrmarc/specTestRecs.xml"))
    links = [link for r in records if r["245"] for link in mapper.map(r, "marc21", "PKU").get("links", ())]
    assert {"url": "http://us.imdb.com/title/tt0040897/", "label": "Internet Movie Database Summary and Reviews:",
            "relation": "related"} in links
    assert links and all(link["url"].lower().startswith(("http://", "https://")) for link in links)
