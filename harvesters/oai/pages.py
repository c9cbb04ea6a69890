"""One page of records -> documents to index, ids to delete, and the fate of every record.

`PageMapper.prepare()` is the CPU-bound part of a harvest (mapping, Chinese analysis, serialising). The
harvester runs it in a worker thread, or - for large lists, on machines with cores to spare - in worker
processes (`init_worker` / `prepare_answer`: the raw answer goes in, the prepared page comes out), since
Python's GIL lets only one thread build documents at a time.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import orjson

from harvesters.checkpoints import Counts, LedgerEntry, Seen
from harvesters.errors import MappingError
from harvesters.marc.mapper import MarcMapper
from harvesters.oai import protocol
from harvesters.oai.protocol import OaiRecord
from harvesters.oai.records import Deleted, fulltext_url, map_metadata
from harvesters.sources import Source
from indexer.theses import ThesisBuilder, thesis_id
from yidu.libraries import Registry


@dataclass(frozen=True)
class RunView:
    """What preparing a page needs to know of its run."""

    id: int
    mode: str
    granularity: str | None


@dataclass(frozen=True)
class RecordPosition:
    """Where a record was in the run: page number, record number in the page, line in the answer."""

    page: int
    index: int | None = None
    line: int | None = None
    offset: None = None  # (DeadLetters looks for index/offset/line)

    def __str__(self) -> str:
        where = f"page {self.page}" + (f" record {self.index}" if self.index else "")
        return where + (f" (line {self.line})" if self.line else "")


@dataclass
class Rejection:
    identifier: str | None
    position: RecordPosition
    reason: str
    raw: bytes | None
    datestamp: str | None = None


@dataclass
class PageResult:
    counts: Counts = field(default_factory=Counts)
    ledger: list[LedgerEntry] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class PreparedPage:
    docs: list[tuple[str, bytes, str]]  # (document id, serialised document, OAI identifier)
    deletes: list[tuple[str, str]]  # (document id, OAI identifier)
    outcomes: dict[str, tuple[str, str | None, bool]]  # identifier -> (indexed|deleted, datestamp, deleted)
    result: PageResult  # counts, ledger and rejections of what never reaches Elasticsearch

    def settle(self, refused: dict[str, str], number: int) -> PageResult:
        """The page's final result once Elasticsearch answered: `refused` maps identifiers to its reasons."""
        result, counts = self.result, self.result.counts
        for ident, (outcome, datestamp, deleted) in self.outcomes.items():
            if ident in refused:
                counts.rejected += 1
                result.rejections.append(Rejection(ident, RecordPosition(number), "Elasticsearch refused the "
                                                   f"document: {refused[ident]}", None, datestamp))
                # no datestamp in the ledger: the next harvest that meets the record tries it again
                result.ledger.append(LedgerEntry(ident, None, deleted, "rejected"))
                continue
            setattr(counts, outcome, getattr(counts, outcome) + 1)
            result.ledger.append(LedgerEntry(ident, datestamp, deleted, outcome))
        return result


def unchanged(prior: Seen | None, datestamp: str | None, deleted: bool, run: RunView) -> bool:
    """Already done with this very version: in this run (a replayed page), or - incremental runs against a
    repository with seconds granularity - in an earlier one. A day-granularity datestamp cannot tell two
    versions of the same day apart, so across runs those are sent again (the write is idempotent)."""
    if prior is None or datestamp is None or prior.datestamp != datestamp or prior.deleted != deleted:
        return False
    if prior.run == run.id:
        return True
    return run.mode == "incremental" and run.granularity == protocol.SECONDS


class PageMapper:
    def __init__(self, source: Source, registry: Registry):
        self.source = source
        self.builder = ThesisBuilder(registry)
        self.marc = MarcMapper()

    def prepare(self, records: list[OaiRecord], run: RunView, seen: dict[str, Seen], number: int) -> PreparedPage:
        source = self.source
        result = PageResult()
        counts = result.counts
        last = {r.header.identifier: i for i, r in enumerate(records) if r.header.identifier}
        docs: list[tuple[str, bytes, str]] = []
        deletes: list[tuple[str, str]] = []
        outcomes: dict[str, tuple[str, str | None, bool]] = {}
        for i, rec in enumerate(records):
            counts.harvested += 1
            header = rec.header
            ident = header.identifier
            position = RecordPosition(number, i + 1, rec.line)
            datestamp = protocol.normalise_datestamp(header.datestamp)
            if not ident:
                counts.rejected += 1
                result.rejections.append(Rejection(None, position, "header without an identifier: the record "
                                                   "cannot be indexed, updated or deleted", rec.raw(), datestamp))
                continue
            if last[ident] != i:
                counts.unchanged += 1  # a later entry of the same page supersedes it
                continue
            if unchanged(seen.get(ident), datestamp, header.deleted, run):
                counts.unchanged += 1
                continue
            doc_id = thesis_id(source.name, ident)
            if header.deleted:
                deletes.append((doc_id, ident))
                outcomes[ident] = ("deleted", datestamp, True)
                continue
            try:
                mapped = map_metadata(rec.metadata, library=source.library, marc=self.marc)
            except MappingError as exc:
                counts.rejected += 1
                result.rejections.append(Rejection(ident, position, exc.message, rec.raw(), datestamp))
                result.ledger.append(LedgerEntry(ident, datestamp, False, "rejected"))
                continue
            if isinstance(mapped, Deleted):
                deletes.append((doc_id, ident))
                outcomes[ident] = ("deleted", datestamp, True)
                continue
            doc = self.builder.build(mapped, source=source.name, origin=source.origin, library=source.library,
                                     identifier=ident, datestamp=datestamp, fulltext_url=fulltext_url(mapped))
            docs.append((doc_id, orjson.dumps(doc), ident))
            outcomes[ident] = ("indexed", datestamp, False)
        return PreparedPage(docs, deletes, outcomes, result)


# --- in a worker process -------------------------------------------------------------------------------
_mapper: PageMapper | None = None


def init_worker(source: Source, registry: Registry) -> None:
    global _mapper
    from yidu import textzh

    _follow_parent()
    textzh.warm_up()
    _mapper = PageMapper(source, registry)


def _follow_parent() -> None:
    """Exit when the harvest process is gone (kill -9 included): an orphaned worker would wait for work forever,
    since it holds both ends of its own task queue."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def prepare_answer(body: bytes, run: RunView, seen: dict[str, Seen], number: int) -> PreparedPage:
    """A ListRecords answer as received -> the prepared page (parsed again here: lxml trees do not travel)."""
    records, _ = protocol.read_records(protocol.parse_envelope(body, "ListRecords"))
    return _mapper.prepare(records, run, seen, number)
