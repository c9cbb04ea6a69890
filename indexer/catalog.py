"""The union catalogue pipeline: MARC files -> record store -> union documents -> the catalogue index.

  read (harvesters.marc.reader) -> map (harvesters.marc.mapper) -> store + group (indexer.store)
  -> build union documents of the changed groups (indexer.union) -> bulk write (indexer.bulk)

Every record read ends in exactly one bucket of the summary: indexed (it forms a union record of its
own), merged (it joined one with other records), deleted (a deletion record), or rejected (could not
be read, mapped or indexed - written to the dead-letter file with its position and reason).
"""
from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from elasticsearch import Elasticsearch
from tqdm import tqdm

from harvesters.errors import MappingError, MarcFileError
from harvesters.marc.mapper import MarcMapper
from harvesters.marc.reader import BadRecord, read_marc
from indexer.bulk import BulkWriter
from indexer.deadletter import DeadLetters
from indexer.errors import IndexerError, ReindexError
from indexer.indices import IndexManager
from indexer.store import RecordStore
from indexer.tuning import bulk_mode
from indexer.union import UnionBuilder, components, merge_keys
from yidu.config import Settings

COLLECTION = "catalog"
BULK_MODE_THRESHOLD = 5000  # dirty groups above which a sync switches the index to load mode
COMMIT_EVERY = 5000


@dataclass
class LoadSummary:
    library: str
    read: int = 0
    indexed: int = 0
    merged: int = 0
    deleted: int = 0
    rejected: int = 0
    removed: int = 0  # records of the library a full reload no longer contained
    union_written: int = 0
    union_deleted: int = 0
    unreadable_files: list[str] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)  # non-MARC files met in a directory walk
    dead_letter: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def balanced(self) -> bool:
        return self.read == self.indexed + self.merged + self.deleted + self.rejected


@dataclass
class SyncStats:
    written: int = 0
    deleted: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list = field(default_factory=list)


