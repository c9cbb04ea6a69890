"""Harvesting a Crossref works endpoint (protocol "crossref"): cursor paging, incremental by index date.

The source's url is a Crossref works list: https://api.crossref.org/journals/0028-0836/works (one
journal's table of contents), /members/98/works, /works?filter=issn:... Options (source.options):
rows (page size, default 100, Crossref allows up to 1000), mailto (Crossref's polite pool), filter
(extra filters, e.g. "type:journal-article").

    GET <url>?rows=100&cursor=*&filter=from-index-date:2026-01-01[,until-index-date:...]&mailto=...
    -> {"message-type": "work-list", "message": {"next-cursor": "...", "items": [...]}}

The list ends at a page with no items, no next-cursor, or fewer items than asked for. Crossref keeps
the same next-cursor value from page to page: the cursor names the scroll, not the position, and is
what the checkpoint stores after each page. An interrupted run resumes with it; a cursor Crossref no
longer knows (they expire after minutes of inactivity) restarts the list from `cursor=*` with the
run's filter, and the ledger (DOI -> Crossref `indexed` timestamp) turns what was done into `unchanged`.

Incremental runs start at the source's high-water mark: the latest `indexed` timestamp of the works a
completed run saw (Crossref's clock), as `from-index-date` (day granularity: the last day is fetched
again, and the ledger skips it). Errors are reported as Crossref said them: the plain-text 404
"Resource not found." (a wrong ISSN or member), `validation-failure` messages (a bad filter), bodies
that are not JSON. Network trouble is retried by harvesters.http.HttpClient.
"""
from __future__ import annotations

import asyncio
import time
from typing import Callable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from harvesters.base import HarvestSummary
from harvesters.checkpoints import CheckpointStore, Run
from harvesters.errors import HarvestError
from harvesters.feeds import crossref
from harvesters.feeds.errors import CrossrefError
from harvesters.feeds.harvesting import FeedRun, check_mode, item_id, rebuild_scopes
from harvesters.http import HttpClient
from harvesters.sources import Source

DEFAULT_ROWS = 100
FIRST_CURSOR = "*"


def default_http() -> HttpClient:
    return HttpClient(timeout=120.0, total_timeout=1800.0, retries=5, backoff=2.0, per_host=2)


class CrossrefHarvester:
    def __init__(self, services, source: Source, checkpoints: CheckpointStore, *,
                 http: HttpClient | Callable[[], HttpClient] | None = None, max_restarts: int = 3,
                 scopes: bool = True):
        self.services = services
        self.source = source
        self.checkpoints = checkpoints
        self._http = http
        self.max_restarts = max_restarts
        self.scopes = scopes  # rebuild the journal scopes at the end (new journals get their holders)
        self.options = dict(source.options or {})

    async def run(self, *, mode: str = "incremental", from_: str | None = None,
                  until: str | None = None) -> HarvestSummary:
        check_mode(mode, self.source)
        started = time.perf_counter()
        name = self.source.name
        with self.checkpoints.lock(name):
            run, resumed = self._open_run(mode, from_, until)
            feed = FeedRun(self.services, self.source, self.checkpoints, run)
            http, own = self._http_client()
            try:
                await http.open()
                await asyncio.to_thread(feed.open)
                run = await self._harvest(http, feed)
                self.checkpoints.finish_run(run, run.state.get("max_indexed"))
            except asyncio.CancelledError:
                self.checkpoints.fail_run(feed.run, "interrupted")
                raise
            except BaseException as exc:
                message = str(exc) if isinstance(exc, HarvestError) else f"{type(exc).__name__}: {exc}"
                self.checkpoints.fail_run(feed.run, message)
                raise
            finally:
                try:
                    await asyncio.to_thread(feed.close)
                finally:
                    if own:
                        await http.close()
            if self.scopes:
                await rebuild_scopes(self.services)
        return feed.summary(mode, started, resumed)

    def _http_client(self) -> tuple[HttpClient, bool]:
        if isinstance(self._http, HttpClient):
            return self._http, not self._http.is_open
        return (self._http or default_http)(), True

    def _open_run(self, mode: str, from_: str | None, until: str | None) -> tuple[Run, bool]:
        cp, name = self.checkpoints, self.source.name
        previous = cp.resume_point(name)
        explicit = from_ is not None or until is not None
        window = (_day(from_), _day(until))
        if previous is not None and previous.mode == mode and (
                not explicit or (previous.params.get("from"), previous.params.get("until")) == window):
            return cp.resumed(previous), True
        start = from_ if explicit or mode == "full" else cp.high_water(name)
        params = {"from": _day(start), "until": _day(until), "url": self.source.url}
        return cp.begin_run(name, mode, params), False

    def params(self, run: Run, cursor: str) -> dict[str, str]:
        """The query of one page: the source URL's own query, rows, cursor, the filters, mailto."""
        parts = urlsplit(self.source.url)
        query = dict(parse_qsl(parts.query))
        filters = [f for f in (query.pop("filter", None), self.options.get("filter")) if f]
        if run.params.get("from"):
            filters.append(f"from-index-date:{run.params['from']}")
        if run.params.get("until"):
            filters.append(f"until-index-date:{run.params['until']}")
        query.update({"rows": str(self.options.get("rows", DEFAULT_ROWS)), "cursor": cursor})
        if filters:
            query["filter"] = ",".join(filters)
        if self.options.get("mailto"):
            query["mailto"] = str(self.options["mailto"])
        return query

    def base_url(self) -> str:
        parts = urlsplit(self.source.url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))

    async def fetch(self, http: HttpClient, run: Run, cursor: str) -> crossref.CrossrefPage:
        response = await http.get(self.base_url(), self.params(run, cursor))
        return crossref.parse_body(response.body, ref=response.url, status=response.status)

    async def _harvest(self, http: HttpClient, feed: FeedRun) -> Run:
        cp, name = self.checkpoints, self.source.name
        run = feed.run
        cursor = run.cursor or FIRST_CURSOR
        rows = int(self.options.get("rows", DEFAULT_ROWS))
        state = dict(run.state)
        while True:
            try:
                page = await self.fetch(http, run, cursor)
            except CrossrefError as exc:
                expired = cursor != FIRST_CURSOR and exc.status in (400, 404, 410, 422)
                if not expired or run.restarts >= self.max_restarts:
                    raise
                run = feed.run = cp.restarted(run, f"{exc}; cursor no longer valid: starting the list again "
                                                   f"(the ledger skips what is done)")
                cursor = FIRST_CURSOR
                continue
            if page.message_type not in crossref.WORK_LISTS:
                raise CrossrefError(f"{name}: {self.source.url} answers with a {page.message_type!r} message, "
                                    f"not a list of works", ref=name)
            start = run.counts.harvested + run.counts.unchanged + 1
            items = list(crossref.items(page, source=f"{name} page {run.pages + 1}", start=start))
            stamps = [i.updated for i in items if getattr(i, "updated", None)]
            if stamps:
                state["max_indexed"] = max([*stamps, *([state["max_indexed"]] if state.get("max_indexed") else [])])
            seen = cp.seen(name, [i for i in map(item_id, items) if i])
            last = not page.items or not page.next_cursor or len(page.items) < rows
            next_cursor = None if last else page.next_cursor
            await asyncio.to_thread(feed.page, items, seen, cursor=next_cursor, state=state)
            run = feed.run
            if last:
                return run
            cursor = next_cursor


def _day(value: str | None) -> str | None:
    """Crossref's index-date filters take a day: '2026-01-05T10:00:00Z' -> '2026-01-05'."""
    return value[:10] if value else None
