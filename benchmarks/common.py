"""Helpers the benchmarks share: peak-RSS sampling, timing, JSON output and charts."""
from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import orjson
import psutil


class RssSampler:
    """The peak resident set size of this process and its workers during a block, sampled in a
    background thread (ru_maxrss only ever grows over the process lifetime, so it cannot compare
    phases, and it does not see the workers)."""

    def __init__(self, interval: float = 0.25):
        self.interval = interval
        self.peak = 0
        self.start = 0  # at entry: what the process held before the measured block
        self._stop = threading.Event()
        self._proc = psutil.Process(os.getpid())

    def _total(self) -> int:
        """This process and its worker processes together: proportional set sizes, since forked workers
        share their parent's pages until they write them (plain RSS would count those twice)."""
        total = 0
        for proc in [self._proc, *self._proc.children(recursive=True)]:
            try:
                total += proc.memory_full_info().pss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self.peak = self.start = self._total()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)

    @property
    def start_mb(self) -> float:
        return round(self.start / 2**20, 1)


@dataclass
class Timer:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timer]:
    t = Timer()
    start = time.perf_counter()
    try:
        yield t
    finally:
        t.seconds = time.perf_counter() - start


def emit(result: dict, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def chart_path(path: str | None, default: str) -> Path:
    out = Path(path or default)
    out.parent.mkdir(parents=True, exist_ok=True)
    return out
