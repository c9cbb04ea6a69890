"""Union records: the source records of one group become one search document.

The richest member is the *master* and gives the display fields; identifiers, subjects, classes,
languages and holdings are the union of all members. Every member is listed in `sources` with what
matched it (ISBN or title key), so a merge can always be explained.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any, Callable, Iterable

from indexer.store import Member
from mappings.catalog import FAMILIES
from yidu import textzh

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_HAN_ONLY = re.compile(r"[^\u3400-\u9fff\U00020000-\U0002ffff]+")
_LETTERS = re.compile(r"[^a-z]+")
_ROLE_SUFFIX = re.compile(r"(主编|编著|编撰|编译|等编|等著|合著|编|著|译|撰|等)$")
_HOLDING_LISTS = (("call_number", "call_numbers"), ("location", "locations"), ("summary", "summary"))
# Fields whose presence makes a record "richer" when choosing the master.
_RICHNESS = frozenset(("subtitle", "responsibility", "authors", "publisher", "place", "year", "edition", "isbn",
                       "language", "clc", "subjects", "summary", "contents", "series", "extent"))


def _compact(text: str) -> str:
    return _NON_WORD.sub("", textzh.fold(text))


def title_key(doc: dict) -> str | None:
    """tay:<title>|<first author>|<year>|<edition>: matches records without ISBN."""
    title = _compact(doc.get("title") or "")
    if not title:
        return None
    authors = doc.get("authors") or []
    author = authors[0]["name"] if authors else _ROLE_SUFFIX.sub("", (doc.get("responsibility") or "").split(";")[0])
    edition = doc.get("edition_number") or ""
    edition = "" if edition == "1" else edition
    return f"tay:{title[:120]}|{_compact(author)[:40]}|{doc.get('year') or ''}|{edition}"


def merge_keys(doc: dict) -> list[str]:
    keys = [f"isbn:{i}" for i in doc.get("isbn", ())]
    tay = title_key(doc)
    if tay:
        keys.append(tay)
    return keys


def primary_key(doc: dict) -> str:
    isbns = doc.get("isbn")
    return f"isbn:{min(isbns)}" if isbns else (title_key(doc) or "")


def components(members: list[Member]) -> list[list[Member]]:
    """Split a group's members into the parts its keys still connect (reversibility after a removal)."""
    parent = list(range(len(members)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, m in enumerate(members):
        for key in m.doc.get("isbn", ()):
            j = owner.setdefault(key, i)
            parent[find(i)] = find(j)
    by_title: dict[str | None, list[int]] = {}
    for i, m in enumerate(members):
        by_title.setdefault(title_key(m.doc), []).append(i)
    for key, idx in by_title.items():
        if key is None:
            continue
        roots = {find(i) for i in idx if members[i].doc.get("isbn")}
        for i in idx:
            if not members[i].doc.get("isbn") and len(roots) <= 1:
                parent[find(i)] = find(next(iter(roots)) if roots else idx[0])
    parts: dict[int, list[Member]] = {}
    for i, m in enumerate(members):
        parts.setdefault(find(i), []).append(m)
    return sorted(parts.values(), key=lambda p: (p[0].library, p[0].control))


def _richness(m: Member) -> tuple:
    # Mapped records omit empty fields, so counting the keys present counts the fields filled.
    filled = len(_RICHNESS & m.doc.keys())
    return (-filled, m.doc.get("type") == "ebook", m.library, m.control)


def _dedup(values: Iterable[Any], key: Callable[[Any], Any] | None = None) -> list:
    seen, out = set(), []
    for v in values:
        k = key(v) if key else v
        if k not in seen:
            seen.add(k)
            out.append(v)
    return out


def _union(members: Iterable[Member], field: str, *, key: Callable[[Any], Any] | None = None) -> list:
    def values():
        for m in members:
            value = m.doc.get(field)
            yield from value if isinstance(value, list) else ([value] if value else [])

    return _dedup(values(), key)


@lru_cache(maxsize=200_000)
def _fold(text: str) -> str:
    return textzh.fold(text)


def _folded(v: Any) -> str:
    """The dedup key of a value: members repeat the same titles, names and subjects, hence the cache."""
    return _fold(v if isinstance(v, str) else v.get("name", ""))


def clc_levels(codes: list[str]) -> tuple[list[str], list[str]]:
    """CLC top class (F) and second level (F1; T-classes have letter pairs: TP)."""
    top, second = [], []
    for code in codes:
        first = code[:1]
        top.append(first)
        if first == "T" and len(code) > 1 and code[1].isalpha():
            second.append(code[:2])
        elif len(code) > 1 and code[1].isdigit():
            second.append(code[:2])
    return sorted(set(top)), sorted(set(second))


class UnionBuilder:
    def __init__(self, is_member: Callable[[str], bool]):
        self.is_member = is_member  # is this code a registered member library?

    def build(self, members: list[Member]) -> tuple[str, dict]:
        ordered = sorted(members, key=_richness)
        master = ordered[0].doc
        primary = min(primary_key(m.doc) for m in members)
        uid = "u" + hashlib.sha1(primary.encode()).hexdigest()[:16]
        doc: dict[str, Any] = {
            "collection": "catalog",
            "type": master.get("type", "book"),
            "types": sorted({m.doc.get("type", "book") for m in members}),
            "format": sorted({m.doc.get("format") for m in members if m.doc.get("format")}),
            "merge_key": primary,
        }
        for field in ("title", "subtitle", "title_romanized", "responsibility", "edition", "year", "extent"):
            if master.get(field) not in (None, ""):
                doc[field] = master[field]
        titles = _union(ordered, "other_titles", key=_folded) + [
            m.doc["title"] for m in ordered[1:] if _folded(m.doc["title"]) != _folded(master["title"])]
        if titles:
            doc["other_titles"] = _dedup(titles, _folded)
        authors = _union(ordered, "authors", key=_folded)
        if authors:
            doc["authors"] = [a["name"] for a in authors]
            doc["authors_detail"] = authors
        for field in ("publisher", "place", "isbn", "issn", "language", "clc", "series", "contents", "summary"):
            values = _union(ordered, field)
            if values:
                doc[field] = values
        links = _union(ordered, "links", key=lambda link: link["url"])
        if links:
            doc["links"] = links
        subjects = _union(ordered, "subjects", key=_folded)
        if subjects:
            doc["subjects"] = subjects
            doc["subject_facet"] = sorted({s.split("--")[0].strip() for s in subjects if s.strip()})
        if doc.get("clc"):
            doc["clc_top"], doc["clc2"] = clc_levels(doc["clc"])
        self._holdings(doc, members)
        doc["sources"] = [self._source(m, primary) for m in ordered]
        doc["source_ids"] = [f"{m.library}:{m.control}" for m in ordered]
        self._analyze(doc)
        return uid, doc

    def _holdings(self, doc: dict, members: list[Member]) -> None:
        """Per holding library: copies, call numbers, locations, summaries and the records they came from."""
        by_library: dict[str, dict[str, Any]] = {}
        for m in members:
            for h in m.doc.get("holdings") or ({},):
                inst = h.get("institution")
                library = inst if inst and inst != m.library and self.is_member(inst) else m.library
                slot = by_library.get(library)
                if slot is None:
                    slot = by_library[library] = {"library": library, "copies": 0, "control_numbers": []}
                if h:
                    slot["copies"] += 1
                for key, out in _HOLDING_LISTS:
                    value = h.get(key)
                    if value:
                        values = slot.setdefault(out, [])
                        if value not in values:
                            values.append(value)
                if m.control not in slot["control_numbers"]:
                    slot["control_numbers"].append(m.control)
        holdings = [by_library[code] for code in sorted(by_library)]
        doc["holdings"] = holdings
        doc["holding_libraries"] = [h["library"] for h in holdings]
        doc["holding_count"] = len(holdings)

    @staticmethod
    def _source(m: Member, primary: str) -> dict:
        isbns = m.doc.get("isbn") or []
        matched = primary if primary.removeprefix("isbn:") in isbns or primary == title_key(m.doc) else (
            f"isbn:{isbns[0]}" if isbns else title_key(m.doc))
        return {"library": m.library, "control_number": m.control, "format": m.doc.get("format"),
                "type": m.doc.get("type"), "matched_on": matched, "origin": m.origin}

    @staticmethod
    def _analyze(doc: dict) -> None:
        for name, family in FAMILIES.items():
            values = [v for v in _family_values(doc, name) if v]
            if not values:
                continue
            analyses = [textzh.analyze(v, pinyin=family.pinyin) for v in values]
            doc[f"{name}_t"] = [a.folded for a in analyses]
            doc[f"{name}_s"] = [a.seg for a in analyses]
            if family.pinyin:
                doc[f"{name}_py"] = [a.py for a in analyses if a.py]
                doc[f"{name}_pyi"] = _initials(analyses)
        title = textzh.analyze(doc["title"])
        doc["title_sort"] = (title.py or title.folded)[:120]
        inputs = [doc["title"], title.folded, title.py.replace(" ", ""), title.pyi]
        doc["suggest"] = {"input": list(dict.fromkeys(i[:80] for i in inputs if i)),
                          "weight": min(doc.get("holding_count", 1), 1000)}


def _initials(analyses) -> list[str]:
    """Initials as typed by readers: with the digits and Latin words ('97zgfzbg') and letters of the
    Chinese part only ('zgfzbg'), since nobody types the year of a yearbook's title first."""
    out: list[str] = []
    for a in analyses:
        for form in (a.pyi, _LETTERS.sub("", textzh.initials(_HAN_ONLY.sub("", a.folded)))):
            if form and form not in out:
                out.append(form)
    return out


def _family_values(doc: dict, name: str) -> list:
    """What each text family is analysed from: the subtitle searches as title, romanised forms as other titles."""
    if name == "title":
        return [doc.get("title"), doc.get("subtitle")]
    if name == "other_titles":
        return [*doc.get("other_titles", ()), doc.get("title_romanized")]
    value = doc.get(name)
    return [value] if isinstance(value, str) else list(value or ())
