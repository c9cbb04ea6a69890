"""Local feed files: walking the paths given (files, directories), and their change fingerprints.

A directory is walked recursively in name order; hidden files are left out. A file met in a walk that
is not a feed (a README, a 404 body) is *skipped* with the reason; a file named explicitly that cannot
be read is *unreadable* - the caller reports the two differently.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

# Never feeds: documentation that travels with data folders.
IGNORED_SUFFIXES = frozenset({".md", ".rst", ".html", ".htm", ".pdf", ".yaml", ".yml", ".py"})


@dataclass(frozen=True)
class FeedFile:
    path: Path
    explicit: bool  # named by the caller (else found in a directory walk)

    def fingerprint(self) -> str:
        """mtime (ns) and size: what an incremental local harvest compares with its checkpoint."""
        st = self.path.stat()
        return f"{st.st_mtime_ns}:{st.st_size}"


def iter_feed_files(paths: Iterable[str | os.PathLike]) -> Iterator[FeedFile]:
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = found.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or found.suffix.lower() in IGNORED_SUFFIXES:
                    continue
                yield FeedFile(found, explicit=False)
        else:
            yield FeedFile(path, explicit=True)
