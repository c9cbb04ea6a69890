"""The knowledge base on disk: SQLite (settings.state_dir / "kb.sqlite").

Tables: `package` (one per loaded KBART file, with its load report), `title` (one row per coverage
range; the row's own values are kept in `raw`, extension columns included), `subscription`
(library x package with access dates), `print_holding` (a library's print runs of one journal, from a
CSV upload or from the catalogue's MARC holdings), `token` (API tokens, SHA-256 hashed), `meta`
(generation counters the in-memory index watches).

Writes happen in one transaction per operation; each bumps the generation of what it changed, so a
serving process can tell that its lookup structures are stale (`KnowledgeBase.refresh`).
"""
from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator

import orjson

from linkresolver.dates import OPEN_HI, OPEN_LO
from linkresolver.errors import KbError
from linkresolver.holdings import Holding
from linkresolver.kbart import Entry, KbartFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS package (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT,
    encoding TEXT,
    line_ending TEXT,
    loaded_at REAL,
    rows INTEGER,
    loaded INTEGER,
    rejected INTEGER,
    warnings INTEGER,
    problems BLOB
);
CREATE TABLE IF NOT EXISTS title (
    id INTEGER PRIMARY KEY,
    package INTEGER NOT NULL,
    line INTEGER,
    name TEXT,
    issns TEXT,
    isbns TEXT,
    issn_l TEXT,
    first_lo INTEGER,
    last_hi INTEGER,
    first_text TEXT,
    last_text TEXT,
    vol_lo INTEGER, iss_lo INTEGER, vol_hi INTEGER, iss_hi INTEGER,
    embargo TEXT,
    depth TEXT,
    fulltext INTEGER,
    url TEXT,
    doi TEXT,
    publisher TEXT,
    pubtype TEXT,
    free INTEGER,
    access_lo INTEGER,
    access_hi INTEGER,
    ill INTEGER,
    ppv REAL,
    raw BLOB
);
CREATE INDEX IF NOT EXISTS title_package ON title (package);
CREATE TABLE IF NOT EXISTS subscription (
    library TEXT NOT NULL,
    package INTEGER NOT NULL,
    start TEXT,
    until TEXT,
    updated REAL,
    PRIMARY KEY (library, package)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS print_holding (
    id INTEGER PRIMARY KEY,
    library TEXT NOT NULL,
    source TEXT NOT NULL,
    issns TEXT,
    title TEXT,
    runs BLOB,
    summary TEXT,
    control TEXT,
    note TEXT,
    line INTEGER
);
CREATE INDEX IF NOT EXISTS print_holding_library ON print_holding (library, source);
CREATE TABLE IF NOT EXISTS token (
    hash TEXT PRIMARY KEY,
    library TEXT,
    role TEXT NOT NULL,
    label TEXT,
    created REAL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
"""

GENERATIONS = ("titles", "subscriptions", "holdings")


class KbStore:
    """One SQLite connection; safe to share between threads (calls are serialised by a lock)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;")
            self.db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise KbError(f"cannot open the knowledge base {self.path}: {exc}", ref=str(self.path)) from None

    def close(self) -> None:
        with self._lock:
            self.db.close()

    # --- transactions ------------------------------------------------------------------------------------
    def _write(self, fn, *args):
        with self._lock:
            try:
                self.db.execute("BEGIN IMMEDIATE")
                try:
                    result = fn(*args)
                except BaseException:
                    self.db.execute("ROLLBACK")
                    raise
                self.db.execute("COMMIT")
                return result
            except sqlite3.Error as exc:
                raise KbError(f"knowledge base write failed: {exc}", ref=str(self.path)) from None

    def _bump(self, *parts: str) -> None:
        for part in parts:
            self.db.execute("INSERT INTO meta (k, v) VALUES (?, '1') ON CONFLICT (k) DO UPDATE SET v = v + 1",
                            (f"gen_{part}",))

    def generations(self) -> tuple[int, ...]:
        with self._lock:
            rows = dict(self.db.execute("SELECT k, v FROM meta WHERE k LIKE 'gen_%'"))
        return tuple(int(rows.get(f"gen_{p}", 0)) for p in GENERATIONS)

    # --- packages ----------------------------------------------------------------------------------------
    def replace_package(self, name: str, kbart: KbartFile, entries: Iterable[Entry] | None = None) -> int:
        """Store `kbart`'s entries as package `name`, replacing an earlier load of that name."""
        return self._write(self._replace_package, name, kbart, kbart.entries if entries is None else entries)

    def _replace_package(self, name: str, kbart: KbartFile, entries: Iterable[Entry]) -> int:
        problems = orjson.dumps([str(p) for p in kbart.problems[:5000]])
        row = self.db.execute("SELECT id FROM package WHERE name = ?", (name,)).fetchone()
        values = (kbart.source, kbart.encoding, kbart.line_ending, time.time(), kbart.rows, len(kbart.entries),
                  len(kbart.errors), len(kbart.warnings), problems)
        if row:
            pid = row[0]
            self.db.execute("DELETE FROM title WHERE package = ?", (pid,))
            self.db.execute("UPDATE package SET source=?, encoding=?, line_ending=?, loaded_at=?, rows=?, loaded=?, "
                            "rejected=?, warnings=?, problems=? WHERE id=?", (*values, pid))
        else:
            pid = self.db.execute("INSERT INTO package (name, source, encoding, line_ending, loaded_at, rows, loaded, "
                                  "rejected, warnings, problems) VALUES (?,?,?,?,?,?,?,?,?,?)", (name, *values)).lastrowid
        self.db.executemany(
            "INSERT INTO title (package, line, name, issns, isbns, issn_l, first_lo, last_hi, first_text, last_text, "
            "vol_lo, iss_lo, vol_hi, iss_hi, embargo, depth, fulltext, url, doi, publisher, pubtype, free, "
            "access_lo, access_hi, ill, ppv, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (_title_row(pid, e) for e in entries))
        self._bump("titles")
        return pid

    def delete_package(self, name: str) -> bool:
        def run() -> bool:
            row = self.db.execute("SELECT id FROM package WHERE name = ?", (name,)).fetchone()
            if not row:
                return False
            self.db.execute("DELETE FROM title WHERE package = ?", (row[0],))
            self.db.execute("DELETE FROM subscription WHERE package = ?", (row[0],))
            self.db.execute("DELETE FROM package WHERE id = ?", (row[0],))
            self._bump("titles", "subscriptions")
            return True
        return self._write(run)

    def package_id(self, name: str) -> int | None:
        with self._lock:
            row = self.db.execute("SELECT id FROM package WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def packages(self) -> list[dict]:
        with self._lock:
            rows = self.db.execute(
                "SELECT p.id, p.name, p.source, p.encoding, p.line_ending, p.loaded_at, p.rows, p.loaded, p.rejected, "
                "p.warnings, (SELECT COUNT(*) FROM subscription s WHERE s.package = p.id) FROM package p "
                "ORDER BY p.name").fetchall()
        keys = ("id", "name", "source", "encoding", "line_ending", "loaded_at", "rows", "loaded", "rejected",
                "warnings", "subscribers")
        return [dict(zip(keys, r)) for r in rows]

    def package_problems(self, name: str) -> list[str]:
        with self._lock:
            row = self.db.execute("SELECT problems FROM package WHERE name = ?", (name,)).fetchone()
        return orjson.loads(row[0]) if row and row[0] else []

    # --- subscriptions -----------------------------------------------------------------------------------------
    def subscribe(self, library: str, package: int, start: str | None, until: str | None) -> None:
        def run() -> None:
            self.db.execute("INSERT INTO subscription (library, package, start, until, updated) VALUES (?,?,?,?,?) "
                            "ON CONFLICT (library, package) DO UPDATE SET start=excluded.start, until=excluded.until, "
                            "updated=excluded.updated", (library, package, start, until, time.time()))
            self._bump("subscriptions")
        self._write(run)

    def subscribe_many(self, rows: Iterable[tuple[str, int, str | None, str | None]]) -> None:
        def run() -> None:
            now = time.time()
            self.db.executemany("INSERT OR REPLACE INTO subscription (library, package, start, until, updated) "
                                "VALUES (?,?,?,?,?)", ((lib, pkg, s, u, now) for lib, pkg, s, u in rows))
            self._bump("subscriptions")
        self._write(run)

    def unsubscribe(self, library: str, package: int) -> bool:
        def run() -> bool:
            n = self.db.execute("DELETE FROM subscription WHERE library = ? AND package = ?",
                                (library, package)).rowcount
            self._bump("subscriptions")
            return n > 0
        return self._write(run)

    def subscriptions(self, library: str | None = None) -> list[dict]:
        sql = ("SELECT s.library, p.name, s.start, s.until FROM subscription s JOIN package p ON p.id = s.package")
        with self._lock:
            rows = self.db.execute(sql + (" WHERE s.library = ? ORDER BY p.name" if library else
                                          " ORDER BY s.library, p.name"), (library,) if library else ()).fetchall()
        return [{"library": lib, "package": name, "from": start, "until": until} for lib, name, start, until in rows]

    def iter_subscriptions(self) -> Iterator[tuple[str, int, str | None, str | None]]:
        with self._lock:
            rows = self.db.execute("SELECT library, package, start, until FROM subscription").fetchall()
        return iter(rows)

    # --- print holdings ------------------------------------------------------------------------------------------
    def replace_holdings(self, holdings: Iterable[Holding], *, source: str, library: str | None = None) -> int:
        """Replace the print holdings of `source` ("csv" per library, "catalog" for everyone)."""
        def run() -> int:
            if library is None:
                self.db.execute("DELETE FROM print_holding WHERE source = ?", (source,))
            else:
                self.db.execute("DELETE FROM print_holding WHERE library = ? AND source = ?", (library, source))
            count = 0
            for h in holdings:
                self.db.execute(
                    "INSERT INTO print_holding (library, source, issns, title, runs, summary, control, note, line) "
                    "VALUES (?,?,?,?,?,?,?,?,?)",
                    (h.library, source, " ".join(h.issns), h.title,
                     orjson.dumps([[r.year_lo, r.year_hi, r.vol_lo, r.vol_hi] for r in h.runs]),
                     h.summary or ", ".join(r.describe() for r in h.runs), h.control_number, h.note, h.line))
                count += 1
            self._bump("holdings")
            return count
        return self._write(run)

    def holdings(self, library: str) -> list[dict]:
        with self._lock:
            rows = self.db.execute("SELECT source, issns, title, runs, summary, control, note FROM print_holding "
                                   "WHERE library = ? ORDER BY title", (library,)).fetchall()
        return [{"source": s, "issns": i.split() if i else [], "title": t, "runs": orjson.loads(r),
                 "summary": su, "control_number": c, "note": n} for s, i, t, r, su, c, n in rows]

    # --- reads for the index -----------------------------------------------------------------------------------
    def read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    def counts(self) -> dict[str, int]:
        with self._lock:
            one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
            return {
                "packages": one("SELECT COUNT(*) FROM package"),
                "titles": one("SELECT COUNT(*) FROM title"),
                "subscriptions": one("SELECT COUNT(*) FROM subscription"),
                "subscribing_libraries": one("SELECT COUNT(DISTINCT library) FROM subscription"),
                "print_holdings": one("SELECT COUNT(*) FROM print_holding"),
                "holding_libraries": one("SELECT COUNT(DISTINCT library) FROM print_holding"),
                "tokens": one("SELECT COUNT(*) FROM token"),
            }

    # --- tokens --------------------------------------------------------------------------------------------------
    def add_token(self, digest: str, library: str | None, role: str, label: str) -> None:
        def run() -> None:
            self.db.execute("INSERT INTO token (hash, library, role, label, created) VALUES (?,?,?,?,?)",
                            (digest, library, role, label, time.time()))
        self._write(run)

    def token(self, digest: str) -> tuple[str | None, str] | None:
        with self._lock:
            row = self.db.execute("SELECT library, role FROM token WHERE hash = ?", (digest,)).fetchone()
        return (row[0], row[1]) if row else None

    def revoke_tokens(self, library: str | None) -> int:
        def run() -> int:
            if library is None:
                return self.db.execute("DELETE FROM token WHERE role = 'admin'").rowcount
            return self.db.execute("DELETE FROM token WHERE library = ?", (library,)).rowcount
        return self._write(run)


def _title_row(package: int, e: Entry) -> tuple:
    return (
        package, e.line, e.title, " ".join(e.issns), " ".join(e.isbns), e.issn_l,
        e.first.lo if e.first else OPEN_LO, e.last.hi if e.last else OPEN_HI,
        e.first.text if e.first else "", e.last.text if e.last else "",
        e.vol_lo, e.iss_lo, e.vol_hi, e.iss_hi, e.embargo, e.depth, int(e.fulltext), e.url, e.doi, e.publisher,
        e.pubtype, int(e.free), e.access_start.lo if e.access_start else OPEN_LO,
        e.access_end.hi if e.access_end else OPEN_HI, int(e.ill), e.ppv, orjson.dumps(e.raw),
    )
