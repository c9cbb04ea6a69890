"""The articles pipeline: feed records -> deduplicated, merged article documents + journal documents.

  feed items (harvesters.feeds) -> ISSN-L (indexer.issnl) -> article draft -> dedup and merge
  -> bulk write (indexer.bulk) to the `articles` and `journals` collections (indexer.indices)

Deduplication. Every article has merge keys, strongest first:

  doi:<doi>                                   the DOI (yidu.identifiers.doi form)
  loc:<issn_l>|<volume>|<issue>|<first page>  the locator, when the journal and volume and first page are known
  pmid:<pmid>                                 PubMed, MEDLINE and PMC JATS share PMIDs
  cit:<issn_l or journal>|<year>|<title>      folded citation, for feeds with neither (titles of 10+ chars)

A new document's id is "a" + 64 bits of SHA-1 of its strongest key, so a second feed with the same
DOI lands on the same id. Keys that are not their document's own id (the locator of a DOI document, a
DOI that arrived after its locator...) are kept in a small alias table (`<state>/articles.sqlite`, two
64-bit integers per row), so a DOI-less CSV row finds the Crossref document of its locator. Two
records merge only when they are compatible: equal DOIs when both have one; else equal PMIDs when both
have one; else no disagreement in ISSN-L, volume, issue or first page where both give them.

Merging is read-modify-write, batched by page (PAGE records): the page's records are grouped among
themselves, the stored documents of all their candidate ids are fetched in one `mget` (realtime: no
refresh needed), merged in Python, and written back with the BulkWriter; documents a merge absorbed
are deleted and their keys re-pointed. Documents still queued in the BulkWriter are not visible to
mget yet, so the last `RECENT` written documents are kept in memory and read from there. One loader
at a time per state folder (a lock file), so nothing else writes between the read and the write.

Field merge rule ("the richer value"): identifiers, ISSNs, subjects, feeds, source ids and sources are
unions; the author list with more names (then more letters) wins; a date with more precision wins;
every other field takes the longer non-empty value (the existing one on a tie).

Journal documents are merged the same way, but once per session rather than per page: a session keeps
the journals it met in memory and writes the changed ones every JOURNAL_BATCH changes and at each
`sync()`/`close()` (a load killed before that leaves journals to the next load that meets them).

Cost, measured on 20,000 generated CSV articles (500 journals) on the shared 2-core development box:
parsing + text analysis + bulk writing alone take 10.5-14 s (1,400-1,900 articles/s); the full load
with dedup keys, the alias table, one mget per page and the journals index takes 17-19 s (about 1,100/s),
i.e. the read-modify-write costs 35-65 %; loading the same 20,000 again (every record a merge) takes
18.5-21 s. The alias table holds two 64-bit integers per key that is not its document's own id.
"""
from __future__ import annotations

import fcntl
import hashlib
import re
import sqlite3
import time
from collections import Counter, OrderedDict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from elasticsearch import Elasticsearch, helpers
from tqdm import tqdm

from harvesters.feeds import read_feed
from harvesters.feeds.errors import FeedFileError
from harvesters.feeds.files import iter_feed_files
from harvesters.feeds.records import ArticleRecord, FeedItem, JournalRecord, Skipped
from indexer import journals as jn
from indexer.bulk import BulkWriter
from indexer.deadletter import DeadLetters
from indexer.errors import IndexerError, StoreError
from indexer.indices import IndexManager
from indexer.issnl import IssnLTable
from mappings.articles import FAMILIES, MAX_TERMS_COUNT
from yidu import textzh
from yidu.config import Settings

COLLECTION = "articles"
PAGE = 500
RECENT = 20_000  # >= documents the BulkWriter can hold unsent: (3 x concurrency + 2) x bulk_docs by default
MIN_CIT_TITLE = 10
JOURNAL_BATCH = 5000  # changed journals a session holds before writing them
JOURNAL_CACHE = 50_000  # journals a session keeps in memory
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Display fields whose merge is "the longer value".
SCALARS = ("title", "journal", "publisher", "volume", "issue", "pages", "first_page", "last_page", "summary",
           "language", "doi", "pmid", "pmc", "issn_l")
