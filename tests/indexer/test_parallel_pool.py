"""The forked worker pool: bounded hand-over, every result delivered, worker errors raised here."""
from __future__ import annotations

import pytest

from indexer.errors import IndexerError
from indexer.parallel import WorkerPool


def _stream(task: tuple[int, int]):
    start, count = task
    for i in range(count):
        yield start + i


def _fail(task):
    raise ValueError(f"bad task {task}")
    yield  # pragma: no cover


def test_tasks_streaming_more_results_than_the_queue_holds_deliver_them_all():
    tasks = [(k * 1000, 300) for k in range(10)]  # 300 results per task, far above the per-task bound
    got = []
    with WorkerPool(_stream, workers=2) as pool:
        for task in tasks:
            got.extend(pool.submit(task))
        got.extend(pool.drain())
    assert sorted(got) == sorted(k * 1000 + i for k in range(10) for i in range(300))


def test_a_worker_error_is_raised_in_the_parent():
    with pytest.raises(IndexerError, match="bad task 1"):
        with WorkerPool(_fail, workers=2) as pool:
            list(pool.submit(1))
            list(pool.drain())
