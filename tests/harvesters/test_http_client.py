"""harvesters.http.HttpClient against real aiohttp servers that misbehave on purpose.

Each test names the server behaviour it faces: 503 with Retry-After (seconds, HTTP date), 429, 500 then 200,
connection reset, a dead port, a slow answer (per-request timeout), a server that never recovers (overall
timeout), a runaway body, and many concurrent requests to one host (the per-host limit).
"""
from __future__ import annotations

import asyncio
import contextlib
import email.utils
import time

import pytest
from aiohttp import web

from harvesters.errors import HarvestError, HttpError
from harvesters.http import DEFAULT_USER_AGENT, HttpClient, retry_after


@contextlib.asynccontextmanager
async def serve(handler):
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def scripted(*steps):
    """A handler answering request n with steps[n] (the last step repeats); records each request."""
    seen: list[tuple[float, web.Request]] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        seen.append((time.monotonic(), request))
        step = steps[min(len(seen), len(steps)) - 1]
        return await step(request)

    handler.seen = seen
    return handler


def status(code, headers=None, body=b""):
    async def step(request):
        return web.Response(status=code, headers=headers or {}, body=body)
    return step


def ok(body=b"<ok/>"):
    return status(200, {"Content-Type": "text/xml; charset=utf-8"}, body)


def reset():
    async def step(request):
        request.transport.close()
        raise asyncio.CancelledError
    return step


def slow(seconds):
    async def step(request):
        await asyncio.sleep(seconds)
        return web.Response(body=b"late")
    return step


def fast_client(**kw) -> HttpClient:
    defaults = dict(timeout=5.0, retries=3, backoff=0.01, max_backoff=0.05)
    return HttpClient(**{**defaults, **kw})


# --- Retry-After -----------------------------------------------------------------------------------------
def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("120") == 120.0
    now = time.time()
    stamp = email.utils.formatdate(now + 30, usegmt=True)
    assert 28 <= retry_after(stamp, now=now) <= 31
    assert retry_after(email.utils.formatdate(now - 60, usegmt=True), now=now) == 0.0  # a past date: at once
    assert retry_after(None) is None
    assert retry_after("soon") is None


async def test_503_with_retry_after_seconds_waits_that_long():
    handler = scripted(status(503, {"Retry-After": "1"}), ok())
    async with serve(handler) as url, fast_client() as http:
        response = await http.get(url + "/oai", {"verb": "Identify"})
    assert response.status == 200 and response.body == b"<ok/>"
    (t1, _), (t2, _) = handler.seen
    assert t2 - t1 >= 0.95  # the server's wish, not the 10 ms backoff
    assert http.stats.retries == 1 and http.stats.by_status == {503: 1, 200: 1}


async def test_429_with_retry_after_http_date_is_honoured():
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    handler = scripted(status(429, {"Retry-After": when}), ok())
    async with serve(handler) as url, fast_client() as http:
        response = await http.get(url)
    (t1, _), (t2, _) = handler.seen
    assert response.ok and t2 - t1 >= 0.9


async def test_retry_after_beyond_the_limit_is_an_error_not_a_hang():
    handler = scripted(status(503, {"Retry-After": "3600"}))
    async with serve(handler) as url, fast_client(max_retry_after=60) as http:
        started = time.monotonic()
        with pytest.raises(HttpError) as err:
            await http.get(url)
        elapsed = time.monotonic() - started
    assert elapsed < 5
    assert err.value.status == 503 and "3600" in str(err.value) and len(handler.seen) == 1


async def test_500_then_200_is_retried_with_backoff():
    handler = scripted(status(500), status(502), ok())
    async with serve(handler) as url, fast_client() as http:
        response = await http.get(url, {"verb": "ListRecords", "resumptionToken": "a/b:c+d=e"})
    assert response.ok and len(handler.seen) == 3
    # the token survived the query encoding intact
    assert handler.seen[-1][1].query["resumptionToken"] == "a/b:c+d=e"


async def test_connection_reset_is_retried():
    handler = scripted(reset(), reset(), ok())
    async with serve(handler) as url, fast_client() as http:
        response = await http.get(url)
    # aiohttp itself re-sends once when a kept-alive connection turns out closed; the rest is ours
    assert response.ok and len(handler.seen) == 3 and http.stats.retries >= 1


