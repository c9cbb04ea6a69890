"""What the union catalogue (indexer/store.py, the record store) tells the resolver.

* `serial_holdings`: every member's print journal holdings, from the MARC holdings summaries (866 $a,
  CNMARC 905 $y, mapped to `summary` by harvesters/marc/lookups/holdings_profiles.json) of records of
  type serial with an ISSN - `yidu kb holdings from-catalog`.
* `CatalogCopies`: which members hold a book (by ISBN) in print or as an e-book, with the control
  number their OPAC knows it by - the print and interlibrary-loan options of book citations. It reads
  the record store through its own read-only SQLite connection, so a resolver never writes to it.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import orjson

from linkresolver.holdings import Holding, parse_summary
from linkresolver.kbart import Problem
from yidu import identifiers

SERIAL_TYPES = frozenset({"serial"})
EBOOK_TYPES = frozenset({"ebook", "electronic"})


def _holder(entry: dict, library: str, is_member: Callable[[str], bool]) -> str:
    """The library a holdings entry belongs to: its institution when that is another member (a union
    catalogue uploads for several), else the record's own library (as indexer/union.py does)."""
    inst = entry.get("institution")
    return inst if inst and inst != library and is_member(inst) else library


def serial_holdings(records: Iterable[tuple[str, str, dict]], is_member: Callable[[str], bool]
                    ) -> tuple[list[Holding], list[Problem], int]:
    """(holdings, problems, serial records seen) from (library, control number, mapped doc) triples."""
    holdings: list[Holding] = []
    problems: list[Problem] = []
    seen = 0
    for library, control, doc in records:
        if doc.get("type") not in SERIAL_TYPES or doc.get("deleted"):
            continue
        issns = tuple(dict.fromkeys(filter(None, (identifiers.issn(i) for i in doc.get("issn") or ()))))
        if not issns:
            continue
        seen += 1
        by_library: dict[str, list] = {}
        for entry in doc.get("holdings") or [{}]:
            by_library.setdefault(_holder(entry, library, is_member), []).append(entry)
        for holder, entries in by_library.items():
            runs, summaries = [], []
            for entry in entries:
                summary = (entry.get("summary") or "").strip()
                if not summary:
                    continue
                summaries.append(summary)
                parsed, problem = parse_summary(summary)
                runs.extend(r for r in parsed if r not in runs)
                if problem:
                    problems.append(Problem(0, "warning", f"{holder} {control}: holdings {summary!r}: {problem}"))
            holdings.append(Holding(holder, issns, doc.get("title") or "", tuple(runs), "; ".join(summaries),
                                    control, "", 0))
    return holdings, problems, seen


def record_store_documents(path: Path) -> Iterator[tuple[str, str, dict]]:
    """(library, control, doc) of every source record in the record store at `path`."""
    from indexer.store import RecordStore

    store = RecordStore(path)
    try:
        for _grp, _uid, members in store.iter_groups(dirty_only=False):
            for m in members:
                yield m.library, m.control, m.doc
    finally:
        store.close()


@dataclass(frozen=True, slots=True)
class Copy:
    library: str
    control_number: str
    kind: str  # "print" or "ebook"
    call_number: str = ""


class CatalogCopies:
    """Members holding a book, looked up by ISBN-13 in the record store (read-only)."""

    def __init__(self, path: Path, is_member: Callable[[str], bool]):
        self.path = Path(path)
        self.is_member = is_member
        self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)

    @classmethod
    def open(cls, path: Path, is_member: Callable[[str], bool]) -> "CatalogCopies | None":
        """None when there is no record store yet (no catalogue loaded)."""
        if not Path(path).exists():
            return None
        try:
            return cls(path, is_member)
        except sqlite3.Error:
            return None

    def copies(self, isbns: Iterable[str]) -> list[Copy]:
        keys = [f"isbn:{i}" for i in isbns]
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        try:
            rows = self.db.execute(f"SELECT DISTINCT s.library, s.control, s.doc FROM mkey k JOIN source s "
                                   f"ON s.sid = k.sid WHERE k.key IN ({marks})", keys).fetchall()
        except sqlite3.Error:
            return []  # a store without tables yet, or locked by a rebuild: no catalogue answer
        out: list[Copy] = []
        seen: set[tuple[str, str]] = set()
        for library, control, blob in rows:
            doc = orjson.loads(blob)
            if doc.get("deleted"):
                continue
            kind = "ebook" if doc.get("type") in EBOOK_TYPES else "print"
            for entry in doc.get("holdings") or [{}]:
                holder = _holder(entry, library, self.is_member)
                if (holder, kind) in seen:
                    continue
                seen.add((holder, kind))
                out.append(Copy(holder, control, kind, entry.get("call_number") or ""))
        return out

    def close(self) -> None:
        self.db.close()
