"""Where every harvest stands: an embedded SQLite database (settings.state_dir / "harvest.sqlite", WAL mode).

Per source it keeps the high-water datestamp (where the next incremental harvest starts), the runs (mode,
parameters, the cursor of the next page, pages done, counts, errors, status) and a ledger of every record
seen (identifier -> datestamp, deleted, outcome, run).

The protocol a harvester follows, whatever it harvests (OAI-PMH resumption tokens, Crossref cursors...):

    store = CheckpointStore(settings.state_dir / "harvest.sqlite")
    with store.lock(source):                          # one harvest per source at a time (dies with the process)
        run = store.resume_point(source)              # an interrupted run, to continue ...
        if run is None:
            run = store.begin_run(source, "full", {"from": None, "until": None})   # ... or a new one
        while pages remain:
            page = fetch(run.cursor)                  # cursor None: the first page
            seen = store.seen(source, ids_of(page))   # skip what this run (or an identical earlier one) did
            write the page's documents and wait for Elasticsearch       (deterministic ids: a replay overwrites)
            store.page_done(run, next_cursor, Counts(...), ledger=[LedgerEntry(...)...], errors=[...])
        store.finish_run(run, high_water="2026-01-01T00:00:00Z")        # or store.fail_run(run, "why")

`page_done` commits the cursor, the counts, the page's ledger entries and its errors in ONE transaction. A
process killed at any moment therefore resumes at the first page whose commit it did not see: that page is
fetched and written again (same document ids: nothing is duplicated), and since its ledger entries and
counts were not committed either, nothing is counted twice. A page that *was* committed and comes round
again (a badResumptionToken restart, an overlapping incremental window) finds its records in the ledger with
the same datestamp and sends and counts nothing (`Counts.unchanged`).

Run statuses: running (in progress, or interrupted: `resume_point` returns it), failed (stopped with an
error, resumable too), done, abandoned (superseded by a new run before it finished).
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from harvesters.errors import CheckpointError

SCHEMA = """
CREATE TABLE IF NOT EXISTS source_state (
    source      TEXT PRIMARY KEY,
    high_water  TEXT,
    updated     TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    params      TEXT NOT NULL,          -- JSON: from/until/set/prefix... as the run was asked
    status      TEXT NOT NULL,          -- running | failed | done | abandoned
    cursor      TEXT,                   -- what fetches the next page (resumption token, Crossref cursor)
    pages       INTEGER NOT NULL DEFAULT 0,
    harvested   INTEGER NOT NULL DEFAULT 0,
    indexed     INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    removed     INTEGER NOT NULL DEFAULT 0,   -- documents a complete full run no longer found, deleted
    restarts    INTEGER NOT NULL DEFAULT 0,   -- times the list was started again (expired token)
    resumes     INTEGER NOT NULL DEFAULT 0,   -- times an interrupted run was continued
    started     TEXT NOT NULL,
    updated     TEXT NOT NULL,
    finished    TEXT,
    high_water  TEXT,
    error       TEXT,
    state       TEXT                    -- JSON: whatever else the harvester needs to resume
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, id);
CREATE TABLE IF NOT EXISTS run_errors (
    run         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    message     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS run_errors_by_run ON run_errors (run);
CREATE TABLE IF NOT EXISTS ledger (
    source      TEXT NOT NULL,
    identifier  TEXT NOT NULL,
    datestamp   TEXT,
    deleted     INTEGER NOT NULL,
    outcome     TEXT NOT NULL,          -- indexed | deleted | rejected | removed
    run         INTEGER NOT NULL,
    PRIMARY KEY (source, identifier)
) WITHOUT ROWID;
"""

COUNT_FIELDS = ("harvested", "indexed", "deleted", "rejected", "unchanged")
ERRORS_KEPT = 1000  # per run; counts stay exact, the messages are a sample beyond that


@dataclass
class Counts:
    harvested: int = 0
    indexed: int = 0
    deleted: int = 0
    rejected: int = 0
    unchanged: int = 0

    def add(self, other: "Counts") -> None:
        for name in COUNT_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def balanced(self) -> bool:
        return self.harvested == self.indexed + self.deleted + self.rejected + self.unchanged


@dataclass(frozen=True)
class LedgerEntry:
    identifier: str
    datestamp: str | None
    deleted: bool
    outcome: str  # indexed | deleted | rejected


@dataclass(frozen=True)
class Seen:
    datestamp: str | None
    deleted: bool
    outcome: str
    run: int


@dataclass
class Run:
    id: int
    source: str
    mode: str
    params: dict[str, Any]
    status: str
    cursor: str | None
    pages: int
    counts: Counts
    removed: int
    restarts: int
    resumes: int
    started: str
    updated: str
    finished: str | None
    high_water: str | None
    error: str | None
    state: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(out.pop("counts"))
        return out


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class CheckpointStore:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL survives a killed process (the case that matters); a power cut may lose the last
            # commits, which only means those pages are fetched and overwritten again.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise CheckpointError(f"cannot open the checkpoint store {self.path}: {exc}", ref=str(self.path)) from exc

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "CheckpointStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- one harvest per source ---------------------------------------------------------------------
    @contextmanager
    def lock(self, source: str) -> Iterator[None]:
        """Exclusive per source across processes; the OS drops it when the process dies (even kill -9)."""
        path = self.path.parent / "locks" / f"harvest-{_safe(source)}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CheckpointError(f"a harvest of {source} is already running (lock {path})", ref=source) from None
            try:
                handle.write(str(os.getpid()))
                handle.flush()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # --- runs -----------------------------------------------------------------------------------------
    def begin_run(self, source: str, mode: str, params: dict[str, Any] | None = None) -> Run:
        """A new run; an unfinished earlier run of the source is marked abandoned."""
        now = _now()
        with self._tx() as db:
            db.execute("UPDATE runs SET status='abandoned', updated=? WHERE source=? AND status IN ('running','failed')",
                       (now, source))
            cur = db.execute("INSERT INTO runs (source, mode, params, status, started, updated, state) "
                             "VALUES (?, ?, ?, 'running', ?, ?, '{}')",
                             (source, mode, orjson.dumps(params or {}).decode(), now, now))
        return self.run(cur.lastrowid)

    def resume_point(self, source: str) -> Run | None:
        """The source's latest run if it did not finish (interrupted or failed), else None."""
        row = self.db.execute("SELECT id FROM runs WHERE source=? ORDER BY id DESC LIMIT 1", (source,)).fetchone()
        if row is None:
            return None
        run = self.run(row[0])
        return run if run.status in ("running", "failed") else None

    def resumed(self, run: Run) -> Run:
        """Mark `run` as continued by a new process."""
        with self._tx() as db:
            db.execute("UPDATE runs SET status='running', resumes=resumes+1, error=NULL, updated=? WHERE id=?",
                       (_now(), run.id))
        return self.run(run.id)

    def page_done(self, run: Run, cursor: str | None, counts: Counts, ledger: Iterable[LedgerEntry] = (),
                  errors: Iterable[str] = (), state: dict[str, Any] | None = None) -> Run:
        """Commit one page: next cursor, counts, ledger entries and errors, atomically."""
        now = _now()
        entries = [(run.source, e.identifier, e.datestamp, int(e.deleted), e.outcome, run.id) for e in ledger]
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET cursor=?, pages=pages+1, harvested=harvested+?, indexed=indexed+?, deleted=deleted+?,"
                " rejected=rejected+?, unchanged=unchanged+?, updated=?, state=COALESCE(?, state) WHERE id=?",
                (cursor, counts.harvested, counts.indexed, counts.deleted, counts.rejected, counts.unchanged, now,
                 orjson.dumps(state).decode() if state is not None else None, run.id))
            if entries:
                db.executemany("INSERT OR REPLACE INTO ledger (source, identifier, datestamp, deleted, outcome, run) "
                               "VALUES (?, ?, ?, ?, ?, ?)", entries)
            self._errors(db, run.id, errors, now)
        run.cursor, run.pages, run.updated = cursor, run.pages + 1, now
        run.counts.add(counts)
        if state is not None:
            run.state = state
        return run

    def restarted(self, run: Run, reason: str) -> Run:
        """The list starts again from the run's beginning (the cursor is dropped); the ledger stays."""
        now = _now()
        with self._tx() as db:
            db.execute("UPDATE runs SET cursor=NULL, restarts=restarts+1, updated=? WHERE id=?", (now, run.id))
            self._errors(db, run.id, [reason], now)
        return self.run(run.id)

    def update_state(self, run: Run, state: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute("UPDATE runs SET state=?, updated=? WHERE id=?", (orjson.dumps(state).decode(), _now(), run.id))
        run.state = state

    def finish_run(self, run: Run, high_water: str | None = None) -> Run:
        """The run is complete; the source's high-water mark moves to `high_water` (when given and later)."""
        now = _now()
        with self._tx() as db:
            db.execute("UPDATE runs SET status='done', finished=?, updated=?, high_water=?, cursor=NULL WHERE id=?",
                       (now, now, high_water, run.id))
            if high_water:
                current = db.execute("SELECT high_water FROM source_state WHERE source=?", (run.source,)).fetchone()
                if current is None or current[0] is None or high_water > current[0]:
                    db.execute("INSERT INTO source_state (source, high_water, updated) VALUES (?, ?, ?) "
                               "ON CONFLICT(source) DO UPDATE SET high_water=excluded.high_water, "
                               "updated=excluded.updated", (run.source, high_water, now))
        return self.run(run.id)

    def fail_run(self, run: Run, error: str) -> Run:
        """The run stopped on an error; it stays resumable from its last committed page."""
        now = _now()
        with self._tx() as db:
            db.execute("UPDATE runs SET status='failed', error=?, updated=? WHERE id=?", (error, now, run.id))
            self._errors(db, run.id, [error], now)
        return self.run(run.id)

    def _errors(self, db: sqlite3.Connection, run_id: int, errors: Iterable[str], now: str) -> None:
        errors = list(errors)
        if not errors:
            return
        have = db.execute("SELECT COUNT(*) FROM run_errors WHERE run=?", (run_id,)).fetchone()[0]
        room = max(0, ERRORS_KEPT - have)
        db.executemany("INSERT INTO run_errors (run, at, message) VALUES (?, ?, ?)",
                       [(run_id, now, e) for e in errors[:room]])

    # --- reading --------------------------------------------------------------------------------------
    def run(self, run_id: int) -> Run:
        row = self.db.execute("SELECT id, source, mode, params, status, cursor, pages, harvested, indexed, deleted, "
                              "rejected, unchanged, removed, restarts, resumes, started, updated, finished, high_water, "
                              "error, state FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise CheckpointError(f"no run {run_id}", ref=str(run_id))
        return Run(row[0], row[1], row[2], orjson.loads(row[3]), row[4], row[5], row[6], Counts(*row[7:12]),
                   *row[12:20], orjson.loads(row[20] or "{}"))

    def runs(self, source: str | None = None, limit: int = 20) -> list[Run]:
        if source is None:
            ids = self.db.execute("SELECT id FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        else:
            ids = self.db.execute("SELECT id FROM runs WHERE source=? ORDER BY id DESC LIMIT ?",
                                  (source, limit)).fetchall()
        return [self.run(i) for (i,) in ids]

    def errors(self, run: Run | int, limit: int = 50) -> list[str]:
        run_id = run.id if isinstance(run, Run) else run
        return [m for (m,) in self.db.execute("SELECT message FROM run_errors WHERE run=? ORDER BY rowid LIMIT ?",
                                               (run_id, limit))]

    def high_water(self, source: str) -> str | None:
        row = self.db.execute("SELECT high_water FROM source_state WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def seen(self, source: str, identifiers: Iterable[str]) -> dict[str, Seen]:
        """The ledger entries of `identifiers` (those never seen are absent)."""
        ids = list(dict.fromkeys(identifiers))
        out: dict[str, Seen] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for ident, datestamp, deleted, outcome, run in self.db.execute(
                    f"SELECT identifier, datestamp, deleted, outcome, run FROM ledger WHERE source=? "
                    f"AND identifier IN ({marks})", (source, *chunk)):
                out[ident] = Seen(datestamp, bool(deleted), outcome, run)
        return out

    def stale(self, source: str, run: Run) -> list[str]:
        """Identifiers indexed by earlier runs that `run` (a complete full run) did not see again."""
        return [i for (i,) in self.db.execute(
            "SELECT identifier FROM ledger WHERE source=? AND outcome='indexed' AND run<>?", (source, run.id))]

    def mark_removed(self, run: Run, identifiers: list[str]) -> None:
        """Record that the documents of `identifiers` were deleted as no longer in the source."""
        with self._tx() as db:
            db.executemany("UPDATE ledger SET outcome='removed', run=? WHERE source=? AND identifier=?",
                           [(run.id, run.source, i) for i in identifiers])
            db.execute("UPDATE runs SET removed=removed+?, updated=? WHERE id=?", (len(identifiers), _now(), run.id))
        run.removed += len(identifiers)

    def ledger_counts(self, source: str) -> dict[str, int]:
        return {outcome: n for outcome, n in self.db.execute(
            "SELECT outcome, COUNT(*) FROM ledger WHERE source=? GROUP BY outcome", (source,))}

    def sources(self) -> list[str]:
        return [s for (s,) in self.db.execute(
            "SELECT source FROM runs UNION SELECT source FROM source_state ORDER BY 1")]

    def forget(self, source: str) -> None:
        """Drop everything known about a source (after `yidu sources remove`)."""
        with self._tx() as db:
            db.execute("DELETE FROM run_errors WHERE run IN (SELECT id FROM runs WHERE source=?)", (source,))
            db.execute("DELETE FROM runs WHERE source=?", (source,))
            db.execute("DELETE FROM ledger WHERE source=?", (source,))
            db.execute("DELETE FROM source_state WHERE source=?", (source,))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
