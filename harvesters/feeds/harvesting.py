"""What the feed harvesters (Crossref, local JATS/CSV) share: a run's bookkeeping around an article session.

A page (a Crossref response, a local file) goes: ledger check -> `ArticleSession.add` -> `sync()`
(Elasticsearch has it all) -> `CheckpointStore.page_done` with the page's counts and ledger entries.
Buckets of harvesters.base.HarvestSummary: articles that made or joined a document and journal records
are `indexed`; records that are not articles (book chapters...), unusable records and records
Elasticsearch refused are `rejected` (with the reason in the dead-letter file and a count per reason in
the run's errors); records the ledger holds with the same datestamp are `unchanged`.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import replace
from typing import Iterable

from harvesters.base import MODES, HarvestSummary
from harvesters.checkpoints import CheckpointStore, Counts, LedgerEntry, Run, Seen
from harvesters.errors import HarvestError
from harvesters.feeds.records import ArticleRecord, BadRecord, FeedItem, JournalRecord, Skipped
from harvesters.sources import Source
from indexer.articles import ArticleLoader, ArticleLoadSummary, ArticleSession

ERRORS_IN_SUMMARY = 20


def item_id(item: FeedItem) -> str | None:
    """The ledger identifier of an item: the record's own id (a DOI for Crossref)."""
    return item.record_id or (item.doi if isinstance(item, ArticleRecord) else None)


def unchanged(item: FeedItem, seen: dict[str, Seen], run: Run) -> bool:
    """Already seen with this datestamp: by this run (a replayed page), or by any run when incremental.
    (Records Elasticsearch refused are in the ledger without a datestamp: they are always tried again.)"""
    ident = item_id(item)
    stamp = getattr(item, "updated", None)
    prior = seen.get(ident) if ident else None
    return (prior is not None and stamp is not None and prior.datestamp == stamp
            and (prior.run == run.id or run.mode == "incremental"))


class FeedRun:
    """One harvest run's article session, counts and ledger; blocking methods run in a worker thread."""

    def __init__(self, services, source: Source, checkpoints: CheckpointStore, run: Run):
        self.services = services
        self.source = source
        self.checkpoints = checkpoints
        self.run = run
        self.loader = ArticleLoader(services.settings, services.client, progress=False)
        self.session: ArticleSession | None = None
        self.reasons: Counter = Counter()

    def open(self) -> None:
        self.session = self.loader.open_session(f"harvest {self.source.name}")

    def page(self, items: Iterable[FeedItem], seen: dict[str, Seen], *, cursor: str | None,
             state: dict | None = None, extra: Iterable[LedgerEntry] = (), errors: Iterable[str] = (),
             record_ledger: bool = True) -> Counts:
        """Index one page and commit its checkpoint; returns the page's counts."""
        session = self.session
        before = replace(session.summary)
        counts = Counts()
        taken: list[FeedItem] = []
        for item in items:
            if unchanged(item, seen, self.run):
                counts.unchanged += 1
                continue
            taken.append(item)
            session.add(item)
            if isinstance(item, (Skipped, BadRecord)):
                self.reasons[item.reason] += 1
        session.sync()
        counts.add(_delta(before, session.summary))
        counts.harvested += counts.unchanged
        ledger = [*extra, *(self._ledger(taken, session.refused) if record_ledger else ())]
        self.run = self.checkpoints.page_done(self.run, cursor, counts, ledger, errors, state)
        return counts

    @staticmethod
    def _ledger(items: list[FeedItem], refused: set[str]) -> list[LedgerEntry]:
        out = []
        for item in items:
            ident = item_id(item)
            if not ident:
                continue
            refused_here = isinstance(item, ArticleRecord) and item.ref in refused
            ok = isinstance(item, (ArticleRecord, JournalRecord)) and not refused_here
            stamp = None if refused_here else getattr(item, "updated", None)
            out.append(LedgerEntry(ident, stamp, False, "indexed" if ok else "rejected"))
        return out

    def close(self) -> ArticleLoadSummary | None:
        try:
            return self.session.close() if self.session else None
        finally:
            self.loader.close()

    def summary(self, mode: str, started: float, resumed: bool) -> HarvestSummary:
        run = self.checkpoints.run(self.run.id)
        c = run.counts
        s = HarvestSummary(self.source.name, mode, c.harvested, c.indexed, c.deleted, c.rejected, c.unchanged,
                           run.removed, run.pages, run_id=run.id, resumed=resumed)
        s.errors = [f"{n} x {reason}" for reason, n in self.reasons.most_common()]
        s.errors += self.checkpoints.errors(run, ERRORS_IN_SUMMARY)
        letters = self.session.letters if self.session else None
        s.dead_letter = str(letters.written) if letters and letters.written else None
        s.high_water = self.checkpoints.high_water(self.source.name)
        s.seconds = round(time.perf_counter() - started, 3)
        return s


def _delta(before: ArticleLoadSummary, after: ArticleLoadSummary) -> Counts:
    d = {name: getattr(after, name) - getattr(before, name)
         for name in ("read", "indexed", "merged", "journals", "skipped", "rejected")}
    return Counts(harvested=d["read"], indexed=d["indexed"] + d["merged"] + d["journals"],
                  rejected=d["skipped"] + d["rejected"])


def check_mode(mode: str, source: Source) -> None:
    if mode not in MODES:
        raise HarvestError(f"mode must be one of {', '.join(MODES)}, not {mode!r}", ref=source.name)


async def rebuild_scopes(services) -> None:
    """New journals get their holders (cheap when nothing changed: digests)."""
    from indexer.journal_scopes import rebuild_journal_scopes

    await asyncio.to_thread(rebuild_journal_scopes, services)
