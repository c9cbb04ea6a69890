"""The enrichment API over the real node and the session corpus: records by ISBN with the nearest holding
libraries, API keys (401/403/429, proxies, usage, revocation, the CLI), covers (generated and supplied,
ETag/304, refused uploads) and journal issues and tables of contents from the articles index."""
from __future__ import annotations

import io
import json
from dataclasses import replace

import httpx
import pytest
from PIL import Image

import searchcorpus as sc
from api.app import create_service_app
from api.bookview import TIERS
from api.gate import gate_for
from indexer.articles import ArticleLoader
from indexer.journals import journal_issues
from yidu import es
from yidu.cli import main
from yidu.services import Services

pytestmark = pytest.mark.es

PEER = "10.1.2.3"  # inside PKU's registered range


@pytest.fixture
def own(services, tmp_path):
    """The session corpus seen with a private state folder: this test's keys and covers only."""
    return Services(replace(services.settings, state_dir=tmp_path / "state"), client=services.client,
                    registry=services.registry, progress=False)


@pytest.fixture
async def connect():
    made = []

    async def make(services, peer=PEER):
        aclient = es.async_client(services.settings.es)
        app = create_service_app(services, client=aclient)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 1234)),
                                   base_url="http://yidu.test")
        made.append((client, aclient))
        return client

    yield make
    for client, aclient in made:
        await client.aclose()
        await aclient.close()


def new_key(services, library="PKU", **kw):
    return gate_for(services).keys.create(services.registry, library, **kw)


def hits_for(es_client, corpus, query, size=10, **kw):
    return es_client.search(index=corpus.alias, query=query, size=size, **kw)["hits"]["hits"]


def hyphenated(isbn13):
    return f"{isbn13[:3]}-{isbn13[3]}-{isbn13[4:8]}-{isbn13[8:12]}-{isbn13[12]}"


def first_host(library):
    net = next(n for n in library.ip_ranges if n.version == 4)
    return str(next(net.hosts()) if net.num_addresses > 1 else net.network_address)


# --- records by ISBN -----------------------------------------------------------------------------------------
async def test_isbn10_and_hyphenated_isbn13_find_the_same_record(own, connect, es_client, corpus):
    (hit,) = hits_for(es_client, corpus, {"term": {"isbn": sc.REPORT.isbn}})
    _, key = new_key(own)
    api = await connect(own)
    by10 = await api.get(f"/api/v1/enrich/isbn/{sc.isbn10_of(sc.REPORT.isbn)}", headers={"X-Api-Key": key})
    by13 = await api.get(f"/api/v1/enrich/isbn/{hyphenated(sc.REPORT.isbn)}", headers={"X-Api-Key": key})
    assert by10.status_code == by13.status_code == 200
    a, b = by10.json(), by13.json()
    assert a.pop("request_id") != b.pop("request_id") and a == b
    src = hit["_source"]
    assert (a["id"], a["isbn"], a["title"], a["authors"]) == (hit["_id"], sc.REPORT.isbn, src["title"], src["authors"])
    assert (a["publisher"], a["year"], a["holdings_count"]) == (src["publisher"], src["year"], src["holding_count"])
    assert a["cover_url"] == f"/covers/{sc.REPORT.isbn}.png" and a["cover_generated"] is True
    assert a["links"] == [] and a["resolver_url"].startswith("/openurl?")


async def test_the_records_856_links_are_served_and_only_web_ones(own, connect):
    _, key = new_key(own)
    api = await connect(own)
    got = (await api.get(f"/api/v1/enrich/isbn/{sc.THERMO.isbn}", headers={"X-Api-Key": key})).json()
    assert got["links"] == [{"url": "https://books.example.org/thermo", "label": "Full text"}]


