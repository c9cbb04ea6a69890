"""The union catalogue pipeline: MARC files -> record store -> union documents -> the catalogue index.

  read (harvesters.marc.reader) -> map (harvesters.marc.mapper) -> store + group (indexer.store)
  -> build union documents of the changed groups (indexer.union) -> bulk write (indexer.bulk)

Every record read ends in exactly one bucket of the summary: indexed (it forms a union record of its
own), merged (it joined one with other records), deleted (a deletion record), or rejected (could not
be read, mapped or indexed - written to the dead-letter file with its position and reason).

Reading + mapping and building union documents are CPU-bound; for large inputs they run in forked
worker processes (indexer.parallel) while this process does the SQLite and bulk I/O. Small inputs
run in-process through the same functions.
"""
from __future__ import annotations

import fcntl
import os
import time
import zlib
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import orjson
from elasticsearch import Elasticsearch
from tqdm import tqdm

from harvesters.errors import MappingError, MarcFileError
from harvesters.marc.mapper import MarcMapper
from harvesters.marc.reader import BadRecord, read_marc, walk_files
from indexer.bulk import BulkWriter
from indexer.deadletter import DeadLetters
from indexer.errors import IndexerError, ReindexError
from indexer.indices import IndexManager
from indexer.parallel import WorkerPool, default_workers
from indexer.store import Member, RecordStore
from indexer.tuning import bulk_mode
from indexer.union import UnionBuilder, components, merge_keys
from yidu import textzh
from yidu.config import Settings

COLLECTION = "catalog"
BULK_MODE_THRESHOLD = 5000  # dirty groups above which a sync switches the index to load mode
PARALLEL_BYTES = 4 * 2**20  # inputs smaller than this are read in-process
PARALLEL_GROUPS = 2000  # syncs with fewer dirty groups build in-process
COMMIT_EVERY = 5000
BATCH = 400  # records (or groups) per message between processes

# Set in the parent before workers fork, so they inherit the mapper and builder (and their
# dictionaries) without pickling.
_CONTEXT: dict[str, Any] = {}


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


@dataclass(frozen=True)
class LoadJob:
    library: str
    paths: tuple[str, ...]
    flavour: str = "auto"
    incremental: bool = False


@dataclass
class SyncStats:
    written: int = 0
    deleted: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures: list = field(default_factory=list)


# --- the worker side: pure functions of a task ---------------------------------------------------
def _map_file(task: tuple) -> Iterator[tuple[LoadJob, list[tuple]]]:
    """Read and map one file; yield batches of prepared items for the parent to store."""
    job, path, from_directory = task
    library, flavour = job.library, job.flavour
    mapper: MarcMapper = _CONTEXT["mapper"]
    batch: list[tuple] = []
    try:
        for item in read_marc(path, flavour=flavour):
            batch.append(_prepare(item, mapper, library))
            if len(batch) >= BATCH:
                yield job, batch
                batch = []
    except MarcFileError as exc:
        batch.append(("skip", path, exc.reason) if from_directory else ("unreadable", str(exc)))
    yield job, batch


def _prepare(item: Any, mapper: MarcMapper, library: str) -> tuple:
    if isinstance(item, BadRecord):
        return ("reject", item.position, item.reason, item.control_number, item.raw)
    try:
        doc = mapper.map(item.record, item.flavour, library)
    except MappingError as exc:
        return ("reject", item.position, exc.message, exc.ref, item.raw)
    if doc.get("deleted"):
        return ("delete", item.position, doc["control_number"])
    raw = zlib.compress(item.raw, 1) if item.raw else None
    return ("doc", str(item.position), doc["control_number"], orjson.dumps(doc), merge_keys(doc), raw)


def _build_page(page: list[tuple]) -> Iterator[list[tuple]]:
    """Build the union documents of a page of groups; splits groups whose links are gone."""
    builder: UnionBuilder = _CONTEXT["builder"]
    out: list[tuple] = []
    for grp, uid, rows in page:
        if not rows:
            out.append(("empty", grp, uid))
            continue
        members = [Member(lib, ctl, orjson.loads(doc), origin) for lib, ctl, doc, origin in rows]
        if len(members) > 1:
            parts = components(members)
            if len(parts) > 1:
                out.append(("split", grp, [[(m.library, m.control) for m in p] for p in parts]))
                members = parts[0]
        new_uid, doc = builder.build(members)
        out.append(("built", grp, uid, new_uid, orjson.dumps(doc)))
    yield out


def _run(fn: Callable[[Any], Iterable[list]], tasks: Iterable[Any], workers: int) -> Iterator[list]:
    """Results of `fn` over `tasks`, in worker processes when workers > 1, else here."""
    if workers <= 1:
        for task in tasks:
            yield from fn(task)
        return
    with WorkerPool(fn, workers=workers) as pool:
        for task in tasks:
            yield from pool.submit(task)
        yield from pool.drain()


