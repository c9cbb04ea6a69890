"""The resolver and maintenance APIs over real ASGI (httpx) and one real uvicorn server."""
from __future__ import annotations

import socket
import threading
import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from linkresolver.wiring import knowledge_base
from api.kb import routes as kb_routes
from api.resolver import routes as resolver_routes
from linkresolver.config import ResolverConfig
from lr_support import kbart, kbart_row
from yidu.config import Settings
from yidu.services import Services

DAY = date(2026, 11, 22)
PACKAGE = kbart(
    kbart_row("Journal of Alpha Studies", "0044-3328", "1434-6001", "1990", "1", "", "", "", "",
              "https://alpha.example/jas", "P1Y"),
)


@pytest.fixture
def services(tmp_path: Path):
    services = Services(Settings(state_dir=tmp_path / "state"), progress=False)
    kb = knowledge_base(services)
    kb.load_kbart(PACKAGE, "alpha")
    kb.subscribe("PKU", "alpha")
    kb.subscribe("PKU-HSC", "alpha", until="2020-12-31")
    return services


def app_for(services, **config):
    cfg = ResolverConfig(**config)
    return Starlette(routes=resolver_routes(services, config=cfg, clock=lambda: DAY) + kb_routes(services))


def client(app, ip="203.0.113.9"):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 40000)), base_url="http://yidu.test")


# --- the resolver API ------------------------------------------------------------------------------------------