class CatalogPipeline:
    def __init__(self, settings: Settings, client: Elasticsearch, *, is_member: Callable[[str], bool],
                 store: RecordStore | None = None, mapper: MarcMapper | None = None, progress: bool = True):
        self.settings = settings
        self.client = client
        self.indices = IndexManager(client, settings.index)
        self.store = store or RecordStore(settings.record_store)
        self.mapper = mapper or MarcMapper()
        self.builder = UnionBuilder(is_member)
        self.is_member = is_member
        self.progress = progress

    # --- loading --------------------------------------------------------------------------------
    def load(self, paths: Sequence[str | Path], *, library: str, flavour: str = "auto",
             incremental: bool = False, sync: bool = True) -> LoadSummary:
        """Read, map and store the files' records, then (unless `sync=False`, for callers loading many
        libraries before one `sync()`) write the changed union records to the index."""
        if not self.is_member(library):
            raise IndexerError(f"unknown library {library!r}: load it into the registry first "
                               f"(yidu libraries list)", ref=library)
        summary = LoadSummary(library)
        started = time.perf_counter()
        letters = DeadLetters(self.settings.deadletter_dir, f"catalog-{library}")
        with self._locked():
            self.indices.ensure(COLLECTION)
            contributed: dict[int, list[tuple[str, str, str]]] = {}  # for moving index failures to rejected
            gen = self.store.new_generation()
            with self._bar("reading", "records") as bar:
                for path in paths:
                    try:
                        self._read_file(path, library, flavour, gen, summary, letters, bar)
                    except MarcFileError as exc:
                        summary.unreadable_files.append(str(exc))
            if not incremental and not summary.unreadable_files:
                self.store.begin()
                summary.removed = self.store.remove_stale(library, gen)
                self.store.commit()
            if sync:
                stats = self.sync()
                summary.union_written, summary.union_deleted = stats.written, stats.deleted
                self._reject_unindexed(stats, library, gen, summary, letters)
        letters.close()
        summary.dead_letter = str(letters.written) if letters.written else None
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    def _read_file(self, path, library, flavour, gen, summary, letters, bar) -> None:
        store = self.store
        store.begin()
        try:
            skipped = lambda file, reason: summary.skipped_files.append(f"{file}: {reason}")  # noqa: E731
            for n, item in enumerate(read_marc(path, flavour=flavour, on_skip=skipped), 1):
                summary.read += 1
                bar.update(1)
                if isinstance(item, BadRecord):
                    summary.rejected += 1
                    letters.write(source=item.position.source, position=item.position, reason=item.reason,
                                  control_number=item.control_number, raw=item.raw)
                    continue
                self._take(item, library, gen, summary, letters)
                if n % COMMIT_EVERY == 0:
                    store.commit()
                    store.begin()
        finally:
            store.commit()

    def _take(self, item, library: str, gen: int, summary: LoadSummary, letters: DeadLetters) -> None:
        try:
            doc = self.mapper.map(item.record, item.flavour, library)
        except MappingError as exc:
            summary.rejected += 1
            letters.write(source=item.position.source, position=item.position, reason=exc.message,
                          control_number=exc.ref, raw=item.raw)
            return
        control = doc["control_number"]
        if doc.get("deleted"):
            self.store.delete(library, control)
            summary.deleted += 1
            return
        outcome = self.store.upsert(library, control, doc, merge_keys(doc), raw=item.raw,
                                    origin=str(item.position), gen=gen)
        if outcome.merged:
            summary.merged += 1
        else:
            summary.indexed += 1

    def _reject_unindexed(self, stats: SyncStats, library: str, gen: int, summary: LoadSummary,
                          letters: DeadLetters) -> None:
        """Records of this load whose union document Elasticsearch refused count as rejected (they stay in
        the store, dirty, so the next sync retries them)."""
        for failure in stats.failures:
            mine = [r for r in self.store.sources_of(failure.ref) if r[0] == library and r[3] == gen]
            for _, control, origin, _ in mine:
                summary.rejected += 1
                if summary.merged and (len(mine) > 1 or not summary.indexed):
                    summary.merged -= 1
                else:
                    summary.indexed -= 1
                letters.write(source=origin, position=origin, control_number=control,
                              reason=f"Elasticsearch refused the union record {failure.doc_id}: {failure.reason}")

    def remove_library(self, library: str) -> LoadSummary:
        summary = LoadSummary(library)
        started = time.perf_counter()
        with self._locked():
            self.store.begin()
            summary.removed = self.store.remove_library(library)
            self.store.commit()
            stats = self.sync()
        summary.union_written, summary.union_deleted = stats.written, stats.deleted
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    # --- writing the index ----------------------------------------------------------------------
    def sync(self) -> SyncStats:
        """Write the documents of every changed group to the live index (through the write alias)."""
        target = self.indices.write_alias(COLLECTION)
        dirty = self.store.count_dirty()
        stats = SyncStats()
        if not dirty:
            return stats
        started = time.perf_counter()
        tuned = bulk_mode(self.client, target) if dirty >= BULK_MODE_THRESHOLD else _nothing()
        with tuned:
            stats = self._write_groups(target, dirty_only=True, total=dirty)
        if dirty < BULK_MODE_THRESHOLD:
            self.client.indices.refresh(index=target)
        stats.seconds = round(time.perf_counter() - started, 3)
        return stats

    def _write_groups(self, index: str, *, dirty_only: bool, total: int) -> SyncStats:
        cfg = self.settings.index
        writer = BulkWriter(self.client, index, docs=cfg.bulk_docs, max_bytes=cfg.bulk_bytes,
                            concurrency=cfg.bulk_concurrency)
        stats = SyncStats()
        store = self.store
        store.begin()
        with self._bar("indexing", "union records", total=total) as bar:
            for n, (grp, uid, members) in enumerate(store.iter_groups(dirty_only=dirty_only), 1):
                bar.update(1)
                if not members:
                    if uid:
                        store.doom(uid)
                    store.forget_group(grp)
                    continue
                if len(members) > 1:
                    parts = components(members)
                    if len(parts) > 1:
                        store.split(grp, [[(m.library, m.control) for m in p] for p in parts])
                        bar.total = (bar.total or 0) + len(parts) - 1
                        members = parts[0]
                new_uid, doc = self.builder.build(members)
                if uid and uid != new_uid and dirty_only:
                    store.doom(uid)
                writer.index(new_uid, doc, ref=grp)
                store.mark_built(grp, new_uid)
                stats.written += 1
                if n % COMMIT_EVERY == 0:
                    store.commit()
                    store.begin()
        store.commit()
        writer.close()
        # Deletions go last, in their own requests, and skip ids another group now owns: a delete and
        # an index of the same id in concurrent requests could otherwise land in either order.
        store.begin()
        doomed = store.take_doomed() if dirty_only else []
        store.commit()
        if doomed:
            deleter = BulkWriter(self.client, index, docs=cfg.bulk_docs, concurrency=1)
            for uid in doomed:
                deleter.delete(uid)
            stats.deleted = deleter.close().deleted
            writer.failures.extend(deleter.failures)
        stats.failures = writer.failures
        stats.failed = len(writer.failures)
        if writer.failures:
            store.begin()
            store.mark_dirty({f.ref for f in writer.failures if f.ref is not None})
            store.commit()
        return stats

    # --- reindex --------------------------------------------------------------------------------
    def reindex(self) -> dict[str, Any]:
        """Build a new version from the record store; move the aliases only if it checks out."""
        started = time.perf_counter()
        with self._locked():
            old = self.indices.state(COLLECTION).read
            new = self.indices.create_version(COLLECTION, replicas=0)
            try:
                with bulk_mode(self.client, new):
                    stats = self._write_groups(new, dirty_only=False, total=self.store.counts()["groups"])
                expected = self.store.counts()["groups"]
                found = self.client.count(index=new)["count"]
                if stats.failed or found != expected:
                    raise ReindexError(
                        f"new index {new} has {found} documents, the store has {expected} union records"
                        f" ({stats.failed} refused); the alias stays on {old}", ref=new)
            except BaseException:
                self.client.options(ignore_status=404).indices.delete(index=new)
                raise
            replicas = self.settings.index.replicas.get(COLLECTION, 0)
            self.client.indices.put_settings(index=new, settings={"index": {"number_of_replicas": replicas}})
            self.indices.swap(COLLECTION, new)
            dropped = self.indices.drop_old(COLLECTION, keep=1)
        return {"old": old, "new": new, "documents": found, "dropped": dropped,
                "seconds": round(time.perf_counter() - started, 3)}

    # --- helpers --------------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time per state folder: a load and a reindex must not interleave."""
        path = self.settings.state_dir / "catalog.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexerError("another catalogue load or reindex is running (lock: "
                                   f"{path}); wait for it to finish") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _bar(self, desc: str, unit: str, total: int | None = None):
        return tqdm(desc=desc, unit=f" {unit}", total=total, disable=not self.progress, leave=False,
                    mininterval=0.5, dynamic_ncols=True)


@contextmanager
def _nothing() -> Iterator[None]:
    yield
