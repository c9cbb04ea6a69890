"""The ISSN-L table: which linking ISSN groups each ISSN (SQLite, `<state>/issnl.sqlite`).

Articles and journals are grouped, deduplicated and scoped by ISSN-L, the ISSN that links a
journal's print and electronic ISSNs. Each row maps one ISSN to its ISSN-L and says how sure that is:

  centre    the ISSN International Centre's "ISSN-to-ISSN-L" table (TSV, header `ISSN<TAB>ISSN-L`),
            loaded with `yidu articles issnl FILE`. Authoritative: it replaces every other answer.
  learned   from a record that says which ISSN links the group: the linking ISSN the feed states
            (PubMed ISSNLinking, MEDLINE "(Linking)", JATS <issn-l>, NLM serials), else its ISSN typed
            as print (the ISSN Centre usually makes the print ISSN the ISSN-L).
  guessed   from a record whose ISSNs carry no types (older Crossref items, some CSV files): the first one.

Without the table, ISSNs that appear together on one article or journal record are one journal's. A
record's ISSN-L is the one its ISSNs already have - the strongest: centre, learned, guessed - so ids
stay stable; except that learned evidence overrides a guess: a record stating the linking ISSN (or a
typed print ISSN) of a group that was only guessed re-points the whole group, and the loader moves the
documents filed under the guessed value (`take_relinks`, indexer.articles.ArticleLoader.relink). Two
learned groups a later record joins stay apart until the centre's table says otherwise.

Loading the centre table reports which non-centre ISSN-Ls it corrects (old -> new); those documents
are relinked the same way.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from harvesters.feeds.records import Issn
from indexer.errors import StoreError
from yidu import identifiers

SCHEMA = """
CREATE TABLE IF NOT EXISTS issnl (
    issn TEXT PRIMARY KEY,
    issn_l TEXT NOT NULL,
    origin TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS issnl_by_l ON issnl (issn_l);
"""
CENTRE, LEARNED, GUESSED = "centre", "learned", "guessed"
_BATCH = 50_000
_CACHE_MAX = 200_000


@dataclass
class CentreLoad:
    rows: int = 0
    bad_lines: list[str] = field(default_factory=list)  # "line N: reason"
    relinked: dict[str, str] = field(default_factory=dict)  # learned or guessed ISSN-L -> the centre's
    seconds: float = 0.0


class IssnLTable:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the ISSN-L table {self.path}: {exc}") from None
        self._cache: dict[str, tuple[str, str]] = {}
        self._relinks: dict[str, str] = {}  # guessed ISSN-L -> the learned one that replaced it

    def close(self) -> None:
        self.commit()
        self.db.close()

    def begin(self) -> None:
        """Learned links of a page of records go in one transaction."""
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    # --- reading ----------------------------------------------------------------------------------
    def rows(self, issns: Iterable[str]) -> dict[str, tuple[str, str]]:
        """issn -> (issn_l, origin) for the ISSNs the table knows."""
        out: dict[str, tuple[str, str]] = {}
        missing = []
        for i in dict.fromkeys(issns):
            if i in self._cache:
                out[i] = self._cache[i]
            else:
                missing.append(i)
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for issn, issn_l, origin in self.db.execute(
                    f"SELECT issn, issn_l, origin FROM issnl WHERE issn IN ({marks})", chunk):
                out[issn] = (issn_l, origin)
        self._remember(out)
        return out

    def lookup(self, issns: Iterable[str]) -> dict[str, str]:
        """issn -> ISSN-L; an ISSN the table does not know is its own ISSN-L."""
        issns = list(issns)
        known = self.rows(issns)
        return {i: known[i][0] if i in known else i for i in issns}

    def members(self, issn_l: str) -> list[str]:
        return [i for (i,) in self.db.execute("SELECT issn FROM issnl WHERE issn_l = ? ORDER BY issn", (issn_l,))]

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT origin, COUNT(*) FROM issnl GROUP BY origin"))

    # --- grouping a record's ISSNs ---------------------------------------------------------------
    def resolve(self, issns: Sequence[Issn], hint: str | None = None) -> str | None:
        """The ISSN-L of the journal these ISSNs (of one record) belong to, learning the links."""
        if not issns and not hint:
            return None
        values = [i.value for i in sorted(issns, key=lambda i: i.kind != "print")]  # print first
        known = self.rows(values + ([hint] if hint else []))
        by_origin = {origin: [known[v][0] for v in values + ([hint] if hint else []) if v in known
                              and known[v][1] == origin] for origin in (CENTRE, LEARNED, GUESSED)}
        evidence = hint or next((i.value for i in issns if i.kind == "print"), None)
        if by_origin[CENTRE]:
            chosen, origin = by_origin[CENTRE][0], LEARNED
        elif by_origin[LEARNED]:
            chosen, origin = by_origin[LEARNED][0], LEARNED
        elif evidence:
            chosen, origin = evidence, LEARNED
            for guessed in set(by_origin[GUESSED]) - {chosen}:
                self._relink(guessed, chosen)
        elif by_origin[GUESSED]:
            chosen, origin = by_origin[GUESSED][0], GUESSED
        else:
            chosen, origin = values[0], GUESSED
        fresh = [(v, chosen, origin) for v in dict.fromkeys(values + [chosen]) if v not in known]
        if fresh:
            self.db.executemany("INSERT OR IGNORE INTO issnl (issn, issn_l, origin) VALUES (?, ?, ?)", fresh)
            self._remember({v: (chosen, origin) for v, _, _ in fresh})
        return chosen

    def _relink(self, old: str, new: str) -> None:
        """A guessed group gets the ISSN-L learned evidence gives it."""
        self.db.execute("UPDATE issnl SET issn_l = ?, origin = ? WHERE issn_l = ? AND origin = ?",
                        (new, LEARNED, old, GUESSED))
        self._cache.clear()
        for before, after in list(self._relinks.items()):
            if after == old:
                self._relinks[before] = new
        self._relinks[old] = new

    def take_relinks(self) -> dict[str, str]:
        """The ISSN-Ls replaced since the last call (documents filed under them must move)."""
        out, self._relinks = self._relinks, {}
        return out

    def _remember(self, found: dict[str, tuple[str, str]]) -> None:
        if len(self._cache) > _CACHE_MAX:
            self._cache.clear()
        self._cache.update(found)

    # --- the ISSN International Centre's table -------------------------------------------------
    def load_centre(self, path: Path | str) -> CentreLoad:
        """Replace the centre rows with the file's; report bad lines and the learned ISSN-Ls it corrects."""
        import time

        started = time.perf_counter()
        result = CentreLoad()
        db = self.db
        self.commit()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS centre_new (issn TEXT PRIMARY KEY, issn_l TEXT NOT NULL)"
                       " WITHOUT ROWID")
            db.execute("DELETE FROM centre_new")
            batch: list[tuple[str, str]] = []
            for pair in self._read_centre(Path(path), result):
                batch.append(pair)
                if len(batch) >= _BATCH:
                    db.executemany("INSERT OR REPLACE INTO centre_new VALUES (?, ?)", batch)
                    batch.clear()
            db.executemany("INSERT OR REPLACE INTO centre_new VALUES (?, ?)", batch)
            result.rows = db.execute("SELECT COUNT(*) FROM centre_new").fetchone()[0]
            for old, new in db.execute(
                    "SELECT l.issn_l, MIN(c.issn_l) FROM issnl l JOIN centre_new c ON c.issn = l.issn "
                    "WHERE l.origin != ? AND c.issn_l != l.issn_l GROUP BY l.issn_l", (CENTRE,)).fetchall():
                result.relinked[old] = new
            db.execute("DELETE FROM issnl WHERE origin = ?", (CENTRE,))
            db.execute("INSERT OR REPLACE INTO issnl (issn, issn_l, origin) SELECT issn, issn_l, ? FROM centre_new",
                       (CENTRE,))
            db.executemany("UPDATE issnl SET issn_l = ? WHERE issn_l = ? AND origin != ?",
                           [(new, old, CENTRE) for old, new in result.relinked.items()])
            db.execute("DELETE FROM centre_new")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._cache.clear()
        result.seconds = round(time.perf_counter() - started, 3)
        return result

    @staticmethod
    def _read_centre(path: Path, result: CentreLoad):
        try:
            handle = open(path, encoding="utf-8-sig", errors="replace", newline="")
        except OSError as exc:
            raise StoreError(f"cannot read the ISSN-L table {path}: {exc.strerror or exc}", ref=str(path)) from None
        with handle:
            for n, line in enumerate(handle, 1):
                parts = line.rstrip("\r\n").split("\t")
                if n == 1 and parts[0].strip().upper() == "ISSN":
                    if len(parts) < 2 or parts[1].strip().upper().replace(" ", "") != "ISSN-L":
                        raise StoreError(f"{path}: header must be ISSN<TAB>ISSN-L, got {line.strip()!r}",
                                         ref=str(path))
                    continue
                if not line.strip():
                    continue
                issn = identifiers.issn(parts[0]) if parts[0].strip() else None
                issn_l = identifiers.issn(parts[1]) if len(parts) > 1 and parts[1].strip() else None
                if issn and issn_l:
                    yield issn, issn_l
                elif len(result.bad_lines) < 1000:
                    result.bad_lines.append(f"line {n}: expected ISSN<TAB>ISSN-L, got {line.strip()[:60]!r}")
