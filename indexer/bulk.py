"""Streaming bulk writes: batched, concurrent, retried on 429, serialised with orjson.

The producer (a loader) calls `index()` / `delete()`; documents are serialised at once and packed into
NDJSON requests of at most `docs` documents or `max_bytes` bytes, which `concurrency` worker threads
send. The hand-over queue is bounded, so memory does not grow with the corpus: a fast producer
simply waits for Elasticsearch. Items Elasticsearch rejects for back-pressure (429) are re-sent with
exponential backoff; any other item error is reported through `failures` with the document's `ref`.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import orjson
from elasticsearch import ApiError, ConnectionError as EsConnectionError, ConnectionTimeout, Elasticsearch

from indexer.errors import BulkError

_STOP = object()


@dataclass
class BulkStats:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    requests: int = 0
    retries: int = 0
    bytes: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Failure:
    ref: Any  # what the producer attached to the document (e.g. its group id)
    doc_id: str
    reason: str


@dataclass
class _Chunk:
    lines: list[bytes] = field(default_factory=list)
    items: list[tuple[str, str, Any]] = field(default_factory=list)  # (op, doc_id, ref) per action
    size: int = 0


class BulkWriter:
    def __init__(
        self,
        client: Elasticsearch,
        index: str,
        *,
        docs: int = 1000,
        max_bytes: int = 8 * 1024 * 1024,
        concurrency: int = 2,
        max_retries: int = 6,
        backoff: float = 0.5,
        on_progress: Callable[[int], None] | None = None,
    ):
        self.client = client
        self.index_name = index
        self.docs = docs
        self.max_bytes = max_bytes
        self.max_retries = max_retries
        self.backoff = backoff
        self.on_progress = on_progress
        self.stats = BulkStats()
        self.failures: list[Failure] = []
        self._lock = threading.Lock()
        self._chunk = _Chunk()
        self._queue: queue.Queue = queue.Queue(maxsize=concurrency * 2)
        self._fatal: BaseException | None = None
        self._started = time.perf_counter()
        self._workers = [threading.Thread(target=self._work, daemon=True, name=f"bulk-{i}") for i in range(concurrency)]
        for w in self._workers:
            w.start()

    # --- producer side ------------------------------------------------------------------------
    def index(self, doc_id: str, doc: dict | bytes, ref: Any = None) -> None:
        body = doc if isinstance(doc, bytes) else orjson.dumps(doc)
        self._add(orjson.dumps({"index": {"_id": doc_id}}), body, ("index", doc_id, ref))

    def delete(self, doc_id: str, ref: Any = None) -> None:
        self._add(orjson.dumps({"delete": {"_id": doc_id}}), None, ("delete", doc_id, ref))

    def _add(self, action: bytes, body: bytes | None, item: tuple[str, str, Any]) -> None:
        if self._fatal:
            raise BulkError(f"bulk writing to {self.index_name} failed: {self._fatal}") from self._fatal
        chunk = self._chunk
        chunk.lines.append(action)
        chunk.size += len(action) + 1
        if body is not None:
            chunk.lines.append(body)
            chunk.size += len(body) + 1
        chunk.items.append(item)
        if len(chunk.items) >= self.docs or chunk.size >= self.max_bytes:
            self.flush()

    def flush(self) -> None:
        if self._chunk.items:
            self._queue.put(self._chunk)
            self._chunk = _Chunk()

    def close(self) -> BulkStats:
        """Send what is left, wait for the workers, and return the totals."""
        self.flush()
        for _ in self._workers:
            self._queue.put(_STOP)
        for w in self._workers:
            w.join()
        self.stats.seconds = time.perf_counter() - self._started
        if self._fatal:
            raise BulkError(f"bulk writing to {self.index_name} failed: {self._fatal}") from self._fatal
        return self.stats

    def __enter__(self) -> "BulkWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- worker side --------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            chunk = self._queue.get()
            if chunk is _STOP:
                return
            if self._fatal:
                continue  # drain so the producer never blocks forever
            try:
                self._send(chunk)
            except BaseException as exc:  # noqa: BLE001 - surfaced to the producer by close()/_add()
                self._fatal = exc

    def _send(self, chunk: _Chunk) -> None:
        lines, items = chunk.lines, chunk.items
        for attempt in range(self.max_retries + 1):
            payload = b"\n".join(lines) + b"\n"
            response = self._request(payload, attempt)
            retry_lines, retry_items = [], []
            line_at = 0
            for (op, doc_id, ref), result in zip(items, response["items"]):
                n = 2 if op == "index" else 1
                outcome = result.get(op, {})
                status = outcome.get("status", 500)
                if status == 429 and attempt < self.max_retries:
                    retry_lines += lines[line_at : line_at + n]
                    retry_items.append((op, doc_id, ref))
                elif status < 300 or (op == "delete" and status == 404):
                    self._count(op)
                else:
                    self._fail(ref, doc_id, outcome.get("error"))
                line_at += n
            if self.on_progress:
                self.on_progress(len(items) - len(retry_items))
            if not retry_items:
                return
            lines, items = retry_lines, retry_items
            with self._lock:
                self.stats.retries += 1
            time.sleep(self.backoff * 2**attempt)

    def _request(self, payload: bytes, attempt: int) -> dict:
        """One bulk request, retried as a whole on 429, timeouts and connection loss."""
        for whole in range(self.max_retries + 1):
            try:
                response = self.client.bulk(body=payload, index=self.index_name)
                with self._lock:
                    self.stats.requests += 1
                    self.stats.bytes += len(payload)
                return response.body if hasattr(response, "body") else response
            except ApiError as exc:
                if exc.status_code != 429 or whole == self.max_retries:
                    raise
            except (ConnectionTimeout, EsConnectionError):
                if whole == self.max_retries:
                    raise
            with self._lock:
                self.stats.retries += 1
            time.sleep(self.backoff * 2 ** (whole + attempt))
        raise BulkError("unreachable")

    def _count(self, op: str) -> None:
        with self._lock:
            if op == "index":
                self.stats.indexed += 1
            else:
                self.stats.deleted += 1

    def _fail(self, ref: Any, doc_id: str, error: Any) -> None:
        reason = error.get("reason", str(error)) if isinstance(error, dict) else str(error)
        if isinstance(error, dict) and error.get("caused_by"):
            reason += f" (caused by: {error['caused_by'].get('reason')})"
        with self._lock:
            self.stats.failed += 1
            self.failures.append(Failure(ref, doc_id, reason))
