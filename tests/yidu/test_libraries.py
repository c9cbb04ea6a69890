"""The registry of member libraries: shipped data, scopes, IP lookup, OPAC links, validation, CLI."""
from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from yidu import cli
from yidu.config import Settings
from yidu.errors import YiduError
from yidu.libraries import (
    SHIPPED_LIBRARIES,
    Library,
    Registry,
    RegistryError,
    active_registry,
    install_registry,
    load_registry,
    parse_registry,
    shipped_provinces,
    shipped_registry,
)

HEADER = "code,name,name_en,city,province,region,domains,ip_ranges,opac_url,delivery"
WEST = {"50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "15", "45"}
CENTRAL = {"14", "22", "23", "34", "36", "41", "42", "43"}


def _csv(*rows: str) -> str:
    return "\n".join((HEADER, *rows)) + "\n"


GOOD_ROWS = (
    "AAA,甲大学图书馆,A University Library,北京,11,east,D1,10.200.0.0/16,https://opac.a.example/item?no={control_number},supplier",
    "BBB,乙大学图书馆,B University Library,北京,11,east,D1,10.200.5.0/24,https://opac.b.example/search?isbn={isbn},",
    "CCC,丙大学图书馆,C University Library,拉萨,54,west,,,,",
)


@pytest.fixture
def registry() -> Registry:
    return shipped_registry()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(state_dir=tmp_path / "state")


# -- the shipped data ---------------------------------------------------------------------------------------


def test_provinces_are_the_31_mainland_units_with_standard_regions():
    provinces = shipped_provinces()
    assert len(provinces) == 31
    assert {c for c, p in provinces.items() if p.region == "west"} == WEST
    assert {c for c, p in provinces.items() if p.region == "central"} == CENTRAL
    assert sum(p.region == "east" for p in provinces.values()) == 11
    assert provinces["11"].name == "北京"
    assert provinces["65"].name_en == "Xinjiang"
    assert provinces["54"].name == "西藏"


def test_shipped_registry_parses_and_is_large_enough(registry):
    assert len(registry) >= 40
    assert len({lib.province for lib in registry}) >= 15
    assert len(set(registry.codes)) == len(registry)
    big_domains = {d: m for d, m in registry.domains().items() if len(m) >= 3}
    assert len(big_domains) >= 2
    assert "WY" in big_domains  # the foreign-language universities alliance
    provinces = {lib.province for lib in registry}
    assert {"65", "54"} <= provinces  # Xinjiang and Tibet
    assert len(provinces & WEST) >= 6
    assert registry.suppliers()
    # several libraries per city in the big university cities, so city scope != library scope
    cities = registry.cities()
    for city in ("北京", "上海", "广州", "西安", "成都", "武汉"):
        assert len(cities[city]) >= 3, city


def test_every_library_region_agrees_with_its_province(registry):
    for lib in registry:
        assert lib.region == registry.provinces[lib.province].region, lib.code
        assert registry.region_of(lib.code) == lib.region


def test_shipped_ip_ranges_are_private(registry):
    for lib in registry:
        for net in lib.ip_ranges:
            assert net.is_private, (lib.code, net)


def test_shipped_opac_templates_render(registry):
    for lib in registry:
        url = lib.shelf_status_url(control_number="0001234", isbn="9787020002207", title="红楼梦")
        assert url and url.startswith("https://") and "{" not in url, lib.code


def test_domain_names_come_from_domains_csv(registry):
    assert registry.domain_name("WY") == "外语院校联盟"
    assert registry.domain_name("NO-SUCH") == "NO-SUCH"


# -- scopes ---------------------------------------------------------------------------------------------------


def test_scope_members_nest(registry):
    for lib in registry:
        own = registry.scope_members("library", lib.code)
        city = registry.scope_members("city", lib.code)
        province = registry.scope_members("province", lib.code)
        domain = registry.scope_members("domain", lib.code)
        assert own == (lib.code,)
        assert lib.code in city and lib.code in province and lib.code in domain
        assert set(city) <= set(province)
        assert all(registry.get(c).city == lib.city for c in city)
        assert all(registry.get(c).province == lib.province for c in province)
        assert set(province) == set(registry.in_province(lib.province))
        assert registry.scope_members("nation", lib.code) is None


def test_city_scope_is_wider_than_library_scope(registry):
    assert len(registry.scope_members("city", "PKU")) > 1
    assert set(registry.scope_members("city", "SYSU")) >= {"SYSU", "GDUFS"}


def test_domain_scope(registry):
    wy = registry.scope_members("domain", "SISU")
    assert {"BFSU", "SISU", "GDUFS"} <= set(wy)
    for code in wy:
        assert "WY" in registry.get(code).domains
    # a library in two domains sees the union of both
    hsc = registry.get("PKU-HSC")
    assert len(hsc.domains) >= 2
    union = set().union(*(registry.domains()[d] for d in hsc.domains))
    assert set(registry.scope_members("domain", "PKU-HSC")) == union
    # no shared domain: just itself
    assert not registry.get("XZU").domains
    assert registry.scope_members("domain", "XZU") == ("XZU",)


def test_scope_errors(registry):
    with pytest.raises(RegistryError):
        registry.scope_members("galaxy", "PKU")
    with pytest.raises(RegistryError) as info:
        registry.scope_members("city", "NOPE")
    assert info.value.ref == "NOPE"
    assert isinstance(info.value, YiduError)


def test_get_contains_iter(registry):
    assert "PKU" in registry and "NOPE" not in registry and None not in registry
    assert isinstance(registry.get("XJU"), Library)
    assert [lib.code for lib in registry] == list(registry.codes)
    with pytest.raises(RegistryError, match="unknown library NOPE"):
        registry.get("NOPE")
    with pytest.raises(RegistryError):
        registry.in_province("99")
    assert registry.region_of("65") == "west"


def test_to_rows_is_json_friendly(registry):
    rows = registry.to_rows()
    assert len(rows) == len(registry)
    json.dumps(rows, ensure_ascii=False)
    pku = next(r for r in rows if r["code"] == "PKU")
    assert pku["province_name"] == "北京"
    assert all(isinstance(r, str) for r in pku["ip_ranges"])
    assert isinstance(pku["supplier"], bool)


# -- IP lookup ------------------------------------------------------------------------------------------------


def test_by_ip_most_specific_wins(registry):
    # PKU owns 10.1.0.0/16; the Health Science library owns 10.1.200.0/24 inside it
    assert registry.by_ip("10.1.200.17").code == "PKU-HSC"
    assert registry.by_ip("10.1.199.17").code == "PKU"
    assert registry.by_ip("10.1.201.1").code == "PKU"
    # two ranges of one library
    assert registry.by_ip("10.44.1.9").code == "SYSU"
    assert registry.by_ip("10.44.101.9").code == "SYSU"
    # IPv6 and IPv4-mapped IPv6
    assert registry.by_ip("fd00:1::42").code == "PKU"
    assert registry.by_ip("::ffff:10.1.200.1").code == "PKU-HSC"


@pytest.mark.parametrize("ip", ["192.168.77.1", "10.254.0.1", "8.8.8.8", "not-an-ip", "", "10.1.2", "2001:db8::1"])
def test_by_ip_none_outside_or_invalid(registry, ip):
    assert registry.by_ip(ip) is None


def test_by_ip_independent_of_row_order():
    reversed_rows = _csv(*reversed(GOOD_ROWS))
    for reg in (parse_registry(_csv(*GOOD_ROWS)), parse_registry(reversed_rows)):
        assert reg.by_ip("10.200.5.1").code == "BBB"
        assert reg.by_ip("10.200.6.1").code == "AAA"


# -- OPAC links -----------------------------------------------------------------------------------------------


def test_shelf_status_url_quotes_values():
    lib = parse_registry(_csv(
        "QQQ,测试图书馆,Test,北京,11,east,,,https://opac.q.example/s?t={title}&n={control_number},"
    )).get("QQQ")
    title = "红楼梦 & the stone/石头记"
    url = lib.shelf_status_url(title=title, control_number="00 12")
    assert url.startswith("https://opac.q.example/s?t=")
    query = url.split("?", 1)[1]
    t_part, n_part = query.split("&")  # the '&' inside the title is escaped, so exactly two parameters
    assert " " not in url and "红" not in url
    assert "%26" in t_part and "%2F" in t_part
    assert unquote(t_part[2:]) == title
    assert n_part == "n=00%2012"


def test_shelf_status_url_none_when_value_missing(registry):
    thu = registry.get("THU")  # a title template
    assert thu.shelf_status_url(isbn="9787020002207") is None
    assert thu.shelf_status_url(title="") is None
    ruc = registry.get("RUC")  # an ISBN template
    assert ruc.shelf_status_url(title="x") is None
    assert ruc.shelf_status_url(isbn="9787020002207").endswith("request=9787020002207")
    ecnu = registry.get("ECNU")  # needs both
    assert ecnu.shelf_status_url(isbn="9787020002207") is None
    assert ecnu.shelf_status_url(isbn="9787020002207", title="红楼梦")
    no_opac = parse_registry(_csv(*GOOD_ROWS)).get("CCC")
    assert no_opac.shelf_status_url(control_number="1", isbn="2", title="3") is None


# -- validation -----------------------------------------------------------------------------------------------


def test_valid_small_registry():
    reg = parse_registry(_csv(*GOOD_ROWS))
    assert len(reg) == 3
    assert reg.get("AAA").supplier and not reg.get("BBB").supplier
    assert reg.domains() == {"D1": ("AAA", "BBB")}
    assert reg.scope_members("domain", "CCC") == ("CCC",)
    assert reg.in_province("11") == ("AAA", "BBB")
    assert reg.in_province("65") == ()


def test_bom_and_crlf_accepted():
    text = "\ufeff" + _csv(*GOOD_ROWS).replace("\n", "\r\n")
    assert len(parse_registry(text)) == 3


def test_bom_and_crlf_accepted_from_file(tmp_path):
    path = tmp_path / "reg.csv"
    path.write_bytes(("\ufeff" + _csv(*GOOD_ROWS).replace("\n", "\r\n")).encode("utf-8"))
    assert load_registry(path).codes == ("AAA", "BBB", "CCC")


def test_shipped_file_loads_from_path():
    assert len(load_registry(SHIPPED_LIBRARIES)) == len(shipped_registry())


def test_broken_file_reports_every_problem_with_line_numbers(tmp_path):
    lines = [
        HEADER,                                                                                              # 1
        "AAA,甲大学图书馆,A,北京,11,east,,10.1.0.0/16,https://o.example/{control_number},",                  # 2 ok
        ",无代码图书馆,No code,北京,11,east,,,,",                                                             # 3 empty code
        "AAA,重复图书馆,Dup,北京,11,east,,,,",                                                                # 4 duplicate
        "bad code!,小写图书馆,Lower,北京,11,east,,,,",                                                        # 5 bad code
        "PPP,某图书馆,Unknown province,某市,99,east,,,,",                                                     # 6 unknown province
        "WWW,新疆某图书馆,Wrong region,乌鲁木齐,65,east,,,,",                                                 # 7 region mismatch
        "IPX,某图书馆,Bad CIDR,北京,11,east,,10.1.2.300/24;10.9.9.9/24,,",                                   # 8 bad CIDRs (2)
        "OPX,某图书馆,Bad placeholder,北京,11,east,,,https://o.example/?q={author},",                         # 9 placeholder
        "RAG,参差图书馆,Ragged,北京,11",                                                                      # 10 ragged
        "",                                                                                                   # 11 blank: ignored
        "OK2,好图书馆,Fine,北京,11,east,,10.2.0.0/24,,supplier",                                              # 12 ok
        "DLV,某图书馆,Bad delivery,北京,11,east,,,,sometimes",                                               # 13 delivery
    ]
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    problems = info.value.problems
    by_line: dict[int, list[str]] = {}
    for p in problems:
        assert p.startswith("line ")
        n, reason = p[5:].split(": ", 1)
        by_line.setdefault(int(n), []).append(reason)
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 13]
    assert "empty code" in by_line[3][0]
    assert "duplicate code AAA" in by_line[4][0] and "line 2" in by_line[4][0]
    assert "does not match" in by_line[5][0]
    assert "unknown province" in by_line[6][0]
    assert "region east does not match" in by_line[7][0]
    assert len(by_line[8]) == 2 and all("bad CIDR" in r for r in by_line[8])
    assert "{author}" in by_line[9][0]
    assert "expected 10 fields, got 5" in by_line[10][0]
    assert "delivery" in by_line[13][0]
    message = str(info.value)
    for p in problems:
        assert p in message


