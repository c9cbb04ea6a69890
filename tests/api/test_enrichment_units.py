"""The enrichment API's pure parts, without Elasticsearch: key store and rate limiter, path identifiers,
contents notes, nearness tiers, page order, cover checks and generated covers, and `yidu covers`."""
from __future__ import annotations

import io
import sqlite3

import pytest
from PIL import Image

from api import bookview, covergen, params as P, toc
from api.apikeys import ApiKeyError, KeyStore, key_id_of, parse_rate, parse_ranges
from api.coverstore import MAX_SIDE, CoverError, CoverStore, CoverTooLarge, check_image
from api.errors import BadRequest
from api.ratelimit import RateLimiter, SharedRateLimiter
from yidu.cli import main


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def store(tmp_path):
    clock = Clock()
    s = KeyStore(tmp_path / "apikeys.sqlite", clock=clock)
    s.clock_ = clock
    yield s
    s.close()


# --- keys and rates ------------------------------------------------------------------------------------------
def test_keys_are_stored_hashed_and_found_by_the_whole_key(store, registry, tmp_path):
    record, key = store.create(registry, "PKU", label="opac")
    assert key_id_of(key) == record.id and key.startswith(f"yek_{record.id}_")
    assert store.find(key) == record and store.find(key + "x") is None and store.find("yek_garbage") is None
    dump = "\n".join(sqlite3.connect(tmp_path / "apikeys.sqlite").iterdump())
    assert key not in dump and key.split("_", 2)[2] not in dump  # only the digest is kept


def test_registry_ranges_follow_the_library_and_explicit_ranges_replace_them(store, registry):
    pku, _ = store.create(registry, "PKU")
    assert pku.ip_ranges is None and pku.allows("10.1.2.3", registry) and pku.allows("fd00:1::5", registry)
    assert not pku.allows("10.11.1.5", registry) and not pku.allows("not an address", registry)
    assert pku.allows("10.1.200.7", registry)  # PKU-HSC's range lies inside PKU's /16: still PKU's address space
    own, _ = store.create(registry, "THU", ip_ranges=["192.0.2.0/24", "198.51.100.7"])
    assert own.ip_ranges == ("192.0.2.0/24", "198.51.100.7/32")
    assert own.allows("198.51.100.7", registry) and not own.allows("10.11.1.5", registry)


@pytest.mark.parametrize("library, kw, message", [
    ("NOPE", {}, "unknown library"),
    ("HAINU", {}, "no IP ranges"),
    ("PKU", {"ip_ranges": ["10.1.0.0/33"]}, "not an IP address"),
    ("PKU", {"rate": 0}, "rate"),
])
def test_bad_keys_are_refused(store, registry, library, kw, message):
    with pytest.raises(ApiKeyError, match=message):
        store.create(registry, library, **kw)


def test_rates_and_ranges_parse():
    assert parse_rate("120/min") == parse_rate(" 120 ") == parse_rate("120 / minute") == 120
    for bad in ("0/min", "fast", "10/s", "-3"):
        with pytest.raises(ApiKeyError):
            parse_rate(bad)
    assert parse_ranges(["10.0.0.1", "10.0.0.1/32", "2001:db8::/32"]) == ("10.0.0.1/32", "2001:db8::/32")


def test_revocation_and_batched_usage(store, registry):
    record, key = store.create(registry, "PKU")
    store.count_use(record.id)
    store.count_use(record.id)
    assert store.get(record.id).uses == 0  # not yet written: batched
    store.clock_.now += 10
    store.count_use(record.id)  # past FLUSH_SECONDS: written with this one
    after = store.get(record.id)
    assert after.uses == 3 and after.last_used == store.clock_.now
    revoked = store.revoke(record.id)
    assert not revoked.active and store.find(key).revoked == revoked.revoked
    store.clock_.now += 5
    assert store.revoke(record.id).revoked == revoked.revoked  # the first date stays
    with pytest.raises(ApiKeyError, match="no API key"):
        store.revoke("ffffffff")


