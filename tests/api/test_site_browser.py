"""The results site and the embeddable search box in headless Chromium (Debian's /usr/bin/chromium driven by
Playwright), against a real uvicorn server over the real node. Screenshots go to the artifacts folder."""
from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

import searchcorpus as sc
from api.app import create_app
from served import Served, free_port

CHROMIUM = Path("/usr/bin/chromium")
STATIC = Path(__file__).resolve().parents[2] / "api" / "static"

pytestmark = [
    pytest.mark.es, pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed at /usr/bin/chromium"),
]


async def availability(hits, context):
    for h in hits:
        if f"{sc.FLOWERS.library}:{sc.FLOWERS.control}" in h["source_ids"]:
            h["availability"] = {"label": "电子全文", "url": "https://fulltext.example/jhy"}
        elif h.get("isbn"):
            h["availability"] = {"label": "bad", "url": "javascript:alert(3)"}


@pytest.fixture(scope="module")
def site(corpus, registry, es_client):
    from yidu.services import Services

    services = Services(corpus.settings, client=es_client, registry=registry, progress=False)
    with Served(create_app(services, hit_enrichers=[availability])) as served:
        yield served


@pytest.fixture(scope="module")
def foreign():
    """A second origin: a plain static server for the 'library homepage' with the embed."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(STATIC))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()


def scope_counts(page) -> dict[str, int]:
    out = {}
    for tab in page.locator("nav.scopes a.scope").all():
        out[tab.get_attribute("data-scope")] = int(tab.locator(".count").inner_text().replace(",", ""))
    return out


def total_shown(page) -> int:
    return int(re.sub(r"\D", "", page.locator(".bar .total").inner_text()))


def test_search_page_scopes_facets_sorting_and_paging(page, site, artifacts):
    import httpx

    page.goto(f"{site.url}/search?q=&library=PKU")
    api = httpx.get(f"{site.url}/api/v1/search", params={"q": "", "library": "PKU"}).json()
    counts = scope_counts(page)
    assert counts == api["scopes"] and list(counts) == ["library", "city", "province", "domain", "nation"]
    assert page.locator("a.scope.active").get_attribute("data-scope") == "library"
    assert total_shown(page) == counts["library"] and page.locator("li.hit").count() == 20
    assert page.locator(".scope.active").inner_text().startswith("本馆")
    page.screenshot(path=str(artifacts / "site-search-library.png"), full_page=True)

    page.click("a.scope[data-scope=nation]")
    page.wait_for_url(re.compile(r"scope=nation"))
    assert total_shown(page) == counts["nation"]

    facet = page.locator("section.facet[data-facet=language] li a").first
    label_count = int(facet.locator(".count").inner_text().replace(",", ""))
    facet.click()
    page.wait_for_url(re.compile(r"language="))
    assert total_shown(page) == label_count
    assert page.locator("section.facet[data-facet=language] a.selected").count() == 1
    filtered = scope_counts(page)
    assert filtered["nation"] == label_count and filtered["library"] <= counts["library"]

    page.select_option("form.sort select", "newest")
    page.wait_for_url(re.compile(r"sort=newest"))
    years = [int(y) for y in page.locator("li.hit .year").all_inner_texts()]
    assert years == sorted(years, reverse=True)

    first_page = page.locator("li.hit").first.get_attribute("data-id")
    page.click("nav.pager a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("ol.hits").get_attribute("start") == "21"
    assert page.locator("li.hit").first.get_attribute("data-id") != first_page
    page.screenshot(path=str(artifacts / "site-search-filtered-page2.png"), full_page=True)
    assert not page.errors


def test_highlights_availability_and_the_record_page(page, site, artifacts, registry):
    page.goto(f"{site.url}/search?q={quote('镜花缘')}&library=PKU")
    hit = page.locator("li.hit").first
    assert hit.locator("h2.title mark").inner_text() == "鏡花緣"  # the record's own (traditional) script
    link = hit.locator(".availability a")
    assert link.inner_text() == "电子全文" and link.get_attribute("href") == "https://fulltext.example/jhy"
    # an enricher's javascript: link is never rendered as a link
    assert page.locator(".availability a[href^=javascript]").count() == 0
    hit.locator("h2.title a").click()
    page.wait_for_url(re.compile(r"/records/"))
    assert page.locator("h1.title").inner_text() == "鏡花緣"
    holding = page.locator("li.holding[data-library=PKU]")
    assert holding.locator("a.shelf").get_attribute("href") == registry.get("PKU").shelf_status_url(
        control_number=sc.FLOWERS.control, isbn=sc.FLOWERS.isbn, title=sc.FLOWERS.title)
    assert page.locator("a.back").count() == 1
    page.screenshot(path=str(artifacts / "site-record-traditional.png"), full_page=True)


def test_record_page_groups_holdings_by_province_and_city(page, site, artifacts, registry):
    import httpx

    hits = httpx.get(f"{site.url}/api/v1/search", params={"q": "", "size": 50}).json()["hits"]
    rich = max(hits, key=lambda h: h["holding_count"])
    page.goto(f"{site.url}/records/{rich['id']}")
    libraries = [h["library"] for h in rich["holdings"]]
    provinces = {registry.get(code).province for code in libraries}
    assert page.locator("section.province").count() == len(provinces)
    for section in page.locator("section.province").all():
        code = section.get_attribute("data-province")
        shown = section.locator("li.holding").evaluate_all("els => els.map(e => e.dataset.library)")
        assert sorted(shown) == sorted(c for c in libraries if registry.get(c).province == code)
    with_link = [c for c in libraries if registry.get(c).opac_url]
    assert page.locator("a.shelf").count() >= len(with_link) - sum(
        1 for c in with_link if "{isbn}" in registry.get(c).opac_url and not rich["isbn"])
    page.screenshot(path=str(artifacts / "site-record-holdings.png"), full_page=True)


def test_the_record_page_shows_its_856_links(page, site):
    import httpx

    (hit,) = httpx.get(f"{site.url}/api/v1/search", params={"q": f"isbn:{sc.THERMO.isbn}"}).json()["hits"]
    page.goto(f"{site.url}/records/{hit['id']}")
    link = page.locator("p.links a.link")
    assert link.count() == 1 and link.inner_text() == "Full text"
    assert link.get_attribute("href") == "https://books.example.org/thermo"


def test_a_script_title_renders_as_text_and_never_runs(page, site, artifacts):
    page.goto(f"{site.url}/search?q={quote('alert')}&library=PKU")
    title = page.locator("li.hit h2.title a").first
    assert title.inner_text().startswith("<script>alert(1)</script>")
    assert "<img src=x onerror=alert(2)>" in title.inner_text()
    assert page.locator("li.hit script, li.hit img").count() == 0
    assert "Mallory <b>Evil</b>" in page.locator("li.hit .authors").first.inner_text()
    title.click()
    page.wait_for_url(re.compile(r"/records/"))
    assert page.locator("h1.title").inner_text().startswith("<script>alert(1)</script>")
    page.goto(f"{site.url}/search?q={quote('<script>alert(4)</script>')}")
    assert page.locator(".searchbox input[name=q]").input_value() == "<script>alert(4)</script>"
    page.wait_for_timeout(300)
    assert page.dialogs == [] and not page.errors
    page.screenshot(path=str(artifacts / "site-xss-as-text.png"), full_page=True)


def test_phone_viewport_has_no_sideways_scrolling(browser, site, artifacts):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    try:
        for path in (f"/search?q={quote('经济')}&library=PKU", "/search?q=&library=BFSU&scope=nation"):
            page.goto(site.url + path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            assert page.locator("nav.scopes").is_visible() and page.locator("li.hit").first.is_visible()
            box = page.locator("li.hit").first.bounding_box()
            assert box["width"] <= 390 and box["y"] < 844  # results on the first screen: facets fold away
            assert page.locator(".facets details").evaluate("d => !d.open")
        page.screenshot(path=str(artifacts / "site-phone-search.png"), full_page=False)
        page.locator("li.hit h2.title a").first.click()
        page.wait_for_url(re.compile(r"/records/"))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=str(artifacts / "site-phone-record.png"), full_page=True)
    finally:
        context.close()


def test_interface_language_from_parameter_cookie_and_browser(browser, site):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{site.url}/search?q=x&library=PKU")
        assert page.locator("a.scope[data-scope=library]").inner_text().startswith("My library")
        page.goto(f"{site.url}/search?q=x&library=PKU&lang=zh")
        assert page.locator("a.scope[data-scope=library]").inner_text().startswith("本馆")
        page.goto(f"{site.url}/search?q=x&library=PKU")  # the cookie keeps the choice
        assert page.locator("a.scope[data-scope=library]").inner_text().startswith("本馆")
    finally:
        context.close()


def test_site_autocomplete(page, site):
    page.goto(f"{site.url}/?library=PKU")
    page.locator(".searchbox input[name=q]").type("jinghua", delay=30)
    option = page.locator(".searchbox .suggestions li", has_text="鏡花緣")
    option.wait_for(timeout=5000)
    option.click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert page.locator("li.hit").first.locator("h2.title").inner_text() == "鏡花緣"


def test_embedded_box_works_cross_origin(page, site, foreign, artifacts):
    assert urlsplit(site.url).port != urlsplit(foreign).port  # two origins
    seen = []
    page.on("response", lambda r: seen.append(r) if "/api/v1/suggest" in r.url else None)
    page.goto(f"{foreign}/embed-test.html?host={site.url}&library=PKU")
    box = page.locator("div.yidu-embed input[name=q]")
    box.wait_for()
    assert page.locator("div.yidu-embed").get_attribute("data-library") == "PKU"
    box.type("镜花", delay=40)
    option = page.locator("div.yidu-embed li", has_text="鏡花緣")
    option.wait_for(timeout=5000)
    assert seen and seen[-1].headers.get("access-control-allow-origin") == "*"
    assert page.evaluate("location.origin") == foreign
    page.screenshot(path=str(artifacts / "embed-foreign-page.png"), full_page=True)
    option.click()
    page.wait_for_url(re.compile(re.escape(site.url) + r"/search\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["library"] == ["PKU"] and query["q"] == ["鏡花緣"]
    assert page.locator("a.scope.active").get_attribute("data-scope") == "library"
    assert page.locator("a.scope[data-scope=nation]").count() == 1  # the wider scopes one click away
    assert page.locator("li.hit h2.title").first.inner_text() == "鏡花緣"
    page.screenshot(path=str(artifacts / "embed-results.png"), full_page=True)
    assert not page.errors


def test_embed_without_javascript_plain_form(page, site, foreign):
    page.goto(f"{foreign}/embed-test.html?host={site.url}&library=PKU")
    page.locator("#plain input[name=q]").fill("量子计算导论")
    with page.context.expect_page() as opened:
        page.locator("#plain button").click()
    results = opened.value
    results.wait_for_load_state()
    assert results.url.startswith(site.url + "/search?")
    assert results.locator("a.scope.active").get_attribute("data-scope") == "library"
    assert results.locator("li.hit h2.title").first.inner_text() == "量子计算导论"


@pytest.fixture(scope="module")
def served_site(corpus, registry, es_client):
    """The app `yidu serve` runs: with the link resolver and the real availability of every hit."""
    from api.app import create_service_app
    from yidu.services import Services

    services = Services(corpus.settings, client=es_client, registry=registry, progress=False)
    with Served(create_service_app(services)) as served:
        yield served


def test_results_show_each_hits_availability_and_open_the_resolver_menu(page, served_site, artifacts):
    page.goto(f"{served_site.url}/search?q={quote('镜花缘')}&library=PKU")
    hits = page.locator("li.hit")
    assert hits.count() > 0
    for i in range(hits.count()):  # one summary per hit, each linking to the menu for the reader's library
        href = hits.nth(i).locator(".availability a").first.get_attribute("href")
        assert href.startswith("/openurl?") and "library=PKU" in href
    hits.first.locator(".availability a").first.click()
    page.wait_for_url(re.compile(r"/openurl\?"))
    options = page.locator("section.option")
    assert options.count() >= 1 and page.locator("section.option#librarian").count() == 1  # the last resort
    assert not page.errors
    page.screenshot(path=str(artifacts / "resolver-menu-from-results.png"), full_page=True)
