"""Journal scopes: which journals each reader scope holds, so articles can be scoped through their journal.

An article counts as held by a library when the library holds its journal (print holdings or
subscriptions). The `journal_scopes` collection keeps, for every scope key of
`yidu.scopes.all_scope_keys(registry)` ("library:PKU", "city:11:北京", "province:11", "domain:WY",
"domain:BJ-HD+WY"), the ISSN-Ls that any member library of the scope holds. The search layer filters
articles with a terms lookup on it - realtime (a GET), so no refresh is needed after a rebuild:

    {"terms": {"issn_l": {"index": "<prefix>-journal_scopes", "id": "city:11:北京", "path": "issn_l"}}}

`scope_filter(settings, key)` builds exactly that clause (None for the nation: no filter). The nation
scope has no document. A scope whose libraries hold nothing has a document with an empty list (the
filter then matches nothing, as it should).

Holdings come from *providers*: functions `(services) -> {library code: {ISSN-L, ...}}`, passed as a
list to `rebuild_journal_scopes(services, providers)`. `PROVIDERS` holds the defaults:

  catalog_serials   the catalogue's MARC serial records (record store, read-only): every library holding a
                    "serial" record (its own, or the institutions its 852/905... holdings name) holds the
                    journal of each ISSN of the record (022/011), mapped to its ISSN-L (indexer.issnl).

The knowledge-base engineer (issue 5) adds subscriptions and print holdings from KBART/CSV by appending
a provider (`register_provider(fn)` or a list passed explicitly). Libraries a provider names that are
not in the member registry are ignored and reported.

The rebuild also sets `holding_libraries` (and holding_count) on the journals index, creating a bare
journal document (ISSNs and holders) for a journal held but not described by any feed yet. It writes
only what changed: each scope document carries a digest of its content, and journals whose holders did
not change are not rewritten. Run it after every catalogue or holdings load (`yidu articles scopes
rebuild`); `yidu articles load` runs it at its end. Cost: see `ScopeRebuild` and the report of issue 3B.
"""
from __future__ import annotations

import hashlib
import sqlite3
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

import orjson
from elasticsearch import helpers

from indexer import journals as jn
from indexer.articles import COLLECTION as ARTICLES, ArticleLoader, _mget, raise_terms_limit
from indexer.bulk import BulkWriter
from indexer.errors import IndexerError
from indexer.indices import IndexManager
from indexer.issnl import IssnLTable
from mappings.articles import MAX_TERMS_COUNT
from yidu.config import Settings
from yidu.scopes import all_scope_keys

COLLECTION = "journal_scopes"
Holdings = dict[str, set[str]]
Provider = Callable[[Any], Holdings]
_SERIAL = b'"type":"serial"'  # how orjson writes a serial record's type in the record store


# --- providers ----------------------------------------------------------------------------------------

