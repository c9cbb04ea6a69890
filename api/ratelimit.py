"""Per-key rate limits for the enrichment API: one token bucket per API key.

A key with rate N/min holds at most N tokens (a minute's worth, so an OPAC page that asks for a
dozen covers and holdings at once is not refused) and regains N/60 tokens a second; each request
takes one.

`SharedRateLimiter` (what the server uses) keeps the buckets in a SQLite file in the state folder, so
every server process (`yidu serve --workers N`) spends from the same bucket: a key gets its rate once,
not once per process, and a restart does not refill it. `RateLimiter` keeps them in this process's
memory (tests, single-process tools).
"""
from __future__ import annotations

import math
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable


def spend(tokens: float, at: float, now: float, per_minute: int) -> tuple[float, int]:
    """A bucket holding `tokens` at time `at`, asked for one at `now`: (tokens left, seconds to wait),
    the wait 0 when the token was given."""
    refill = per_minute / 60.0
    tokens = min(float(per_minute), tokens + max(0.0, now - at) * refill)
    if tokens >= 1.0:
        return tokens - 1.0, 0
    return tokens, max(1, math.ceil((1.0 - tokens) / refill))


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, at)
        self._lock = threading.Lock()  # handlers run in the thread pool

    def take(self, key_id: str, per_minute: int) -> int:
        """0 when the request may go ahead (a token is spent), else whole seconds until one may."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(key_id, (float(per_minute), now))
            tokens, wait = spend(tokens, at, now, per_minute)
            self._buckets[key_id] = (tokens, now)
            return wait


class SharedRateLimiter:
    """The same buckets in a SQLite file that every process opens. Wall-clock time, since a monotonic
    clock is not comparable between processes. One short write transaction per request."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.clock = clock
        self._local = threading.local()  # one connection per thread: sqlite3 objects stay in their thread
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS bucket (key TEXT PRIMARY KEY, tokens REAL, at REAL)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a bucket lost in a power cut only refills early
        return db

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def take(self, key_id: str, per_minute: int) -> int:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")  # the write lock first: two processes never spend the same token
        try:
            row = db.execute("SELECT tokens, at FROM bucket WHERE key = ?", (key_id,)).fetchone()
            now = self.clock()
            tokens, wait = spend(*(row or (float(per_minute), now)), now, per_minute)
            db.execute("INSERT OR REPLACE INTO bucket (key, tokens, at) VALUES (?, ?, ?)", (key_id, tokens, now))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return wait
