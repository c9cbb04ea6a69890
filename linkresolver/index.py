"""The in-memory lookup structures the resolver reads: one immutable snapshot of the knowledge base.

Sized for the real thing (tens of thousands of coverage ranges, a thousand libraries, hundreds of
thousands of print runs), so it is built from arrays, not objects:

* identifiers (ISSN, ISBN-13) -> *title group*; a group is one journal (its print and online ISSNs,
  joined through every KBART row, `all_issns` and print holdings that list them together: the ISSN-L
  grouping) or one book; title keys -> groups, for citations without identifiers;
* coverage ranges sorted by group, as parallel `array`s (package, dates, volumes, embargo, flags),
  with `g_first[g] : g_first[g + 1]` the slice of group g;
* print runs sorted by (group, library), likewise;
* subscriptions: per library a dict package -> (start, end); per package the subscribers;
* text (URLs, DOIs, titles, publishers) in `StringTable`s: one string plus an offset array.

A snapshot never changes; `KnowledgeBase` builds a new one when the database moves on and swaps it in.
"""
from __future__ import annotations

import sys
from array import array
from dataclasses import dataclass
from datetime import date
from typing import Iterable

import orjson

from linkresolver.coverage import UNKNOWN
from linkresolver.dates import OPEN_HI, OPEN_LO
from linkresolver.embargo import Embargo, parse_embargo
from linkresolver.holdings import OPEN, Run
from linkresolver.store import KbStore
from linkresolver.titles import similar, title_key

FULLTEXT, FREE, ILL = 1, 2, 4  # range flag bits
SERIAL, MONOGRAPH = 0, 1


class StringTable:
    """Many strings in one: `table[i]`. Far smaller than a list of str objects."""

    __slots__ = ("_text", "_offsets")

    def __init__(self, values: Iterable[str | None]):
        parts: list[str] = []
        offsets = array("I", [0])
        total = 0
        for value in values:
            value = value or ""
            parts.append(value)
            total += len(value)
            offsets.append(total)
        self._text = "".join(parts)
        self._offsets = offsets

    def __getitem__(self, i: int) -> str:
        return self._text[self._offsets[i]:self._offsets[i + 1]]

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def nbytes(self) -> int:
        return sys.getsizeof(self._text) + self._offsets.itemsize * len(self._offsets)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, items: list[str]) -> None:
        if not items:
            return
        first = self.find(items[0])
        for other in items[1:]:
            root = self.find(other)
            if root != first:
                self.parent[root] = first


def _row_ids(row: tuple) -> list[str]:
    ids = row[3].split() + row[4].split()
    if row[5] and row[5] not in ids:
        ids.append(row[5])
    return ids


class _Grouper:
    """Title groups: identifiers seen together (a KBART row's print and online ISSNs, `all_issns`, a
    holdings row's ISSN and eISSN) are one journal - the ISSN-L grouping; rows without identifiers
    group by title key."""

    def __init__(self) -> None:
        self.uf = _UnionFind()
        self.explicit_l: set[str] = set()
        self.first_counts: dict[str, int] = {}
        self.of_root: dict[str, int] = {}
        self.of_title: dict[str, int] = {}
        self.ids: list[list[str]] = []
        self.titles: list[str] = []
        self.kinds = bytearray()
        self.title_keys: dict[str, set[int]] = {}

    def join(self, ids: list[str], explicit_l: str | None = None) -> None:
        self.uf.union(ids)
        if explicit_l:
            self.explicit_l.add(explicit_l)
        if ids:
            self.first_counts[ids[0]] = self.first_counts.get(ids[0], 0) + 1

    def _new(self, name: str, kind: int) -> int:
        self.ids.append([])
        self.titles.append(name)
        self.kinds.append(kind)
        return len(self.titles) - 1

    def group(self, ids: list[str], name: str, kind: int) -> int:
        key = title_key(name)
        if ids:
            root = self.uf.find(ids[0])
            gid = self.of_root.get(root)
            if gid is None:
                gid = self.of_root[root] = self._new(name, kind)
            members = self.ids[gid]
            members.extend(i for i in ids if i not in members)
        else:
            gid = self.of_title.get(key)
            if gid is None:
                gid = self.of_title[key] = self._new(name, kind)
        if key:
            self.title_keys.setdefault(key, set()).add(gid)
        return gid

    def issn_l(self, ids: list[str]) -> str:
        """The group's linking ISSN: one a KBART file names as issn_l, else the ISSN most often listed
        first (the print ISSN, by KBART's column order), ties to the lowest."""
        issns = [i for i in ids if len(i) == 9]
        explicit = next((i for i in issns if i in self.explicit_l), None)
        if explicit or not issns:
            return explicit or ""
        return max(issns, key=lambda i: (self.first_counts.get(i, 0), -int(i[:4] + i[5:8])))


