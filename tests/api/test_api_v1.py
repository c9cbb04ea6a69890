"""The JSON API over the real node: shapes, limits, 400s (never a 500 for user input), request ids, CORS,
gzip, records with holdings and MARC sources, suggestions, export, health, OpenAPI, and the enricher hook."""
from __future__ import annotations

import io
import json

import httpx
import orjson
import pymarc
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

import searchcorpus as sc
from api import openapi
from api.app import create_app
from query.request import FACETS, MAX_DEPTH
from yidu import es
from yidu.services import Services

pytestmark = pytest.mark.es


@pytest.fixture
async def make_client(services):
    made = []

    async def make(**kw):
        aclient = es.async_client(services.settings.es)
        app = create_app(kw.pop("services", services), client=aclient, **kw)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://yidu.test")
        made.append((client, aclient))
        return client

    yield make
    for client, aclient in made:
        await client.aclose()
        await aclient.close()


@pytest.fixture
async def api(make_client):
    return await make_client()


def record_id_of(result, special):
    return next(h["id"] for h in result["hits"] if f"{special.library}:{special.control}" in h["source_ids"])


# --- search ------------------------------------------------------------------------------------------------
async def test_search_shape(api):
    r = await api.get("/api/v1/search", params={"q": "量子计算导论", "library": "PKU", "scope": "nation"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert {"total", "scope", "scopes", "hits", "facets", "took_ms", "query_echo", "request_id"} <= set(body)
    assert list(body["scopes"]) == ["library", "city", "province", "domain", "nation"]
    hit = body["hits"][0]
    assert {"id", "type", "title", "authors", "year", "isbn", "source_ids", "holdings"} <= set(hit)
    assert hit["title"] == "量子计算导论" and hit["highlight"]["title"] == "<mark>量子计算导论</mark>"
    assert body["query_echo"]["q"] == "量子计算导论" and body["query_echo"]["library"] == "PKU"
    assert body["request_id"] == r.headers["x-request-id"]


async def test_facets_and_multi_select_through_parameters(api):
    base = (await api.get("/api/v1/search", params={"q": ""})).json()
    a, b = base["facets"]["clc_top"][:2]
    r = await api.get("/api/v1/search", params=[("q", ""), ("clc_top", a["value"]), ("clc_top", b["value"])])
    assert a["count"] <= r.json()["total"] <= a["count"] + b["count"]
    assert r.json()["query_echo"]["filters"] == {"clc_top": [a["value"], b["value"]]}


@pytest.mark.parametrize("params, message", [
    ({"page": "abc"}, "must be an integer"),
    ({"size": "0"}, "between 1 and 100"),
    ({"size": "101"}, "between 1 and 100"),
    ({"page": "1000"}, "at most 1000"),
    ({"scope": "planet"}, "must be one of"),
    ({"scope": "city"}, "needs a library"),
    ({"library": "bad code!"}, "library code"),
    ({"library": "ZZZZ"}, "unknown library"),
    ({"q": "x" * 501}, "too long"),
    ({"q": "isbn:12345"}, "not a valid ISBN"),
    ({"q": "year:abc"}, "year expects"),
    ({"q": "(" * 12 + "x"}, "nested too deeply"),
    ({"sort": "random"}, "must be one of"),
    ({"year": "lately"}, "year facet value"),
    ({"province": "99"}, "unknown province"),
    ({"collection": "books"}, "must be one of"),
    ({"q": "a\x00b"}, "NUL"),
])
async def test_bad_parameters_are_400_with_a_message_and_the_request_id(api, params, message):
    r = await api.get("/api/v1/search", params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert message in body["error"] and body["request_id"] == r.headers["x-request-id"]


async def test_a_parameter_given_twice_is_refused_and_an_unknown_one_ignored(api):
    r = await api.get("/api/v1/search?q=a&q=b")
    assert r.status_code == 400 and "given 2 times" in r.json()["error"]
    assert (await api.get("/api/v1/search?q=a&utm_source=x")).status_code == 200


async def test_odd_bytes_and_huge_query_strings(api):
    assert (await api.get("/api/v1/search?q=%FF%FE%00")).status_code in (200, 400)
    assert (await api.get("/api/v1/search?q=%E4%B8")).status_code == 200  # a cut UTF-8 sequence
    r = await api.get("/api/v1/search?q=" + "a" * 5000)
    assert r.status_code == 414 and r.json()["request_id"]


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=80), extra=st.dictionaries(
    st.sampled_from(["page", "size", "sort", "scope", "library", "collection", *FACETS]),
    st.text(max_size=12), max_size=3))
async def test_no_user_input_gives_a_500(api, q, extra):
    r = await api.get("/api/v1/search", params={"q": q, **extra})
    assert r.status_code in (200, 400), (q, extra, r.text)
    assert r.json()["request_id"]


async def test_request_ids_in_and_out(api):
    r = await api.get("/api/v1/search", params={"q": "x"}, headers={"X-Request-Id": "reader-42"})
    assert r.headers["x-request-id"] == "reader-42" and r.json()["request_id"] == "reader-42"
    r = await api.get("/api/v1/search", params={"page": "x"}, headers={"X-Request-Id": "bad id <script>"})
    assert r.headers["x-request-id"] != "bad id <script>" and r.json()["request_id"] == r.headers["x-request-id"]


async def test_cors_for_embedding_and_gzip(api):
    r = await api.get("/api/v1/suggest", params={"q": "镜花"}, headers={"Origin": "https://lib.example.edu"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
    pre = await api.options("/api/v1/search", headers={"Origin": "https://lib.example.edu",
                                                         "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"
    r = await api.get("/api/v1/search", params={"q": ""}, headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.json()["total"] > 0


async def test_zero_results_widen_and_say_so(api):
    body = (await api.get("/api/v1/search", params={"q": "Zyxwvut", "library": "PKU"})).json()
    assert body["widened_from"] == "library" and body["scope"] == "nation" and body["total"] == 1


# --- records -----------------------------------------------------------------------------------------------
async def test_record_with_every_holding_library_its_place_and_shelf_status_link(api, registry):
    found = (await api.get("/api/v1/search", params={"q": "", "sort": "newest", "size": 50})).json()
    hit = max(found["hits"], key=lambda h: h["holding_count"])
    r = await api.get(f"/api/v1/records/{hit['id']}")
    assert r.status_code == 200
    record = r.json()
    assert record["title"] == hit["title"] and len(record["holdings"]) == hit["holding_count"] >= 2
    for h in record["holdings"]:
        lib = registry.get(h["library"])
        assert (h["name"], h["city"], h["province"]) == (lib.name, lib.city, lib.province)
        assert h["province_name"] == registry.provinces[lib.province].name
        expected = lib.shelf_status_url(control_number=h["control_numbers"][0],
                                        isbn=(record.get("isbn") or [None])[0], title=record["title"])
        assert h["shelf_status_url"] == expected
    grouped = [h["library"] for p in record["holdings_by_place"] for c in p["cities"] for h in c["holdings"]]
    assert sorted(grouped) == sorted(h["library"] for h in record["holdings"])
    assert not any(k.endswith(("_s", "_py", "_t")) for k in record)


async def test_record_sources_as_marcxml_and_json(api):
    found = (await api.get("/api/v1/search", params={"q": "镜花缘"})).json()
    rid = record_id_of(found, sc.FLOWERS)
    record = (await api.get(f"/api/v1/records/{rid}")).json()
    source = next(s for s in record["sources"] if s["control_number"] == sc.FLOWERS.control)
    xml = await api.get(source["marc"]["marcxml"])
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/marcxml+xml")
    parsed = pymarc.parse_xml_to_array(io.BytesIO(xml.content))[0]
    assert parsed["245"]["a"] == sc.FLOWERS.title and parsed["001"].data == sc.FLOWERS.control
    as_json = (await api.get(source["marc"]["json"])).json()
    assert {"001": sc.FLOWERS.control} in as_json["fields"]
    assert (await api.get(f"/api/v1/records/{rid}/sources/PKU/nope")).status_code == 404


async def test_record_errors(api):
    assert (await api.get("/api/v1/records/unone")).status_code == 404
    r = await api.get("/api/v1/records/bad%20id%3Cx%3E")
    assert r.status_code == 400 and r.json()["error"].startswith("record id")


# --- suggest, export, health, openapi ---------------------------------------------------------------------
async def test_suggest(api):
    r = await api.get("/api/v1/suggest", params={"q": "zggfzbg"})
    assert sc.REPORT.title in [s["text"] for s in r.json()["suggestions"]]
    assert (await api.get("/api/v1/suggest", params={"q": "x" * 81})).status_code == 400
    assert (await api.get("/api/v1/suggest", params={"q": ""})).json()["suggestions"] == []


async def test_export_streams_past_the_paging_limit(api, corpus, es_client):
    r = await api.get("/api/v1/export", params={"q": "", "limit": str(MAX_DEPTH + 100)})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in r.content.splitlines()]
    assert len(lines) == MAX_DEPTH + 100 and len({h["id"] for h in lines}) == len(lines)
    everything = (await api.get("/api/v1/export", params={"q": "", "limit": "100000"})).content.splitlines()
    assert len(everything) == corpus.union_records
    scoped = (await api.get("/api/v1/export", params={"q": "", "library": "PKU"})).content.splitlines()
    pku = (await api.get("/api/v1/search", params={"q": "", "library": "PKU"})).json()["total"]
    assert len(scoped) == pku and all(any(h["library"] == "PKU" for h in orjson.loads(x)["holdings"]) for x in scoped)
    assert (await api.get("/api/v1/export", params={"limit": "0"})).status_code == 400


async def test_health(api):
    body = (await api.get("/api/v1/healthz")).json()
    assert body["status"] == "ok" and body["collections"] == ["catalog"]


async def test_no_index_yet_is_503(make_client, services):
    empty = Services(services.settings.with_prefix("nothing-here"), client=services.client,
                     registry=services.registry)
    client = await make_client(services=empty)
    r = await client.get("/api/v1/search", params={"q": "x"})
    assert r.status_code == 503 and r.json()["request_id"]
    assert (await client.get("/api/v1/healthz")).json()["collections"] == []


async def test_openapi_matches_the_routes_and_parameters(api):
    doc = (await api.get("/api/v1/openapi.json")).json()
    assert doc == json.loads(json.dumps(openapi.document(mounted=openapi.mounted_routes(api._transport.app.routes))))
    app_paths = {r.path for r in api._transport.app.routes if getattr(r, "path", "").startswith("/api/v1/")}
    assert set(doc["paths"]) == app_paths - {"/api/v1/openapi.json"}
    # every declared search parameter is accepted with a valid value
    samples = {"q": "经济", "library": "PKU", "scope": "city", "page": "2", "size": "5", "sort": "newest",
               "collection": "catalog", "lang": "en", "year": "2000-2009", "province": "11"}
    declared = [p["name"] for p in doc["paths"]["/api/v1/search"]["get"]["parameters"]]
    assert set(FACETS) <= set(declared)
    for name in declared:
        extra = {"library": "PKU"} if name == "scope" else {}
        r = await api.get("/api/v1/search", params={"q": "经济", name: samples.get(name, "x"), **extra})
        assert r.status_code == 200, (name, r.text)
    # and the limits it states are the ones enforced
    size = next(p for p in doc["paths"]["/api/v1/search"]["get"]["parameters"] if p["name"] == "size")
    assert (await api.get("/api/v1/search", params={"size": size["schema"]["maximum"]})).status_code == 200
    assert (await api.get("/api/v1/search", params={"size": size["schema"]["maximum"] + 1})).status_code == 400


# --- the enricher hook -------------------------------------------------------------------------------------
async def test_hit_enrichers_are_called_once_per_page_with_every_hit(make_client):
    calls = []

    async def availability(hits, context):
        calls.append((len(hits), context.library, context.request_id))
        for h in hits:
            h["availability"] = {"label": "馆藏", "url": f"https://resolver.example/{h['id']}"}

    async def broken(hits, context):
        raise RuntimeError("resolver down")

    client = await make_client(hit_enrichers=[broken, availability])
    r = await client.get("/api/v1/search", params={"q": "", "library": "PKU", "size": "7"},
                         headers={"X-Request-Id": "enrich-1"})
    assert r.status_code == 200
    assert calls == [(7, "PKU", "enrich-1")]
    assert all(h["availability"]["url"].endswith(h["id"]) for h in r.json()["hits"])


async def test_other_packages_routes_mount_beside_ours(make_client):
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(request):
        return PlainTextResponse("resolver here")

    client = await make_client(routes=[Route("/openurl", hello)])
    r = await client.get("/openurl")
    assert r.text == "resolver here" and r.headers["x-request-id"]
    assert (await client.get("/api/v1/healthz")).status_code == 200


async def test_record_holdings_nearest_to_the_reader_first(api, registry):
    found = (await api.get("/api/v1/search", params={"q": "", "size": 50})).json()
    hit = max(found["hits"], key=lambda h: h["holding_count"])
    far = hit["holdings"][-1]["library"]
    reader = registry.get(far)
    record = (await api.get(f"/api/v1/records/{hit['id']}", params={"library": far})).json()
    assert record["holdings"][0]["library"] == far
    assert record["holdings_by_place"][0]["province"] == reader.province
    near = [h["province"] == reader.province for h in record["holdings"]]
    assert near == sorted(near, reverse=True)  # the reader's province before the others


async def test_the_served_app_gives_every_hit_its_availability_and_a_working_menu_link(services):
    from api.app import create_service_app

    aclient = es.async_client(services.settings.es)
    app = create_service_app(services, client=aclient)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://yidu.test") as client:
        found = (await client.get("/api/v1/search", params={"q": "", "library": "PKU", "size": 5})).json()
        assert len(found["hits"]) == 5
        for hit in found["hits"]:
            link = hit["availability"]["link"]
            assert hit["availability"]["status"] and link.startswith("/openurl?") and "library=PKU" in link
        menu = await client.get(found["hits"][0]["availability"]["link"], headers={"Accept": "text/html"})
        assert menu.status_code == 200 and "text/html" in menu.headers["content-type"]
        resolved = await client.get("/api/v1/resolve" + link[len("/openurl"):])
        assert resolved.status_code == 200 and resolved.json()["options"]
        page = await client.get("/search", params={"q": "", "library": "PKU"})
        assert 'href="/openurl?' in page.text
    await aclient.close()