async def test_the_served_openapi_document_lists_every_route_the_service_mounts(own, connect):
    api = await connect(own)
    doc = (await api.get("/api/v1/openapi.json")).json()
    app = api._transport.app
    served = {(r.path, m.lower()) for r in app.routes if getattr(r, "methods", None) for m in r.methods
              if m != "HEAD" and r.path.startswith(("/api/v1/", "/openurl", "/covers/"))}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert documented == served - {("/api/v1/openapi.json", "get")}
    enrich = doc["paths"]["/api/v1/enrich/isbn/{isbn}"]["get"]
    assert enrich["security"] == [{"apiKey": []}] and doc["components"]["securitySchemes"]["apiKey"]["name"] == "X-Api-Key"
    assert {"401", "403", "429"} <= set(enrich["responses"])
    assert doc["paths"]["/api/v1/kb/packages/{name}"]["put"]["security"] == [{"token": []}]


async def test_contents_notes_become_lists_and_unknown_isbns_are_404(own, connect, es_client, corpus):
    _, key = new_key(own)
    api = await connect(own)
    for fmt, joiner in (("marc21", " -- "), ("cnmarc", " ")):
        (hit,) = hits_for(es_client, corpus, {"bool": {"filter": [{"exists": {"field": "contents_t"}},
                                                                  {"exists": {"field": "isbn"}},
                                                                  {"term": {"format": fmt}}]}}, size=1,
                          sort=[{"merge_key": "asc"}])
        src = hit["_source"]
        body = (await api.get(f"/api/v1/enrich/isbn/{src['isbn'][0]}", headers={"X-Api-Key": key})).json()
        note = src["contents"][0]
        assert len(body["contents"]) > 1 and joiner.join(body["contents"]) == note.removesuffix(".")
        assert body["summary"] == (src.get("summary") or [None])[0]
    missing = sc.isbn13("978000000999")
    r = await api.get(f"/api/v1/enrich/isbn/{missing}", headers={"X-Api-Key": key})
    assert r.status_code == 404 and missing in r.json()["error"] and r.json()["request_id"]
    for bad in ("9787503745127", "12345", "97875037451x6"):
        r = await api.get(f"/api/v1/enrich/isbn/{bad}", headers={"X-Api-Key": key})
        assert r.status_code == 400 and "ISBN" in r.json()["error"]


def _relation(reader, other):
    if other.code == reader.code:
        return "library"
    if other.province == reader.province:
        return "city" if other.city == reader.city else "province"
    return "domain" if set(reader.domains) & set(other.domains) else "nation"


def _widely_held(es_client, corpus, registry):
    """The (record, library) pair whose holders fall in the most nearness tiers around that library."""
    hits = hits_for(es_client, corpus, {"exists": {"field": "isbn"}}, size=200, sort=[{"holding_count": "desc"}])
    best = None
    for hit in hits:
        holders = [c for c in hit["_source"]["holding_libraries"] if c in registry]
        for code in holders:
            reader = registry.get(code)
            if not any(n.version == 4 for n in reader.ip_ranges):
                continue
            tiers = {_relation(reader, registry.get(c)) for c in holders}
            if best is None or len(tiers) > best[0]:
                best = (len(tiers), hit, reader)
    return best[1], best[2]


async def test_nearest_holding_libraries_start_with_the_key_s_library(own, connect, es_client, corpus, registry):
    hit, reader = _widely_held(es_client, corpus, registry)
    _, key = new_key(own, reader.code)
    api = await connect(own, peer=first_host(reader))
    isbn = hit["_source"]["isbn"][0]
    body = (await api.get(f"/api/v1/enrich/isbn/{isbn}", params={"nearest": "100"},
                          headers={"X-Api-Key": key})).json()
    nearest = body["nearest"]
    holders = [c for c in hit["_source"]["holding_libraries"] if c in registry]
    assert body["library"] == reader.code and nearest[0]["code"] == reader.code
    assert sorted(n["code"] for n in nearest) == sorted(holders) and len(holders) == body["holdings_count"]
    assert [n["nearness"] for n in nearest] == [_relation(reader, registry.get(n["code"])) for n in nearest]
    order = {code: i for i, code in enumerate(registry.codes)}
    ranks = [(TIERS.index(n["nearness"]), order[n["code"]]) for n in nearest]
    assert ranks == sorted(ranks) and len({n["nearness"] for n in nearest}) >= 3
    record = (await api.get(f"/api/v1/records/{hit['_id']}")).json()  # the record API's shelf-status links
    links = {h["library"]: h["shelf_status_url"] for h in record["holdings"]}
    assert all(n["shelf_status_url"] == links[n["code"]] for n in nearest)
    assert all(n["name"] == registry.get(n["code"]).name and n["city"] == registry.get(n["code"]).city
               for n in nearest)
    two = (await api.get(f"/api/v1/enrich/isbn/{isbn}", params={"nearest": "2"}, headers={"X-Api-Key": key})).json()
    assert two["nearest"] == nearest[:2]
    r = await api.get(f"/api/v1/enrich/isbn/{isbn}", params={"nearest": "0"}, headers={"X-Api-Key": key})
    assert r.status_code == 400


