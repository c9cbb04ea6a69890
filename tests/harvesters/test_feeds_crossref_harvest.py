"""The Crossref harvester against a real aiohttp server replaying the recorded habanero responses.

The server plays Crossref's cursor protocol from the recordings: `cursor=*` starts a chain (the n-th
`*` request of a path starts its n-th recorded chain), and every request carrying the chain's
next-cursor value gets the chain's next recorded page - Crossref keeps the same cursor value from page
to page. After the last recorded page it answers what Crossref answers at the end of a list: the same
envelope with no items (synthesised from the last recording). An unknown cursor gets a 400
validation failure; paths recorded as 404 get the recorded plain-text body.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import orjson
import pytest
from aiohttp import web

from harvesters.base import HARVESTERS, harvester_class, register
from harvesters.checkpoints import CheckpointStore
from harvesters.errors import HttpError
from harvesters.feeds.crossref_harvester import CrossrefHarvester
from harvesters.feeds.errors import CrossrefError
from harvesters.http import HttpClient
from harvesters.sources import Source
from yidu.libraries import shipped_registry
from yidu.services import Services

pytestmark = [pytest.mark.es, pytest.mark.shared_data]

H = "articles/crossref/habanero/"


class Replay:
    def __init__(self, shared: Path):
        def pages(*names):
            return [(shared / H / n).read_bytes() for n in names]

        self.chains = {
            "/members/98/works": [pages(*(f"test_workscontainer_with_cursor__0{i}.json" for i in range(4)))],
            "/works": [pages("test_cursor_max__00.json", "test_cursor_max__01.json", "test_cursor_max__02.json"),
                       pages("test_cursor_max__03.json", "test_cursor_max__04.json")],
        }
        self.not_found = {"/journals/4444-4444/works": (shared / H / "test_journals_mixed_ids_works_warn__01.txt")
                          .read_bytes()}
        self.requests: list[dict] = []
        self.starts: dict[str, int] = {}
        self.at: dict[str, tuple[list[bytes], int]] = {}  # path -> (chain, next page)
        self.fail_next: list[int] = []  # statuses to answer instead of the next page(s)
        self.fail_from: dict[int, list[int]] = {}  # request number (1-based) -> statuses from that request on
        self.expired = False

    async def handle(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.requests.append({"path": request.path, **query})
        self.fail_next += self.fail_from.pop(len(self.requests), [])
        if request.path in self.not_found:
            return web.Response(status=404, body=self.not_found[request.path], content_type="text/plain")
        if "from-idx" in query.get("filter", ""):
            return self._failure("filter-not-available", "Filter from-idx specified but there is no such filter")
        cursor = query.get("cursor")
        if cursor == "*":
            chains = self.chains[request.path]
            n = self.starts[request.path] = self.starts.get(request.path, -1) + 1
            self.at[request.path] = (chains[min(n, len(chains) - 1)], 0)
            self.expired = False
        chain, page = self.at.get(request.path, ([], 0))
        if not chain or self.expired or (cursor != "*" and cursor != _cursor(chain[0])):
            return self._failure("cursor-not-found", f"cursor {cursor!r} is not known")
        if self.fail_next:
            return web.Response(status=self.fail_next.pop(0), text="busy")
        self.at[request.path] = (chain, page + 1)
        if page < len(chain):
            return web.Response(body=chain[page], content_type="application/json")
        last = orjson.loads(chain[-1])
        last["message"]["items"] = []
        return web.Response(body=orjson.dumps(last), content_type="application/json")

    @staticmethod
    def _failure(kind: str, message: str) -> web.Response:
        body = {"status": "failed", "message-type": "validation-failure",
                "message": [{"type": kind, "value": "", "message": message}]}
        return web.Response(status=400, body=orjson.dumps(body), content_type="application/json")


def _cursor(page: bytes) -> str:
    return orjson.loads(page)["message"]["next-cursor"]


@contextlib.asynccontextmanager
async def serving(replay: Replay):
    app = web.Application()
    app.router.add_get("/{tail:.*}", replay.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    finally:
        await runner.cleanup()


@pytest.fixture
def replay(shared_data):
    return Replay(shared_data)


@pytest.fixture
def services(settings, es_client, clean_indices):
    s = Services(settings, client=es_client, registry=shipped_registry(), progress=False)
    yield s
    s.close()


@pytest.fixture
def store(settings):
    with CheckpointStore(settings.state_dir / "harvest.sqlite") as s:
        yield s


@pytest.fixture
def crossref_protocol():
    before = dict(HARVESTERS)
    register("crossref", "harvesters.feeds.crossref_harvester:CrossrefHarvester")
    yield harvester_class("crossref")
    HARVESTERS.clear()
    HARVESTERS.update(before)


def source(base: str, path: str, **options) -> Source:
    return Source(name="crossref-test", protocol="crossref", url=base + path, library="PKU", options=options)


def harvester(cls, services, src, store, **kw):
    return cls(services, src, store, http=lambda: HttpClient(timeout=10, retries=1, backoff=0.01, max_backoff=0.02),
               **kw)


def recorded_items(shared: Path, *names: str) -> list[dict]:
    return [i for n in names for i in orjson.loads((shared / H / n).read_bytes())["message"]["items"]]


async def test_cursor_paging_to_the_end_then_an_incremental_run_changes_nothing(
        replay, services, store, settings, es_client, shared_data, crossref_protocol):
    items = recorded_items(shared_data, *(f"test_workscontainer_with_cursor__0{i}.json" for i in range(4)))
    articles = [i for i in items if i["type"] == "journal-article"]
    async with serving(replay) as base:
        src = source(base, "/members/98/works", rows=5, mailto="ops@example.edu.cn")
        full = await harvester(crossref_protocol, services, src, store).run(mode="full")
        assert full.balanced and (full.harvested, full.indexed, full.rejected) == (len(items), len(articles), 1)
        assert full.pages == 5  # four recorded pages and the empty one that ends the list
        assert full.errors[0] == "1 x not a journal article (Crossref type journal-issue)"
        assert full.high_water == max(i["indexed"]["date-time"] for i in items)
        cursors = [r["cursor"] for r in replay.requests]
        assert cursors == ["*"] + [_cursor((shared_data / H / "test_workscontainer_with_cursor__00.json")
                                           .read_bytes())] * 4
        assert all(r["rows"] == "5" and r["mailto"] == "ops@example.edu.cn" and "filter" not in r
                   for r in replay.requests)
        count = es_client.count(index=settings.index.alias("articles"))["count"]
        assert count == len({a["DOI"].lower() for a in articles})

        replay.requests.clear()
        again = await harvester(crossref_protocol, services, src, store).run(mode="incremental")
        assert again.balanced and (again.harvested, again.unchanged, again.indexed) == (len(items), len(items), 0)
        assert replay.requests[0]["filter"] == f"from-index-date:{full.high_water[:10]}"
        assert es_client.count(index=settings.index.alias("articles"))["count"] == count


async def test_a_second_chain_repeating_works_merges_them(
        replay, services, store, settings, es_client, shared_data):
    first_chain = recorded_items(shared_data, "test_cursor_max__00.json", "test_cursor_max__01.json",
                                 "test_cursor_max__02.json")
    second_chain = recorded_items(shared_data, "test_cursor_max__03.json", "test_cursor_max__04.json")
    async with serving(replay) as base:
        src = source(base, "/works?query=widget", rows=20)
        one = await harvester(CrossrefHarvester, services, src, store).run(mode="full")
        two = await harvester(CrossrefHarvester, services, src, store).run(mode="full")
    assert all(r["query"] == "widget" for r in replay.requests)
    assert (one.harvested, two.harvested) == (len(first_chain), len(second_chain))
    repeated = {i["DOI"] for i in second_chain if i["type"] == "journal-article"}
    assert repeated <= {i["DOI"] for i in first_chain}  # the recordings repeat themselves
    assert two.indexed == len(repeated) and one.balanced and two.balanced
    index = settings.index.alias("articles")
    assert es_client.count(index=index)["count"] == sum(1 for i in first_chain if i["type"] == "journal-article")
    for doi in repeated:  # one document, one feed record: the second harvest merged, it did not duplicate
        (hit,) = es_client.search(index=index, query={"term": {"doi": doi.lower()}})["hits"]["hits"]
        assert [s["record_id"] for s in hit["_source"]["sources"]] == [doi.lower()]


async def test_an_interrupted_run_resumes_at_its_cursor(replay, services, store, shared_data, settings, es_client):
    items = recorded_items(shared_data, *(f"test_workscontainer_with_cursor__0{i}.json" for i in range(4)))
    async with serving(replay) as base:
        src = source(base, "/members/98/works", rows=5)
        replay.fail_from[3] = [500, 500]  # the third request and its one retry: pages 1 and 2 are committed
        with pytest.raises(HttpError, match="HTTP 500"):
            await harvester(CrossrefHarvester, services, src, store).run(mode="full")
        (run,) = store.runs("crossref-test")
        assert run.status == "failed" and run.pages == 2 and run.counts.harvested == 10
        resumed = await harvester(CrossrefHarvester, services, src, store).run(mode="full")
    assert resumed.resumed and resumed.run_id == run.id and resumed.balanced
    assert resumed.harvested == len(items) and resumed.pages == 5
    assert [r["cursor"] for r in replay.requests].count("*") == 1  # resumed with the stored cursor


async def test_an_expired_cursor_restarts_the_list_and_the_ledger_skips_what_was_done(
        replay, services, store, shared_data):
    items = recorded_items(shared_data, *(f"test_workscontainer_with_cursor__0{i}.json" for i in range(4)))
    async with serving(replay) as base:
        src = source(base, "/members/98/works", rows=5)
        replay.fail_from[3] = [503, 503]
        with pytest.raises(HttpError):
            await harvester(CrossrefHarvester, services, src, store).run(mode="full")
        replay.expired = True  # minutes later: Crossref no longer knows the cursor
        summary = await harvester(CrossrefHarvester, services, src, store).run(mode="full")
    assert summary.resumed and summary.balanced
    assert summary.unchanged == 10 and summary.harvested == len(items) + 10  # two pages replayed, not re-sent
    assert any("cursor no longer valid" in e for e in summary.errors)
    assert [r["cursor"] for r in replay.requests].count("*") == 2


async def test_a_404_body_is_reported_with_the_url(replay, services, store):
    async with serving(replay) as base:
        with pytest.raises(CrossrefError, match=r"not found \(HTTP 404\): Resource not found\.") as err:
            await harvester(CrossrefHarvester, services, source(base, "/journals/4444-4444/works"), store).run()
    assert err.value.status == 404 and "/journals/4444-4444/works" in err.value.ref
    (run,) = store.runs("crossref-test")
    assert run.status == "failed" and "Resource not found" in run.error


async def test_a_validation_failure_names_crossref_s_reason(replay, services, store):
    async with serving(replay) as base:
        src = source(base, "/members/98/works", filter="from-idx:2020")
        with pytest.raises(CrossrefError, match="there is no such filter") as err:
            await harvester(CrossrefHarvester, services, src, store).run(mode="full")
    assert err.value.status == 400 and err.value.messages[0].startswith("filter-not-available")