# --- the parent side -----------------------------------------------------------------------------
class CatalogPipeline:
    def __init__(self, settings: Settings, client: Elasticsearch, *, is_member: Callable[[str], bool],
                 store: RecordStore | None = None, mapper: MarcMapper | None = None, progress: bool = True,
                 workers: int | None = None):
        self.settings = settings
        self.client = client
        self.indices = IndexManager(client, settings.index)
        self.store = store or RecordStore(settings.record_store)
        self.mapper = mapper or MarcMapper()
        self.builder = UnionBuilder(is_member)
        self.is_member = is_member
        self.progress = progress
        self.workers = workers or default_workers()

    # --- loading --------------------------------------------------------------------------------
    def load(self, paths: Sequence[str | Path], *, library: str, flavour: str = "auto",
             incremental: bool = False, sync: bool = True) -> LoadSummary:
        """Read, map and store the files' records, then (unless `sync=False`) write the changed union
        records to the index."""
        job = LoadJob(library, tuple(str(p) for p in paths), flavour, incremental)
        return self.load_many([job], sync=sync)[0]

    def load_many(self, jobs: Sequence[LoadJob], *, sync: bool = True) -> list[LoadSummary]:
        """Several libraries' loads in one pass of the worker pool, then (by default) one sync."""
        for job in jobs:
            if not self.is_member(job.library):
                raise IndexerError(f"unknown library {job.library!r}: load it into the registry first "
                                   f"(yidu libraries list)", ref=job.library)
        started = time.perf_counter()
        # One generation per library, whatever the number of its jobs: a full load is the union of the
        # library's files in this call, so one job's stale pass must not drop what another job loaded.
        gens = {library: self.store.new_generation() for library in dict.fromkeys(job.library for job in jobs)}
        runs = {job: _Run(job, self.store, self.settings.deadletter_dir, gens[job.library]) for job in jobs}
        with self._locked():
            self.indices.ensure(COLLECTION)
            self._read(runs)
            for library, gen in gens.items():
                self._remove_stale(library, gen, [run for run in runs.values() if run.job.library == library])
            if sync:
                stats = self.sync()
                for run in runs.values():
                    run.summary.union_written, run.summary.union_deleted = stats.written, stats.deleted
                    self._reject_unindexed(stats, run)
        for run in runs.values():
            run.finish(started)
        return [runs[job].summary for job in jobs]

    def _remove_stale(self, library: str, gen: int, runs: list["_Run"]) -> None:
        """After a full load, drop the library's records that none of its files contained any more."""
        if runs[0].fresh:
            # The library had no records before this load: every record it has is of this generation, so
            # the look-up (a pass over all of the library's rows, whose cost grows with the store) finds nothing.
            return
        if any(run.job.incremental or run.summary.unreadable_files for run in runs):
            return  # an incremental file is not the whole catalogue; an unreadable one may hold the rest
        self.store.begin()
        runs[0].summary.removed = self.store.remove_stale(library, gen)
        self.store.commit()

    def _read(self, runs: dict[LoadJob, "_Run"]) -> None:
        tasks = [(job, path, from_dir) for job in runs for path, from_dir in _files(job.paths)]
        size = sum(_size(path) for _, path, _ in tasks)
        workers = self.workers if size >= PARALLEL_BYTES and len(tasks) > 1 else 1
        _CONTEXT["mapper"] = self.mapper
        store = self.store
        applied = 0
        store.begin()
        try:
            with self._bar("reading", "records") as bar:
                for job, batch in _run(_map_file, tasks, workers):
                    run = runs[job]
                    for item in batch:
                        applied += self._apply(item, run)
                    bar.update(len(batch))
                    if applied >= COMMIT_EVERY:
                        store.commit()
                        store.begin()
                        applied = 0
        finally:
            store.commit()

    def _apply(self, item: tuple, run: "_Run") -> int:
        """Store one prepared item and count it in its bucket; returns the number of records stored."""
        kind, summary = item[0], run.summary
        if kind == "skip":
            summary.skipped_files.append(f"{item[1]}: {item[2]}")
            return 0
        if kind == "unreadable":
            summary.unreadable_files.append(item[1])
            return 0
        summary.read += 1
        if kind == "reject":
            _, position, reason, control, raw = item
            summary.rejected += 1
            run.letters.write(source=position.source, position=position, reason=reason, control_number=control,
                              raw=raw)
        elif kind == "delete":
            self.store.delete(run.job.library, item[2])
            summary.deleted += 1
        else:
            _, origin, control, doc, keys, raw = item
            outcome = self.store.upsert(run.job.library, control, doc, keys, raw=raw, raw_packed=True,
                                        origin=origin, gen=run.gen, known_new=run.fresh)
            if outcome.merged:
                summary.merged += 1
            else:
                summary.indexed += 1
        return 1

    # --- writing the index ----------------------------------------------------------------------
    def sync(self) -> SyncStats:
        """Write the documents of every changed group to the live index (through the write alias)."""
        target = self.indices.write_alias(COLLECTION)
        dirty = self.store.count_dirty()
        if not dirty:
            return SyncStats()
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
        _CONTEXT["builder"] = self.builder
        workers = self.workers if total >= PARALLEL_GROUPS else 1
        if workers > 1:
            # Load the jieba dictionary, OpenCC and the pinyin tables once, here, before the workers
            # fork: they then share these pages instead of each loading a private copy (~85 MB each).
            textzh.warm_up()
        with self._bar("indexing", "union records", total=total) as bar:
            only_dirty = dirty_only
            for _ in range(4):  # later passes pick up the groups that splitting created
                store.begin()
                applied = 0
                for results in _run(_build_page, store.group_pages(dirty_only=only_dirty, batch=BATCH // 2), workers):
                    for result in results:
                        applied += 1
                        self._apply_built(result, writer, stats, dirty_only)
                    bar.update(len(results))
                    if applied >= COMMIT_EVERY:
                        store.commit()
                        store.begin()
                        applied = 0
                store.commit()
                only_dirty = True
                if not store.count_dirty():
                    break
        writer.close()
        self._delete_doomed(index, writer, stats, dirty_only)
        stats.failures = writer.failures
        stats.failed = len(writer.failures)
        if writer.failures:
            store.begin()
            store.mark_dirty({f.ref for f in writer.failures if f.ref is not None})
            store.commit()
        return stats

    def _apply_built(self, result: tuple, writer: BulkWriter, stats: SyncStats, dirty_only: bool) -> None:
        kind, grp = result[0], result[1]
        if kind == "empty":
            if result[2]:
                self.store.doom(result[2])
            self.store.forget_group(grp)
        elif kind == "split":
            self.store.split(grp, result[2])
        else:
            _, _, uid, new_uid, body = result
            if uid and uid != new_uid and dirty_only:
                self.store.doom(uid)
            writer.index(new_uid, body, ref=grp)
            self.store.mark_built(grp, new_uid)
            stats.written += 1

    def _delete_doomed(self, index: str, writer: BulkWriter, stats: SyncStats, dirty_only: bool) -> None:
        """Deletions go last, in their own requests, and skip ids another group now owns: a delete and an
        index of the same id in concurrent requests could otherwise land in either order."""
        self.store.begin()
        doomed = self.store.take_doomed() if dirty_only else []
        self.store.commit()
        if not doomed:
            return
        deleter = BulkWriter(self.client, index, docs=self.settings.index.bulk_docs, concurrency=1)
        for uid in doomed:
            deleter.delete(uid)
        stats.deleted = deleter.close().deleted
        writer.failures.extend(deleter.failures)

    def _reject_unindexed(self, stats: SyncStats, run: "_Run") -> None:
        """Records of this load whose union document Elasticsearch refused count as rejected (they stay in
        the store, dirty, so the next sync retries them)."""
        summary = run.summary
        for failure in stats.failures:
            if failure.ref is None:
                continue
            mine = [r for r in self.store.sources_of(failure.ref) if r[0] == run.job.library and r[3] == run.gen]
            for _, control, origin, _ in mine:
                summary.rejected += 1
                if summary.merged and (len(mine) > 1 or not summary.indexed):
                    summary.merged -= 1
                else:
                    summary.indexed -= 1
                run.letters.write(source=origin, position=origin, control_number=control,
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


class _Run:
    """One library's part of a load: its summary, dead letters and load generation."""

    def __init__(self, job: LoadJob, store: RecordStore, deadletter_dir: Path, gen: int):
        self.job = job
        self.summary = LoadSummary(job.library)
        self.letters = DeadLetters(deadletter_dir, f"catalog-{job.library}")
        self.gen = gen
        self.fresh = not store.has_library(job.library)  # no earlier version of any record to replace

    def finish(self, started: float) -> None:
        self.letters.close()
        self.summary.dead_letter = str(self.letters.written) if self.letters.written else None
        self.summary.seconds = round(time.perf_counter() - started, 3)


def _files(paths: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """(file, came from a directory walk) for every input path."""
    for path in paths:
        if os.path.isdir(path):
            for file in walk_files(path):
                yield file, True
        else:
            yield path, False


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


@contextmanager
def _nothing() -> Iterator[None]:
    yield