def test_header_problems(tmp_path):
    text = "code,name,city,province,region,domains,ip_ranges,opac_url,colour\nAAA,甲,北京,11,east,,,,red\n"
    with pytest.raises(RegistryError) as info:
        parse_registry(text)
    (problem,) = [p for p in info.value.problems if "missing" in p]
    assert problem.startswith("line 1: ") and "name_en" in problem
    assert any(p.startswith("line 1: ") and "colour" in p for p in info.value.problems)


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n"])
def test_empty_file(text):
    with pytest.raises(RegistryError, match="line 1: empty file"):
        parse_registry(text)


def test_duplicate_ip_range_across_libraries_rejected():
    rows = (GOOD_ROWS[0], "DDD,丁,D,北京,11,east,,10.200.0.0/16,,")
    with pytest.raises(RegistryError) as info:
        parse_registry(_csv(*rows))
    assert info.value.problems == ("line 3: ip range 10.200.0.0/16 is also claimed by AAA (line 2)",)


def test_quoted_multiline_field_keeps_line_numbers():
    rows = ('AAA,"甲大学\n图书馆",A,北京,11,east,,,,', "bad,乙,B,北京,11,east,,,,")
    with pytest.raises(RegistryError) as info:
        parse_registry(_csv(*rows))
    assert info.value.problems[0].startswith("line 4: ")