@pytest.mark.parametrize("kind", ["memory", "shared"])
def test_token_buckets_allow_a_minute_s_burst_then_refill(kind, tmp_path):
    clock = Clock(0.0)
    limiter = RateLimiter(clock) if kind == "memory" else SharedRateLimiter(tmp_path / "rl.sqlite", clock)
    assert [limiter.take("k", 3) for _ in range(3)] == [0, 0, 0]
    assert limiter.take("k", 3) == 20  # 3/min: one token every 20 s
    clock.now = 15.0
    assert limiter.take("k", 3) == 5
    clock.now = 20.0
    assert limiter.take("k", 3) == 0 and limiter.take("other", 3) == 0  # keys are independent
    clock.now = 10_000.0
    assert [limiter.take("k", 3) for _ in range(4)] == [0, 0, 0, 20]  # never more than a minute's worth


def test_server_processes_spend_from_one_shared_bucket(tmp_path):
    import multiprocessing as mp

    path = tmp_path / "rl.sqlite"
    SharedRateLimiter(path).take("k", 10)  # this process: 1 of 10
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:  # two other processes: 4 each
        waits = pool.starmap(_take_many, [(path, 4), (path, 4)])
    assert sorted(w for ws in waits for w in ws) == [0] * 8
    # 9 spent across three processes: one token left (plus what refilled meanwhile), then a wait
    assert SharedRateLimiter(path).take("k", 10) == 0
    assert SharedRateLimiter(path).take("k", 10) > 0


def _take_many(path, n):
    limiter = SharedRateLimiter(path)
    return [limiter.take("k", 10) for _ in range(n)]


# --- identifiers, contents, nearness, page order ----------------------------------------------------------------
def test_path_identifiers():
    assert P.isbn("7-5037-4512-6") == P.isbn("978-7-5037-4512-6") == P.isbn("9787503745126") == "9787503745126"
    assert P.isbn("020161622x") == "9780201616224"
    for bad in ("9787503745127", "abc", "", "ISBN 9787503745126", "9787503745126/../x"):
        with pytest.raises(BadRequest):
            P.isbn(bad)
    assert P.issn("00280836") == P.issn("0028-0836") == "0028-0836" and P.issn("1476-4687") == "1476-4687"
    for bad in ("0028-0837", "0028 0836x", "nature"):
        with pytest.raises(BadRequest):
            P.issn(bad)


def test_contents_notes_split_into_entries():
    assert bookview.contents(["Introduction -- Basic concepts -- Methods."]) == ["Introduction", "Basic concepts",
                                                                               "Methods"]
    assert bookview.contents("第一章 绪论 第二章 基本概念 第10章 展望") == ["第一章 绪论", "第二章 基本概念", "第10章 展望"]
    assert bookview.contents(["Part one--Part two", "One more note"]) == ["Part one", "Part two", "One more note"]
    assert bookview.contents(None) == [] and bookview.contents(["Etc..."]) == ["Etc..."]


def test_only_http_links_survive():
    links = bookview.safe_links({"links": ["javascript:alert(1)", "https://e.example/b", {"url": "http://p.example",
                                                                                        "label": "Preview"},
                                           "ftp://x.example/f", "https://e.example/b", {"url": None}]})
    assert links == [{"url": "https://e.example/b", "label": ""}, {"url": "http://p.example", "label": "Preview"}]


def test_nearness_tiers(registry):
    dlufl = registry.get("DLUFL")  # Dalian, Liaoning, shared domain WY
    expected = {"DLUFL": "library", "DLUT": "city", "CMU": "province", "BFSU": "domain", "THU": "nation"}
    for code, name in expected.items():
        assert bookview.TIERS[bookview.tier(dlufl, registry.get(code))] == name
    holdings = [{"library": c} for c in ("THU", "BFSU", "CMU", "DLUT", "DLUFL", "ZZZ")]
    assert [h["code"] for h in bookview.nearest(holdings, registry, "DLUFL", 10)] == \
        ["DLUFL", "DLUT", "CMU", "BFSU", "THU", "ZZZ"]


def test_page_order_is_natural():
    articles = [{"first_page": p, "title": t} for p, t in (("101", "c"), ("9", "a"), ("e12", "e"), ("S1", "d"),
                                                          (None, "f"), ("45", "b"))]
    assert [a["title"] for a in sorted(articles, key=toc.page_order)] == ["a", "b", "c", "e", "d", "f"]