UNIONS = ("issn", "subjects", "feeds", "source_ids")


# --- the summary -------------------------------------------------------------------------------------

@dataclass
class ArticleLoadSummary:
    source: str
    read: int = 0  # records read: articles, journal records, skipped and bad ones
    indexed: int = 0  # articles that made a document of their own
    merged: int = 0  # articles that joined a document (same DOI, locator, PMID or citation)
    journals: int = 0  # journal records applied to the journals index
    skipped: int = 0  # well-formed records that are not journal articles (see skipped_reasons)
    rejected: int = 0  # unreadable or unusable records: in the dead-letter file with the reason
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)  # files read per format
    unreadable_files: list[str] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)  # non-feed files met in a directory walk
    articles_written: int = 0
    articles_deleted: int = 0  # documents absorbed by a merge
    journals_written: int = 0
    dead_letter: str | None = None
    relinked: dict | None = None  # documents moved from guessed ISSN-Ls the load corrected
    scopes: dict | None = None  # the journal-scope rebuild run at the end of a load
    seconds: float = 0.0

    @property
    def balanced(self) -> bool:
        return self.read == self.indexed + self.merged + self.journals + self.skipped + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "balanced": self.balanced}


# --- keys and ids ------------------------------------------------------------------------------------

def _hash64(key: str) -> int:
    return int.from_bytes(hashlib.sha1(key.encode()).digest()[:8], "big", signed=True)


def doc_id(key: str) -> str:
    return "a%016x" % (_hash64(key) & 0xFFFFFFFFFFFFFFFF)


def _id_int(doc_id_: str) -> int:
    return int.from_bytes(int(doc_id_[1:], 16).to_bytes(8, "big"), "big", signed=True)


def _id_str(value: int) -> str:
    return "a%016x" % (value & 0xFFFFFFFFFFFFFFFF)


@lru_cache(maxsize=65536)
def _compact(value: str) -> str:
    return _NON_WORD.sub("", textzh.fold(value))


def _part(value: Any) -> str:
    text = _compact(str(value or ""))
    return text.lstrip("0") or text if text.isdigit() else text


def locator(doc: dict) -> tuple[str, str, str, str] | None:
    if not (doc.get("issn_l") and doc.get("volume") and doc.get("first_page")):
        return None
    return doc["issn_l"], _part(doc["volume"]), _part(doc.get("issue")), _part(doc["first_page"])


def citation(doc: dict) -> str | None:
    # analyze() is cached and the same title is analysed again when the document is built
    title = _NON_WORD.sub("", textzh.analyze(doc.get("title") or "").folded)
    journal = doc.get("issn_l") or _compact(doc.get("journal") or "")[:60]
    if len(title) < MIN_CIT_TITLE or not journal or not doc.get("year"):
        return None
    return f"cit:{journal}|{doc['year']}|{title[:100]}"


def merge_keys(doc: dict) -> list[str]:
    """The dedup keys of a document, strongest first (the first gives a new document its id)."""
    keys = []
    if doc.get("doi"):
        keys.append(f"doi:{doc['doi']}")
    loc = locator(doc)
    if loc:
        keys.append("loc:" + "|".join(loc))
    if doc.get("pmid"):
        keys.append(f"pmid:{doc['pmid']}")
    cit = citation(doc)
    if cit:
        keys.append(cit)
    return keys


def compatible(a: dict, b: dict) -> bool:
    """May these two describe the same article? DOIs decide; else PMIDs; else no locator disagreement."""
    if a.get("doi") and b.get("doi"):
        return a["doi"] == b["doi"]
    if a.get("pmid") and b.get("pmid"):
        return a["pmid"] == b["pmid"]
    for name in ("issn_l", "volume", "issue", "first_page"):
        x, y = a.get(name), b.get(name)
        if x and y and _part(x) != _part(y):
            return False
    return True