@dataclass(frozen=True, slots=True)
class Match:
    groups: tuple[int, ...]
    how: str  # "issn", "isbn", "title", "issn+title" (identifiers disagreed, the title chose), "none"
    note: str = ""


class KbIndex:
    def __init__(self, store: KbStore, generations: tuple[int, ...] = ()):
        self.generations = generations or store.generations()
        self._build_titles(store)
        self._build_subscriptions(store)
        self._active_cache: tuple[int, dict[int, frozenset[str]]] | None = None

    # --- build -----------------------------------------------------------------------------------------------
    def _build_titles(self, store: KbStore) -> None:
        titles = store.read("SELECT id, package, name, issns, isbns, issn_l, first_lo, last_hi, vol_lo, iss_lo, "
                            "vol_hi, iss_hi, embargo, fulltext, free, access_lo, access_hi, ill, url, doi, "
                            "publisher, pubtype, ppv, first_text, last_text, depth FROM title ORDER BY id")
        holdings = store.read("SELECT id, library, issns, title, runs, summary, control, note FROM print_holding "
                              "ORDER BY id")
        packages = store.read("SELECT id, name FROM package ORDER BY id")
        self.package_names = {pid: name for pid, name in packages}
        self.package_ids = {name: pid for pid, name in packages}

        grouper = _Grouper()
        title_ids = [_row_ids(row) for row in titles]
        for ids, row in zip(title_ids, titles):
            grouper.join(ids, explicit_l=row[5])
        for row in holdings:
            grouper.join(row[2].split())
        range_rows = [(grouper.group(ids, row[2], MONOGRAPH if row[21] == "monograph" else SERIAL), row)
                      for ids, row in zip(title_ids, titles)]
        holding_rows = [(grouper.group(row[2].split(), row[3] or "", SERIAL), row) for row in holdings]

        self.ident = {i: gid for gid, ids in enumerate(grouper.ids) for i in ids}
        self.g_issnl = [grouper.issn_l(ids) for ids in grouper.ids]
        self.g_title = StringTable(grouper.titles)
        self.g_kind = grouper.kinds
        self.title_keys = {k: tuple(sorted(v)) for k, v in grouper.title_keys.items()}
        self.group_count = len(grouper.titles)
        self._build_ranges(range_rows)
        self._build_print(holding_rows)

    def _build_ranges(self, range_rows: list[tuple[int, tuple]]) -> None:
        range_rows.sort(key=lambda item: (item[0], item[1][0]))
        n_groups = self.group_count
        self.embargoes: list[Embargo | None] = [None]
        embargo_index: dict[str, int] = {"": 0}
        cols = {name: array("i") for name in ("lo", "hi", "vlo", "ilo", "vhi", "ihi", "alo", "ahi")}
        self.r_pkg = array("I")
        self.r_emb = array("H")
        self.r_flags = bytearray()
        self.r_tid = array("I")
        self.r_ppv = array("f")
        self.r_gid = array("I")
        pkg_groups: dict[int, set[int]] = {}
        self.pkg_windowed: dict[int, list[int]] = {}  # ranges with title-level access dates
        urls, dois, publishers, coverage_text, depths = [], [], [], [], []
        self.g_first = array("I", [0] * (n_groups + 1))
        for gid, row in range_rows:
            (tid, pkg, _name, _issns, _isbns, _l, lo, hi, vlo, ilo, vhi, ihi, emb, fulltext, free, alo, ahi, ill,
             url, doi, publisher, _pubtype, ppv, first_text, last_text, depth) = row
            self.g_first[gid + 1] += 1
            if fulltext:
                if alo == OPEN_LO and ahi == OPEN_HI:
                    pkg_groups.setdefault(pkg, set()).add(gid)
                else:
                    self.pkg_windowed.setdefault(pkg, []).append(len(self.r_pkg))
            self.r_gid.append(gid)
            self.r_pkg.append(pkg)
            for name, value in (("lo", lo), ("hi", hi), ("vlo", vlo), ("ilo", ilo), ("vhi", vhi), ("ihi", ihi),
                                ("alo", alo), ("ahi", ahi)):
                cols[name].append(value)
            if emb not in embargo_index:
                embargo_index[emb] = len(self.embargoes)
                self.embargoes.append(parse_embargo(emb))
            self.r_emb.append(embargo_index[emb])
            self.r_flags.append((FULLTEXT if fulltext else 0) | (FREE if free else 0) | (ILL if ill else 0))
            self.r_tid.append(tid)
            self.r_ppv.append(ppv if ppv is not None else -1.0)
            urls.append(url)
            dois.append(doi)
            publishers.append(publisher)
            coverage_text.append(f"{first_text}\t{last_text}")
            depths.append(depth)
        for gid in range(n_groups):
            self.g_first[gid + 1] += self.g_first[gid]
        self.pkg_groups = {pkg: frozenset(gids) for pkg, gids in pkg_groups.items()}
        (self.r_lo, self.r_hi, self.r_vlo, self.r_ilo, self.r_vhi, self.r_ihi, self.r_alo,
         self.r_ahi) = (cols[n] for n in ("lo", "hi", "vlo", "ilo", "vhi", "ihi", "alo", "ahi"))
        self.r_url = StringTable(urls)
        self.r_doi = StringTable(dois)
        self.r_publisher = StringTable(publishers)
        self.r_coverage = StringTable(coverage_text)
        self.r_depth = StringTable(depths)

    def _build_print(self, holding_rows: list[tuple[int, tuple]]) -> None:
        self.libraries: list[str] = sorted({row[1] for _, row in holding_rows})
        self.library_index = {code: i for i, code in enumerate(self.libraries)}
        runs: list[tuple[int, int, int, tuple[int, int], int, int]] = []
        summaries, controls, notes, hold_lib = [], [], [], array("I")
        for hid, (gid, row) in enumerate(holding_rows):
            _id, library, _issns, _title, raw_runs, summary, control, note = row
            lib = self.library_index[library]
            summaries.append(summary)
            controls.append(control)
            notes.append(note)
            hold_lib.append(lib)
            decoded = orjson.loads(raw_runs) or [[UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]]  # held, extent unknown
            for y_lo, y_hi, v_lo, v_hi in decoded:
                runs.append((gid, lib, hid, Run(y_lo, y_hi, v_lo, v_hi).date_bounds(), v_lo, v_hi))
        runs.sort(key=lambda r: (r[0], r[1]))
        self.h_lib = array("I")
        self.h_hid = array("I")
        self.h_lo, self.h_hi, self.h_vlo, self.h_vhi = array("i"), array("i"), array("i"), array("i")
        self.h_first = array("I", [0] * (self.group_count + 1))
        for gid, lib, hid, (lo, hi), v_lo, v_hi in runs:
            self.h_first[gid + 1] += 1
            self.h_lib.append(lib)
            self.h_hid.append(hid)
            self.h_lo.append(lo)
            self.h_hi.append(hi)
            self.h_vlo.append(v_lo)
            self.h_vhi.append(OPEN_HI if v_hi == OPEN else v_hi)
        for gid in range(self.group_count):
            self.h_first[gid + 1] += self.h_first[gid]
        self.hold_summary = StringTable(summaries)
        self.hold_control = StringTable(controls)
        self.hold_note = StringTable(notes)
        self.hold_lib = hold_lib
        lib_groups: dict[int, set[int]] = {}
        for gid, lib, *_ in runs:
            lib_groups.setdefault(lib, set()).add(gid)
        self.lib_groups = {lib: frozenset(g) for lib, g in lib_groups.items()}

    def _build_subscriptions(self, store: KbStore) -> None:
        self.subs: dict[str, dict[int, tuple[int, int]]] = {}
        self.pkg_subs: dict[int, list[tuple[str, int, int]]] = {}
        for library, pkg, start, until in store.iter_subscriptions():
            lo = date.fromisoformat(start).toordinal() if start else OPEN_LO
            hi = date.fromisoformat(until).toordinal() if until else OPEN_HI
            self.subs.setdefault(library, {})[pkg] = (lo, hi)
            self.pkg_subs.setdefault(pkg, []).append((library, lo, hi))

    def with_subscriptions(self, store: KbStore, generations: tuple[int, ...]) -> "KbIndex":
        """A copy sharing the title structures with fresh subscriptions (they change far more often)."""
        clone = object.__new__(KbIndex)
        clone.__dict__.update(self.__dict__)
        clone.generations = generations
        clone._active_cache = None
        clone._build_subscriptions(store)
        return clone

    # --- lookups ---------------------------------------------------------------------------------------------
    def ranges(self, gid: int) -> range:
        return range(self.g_first[gid], self.g_first[gid + 1])

    def print_runs(self, gid: int) -> range:
        return range(self.h_first[gid], self.h_first[gid + 1])

    def own_print_runs(self, gid: int, library: str) -> list[int]:
        lib = self.library_index.get(library)
        if lib is None:
            return []
        return [i for i in self.print_runs(gid) if self.h_lib[i] == lib]

    def embargo(self, i: int) -> Embargo | None:
        return self.embargoes[self.r_emb[i]]

    def subscription(self, library: str, pkg: int) -> tuple[int, int] | None:
        subs = self.subs.get(library)
        return subs.get(pkg) if subs else None

    def active_subscribers(self, pkg: int, today: date) -> frozenset[str]:
        """Libraries whose subscription to `pkg` is in force on `today` (cached per day)."""
        day = today.toordinal()
        cache = self._active_cache
        if cache is None or cache[0] != day:
            cache = self._active_cache = (day, {})
        found = cache[1].get(pkg)
        if found is None:
            found = cache[1][pkg] = frozenset(lib for lib, lo, hi in self.pkg_subs.get(pkg, ()) if lo <= day <= hi)
        return found

    def find(self, issns: Iterable[str] = (), isbns: Iterable[str] = (), title: str | None = None) -> Match:
        """The title groups a citation's identifiers and title point to."""
        key = title_key(title)
        by_id: list[int] = []
        for ident in (*issns, *isbns):
            gid = self.ident.get(ident)
            if gid is not None and gid not in by_id:
                by_id.append(gid)
        how = "isbn" if any(len(i) == 13 for i in isbns) and not issns else "issn"
        if len(by_id) > 1 and key:
            chosen = [g for g in by_id if self._title_agrees(g, key)]
            if chosen and len(chosen) < len(by_id):
                return Match(tuple(chosen), "issn+title", "the identifiers name different journals; the title chose")
        if by_id:
            if key and len(by_id) == 1 and not self._title_agrees(by_id[0], key):
                exact = self.title_keys.get(key, ())
                if len(exact) == 1 and exact[0] != by_id[0]:
                    return Match(exact, "title", f"the identifier names another journal "
                                                 f"({self.g_title[by_id[0]]}); the title was matched instead")
            return Match(tuple(by_id), how)
        if key:
            exact = self.title_keys.get(key, ())
            if exact:
                return Match(exact, "title")
        return Match((), "none")

    def _title_agrees(self, gid: int, key: str) -> bool:
        """Whether the group is known under a title like `key` (any package's name for it counts)."""
        return gid in self.title_keys.get(key, ()) or similar(title_key(self.g_title[gid]), key)

    # --- reporting -------------------------------------------------------------------------------------------
    def nbytes(self) -> int:
        """An estimate of the snapshot's memory: arrays, string tables and the dicts."""
        total = 0
        for value in self.__dict__.values():
            if isinstance(value, (array, bytearray)):
                total += sys.getsizeof(value)
            elif isinstance(value, StringTable):
                total += value.nbytes()
        total += _dict_bytes(self.ident) + _dict_bytes(self.title_keys)
        total += sum(sys.getsizeof(d) for d in self.subs.values()) + sys.getsizeof(self.subs)
        total += sum(sys.getsizeof(v) for v in self.pkg_subs.values())
        total += sum(sys.getsizeof(s) for s in self.g_issnl) + sys.getsizeof(self.g_issnl)
        return total

    def stats(self) -> dict[str, int]:
        return {"groups": self.group_count, "ranges": len(self.r_pkg), "identifiers": len(self.ident),
                "title_keys": len(self.title_keys), "print_runs": len(self.h_lib),
                "holding_libraries": len(self.libraries), "subscribing_libraries": len(self.subs),
                "memory_bytes": self.nbytes()}

    def groups_of_library(self, library: str, today: date) -> set[int]:
        """Every group `library` reaches on `today`: full text in a subscribed package (any coverage) and
        print runs."""
        day = today.toordinal()
        found: set[int] = set()
        for pkg, (lo, hi) in self.subs.get(library, {}).items():
            if lo <= day <= hi:
                found |= self.pkg_groups.get(pkg, frozenset())
                for i in self.pkg_windowed.get(pkg, ()):
                    if self.r_alo[i] <= day <= self.r_ahi[i]:
                        found.add(self.r_gid[i])
        lib = self.library_index.get(library)
        if lib is not None:
            found |= self.lib_groups.get(lib, frozenset())
        return found


def _dict_bytes(d: dict) -> int:
    return sys.getsizeof(d) + sum(sys.getsizeof(k) for k in d)


__all__ = ["KbIndex", "Match", "StringTable", "FULLTEXT", "FREE", "ILL", "SERIAL", "MONOGRAPH"]
