"""Per-key rate limits for the enrichment API: one token bucket per API key.

A key with rate N/min holds at most N tokens (a minute's worth, so an OPAC page that asks for a
dozen covers and holdings at once is not refused) and regains N/60 tokens a second; each request
takes one. The buckets live in this process's memory: they are lost on restart (every key starts
full) and each server process (`yidu serve --workers N`) grants the full rate on its own. That is
enough to stop a runaway OPAC script; a consortium-wide quota would need a shared store the project
does not run.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Callable


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, at)
        self._lock = threading.Lock()  # handlers run in the thread pool

    def take(self, key_id: str, per_minute: int) -> int:
        """0 when the request may go ahead (a token is spent), else whole seconds until one may."""
        refill = per_minute / 60.0
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(key_id, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - at) * refill)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0
            self._buckets[key_id] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / refill))

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._buckets.pop(key_id, None)