# --- drafts and merging ------------------------------------------------------------------------------

def draft(record: ArticleRecord, issn_l: str | None) -> dict:
    """The display fields of one article record, as an article document."""
    doc: dict[str, Any] = {"collection": "articles", "type": "article"}
    values = {
        "title": record.title, "authors": record.authors, "journal": record.journal, "issn_l": issn_l,
        "issn": sorted({i.value for i in record.issns} | ({issn_l} if issn_l else set())),
        "volume": record.volume, "issue": record.issue, "pages": record.pages, "first_page": record.first_page,
        "last_page": record.last_page, "date": record.date, "year": record.year, "doi": record.doi,
        "pmid": record.pmid, "pmc": record.pmc, "summary": record.abstract, "subjects": record.keywords,
        "language": record.language, "publisher": record.publisher, "feeds": [record.feed],
    }
    doc.update({k: v for k, v in values.items() if v not in (None, "", [])})
    rid = record.record_id or str(record.position)
    doc["source_ids"] = [f"{record.feed}:{rid}"]
    source = {"feed": record.feed, "record_id": rid, "origin": str(record.position)}
    if record.issns:
        source["issns"] = [f"{i.value} ({i.kind})" if i.kind else i.value for i in record.issns]
    if record.bad_issns:
        source["bad_issns"] = record.bad_issns  # kept: not valid ISSNs, but what the feed said
    doc["sources"] = [source]
    return doc


def _richer_authors(a: list | None, b: list | None) -> list | None:
    if not a or not b:
        return a or b
    return a if (len(a), sum(map(len, a))) >= (len(b), sum(map(len, b))) else b


def merge(a: dict, b: dict) -> dict:
    """One article document from two descriptions of the same article (a: the existing one)."""
    out = {"collection": "articles", "type": "article"}
    for name in SCALARS:
        x, y = a.get(name), b.get(name)
        value = x if x and (not y or len(str(x)) >= len(str(y))) else y
        if value:
            out[name] = value
    dates = [d for d in (a.get("date"), b.get("date")) if d]
    if dates:
        out["date"] = max(dates, key=len)  # more precision; the existing one on a tie
        out["year"] = int(out["date"][:4])
    authors = _richer_authors(a.get("authors"), b.get("authors"))
    if authors:
        out["authors"] = authors
    for name in UNIONS:
        values = jn._union(a.get(name), b.get(name), key=textzh.fold if name == "subjects" else None)
        if values:
            out[name] = sorted(values) if name != "subjects" else values
    # One entry per feed record (feed + its own id): the same Crossref work harvested twice is one record.
    out["sources"] = jn._union(a.get("sources"), b.get("sources"), key=lambda s: (s.get("feed"), s.get("record_id")))
    return out


def build(doc: dict, journal_title: str | None) -> dict:
    """The document as indexed: merge keys, facets, search forms."""
    out = jn.display(doc, FAMILIES)
    out.pop("merge_keys", None)
    out.pop("journal_facet", None)
    out["merge_keys"] = merge_keys(out)
    if journal_title or out.get("journal"):
        out["journal_facet"] = journal_title or out["journal"]
    if out.get("subjects"):
        out["subject_facet"] = sorted({s.split("--")[0].strip() for s in out["subjects"] if s.strip()})
    return jn.searchable(out, FAMILIES)


# --- the alias table ---------------------------------------------------------------------------------

