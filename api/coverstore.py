"""Cover images libraries and feeds supply, by ISBN-13, in `<state>/covers.sqlite`.

One row per ISBN: the image bytes as supplied (never re-encoded, so what a library uploads is what
readers see), their media type, size and an ETag (SHA-256 of the bytes). SQLite rather than files: a
replacement is one atomic write, and `yidu covers add` and the server may run at the same time.

Only real JPEG and PNG images are kept: Pillow must identify the bytes and decode them fully (a
truncated or disguised file is refused), within MAX_BYTES and MAX_SIDE pixels - a cover is a
thumbnail, and the bounds keep a decompression bomb out.
"""
from __future__ import annotations

import hashlib
import io
import sqlite3
import threading
import time
import warnings
import weakref
from dataclasses import dataclass
from pathlib import Path

from yidu.errors import YiduError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 3000
MIN_SIDE = 16
MEDIA = {"JPEG": "image/jpeg", "PNG": "image/png"}
EXTENSION = {"image/jpeg": "jpg", "image/png": "png"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS cover (
    isbn TEXT PRIMARY KEY,
    media TEXT NOT NULL,
    data BLOB NOT NULL,
    etag TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    updated REAL NOT NULL
) WITHOUT ROWID;
"""


class CoverError(YiduError):
    """An image that cannot be a cover (`status` for the API: 400, or 413 when too large)."""

    status = 400


class CoverTooLarge(CoverError):
    status = 413


@dataclass(frozen=True)
class Cover:
    isbn: str
    media: str
    data: bytes
    etag: str
    width: int
    height: int
    source: str = ""

    @property
    def extension(self) -> str:
        return EXTENSION[self.media]

    def describe(self) -> dict:
        return {"isbn": self.isbn, "media_type": self.media, "bytes": len(self.data), "width": self.width,
                "height": self.height, "etag": self.etag, "source": self.source}


def etag_of(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def check_image(data: bytes) -> tuple[str, int, int]:
    """(media type, width, height) of a JPEG or PNG cover, else CoverError saying why not."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise CoverTooLarge(f"image of {len(data)} bytes exceeds the {MAX_BYTES // 1024} KB limit")
    if not data:
        raise CoverError("empty image: send the JPEG or PNG file's bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=tuple(MEDIA)) as image:
                kind, (width, height) = image.format, image.size
                _check_size(width, height)
                image.verify()  # chunk checksums, the end marker
            with Image.open(io.BytesIO(data), formats=tuple(MEDIA)) as image:
                image.load()  # decodes every pixel: truncated or corrupt data fails here
    except CoverError:
        raise
    except UnidentifiedImageError:
        raise CoverError("not a JPEG or PNG image") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise CoverError(f"the image cannot be decoded: {exc}") from None
    return MEDIA[kind], width, height


def _check_size(width: int, height: int) -> None:
    if max(width, height) > MAX_SIDE:
        raise CoverTooLarge(f"image of {width}x{height} pixels; at most {MAX_SIDE} on each side")
    if min(width, height) < MIN_SIDE:
        raise CoverError(f"image of {width}x{height} pixels is too small for a cover (at least {MIN_SIDE})")


class CoverStore:
    """Shared by the server's threads (calls serialised by a lock)."""

    def __init__(self, path: Path | str, *, clock=time.time):
        self.path = Path(path)
        self.clock = clock
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise CoverError(f"cannot open the cover store {self.path}: {exc}", ref=str(self.path)) from None
        weakref.finalize(self, self.db.close)

    @classmethod
    def for_settings(cls, settings) -> "CoverStore":
        return cls(Path(settings.state_dir) / "covers.sqlite")

    def close(self) -> None:
        self.db.close()

    def put(self, isbn: str, data: bytes, *, source: str = "") -> Cover:
        """Store (or replace) the cover of `isbn` (an ISBN-13) after checking the image."""
        media, width, height = check_image(data)
        cover = Cover(isbn, media, data, etag_of(data), width, height, source)
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO cover (isbn, media, data, etag, width, height, source, updated) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (isbn, media, data, cover.etag, width, height, source, self.clock()))
        return cover

    def get(self, isbn: str) -> Cover | None:
        with self._lock:
            row = self.db.execute("SELECT isbn, media, data, etag, width, height, source FROM cover WHERE isbn = ?",
                                  (isbn,)).fetchone()
        return Cover(*row) if row else None

    def media(self, isbn: str) -> str | None:
        """The stored cover's media type, without reading the image."""
        with self._lock:
            row = self.db.execute("SELECT media FROM cover WHERE isbn = ?", (isbn,)).fetchone()
        return row[0] if row else None

    def remove(self, isbn: str) -> bool:
        with self._lock:
            return self.db.execute("DELETE FROM cover WHERE isbn = ?", (isbn,)).rowcount > 0