# --- covers ------------------------------------------------------------------------------------------------------
def encoded(fmt, size=(60, 90)):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 90)).save(out, fmt)
    return out.getvalue()


def test_only_whole_jpeg_and_png_images_within_bounds_are_covers():
    assert check_image(encoded("JPEG")) == ("image/jpeg", 60, 90)
    assert check_image(encoded("PNG")) == ("image/png", 60, 90)
    png = encoded("PNG")
    for bad in (b"", b"<svg/>", encoded("GIF"), encoded("BMP"), png[:-20], encoded("PNG", (10, 10))):
        with pytest.raises(CoverError):
            check_image(bad)
    with pytest.raises(CoverTooLarge):
        check_image(encoded("PNG", (MAX_SIDE + 1, 20)))


def test_cover_store_replaces_and_removes(tmp_path):
    store, isbn = CoverStore(tmp_path / "covers.sqlite"), "9787503745126"
    first = store.put(isbn, encoded("JPEG"), source="PKU")
    second = store.put(isbn, encoded("PNG"))
    assert store.get(isbn) == second and first.etag != second.etag and store.media(isbn) == "image/png"
    assert store.remove(isbn) and store.get(isbn) is None and not store.remove(isbn)
    store.close()


def test_generated_covers_draw_chinese_and_differ_by_title():
    a, b = covergen.render("中国发展报告", "国家统计局", "9787503745126"), covergen.render("鏡花緣", "李汝珍", "9787020002207")
    for data in (a, b):
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG" and image.size == covergen.SIZE
    assert a != b
    assert Image.open(io.BytesIO(covergen.render("x", fmt="jpeg"))).format == "JPEG"
    if covergen.cjk_font_path() is None:
        pytest.skip("no CJK font on this machine (fc-list :lang=zh is empty)")
    assert covergen._font(20)[1] is True


def test_without_a_cjk_font_only_latin_is_drawn(monkeypatch):
    monkeypatch.setattr(covergen, "cjk_font_path", lambda: None)
    covergen._font.cache_clear()
    try:
        assert covergen.drawable("中国 Report 2019", False) == "Report 2019"
        data = covergen.render("中国发展报告", "国家统计局", "9787503745126", alt_title="Zhong guo fa zhan bao gao")
        assert Image.open(io.BytesIO(data)).size == covergen.SIZE
    finally:
        covergen._font.cache_clear()


def test_wrapped_lines_fit_the_cover():
    font, _ = covergen._font(32)
    width = covergen.SIZE[0] - 2 * covergen.MARGIN
    lines = covergen.wrap("Pneumonoultramicroscopicsilicovolcanoconiosis and 中华人民共和国国家标准文献汇编", font, width)
    assert len(lines) > 2 and all(font.getlength(line) <= width for line in lines)


def test_closing_punctuation_never_starts_a_line():
    font, _ = covergen._font(34)
    title = "中国近代史纲要：从鸦片战争到五四运动，一八四〇年至一九一九年。"
    for width in range(120, 300, 7):
        lines = covergen.wrap(title, font, width)
        assert "".join(lines) == title and not any(line[0] in covergen.NO_LINE_START for line in lines)


# --- yidu covers -----------------------------------------------------------------------------------------------
def test_covers_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("YIDU_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "c.jpg").write_bytes(encoded("JPEG"))
    (tmp_path / "bad.jpg").write_bytes(b"GIF89a nothing")
    assert main(["covers", "add", "7-5037-4512-6", str(tmp_path / "c.jpg"), "--source", "feed"]) == 0
    assert "/covers/9787503745126.jpg" in capsys.readouterr().out
    stored = CoverStore(tmp_path / "state" / "covers.sqlite").get("9787503745126")
    assert stored.data == (tmp_path / "c.jpg").read_bytes() and stored.source == "feed"
    assert main(["covers", "add", "9787503745126", str(tmp_path / "bad.jpg")]) == 1
    assert "not a JPEG or PNG" in capsys.readouterr().err
    assert main(["covers", "add", "12345", str(tmp_path / "c.jpg")]) == 1
    assert "not a valid ISBN" in capsys.readouterr().err
    assert main(["covers", "remove", "9787503745126"]) == 0
    assert "removed" in capsys.readouterr().out