class KeyMap:
    """Merge keys that are not their document's own id -> the document (SQLite, 64-bit integers)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                  "CREATE TABLE IF NOT EXISTS alias (k INTEGER PRIMARY KEY, id INTEGER NOT NULL);"
                                  "CREATE INDEX IF NOT EXISTS alias_id ON alias (id);")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the article key table {self.path}: {exc}") from None

    def close(self) -> None:
        self.commit()
        self.db.close()

    def begin(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def lookup(self, keys: Iterable[str]) -> dict[str, str]:
        by_hash = {_hash64(k): k for k in keys}
        out: dict[str, str] = {}
        hashes = list(by_hash)
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for k, target in self.db.execute(f"SELECT k, id FROM alias WHERE k IN ({marks})", chunk):
                out[by_hash[k]] = _id_str(target)
        return out

    def bind(self, keys: Iterable[str], target: str) -> None:
        """Point the keys at `target` (keys already pointing elsewhere keep their first document)."""
        t = _id_int(target)
        rows = [(h, t) for h in map(_hash64, keys) if h != t]
        self.db.executemany("INSERT OR IGNORE INTO alias (k, id) VALUES (?, ?)", rows)

    def repoint(self, old: str, new: str) -> None:
        """A merge absorbed `old` into `new`: its keys (and its own id as a key) now lead to `new`."""
        self.db.execute("UPDATE alias SET id = ? WHERE id = ?", (_id_int(new), _id_int(old)))
        self.db.execute("INSERT OR REPLACE INTO alias (k, id) VALUES (?, ?)", (_id_int(old), _id_int(new)))

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM alias").fetchone()[0]


class Recent:
    """The last documents written, by id: what mget cannot see while the BulkWriter still holds them."""

    def __init__(self, size: int):
        self.size = size
        self.docs: OrderedDict[str, dict | None] = OrderedDict()

    def get(self, key: str) -> tuple[bool, dict | None]:
        if key in self.docs:
            return True, self.docs[key]
        return False, None

    def put(self, key: str, doc: dict | None) -> None:  # None: deleted
        self.docs[key] = doc
        self.docs.move_to_end(key)
        while len(self.docs) > self.size:
            self.docs.popitem(last=False)


# --- the loader ----------------------------------------------------------------------------------------

class ArticleLoader:
    """Loads feed files (or harvested items, through `session()`) into the articles and journals indices."""

    def __init__(self, settings: Settings, client: Elasticsearch, *, progress: bool = False,
                 issnl: IssnLTable | None = None, keys: KeyMap | None = None):
        self.settings = settings
        self.client = client
        self.indices = IndexManager(client, settings.index)
        self.issnl = issnl or IssnLTable(settings.state_dir / "issnl.sqlite")
        self.keys = keys or KeyMap(settings.state_dir / "articles.sqlite")
        self.progress = progress
        self.recent_articles = Recent(RECENT)
        self.recent_journals = Recent(RECENT)

    def close(self) -> None:
        self.keys.close()
        self.issnl.close()

    def ensure(self) -> None:
        """Both collections exist (v1 behind aliases on first use); articles accept large terms lookups."""
        self.indices.ensure(jn.COLLECTION)
        name = self.indices.ensure(COLLECTION)
        raise_terms_limit(self.client, name, MAX_TERMS_COUNT)

    # --- files -------------------------------------------------------------------------------------
    def load(self, paths: Sequence[str | Path], fmt: str = "auto") -> ArticleLoadSummary:
        with self.session(", ".join(map(str, paths))) as session:
            for feed_file in iter_feed_files(paths):
                self.load_file(session, feed_file.path, fmt, explicit=feed_file.explicit)
        return session.summary

    def load_file(self, session: "ArticleSession", path: Path, fmt: str, *, explicit: bool = True) -> bool:
        """Read one file into the session; False (and the reason in the summary) when it is not a feed."""
        summary = session.summary
        try:
            chosen, items = read_feed(path, fmt)
            for item in items:
                session.add(item)
        except FeedFileError as exc:
            (summary.unreadable_files if explicit else summary.skipped_files).append(str(exc))
            return False
        summary.files[chosen] = summary.files.get(chosen, 0) + 1
        return True

    @contextmanager
    def session(self, name: str) -> Iterator["ArticleSession"]:
        """A locked writing session; the summary is complete when the block ends."""
        session = self.open_session(name)
        try:
            yield session
        finally:
            session.close()

    def open_session(self, name: str) -> "ArticleSession":
        """A writing session holding the loader's lock until `close()` (harvesters open one per run)."""
        lock = self._lock()
        try:
            self.ensure()
            return ArticleSession(self, name, lock)
        except BaseException:
            _unlock(lock)
            raise

    def _lock(self):
        """One article writer per state folder: the read-modify-write merge must not interleave."""
        path = self.settings.state_dir / "articles.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise IndexerError(f"another article load is running (lock: {path}); wait for it to finish") from None
        return handle

    @contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self._lock()
        try:
            yield
        finally:
            _unlock(lock)

    # --- relinking after the ISSN Centre's table corrected learned ISSN-Ls -------------------------
    def relink(self, changes: dict[str, str]) -> dict[str, int]:
        """Move articles and journals filed under a learned ISSN-L to the ISSN-L the centre's table gives."""
        if not changes:
            return {"articles": 0, "journals": 0}
        with self._locked():
            self.ensure()
            return self._relink(changes)

    def _relink(self, changes: dict[str, str]) -> dict[str, int]:
        cfg = self.settings.index
        alias = self.settings.index.alias
        writer = BulkWriter(self.client, cfg.write_alias(COLLECTION), docs=cfg.bulk_docs, concurrency=1)
        moved = 0
        old = sorted(changes)
        for start in range(0, len(old), 1000):
            query = {"terms": {"issn_l": old[start:start + 1000]}}
            for hit in helpers.scan(self.client, index=alias(COLLECTION), query={"query": query}):
                doc = jn.display(hit["_source"], FAMILIES)
                doc["issn_l"] = changes[doc["issn_l"]]
                doc["issn"] = sorted(set(doc.get("issn", ())) | {doc["issn_l"]})
                built = build(doc, doc.get("journal_facet"))
                self.keys.bind(built["merge_keys"], hit["_id"])
                writer.index(hit["_id"], built)
                moved += 1
        writer.close()
        journals = BulkWriter(self.client, cfg.write_alias(jn.COLLECTION), docs=cfg.bulk_docs, concurrency=1)
        found = _mget(self.client, alias(jn.COLLECTION), sorted(set(changes) | set(changes.values())))
        for before, after in changes.items():
            if before not in found:
                continue
            merged = jn.merge(jn.display(found.get(after) or {}), {**jn.display(found[before]), "issn_l": after})
            merged["issn"] = sorted(set(merged.get("issn", ())) | {after})
            found[after] = merged
            journals.index(after, jn.build(merged))
            journals.delete(before)
        journals.close()
        for name in (COLLECTION, jn.COLLECTION):
            self.client.indices.refresh(index=cfg.write_alias(name))
        self.recent_articles, self.recent_journals = Recent(RECENT), Recent(RECENT)
        return {"articles": moved, "journals": sum(1 for b in changes if b in found)}


