"""harvesters.checkpoints.CheckpointStore: a real SQLite file, no cluster.

What a harvester relies on: a page's cursor, counts, ledger and errors commit together or not at all; an
interrupted run is found again; the high-water mark only moves forward; the per-source lock excludes a
second process and dies with the first; the ledger answers "seen with this datestamp?".
"""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from harvesters.checkpoints import CheckpointStore, Counts, LedgerEntry
from harvesters.errors import CheckpointError


@pytest.fixture
def store(tmp_path):
    with CheckpointStore(tmp_path / "harvest.sqlite") as s:
        yield s


def entries(*pairs, outcome="indexed"):
    return [LedgerEntry(i, d, False, outcome) for i, d in pairs]


def test_the_database_is_in_wal_mode(store):
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_page_commits_cursor_counts_ledger_and_errors_together(store):
    run = store.begin_run("repo", "full", {"from": None})
    store.page_done(run, "token-2", Counts(harvested=3, indexed=2, rejected=1),
                    entries(("a", "2020-01-01T00:00:00Z"), ("b", "2020-01-02T00:00:00Z"))
                    + entries(("c", "2020-01-03T00:00:00Z"), outcome="rejected"),
                    errors=["page 1 record 3 c: no title"], state={"response_date": "2026-01-01T00:00:00Z"})
    again = store.run(run.id)
    assert (again.cursor, again.pages, again.counts) == ("token-2", 1, Counts(3, 2, 0, 1, 0))
    assert again.state == {"response_date": "2026-01-01T00:00:00Z"}
    assert store.errors(run) == ["page 1 record 3 c: no title"]
    seen = store.seen("repo", ["a", "c", "zz"])
    assert set(seen) == {"a", "c"} and seen["c"].outcome == "rejected" and seen["a"].run == run.id


def test_a_failing_page_commit_leaves_nothing_behind(store):
    run = store.begin_run("repo", "full", {})
    store.page_done(run, "t1", Counts(harvested=1, indexed=1), entries(("a", "d1")))
    broken = [LedgerEntry("b", "d2", False, "indexed"), LedgerEntry(None, "d3", False, "indexed")]  # NOT NULL
    with pytest.raises(sqlite3.IntegrityError):
        store.page_done(run, "t2", Counts(harvested=2, indexed=2), broken, errors=["x"])
    again = store.run(run.id)
    assert (again.cursor, again.pages, again.counts.harvested) == ("t1", 1, 1)
    assert set(store.seen("repo", ["a", "b"])) == {"a"} and store.errors(run) == []


def test_an_interrupted_run_is_the_resume_point_until_it_finishes(store):
    assert store.resume_point("repo") is None
    run = store.begin_run("repo", "incremental", {"from": "2020-01-01T00:00:00Z"})
    store.page_done(run, "t1", Counts(harvested=5, indexed=5))
    found = store.resume_point("repo")
    assert found is not None and (found.id, found.cursor, found.mode) == (run.id, "t1", "incremental")
    resumed = store.resumed(found)
    assert resumed.resumes == 1 and resumed.status == "running"
    store.fail_run(resumed, "HTTP 503 for ever")
    assert store.resume_point("repo").status == "failed"  # failed runs resume too
    store.finish_run(store.resumed(store.resume_point("repo")), "2026-01-01T00:00:00Z")
    assert store.resume_point("repo") is None
    assert store.runs("repo")[0].status == "done"


def test_a_new_run_abandons_the_unfinished_one(store):
    old = store.begin_run("repo", "full", {})
    new = store.begin_run("repo", "incremental", {})
    assert store.run(old.id).status == "abandoned" and store.resume_point("repo").id == new.id


def test_the_high_water_mark_only_moves_forward(store):
    store.finish_run(store.begin_run("repo", "full", {}), "2026-03-01T00:00:00Z")
    store.finish_run(store.begin_run("repo", "incremental", {}), "2026-02-01T00:00:00Z")
    assert store.high_water("repo") == "2026-03-01T00:00:00Z"
    store.finish_run(store.begin_run("repo", "incremental", {}), None)
    assert store.high_water("repo") == "2026-03-01T00:00:00Z"
    store.finish_run(store.begin_run("repo", "incremental", {}), "2026-04-01T00:00:00Z")
    assert store.high_water("repo") == "2026-04-01T00:00:00Z"
    assert store.high_water("other") is None


def test_restart_drops_the_cursor_and_keeps_the_ledger(store):
    run = store.begin_run("repo", "full", {})
    store.page_done(run, "t1", Counts(harvested=1, indexed=1), entries(("a", "d1")))
    run = store.restarted(run, "badResumptionToken: expired")
    assert run.cursor is None and run.restarts == 1 and run.pages == 1
    assert "a" in store.seen("repo", ["a"]) and store.errors(run) == ["badResumptionToken: expired"]


def test_stale_records_of_a_full_run_are_those_other_runs_indexed(store):
    first = store.begin_run("repo", "full", {})
    store.page_done(first, None, Counts(harvested=3, indexed=3), entries(("a", "1"), ("b", "1"), ("c", "1")))
    store.finish_run(first, "x")
    second = store.begin_run("repo", "full", {})
    store.page_done(second, None, Counts(harvested=1, indexed=1), entries(("a", "2")))
    assert sorted(store.stale("repo", second)) == ["b", "c"]
    store.mark_removed(second, ["b", "c"])
    assert store.run(second.id).removed == 2 and store.stale("repo", second) == []
    assert store.ledger_counts("repo") == {"indexed": 1, "removed": 2}


def test_errors_are_capped_but_counts_are_not(store, monkeypatch):
    monkeypatch.setattr("harvesters.checkpoints.ERRORS_KEPT", 5)
    run = store.begin_run("repo", "full", {})
    for n in range(4):
        store.page_done(run, None, Counts(harvested=2, rejected=2), errors=[f"p{n} r1", f"p{n} r2"])
    assert store.run(run.id).counts.rejected == 8 and len(store.errors(run, 100)) == 5


def test_forget_drops_a_source_entirely(store):
    run = store.begin_run("repo", "full", {})
    store.page_done(run, None, Counts(harvested=1, indexed=1), entries(("a", "1")), errors=["e"])
    store.finish_run(run, "2026-01-01T00:00:00Z")
    store.begin_run("kept", "full", {})
    store.forget("repo")
    assert store.runs("repo") == [] and store.high_water("repo") is None and store.seen("repo", ["a"]) == {}
    assert store.sources() == ["kept"]


LOCK_HOLDER = """
import sys, time
from harvesters.checkpoints import CheckpointStore
with CheckpointStore(sys.argv[1]) as store, store.lock("repo"):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_the_source_lock_excludes_another_process_and_dies_with_it(store):
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(store.path)], stdout=subprocess.PIPE,
                              text=True, cwd=os.getcwd())
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(CheckpointError, match="already running"):
            with store.lock("repo"):
                pass
        with store.lock("another-source"):  # other sources are not held up
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    deadline = time.monotonic() + 5
    while True:  # kill -9 frees it: the OS drops the process's locks
        try:
            with store.lock("repo"):
                break
        except CheckpointError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
