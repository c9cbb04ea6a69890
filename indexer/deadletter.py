"""Dead-letter files: every record that could not go in, with where it came from and why.

One JSON line per rejected record: source file, position (record number, byte offset or line),
control number when known, the reason, and the original bytes (base64) when the reader had them,
so the record can be fixed and loaded again. The file is only created when something is rejected.
"""
from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import orjson


class DeadLetters:
    def __init__(self, directory: Path, name: str):
        stamp = time.strftime("%Y%m%dT%H%M%S")
        self.path = Path(directory) / f"{name}-{stamp}-{time.time_ns() % 1_000_000:06d}.jsonl"
        self.count = 0
        self._file = None

    def write(self, *, source: str, reason: str, position: Any = None, control_number: str | None = None,
              raw: bytes | None = None, **extra: Any) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "ab")
        entry: dict[str, Any] = {"source": source, "position": str(position) if position is not None else None,
                                 "control_number": control_number, "reason": reason}
        if position is not None and not isinstance(position, str):  # a reader's Position: keep its parts
            for attr in ("index", "offset", "line"):
                value = getattr(position, attr, None)
                if value is not None:
                    entry[attr] = value
        entry.update(extra)
        if raw:
            entry["raw_base64"] = base64.b64encode(raw).decode("ascii")
        self._file.write(orjson.dumps(entry) + b"\n")
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    @property
    def written(self) -> Path | None:
        return self.path if self.count else None
