"""The harvesters' HTTP client: polite, patient and bounded.

    async with HttpClient(user_agent="yidu-harvester/0.1 (+mailto:ops@lib.example.edu.cn)",
                          timeout=60, retries=4, backoff=1.0, per_host=2) as http:
        response = await http.get("https://repo.example.edu/oai", {"verb": "Identify"})
        response.status, response.headers["Content-Type"], response.body, response.url

Every harvester (OAI-PMH, Crossref, JATS, CSV over HTTP) talks to the network through one of these, and
takes it (or a factory for it) from its caller, so tests pass one with tiny backoffs against a local server.

- Retries: network errors (refused, reset, DNS), timeouts, 408, 429 and every 5xx are retried with
  exponential backoff and "equal jitter" (half the delay fixed, half random, so many harvesters restarted
  together do not hammer a repository in step). A 429 or 503 with Retry-After (seconds or an HTTP date)
  waits exactly that long instead - up to `max_retry_after`; a server asking for longer is an error, not a
  reason to hang. After the last retry, `harvesters.errors.HttpError` (ref = the URL, `status` = the last
  status or None) says what went wrong how many times.
- Other statuses (200, 404, 422...) are returned, not raised: an OAI-PMH error comes back as 4xx from
  some repositories with the explanation in the body, and only the caller can read it.
- Politeness: a clear User-Agent with a contact; at most `per_host` requests in flight per host (an
  asyncio.Semaphore per host, held for the request only, never during a backoff sleep).
- Bounds: `timeout` per attempt (connect + response + body), `total_timeout` for one `get()` with all its
  retries and waits, `max_body` bytes per response (a runaway download is an error).
"""
from __future__ import annotations

import asyncio
import datetime
import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import aiohttp
import orjson
from yarl import URL

from harvesters.errors import HttpError

DEFAULT_USER_AGENT = "yidu-harvester/0.1 (+https://github.com/yidu-discovery/yidu; mailto:harvest@yidu.example.edu.cn)"
RETRY_AFTER_STATUSES = frozenset({429, 503})


def _retryable(status: int) -> bool:
    return status in (408, 429) or 500 <= status <= 599


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # case-insensitive (multidict)
    body: bytes
    url: str  # the final URL (after redirects), query included

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def text(self, encoding: str | None = None) -> str:
        charset = encoding
        if charset is None:
            for part in self.headers.get("Content-Type", "").split(";")[1:]:
                key, _, value = part.strip().partition("=")
                if key.lower() == "charset" and value:
                    charset = value.strip('"')
        return self.body.decode(charset or "utf-8", errors="replace")

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class HttpStats:
    requests: int = 0  # attempts made (each retry is one more)
    retries: int = 0
    failures: int = 0  # get() calls that ended in HttpError
    bytes: int = 0
    waited: float = 0.0  # seconds slept in backoffs and Retry-After waits
    by_status: dict[int, int] = field(default_factory=dict)


class HttpClient:
    def __init__(self, *, user_agent: str = DEFAULT_USER_AGENT, timeout: float = 60.0,
                 total_timeout: float = 900.0, retries: int = 4, backoff: float = 1.0, max_backoff: float = 60.0,
                 per_host: int = 2, max_retry_after: float = 600.0, max_body: int = 512 * 2**20,
                 headers: Mapping[str, str] | None = None, rng: random.Random | None = None):
        if retries < 0 or per_host < 1:
            raise ValueError("retries must be >= 0 and per_host >= 1")
        self.user_agent = user_agent
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.per_host = per_host
        self.max_retry_after = max_retry_after
        self.max_body = max_body
        self.headers = dict(headers or {})
        self.stats = HttpStats()
        self._rng = rng or random.Random()
        self._session: aiohttp.ClientSession | None = None
        self._slots: dict[str, asyncio.Semaphore] = {}

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._session is not None

    async def open(self) -> "HttpClient":
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": self.user_agent, **self.headers},
                connector=aiohttp.TCPConnector(limit=0, limit_per_host=0),  # the per-host semaphores limit
                cookie_jar=aiohttp.CookieJar(unsafe=True),  # some repositories bind tokens to a session cookie
            )
        return self

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> "HttpClient":
        return await self.open()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # --- requests -------------------------------------------------------------------------------
    async def get(self, url: str, params: Mapping[str, str] | None = None, *,
                  headers: Mapping[str, str] | None = None) -> HttpResponse:
        """GET `url` with `params` added to its query; retried as the module docstring says."""
        if self._session is None:
            raise RuntimeError("HttpClient used outside `async with` (or before open())")
        target = URL(url).update_query(dict(params)) if params else URL(url)
        shown = str(target)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.total_timeout
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - loop.time()
            wait: float | None = None
            status: int | None = None
            try:
                response = await self._once(target, headers, min(self.timeout, max(remaining, 0.001)))
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                problem = _describe(exc, self.timeout)
            else:
                status = response.status
                if not _retryable(status):
                    return response
                problem = f"HTTP {status}"
                if status in RETRY_AFTER_STATUSES:
                    wait = retry_after(response.headers.get("Retry-After"))
            if attempt > self.retries:
                self.stats.failures += 1
                raise HttpError(f"GET {shown} failed {attempt} times; last: {problem}", url=shown, status=status,
                                attempts=attempt)
            if wait is not None and wait > self.max_retry_after:
                self.stats.failures += 1
                raise HttpError(f"GET {shown}: {problem} asks to retry after {wait:.0f} s, more than the "
                                f"{self.max_retry_after:.0f} s this client waits", url=shown, status=status,
                                attempts=attempt)
            delay = wait if wait is not None else self._backoff(attempt)
            if loop.time() + delay >= deadline:
                self.stats.failures += 1
                raise HttpError(f"GET {shown}: gave up after {attempt} attempts within the overall timeout of "
                                f"{self.total_timeout:g} s; last: {problem}", url=shown, status=status,
                                attempts=attempt)
            self.stats.retries += 1
            self.stats.waited += delay
            await asyncio.sleep(delay)

    async def _once(self, target: URL, headers: Mapping[str, str] | None, timeout: float) -> HttpResponse:
        host = f"{target.host}:{target.port}"
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = asyncio.Semaphore(self.per_host)
        async with slot:
            self.stats.requests += 1
            async with self._session.get(target, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout),
                                         allow_redirects=True) as resp:
                body = await self._read(resp)
                self.stats.bytes += len(body)
                self.stats.by_status[resp.status] = self.stats.by_status.get(resp.status, 0) + 1
                return HttpResponse(resp.status, resp.headers, body, str(resp.url))

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        declared = resp.content_length
        if declared is not None and declared > self.max_body:
            raise aiohttp.ClientPayloadError(f"response of {declared} bytes exceeds the limit of {self.max_body}")
        parts, size = [], 0
        async for chunk in resp.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > self.max_body:
                raise aiohttp.ClientPayloadError(f"response exceeds the limit of {self.max_body} bytes")
            parts.append(chunk)
        return b"".join(parts)

    def _backoff(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return base / 2 + self._rng.random() * base / 2


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None when absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000" and zone-less dates: HTTP dates are always GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"