async def test_500_forever_raises_http_error_after_the_last_retry():
    handler = scripted(status(500))
    async with serve(handler) as url, fast_client(retries=2) as http:
        with pytest.raises(HttpError) as err:
            await http.get(url + "/oai", {"verb": "Identify"})
    e = err.value
    assert isinstance(e, HarvestError)
    assert e.status == 500 and e.attempts == 3 and len(handler.seen) == 3
    assert e.ref.startswith(url + "/oai?verb=Identify") and "HTTP 500" in str(e)
    assert http.stats.failures == 1


async def test_dead_port_raises_http_error_without_status():
    async with serve(scripted(ok())) as url:
        pass  # the server is gone: nothing listens on that port any more
    async with fast_client(retries=1) as http:
        with pytest.raises(HttpError) as err:
            await http.get(url)
    assert err.value.status is None and err.value.attempts == 2


async def test_4xx_answers_are_returned_for_the_caller_to_read():
    body = b'<OAI-PMH><error code="badArgument">metadataPrefix does not exist</error></OAI-PMH>'
    handler = scripted(status(422, {"Content-Type": "text/xml"}, body))
    async with serve(handler) as url, fast_client() as http:
        response = await http.get(url)
    assert response.status == 422 and not response.ok and response.body == body and len(handler.seen) == 1


# --- timeouts --------------------------------------------------------------------------------------------
async def test_slow_answer_hits_the_per_request_timeout_then_succeeds():
    handler = scripted(slow(2.0), ok())
    async with serve(handler) as url, fast_client(timeout=0.3) as http:
        started = time.monotonic()
        response = await http.get(url)
        elapsed = time.monotonic() - started  # measured before the server waits for its slow handler
    assert response.ok and elapsed < 1.5 and len(handler.seen) == 2


async def test_slow_answers_forever_end_in_a_timeout_error():
    handler = scripted(slow(2.0))
    async with serve(handler) as url, fast_client(timeout=0.2, retries=2) as http:
        with pytest.raises(HttpError) as err:
            await http.get(url)
    assert "timed out after 0.2 s" in str(err.value) and err.value.attempts == 3


async def test_overall_timeout_bounds_all_retries_together():
    handler = scripted(status(503, {"Retry-After": "1"}))
    async with serve(handler) as url, fast_client(retries=50, total_timeout=2.5) as http:
        started = time.monotonic()
        with pytest.raises(HttpError) as err:
            await http.get(url)
        elapsed = time.monotonic() - started
    assert elapsed < 3.5 and "overall timeout" in str(err.value) and len(handler.seen) <= 3


# --- politeness and bounds -------------------------------------------------------------------------------
async def test_user_agent_is_sent_and_configurable():
    handler = scripted(ok())
    async with serve(handler) as url:
        async with fast_client() as http:
            await http.get(url)
        async with fast_client(user_agent="yidu-harvester/0.1 (+mailto:ops@lib.example.edu.cn)") as http:
            await http.get(url)
    agents = [req.headers["User-Agent"] for _, req in handler.seen]
    assert agents == [DEFAULT_USER_AGENT, "yidu-harvester/0.1 (+mailto:ops@lib.example.edu.cn)"]
    assert DEFAULT_USER_AGENT.startswith("yidu-harvester/0.1 (+")


async def test_concurrent_requests_per_host_are_limited():
    active = {"now": 0, "peak": 0}

    async def handler(request):
        active["now"] += 1
        active["peak"] = max(active["peak"], active["now"])
        await asyncio.sleep(0.1)
        active["now"] -= 1
        return web.Response(body=b"x")

    async with serve(handler) as url, fast_client(per_host=2) as http:
        responses = await asyncio.gather(*(http.get(url, {"n": str(i)}) for i in range(8)))
    assert all(r.ok for r in responses)
    assert active["peak"] == 2


async def test_runaway_body_is_refused():
    handler = scripted(ok(b"x" * 300_000))
    async with serve(handler) as url, fast_client(retries=0, max_body=100_000) as http:
        with pytest.raises(HttpError) as err:
            await http.get(url)
    assert "exceeds the limit" in str(err.value)


async def test_use_outside_the_context_is_a_clear_error():
    with pytest.raises(RuntimeError, match="outside `async with`"):
        await HttpClient().get("http://127.0.0.1:9/")
