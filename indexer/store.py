"""The record store: every library's source records, and the union groups they form (SQLite).

The search index is derived data; this store is the truth it is rebuilt from. Each source record
(library, control number) is kept as mapped, with the original bytes and where it was read from,
and belongs to exactly one *group* - the union record it contributes to. Groups form by matching keys:

  isbn:<ISBN-13>   a record with ISBNs matches every group holding any of them;
  tay:<key>        normalised title + first author + year + edition. A record without ISBN joins the
                   one group with that key (preferring a group without ISBNs); a record with ISBNs
                   absorbs a group of ISBN-less records with its key, but two ISBN groups never merge
                   by title alone (different ISBNs are different editions).

Changing or removing a record marks its group dirty; `rebuild` recomputes a dirty group's members,
splitting it when the record that linked its parts is gone, so a merge is reversible. The indexer
then rewrites exactly the dirty groups' documents.
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
    PRIMARY KEY (key, sid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mkey_sid ON mkey (sid);
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


class RecordStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
                                  "PRAGMA cache_size=-65536;")
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the record store {self.path}: {exc}") from None
        self._in_tx = False

    def close(self) -> None:
        self.commit()
        self.db.close()

    # --- transactions: loads write in large batches ----------------------------------------
    def begin(self) -> None:
        if not self._in_tx:
            self.db.execute("BEGIN IMMEDIATE")
            self._in_tx = True

    def commit(self) -> None:
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False

    def rollback(self) -> None:
        if self._in_tx:
            self.db.execute("ROLLBACK")
            self._in_tx = False

    # --- generations: a full load replaces a library's records -------------------------------
    def new_generation(self) -> int:
        row = self.db.execute("SELECT v FROM meta WHERE k = 'gen'").fetchone()
        gen = int(row[0]) + 1 if row else 1
        self.db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES ('gen', ?)", (str(gen),))
        return gen

    def remove_stale(self, library: str, gen: int) -> int:
        """Remove the library's records not seen in load generation `gen` (a full reload dropped them)."""
        rows = self.db.execute("SELECT sid, grp FROM source WHERE library = ? AND gen != ?", (library, gen)).fetchall()
        for sid, grp in rows:
            self._drop(sid, grp)
        return len(rows)

    # --- writes --------------------------------------------------------------------------------
    def upsert(self, library: str, control: str, doc: dict, keys: Sequence[str], *,
               raw: bytes | None, origin: str, gen: int) -> Upsert:
        existing = self.db.execute("SELECT sid, grp FROM source WHERE library = ? AND control = ?",
                                   (library, control)).fetchone()
        if existing:
            self._unlink(*existing)
        isbn_keys = [k for k in keys if k.startswith("isbn:")]
        tay_keys = [k for k in keys if k.startswith("tay:")]
        groups = self._match(isbn_keys, tay_keys)
        if groups:
            grp = self._merge(groups)
        elif existing and not self._others_in(existing[1], existing[0]):
            grp = existing[1]  # a reloaded record that still stands alone keeps its group (and document id)
        else:
            grp = self._new_group()
        blob = orjson.dumps(doc)
        packed_raw = zlib.compress(raw, 1) if raw else None
        params = (library, control, grp, 1 if isbn_keys else 0, gen, blob, packed_raw, origin, time.time())
        if existing:
            sid = existing[0]
            self.db.execute("UPDATE source SET library=?, control=?, grp=?, has_isbn=?, gen=?, doc=?, raw=?, origin=?, "
                            "loaded_at=? WHERE sid=?", (*params, sid))
        else:
            sid = self.db.execute("INSERT INTO source (library, control, grp, has_isbn, gen, doc, raw, origin, loaded_at)"
                                  " VALUES (?,?,?,?,?,?,?,?,?)", params).lastrowid
        self.db.executemany("INSERT OR IGNORE INTO mkey (key, sid) VALUES (?, ?)", [(k, sid) for k in keys])
        self._dirty(grp)
        return Upsert(created=existing is None, merged=bool(groups))

    def delete(self, library: str, control: str) -> bool:
        row = self.db.execute("SELECT sid, grp FROM source WHERE library = ? AND control = ?",
                              (library, control)).fetchone()
        if not row:
            return False
        self._drop(*row)
        return True

    def remove_library(self, library: str) -> int:
        rows = self.db.execute("SELECT sid, grp FROM source WHERE library = ?", (library,)).fetchall()
        for sid, grp in rows:
            self._drop(sid, grp)
        return len(rows)

    def _drop(self, sid: int, grp: int) -> None:
        self._unlink(sid, grp)
        self.db.execute("DELETE FROM source WHERE sid = ?", (sid,))

    def _unlink(self, sid: int, grp: int) -> None:
        self.db.execute("DELETE FROM mkey WHERE sid = ?", (sid,))
        self._dirty(grp)

    def _match(self, isbn_keys: list[str], tay_keys: list[str]) -> list[int]:
        groups: set[int] = set()
        if isbn_keys:
            marks = ",".join("?" * len(isbn_keys))
            groups.update(g for (g,) in self.db.execute(
                f"SELECT DISTINCT s.grp FROM mkey k JOIN source s ON s.sid = k.sid WHERE k.key IN ({marks})", isbn_keys))
        if not tay_keys:
            return sorted(groups)
        rows = self.db.execute(
            "SELECT s.grp, MAX(g2.has_isbn) FROM mkey k JOIN source s ON s.sid = k.sid "
            "JOIN source g2 ON g2.grp = s.grp WHERE k.key = ? GROUP BY s.grp", (tay_keys[0],)).fetchall()
        isbnless = [g for g, any_isbn in rows if not any_isbn]
        if isbn_keys:
            groups.update(isbnless)  # an ISBN record absorbs same-title ISBN-less records
        elif isbnless:
            groups.add(min(isbnless))
        elif len(rows) == 1:
            groups.add(rows[0][0])  # exactly one edition with this title: the ISBN-less record is a copy of it
        return sorted(groups)

    def _others_in(self, grp: int, sid: int) -> bool:
        return self.db.execute("SELECT 1 FROM source WHERE grp = ? AND sid != ? LIMIT 1", (grp, sid)).fetchone() is not None

    def _merge(self, groups: list[int]) -> int:
        target, others = groups[0], groups[1:]
        for g in others:
            self.db.execute("UPDATE source SET grp = ? WHERE grp = ?", (target, g))
            self._dirty(g)
        return target

    def _new_group(self) -> int:
        return self.db.execute("INSERT INTO grp (uid, dirty) VALUES (NULL, 1)").lastrowid

    def _dirty(self, grp: int) -> None:
        self.db.execute("UPDATE grp SET dirty = 1 WHERE grp = ?", (grp,))

    # --- reads for the indexer ----------------------------------------------------------------
    def count_dirty(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM grp WHERE dirty = 1").fetchone()[0]

    def iter_groups(self, *, dirty_only: bool, batch: int = 500) -> Iterator[tuple[int, str | None, list[Member]]]:
        """Every (dirty) group with its members, in group order; an emptied group comes with [].

        Pages by group id (keyset), so callers may mark groups built while iterating and memory
        stays flat however many groups there are."""
        last = 0
        where = "AND dirty = 1" if dirty_only else ""
        while True:
            page = self.db.execute(f"SELECT grp, uid FROM grp WHERE grp > ? {where} ORDER BY grp LIMIT ?",
                                   (last, batch)).fetchall()
            if not page:
                return
            last = page[-1][0]
            members: dict[int, list[Member]] = {g: [] for g, _ in page}
            marks = ",".join("?" * len(page))
            for grp, lib, ctl, doc, origin in self.db.execute(
                    f"SELECT grp, library, control, doc, origin FROM source WHERE grp IN ({marks}) "
                    f"ORDER BY grp, library, control", [g for g, _ in page]):
                members[grp].append(Member(lib, ctl, orjson.loads(doc), origin))
            for grp, uid in page:
                yield grp, uid, members[grp]

    def sources_of(self, grp: int) -> list[tuple[str, str, str, int]]:
        """(library, control, origin, load generation) of a group's members."""
        return self.db.execute("SELECT library, control, origin, gen FROM source WHERE grp = ?", (grp,)).fetchall()

    def keys_of(self, grp: int) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = {}
        for lib, ctl, key in self.db.execute(
                "SELECT s.library, s.control, k.key FROM source s JOIN mkey k ON k.sid = s.sid WHERE s.grp = ?", (grp,)):
            out.setdefault((lib, ctl), []).append(key)
        return out

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
        new = []
        for component in components[1:]:
            g = self._new_group()
            self.db.executemany("UPDATE source SET grp = ? WHERE library = ? AND control = ?",
                                [(g, lib, ctl) for lib, ctl in component])
            new.append(g)
        return new

    def raw(self, library: str, control: str) -> bytes | None:
        row = self.db.execute("SELECT raw FROM source WHERE library = ? AND control = ?", (library, control)).fetchone()
        return zlib.decompress(row[0]) if row and row[0] else None

    def counts(self) -> dict[str, int]:
        sources = self.db.execute("SELECT COUNT(*) FROM source").fetchone()[0]
        groups = self.db.execute("SELECT COUNT(DISTINCT grp) FROM source").fetchone()[0]
        return {"sources": sources, "groups": groups, "dirty": self.count_dirty()}

    def libraries(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT library, COUNT(*) FROM source GROUP BY library ORDER BY library"))

    def meta_get(self, key: str) -> Any:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return row[0] if row else None

    def meta_set(self, key: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (key, str(value)))