def catalog_serials(services) -> Holdings:
    """Journal holdings from the catalogue's serial records (the record store, opened read-only)."""
    path = services.settings.record_store
    if not path.exists():
        return {}
    is_member = services.registry.__contains__
    by_library: dict[str, set[str]] = {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT library, doc FROM source WHERE instr(doc, ?) > 0", (_SERIAL,))
        for library, blob in rows:
            doc = orjson.loads(blob)
            if doc.get("type") != "serial" or not doc.get("issn"):
                continue
            for holder in _holders(library, doc, is_member):
                by_library.setdefault(holder, set()).update(doc["issn"])
    finally:
        db.close()
    return _to_issn_l(services.settings, by_library)


def _holders(library: str, doc: dict, is_member: Callable[[str], bool]) -> set[str]:
    """As the union builder reads holdings: a holding naming another member institution belongs to it."""
    out = set()
    for h in doc.get("holdings") or [{}]:
        inst = h.get("institution")
        out.add(inst if inst and inst != library and is_member(inst) else library)
    return out


def _to_issn_l(settings: Settings, by_library: dict[str, set[str]]) -> Holdings:
    table = IssnLTable(settings.state_dir / "issnl.sqlite")
    try:
        mapping = table.lookup({i for issns in by_library.values() for i in issns})
    finally:
        table.close()
    return {lib: {mapping[i] for i in issns} for lib, issns in by_library.items()}


PROVIDERS: list[Provider] = [catalog_serials]


def register_provider(provider: Provider) -> None:
    """Add a provider to the defaults (the knowledge base's subscriptions, for instance)."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


# --- the filter the search layer uses -------------------------------------------------------------

def scope_filter(settings: Settings, key: str | None) -> dict | None:
    """The terms-lookup clause restricting articles to scope `key`; None for the nation (no filter)."""
    if key is None:
        return None
    return {"terms": {"issn_l": {"index": settings.index.alias(COLLECTION), "id": key, "path": "issn_l"}}}


# --- the rebuild ----------------------------------------------------------------------------------------

@dataclass
class ScopeRebuild:
    libraries: int = 0  # libraries holding at least one journal
    holdings: int = 0  # (library, ISSN-L) pairs
    providers: dict[str, int] = field(default_factory=dict)  # pairs per provider
    unknown_libraries: list[str] = field(default_factory=list)
    scopes: int = 0
    written: int = 0
    unchanged: int = 0
    deleted: int = 0
    largest: int = 0  # ISSN-Ls in the largest scope
    journals_updated: int = 0
    journals_created: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect(services, providers: Iterable[Provider]) -> tuple[Holdings, ScopeRebuild]:
    """Every provider's holdings, united per member library."""
    report = ScopeRebuild()
    holdings: Holdings = {}
    unknown: set[str] = set()
    interned: dict[str, str] = {}
    for provider in providers:
        found = provider(services)
        report.providers[getattr(provider, "__name__", repr(provider))] = sum(map(len, found.values()))
        for library, issn_ls in found.items():
            if library not in services.registry:
                unknown.add(library)
                continue
            holdings.setdefault(library, set()).update(interned.setdefault(i, i) for i in issn_ls)
    report.unknown_libraries = sorted(unknown)
    report.libraries = sum(1 for v in holdings.values() if v)
    report.holdings = sum(map(len, holdings.values()))
    return holdings, report


def rebuild_journal_scopes(services, providers: Iterable[Provider] | None = None) -> ScopeRebuild:
    """Recompute every scope document and the journals' holders from the providers; write what changed."""
    started = time.perf_counter()
    settings, client = services.settings, services.client
    holdings, report = collect(services, PROVIDERS if providers is None else providers)
    indices = IndexManager(client, settings.index)
    indices.ensure(COLLECTION)
    articles = indices.ensure(ARTICLES)
    _write_scopes(services, holdings, report)
    if report.largest > MAX_TERMS_COUNT:
        raise_terms_limit(client, articles, report.largest * 2)
    loader = ArticleLoader(settings, client)
    try:
        with loader._locked():  # journal documents are read-modify-written by article loads too
            loader.ensure()
            _write_holders(services, holdings, report)
    finally:
        loader.close()
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _digest(members: Iterable[str], issn_ls: list[str]) -> str:
    h = hashlib.sha1()
    h.update("\x1f".join(members).encode())
    h.update(b"\x1e")
    h.update("\x1f".join(issn_ls).encode())
    return h.hexdigest()


def _write_scopes(services, holdings: Holdings, report: ScopeRebuild) -> None:
    settings, client = services.settings, services.client
    alias = settings.index.write_alias(COLLECTION)
    existing = {hit["_id"]: hit["_source"].get("digest") for hit in helpers.scan(
        client, index=alias, query={"query": {"match_all": {}}, "_source": ["digest"]})}
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    writer = BulkWriter(client, alias, docs=100, max_bytes=settings.index.bulk_bytes, concurrency=1)
    keys = all_scope_keys(services.registry)
    report.scopes = len(keys)
    empty: set[str] = set()
    for key, members in keys.items():
        held: set[str] = set()
        for library in members:
            held |= holdings.get(library, empty)
        issn_ls = sorted(held)
        report.largest = max(report.largest, len(issn_ls))
        digest = _digest(members, issn_ls)
        if existing.get(key) == digest:
            report.unchanged += 1
            continue
        writer.index(key, {"key": key, "level": key.split(":", 1)[0], "libraries": list(members),
                           "issn_l": issn_ls, "count": len(issn_ls), "digest": digest, "built_at": now}, ref=key)
    for key in existing.keys() - keys.keys():
        writer.delete(key, ref=key)  # a scope the registry no longer has
    stats = writer.close()
    report.written, report.deleted = stats.indexed, stats.deleted
    if writer.failures:
        first = writer.failures[0]
        raise IndexerError(f"{len(writer.failures)} journal scope documents refused; first {first.doc_id}: "
                           f"{first.reason}", ref=COLLECTION)
    client.indices.refresh(index=alias)


def _write_holders(services, holdings: Holdings, report: ScopeRebuild) -> None:
    """holding_libraries on the journals: rewrite the journals whose holders changed, create the missing."""
    settings, client = services.settings, services.client
    alias = settings.index.write_alias(jn.COLLECTION)
    wanted: dict[str, list[str]] = {}
    for library, issn_ls in holdings.items():
        for i in issn_ls:
            wanted.setdefault(i, []).append(library)
    changed: list[str] = []
    stored: set[str] = set()
    for hit in helpers.scan(client, index=alias, query={"query": {"match_all": {}},
                                                         "_source": ["holding_libraries"]}):
        stored.add(hit["_id"])
        if sorted(hit["_source"].get("holding_libraries") or ()) != sorted(wanted.get(hit["_id"], ())):
            changed.append(hit["_id"])
    missing = sorted(i for i in wanted if i not in stored)
    writer = BulkWriter(client, alias, docs=500, concurrency=1)
    for start in range(0, len(changed), 500):
        chunk = changed[start:start + 500]
        for issn_l, stored in _mget(client, alias, chunk).items():
            doc = jn.display(stored)
            _set_holders(doc, wanted.get(issn_l, []))
            writer.index(issn_l, jn.build(doc), ref=issn_l)
    report.journals_updated = len(changed)
    if missing:
        table = IssnLTable(settings.state_dir / "issnl.sqlite")
        try:
            for issn_l in missing:
                doc = {"collection": jn.COLLECTION, "type": "journal", "issn_l": issn_l,
                       "issn": sorted(set(table.members(issn_l)) | {issn_l})}
                _set_holders(doc, wanted[issn_l])
                writer.index(issn_l, jn.build(doc), ref=issn_l)
        finally:
            table.close()
    report.journals_created = len(missing)
    writer.close()
    if writer.failures:
        first = writer.failures[0]
        raise IndexerError(f"{len(writer.failures)} journal documents refused; first {first.doc_id}: {first.reason}",
                           ref=jn.COLLECTION)
    client.indices.refresh(index=alias)


def _set_holders(doc: dict, libraries: list[str]) -> None:
    if libraries:
        doc["holding_libraries"], doc["holding_count"] = sorted(libraries), len(libraries)
    else:
        doc.pop("holding_libraries", None)
        doc.pop("holding_count", None)


def print_report(report: ScopeRebuild, out=sys.stdout) -> None:
    r = report
    print(f"journal scopes: {r.scopes} scopes ({r.written} written, {r.unchanged} unchanged, {r.deleted} deleted); "
          f"{r.libraries} libraries hold {r.holdings} journals in all, the largest scope {r.largest}; journals: "
          f"{r.journals_updated} updated, {r.journals_created} created ({r.seconds} s)", file=out)
    if r.unknown_libraries:
        print(f"ignored holdings of libraries not in the registry: {', '.join(r.unknown_libraries[:20])}", file=out)