# --- keys --------------------------------------------------------------------------------------------------
async def test_keys_are_required_and_bound_to_addresses(own, connect):
    record, key = new_key(own)
    url = f"/api/v1/enrich/isbn/{sc.REPORT.isbn}"
    api = await connect(own)
    for headers in ({}, {"X-Api-Key": "nonsense"}, {"X-Api-Key": key[:-4] + "AAAA"}):
        r = await api.get(url, headers=headers)
        assert r.status_code == 401 and r.json()["request_id"] == r.headers["x-request-id"]
    assert (await api.get(url, params={"apikey": key})).status_code == 200
    assert (await api.get(url, params={"apikey": key}, headers={"X-Api-Key": "other"})).status_code == 400
    outside = await connect(own, peer="203.0.113.9")
    r = await outside.get(url, headers={"X-Api-Key": key})
    assert r.status_code == 403 and record.id in r.json()["error"]
    _, listed = new_key(own, "THU", ip_ranges=["203.0.113.0/24"])  # explicit ranges replace the registry's
    assert (await outside.get(url, headers={"X-Api-Key": listed})).status_code == 200
    assert (await api.get(url, headers={"X-Api-Key": listed})).status_code == 403


@pytest.mark.parametrize("peer, forwarded, status", [
    ("192.168.0.5", PEER, 200),        # a trusted proxy: its X-Forwarded-For is believed
    ("172.16.0.1", PEER, 403),         # anyone else's is not
    ("192.168.0.5", f"{PEER}, 192.168.0.9", 200),
    ("192.168.0.5", f"{PEER}, 203.0.113.9", 403),  # the nearest untrusted hop is the client
])
async def test_forwarded_addresses_count_only_from_trusted_proxies(own, connect, peer, forwarded, status):
    proxied = Services(replace(own.settings, trusted_proxies=("192.168.0.0/24",)), client=own.client,
                       registry=own.registry, progress=False)
    _, key = new_key(proxied)
    api = await connect(proxied, peer=peer)
    r = await api.get(f"/api/v1/enrich/isbn/{sc.REPORT.isbn}", headers={"X-Api-Key": key, "X-Forwarded-For": forwarded})
    assert r.status_code == status


