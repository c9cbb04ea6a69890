"""API keys of the enrichment API (the calls member libraries' OPACs make), kept in
`<state>/apikeys.sqlite`.

A key reads "yek_<id>_<secret>": the id (8 hex digits) names it in `yidu apikeys list/revoke` and in
logs; the secret is 32 random bytes. Only the key's SHA-256 is stored - a slow password hash buys
nothing for a secret this long - so the key is printed once, at creation, and never again.

Each key belongs to one member library and is bound to IP ranges: the CIDRs given at creation, or,
when none were given, the library's registered ranges, read from the registry at request time (a
registry update moves the key with the library; a library without ranges gets no such key).

Usage (requests served, last use) is counted in memory and written in batches - every FLUSH_SECONDS
or FLUSH_USES requests, on `flush()`/`close()` and at interpreter exit - so the per-request cost is
a dictionary update; a crash loses at most those few seconds of counts, never a request.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import orjson

from yidu.errors import YiduError
from yidu.libraries import Registry

PREFIX = "yek_"
DEFAULT_RATE = 60  # requests per minute
MAX_RATE = 100_000
FLUSH_SECONDS, FLUSH_USES = 5.0, 100
_KEY_RE = re.compile(r"yek_([0-9a-f]{8})_[A-Za-z0-9_-]{20,64}")
_RATE_RE = re.compile(r"\s*(\d{1,6})\s*(?:/\s*min(?:ute)?)?\s*")

SCHEMA = """
CREATE TABLE IF NOT EXISTS apikey (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    library TEXT NOT NULL,
    ip_ranges TEXT,              -- JSON list of CIDRs; NULL: the library's registered ranges
    rate INTEGER NOT NULL,       -- requests per minute
    label TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    revoked REAL,
    uses INTEGER NOT NULL DEFAULT 0,
    last_used REAL
);
"""


class ApiKeyError(YiduError):
    """A key could not be created or named (unknown library or key id, bad CIDR or rate)."""


@dataclass(frozen=True)
class ApiKey:
    id: str
    library: str
    ip_ranges: tuple[str, ...] | None  # None: the library's registered ranges
    rate: int
    label: str
    created: float
    revoked: float | None = None
    uses: int = 0
    last_used: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None

    def networks(self, registry: Registry) -> tuple:
        """The ranges this key may be used from, now."""
        if self.ip_ranges is not None:
            return tuple(ipaddress.ip_network(n, strict=False) for n in self.ip_ranges)
        return registry.get(self.library).ip_ranges if self.library in registry else ()

    def allows(self, address: str | None, registry: Registry) -> bool:
        try:
            addr = ipaddress.ip_address(address) if address else None
        except ValueError:
            return False
        return addr is not None and any(addr.version == n.version and addr in n for n in self.networks(registry))

    def to_dict(self, registry: Registry | None = None) -> dict:
        ips = list(self.ip_ranges) if self.ip_ranges is not None else None
        out = {"id": self.id, "prefix": f"{PREFIX}{self.id}_", "library": self.library, "ip_ranges": ips,
               "ip_ranges_from_registry": ips is None, "rate": f"{self.rate}/min", "label": self.label,
               "created": _iso(self.created), "revoked": _iso(self.revoked), "uses": self.uses,
               "last_used": _iso(self.last_used)}
        if ips is None and registry is not None:
            out["ip_ranges"] = [str(n) for n in self.networks(registry)]
        return out


def _iso(stamp: float | None) -> str | None:
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds") if stamp else None


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key: str) -> str | None:
    """The id inside a well-formed key (None for anything else: no database lookup for garbage)."""
    match = _KEY_RE.fullmatch(key.strip()) if key else None
    return match.group(1) if match else None


def parse_rate(text: str) -> int:
    """'120/min' or '120' -> 120 requests per minute."""
    match = _RATE_RE.fullmatch(text or "")
    if not match or not 1 <= int(match.group(1)) <= MAX_RATE:
        raise ApiKeyError(f"rate must be N/min with 1 <= N <= {MAX_RATE}, got {text!r}")
    return int(match.group(1))


def parse_ranges(values: Iterable[str]) -> tuple[str, ...]:
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise ApiKeyError(f"--ip {value!r} is not an IP address or CIDR range") from None
    return tuple(dict.fromkeys(out))


class KeyStore:
    """The keys table; one connection shared by the server's threads (calls serialised by a lock)."""

    def __init__(self, path: Path | str, *, clock=time.time):
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise ApiKeyError(f"cannot open the API key table {self.path}: {exc}", ref=str(self.path)) from None
        self._pending: dict[str, list] = {}  # key id -> [uses, last used]
        self._flushed = self.clock()
        weakref.finalize(self, _write_usage, self.db, self._pending, self._lock, True)

    @classmethod
    def for_settings(cls, settings) -> "KeyStore":
        return cls(Path(settings.state_dir) / "apikeys.sqlite")

    def close(self) -> None:
        with self._lock:
            self.flush()
            self.db.close()

    # --- keys ----------------------------------------------------------------------------------------
    def create(self, registry: Registry, library: str, *, ip_ranges: Iterable[str] = (), rate: int = DEFAULT_RATE,
               label: str = "") -> tuple[ApiKey, str]:
        """A new key for `library`: (its record, the key itself - shown once, stored only hashed)."""
        if library not in registry:
            raise ApiKeyError(f"unknown library {library!r}: not in the registry", ref=library)
        ranges = parse_ranges(ip_ranges) or None
        if ranges is None and not registry.get(library).ip_ranges:
            raise ApiKeyError(f"{library} has no IP ranges in the registry; give --ip CIDR", ref=library)
        if not 1 <= rate <= MAX_RATE:
            raise ApiKeyError(f"rate must be between 1 and {MAX_RATE} per minute, got {rate}")
        with self._lock:
            key_id = self._new_id()
            key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
            record = ApiKey(key_id, library, ranges, rate, label, self.clock())
            self.db.execute("INSERT INTO apikey (id, hash, library, ip_ranges, rate, label, created) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (key_id, digest(key), library, orjson.dumps(ranges).decode() if ranges else None,
                             rate, label, record.created))
        return record, key

    def _new_id(self) -> str:
        while True:
            key_id = secrets.token_hex(4)
            if not self.db.execute("SELECT 1 FROM apikey WHERE id = ?", (key_id,)).fetchone():
                return key_id

    def find(self, key: str) -> ApiKey | None:
        """The record of a presented key (revoked ones too: the caller says why it is refused)."""
        if key_id_of(key) is None:
            return None
        with self._lock:
            row = self.db.execute(f"SELECT {_COLUMNS} FROM apikey WHERE hash = ?", (digest(key.strip()),)).fetchone()
        return _record(row) if row else None

    def get(self, key_id: str) -> ApiKey:
        with self._lock:
            row = self.db.execute(f"SELECT {_COLUMNS} FROM apikey WHERE id = ?", (key_id.strip(),)).fetchone()
        if row is None:
            raise ApiKeyError(f"no API key with id {key_id!r} (see `yidu apikeys list`)", ref=key_id)
        return _record(row)

    def keys(self) -> list[ApiKey]:
        """Every key, oldest first, with the usage counted so far."""
        self.flush()
        with self._lock:
            rows = self.db.execute(f"SELECT {_COLUMNS} FROM apikey ORDER BY created, id").fetchall()
        return [_record(r) for r in rows]

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key (at once: every request reads the table); revoking twice keeps the first date."""
        record = self.get(key_id)
        with self._lock:
            self.db.execute("UPDATE apikey SET revoked = COALESCE(revoked, ?) WHERE id = ?", (self.clock(), record.id))
        return self.get(key_id)

    # --- usage ---------------------------------------------------------------------------------------
    def count_use(self, key_id: str) -> None:
        now = self.clock()
        with self._lock:
            slot = self._pending.setdefault(key_id, [0, now])
            slot[0] += 1
            slot[1] = now
            if sum(s[0] for s in self._pending.values()) >= FLUSH_USES or now - self._flushed >= FLUSH_SECONDS:
                self.flush()

    def flush(self) -> None:
        """Write the counted uses now."""
        with self._lock:
            _write_usage(self.db, self._pending, self._lock)
            self._flushed = self.clock()


_COLUMNS = "id, library, ip_ranges, rate, label, created, revoked, uses, last_used"


def _record(row: tuple) -> ApiKey:
    key_id, library, ranges, rate, label, created, revoked, uses, last_used = row
    return ApiKey(key_id, library, tuple(orjson.loads(ranges)) if ranges else None, rate, label or "", created,
                  revoked, uses, last_used)


def _write_usage(db: sqlite3.Connection, pending: dict[str, list], lock, at_exit: bool = False) -> None:
    """Also the store's finaliser (`at_exit`), so it must not refer to the store itself."""
    with lock:
        if not pending:
            return
        rows = [(uses, last, key_id) for key_id, (uses, last) in pending.items()]
        try:
            db.executemany("UPDATE apikey SET uses = uses + ?, last_used = MAX(COALESCE(last_used, 0), ?) "
                           "WHERE id = ?", rows)
        except sqlite3.Error:
            if at_exit:  # closed or gone at exit: nothing more can be saved
                return
            raise
        pending.clear()


def describe_ranges(key: ApiKey, registry: Registry) -> str:
    text = ";".join(str(n) for n in key.networks(registry)) or "-"
    return text if key.ip_ranges is not None else f"registry:{text}"
