"""Harvests that are interrupted, repeated, narrowed or troubled, against generated repositories on a real
server and the real node.

- killRunning: `yidu harvest` in a subprocess is SIGKILLed twice while it harvests a slow repository, then
  resumed: the index ends with exactly the repository's records, the pages are replayed at most from the
  last checkpoint, and `yidu harvest status` adds up.
- incremental (seconds and day granularity), badResumptionToken mid-list, full harvests that find records
  gone, windows that must not move the high-water mark, 503/500/reset on the way, a timeout that fails a
  run which the next harvest resumes, an XXE answer, and a document Elasticsearch refuses.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from harvesters.checkpoints import CheckpointStore
from harvesters.errors import HttpError
from harvesters.http import HttpClient
from harvesters.oai.harvester import OaiHarvester
from harvesters.oai.localrepo import Fault, GeneratedRepository, RecordedRepository, RepositoryServer, Route
from harvesters.sources import Source, SourceRegistry
from indexer.theses import COLLECTION, ThesisWriter, thesis_id
from yidu.libraries import shipped_registry
from yidu.services import Services

pytestmark = pytest.mark.es
REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "oai"


@pytest.fixture
def services(settings, es_client, clean_indices):
    s = Services(settings, client=es_client, progress=False)
    yield s
    s.close()


def fast_http(**kw) -> HttpClient:
    return HttpClient(**{"timeout": 10, "retries": 3, "backoff": 0.01, "max_backoff": 0.05, **kw})


async def run_harvest(services, server, *, name="gen", mode="full", http=None, writer=None, workers=0, **kw):
    store = CheckpointStore(services.settings.state_dir / "harvest.sqlite")
    source = Source(name=name, protocol="oai-pmh", url=server.url, library="XMU")
    harvester = OaiHarvester(services, source, store, http=http or fast_http(), writer=writer, workers=workers,
                             bad_response_backoff=0.01)
    return await harvester.run(mode=mode, **kw), store


def index_state(services, name="gen") -> dict[str, dict]:
    alias = services.settings.index.alias(COLLECTION)
    services.client.indices.refresh(index=alias)
    hits = services.client.search(index=alias, query={"term": {"harvest_source": name}}, size=10_000, version=True,
                                  source=["oai_identifier", "title", "datestamp"])["hits"]["hits"]
    return {h["_source"]["oai_identifier"]: {**h["_source"], "_version": h["_version"], "_id": h["_id"]} for h in hits}


# --- killRunning -----------------------------------------------------------------------------------------
def _env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("YIDU_", "ES_"))}
    env.update(YIDU_STATE_DIR=str(settings.state_dir), YIDU_INDEX_PREFIX=settings.index.prefix)
    if settings.es.url:
        env["ES_URL"] = settings.es.url
        for key, value in (("ES_USERNAME", settings.es.username), ("ES_PASSWORD", settings.es.password),
                           ("ES_API_KEY", settings.es.api_key), ("ES_CA_FILE", settings.es.ca_file)):
            if value:
                env[key] = value
    else:
        env["YIDU_ES_PORT"] = str(settings.es.http_port)
    return env


def _yidu(settings, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "yidu.cli", *args], cwd=REPO_ROOT, env=_env(settings),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _committed_pages(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            row = con.execute("SELECT pages FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return 0
    return row[0] if row else 0


def _kill_after(settings, proc: subprocess.Popen, pages: int, timeout: float = 90) -> tuple[int, list]:
    """SIGKILL `proc` once `pages` pages are committed; (pages committed then, its child processes)."""
    db = settings.state_dir / "harvest.sqlite"
    deadline = time.monotonic() + timeout
    while _committed_pages(db) < pages:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the harvest did not get far enough"
        time.sleep(0.02)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return _committed_pages(db), children


def _assert_gone(processes: list, timeout: float = 10) -> None:
    assert processes, "expected the harvest to have started a worker process"
    gone, alive = psutil.wait_procs(processes, timeout=timeout)
    for p in alive:  # do not leave them behind even when the assertion fails
        p.kill()
    assert not alive, [p.cmdline() for p in alive]


def test_killRunning_harvest_resumes_from_its_last_page_without_loss_or_duplicates(services, settings):
    records, page_size = 3000, 100
    repo = GeneratedRepository(records, page_size=page_size, delay=0.12)
    with RepositoryServer(repo) as server:
        SourceRegistry.for_settings(settings, shipped_registry()).add(
            Source(name="gen", protocol="oai-pmh", url=server.url, library="XMU"))
        first = _yidu(settings, "harvest", "gen", "--full", "--json", "--workers", "1")  # a worker process too
        at_first_kill, orphans = _kill_after(settings, first, 5)
        assert first.returncode == -signal.SIGKILL
        _assert_gone(orphans)  # the worker follows its harvest into death
        second = _yidu(settings, "harvest", "gen", "--json")  # no mode: continues the interrupted full run
        at_second_kill, _ = _kill_after(settings, second, at_first_kill + 8)
        assert at_second_kill > at_first_kill
        third = _yidu(settings, "harvest", "gen", "--json")
        out, err = third.communicate(timeout=180)
        assert third.returncode == 0, err
        list_requests = [r for r in repo.requests if r.get("verb") == "ListRecords"]
    summary = json.loads(out)
    assert summary["resumed"] is True and summary["mode"] == "full"
    assert (summary["harvested"], summary["indexed"], summary["unchanged"], summary["rejected"]) == (
        records, records, 0, 0)
    # exactly the repository's records, each once
    state = index_state(services)
    assert set(state) == {repo.identifier(i) for i in range(records)}
    assert all(doc["_id"] == thesis_id("gen", ident) for ident, doc in state.items())
    # each resume replayed at most the pages that were in flight (3 being written, 3 fetched ahead, 1 being
    # fetched, 1 asked for): never the whole list again; and only the pages being written were written twice
    pages, in_flight = records // page_size, 3
    assert sum(1 for r in list_requests if "metadataPrefix" in r) == 1
    assert len(list_requests) <= pages + 2 * (2 * in_flight + 2)
    rewritten = sum(1 for doc in state.values() if doc["_version"] > 1)
    assert rewritten <= 2 * in_flight * page_size
    status = subprocess.run([sys.executable, "-m", "yidu.cli", "harvest", "status", "gen", "--json"], cwd=REPO_ROOT,
                            env=_env(settings), capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    last = json.loads(status.stdout)["last_run"]
    assert (last["status"], last["resumes"], last["pages"]) == ("done", 2, pages)
    assert last["harvested"] == last["indexed"] + last["deleted"] + last["rejected"] + last["unchanged"] == records
    assert json.loads(status.stdout)["ledger"] == {"indexed": records}


# --- incremental ------------------------------------------------------------------------------------------
async def test_incremental_harvest_takes_what_changed_since_the_high_water_mark(services):
    repo = GeneratedRepository(300, page_size=50)
    server = await RepositoryServer(repo).start()
    try:
        full, store = await run_harvest(services, server)
        assert (full.indexed, full.pages) == (300, 6) and full.high_water == "2020-01-01T05:01:00Z"
        repo.touch(range(0, 20))
        repo.delete(range(100, 110))
        inc, _ = await run_harvest(services, server, mode="incremental")
    finally:
        await server.stop()
    window = [r for r in repo.requests if r.get("verb") == "ListRecords" and "metadataPrefix" in r][-1]
    assert window["from"] == "2020-01-01T05:01:00Z"  # the mark, at the repository's seconds granularity
    assert (inc.harvested, inc.indexed, inc.deleted, inc.unchanged, inc.rejected) == (30, 20, 10, 0, 0)
    assert inc.high_water > full.high_water
    state = index_state(services)
    assert len(state) == 290 and repo.identifier(105) not in state
    assert state[repo.identifier(3)]["title"].endswith("(rev. 1)") and not state[repo.identifier(30)]["title"].endswith(")")
    assert store.runs("gen")[0].params["from"] == full.high_water


async def test_incremental_overlap_is_unchanged_at_seconds_and_resent_at_day_granularity(services):
    seconds = GeneratedRepository(120, page_size=40)
    server = await RepositoryServer(seconds).start()
    try:
        seconds.clock = seconds.datestamp(119)  # the repository answers at the last record's second:
        await run_harvest(services, server, name="sec")  # the mark then overlaps one record
        again, _ = await run_harvest(services, server, name="sec", mode="incremental")
    finally:
        await server.stop()
    assert (again.harvested, again.unchanged, again.indexed) == (1, 1, 0)  # same datestamp: nothing sent

    days = GeneratedRepository(120, page_size=40, granularity="YYYY-MM-DD")
    server = await RepositoryServer(days).start()
    try:
        await run_harvest(services, server, name="day")
        days.touch([7])  # the same day: its datestamp does not change
        inc, _ = await run_harvest(services, server, name="day", mode="incremental")
    finally:
        await server.stop()
    assert [r["from"] for r in days.requests if r.get("from")] == ["2020-01-01"]
    assert (inc.harvested, inc.indexed, inc.unchanged) == (120, 120, 0)  # a day cannot tell versions apart
    assert index_state(services, "day")[days.identifier(7)]["title"].endswith("(rev. 1)")


async def test_a_window_after_the_high_water_mark_leaves_it_alone(services):
    repo = GeneratedRepository(100, page_size=50)
    server = await RepositoryServer(repo).start()
    try:
        full, store = await run_harvest(services, server)
        window, _ = await run_harvest(services, server, mode="incremental", from_="2020-06-01", until="2020-07-01")
    finally:
        await server.stop()
    assert window.harvested == 0 and window.high_water == full.high_water == store.high_water("gen")


# --- badResumptionToken, stale records ---------------------------------------------------------------------
class ExpiringRepository(GeneratedRepository):
    """Expires every token when the `expire_at`-th ListRecords request arrives (a server restart)."""

    def __init__(self, *args, expire_at: int, **kw):
        super().__init__(*args, **kw)
        self.expire_at = expire_at
        self.list_requests = 0

    def answer(self, params):
        if params.get("verb") == "ListRecords":
            self.list_requests += 1
            if self.list_requests == self.expire_at:
                self.expire_tokens()
        return super().answer(params)


async def test_badResumptionToken_mid_list_restarts_and_sends_nothing_twice(services):
    repo = ExpiringRepository(500, page_size=100, expire_at=4)
    server = await RepositoryServer(repo).start()
    try:
        summary, store = await run_harvest(services, server)
    finally:
        await server.stop()
    assert (summary.harvested, summary.indexed, summary.unchanged) == (800, 500, 300)
    state = index_state(services)
    assert len(state) == 500 and {d["_version"] for d in state.values()} == {1}  # nothing was sent twice
    run = store.runs("gen")[0]
    assert run.restarts == 1 and "badResumptionToken" in store.errors(run)[0]


async def test_a_full_harvest_removes_what_the_source_no_longer_has(services):
    before = GeneratedRepository(200, page_size=100)
    server = await RepositoryServer(before).start()
    try:
        await run_harvest(services, server)
    finally:
        await server.stop()
    after = GeneratedRepository(150, page_size=100)  # 50 records vanished without deletion records
    server = await RepositoryServer(after).start()
    try:
        summary, store = await run_harvest(services, server)
    finally:
        await server.stop()
    assert (summary.harvested, summary.indexed, summary.removed) == (150, 150, 50)
    assert set(index_state(services)) == {after.identifier(i) for i in range(150)}
    assert store.ledger_counts("gen") == {"indexed": 150, "removed": 50}


# --- trouble on the way -------------------------------------------------------------------------------------
async def test_503_500_and_reset_on_the_way_are_survived(services):
    repo = GeneratedRepository(300, page_size=100)
    faults = [Fault(status=503, retry_after="1", when={"verb": "ListRecords", "metadataPrefix": "oai_dc"}),
              Fault(status=500, when={"resumptionToken": "0|100||"}),
              Fault(reset=True, when={"resumptionToken": "0|200||"})]
    server = await RepositoryServer(repo, faults=faults).start()
    http = fast_http()
    try:
        started = time.monotonic()
        summary, _ = await run_harvest(services, server, http=http)
        elapsed = time.monotonic() - started
    finally:
        await server.stop()
    assert [f.hits for f in faults] == [1, 1, 1]
    assert summary.indexed == 300 and len(index_state(services)) == 300
    # the 503's Retry-After was honoured; the 500 retried; a reset on a kept-alive connection aiohttp re-sends
    assert http.stats.by_status.get(503) == 1 and http.stats.by_status.get(500) == 1 and http.stats.retries >= 2
    assert http.stats.waited >= 1.0 and elapsed >= 1.0


async def test_a_timeout_fails_the_run_and_the_next_harvest_resumes_it(services):
    repo = GeneratedRepository(400, page_size=100)
    stuck = Fault(delay=1.5, when={"resumptionToken": "0|300||"}, times=None)
    server = await RepositoryServer(repo, faults=[stuck]).start()
    try:
        with pytest.raises(HttpError, match="timed out after 0.3 s"):
            await run_harvest(services, server, http=fast_http(timeout=0.3, retries=1))
        store = CheckpointStore(services.settings.state_dir / "harvest.sqlite")
        failed = store.resume_point("gen")
        assert failed.status == "failed" and failed.pages == 3 and failed.cursor == "0|300||"
        assert "timed out" in failed.error
        stuck.times = 0  # the repository recovers
        summary, _ = await run_harvest(services, server)
    finally:
        await server.stop()
    assert summary.resumed and (summary.harvested, summary.indexed, summary.pages) == (400, 400, 4)
    state = index_state(services)
    assert len(state) == 400 and {d["_version"] for d in state.values()} == {1}


async def test_xxe_answer_is_harvested_without_reading_the_file(services, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    body = (FIXTURES / "xxe_external_entity_in_listrecords.xml").read_bytes().replace(
        b"@SECRET_PATH@", str(secret).encode())
    repo = RecordedRepository([Route({"verb": "Identify"}, GeneratedRepository(1).answer({"verb": "Identify"})[1]),
                               Route({"verb": "ListRecords"}, body)])
    server = await RepositoryServer(repo).start()
    try:
        summary, _ = await run_harvest(services, server, name="evil")
    finally:
        await server.stop()
    assert summary.indexed == 1
    doc = index_state(services, "evil")["oai:evil.example:1"]
    assert "TOP-SECRET-42" not in json.dumps(doc) and doc["title"].startswith("Entity attack")
    alias = services.settings.index.alias(COLLECTION)
    assert services.client.count(index=alias, query={"query_string": {"query": "\"TOP-SECRET-42\""}})["count"] == 0


class RefusingWriter(ThesisWriter):
    """Sends one record's document with a field the strict mapping does not have."""

    def write_page(self, docs, deletes):
        docs = [(i, (d[:-1] + b',"not_in_mapping":1}') if ref.endswith("0000007") else d, ref)
                for i, d, ref in docs]
        return super().write_page(docs, deletes)


