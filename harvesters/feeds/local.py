"""Harvesting local feed files (protocols "jats" and "csv"): the source's url is a file or a folder.

Each file is one page. Incremental runs read only the files that changed since they were last read:
the ledger holds every file's path with its fingerprint (mtime in ns and size), and a file whose
fingerprint is unchanged is passed over (counted in the run's state, `files_unchanged`). A full run
reads every file. An interrupted run resumes after the last file it committed (same fingerprint,
same run). Files of another format than the protocol's (a PubMed file in a JATS folder, a README)
are passed over with the reason in the run's errors; the url itself missing or unreadable fails the run.
Options: `formats` (a list) widens the formats accepted, e.g. ["jats", "pubmed"].
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

from harvesters.base import HarvestSummary
from harvesters.checkpoints import CheckpointStore, Counts, LedgerEntry, Run
from harvesters.errors import HarvestError
from harvesters.feeds import detect, load_bytes, reader
from harvesters.feeds.errors import FeedFileError
from harvesters.feeds.files import FeedFile, iter_feed_files
from harvesters.feeds.harvesting import FeedRun, check_mode, rebuild_scopes
from harvesters.sources import Source

FILE_PREFIX = "file:"  # ledger identifiers of files, apart from record ids


class LocalFeedHarvester:
    protocol_format = "jats"

    def __init__(self, services, source: Source, checkpoints: CheckpointStore, *, http=None, scopes: bool = True):
        self.services = services
        self.source = source
        self.checkpoints = checkpoints
        self.scopes = scopes
        formats = (source.options or {}).get("formats") or [self.protocol_format]
        self.formats = frozenset(formats)

    async def run(self, *, mode: str = "incremental", from_: str | None = None,
                  until: str | None = None) -> HarvestSummary:
        check_mode(mode, self.source)
        started = time.perf_counter()
        name = self.source.name
        root = Path(self.source.url.removeprefix("file://"))
        if not root.exists():
            raise HarvestError(f"{name}: {root} does not exist", ref=name)
        with self.checkpoints.lock(name):
            run, resumed = self._open_run(mode)
            feed = FeedRun(self.services, self.source, self.checkpoints, run)
            try:
                await asyncio.to_thread(feed.open)
                run = await asyncio.to_thread(self._harvest, feed, root)
                self.checkpoints.finish_run(run, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            except BaseException as exc:
                message = str(exc) if isinstance(exc, HarvestError) else f"{type(exc).__name__}: {exc}"
                self.checkpoints.fail_run(feed.run, message)
                raise
            finally:
                await asyncio.to_thread(feed.close)
            if self.scopes:
                await rebuild_scopes(self.services)
        return feed.summary(mode, started, resumed)

    def _open_run(self, mode: str) -> tuple[Run, bool]:
        previous = self.checkpoints.resume_point(self.source.name)
        if previous is not None and previous.mode == mode:
            return self.checkpoints.resumed(previous), True
        return self.checkpoints.begin_run(self.source.name, mode, {"url": self.source.url}), False

    def _harvest(self, feed: FeedRun, root: Path) -> Run:
        cp, name = self.checkpoints, self.source.name
        files = list(iter_feed_files([root]))
        fingerprints = {f.path: f.fingerprint() for f in files}
        seen = cp.seen(name, [FILE_PREFIX + str(f.path) for f in files])
        state = dict(feed.run.state)
        state.setdefault("files_unchanged", 0)
        for f in files:
            ident, stamp = FILE_PREFIX + str(f.path), fingerprints[f.path]
            prior = seen.get(ident)
            if prior is not None and prior.datestamp == stamp and (
                    prior.run == feed.run.id or feed.run.mode == "incremental"):
                state["files_unchanged"] += 0 if prior.run == feed.run.id else 1
                continue
            self._file(feed, f, ident, stamp, state)
        cp.update_state(feed.run, state)
        return feed.run

    def _file(self, feed: FeedRun, f: FeedFile, ident: str, stamp: str, state: dict) -> None:
        try:
            data = load_bytes(f.path)
            fmt = detect(f.path, data)
        except FeedFileError as exc:
            if f.explicit:
                raise
            self._pass_over(feed, ident, stamp, state, exc.reason, f)
            return
        if fmt not in self.formats:
            self._pass_over(feed, ident, stamp, state, f"a {fmt} file, not {'/'.join(sorted(self.formats))}", f)
            return
        entry = LedgerEntry(ident, stamp, False, "indexed")
        try:
            feed.page(reader(fmt)(f.path, data), {}, cursor=None, state=state, extra=[entry], record_ledger=False)
        except FeedFileError as exc:  # raised while reading (a CSV without a title column...)
            if f.explicit:
                raise
            self._pass_over(feed, ident, stamp, state, exc.reason, f)

    def _pass_over(self, feed: FeedRun, ident: str, stamp: str, state: dict, reason: str, f: FeedFile) -> None:
        state["files_passed_over"] = state.get("files_passed_over", 0) + 1
        feed.run = self.checkpoints.page_done(feed.run, None, Counts(), [LedgerEntry(ident, stamp, False, "rejected")],
                                              [f"passed over {f.path}: {reason}"], state)


class JatsHarvester(LocalFeedHarvester):
    protocol_format = "jats"


class CsvHarvester(LocalFeedHarvester):
    protocol_format = "csv"
