"""A small pool of forked worker processes for the CPU-bound parts of the pipelines.

Parsing, mapping and building union documents are pure Python and CPU-bound; the GIL keeps them
on one core. Forked workers inherit the loaded dictionaries (copy-on-write), take tasks from a
bounded queue and send back results; the parent keeps the I/O (SQLite, bulk requests). At most
`in_flight` tasks are outstanding, so memory stays bounded whatever the input size.

    with WorkerPool(fn, workers=2) as pool:
        for task in tasks:
            for result in pool.submit(task):    # yields results that are ready, waits when full
                handle(result)
        for result in pool.drain():
            handle(result)

`fn(task)` returns an iterable of results (a worker may stream several per task). A worker's
exception is re-raised in the parent with the worker's traceback.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
import os
import threading
import time
import traceback
from typing import Any, Callable, Iterable, Iterator

from indexer.errors import IndexerError

_DONE = "__done__"
_ERROR = "__error__"


def _watch_parent(parent: int) -> None:
    """A worker holds both ends of its queues, so a parent killed with -9 would leave it waiting forever."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _serve(fn: Callable[[Any], Iterable[Any]], tasks: Any, results: Any, parent: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    for task in iter(tasks.get, None):
        try:
            for result in fn(task):
                results.put(result)
        except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
            results.put((_ERROR, traceback.format_exc()))
        results.put((_DONE, None))


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)), 8))


class WorkerPool:
    def __init__(self, fn: Callable[[Any], Iterable[Any]], *, workers: int | None = None, in_flight: int | None = None):
        self.workers = workers or default_workers()
        self.in_flight = in_flight or self.workers * 2
        ctx = mp.get_context("fork")
        self._tasks = ctx.Queue()
        # A task may stream many results (a whole file's batches), and a worker's put() only blocks on
        # this bound: it is what stops workers from running ahead of a slower parent. At 64 per task
        # they could hold ~100k mapped records (hundreds of MB) unsent; 4 per task is still ample slack.
        self._results = ctx.Queue(maxsize=self.in_flight * 4)
        self._procs = [ctx.Process(target=_serve, args=(fn, self._tasks, self._results, os.getpid()), daemon=True)
                       for _ in range(self.workers)]
        # Freeze the parent's objects while forking: the workers' garbage collector then never walks
        # (and so never writes, copying on write) the pages they inherit - the mapper's and builder's
        # tables, the ES client, the services. Without it each worker ends up with a private copy.
        gc.freeze()
        try:
            for p in self._procs:
                p.start()
        finally:
            gc.unfreeze()
        self._outstanding = 0

    def submit(self, task: Any) -> Iterator[Any]:
        """Queue a task; while too many are outstanding, yield finished results."""
        while self._outstanding >= self.in_flight:
            yield from self._take()
        self._tasks.put(task)
        self._outstanding += 1

    def drain(self) -> Iterator[Any]:
        while self._outstanding:
            yield from self._take()

    def _take(self) -> Iterator[Any]:
        item = self._results.get()
        if isinstance(item, tuple) and len(item) == 2 and item[0] == _DONE:
            self._outstanding -= 1
            return
        if isinstance(item, tuple) and len(item) == 2 and item[0] == _ERROR:
            raise IndexerError(f"a worker process failed:\n{item[1]}")
        yield item

    def close(self) -> None:
        for _ in self._procs:
            self._tasks.put(None)
        for p in self._procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
