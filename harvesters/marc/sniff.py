"""What is in a file: decided from its first bytes, never from its name.

gzip magic -> decompress and look again; a tar header -> each member is looked at in turn; `<` after an optional
BOM and white space -> XML (an HTML page is recognised and refused); `{` or `[` -> MARC-in-JSON; a line starting
with `=LDR` -> MARCMaker; a line `LDR` + leader -> MicroLIF; 5 digits and the rest of a leader -> ISO 2709.
Anything else is not MARC, described as specifically as possible (PNG, PDF, ZIP, HTML, plain text, ...).
"""
from __future__ import annotations

import gzip
import re
import zlib
from typing import BinaryIO

from harvesters.marc.iso2709 import LEADER_RE

SNIFF_BYTES = 64 * 1024

GZIP = "gzip"
TAR = "tar"
XML = "marcxml"
JSON = "marc-json"
MARCMAKER = "marcmaker"
MICROLIF = "microlif"
ISO2709 = "iso2709"

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HTML = re.compile(rb"<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)
_MARCMAKER = re.compile(rb"(?:^|[\r\n])=LDR  ")
_MICROLIF = re.compile(rb"(?:^|[\r\n])LDR[0-9]{5}[^\r\n]{19}")
_ISO_START = re.compile(rb"[\x00\x1a\s]*")
_MAGIC = (
    (b"\x89PNG", "a PNG image"), (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"), (b"BZh", "a bzip2 file"),
    (b"\xfd7zXZ", "an xz file"), (b"7z\xbc\xaf", "a 7-Zip archive"), (b"Rar!", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0", "a Microsoft Office (OLE) document"), (b"SQLite format 3", "an SQLite database"),
)


class StreamCorrupt(Exception):
    """Decompression failed part-way; `offset` counts decompressed bytes delivered before the failure."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


class Peekable:
    """A binary stream whose first bytes can be looked at without losing them.

    When `decompressing`, errors from the decompressor (corrupt or truncated gzip) become `StreamCorrupt`.
    """

    def __init__(self, raw: BinaryIO, *, decompressing: bool = False):
        self.raw = raw
        self.head = b""
        self.delivered = 0
        self.decompressing = decompressing

    def _raw_read(self, n: int) -> bytes:
        if not self.decompressing:
            return self.raw.read(n)
        try:
            # read1: what one decompression step gives, so that a failure loses as little as possible
            return self.raw.read1(n)
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as err:
            message = str(err) or type(err).__name__
            if isinstance(err, EOFError):
                message = "compressed file ends before the end of the gzip stream (truncated download?)"
            raise StreamCorrupt(message, self.delivered + len(self.head)) from err

    def peek(self, n: int) -> bytes:
        while len(self.head) < n:
            chunk = self._raw_read(n - len(self.head))
            if not chunk:
                break
            self.head += chunk
        return self.head[:n]

    def read(self, n: int = -1) -> bytes:
        if self.head:
            if n is None or n < 0:
                data = self.head + self._read_all()
                self.head = b""
            else:
                data = self.head[:n]
                self.head = self.head[n:]
        else:
            data = self._read_all() if n is None or n < 0 else self._raw_read(n)
        self.delivered += len(data)
        return data

    def _read_all(self) -> bytes:
        parts = []
        while True:
            chunk = self._raw_read(1 << 20)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)

    def readable(self) -> bool:
        return True


def strip_bom(head: bytes) -> bytes:
    for bom in _BOMS:
        if head.startswith(bom):
            return head[len(bom):]
    return head


def sniff(head: bytes) -> str | None:
    """The syntax of data starting with `head`, or None when it is not MARC (see `describe`)."""
    if head[:2] == b"\x1f\x8b":
        return GZIP
    if len(head) >= 262 and head[257:262] == b"ustar":
        return TAR
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: XML is the only MARC syntax seen in it
        text = head[2:].decode("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be", "ignore").lstrip()
        return XML if text.startswith("<") and not _HTML.match(text.encode("ascii", "ignore")) else None
    body = strip_bom(head)
    text = body.lstrip()
    if text[:1] == b"<":
        return None if _HTML.match(text) else XML
    if text[:1] in (b"{", b"["):
        return JSON
    first_lines = body[:4096]
    if _MARCMAKER.search(first_lines):
        return MARCMAKER
    if _MICROLIF.search(first_lines):
        return MICROLIF
    start = _ISO_START.match(body).end()
    if LEADER_RE.match(body, start):
        return ISO2709
    # A little junk before the first leader, and a record terminator after it.
    m = LEADER_RE.search(body, 0, 1024)
    if m is not None and b"\x1d" in body[m.start():]:
        return ISO2709
    return None


def describe(head: bytes) -> str:
    """Why `head` is not MARC, in a few words."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"{what}, not MARC"
    body = strip_bom(head).lstrip()
    if _HTML.match(body):
        return "an HTML page, not MARC"
    sample = body[:60]
    try:
        text = body[:2048].decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c in "\r\n\t" for c in text.rstrip("\x00")):
        return f"plain text, not MARC (starts {sample[:40]!r})"
    if LEADER_RE.search(body) is None and b"\x1d" not in body:
        return f"no MARC leader and no record terminator in the first {len(head)} bytes (starts {sample[:40]!r})"
    return f"not a MARC syntax (starts {sample[:40]!r})"