async def test_a_document_elasticsearch_refuses_is_rejected_with_the_reason(services):
    repo = GeneratedRepository(20, page_size=10)
    server = await RepositoryServer(repo).start()
    try:
        writer = RefusingWriter(services.client, services.settings.index)
        summary, store = await run_harvest(services, server, writer=writer)
    finally:
        await server.stop()
    assert (summary.harvested, summary.indexed, summary.rejected) == (20, 19, 1) and summary.balanced
    letter = json.loads(Path(summary.dead_letter).read_text().splitlines()[0])
    assert letter["control_number"] == repo.identifier(7)
    assert letter["reason"].startswith("Elasticsearch refused the document") and "not_in_mapping" in letter["reason"]
    assert store.seen("gen", [repo.identifier(7)])[repo.identifier(7)].datestamp is None  # tried again next time


async def test_worker_processes_build_the_same_documents_as_the_thread(services):
    """Long lists are mapped in worker processes; what they index is what the in-process thread indexes."""
    repo = GeneratedRepository(400, page_size=100)
    server = await RepositoryServer(repo).start()
    try:
        threads, _ = await run_harvest(services, server, name="threads", workers=0)
        procs, _ = await run_harvest(services, server, name="procs", workers=1)
    finally:
        await server.stop()
    assert (threads.indexed, procs.indexed) == (400, 400) and procs.balanced
    alias = services.settings.index.alias(COLLECTION)
    services.client.indices.refresh(index=alias)

    def documents(name):
        hits = services.client.search(index=alias, query={"term": {"harvest_source": name}}, size=1000)["hits"]["hits"]
        return {h["_source"]["oai_identifier"]: {k: v for k, v in h["_source"].items()
                                                 if k not in ("harvest_source", "source_ids")} for h in hits}

    assert documents("procs") == documents("threads")
