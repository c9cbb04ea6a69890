"""One OAI-PMH harvest run: pages -> thesis documents -> the theses index -> a checkpoint per page.

    harvester = OaiHarvester(services, source, CheckpointStore(...), http=HttpClient(...))
    summary = await harvester.run(mode="incremental")          # or "full", or from_=/until= a window

The run, step by step:
1. Lock the source (one harvest per source), then continue its interrupted run (same mode, and no other
   window asked for) or begin a new one. An incremental run starts from the source's high-water datestamp,
   formatted with the granularity Identify announces; a full run from the beginning.
2. A fetcher task follows the resumption tokens ahead of the rest (up to `in_flight` answers queued), each
   answer parsed off the event loop. Each page's records are then mapped (harvesters.oai.records) and built
   into documents (indexer.theses, via harvesters.oai.pages) - in a thread, one page at a time since that is
   Python under the GIL, or for long lists in worker processes (`workers`; spawned, they exit with the
   harvest even on kill -9) - and written with one bulk request, waiting for Elasticsearch's answer; up to
   `in_flight` pages are between mapping and answered, so fetching, mapping and indexing overlap.
   Checkpoints are committed strictly in page order, each in one SQLite transaction with the page's ledger
   entries (harvesters.checkpoints). A page that names an identifier still in flight waits for it first,
   so the later version always lands last. `timings` sums the seconds spent per stage.
3. Records: deleted headers delete the document (same deterministic id); records mapped to theses are
   indexed; records that cannot be (no title, not a thesis, unsupported format, no identifier, refused by
   Elasticsearch) are rejected: counted, written to the dead-letter file with page, position, reason and
   the record's XML. Records the ledger already holds with the same datestamp (this run's replayed pages;
   in incremental runs, earlier runs too) are `unchanged`: neither sent nor counted again.
4. OAI errors: noRecordsMatch is an empty harvest; badResumptionToken drains what is in flight and starts
   the list again from the run's own `from` (OAI lists are not ordered by datestamp, so nothing later is
   safe), up to `max_restarts` times, the ledger keeping replays free; any other code fails the run with
   an OaiError naming the source. Answers that are not OAI-PMH are retried by the client, then fail the run.
   A failed or killed run stays resumable from its last committed page.
5. At the end: a full, unrestricted run deletes the documents of records it no longer found (`removed`);
   the high-water mark moves to the responseDate of the run's first answer (the repository's clock), or to
   `until` for a window; a window starting after the current mark leaves it alone (no gap is skipped).
   Full runs switch refresh off while loading and back on afterwards.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from tqdm import tqdm

from harvesters.base import MODES, HarvestSummary
from harvesters.checkpoints import CheckpointStore, Run, Seen
from harvesters.errors import HarvestError, OaiError
from harvesters.http import HttpClient
from harvesters.oai import protocol
from harvesters.oai.client import OaiClient, RecordsPage
from harvesters.oai.pages import PageMapper, PageResult, RunView, init_worker, prepare_answer
from harvesters.sources import Source
from indexer.deadletter import DeadLetters
from indexer.theses import ThesisWriter, thesis_id

HttpSource = HttpClient | Callable[[], HttpClient] | None
ERRORS_IN_SUMMARY = 20
# Lists at least this long (by the first page's completeListSize) get worker processes when `workers` is
# None: starting them (imports, dictionaries) costs a few seconds, which only pays off on a long list.
AUTO_WORKERS_FROM = 20_000


def default_http() -> HttpClient:
    return HttpClient(timeout=120.0, total_timeout=1800.0, retries=5, backoff=2.0, per_host=2)


@dataclass
class InFlight:
    number: int
    task: asyncio.Future
    next_token: str | None
    identifiers: set[str]


class OaiHarvester:
    def __init__(self, services, source: Source, checkpoints: CheckpointStore, *, http: HttpSource = None,
                 writer: ThesisWriter | None = None, in_flight: int | None = None, workers: int | None = None,
                 bad_response_retries: int = 2, bad_response_backoff: float = 1.0, max_restarts: int = 3):
        """workers: processes that map and build documents (0: a thread of this process; None: one per core, up
        to 4, for long lists - see AUTO_WORKERS_FROM - else the thread). in_flight: pages between mapping and
        Elasticsearch's answer (None: 3, or workers + 2 so that every worker has a page)."""
        self.services = services
        self.source = source
        self.checkpoints = checkpoints
        self._http = http
        self.writer = writer or ThesisWriter(services.client, services.settings.index)
        self.mapper = PageMapper(source, services.registry)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._in_flight = in_flight
        self.in_flight = max(1, in_flight) if in_flight is not None else 3
        self.bad_response_retries = bad_response_retries
        self.bad_response_backoff = bad_response_backoff
        self.max_restarts = max_restarts
        # Seconds per stage, summed over pages (stages overlap: they do not add up to the wall time).
        # map_and_build runs from handing a page over to having its documents (waiting for a free worker too).
        self.timings: dict[str, float] = defaultdict(float)
        self._cpu = threading.Lock()  # the thread that maps and builds, when there are no worker processes

    # --- the run ----------------------------------------------------------------------------------------
    async def run(self, *, mode: str = "incremental", from_: str | None = None,
                  until: str | None = None) -> HarvestSummary:
        if mode not in MODES:
            raise HarvestError(f"mode must be one of {', '.join(MODES)}, not {mode!r}", ref=self.source.name)
        for what, value in (("from", from_), ("until", until)):
            if value is not None:
                try:
                    protocol.parse_datestamp(value)
                except ValueError as exc:
                    raise HarvestError(f"--{what}: {exc}", ref=self.source.name) from None
        started = time.perf_counter()
        name = self.source.name
        summary = HarvestSummary(name, mode)
        with self.checkpoints.lock(name):
            run, summary.resumed = self._open_run(mode, from_, until)
            summary.run_id = run.id
            http, own = self._http_client()
            own = own or not http.is_open  # close what this run opened
            letters = DeadLetters(self.services.settings.deadletter_dir, f"harvest-{_file_safe(name)}")
            loading = False
            try:
                await http.open()
                client = OaiClient(http, self.source.url, source=name,
                                   bad_response_retries=self.bad_response_retries,
                                   bad_response_backoff=self.bad_response_backoff)
                await asyncio.to_thread(self.writer.ensure)
                info = await client.identify()
                if mode == "full" and not run.params.get("from") and not run.params.get("until"):
                    await asyncio.to_thread(self.writer.load_mode, True)
                    loading = True
                run = await self._harvest(client, info, run, letters)
            except asyncio.CancelledError:
                self.checkpoints.fail_run(run, "interrupted")
                raise
            except BaseException as exc:
                message = str(exc) if isinstance(exc, HarvestError) else f"{type(exc).__name__}: {exc}"
                self.checkpoints.fail_run(run, message)
                raise
            finally:
                letters.close()
                try:
                    if loading:
                        await asyncio.to_thread(self.writer.load_mode, False)
                    else:
                        await asyncio.to_thread(self.writer.refresh)
                finally:
                    if self._pool is not None:
                        self._pool.shutdown(wait=True, cancel_futures=True)
                        self._pool = None
                    if own:
                        await http.close()
        summary.harvested, summary.indexed = run.counts.harvested, run.counts.indexed
        summary.deleted, summary.rejected = run.counts.deleted, run.counts.rejected
        summary.unchanged, summary.removed, summary.pages = run.counts.unchanged, run.removed, run.pages
        summary.errors = self.checkpoints.errors(run, ERRORS_IN_SUMMARY)
        summary.dead_letter = str(letters.written) if letters.written else None
        summary.high_water = self.checkpoints.high_water(name)
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    def _http_client(self) -> tuple[HttpClient, bool]:
        if isinstance(self._http, HttpClient):
            return self._http, False
        return (self._http or default_http)(), True

    def _open_run(self, mode: str, from_: str | None, until: str | None) -> tuple[Run, bool]:
        cp, name = self.checkpoints, self.source.name
        previous = cp.resume_point(name)
        explicit = from_ is not None or until is not None
        if previous is not None and previous.mode == mode and (
                not explicit or (previous.params.get("from_arg"), previous.params.get("until_arg")) == (from_, until)):
            return cp.resumed(previous), True
        start = from_ if explicit or mode == "full" else cp.high_water(name)
        params = {"from_arg": from_, "until_arg": until, "from": protocol.normalise_datestamp(start),
                  "until": until and protocol.normalise_datestamp(until), "prefix": self.source.prefix,
                  "set": self.source.set, "url": self.source.url}
        return cp.begin_run(name, mode, params), False

    async def _harvest(self, client: OaiClient, info: protocol.Identify, run: Run, letters: DeadLetters) -> Run:
        cp, name = self.checkpoints, self.source.name
        frm = protocol.format_datestamp(run.params["from"], info.granularity) if run.params.get("from") else None
        until = protocol.format_datestamp(run.params["until_arg"], info.granularity) if run.params.get("until_arg") \
            else None
        state = dict(run.state)
        state.setdefault("granularity", info.granularity)
        state.setdefault("deleted_record", info.deleted_record)
        run.state = state  # the page workers read the granularity from it; page_done commits it
        pending: deque[InFlight] = deque()
        in_flight_ids: dict[str, int] = {}
        number = run.pages
        timings = self.timings
        bar = tqdm(desc=f"harvesting {name}", unit=" records", disable=not self.services.progress, leave=False,
                   mininterval=0.5, dynamic_ncols=True, file=sys.stderr)

        async def commit(item: InFlight) -> None:
            started = time.perf_counter()
            result: PageResult = await item.task
            timings["wait_for_pages"] += time.perf_counter() - started
            started = time.perf_counter()
            for r in result.rejections:
                letters.write(source=f"{name} {self.source.url}", position=r.position, control_number=r.identifier,
                              reason=r.reason, raw=r.raw, datestamp=r.datestamp, run=run.id)
            errors = [f"{r.position} {r.identifier or '(no identifier)'}: {r.reason}" for r in result.rejections]
            cp.page_done(run, item.next_token, result.counts, result.ledger, errors, state)
            timings["checkpoint"] += time.perf_counter() - started
            bar.update(result.counts.harvested)
            for ident in item.identifiers:
                if in_flight_ids.get(ident) == item.number:
                    del in_flight_ids[ident]

        async def drain() -> None:
            while pending:
                await commit(pending.popleft())

        queue: asyncio.Queue = asyncio.Queue(maxsize=self.in_flight)
        fetcher = asyncio.ensure_future(self._fetch(client, run.cursor, frm, until, queue))
        try:
            while True:
                started = time.perf_counter()
                kind, item, token = await queue.get()
                timings["wait_for_answers"] += time.perf_counter() - started
                if kind == "end":
                    break
                if kind == "error":
                    exc = item
                    if isinstance(exc, OaiError) and exc.code == "noRecordsMatch":
                        state.setdefault("response_date", protocol.normalise_datestamp(exc.response_date) or _utc_now())
                        break
                    if isinstance(exc, OaiError) and exc.code == "badResumptionToken" and token:
                        await drain()
                        if run.restarts >= self.max_restarts:
                            raise HarvestError(f"{name}: the repository rejected resumption tokens "
                                               f"{run.restarts + 1} times; giving up ({exc.message})", ref=name) from exc
                        run = cp.restarted(run, f"{exc}; starting the list again from "
                                                f"{frm or 'the beginning'} (the ledger skips what is done)")
                        run.state = state
                        fetcher = asyncio.ensure_future(self._fetch(client, None, frm, until, queue))
                        continue
                    raise exc
                page: RecordsPage = item
                state.setdefault("response_date", protocol.normalise_datestamp(page.response_date) or _utc_now())
                if page.token is not None and page.token.complete_list_size and bar.total is None:
                    bar.total = page.token.complete_list_size
                ids = {r.header.identifier for r in page.records if r.header.identifier}
                if not ids.isdisjoint(in_flight_ids):
                    await drain()  # an identifier again: its earlier version must be in before this one
                seen = cp.seen(name, ids)
                number += 1
                if number == run.pages + 1:
                    self._start_workers(page)
                task = asyncio.ensure_future(self._page(page, run, seen, number))
                pending.append(InFlight(number, task, page.token_value, ids))
                for ident in ids:
                    in_flight_ids[ident] = number
                while len(pending) >= self.in_flight:
                    await commit(pending.popleft())
            await drain()
        except BaseException:
            # The list broke off (network, repository, Ctrl-C): pages already written are still good work.
            # Commit those that finished, in order, up to the first that failed; the rest is replayed later.
            while pending:
                try:
                    await asyncio.shield(pending[0].task)
                    await commit(pending.popleft())
                except BaseException:  # noqa: BLE001 - the original error is the one to report
                    break
            raise
        finally:
            bar.close()
            fetcher.cancel()
            leftovers = [p.task for p in pending]
            await asyncio.gather(fetcher, *leftovers, return_exceptions=True)
        if run.mode == "full" and not run.params.get("from") and not run.params.get("until"):
            await self._remove_stale(run)
        return cp.finish_run(run, self._high_water(run, state))

    async def _fetch(self, client: OaiClient, token: str | None, frm: str | None, until: str | None,
                     queue: asyncio.Queue) -> None:
        """Fetch the list ahead of the workers: ("page", page, token asked) per answer, then ("end", ...), or
        ("error", exception, token asked) - the consumer decides what an error means."""
        timings = self.timings
        try:
            while True:
                started = time.perf_counter()
                if token:
                    page = await client.list_records(token=token)
                else:
                    page = await client.list_records(prefix=self.source.prefix, from_=frm, until=until,
                                                     set_=self.source.set)
                timings["fetch_and_parse"] += time.perf_counter() - started
                next_token = page.token_value
                if next_token is not None and next_token == token:
                    raise OaiError(f"{self.source.name}: the repository answered resumption token {token!r} with "
                                   f"the same token; the list would never end", code="badResponse",
                                   ref=self.source.name)
                await queue.put(("page", page, token))
                if next_token is None:
                    await queue.put(("end", None, token))
                    return
                token = next_token
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            await queue.put(("error", exc, token))

    # --- one page ---------------------------------------------------------------------------------------
    def _start_workers(self, first: RecordsPage) -> None:
        workers = self.workers
        if workers is None:
            # The mapping is the slowest stage (Chinese analysis in Python costs about twice what Elasticsearch
            # spends on the document): on long lists it gets every core; the OS shares them with the node.
            size = first.token.complete_list_size if first.token is not None else None
            cores = os.cpu_count() or 1
            workers = min(4, cores) if size and size >= AUTO_WORKERS_FROM and cores >= 2 else 0
        if self._in_flight is None:
            self.in_flight = max(3, workers + 2)
        if workers > 0 and self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=init_worker,
                                             initargs=(self.source, self.services.registry))

    async def _page(self, page: RecordsPage, run: Run, seen: dict[str, Seen], number: int) -> PageResult:
        """Map and build (a worker process, or one thread at a time), then write and wait for the answer."""
        view = RunView(run.id, run.mode, run.state.get("granularity"))
        started = time.perf_counter()
        if self._pool is not None:
            loop = asyncio.get_running_loop()
            prepared = await loop.run_in_executor(self._pool, prepare_answer, page.body, view, seen, number)
        else:
            prepared = await asyncio.to_thread(self._prepare, page, view, seen, number)
        built = time.perf_counter()
        self.timings["map_and_build"] += built - started
        written = await asyncio.to_thread(self.writer.write_page, prepared.docs, prepared.deletes)
        self.timings["write"] += time.perf_counter() - built
        return prepared.settle({f.ref: f.reason for f in written.failures}, number)

    def _prepare(self, page: RecordsPage, view: RunView, seen: dict[str, Seen], number: int):
        # Python under the GIL: one page at a time keeps pages flowing to the bulk stage in order
        with self._cpu:
            return self.mapper.prepare(page.records, view, seen, number)

    # --- the end ----------------------------------------------------------------------------------------
    async def _remove_stale(self, run: Run) -> None:
        """A complete full harvest is the source's whole content: what it no longer has goes."""
        if run.counts.harvested == 0:
            return  # a repository that answers "nothing" is more likely broken than empty: remove nothing
        stale = self.checkpoints.stale(self.source.name, run)
        if not stale:
            return
        deletes = [(thesis_id(self.source.name, ident), ident) for ident in stale]
        written = await asyncio.to_thread(self.writer.write_page, [], deletes)
        refused = {f.ref for f in written.failures}
        self.checkpoints.mark_removed(run, [i for i in stale if i not in refused])

    def _high_water(self, run: Run, state: dict[str, Any]) -> str | None:
        """Where the next incremental harvest starts (see the module docstring, step 5)."""
        candidate = run.params.get("until") or state.get("response_date")
        start = run.params.get("from")
        current = self.checkpoints.high_water(self.source.name)
        if start and current and start > current:
            return None
        return candidate


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