def _unlock(handle) -> None:
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def raise_terms_limit(client: Elasticsearch, index: str, wanted: int) -> None:
    """index.max_terms_count (a dynamic setting) at least `wanted` on `index`."""
    current = client.indices.get_settings(index=index, name="index.max_terms_count", include_defaults=True)
    values = next(iter(current.body.values()))
    now = int((values.get("settings") or {}).get("index", {}).get("max_terms_count")
              or values["defaults"]["index"]["max_terms_count"])
    if now < wanted:
        client.indices.put_settings(index=index, settings={"index": {"max_terms_count": wanted}})


def _mget(client: Elasticsearch, index: str, ids: Sequence[str]) -> dict[str, dict]:
    if not ids:
        return {}
    response = client.mget(index=index, ids=list(ids))
    return {d["_id"]: d["_source"] for d in response["docs"] if d.get("found")}


# --- one writing session ---------------------------------------------------------------------------

@dataclass
class _Group:
    """Records of one page that describe one article."""

    doc: dict
    records: list[ArticleRecord]
    keys: list[str]


@dataclass
class _Entry:
    """A document as this page leaves it."""

    doc: dict
    records: list[ArticleRecord] = field(default_factory=list)
    absorbed: set[str] = field(default_factory=set)  # stored documents merged into it: to delete
    existed: bool = False  # it or something it absorbed was already in the index