async def test_json_resolution_with_an_explicit_library(services):
    async with client(app_for(services)) as c:
        r = await c.get("/api/v1/resolve", params={"rft.issn": "00443328", "rft.date": "2020", "library": "pku"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["library"]["code"] == "PKU" and body["library"]["detected_by"] == "parameter"
    assert [o["type"] for o in body["options"]][0] == "fulltext"
    assert r.headers["x-request-id"] == body["request_id"]


async def test_html_menu_escapes_the_citation(services):
    evil = '<script>alert("x")</script>'
    async with client(app_for(services)) as c:
        r = await c.get("/openurl", params={"rft.atitle": evil, "rft.jtitle": f'J "{evil}"', "rft.issn": "0044-3328",
                                            "rft.date": "2020", "library": "PKU"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<script>" not in r.text
    assert "&lt;script&gt;alert(" in r.text
    assert 'name="viewport"' in r.text  # readable on a phone
    assert "电子全文" in r.text and "https://alpha.example/jas" in r.text


async def test_html_menu_offers_a_library_choice_when_it_cannot_tell(services):
    async with client(app_for(services)) as c:
        r = await c.get("/openurl", params={"rft.issn": "0044-3328", "rft.atitle": "<b>x</b>"})
    assert 'name="library"' in r.text and "<b>x</b>" not in r.text
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in r.text


async def test_unsafe_links_are_not_rendered(services):
    kb = knowledge_base(services)
    kb.load_kbart(kbart(kbart_row("Script Journal", "0028-0836", first="2000", url="javascript:alert(1)")), "evil")
    kb.subscribe("PKU", "evil")
    async with client(app_for(services)) as c:
        r = await c.get("/openurl", params={"rft.issn": "0028-0836", "rft.date": "2001", "library": "PKU"})
    assert "javascript:" not in r.text


@pytest.mark.parametrize("path, params, accept, expect_html", [
    ("/openurl", {}, "", True),
    ("/openurl", {}, "application/json", False),
    ("/openurl", {"format": "json"}, "text/html", False),
    ("/api/v1/resolve", {}, "", False),
    ("/api/v1/resolve", {"format": "html"}, "", True),
    ("/api/v1/resolve", {}, "text/html", True),
])
async def test_content_negotiation(services, path, params, accept, expect_html):
    async with client(app_for(services)) as c:
        r = await c.get(path, params={"rft.issn": "0044-3328", **params}, headers={"accept": accept} if accept else {})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html" if expect_html else "application/json")


@pytest.mark.parametrize("params, message", [
    ({}, "names no citation"),
    ({"rft.issn": "0044-3328", "library": "NOWHERE"}, "unknown library"),
    ({"rft.issn": "0044-3328", "format": "xml"}, "format must be"),
    ({"rft.issn": "0044-3328", "debug": "maybe"}, "debug must be"),
    ({"issn": "not-an-issn", "date": "2001"}, "names no citation"),
])
@pytest.mark.parametrize("path", ["/api/v1/resolve", "/openurl"])
async def test_malformed_requests_get_400_with_a_message(services, params, message, path):
    async with client(app_for(services)) as c:
        r = await c.get(path, params=params)
    assert r.status_code == 400
    text = r.json()["error"] if path.startswith("/api") else r.text
    assert message in text


async def test_raw_garbage_query_strings_are_400_not_500(services):
    async with client(app_for(services)) as c:
        for raw in ("%FF%FE=%00", "&&&===", "rft.issn=%E4%B8", "library=%3Cscript%3E&rft.issn=0044-3328"):
            r = await c.get("/api/v1/resolve?" + raw)
            assert r.status_code in (200, 400), raw


async def test_debug_lists_excluded_options(services):
    async with client(app_for(services)) as c:
        r = await c.get("/api/v1/resolve", params={"rft.issn": "0044-3328", "rft.date": "2026", "library": "PKU",
                                                   "debug": "1"})
        html = await c.get("/openurl", params={"rft.issn": "0044-3328", "rft.date": "2026", "library": "PKU",
                                               "debug": "1"})
    reasons = [e["reason"] for e in r.json()["debug"]["excluded"]]
    assert any("embargo P1Y" in reason for reason in reasons)
    assert "embargo P1Y" in html.text


# --- who is asking: IP ranges and proxies -----------------------------------------------------------------------

@pytest.mark.parametrize("ip, expected", [
    ("10.1.3.4", "PKU"),          # 10.1.0.0/16
    ("10.1.200.7", "PKU-HSC"),    # 10.1.200.0/24 inside it: the most specific range wins
    ("::ffff:10.1.200.7", "PKU-HSC"),
    ("203.0.113.9", None),
])
async def test_the_library_comes_from_the_most_specific_ip_range(services, ip, expected):
    async with client(app_for(services), ip=ip) as c:
        r = await c.get("/api/v1/resolve", params={"rft.issn": "0044-3328", "rft.date": "2020"})
    library = r.json()["library"]
    assert library["code"] == expected
    assert library["detected_by"] == ("ip" if expected else "none")


@pytest.mark.parametrize("peer, forwarded, expected", [
    ("192.168.0.5", "10.1.200.7", "PKU-HSC"),                     # a trusted proxy: believed
    ("172.16.0.1", "10.1.200.7", None),                           # an untrusted peer: its header is ignored
    ("192.168.0.5", "10.1.200.7, 192.168.0.9", "PKU-HSC"),        # two trusted hops
    ("192.168.0.5", "10.11.1.5, 10.1.200.7", "PKU-HSC"),          # forged left part ignored: nearest hop counts
    ("192.168.0.5", "garbage", None),
])
async def test_x_forwarded_for_only_from_trusted_proxies(services, peer, forwarded, expected):
    app = app_for(services, trusted_proxies=("192.168.0.0/24",))
    async with client(app, ip=peer) as c:
        r = await c.get("/api/v1/resolve", params={"rft.issn": "0044-3328"}, headers={"x-forwarded-for": forwarded})
    assert r.json()["library"]["code"] == expected


async def test_the_explicit_library_parameter_wins_over_the_address(services):
    async with client(app_for(services), ip="10.1.3.4") as c:
        r = await c.get("/api/v1/resolve", params={"rft.issn": "0044-3328", "library": "THU"})
    assert r.json()["library"]["code"] == "THU"


# --- the maintenance API ----------------------------------------------------------------------------------------

def bearer(token):
    return {"authorization": f"Bearer {token}"}


async def test_maintenance_needs_a_valid_token(services):
    async with client(app_for(services)) as c:
        assert (await c.get("/api/v1/kb/status")).status_code == 401
        r = await c.get("/api/v1/kb/status", headers=bearer("ykb_forged"))
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert (await c.get("/api/v1/kb/status", headers={"authorization": "Basic abc"})).status_code == 401
        r = await c.put("/api/v1/kb/libraries/PKU/subscriptions/alpha", json={})
        assert r.status_code == 401


async def test_a_library_token_changes_only_its_own_library(services):
    kb = knowledge_base(services)
    thu = kb.create_token("THU")
    async with client(app_for(services)) as c:
        assert (await c.put("/api/v1/kb/libraries/PKU/subscriptions/alpha", json={}, headers=bearer(thu))).status_code == 403
        assert (await c.get("/api/v1/kb/libraries/PKU/holdings", headers=bearer(thu))).status_code == 403
        assert (await c.put("/api/v1/kb/packages/new", content=PACKAGE, headers=bearer(thu))).status_code == 403
        assert (await c.post("/api/v1/kb/holdings/from-catalog", headers=bearer(thu))).status_code == 403
        before = await c.get("/api/v1/resolve", params={"rft.issn": "0044-3328", "rft.date": "2020", "library": "THU"})
        assert "fulltext" not in [o["type"] for o in before.json()["options"]]
        r = await c.put("/api/v1/kb/libraries/THU/subscriptions/alpha", json={"from": "2020-01-01"}, headers=bearer(thu))
        assert r.status_code == 200 and r.json()["from"] == "2020-01-01"
        after = await c.get("/api/v1/resolve", params={"rft.issn": "0044-3328", "rft.date": "2020", "library": "THU"})
        assert "fulltext" in [o["type"] for o in after.json()["options"]]  # the live resolver sees it at once
        listed = await c.get("/api/v1/kb/libraries/THU/subscriptions", headers=bearer(thu))
        assert [s["package"] for s in listed.json()["subscriptions"]] == ["alpha"]
        assert (await c.delete("/api/v1/kb/libraries/THU/subscriptions/alpha", headers=bearer(thu))).status_code == 200
        assert (await c.delete("/api/v1/kb/libraries/THU/subscriptions/alpha", headers=bearer(thu))).status_code == 404


async def test_library_token_uploads_print_holdings(services):
    kb = knowledge_base(services)
    nju = kb.create_token("NJU")
    csv = b"issn,title,start_year,end_year\n0044-3328,J Alpha,1990,2000\nnot-an-issn,,x,\n"
    async with client(app_for(services)) as c:
        r = await c.put("/api/v1/kb/libraries/NJU/holdings", content=csv, headers=bearer(nju))
        assert r.status_code == 200
        assert r.json()["loaded"] == 1 and [p["line"] for p in r.json()["problems"]] == [3, 3]
        got = await c.get("/api/v1/kb/libraries/NJU/holdings", headers=bearer(nju))
        assert got.json()["holdings"][0]["runs"] == [[1990, 2000, -1, -1]]
        res = await c.get("/api/v1/resolve", params={"rft.issn": "0044-3328", "rft.date": "1995", "library": "NJU"})
        assert "print" in [o["type"] for o in res.json()["options"]]
        bad = await c.put("/api/v1/kb/libraries/NJU/holdings", content=b"a,b\n1,2\n", headers=bearer(nju))
        assert bad.status_code == 400 and bad.json()["problems"]


async def test_admin_loads_packages_and_bad_rows_are_reported(services):
    kb = knowledge_base(services)
    admin = kb.create_token(None)
    body = kbart(kbart_row("Good", "0028-0836", first="2000", url="https://g.example"),
                 kbart_row("Bad", "0028-0836", first="someday"))
    async with client(app_for(services)) as c:
        r = await c.put("/api/v1/kb/packages/second", content=body, headers=bearer(admin))
        assert r.status_code == 200
        assert r.json()["loaded"] == 1 and r.json()["problems"][0]["line"] == 3
        problems = await c.get("/api/v1/kb/packages/second/problems", headers=bearer(admin))
        assert problems.json()["problems"][0].startswith("line 3:")
        status = await c.get("/api/v1/kb/status", headers=bearer(admin))
        assert {p["name"] for p in status.json()["package_list"]} == {"alpha", "second"}
        assert (await c.put("/api/v1/kb/packages/x", content=b"not\tkbart\n", headers=bearer(admin))).status_code == 400
        assert (await c.put("/api/v1/kb/packages/x", content=b"", headers=bearer(admin))).status_code == 400
        r = await c.put("/api/v1/kb/libraries/NOPE/subscriptions/alpha", json={}, headers=bearer(admin))
        assert r.status_code == 404
        r = await c.put("/api/v1/kb/libraries/PKU/subscriptions/missing", json={}, headers=bearer(admin))
        assert r.status_code == 404
        r = await c.put("/api/v1/kb/libraries/PKU/subscriptions/alpha", content=b"{oops", headers=bearer(admin))
        assert r.status_code == 400
        r = await c.put("/api/v1/kb/libraries/PKU/subscriptions/alpha", json={"from": "2020-02-30"},
                        headers=bearer(admin))
        assert r.status_code == 400
        assert (await c.delete("/api/v1/kb/packages/second", headers=bearer(admin))).status_code == 200


def test_tokens_are_stored_hashed(services):
    kb = knowledge_base(services)
    token = kb.create_token("PKU")
    raw = (Path(services.settings.state_dir) / "kb.sqlite").read_bytes()
    assert token.encode() not in raw
    assert kb.authenticate(f"Bearer {token}").library == "PKU"


# --- a real server ------------------------------------------------------------------------------------------------

def test_through_a_real_uvicorn_server(services):
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app_for(services), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        r = httpx.get(f"http://127.0.0.1:{port}/api/v1/resolve?rft.issn=0044-3328&rft.date=2020&library=PKU")
        assert r.status_code == 200 and r.json()["options"][0]["type"] == "fulltext"
        bad = httpx.get(f"http://127.0.0.1:{port}/openurl?rft.date=2020")
        assert bad.status_code == 400
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_only_http_links_survive_the_template_filter():
    from api.resolver import _safe_url

    assert _safe_url("https://doi.org/10.1/x") == "https://doi.org/10.1/x"
    assert _safe_url("/openurl?rft.issn=1") == "/openurl?rft.issn=1"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//evil.example/x", "vbscript:x"):
        assert _safe_url(bad) is None
