"""Availability in search results: one word per hit for the reader's library, computed for a whole
result page in one pass over the knowledge-base snapshot (not one resolver call per hit).

  fulltext  full text here (a subscribed package covers it, or the library holds the e-book)
  print     a print copy here (catalogue holdings, or print journal holdings covering the issue)
  request   another member can supply it (document delivery / interlibrary loan)
  none      nothing known: the full menu still offers "a librarian finds it for you"

Catalogue hits are read through `type`, `holding_libraries`, `isbn` and `issn`; article hits through
`issn_l`/`issn`, `year`, `volume`, `issue`. Each hit also gets a link to the full menu (`/openurl?...`).
`enricher(kb)` wraps this as the search API's per-page hook.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import quote

from linkresolver.citation import Citation, enumeration_number
from linkresolver.coverage import NONE, Point, check, check_window
from linkresolver.dates import year_span
from linkresolver.index import FREE, FULLTEXT, ILL, KbIndex
from yidu import identifiers

LABELS = {
    "fulltext": ("本馆有电子全文", "Full text available"),
    "print": ("本馆有纸本", "Print copy in your library"),
    "request": ("可申请文献传递或馆际互借", "Request from another library"),
    "none": ("请馆员代查代检", "Ask a librarian to find it"),
}
EBOOK_TYPES = frozenset({"ebook", "electronic"})
SERIAL_TYPES = frozenset({"serial", "journal"})
MENU_PATH = "/openurl"

# Result pages repeat journals and years: normalise each distinct value once.
_issn = lru_cache(maxsize=1 << 16)(identifiers.issn)
_isbn13 = lru_cache(maxsize=1 << 16)(identifiers.isbn13)
_year_span = lru_cache(maxsize=1024)(year_span)


def _kind(hit: Mapping[str, Any]) -> str:
    if hit.get("issn_l") or hit.get("collection") == "articles" or hit.get("type") == "article":
        return "article"
    if hit.get("type") in SERIAL_TYPES:
        return "serial"
    return "book"


def _list(value: Any) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def _issns(hit: Mapping[str, Any]) -> list[str]:
    found = []
    for raw in _list(hit.get("issn_l")) + _list(hit.get("issn")) + _list(hit.get("eissn")):
        value = _issn(raw)
        if value and value not in found:
            found.append(value)
    return found


def _isbns(hit: Mapping[str, Any]) -> list[str]:
    return [i for i in (_isbn13(v) for v in _list(hit.get("isbn"))) if i]


def _point(hit: Mapping[str, Any]) -> Point:
    year = hit.get("year")
    try:
        span = _year_span(int(year)) if year not in (None, "") else None
    except (TypeError, ValueError):
        span = None
    volume = enumeration_number(str(hit.get("volume") or ""))
    issue = enumeration_number(str(hit.get("issue") or ""))
    return Point(span.lo if span else None, span.hi if span else None, volume, issue)


class _Page:
    """What one page's evaluation shares: the snapshot, the reader's subscriptions, caches."""

    def __init__(self, index: KbIndex, library: str | None, day: date, suppliers: frozenset[str] | None):
        self.ix = index
        self.library = library
        self.day = day
        self.today = day.toordinal()
        self.suppliers = suppliers
        subs = index.subs.get(library, {}) if library else {}
        self.active = {pkg for pkg, (lo, hi) in subs.items() if lo <= self.today <= hi}
        self.lib_index = index.library_index.get(library) if library else None

    def groups(self, identifiers_: Iterable[str]) -> list[int]:
        out = []
        for ident in identifiers_:
            gid = self.ix.ident.get(ident)
            if gid is not None and gid not in out:
                out.append(gid)
        return out

    def others(self, codes: Iterable[str]) -> bool:
        """Whether any library other than the reader's (and, when known, a supplier) is among `codes`."""
        for code in codes:
            if code != self.library and (self.suppliers is None or code in self.suppliers):
                return True
        return False

    def electronic(self, groups: list[int], point: Point) -> tuple[bool, bool]:
        """(full text here, another member can supply it electronically)."""
        ix, elsewhere = self.ix, False
        for gid in groups:
            for i in ix.ranges(gid):
                flags = ix.r_flags[i]
                if not flags & FULLTEXT or not ix.r_alo[i] <= self.today <= ix.r_ahi[i]:
                    continue
                pkg = ix.r_pkg[i]
                mine = pkg in self.active or bool(flags & FREE)
                if not mine and (elsewhere or not flags & ILL):
                    continue
                if check(point, ix.r_lo[i], ix.r_hi[i], ix.r_vlo[i], ix.r_ilo[i], ix.r_vhi[i], ix.r_ihi[i]).status == NONE:
                    continue
                embargo = ix.embargo(i)
                if embargo is not None and check_window(point, *embargo.window(self.day)).status == NONE:
                    continue
                if mine:
                    return True, elsewhere
                if flags & ILL and self.others(ix.active_subscribers(pkg, self.day)):
                    elsewhere = True
        return False, elsewhere

    def printed(self, groups: list[int], point: Point) -> tuple[bool, bool]:
        """(print here, another member holds it in print) from print journal holdings."""
        ix, here, elsewhere = self.ix, False, False
        for gid in groups:
            for j in ix.print_runs(gid):
                if check(point, ix.h_lo[j], ix.h_hi[j], ix.h_vlo[j], -1, ix.h_vhi[j], -1).status == NONE:
                    continue
                if ix.h_lib[j] == self.lib_index:
                    here = True
                elif not elsewhere and self.others((ix.libraries[ix.h_lib[j]],)):
                    elsewhere = True
                if here and elsewhere:
                    return here, elsewhere
        return here, elsewhere

    def status(self, hit: Mapping[str, Any]) -> str:
        kind = _kind(hit)
        holders = _list(hit.get("holding_libraries"))
        if kind == "book":
            groups = self.groups(_isbns(hit))
            e_here, e_else = self.electronic(groups, Point())
            ebook = hit.get("type") in EBOOK_TYPES
            if e_here or (ebook and self.library in holders):
                return "fulltext"
            if self.library in holders:
                return "print"
            return "request" if (e_else or self.others(holders)) else "none"
        point = _point(hit) if kind == "article" else Point()
        groups = self.groups(_issns(hit))
        e_here, e_else = self.electronic(groups, point)
        if e_here:
            return "fulltext"
        p_here, p_else = self.printed(groups, point)
        if p_here or (kind == "serial" and self.library in holders):
            return "print"
        return "request" if (e_else or p_else or self.others(holders)) else "none"