class ArticleSession:
    """Takes feed items, writes them page by page; `close()` completes the summary."""

    def __init__(self, loader: ArticleLoader, name: str, lock=None):
        self.loader = loader
        self._lock = lock
        self.refused: set[str] = set()  # refs (DOI, record id...) of records Elasticsearch refused
        self.client = loader.client
        self.summary = ArticleLoadSummary(name)
        self.letters = DeadLetters(loader.settings.deadletter_dir, "articles")
        self._started = time.perf_counter()
        self._page: list[ArticleRecord] = []
        self._journal_records: list[JournalRecord] = []
        self._skipped: Counter = Counter()
        self._journals: dict[str, dict] = {}  # issn_l -> the journal document as this session knows it
        self._dirty_journals: set[str] = set()
        self._bar = tqdm(desc="articles", unit=" records", disable=not loader.progress, leave=False,
                         mininterval=0.5, dynamic_ncols=True)
        self._open_writers()

    def _open_writers(self) -> None:
        cfg = self.loader.settings.index
        self.articles = BulkWriter(self.client, cfg.write_alias(COLLECTION), docs=cfg.bulk_docs,
                                   max_bytes=cfg.bulk_bytes, concurrency=cfg.bulk_concurrency)
        self.journals = BulkWriter(self.client, cfg.write_alias(jn.COLLECTION), docs=cfg.bulk_docs,
                                   max_bytes=cfg.bulk_bytes, concurrency=1)

    def _close_writers(self) -> None:
        """Wait for the writers; records whose document Elasticsearch refused move to `rejected`."""
        try:
            articles, journals = self.articles.close(), self.journals.close()
        finally:
            failures = self.articles.failures + self.journals.failures
        self.summary.articles_written += articles.indexed
        self.summary.articles_deleted += articles.deleted
        self.summary.journals_written += journals.indexed
        other = []
        for failure in failures:
            if not isinstance(failure.ref, list):
                other.append(failure)  # a journal document or a deletion
                continue
            for bucket, position, ref in failure.ref:
                setattr(self.summary, bucket, getattr(self.summary, bucket) - 1)
                self.refused.add(ref)
                self._reject(position, f"Elasticsearch refused article {failure.doc_id}: {failure.reason}", ref)
        if other:
            self.summary.unreadable_files.append(f"{len(other)} journal documents or deletions refused by "
                                                 f"Elasticsearch, first: {other[0].doc_id}: {other[0].reason}")

    # --- input ---------------------------------------------------------------------------------------
    def add(self, item: FeedItem) -> None:
        self.summary.read += 1
        self._bar.update(1)
        if isinstance(item, ArticleRecord):
            self._page.append(item)
        elif isinstance(item, JournalRecord):
            self._journal_records.append(item)
        elif isinstance(item, Skipped):
            self.summary.skipped += 1
            self._skipped[item.reason] += 1
        else:
            self._reject(item.position, item.reason, item.record_id, item.raw)
        if len(self._page) + len(self._journal_records) >= PAGE:
            self.flush()

    def add_all(self, items: Iterable[FeedItem]) -> None:
        for item in items:
            self.add(item)

    def _reject(self, position: Any, reason: str, ref: str | None, raw: bytes | None = None) -> None:
        self.summary.rejected += 1
        self.letters.write(source=getattr(position, "source", str(position)), position=position, reason=reason,
                           control_number=ref, raw=raw)

    # --- a page ----------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the page of records taken so far (queued in the BulkWriters)."""
        if not self._page and not self._journal_records:
            return
        loader = self.loader
        loader.issnl.begin()
        loader.keys.begin()
        try:
            issn_ls = [loader.issnl.resolve(r.issns, r.issn_l) for r in self._page]
            entries = self._merge_with_stored(self._group(self._page, issn_ls))
            fragments = [jn.fragment(r, i) for r, i in zip(self._page, issn_ls) if i]
            for record in self._journal_records:
                issn_l = loader.issnl.resolve(record.issns, record.issn_l)
                if issn_l:
                    fragments.append(jn.fragment(record, issn_l))
                    self.summary.journals += 1
                else:
                    self._reject(record.position, "journal record without a valid ISSN", record.record_id)
            self._write_articles(entries, self._merge_journals(fragments))
        finally:
            loader.keys.commit()
            loader.issnl.commit()
        self._page, self._journal_records = [], []

    def sync(self) -> None:
        """Flush and wait until Elasticsearch has everything (before a harvester saves its checkpoint)."""
        self.flush()
        self._write_journals()
        self._close_writers()
        self._open_writers()

    @staticmethod
    def _group(records: list[ArticleRecord], issn_ls: list[str | None]) -> list[_Group]:
        """The page's records grouped by shared, compatible keys (duplicates within one page)."""
        groups: list[_Group] = []
        by_key: dict[str, int] = {}
        for record, issn_l in zip(records, issn_ls):
            doc = draft(record, issn_l)
            keys = merge_keys(doc)
            target = next((by_key[k] for k in keys if k in by_key and compatible(groups[by_key[k]].doc, doc)), None)
            if target is None:
                groups.append(_Group(doc, [record], keys))
                target = len(groups) - 1
            else:
                group = groups[target]
                group.doc = merge(group.doc, doc)
                group.records.append(record)
                group.keys = merge_keys(group.doc)
            for k in groups[target].keys:
                by_key.setdefault(k, target)
        return groups

    def _merge_with_stored(self, groups: list[_Group]) -> dict[str, _Entry]:
        """Each group merged into the stored (or this page's) documents it matches: id -> entry."""
        keys_of = [g.keys for g in groups]
        aliases = self.loader.keys.lookup({k for keys in keys_of for k in keys})
        candidates = [list(dict.fromkeys([aliases[k] for k in keys if k in aliases] + [doc_id(k) for k in keys]))
                      for keys in keys_of]
        stored = self._fetch({i for ids in candidates for i in ids})
        page: dict[str, _Entry] = {}
        redirect: dict[str, str] = {}

        def current(i: str) -> dict | None:
            return page[i].doc if i in page else stored.get(i)

        for group, keys, ids in zip(groups, keys_of, candidates):
            ids = list(dict.fromkeys(redirect.get(i, i) for i in ids))
            matches = [i for i in ids if current(i) is not None and compatible(current(i), group.doc)]
            own = doc_id(keys[0])
            if not matches:
                target = own if current(own) is None else doc_id(f"{keys[0]}|{group.doc['source_ids'][0]}")
                page[target] = _Entry(group.doc, list(group.records))
                continue
            target = own if own in matches else matches[0]
            entry = page.pop(target, None) or _Entry(stored[target], existed=True)
            for other in matches:
                if other == target:
                    continue
                absorbed = page.pop(other, None) or _Entry(stored[other], existed=True)
                entry.doc = merge(entry.doc, absorbed.doc)
                entry.records += absorbed.records
                entry.absorbed |= absorbed.absorbed | ({other} if other in stored else set())
                entry.existed |= absorbed.existed
                redirect[other] = target
            entry.doc = merge(entry.doc, group.doc)
            entry.records += group.records
            page[target] = entry
        return page

    def _fetch(self, ids: set[str]) -> dict[str, dict]:
        """Stored documents (display fields) by id: the recently written from memory, the rest by mget."""
        found: dict[str, dict] = {}
        missing = []
        for i in ids:
            hit, doc = self.loader.recent_articles.get(i)
            if not hit:
                missing.append(i)
            elif doc is not None:
                found[i] = doc
        fetched = _mget(self.client, self.loader.settings.index.write_alias(COLLECTION), sorted(missing))
        found.update({i: jn.display(d, FAMILIES) for i, d in fetched.items()})
        return found

    def _merge_journals(self, fragments: list[dict]) -> dict[str, str]:
        """Merge the page's journal fragments into the session's journal documents; issn_l -> title.

        A session reads each journal once (mget) and writes it when JOURNAL_BATCH journals have changed
        and at every sync/close - not once per page, which would rebuild a journal hundreds of times."""
        by_issn_l: dict[str, dict] = {}
        for f in fragments:
            by_issn_l[f["issn_l"]] = jn.merge(by_issn_l.get(f["issn_l"], {}), f)
        recent, missing = self.loader.recent_journals, []
        for issn_l in by_issn_l:
            if issn_l in self._journals:
                continue
            hit, doc = recent.get(issn_l)
            if hit:
                self._journals[issn_l] = doc or {}
            else:
                missing.append(issn_l)
        fetched = _mget(self.client, self.loader.settings.index.write_alias(jn.COLLECTION), sorted(missing))
        for issn_l in missing:
            self._journals[issn_l] = jn.display(fetched[issn_l]) if issn_l in fetched else {}
        for issn_l, fragment in by_issn_l.items():
            self._journals[issn_l] = jn.merge(self._journals[issn_l], fragment)
            self._dirty_journals.add(issn_l)
        titles = {i: self._journals[i]["title"] for i in by_issn_l if self._journals[i].get("title")}
        if len(self._dirty_journals) >= JOURNAL_BATCH:
            self._write_journals()
        return titles

    def _write_journals(self) -> None:
        recent = self.loader.recent_journals
        for issn_l in sorted(self._dirty_journals):
            doc = self._journals[issn_l]
            recent.put(issn_l, doc)
            self.journals.index(issn_l, jn.build(doc), ref=issn_l)
        self._dirty_journals.clear()
        if len(self._journals) > JOURNAL_CACHE:
            self._journals.clear()  # all written: read again (recent cache, then mget) when met again

    def _write_articles(self, entries: dict[str, _Entry], titles: dict[str, str]) -> None:
        keys, recent, summary = self.loader.keys, self.loader.recent_articles, self.summary
        for target, entry in entries.items():
            refs = []
            for n, record in enumerate(entry.records):
                bucket = "indexed" if n == 0 and not entry.existed else "merged"
                setattr(summary, bucket, getattr(summary, bucket) + 1)
                refs.append((bucket, record.position, record.ref))
            built = build(entry.doc, titles.get(entry.doc.get("issn_l")))
            self.articles.index(target, built, ref=refs)
            recent.put(target, entry.doc)
            for gone in entry.absorbed:
                self.articles.delete(gone)
                keys.repoint(gone, target)
                recent.put(gone, None)
            keys.bind(built["merge_keys"], target)

    # --- the end ---------------------------------------------------------------------------------------
    def close(self) -> ArticleLoadSummary:
        if self._lock is None:
            return self.summary  # closed already
        try:
            try:
                self.flush()
                self._write_journals()
            finally:
                self._close_writers()
                self._bar.close()
            for name in (COLLECTION, jn.COLLECTION):
                self.client.indices.refresh(index=self.loader.settings.index.write_alias(name))
            relinks = self.loader.issnl.take_relinks()
            if relinks:  # a guessed ISSN-L was corrected during the load: move what was filed under it
                self.summary.relinked = self.loader._relink(relinks)
        finally:
            self.letters.close()
            _unlock(self._lock)
            self._lock = None
        self.summary.skipped_reasons = dict(self._skipped.most_common())
        self.summary.dead_letter = str(self.letters.written) if self.letters.written else None
        self.summary.seconds = round(time.perf_counter() - self._started, 3)
        return self.summary
