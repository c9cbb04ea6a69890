"""The knowledge base: the SQLite store, its in-memory snapshot, and the librarians' operations.

`KnowledgeBase` is what commands, the maintenance API and the resolver hold. Maintenance writes go
to the store (validated: known library, known package, real dates) and bump a generation; `index`
hands out the current `KbIndex` snapshot and, at most once per `refresh_interval`, checks whether the
database moved on (another process ran `yidu kb ...`) and rebuilds - subscriptions alone are cheap to
rebuild, title or holdings changes rebuild everything, in a background thread while the old snapshot
keeps serving.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable

from linkresolver import catalog, tokens
from linkresolver.errors import BadRequest, NotFound
from linkresolver.holdings import read_holdings_csv
from linkresolver.index import KbIndex
from linkresolver.kbart import KbartFile, Problem, parse_kbart, read_bytes
from linkresolver.store import KbStore

KB_FILE = "kb.sqlite"


def kb_path(settings) -> Path:
    return Path(settings.state_dir) / KB_FILE


@dataclass
class LoadReport:
    """What a load did: counts and every problem with its line."""

    what: str
    loaded: int
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, limit: int = 1000) -> dict[str, Any]:
        return {"what": self.what, "loaded": self.loaded, "rejected": self.rejected,
                "warnings": sum(1 for p in self.problems if p.severity == "warning"),
                **self.details,
                "problems": [{"line": p.line, "severity": p.severity, "message": p.message}
                             for p in self.problems[:limit]],
                "problems_total": len(self.problems)}


class KnowledgeBase:
    def __init__(self, path: Path | str, *, is_member: Callable[[str], bool] | None = None,
                 refresh_interval: float = 1.0, background_rebuild: bool = True):
        self.path = Path(path)
        self.store = KbStore(self.path)
        self.is_member = is_member
        self.refresh_interval = refresh_interval
        self.background_rebuild = background_rebuild
        self._index: KbIndex | None = None
        self._checked = 0.0
        self._build_lock = threading.Lock()
        self._rebuilding = False

    @classmethod
    def for_settings(cls, settings, *, is_member: Callable[[str], bool] | None = None, **kw) -> "KnowledgeBase":
        return cls(kb_path(settings), is_member=is_member, **kw)

    def close(self) -> None:
        self.store.close()

    # --- the snapshot ----------------------------------------------------------------------------------------
    @property
    def index(self) -> KbIndex:
        if self._index is None:
            with self._build_lock:
                if self._index is None:
                    self._index = KbIndex(self.store)
                    self._checked = time.monotonic()
            return self._index
        now = time.monotonic()
        if now - self._checked >= self.refresh_interval:
            self._checked = now
            self.refresh(background=self.background_rebuild)
        return self._index

    def refresh(self, *, background: bool = False) -> bool:
        """Bring the snapshot up to date with the database; True when it changed (or a rebuild started)."""
        if self._index is None:
            self._index = KbIndex(self.store)
            return True
        current = self._index.generations
        latest = self.store.generations()
        if latest == current:
            return False
        if latest[0] == current[0] and latest[2] == current[2]:
            self._index = self._index.with_subscriptions(self.store, latest)
            return True
        if not background:
            with self._build_lock:
                self._index = KbIndex(self.store, latest)
            return True
        if self._rebuilding:
            return True
        self._rebuilding = True

        def rebuild() -> None:
            try:
                with self._build_lock:
                    self._index = KbIndex(self.store)
            finally:
                self._rebuilding = False

        threading.Thread(target=rebuild, name="kb-rebuild", daemon=True).start()
        return True

    # --- packages ----------------------------------------------------------------------------------------------
    def load_kbart(self, data: bytes | Path | str, package: str, *, source: str | None = None) -> LoadReport:
        """Load a KBART file as `package` (replacing an earlier load of that name)."""
        package = _name(package, "package")
        if isinstance(data, (str, Path)):
            source = source or str(data)
            data = read_bytes(data)
        kbart = parse_kbart(data, source=source or "<upload>")
        return self.store_kbart(kbart, package)

    def store_kbart(self, kbart: KbartFile, package: str, entries=None) -> LoadReport:
        pid = self.store.replace_package(package, kbart, entries)
        return LoadReport(f"package {package}", len(kbart.entries if entries is None else entries),
                          len(kbart.errors), kbart.problems,
                          {"package_id": pid, "rows": kbart.rows, "encoding": kbart.encoding,
                           "line_ending": kbart.line_ending, "extra_columns": kbart.extra_columns})

    def delete_package(self, package: str) -> None:
        if not self.store.delete_package(package):
            raise NotFound(f"no package named {package!r}", ref=package)

    def _package_id(self, package: str) -> int:
        pid = self.store.package_id(package)
        if pid is None:
            raise NotFound(f"no package named {package!r}; load it first (yidu kb load kbart FILE --package NAME)",
                           ref=package)
        return pid

    # --- subscriptions -----------------------------------------------------------------------------------------
    def subscribe(self, library: str, package: str, *, start: str | date | None = None,
                  until: str | date | None = None) -> dict:
        self._check_library(library)
        pid = self._package_id(package)
        lo, hi = _iso_date(start, "from"), _iso_date(until, "until")
        if lo and hi and hi < lo:
            raise BadRequest(f"subscription of {library} to {package}: until {hi} is before from {lo}", ref=library)
        self.store.subscribe(library, pid, lo, hi)
        return {"library": library, "package": package, "from": lo, "until": hi}

    def unsubscribe(self, library: str, package: str) -> None:
        pid = self._package_id(package)
        if not self.store.unsubscribe(library, pid):
            raise NotFound(f"{library} does not subscribe to {package}", ref=library)

    def subscriptions(self, library: str | None = None) -> list[dict]:
        return self.store.subscriptions(library)

    # --- print holdings --------------------------------------------------------------------------------------
    def load_holdings(self, data: bytes | Path | str, library: str, *, source: str | None = None) -> LoadReport:
        """Replace `library`'s uploaded print holdings with a CSV file (see linkresolver/holdings.py)."""
        self._check_library(library)
        if isinstance(data, (str, Path)):
            source = source or str(data)
            data = read_bytes(data)
        holdings, problems = read_holdings_csv(data, library, source=source or "<upload>")
        count = self.store.replace_holdings(holdings, source="csv", library=library)
        rejected = sum(1 for p in problems if p.severity == "error")
        return LoadReport(f"print holdings of {library}", count, rejected, problems,
                          {"journals": count, "runs": sum(len(h.runs) for h in holdings)})

    def holdings_from_catalog(self, record_store: Path) -> LoadReport:
        """Replace the catalogue-derived print holdings with the serial holdings in the record store."""
        is_member = self.is_member or (lambda code: False)
        holdings, problems, seen = catalog.serial_holdings(catalog.record_store_documents(record_store), is_member)
        count = self.store.replace_holdings(holdings, source="catalog")
        return LoadReport("print holdings from the catalogue", count, 0, problems,
                          {"serial_records": seen, "libraries": len({h.library for h in holdings}),
                           "runs": sum(len(h.runs) for h in holdings)})

    def holdings(self, library: str) -> list[dict]:
        return self.store.holdings(library)

    # --- tokens ----------------------------------------------------------------------------------------------
    def create_token(self, library: str | None, *, label: str = "") -> str:
        if library is not None:
            self._check_library(library)
        return tokens.create_token(self.store, library, label=label)

    def authenticate(self, header: str | None) -> tokens.Principal:
        return tokens.authenticate(self.store, header)

    # --- status ------------------------------------------------------------------------------------------------
    def status(self, *, with_index: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"path": str(self.path), **self.store.counts(), "package_list": self.store.packages()}
        if with_index:
            started = time.perf_counter()
            index = self.index
            out["index"] = index.stats() | {"build_s": round(time.perf_counter() - started, 3)}
        return out

    def _check_library(self, library: str) -> None:
        if not library or (self.is_member is not None and not self.is_member(library)):
            raise NotFound(f"unknown library {library!r} (see yidu libraries list)", ref=library)


def _name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 200 or any(ch in value for ch in "\t\r\n/"):
        raise BadRequest(f"{what} name {value!r} must be 1-200 characters without tabs, newlines or '/'", ref=value)
    return value


def _iso_date(value: str | date | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise BadRequest(f"--{what} {value!r} is not a date (YYYY-MM-DD)", ref=str(value)) from None
