"""The record store: every library's source records, and the union groups they form (SQLite).

The search index is derived data; this store is the truth it is rebuilt from. Each source record
(library, control number) is kept as mapped, with the original bytes and where it was read from,
and belongs to exactly one *group* - the union record it contributes to. Groups form by matching keys:

  isbn:<ISBN-13>   a record with ISBNs matches every group holding any of them;
  tay:<key>        normalised title + first author + year + edition. A record without ISBN joins the
                   one group with that key (preferring a group without ISBNs); a record with ISBNs
                   absorbs a group of ISBN-less records with its key, but two ISBN groups never merge
                   by title alone (different ISBNs are different editions).

Changing or removing a record marks its group dirty; the indexer recomputes a dirty group's members
(`indexer.union.components`), splitting it when the record that linked its parts is gone, so a merge
is reversible, and then rewrites exactly the dirty groups' documents.

Loads write hundreds of thousands of records, so new rows are buffered and written with
`executemany` (matching consults the buffer too); anything that reads or rewrites existing rows
flushes first. Every key row carries its record's group, so matching is one indexed look-up.
"""
from __future__ import annotations

import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import orjson

from indexer.errors import StoreError

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS source (
    sid INTEGER PRIMARY KEY,
    library TEXT NOT NULL,
    control TEXT NOT NULL,
    grp INTEGER NOT NULL,
    has_isbn INTEGER NOT NULL,
    gen INTEGER NOT NULL,
    doc BLOB NOT NULL,
    raw BLOB,
    origin TEXT NOT NULL,
    loaded_at REAL NOT NULL,
    UNIQUE (library, control)
);
CREATE INDEX IF NOT EXISTS source_grp ON source (grp);
CREATE TABLE IF NOT EXISTS mkey (
    key TEXT NOT NULL,
    sid INTEGER NOT NULL,
    grp INTEGER NOT NULL,
    has_isbn INTEGER NOT NULL,
    PRIMARY KEY (key, sid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mkey_sid ON mkey (sid);
CREATE INDEX IF NOT EXISTS mkey_grp ON mkey (grp);
CREATE TABLE IF NOT EXISTS grp (
    grp INTEGER PRIMARY KEY,
    uid TEXT,
    dirty INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS grp_dirty ON grp (dirty) WHERE dirty = 1;
CREATE INDEX IF NOT EXISTS grp_uid ON grp (uid);
CREATE TABLE IF NOT EXISTS doomed (uid TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
"""
_INSERT_SOURCE = ("INSERT INTO source (sid, library, control, grp, has_isbn, gen, doc, raw, origin, loaded_at) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?)")
_INSERT_KEY = "INSERT OR IGNORE INTO mkey (key, sid, grp, has_isbn) VALUES (?,?,?,?)"


@dataclass(frozen=True)
class Member:
    """One source record as the union builder sees it."""

    library: str
    control: str
    doc: dict
    origin: str


@dataclass(frozen=True)
class Upsert:
    created: bool  # a new source record (else: a replacement of the library's earlier version)
    merged: bool  # it joined a group that already had other members


class _Buffer:
    """New rows not yet written, and what matching needs to know about them."""

    def __init__(self) -> None:
        self.sources: list[tuple] = []
        self.keys: list[tuple] = []
        self.groups: list[tuple] = []
        self.dirty: set[int] = set()
        self.by_key: dict[str, list[tuple[int, int]]] = {}  # key -> [(grp, has_isbn)]
        self.controls: set[tuple[str, str]] = set()

    def __bool__(self) -> bool:
        return bool(self.sources or self.groups or self.dirty)


class RecordStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
                                  "PRAGMA cache_size=-65536;")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            fresh = not self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'source'").fetchone()
            if not fresh and version != SCHEMA_VERSION:
                raise StoreError(f"the record store {self.path} has schema version {version}, this version needs "
                                 f"{SCHEMA_VERSION}: move it away and load the catalogue again")
            self.db.executescript(SCHEMA)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the record store {self.path}: {exc}") from None
        self._in_tx = False
        self._buf = _Buffer()
        self._next_sid: int | None = None
        self._next_grp: int | None = None

    def close(self) -> None:
        self.commit()
        self.db.close()

    # --- transactions: loads write in large batches ----------------------------------------
    def begin(self) -> None:
        if not self._in_tx:
            self.db.execute("BEGIN IMMEDIATE")
            self._in_tx = True

    def commit(self) -> None:
        self._flush()
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False

    def rollback(self) -> None:
        self._buf = _Buffer()
        self._next_sid = self._next_grp = None
        if self._in_tx:
            self.db.execute("ROLLBACK")
            self._in_tx = False

    def _flush(self) -> None:
        buf = self._buf
        if not buf:
            return
        self.db.executemany("INSERT INTO grp (grp, uid, dirty) VALUES (?, NULL, 1)", buf.groups)
        self.db.execute("SAVEPOINT flush")
        try:
            self.db.executemany(_INSERT_SOURCE, buf.sources)
            self.db.executemany(_INSERT_KEY, buf.keys)
        except sqlite3.IntegrityError:
            self.db.execute("ROLLBACK TO flush")
            self._flush_one_by_one(buf)
        self.db.execute("RELEASE flush")
        self.db.executemany("UPDATE grp SET dirty = 1 WHERE grp = ?", [(g,) for g in buf.dirty])
        self._buf = _Buffer()

    def _flush_one_by_one(self, buf: _Buffer) -> None:
        """A control number twice in one first load: the later record replaces the earlier one."""
        keys_of: dict[int, list[tuple]] = {}
        for row in buf.keys:
            keys_of.setdefault(row[1], []).append(row)
        for row in buf.sources:
            sid, library, control = row[0], row[1], row[2]
            existing = self.db.execute("SELECT sid, grp FROM source WHERE library = ? AND control = ?",
                                       (library, control)).fetchone()
            if existing:
                self._unlink(*existing)
                self.db.execute("UPDATE source SET grp=?, has_isbn=?, gen=?, doc=?, raw=?, origin=?, loaded_at=? "
                                "WHERE sid=?", (*row[3:], existing[0]))
                sid = existing[0]
            else:
                self.db.execute(_INSERT_SOURCE, row)
            self.db.executemany(_INSERT_KEY, [(k, sid, g, h) for k, _, g, h in keys_of.get(row[0], ())])

    # --- generations: a full load replaces a library's records -------------------------------
    def new_generation(self) -> int:
        row = self.db.execute("SELECT v FROM meta WHERE k = 'gen'").fetchone()
        gen = int(row[0]) + 1 if row else 1
        self.db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('gen', ?)", (str(gen),))
        return gen

    def remove_stale(self, library: str, gen: int) -> int:
        """Remove the library's records not seen in load generation `gen` (a full reload dropped them)."""
        self._flush()
        rows = self.db.execute("SELECT sid, grp FROM source WHERE library = ? AND gen != ?", (library, gen)).fetchall()
        for sid, grp in rows:
            self._drop(sid, grp)
        return len(rows)

    # --- writes --------------------------------------------------------------------------------
    def upsert(self, library: str, control: str, doc: dict | bytes, keys: Sequence[str], *,
               raw: bytes | None, origin: str, gen: int, raw_packed: bool = False,
               known_new: bool = False) -> Upsert:
        """Store one source record and put it in its group. `doc` may come serialised (bytes) and `raw`
        already zlib-compressed (`raw_packed`), as worker processes send them; `known_new` says the
        library had no records before this load, which spares the look-up of an earlier version."""
        existing = None
        if not known_new or (library, control) in self._buf.controls:
            self._flush()
            existing = self.db.execute("SELECT sid, grp FROM source WHERE library = ? AND control = ?",
                                       (library, control)).fetchone()
            if existing:
                self._unlink(*existing)
        isbn_keys = [k for k in keys if k.startswith("isbn:")]
        tay_key = next((k for k in keys if k.startswith("tay:")), None)
        has_isbn = 1 if isbn_keys else 0
        groups = self._match(keys, bool(isbn_keys), tay_key)
        if len(groups) > 1:
            grp = self._merge(groups)
        elif groups:
            grp = groups[0]
        elif existing and not self._others_in(existing[1], existing[0]):
            grp = existing[1]  # a reloaded record that still stands alone keeps its group (and document id)
        else:
            grp = self._allocate_group()
        blob = doc if isinstance(doc, bytes) else orjson.dumps(doc)
        packed = raw if raw_packed else (zlib.compress(raw, 1) if raw else None)
        if existing:
            sid = existing[0]
            self.db.execute("UPDATE source SET grp=?, has_isbn=?, gen=?, doc=?, raw=?, origin=?, loaded_at=? "
                            "WHERE sid=?", (grp, has_isbn, gen, blob, packed, origin, time.time(), sid))
            self.db.executemany(_INSERT_KEY, [(k, sid, grp, has_isbn) for k in keys])
        else:
            sid = self._allocate_sid()
            buf = self._buf
            buf.sources.append((sid, library, control, grp, has_isbn, gen, blob, packed, origin, time.time()))
            buf.controls.add((library, control))
            for k in keys:
                buf.keys.append((k, sid, grp, has_isbn))
                buf.by_key.setdefault(k, []).append((grp, has_isbn))
        if groups or existing:
            self._buf.dirty.add(grp)  # a new group is born dirty
        return Upsert(created=existing is None, merged=bool(groups))

    def has_library(self, library: str) -> bool:
        self._flush()
        return self.db.execute("SELECT 1 FROM source WHERE library = ? LIMIT 1", (library,)).fetchone() is not None

    def delete(self, library: str, control: str) -> bool:
        self._flush()
        row = self.db.execute("SELECT sid, grp FROM source WHERE library = ? AND control = ?",
                              (library, control)).fetchone()
        if not row:
            return False
        self._drop(*row)
        return True

    def remove_library(self, library: str) -> int:
        self._flush()
        rows = self.db.execute("SELECT sid, grp FROM source WHERE library = ?", (library,)).fetchall()
        for sid, grp in rows:
            self._drop(sid, grp)
        return len(rows)

    def _drop(self, sid: int, grp: int) -> None:
        self._unlink(sid, grp)
        self.db.execute("DELETE FROM source WHERE sid = ?", (sid,))

    def _unlink(self, sid: int, grp: int) -> None:
        self.db.execute("DELETE FROM mkey WHERE sid = ?", (sid,))
        self.db.execute("UPDATE grp SET dirty = 1 WHERE grp = ?", (grp,))

    def _others_in(self, grp: int, sid: int) -> bool:
        return self.db.execute("SELECT 1 FROM source WHERE grp = ? AND sid != ? LIMIT 1", (grp, sid)).fetchone() is not None

    def _match(self, keys: Sequence[str], has_isbn: bool, tay_key: str | None) -> list[int]:
        """The groups this record belongs with (see the module docstring for the rules)."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        hits = self.db.execute(f"SELECT key, grp, has_isbn FROM mkey WHERE key IN ({marks})", list(keys)).fetchall()
        for k in keys:
            hits.extend((k, g, h) for g, h in self._buf.by_key.get(k, ()))
        groups = {g for k, g, _ in hits if k != tay_key}  # ISBN matches
        titled: dict[int, int] = {}
        for k, g, h in hits:
            if k == tay_key:
                titled[g] = max(titled.get(g, 0), h)
        isbnless = [g for g, h in titled.items() if not h]
        if has_isbn:
            groups.update(isbnless)  # an ISBN record absorbs same-title ISBN-less records
        elif isbnless:
            groups.add(min(isbnless))
        elif len(titled) == 1:
            groups.update(titled)  # exactly one edition with this title: the ISBN-less record is a copy of it
        return sorted(groups)

    def _merge(self, groups: list[int]) -> int:
        self._flush()
        target, others = groups[0], groups[1:]
        for g in others:
            self.db.execute("UPDATE source SET grp = ? WHERE grp = ?", (target, g))
            self.db.execute("UPDATE mkey SET grp = ? WHERE grp = ?", (target, g))
            self.db.execute("UPDATE grp SET dirty = 1 WHERE grp = ?", (g,))
        return target

    def _allocate_sid(self) -> int:
        if self._next_sid is None:
            self._next_sid = (self.db.execute("SELECT MAX(sid) FROM source").fetchone()[0] or 0) + 1
        sid, self._next_sid = self._next_sid, self._next_sid + 1
        return sid

    def _allocate_group(self) -> int:
        if self._next_grp is None:
            self._next_grp = (self.db.execute("SELECT MAX(grp) FROM grp").fetchone()[0] or 0) + 1
        grp, self._next_grp = self._next_grp, self._next_grp + 1
        self._buf.groups.append((grp,))
        return grp

    # --- reads for the indexer ----------------------------------------------------------------
    def count_dirty(self) -> int:
        self._flush()
        return self.db.execute("SELECT COUNT(*) FROM grp WHERE dirty = 1").fetchone()[0]

    def iter_groups(self, *, dirty_only: bool, batch: int = 500) -> Iterator[tuple[int, str | None, list[Member]]]:
        """Every (dirty) group with its members, in group order; an emptied group comes with [].

        Pages by group id (keyset), so callers may mark groups built while iterating and memory
        stays flat however many groups there are."""
        for page in self.group_pages(dirty_only=dirty_only, batch=batch):
            for grp, uid, rows in page:
                yield grp, uid, [Member(lib, ctl, orjson.loads(doc), origin) for lib, ctl, doc, origin in rows]

    def group_pages(self, *, dirty_only: bool, batch: int = 200) -> Iterator[list[tuple]]:
        """Like iter_groups, but pages of raw rows for worker processes:
        [(grp, uid, [(library, control, doc_bytes, origin), ...]), ...]."""
        self._flush()
        last = 0
        where = "AND dirty = 1" if dirty_only else ""
        while True:
            page = self.db.execute(f"SELECT grp, uid FROM grp WHERE grp > ? {where} ORDER BY grp LIMIT ?",
                                   (last, batch)).fetchall()
            if not page:
                return
            last = page[-1][0]
            rows: dict[int, list[tuple]] = {g: [] for g, _ in page}
            marks = ",".join("?" * len(page))
            for grp, lib, ctl, doc, origin in self.db.execute(
                    f"SELECT grp, library, control, doc, origin FROM source WHERE grp IN ({marks}) "
                    f"ORDER BY grp, library, control", [g for g, _ in page]):
                rows[grp].append((lib, ctl, doc, origin))
            yield [(grp, uid, rows[grp]) for grp, uid in page]

    def sources_of(self, grp: int) -> list[tuple[str, str, str, int]]:
        """(library, control, origin, load generation) of a group's members."""
        self._flush()
        return self.db.execute("SELECT library, control, origin, gen FROM source WHERE grp = ?", (grp,)).fetchall()

    def mark_built(self, grp: int, uid: str | None) -> None:
        self.db.execute("UPDATE grp SET dirty = 0, uid = ? WHERE grp = ?", (uid, grp))

    def mark_dirty(self, groups: Iterable[int]) -> None:
        self.db.executemany("UPDATE grp SET dirty = 1 WHERE grp = ?", [(g,) for g in groups])

    def forget_group(self, grp: int) -> None:
        self.db.execute("DELETE FROM grp WHERE grp = ?", (grp,))

    # --- documents to delete: applied after the writes, and only if no group took the id over --------
    def doom(self, uid: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO doomed (uid) VALUES (?)", (uid,))

    def take_doomed(self) -> list[str]:
        uids = [u for (u,) in self.db.execute(
            "SELECT d.uid FROM doomed d WHERE NOT EXISTS (SELECT 1 FROM grp g WHERE g.uid = d.uid)")]
        self.db.execute("DELETE FROM doomed")
        return uids

    def split(self, grp: int, components: list[list[tuple[str, str]]]) -> list[int]:
        """Give every component after the first its own new group; returns the new group ids."""
        self._flush()
        new = []
        for component in components[1:]:
            g = self._allocate_group()
            self._flush()
            for lib, ctl in component:
                sid = self.db.execute("SELECT sid FROM source WHERE library = ? AND control = ?", (lib, ctl)).fetchone()
                if sid:
                    self.db.execute("UPDATE source SET grp = ? WHERE sid = ?", (g, sid[0]))
                    self.db.execute("UPDATE mkey SET grp = ? WHERE sid = ?", (g, sid[0]))
            new.append(g)
        return new

    def raw(self, library: str, control: str) -> bytes | None:
        self._flush()
        row = self.db.execute("SELECT raw FROM source WHERE library = ? AND control = ?", (library, control)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] else None

    def counts(self) -> dict[str, int]:
        self._flush()
        sources = self.db.execute("SELECT COUNT(*) FROM source").fetchone()[0]
        groups = self.db.execute("SELECT COUNT(DISTINCT grp) FROM source").fetchone()[0]
        return {"sources": sources, "groups": groups, "dirty": self.count_dirty()}

    def libraries(self) -> dict[str, int]:
        self._flush()
        return dict(self.db.execute("SELECT library, COUNT(*) FROM source GROUP BY library ORDER BY library"))

    def meta_get(self, key: str) -> Any:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return row[0] if row else None

    def meta_set(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (str(key), str(value)))