def test_not_utf8(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(_csv(*GOOD_ROWS).encode("gbk"))
    with pytest.raises(RegistryError, match="UTF-8"):
        load_registry(path)


# -- installing -----------------------------------------------------------------------------------------------


def test_active_registry_defaults_to_shipped(settings):
    assert active_registry(settings) is shipped_registry()


def test_install_then_active(settings, tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(_csv(*GOOD_ROWS), encoding="utf-8")
    reg = install_registry(settings, path)
    assert reg.codes == ("AAA", "BBB", "CCC")
    assert (settings.state_dir / "libraries.csv").read_bytes() == path.read_bytes()
    assert active_registry(settings).codes == ("AAA", "BBB", "CCC")
    # libraries_file overrides the installed one
    assert len(active_registry(Settings(state_dir=settings.state_dir, libraries_file=SHIPPED_LIBRARIES))) > 40


def test_install_bad_file_leaves_previous_registry_intact(settings, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(_csv(*GOOD_ROWS), encoding="utf-8")
    install_registry(settings, good)
    installed = settings.state_dir / "libraries.csv"
    before = installed.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(_csv("ZZZ,坏,Bad,北京,99,east,,,,"), encoding="utf-8")
    with pytest.raises(RegistryError):
        install_registry(settings, bad)
    assert installed.read_bytes() == before
    assert active_registry(settings).codes == ("AAA", "BBB", "CCC")
    assert [p.name for p in settings.state_dir.iterdir()] == ["libraries.csv"]  # no temp files left
    with pytest.raises(RegistryError):
        install_registry(settings, tmp_path / "missing.csv")
    assert installed.read_bytes() == before


def test_install_bad_file_with_nothing_installed_keeps_shipped(settings, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("nonsense\n", encoding="utf-8")
    with pytest.raises(RegistryError):
        install_registry(settings, bad)
    assert not (settings.state_dir / "libraries.csv").exists()
    assert active_registry(settings) is shipped_registry()


# -- CLI ------------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    state = tmp_path / "cli-state"
    monkeypatch.setenv("YIDU_STATE_DIR", str(state))
    monkeypatch.delenv("YIDU_LIBRARIES", raising=False)
    return state


def test_cli_load_and_list_json(cli_env, tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text(_csv(*GOOD_ROWS), encoding="utf-8")
    assert cli.main(["libraries", "load", str(path)]) == 0
    out = capsys.readouterr().out
    assert "loaded 3 libraries in 2 provinces, 1 shared domains" in out
    assert (cli_env / "libraries.csv").exists()

    assert cli.main(["libraries", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in rows] == ["AAA", "BBB", "CCC"]
    assert rows[0]["ip_ranges"] == ["10.200.0.0/16"]
    assert rows[0]["domains"] == ["D1"]
    assert rows[2]["province_name"] == "西藏"


def test_cli_load_bad_file(cli_env, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(_csv(*GOOD_ROWS), encoding="utf-8")
    assert cli.main(["libraries", "load", str(good)]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text(_csv("ZZZ,坏,Bad,北京,99,east,,,,", "YYY,坏,Bad,北京,11,west,,,,"), encoding="utf-8")
    assert cli.main(["libraries", "load", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "line 2: unknown province code '99'" in err
    assert "line 3: region west does not match" in err
    assert cli.main(["libraries", "list", "--json"]) == 0
    assert [r["code"] for r in json.loads(capsys.readouterr().out)] == ["AAA", "BBB", "CCC"]


def test_cli_list_table_shipped(cli_env, capsys):
    assert cli.main(["libraries", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["code", "name", "city", "province", "region", "domains"]
    assert "北京大学图书馆" in out and "新疆大学图书馆" in out and "西藏大学图书馆" in out
    assert cli.main(["libraries", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(shipped_registry())


def test_cli_load_missing_file(cli_env, tmp_path, capsys):
    assert cli.main(["libraries", "load", str(tmp_path / "nope.csv")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert not (cli_env / "libraries.csv").exists()