def summarize(kb, hits: list[Mapping[str, Any]], library: str | None, *, today: date | None = None,
              suppliers: frozenset[str] | None = None) -> list[str]:
    """One status per hit ("fulltext", "print", "request", "none") for readers of `library`. `kb` is
    a KnowledgeBase or a KbIndex; `suppliers`, when given, limits "request" to supplier libraries."""
    index = kb if isinstance(kb, KbIndex) else kb.index
    page = _Page(index, library, today or date.today(), suppliers)
    return [page.status(hit) for hit in hits]


def citation_of(hit: Mapping[str, Any]) -> Citation:
    """The OpenURL citation a hit stands for (for the link to the full menu)."""
    kind = _kind(hit)
    c = Citation()
    title = hit.get("title") or ""
    year = hit.get("year")
    c.date_text = str(year) if year not in (None, "") else ""
    if kind == "book":
        c.genre, c.btitle, c.isbns = "book", title, _isbns(hit)[:2]
    else:
        c.issns = _issns(hit)[:2]
        journal = hit.get("journal") or hit.get("container_title") or hit.get("jtitle") or ""
        if kind == "article":
            c.genre, c.atitle, c.jtitle = "article", title, journal
            c.volume, c.issue = str(hit.get("volume") or ""), str(hit.get("issue") or "")
            c.spage = str(hit.get("spage") or hit.get("first_page") or "")
            c.doi = identifiers.doi(hit.get("doi"))
        else:
            c.genre, c.jtitle = "journal", title
    return c


def menu_link(hit: Mapping[str, Any], library: str | None) -> str:
    query = citation_of(hit).to_query()
    if library:
        query += "&library=" + quote(library, safe="")
    return f"{MENU_PATH}?{query}"


def _library_of(context: Any) -> str | None:
    if context is None:
        return None
    if isinstance(context, Mapping):
        value = context.get("library")
    else:
        value = getattr(context, "library", None)
    if value is not None and not isinstance(value, str):
        value = getattr(value, "code", None)
    return value or None


def enricher(kb, *, registry=None, clock: Callable[[], date] = date.today, menu_base: str = ""):
    """`async def enrich(hits, context)` for the search API (api/enrich.py): sets hit["availability"]
    on every hit of a page, for the library the context names (`context.library`, or a mapping's
    "library"). `availability` carries `status`, both labels, `label` in the context's `lang`, and the
    menu link as `link` (site-relative) and `url` (`menu_base` + link, e.g. "https://yidu.example").
    Suppliers come from `registry`, else from `context.registry` when the context has one."""
    fixed = frozenset(registry.suppliers()) if registry is not None else None
    by_registry: dict[int, frozenset[str]] = {}

    def suppliers_for(context: Any) -> frozenset[str] | None:
        if fixed is not None:
            return fixed
        reg = getattr(context, "registry", None)
        if reg is None:
            return None
        found = by_registry.get(id(reg))
        if found is None:
            found = by_registry[id(reg)] = frozenset(reg.suppliers())
        return found

    async def enrich(hits: list[dict], context: Any) -> None:
        library = _library_of(context)
        english = str(getattr(context, "lang", "") or (context.get("lang", "") if isinstance(context, Mapping) else "")
                      ).lower().startswith("en")
        statuses = summarize(kb, hits, library, today=clock(), suppliers=suppliers_for(context))
        for hit, status in zip(hits, statuses):
            zh, en = LABELS[status]
            link = menu_link(hit, library)
            hit["availability"] = {"status": status, "label": en if english else zh, "label_zh": zh, "label_en": en,
                                   "link": link, "url": menu_base.rstrip("/") + link}

    return enrich