async def test_rate_limit_usage_counts_and_revocation_through_the_cli(own, connect, monkeypatch, capsys):
    monkeypatch.setenv("YIDU_STATE_DIR", str(own.settings.state_dir))
    monkeypatch.delenv("YIDU_LIBRARIES", raising=False)
    assert main(["apikeys", "create", "--library", "PKU", "--rate", "2/min", "--label", "opac"]) == 0
    key = capsys.readouterr().out.strip()
    api = await connect(own)
    url = f"/api/v1/enrich/isbn/{sc.REPORT.isbn}"
    statuses = [(await api.get(url, headers={"X-Api-Key": key})) for _ in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert 1 <= int(statuses[2].headers["retry-after"]) <= 30 and "2 requests a minute" in statuses[2].json()["error"]
    gate_for(own).keys.flush()
    assert main(["apikeys", "list", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert (listed["library"], listed["rate"], listed["label"], listed["uses"]) == ("PKU", "2/min", "opac", 2)
    assert listed["last_used"] and listed["revoked"] is None and key.startswith(listed["prefix"])
    assert listed["ip_ranges"] == [str(n) for n in own.registry.get("PKU").ip_ranges]
    assert main(["apikeys", "revoke", listed["id"]]) == 0
    r = await api.get(url, headers={"X-Api-Key": key})
    assert r.status_code == 401 and "revoked" in r.json()["error"]
    assert main(["apikeys", "list"]) == 0
    assert "0 active" in capsys.readouterr().out


# --- covers ------------------------------------------------------------------------------------------------
def image_bytes(fmt="JPEG", size=(120, 180), colour=(180, 40, 40)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


async def test_generated_covers_are_images_that_differ_by_title_and_are_public(own, connect, es_client, corpus):
    api = await connect(own, peer="203.0.113.9")  # no key, any address: <img> in an OPAC page
    got = {}
    for special in (sc.REPORT, sc.FLOWERS):
        r = await api.get(f"/covers/{special.isbn}.png")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert r.headers["etag"] and "max-age" in r.headers["cache-control"]
        with Image.open(io.BytesIO(r.content)) as image:
            image.verify()
        got[special.title] = r.content
    titles = {h["_source"]["title"] for s in (sc.REPORT, sc.FLOWERS)
              for h in hits_for(es_client, corpus, {"term": {"isbn": s.isbn}})}
    assert len(titles) == 2 and len(set(got.values())) == 2
    jpeg = await api.get(f"/covers/{sc.REPORT.isbn}.jpg")
    assert jpeg.headers["content-type"] == "image/jpeg" and Image.open(io.BytesIO(jpeg.content)).format == "JPEG"
    unknown = await api.get(f"/covers/{sc.isbn13('978000000999')}.png")  # not catalogued: still an image
    assert unknown.status_code == 200 and Image.open(io.BytesIO(unknown.content)).size == (300, 450)
    for bad in ("123.png", f"{sc.REPORT.isbn}.gif", "9787503745127.jpg"):
        r = await api.get(f"/covers/{bad}")
        assert r.status_code == 400 and r.json()["request_id"]


async def test_a_supplied_cover_round_trips_with_etag_and_304(own, connect):
    _, key = new_key(own)
    api = await connect(own)
    isbn, data = sc.FLOWERS.isbn, image_bytes()
    generated = await api.get(f"/covers/{isbn}.jpg")
    r = await api.put(f"/api/v1/covers/{sc.isbn10_of(isbn)}", content=data, headers={"X-Api-Key": key})
    assert r.status_code == 201 and r.json()["url"] == f"/covers/{isbn}.jpg" and r.json()["replaced"] is False
    etag = r.headers["etag"]
    served = await api.get(f"/covers/{isbn}.jpg")
    assert served.content == data and served.headers["etag"] == etag != generated.headers["etag"]
    assert served.headers["content-type"] == "image/jpeg"
    again = await api.get(f"/covers/{isbn}.jpg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await api.get(f"/covers/{isbn}.jpg", headers={"If-None-Match": '"stale"'})).status_code == 200
    body = (await api.get(f"/api/v1/enrich/isbn/{isbn}", headers={"X-Api-Key": key})).json()
    assert body["cover_url"] == f"/covers/{isbn}.jpg" and body["cover_generated"] is False
    png = image_bytes("PNG", colour=(20, 90, 160))
    r = await api.put(f"/api/v1/covers/{isbn}", content=png, headers={"X-Api-Key": key})
    assert r.status_code == 200 and r.json()["replaced"] is True and r.json()["media_type"] == "image/png"
    assert (await api.get(f"/covers/{isbn}.jpg")).content == png  # served as stored, whatever the extension


async def test_bad_uploads_are_refused(own, connect):
    _, key = new_key(own)
    api = await connect(own)
    url = f"/api/v1/covers/{sc.REPORT.isbn}"
    png = image_bytes("PNG")
    for body in (b"", b"not an image at all", image_bytes("GIF"), png[: len(png) // 2],
                 image_bytes("PNG", size=(8, 8))):
        r = await api.put(url, content=body, headers={"X-Api-Key": key})
        assert r.status_code == 400 and r.json()["error"] and r.json()["request_id"]
    r = await api.put(url, content=b"\xff" * (2 * 1024 * 1024 + 1), headers={"X-Api-Key": key})
    assert r.status_code == 413
    assert (await api.put(url, content=png)).status_code == 401
    assert (await api.get(f"/covers/{sc.REPORT.isbn}.png")).headers["cache-control"].endswith("3600")  # still generated


# --- journals ----------------------------------------------------------------------------------------------
TOC = """issn,eissn,journal,volume,issue,year,title,authors,first_page,last_page,doi
0028-0836,1476-4687,Nature,580,2,2020,Magnetic fields of young stars,"Wu, Wei",211,215,10.5555/yidu.toc.0003
0028-0836,1476-4687,Nature,580,1,2020,Coral reefs under heat stress,"Li, Lei; Smith, Jane",45,49,10.5555/yidu.toc.0002
0028-0836,1476-4687,Nature,580,1,2020,A quantum sensor for dark matter,"Doe, Jane",9,14,
0028-0836,1476-4687,Nature,580,1,2020,Ancient genomes of the steppe,"Roe, Richard",101,108,10.5555/yidu.toc.0004
0028-0836,1476-4687,Nature,581,1,2020,Soil carbon in a warming world,"Zhao, Zi",1,7,10.5555/yidu.toc.0005
"""


@pytest.fixture
def journal_services(settings, es_client, registry, clean_indices, tmp_path):
    (tmp_path / "toc.csv").write_text(TOC, encoding="utf-8")
    loader = ArticleLoader(settings, es_client)
    try:
        assert loader.load([tmp_path / "toc.csv"]).indexed == 5
    finally:
        loader.close()
    es_client.indices.refresh(index=settings.index.alias("articles"))
    return Services(settings, client=es_client, registry=registry, progress=False)


async def test_journal_issues_and_tables_of_contents(journal_services, connect, es_client):
    settings = journal_services.settings
    _, key = new_key(journal_services)
    api = await connect(journal_services)
    auth = {"X-Api-Key": key}
    by_print = (await api.get("/api/v1/journals/0028-0836/issues", headers=auth)).json()
    by_online = (await api.get("/api/v1/journals/14764687/issues", headers=auth)).json()
    issn_l = by_print["issn_l"]
    assert by_online["issn_l"] == issn_l and by_online["issues"] == by_print["issues"]
    assert by_print["issues"] == journal_issues(es_client, settings.index, issn_l)
    assert by_print["title"] == es_client.get(index=settings.index.alias("journals"), id=issn_l)["_source"]["title"]
    for issue in by_print["issues"]:
        params = {k: issue[k] for k in ("volume", "issue", "year")}
        body = (await api.get("/api/v1/journals/1476-4687/toc", params=params, headers=auth)).json()
        stored = es_client.search(index=settings.index.alias("articles"), size=100, query={"bool": {"filter": [
            {"term": {"issn_l": issn_l}}, *({"term": {k: v}} for k, v in params.items())]}})["hits"]["hits"]
        expected = sorted(stored, key=lambda h: int(h["_source"]["first_page"]))
        assert [a["id"] for a in body["articles"]] == [h["_id"] for h in expected]
        assert body["total"] == issue["articles"] == len(expected) and body["truncated"] is False
        for a, h in zip(body["articles"], expected):
            src = h["_source"]
            assert (a["title"], a["authors"], a["doi"]) == (src["title"], src["authors"], src.get("doi"))
            assert a["pages"] == f"{src['first_page']}-{src['last_page']}"
            assert a["link"] == (f"https://doi.org/{src['doi']}" if src.get("doi") else None)


async def test_journal_errors(journal_services, connect):
    _, key = new_key(journal_services)
    api = await connect(journal_services)
    auth = {"X-Api-Key": key}
    for url, status, words in (
            ("/api/v1/journals/0028-0837/issues", 400, "ISSN"),
            ("/api/v1/journals/nature/toc?volume=580", 400, "ISSN"),
            ("/api/v1/journals/0028-0836/toc", 400, "volume, issue or year"),
            ("/api/v1/journals/0028-0836/toc?year=twenty", 400, "integer"),
            ("/api/v1/journals/0028-0836/toc?volume=580&issue=9", 404, "issue 9"),
            ("/api/v1/journals/0036-8075/issues", 404, "0036-8075")):
        r = await api.get(url, headers=auth)
        assert r.status_code == status and words in r.json()["error"], url
    assert (await api.get("/api/v1/journals/0028-0836/issues")).status_code == 401
