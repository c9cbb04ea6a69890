"""Every way to the full text of a citation, for one reader's library, in order of preference.

1. `fulltext`  - a package the library subscribes to covers the issue after the embargo (or the
                 title is free); linked by DOI, else by the package's title URL;
2. `print`     - the library's own print copy (print holdings / the catalogue), with the OPAC's
                 shelf-status link;
3. `delivery`  - a copy of an article or chapter from another member (or a partner), and
   `ill`       - interlibrary loan of a book; supplier libraries ranked by the dispatch policy, the
                 reader's cost after the subsidy in force on the request date;
4. `ppv`       - buying the single article from its publisher;
   `ebook`     - borrowing the e-book from a member that holds it;
5. `librarian` - a librarian finds it (代查代检): always offered, last.

Each option says why it applies; with `debug` the options considered and excluded say why not
(not subscribed, coverage ended, embargo, access expired, ...).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable
from urllib.parse import quote

from linkresolver.catalog import CatalogCopies, Copy
from linkresolver.citation import Citation
from linkresolver.config import ResolverConfig
from linkresolver.coverage import FULL, NONE, PARTIAL, UNKNOWN, Point, Verdict, check, check_window
from linkresolver.dates import iso_of
from linkresolver.index import FREE, FULLTEXT, ILL, Match
from linkresolver.kb import KnowledgeBase
from linkresolver.policy import Cost, SubsidyPolicies
from linkresolver.ppv import PpvTable
from linkresolver.suppliers import SERVICES, PreparedRanking, RankingConfig, SupplierDirectory, SupplierStats
from yidu.libraries import Library, Registry

ORDER = ("fulltext", "print", "delivery", "ill", "ppv", "ebook", "librarian")
LABELS = {
    "fulltext": ("电子全文", "Full text online"),
    "print": ("本馆纸本", "Print copy in your library"),
    "delivery": ("文献传递", "Document delivery"),
    "ill": ("馆际互借", "Interlibrary loan"),
    "ppv": ("单篇订购", "Buy this article"),
    "ebook": ("电子书借阅", "E-book lending"),
    "librarian": ("代查代检", "A librarian finds it for you"),
}


@dataclass
class Option:
    type: str
    reason: str
    link: str | None = None
    certain: bool = True
    package: str | None = None
    coverage: str | None = None
    suppliers: list[dict] | None = None
    cost: Cost | None = None
    libraries: list[dict] | None = None

    def to_dict(self) -> dict[str, Any]:
        zh, en = LABELS[self.type]
        out: dict[str, Any] = {"type": self.type, "label_zh": zh, "label_en": en, "reason": self.reason,
                               "link": self.link, "certain": self.certain}
        if self.package is not None:
            out["package"] = self.package
        if self.coverage is not None:
            out["coverage"] = self.coverage
        if self.suppliers is not None:
            out["suppliers"] = self.suppliers
        if self.libraries is not None:
            out["libraries"] = self.libraries
        if self.cost is not None:
            out["cost"] = self.cost.to_dict()
        return out


@dataclass
class Resolution:
    citation: Citation
    library: Library | None
    library_source: str  # "parameter", "ip" or "none"
    day: date
    match: Match
    journals: list[dict]
    options: list[Option]
    excluded: list[dict] | None = None
    notes: list[str] = field(default_factory=list)

    def types(self) -> list[str]:
        return [o.type for o in self.options]

    def to_dict(self) -> dict[str, Any]:
        c = self.citation
        title = c.display_title or (self.journals[0]["title"] if self.journals else None)
        out: dict[str, Any] = {
            "citation": {
                "kind": c.kind, "genre": c.genre, "title": title, "atitle": c.atitle or None,
                "jtitle": c.jtitle or None, "btitle": c.btitle or None, "issn": c.issns, "eissn": c.eissns,
                "isbn": c.isbns, "doi": c.doi, "pmid": c.pmid, "volume": c.volume or None,
                "issue": c.issue or None, "spage": c.spage or None,
                "date": c.date.iso() if c.date else (c.date_text or None),
                "date_precision": c.date.precision if c.date else None, "openurl_version": c.version,
            },
            "library": _library_dict(self.library, self.library_source),
            "date": self.day.isoformat(),
            "match": {"how": self.match.how, "note": self.match.note or None, "journals": self.journals},
            "options": [o.to_dict() for o in self.options],
            "openurl": c.to_query(),
        }
        if self.notes:
            out["notes"] = self.notes
        if self.excluded is not None:
            out["debug"] = {"excluded": self.excluded}
        return out


def _library_dict(lib: Library | None, source: str) -> dict[str, Any] | None:
    if lib is None:
        return {"code": None, "detected_by": source}
    return {"code": lib.code, "name": lib.name, "name_en": lib.name_en, "province": lib.province,
            "region": lib.region, "detected_by": source}


class Resolver:
    def __init__(self, kb: KnowledgeBase, registry: Registry, *, config: ResolverConfig | None = None,
                 catalog: CatalogCopies | None = None, policies: SubsidyPolicies | None = None,
                 suppliers: SupplierDirectory | None = None, ranking: RankingConfig | None = None,
                 ppv: PpvTable | None = None, clock: Callable[[], date] = date.today):
        self.kb = kb
        self.registry = registry
        self.config = config or ResolverConfig()
        self.catalog = catalog
        self.policies = policies or SubsidyPolicies.load(self.config.subsidies_file)
        self.ranking = ranking or RankingConfig.load(self.config.ranking_file)
        self.suppliers = suppliers or SupplierDirectory.load(self.config.suppliers_file, self.ranking.defaults)
        self.ppv = ppv or PpvTable.load(self.config.ppv_file)
        self.clock = clock
        self.policy = self.ranking.policy(self.config.ranking_policy)
        self.max_suppliers = self.config.max_suppliers or self.ranking.max_suppliers
        self.supplier_codes = frozenset(registry.suppliers())
        self.province_of = {lib.code: lib.province for lib in registry}
        self.prepared = {service: PreparedRanking(self.policy, self.suppliers, self.supplier_codes, service)
                         for service in SERVICES}

    # --- entry point -------------------------------------------------------------------------------------------
    def resolve(self, citation: Citation, library: str | None = None, *, day: date | None = None,
                debug: bool = False, library_source: str = "parameter") -> Resolution:
        lib = self.registry.get(library) if library else None
        run = _Run(self, citation, lib, day or self.clock(), debug)
        if citation.family == "book":
            run.book()
        else:
            run.serial()
        run.finish()
        return Resolution(citation, lib, library_source if lib else "none", run.day, run.match, run.journals(),
                          sorted(run.options, key=lambda o: ORDER.index(o.type)), run.excluded,
                          list(citation.notes) + ([run.match.note] if run.match.note else []))


class _Run:
    """One resolution: the state shared by the option builders."""

    def __init__(self, resolver: Resolver, citation: Citation, lib: Library | None, day: date, debug: bool):
        self.r = resolver
        self.ix = resolver.kb.index
        self.c = citation
        self.lib = lib
        self.code = lib.code if lib else None
        self.day = day
        self.today = day.toordinal()
        self.options: list[Option] = []
        self.excluded: list[dict] | None = [] if debug else None
        self.match = Match((), "none")
        self.limit = resolver.config.debug_limit
        self.query = citation.to_query()  # written once, used by every request link
        self.key = citation.key()

    def exclude(self, type_: str, reason: str, **extra: Any) -> None:
        if self.excluded is not None and len(self.excluded) < self.limit:
            self.excluded.append({"type": type_, "reason": reason, **extra})

    def journals(self) -> list[dict]:
        return [{"issn_l": self.ix.g_issnl[g] or None, "title": self.ix.g_title[g]} for g in self.match.groups]

    # --- serials ---------------------------------------------------------------------------------------------
    def serial(self) -> None:
        c = self.c
        self.match = self.ix.find(c.all_issns, (), c.jtitle or c.stitle or None)
        point = c.point()
        best = self.fulltext(point)
        self.own_print(point)
        if best == FULL:
            # A copy of what the reader can already open is not applicable (the dispatch center refuses it).
            self.exclude("delivery", "your library has the full text")
            self.exclude("ppv", "your library has the full text")
            return
        self.serial_delivery(point)
        if c.kind == "article":
            self.pay_per_view()

    def fulltext(self, point: Point) -> int:
        """Full-text options of the matched groups; returns the best status found."""
        ix, best, by_package = self.ix, NONE, {}
        for gid in self.match.groups:
            for i in ix.ranges(gid):
                verdict = self.range_verdict(i, point, for_reader=True)
                if verdict is None or verdict.status == NONE:
                    continue
                pkg = ix.r_pkg[i]
                previous = by_package.get(pkg)
                if previous is None or verdict.status > previous[1].status:
                    by_package[pkg] = (i, verdict)
        for pkg, (i, verdict) in sorted(by_package.items(), key=lambda kv: (-kv[1][1].status, ix.package_names[kv[0]])):
            best = max(best, verdict.status)
            self.options.append(self.fulltext_option(i, verdict))
        return best

    def range_verdict(self, i: int, point: Point, *, for_reader: bool) -> Verdict | None:
        """Whether range i gives access to `point` (for the reader's library, or for anyone who
        subscribes when `for_reader` is False); records exclusions when debugging."""
        ix = self.ix
        pkg = ix.r_pkg[i]
        name = ix.package_names[pkg]
        flags = ix.r_flags[i]
        explain = for_reader and self.excluded is not None  # reasons cost time: only when debugging
        if not flags & FULLTEXT:
            if explain:
                self.exclude("fulltext", f"{name} has {ix.r_depth[i] or 'no full text'}, not full text", package=name)
            return None
        if for_reader:
            free = bool(flags & FREE)
            sub = self.ix.subscription(self.code, pkg) if self.code else None
            if sub is None and not free:
                if explain:
                    self.exclude("fulltext", f"{self.code or 'your library (unknown)'} does not subscribe to {name}"
                             if self.code else f"{name}: your library is unknown, so its subscriptions are too",
                             package=name)
                return None
            if sub is not None and not free:
                lo, hi = sub
                if self.today < lo:
                    self.exclude("fulltext", f"{self.code}'s access to {name} starts {iso_of(lo)}", package=name)
                    return None
                if self.today > hi:
                    self.exclude("fulltext", f"{self.code}'s access to {name} expired {iso_of(hi)}", package=name)
                    return None
        if not ix.r_alo[i] <= self.today <= ix.r_ahi[i]:
            if explain:
                when = (f"joins {name} on {iso_of(ix.r_alo[i])}" if self.today < ix.r_alo[i]
                        else f"left {name} on {iso_of(ix.r_ahi[i])}")
                self.exclude("fulltext", f"the title {when}", package=name)
            return None
        verdict = check(point, ix.r_lo[i], ix.r_hi[i], ix.r_vlo[i], ix.r_ilo[i], ix.r_vhi[i], ix.r_ihi[i])
        if verdict.status == NONE:
            if explain:
                first, last = ix.r_coverage[i].split("\t")
                reason = (f"{name} coverage starts {first or 'later'}" if verdict.reason == "before_start"
                          else f"{name} coverage ended {last}")
                self.exclude("fulltext", reason, package=name)
            return verdict
        embargo = ix.embargo(i)
        if embargo is not None:
            window = check_window(point, *embargo.window(self.day))
            if window.status == NONE:
                if explain:
                    self.exclude("fulltext", f"{name}: {embargo.describe(self.day)}", package=name)
                return window
            if window.status < verdict.status:
                verdict = window
        return verdict

    def fulltext_option(self, i: int, verdict: Verdict) -> Option:
        ix, c = self.ix, self.c
        name = ix.package_names[ix.r_pkg[i]]
        coverage = self.coverage_text(i)
        link = None
        if c.doi and c.kind != "journal":
            link = f"https://doi.org/{quote(c.doi, safe='/:;()')}"
        elif ix.r_url[i]:
            link = ix.r_url[i]
        elif ix.r_doi[i]:
            link = f"https://doi.org/{ix.r_doi[i]}"
        if ix.r_flags[i] & FREE and not (self.code and ix.subscription(self.code, ix.r_pkg[i])):
            why = f"{name} makes this title freely available (coverage {coverage})"
        else:
            why = f"your library subscribes to {name}, which covers {coverage}"
        embargo = ix.embargo(i)
        if embargo is not None:
            why += f"; {embargo.describe(self.day)}"
        if verdict.status == PARTIAL:
            why += "; " + _partial_reason(verdict, c)
        return Option("fulltext", why, link, verdict.status == FULL, package=name, coverage=coverage)

    def coverage_text(self, i: int) -> str:
        ix = self.ix
        first, last = ix.r_coverage[i].split("\t")
        v_lo, v_hi = ix.r_vlo[i], ix.r_vhi[i]
        start = first or "the first issue"
        if v_lo != UNKNOWN:
            start += f" (v.{v_lo})"
        end = last or "present"
        if last and v_hi != UNKNOWN:
            end += f" (v.{v_hi})"
        return f"{start} to {end}"

    def own_print(self, point: Point) -> None:
        if not self.code:
            return
        ix = self.ix
        best: dict[int, Verdict] = {}
        for gid in self.match.groups:
            for j in ix.own_print_runs(gid, self.code):
                verdict = check(point, ix.h_lo[j], ix.h_hi[j], ix.h_vlo[j], UNKNOWN, ix.h_vhi[j], UNKNOWN)
                hid = ix.h_hid[j]
                if hid not in best or verdict.status > best[hid].status:
                    best[hid] = verdict
        for hid, verdict in sorted(best.items(), key=lambda kv: -kv[1].status):
            summary = ix.hold_summary[hid] or "print holdings (extent not recorded)"
            if verdict.status == NONE:
                self.exclude("print", f"your print holdings ({summary}) do not include this issue")
                continue
            title = self.ix.g_title[self.match.groups[0]] if self.match.groups else self.c.container_title
            link = self.lib.shelf_status_url(control_number=ix.hold_control[hid] or None, title=title or None)
            reason = f"your library holds {summary} in print"
            if ix.hold_note[hid]:
                reason += f" ({ix.hold_note[hid]})"
            if verdict.status == PARTIAL:
                reason += "; check that the cited issue is on the shelf: " + _partial_reason(verdict, self.c)
            self.options.append(Option("print", reason, link, verdict.status == FULL))
            return

    def serial_delivery(self, point: Point) -> None:
        ix = self.ix
        certain: set[str] = set()
        maybe: set[str] = set()
        holds: dict[str, str] = {}
        e_sources: list[tuple[str, frozenset[str]]] = []
        for gid in self.match.groups:
            for i in ix.ranges(gid):
                if not ix.r_flags[i] & ILL:
                    continue
                verdict = self.range_verdict(i, point, for_reader=False)
                if verdict is None or verdict.status == NONE:
                    continue
                subs = ix.active_subscribers(ix.r_pkg[i], self.day)
                if subs:
                    (certain if verdict.status == FULL else maybe).update(subs)
                    e_sources.append((ix.package_names[ix.r_pkg[i]], subs))
            for j in ix.print_runs(gid):
                verdict = check(point, ix.h_lo[j], ix.h_hi[j], ix.h_vlo[j], UNKNOWN, ix.h_vhi[j], UNKNOWN)
                if verdict.status == NONE:
                    continue
                code = ix.libraries[ix.h_lib[j]]
                (certain if verdict.status == FULL else maybe).add(code)
                holds.setdefault(code, f"holds {ix.hold_summary[ix.h_hid[j]] or 'it'} in print")

        def source(code: str) -> str:
            if code in holds:
                return holds[code]
            package = next((name for name, subs in e_sources if code in subs), None)
            return f"subscribes to {package}" if package else ""

        self.offer_suppliers("delivery", certain, maybe - certain, source)

    # --- books -----------------------------------------------------------------------------------------------
    def book(self) -> None:
        c = self.c
        self.match = self.ix.find((), c.isbns, c.btitle or None)
        point = Point()
        best = self.fulltext(point)
        copies: list[Copy] = []
        if self.r.catalog is not None and c.isbns:
            copies = self.r.catalog.copies(c.isbns)
        own = [cp for cp in copies if cp.library == self.code]
        if any(cp.kind == "ebook" for cp in own) and best < FULL:
            cp = next(cp for cp in own if cp.kind == "ebook")
            link = self.lib.shelf_status_url(control_number=cp.control_number, isbn=c.isbns[0], title=c.btitle or None)
            self.options.append(Option("fulltext", "your library's catalogue holds this as an e-book", link))
            best = FULL
        for cp in own:
            if cp.kind == "print":
                link = self.lib.shelf_status_url(control_number=cp.control_number, isbn=c.isbns[0] if c.isbns else None,
                                                 title=c.btitle or None)
                where = f", call number {cp.call_number}" if cp.call_number else ""
                self.options.append(Option("print", f"your library holds this book in print{where}", link))
                break
        printed = {cp.library for cp in copies if cp.kind == "print" and cp.library != self.code}
        ebook_holders = {cp.library for cp in copies if cp.kind == "ebook" and cp.library != self.code}
        for gid in self.match.groups:
            for i in self.ix.ranges(gid):
                if self.ix.r_flags[i] & FULLTEXT and self.ix.r_alo[i] <= self.today <= self.ix.r_ahi[i]:
                    ebook_holders |= self.ix.active_subscribers(self.ix.r_pkg[i], self.day) - {self.code}
        service = "delivery" if c.kind == "chapter" else "ill"
        if best == FULL:
            self.exclude(service, "your library has the full text")
            return
        sources = {code: "holds it in print" for code in printed}
        candidates = set(printed) | (ebook_holders if service == "delivery" else set())
        self.offer_suppliers(service, candidates, set(), lambda code: sources.get(code) or (
            "holds the e-book" if code in ebook_holders else "partner service"))
        if best < FULL and ebook_holders:
            self.ebook_lending(ebook_holders)

    def ebook_lending(self, holders: set[str]) -> None:
        province = self.lib.province if self.lib else None
        ordered = sorted(holders, key=lambda code: (self.r.province_of.get(code) != province, code))
        libraries = []
        for code in ordered[:self.r.max_suppliers]:
            if code in self.r.registry:
                lib = self.r.registry.get(code)
                libraries.append({"code": code, "name": lib.name, "name_en": lib.name_en, "province": lib.province})
        if libraries:
            self.options.append(Option(
                "ebook", f"{len(holders)} member librar{'y holds' if len(holders) == 1 else 'ies hold'} this as an "
                         f"e-book and can lend it", self.dispatch_link("ebook", libraries[0]["code"]),
                libraries=libraries))

    # --- requests from other libraries -----------------------------------------------------------------------
    def offer_suppliers(self, service: str, certain: set[str], maybe: set[str], source: Callable[[str], str]) -> None:
        r = self.r
        pool = (certain | maybe) & r.supplier_codes
        pool.discard(self.code)
        province = self.lib.province if self.lib else None
        province_of = r.province_of
        same = (lambda code: province is not None and province_of.get(code) == province)
        prepared = r.prepared[service]
        ranked = prepared.rank(pool, certain, same, self.key, r.max_suppliers)
        members = sum(1 for code in pool if code in prepared.static)
        if not ranked or r.ranking.partners == "always":
            partners = [p.code for p in r.suppliers.partners()]
            ranked = prepared.rank(pool | set(partners), certain, same, self.key, r.max_suppliers) if ranked else \
                prepared.rank(partners, set(), same, self.key, r.max_suppliers)
        if not ranked:
            self.exclude(service, "no member library or partner supplies this")
            return
        if self.excluded is not None:
            for code in sorted(((certain | maybe) - r.supplier_codes) - {self.code})[:20]:
                self.exclude(service, f"{code} holds it but does not supply document delivery", library=code)
        suppliers = [self.supplier_dict(code, sure, near, service, source(code)) for code, sure, near in ranked]
        what = "a copy" if service == "delivery" else "the book on interlibrary loan"
        first = suppliers[0]
        if members:
            reason = (f"{members} member librar{'y' if members == 1 else 'ies'} can supply {what}; the dispatch center "
                      f"asks {first['name'] or first['code']} first ({r.policy.name} policy)")
        else:
            reason = (f"no other member library can supply it; partner service {first['name'] or first['code']} "
                      f"can supply {what}")
        self.options.append(Option(service, reason, self.dispatch_link(service, first["code"]),
                                   certain=first["certain"], suppliers=suppliers,
                                   cost=self.cost(r.suppliers.get(first["code"]), service)))

    def supplier_dict(self, code: str, certain: bool, same_province: bool, service: str, holds: str) -> dict[str, Any]:
        s = self.r.suppliers.get(code)
        lib = self.r.registry.get(code) if code in self.r.registry else None
        return {
            "code": code, "name": lib.name if lib else s.name, "name_en": lib.name_en if lib else s.name_en,
            "province": lib.province if lib else None, "channel": s.channel, "certain": certain,
            "same_province": same_province, "holds": holds or ("partner service" if s.channel == "partner" else ""),
            "price": s.price(service), "avg_response_hours": s.response_hours, "fill_rate": s.fill_rate,
            "open_requests": s.open_requests, "cost": self.cost(s, service).to_dict(),
        }

    def cost(self, stats: SupplierStats, service: str) -> Cost:
        return self.r.policies.cost(stats.price(service) or 0.0, service=service, channel=stats.dispatch_channel,
                                    province=self.lib.province if self.lib else None,
                                    region=self.lib.region if self.lib else None, day=self.day,
                                    own_rate=stats.own_subsidy_rate, own_cap=stats.own_cap)

    def dispatch_link(self, service: str, supplier: str) -> str:
        return self.r.config.dispatch_url.format(service=service, supplier=quote(supplier), openurl=self.query)

    # --- pay per view, librarian -----------------------------------------------------------------------------
    def pay_per_view(self) -> None:
        ix, c = self.ix, self.c
        offer, price, publisher = None, None, ""
        for gid in self.match.groups:
            for i in ix.ranges(gid):
                if ix.r_ppv[i] >= 0 and price is None:
                    price = float(ix.r_ppv[i])
                publisher = publisher or ix.r_publisher[i]
                offer = offer or self.r.ppv.for_publisher(ix.r_publisher[i])
        offer = offer or self.r.ppv.for_doi(c.doi)
        if offer is None and price is None:
            self.exclude("ppv", "no single-article sale known for this publisher")
            return
        link = offer.url(c.doi) if offer else (f"https://doi.org/{c.doi}" if c.doi else None)
        if link is None:
            self.exclude("ppv", "the publisher sells single articles, but the citation has no DOI to buy it by")
            return
        price = price if price is not None else offer.price
        seller = offer.publisher if offer else publisher
        self.options.append(Option("ppv", f"{seller} sells this article on its own ({offer.note if offer else 'per the package data'})",
                                   link, cost=Cost(round(price, 2), 0.0, round(price, 2), None,
                                                   "pay-per-view is not subsidised")))

    def finish(self) -> None:
        lib = self.lib
        who = f"a librarian at {lib.name}" if lib else "a consortium librarian"
        self.options.append(Option(
            "librarian", f"{who} searches other sources and gets it for you (代查代检)",
            self.r.config.librarian_url.format(library=quote(lib.code) if lib else "", openurl=self.query)))


def _partial_reason(verdict: Verdict, c: Citation) -> str:
    cited = c.date.iso() if c.date else (f"v.{c.volume}" if c.volume else "the cited issue")
    return {
        "start_unclear": f"{cited} may fall before coverage starts",
        "end_unclear": f"{cited} may fall after coverage ends",
        "embargo_partial": f"part of {cited} is still under embargo",
        "embargo_unclear": "the citation has no date to check the embargo against",
    }.get(verdict.reason, "coverage is uncertain for the cited issue")
