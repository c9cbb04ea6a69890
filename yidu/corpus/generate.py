"""The streaming driver: which library holds which edition, in what order libraries' files list them, and
the ISO 2709 bytes of every record (with optional deliberate corruption and deletions).

Holdings. Edition k is held by h_k libraries, h_k drawn from a truncated power law P(h) ~ h^-alpha over
1..n_libraries with alpha solved so that the mean is `TARGET_HOLDINGS` (2.75; (n+1)/2 when there are fewer
than five libraries): with 12 libraries about half the editions are held by one library, three quarters by at
most three, a few percent by ten or more. The holders are `start + j*step (mod n)` for j < h_k, where start is
drawn in proportion to library size (big research libraries hold more) and step is coprime with n; both come
from one SplitMix64 hash of (seed, k), so the holders of an edition are a pure function of (spec, k) and
vectorise with numpy.

Counts. `records` is the number of source records (library x edition). The number of editions is the
smallest N whose holdings add up to at least `records`; the last edition's holdings are trimmed so that the
total is exact (so N ~ records / 2.75 with 12 libraries). Deletions (`deleted_rate`) are *additional*
records: the same record again, 50-1000 records later in the same file, with leader/05 = "d". Corruption
(`broken_rate`) replaces records (see `corrupt`).

Order and cost. Editions are visited once, in the first library's order (a permutation k = (a*j + c) mod N);
each is built once and rendered for all its holders, with the library-independent field bodies shared
(`memo`). The first library's first file streams out directly; every other (library, format) file is
spooled to a temporary directory and replayed afterwards, file by file, in a library-specific order (its
1024-record chunks in a permuted order, the records of a chunk permuted). Memory is constant (a 64 k-edition
scan window, one chunk, small write buffers, a bounded queue of pending deletions); the spool takes about
one corpus worth of disk at its peak.
"""
from __future__ import annotations

import heapq
import struct
import tempfile
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from math import gcd
from pathlib import Path
from typing import Iterator

import numpy as np

from yidu.corpus import cnmarc, iso2709, marc21
from yidu.corpus.editions import L, SLOT_BLOCKS, SLOT_WESTERN, Edition, edition, slot_tables
from yidu.corpus.profiles import LibraryProfile, profiles_for
from yidu.corpus.rng import GOLDEN, Rng, key64, mix64
from yidu.errors import YiduError

DEFAULT_LIBRARIES = ("PKU", "THU", "BNU", "RUC", "FDU", "SJTU", "NJU", "ZJU", "WHU", "SYSU", "SCU", "XJU")
TARGET_HOLDINGS = 2.75
BROKEN_KINDS = ("bad_length", "bad_directory", "truncated", "bad_utf8")
SCAN_BLOCK = 1 << 16

# ------------------------------------------------------------------------------------------------ spec


class CorpusError(YiduError, ValueError):
    """A corpus could not be specified or written."""


@dataclass(frozen=True)
class CorpusSpec:
    """What to generate. `records` counts source records across all libraries (deletions come on top)."""

    records: int
    libraries: tuple[str, ...] = DEFAULT_LIBRARIES
    seed: int = 1
    broken_rate: float = 0.0
    deleted_rate: float = 0.0
    marc21_libraries: tuple[str, ...] | None = None  # None: decided per library code (see profiles.py)

    def __post_init__(self):
        object.__setattr__(self, "libraries", tuple(self.libraries))
        if self.marc21_libraries is not None:
            object.__setattr__(self, "marc21_libraries", tuple(self.marc21_libraries))
        if self.records < 0:
            raise CorpusError("records must be >= 0")
        if not self.libraries:
            raise CorpusError("at least one library is needed")
        if len(set(self.libraries)) != len(self.libraries):
            raise CorpusError("duplicate library codes")
        bad = [c for c in self.libraries if not c or len(c) > 40 or any(ch in c for ch in "/\\\0 .")]
        if bad:
            raise CorpusError(f"library codes must be short and contain no spaces, dots or slashes: {bad[:3]}")
        for rate in (self.broken_rate, self.deleted_rate):
            if not 0.0 <= rate <= 1.0:
                raise CorpusError("rates are fractions between 0 and 1")


@dataclass(slots=True)
class GeneratedRecord:
    library: str
    format: str  # "cnmarc" | "marc21"
    edition: int
    control_number: str
    data: bytes  # ISO 2709 bytes of one record
    broken: str | None = None  # the corruption kind (BROKEN_KINDS) or None
    deleted: bool = False  # a deletion (leader/05 = "d") re-emitting an earlier record of the same file


# ------------------------------------------------------------------------------------------------ plan

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_G = np.uint64(GOLDEN)


def _mix64_np(x: np.ndarray) -> np.ndarray:
    z = x + _G
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _alpha_for(n: int, target: float) -> float:
    def mean(alpha: float) -> float:
        w = [h ** -alpha for h in range(1, n + 1)]
        return sum(h * x for h, x in zip(range(1, n + 1), w)) / sum(w)

    if n == 1 or mean(0.0) <= target:
        return 0.0
    lo, hi = 0.0, 8.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if mean(mid) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


class Plan:
    """Everything derived from a spec: library profiles, the holdings distribution, the edition count."""

    def __init__(self, spec: CorpusSpec):
        self.spec = spec
        self.profiles: tuple[LibraryProfile, ...] = profiles_for(spec.libraries, spec.marc21_libraries)
        n = self.n_libraries = len(self.profiles)
        self.alpha = _alpha_for(n, min(TARGET_HOLDINGS, (n + 1) / 2))
        weights = [h ** -self.alpha for h in range(1, n + 1)]
        total = sum(weights)
        self.holdings_distribution = tuple(w / total for w in weights)  # P(h = 1..n)
        self.expected_holdings = sum(h * p for h, p in zip(range(1, n + 1), self.holdings_distribution))
        cum, acc = [], 0.0
        for p in self.holdings_distribution[:-1]:
            acc += p
            cum.append(min(int(acc * 4294967296.0), 4294967295))
        self._h_thresholds = cum
        sizes = [p.size for p in self.profiles]
        cum, acc = [], 0.0
        for s in sizes[:-1]:
            acc += s / sum(sizes)
            cum.append(min(int(acc * 65536.0), 65535))
        self._lib_thresholds = cum
        self._steps = [s for s in range(1, n) if gcd(s, n) == 1] or [1]
        self._inverses = [pow(s, -1, n) if n > 1 else 0 for s in self._steps]
        self._mix = key64(f"holdings:{spec.seed}")
        self._event_mix = key64(f"events:{spec.seed}")
        self._np = (np.array(self._h_thresholds, dtype=np.uint64), np.array(self._lib_thresholds, dtype=np.uint64),
                    np.array(self._steps, dtype=np.int64), np.array(self._inverses, dtype=np.int64))
        mult, add = slot_tables(spec.seed)
        self._slot_np = (np.array(mult, dtype=np.int64), np.array(add, dtype=np.int64),
                         np.array(SLOT_WESTERN, dtype=bool))
        self.n_editions, self._last_h = self._count_editions(spec.records)

    # -- holdings of one edition (pure Python; the numpy scan below must agree with it) ----------------
    def _raw(self, k: int) -> tuple[int, int, int]:
        z = mix64(self._mix + k)
        h = bisect_right(self._h_thresholds, z & 0xFFFFFFFF) + 1
        start = bisect_right(self._lib_thresholds, (z >> 32) & 0xFFFF)
        step_index = (z >> 48) % len(self._steps)
        return h, start, step_index

    def holdings_count(self, k: int) -> int:
        if not 0 <= k < self.n_editions:
            return 0
        h = self._raw(k)[0]
        return self._last_h if k == self.n_editions - 1 else h

    def holder_indexes(self, k: int) -> tuple[int, ...]:
        if not 0 <= k < self.n_editions:
            return ()
        h, start, si = self._raw(k)
        if k == self.n_editions - 1:
            h = self._last_h
        n, step = self.n_libraries, self._steps[si]
        return tuple((start + j * step) % n for j in range(h))

    def holders(self, k: int) -> tuple[str, ...]:
        return tuple(self.profiles[i].code for i in self.holder_indexes(k))

    def holds(self, k: int, library_index: int) -> bool:
        if not 0 <= k < self.n_editions:
            return False
        h, start, si = self._raw(k)
        if k == self.n_editions - 1:
            h = self._last_h
        n = self.n_libraries
        return ((library_index - start) % n) * self._inverses[si] % n < h

    # -- vectorised --------------------------------------------------------------------------------------
    def _holdings_np(self, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        h_thr, l_thr, _, _ = self._np
        z = _mix64_np(np.uint64(self._mix) + ks.astype(np.uint64))
        h = np.searchsorted(h_thr, z & np.uint64(0xFFFFFFFF), side="right").astype(np.int64) + 1
        start = np.searchsorted(l_thr, (z >> np.uint64(32)) & np.uint64(0xFFFF), side="right").astype(np.int64)
        step_index = ((z >> np.uint64(48)) % np.uint64(len(self._steps))).astype(np.int64)
        return h, start, step_index

    def _count_editions(self, records: int) -> tuple[int, int]:
        if records <= 0:
            return 0, 0
        total, k0 = 0, 0
        while True:
            ks = np.arange(k0, k0 + SCAN_BLOCK, dtype=np.int64)
            h = self._holdings_np(ks)[0]
            cum = np.cumsum(h) + total
            hit = int(np.searchsorted(cum, records, side="left"))
            if hit < len(cum):
                before = int(cum[hit - 1]) if hit else total
                return k0 + hit + 1, records - before
            total = int(cum[-1])
            k0 += SCAN_BLOCK

    def western_np(self, ks: np.ndarray) -> np.ndarray:
        mult, add, western = self._slot_np
        block, r = np.divmod(ks, L)
        t = block % SLOT_BLOCKS
        return western[(r * mult[t] + add[t]) % L]

    def order(self, library_index: int) -> tuple[int, int]:
        """(a, c) of the library's edition order k = (a*j + c) mod N."""
        n = self.n_editions
        if n <= 1:
            return 1, 0
        code = self.profiles[library_index].code
        z = key64(f"order:{self.spec.seed}:{code}")
        a = (z % (n - 1)) + 1
        while gcd(a, n) != 1:
            a = a % (n - 1) + 1
        return a, (z >> 32) % n

    def walk(self) -> Iterator[tuple[int, list[int]]]:
        """(k, holder library indexes) for every edition, in the first library's file order."""
        n = self.n_editions
        if n == 0:
            return
        a, c = self.order(0)
        _, _, steps, _ = self._np
        nl = self.n_libraries
        last = n - 1
        for j0 in range(0, n, SCAN_BLOCK):
            js = np.arange(j0, min(n, j0 + SCAN_BLOCK), dtype=np.int64)
            ks = (js * a + c) % n
            h, start, si = self._holdings_np(ks)
            step = steps[si]
            for k, hk, st, sp in zip(ks.tolist(), h.tolist(), start.tolist(), step.tolist()):
                if k == last:
                    hk = self._last_h
                yield k, [st] if hk == 1 else [(st + j * sp) % nl for j in range(hk)]

    # -- per-record events -------------------------------------------------------------------------------
    def events(self, k: int, code: str) -> tuple[str | None, int | None]:
        """(broken kind or None, deletion lag in records or None) of library `code`'s record of edition k."""
        spec = self.spec
        if not spec.broken_rate and not spec.deleted_rate:
            return None, None
        z = mix64(self._event_mix ^ mix64(key64(code) + k))
        u_broken = (z & 0xFFFFFF) / 16777216.0
        u_deleted = ((z >> 24) & 0xFFFFFF) / 16777216.0
        broken = BROKEN_KINDS[(z >> 48) % len(BROKEN_KINDS)] if u_broken < spec.broken_rate else None
        lag = 50 + ((z >> 52) % 950) if (u_deleted < spec.deleted_rate and broken is None) else None
        return broken, lag


@lru_cache(maxsize=16)
def plan(spec: CorpusSpec) -> Plan:
    return Plan(spec)


def holding_libraries(spec: CorpusSpec, k: int) -> tuple[str, ...]:
    """The codes of the libraries holding edition k in this corpus (ground truth for tests/benchmarks)."""
    return plan(spec).holders(k)


# ---------------------------------------------------------------------------------------------- records


def build_record(spec: CorpusSpec, library: str, k: int) -> GeneratedRecord:
    """Library `library`'s record of edition k exactly as `iter_records` emits it (corruption included,
    deletion re-emission not), whether or not the library holds the edition."""
    p = plan(spec)
    profile = p.profiles[spec.libraries.index(library)]
    ed = edition(spec.seed, k)
    fmt = "marc21" if ed.script == "western" or profile.flavour == "marc21" else "cnmarc"
    return _render(spec, p, profile, fmt, ed)


def iter_records(spec: CorpusSpec, spool_dir: str | Path | None = None) -> Iterator[GeneratedRecord]:
    """Every record of the corpus, file by file (see module docstring). Deterministic for a spec.

    Each edition is built once and rendered for all its holders: the first file streams straight out, the
    others are spooled to a temporary directory (under `spool_dir`, default the system temp dir; it holds
    about one corpus worth of bytes at its peak) and replayed file by file in their library's order. Memory
    stays constant.
    """
    p = plan(spec)
    if p.n_editions == 0:
        return
    files = [(i, fmt) for i, prof in enumerate(p.profiles) for fmt in ("cnmarc", "marc21")
             if fmt == "marc21" or prof.flavour == "cnmarc"]
    first = files[0]
    seed = spec.seed
    profiles = p.profiles
    events = bool(spec.broken_rate or spec.deleted_rate)
    with tempfile.TemporaryDirectory(prefix="yidu-corpus-", dir=spool_dir) as tmp:
        spools = {f: _Spool(Path(tmp) / f"{profiles[f[0]].code}.{f[1]}.spool") for f in files[1:]}
        try:
            first_index, first_fmt = first
            first_profile = profiles[first_index]
            stream = _FileStream()
            for k, holders in p.walk():
                ed = edition(seed, k)
                western = ed.script == "western"
                memo = {} if len(holders) > 1 else None  # field bodies shared by the holders' records
                for i in holders:
                    prof = profiles[i]
                    fmt = "marc21" if western or prof.flavour == "marc21" else "cnmarc"
                    data, control = _render_data(seed, prof, fmt, ed, memo)
                    broken = lag = None
                    if events:
                        broken, lag = p.events(k, prof.code)
                        if broken:
                            data = corrupt(data, broken, k)
                    if i == first_index and fmt == first_fmt:
                        record = GeneratedRecord(first_profile.code, fmt, k, control, data, broken)
                        if stream.pending or lag is not None:
                            yield from stream.push(record, lag)
                        else:
                            stream.position += 1
                            yield record
                    else:
                        spools[(i, fmt)].add(k, data, broken, lag)
            yield from stream.finish()
            for f in files[1:]:
                spool = spools.pop(f)
                stream = _FileStream()
                code = profiles[f[0]].code
                for record, lag in spool.replay(code, f[1], key64(f"chunks:{seed}:{code}:{f[1]}")):
                    if stream.pending or lag is not None:
                        yield from stream.push(record, lag)
                    else:
                        stream.position += 1
                        yield record
                yield from stream.finish()
        finally:
            for spool in spools.values():
                spool.close()


def _control(code: str, k: int) -> str:
    return code + str(1000000000 + k)[1:] if k < 1000000000 else f"{code}{k}"


def _render_data(seed: int, profile: LibraryProfile, fmt: str, ed: Edition, memo: dict | None) -> tuple[bytes, str]:
    """(ISO 2709 bytes, control number) of `profile`'s uncorrupted record of `ed`."""
    k = ed.number
    rng = Rng(f"{seed}:{k}:{profile.code}")
    control = _control(profile.code, k)
    head, tail, fields = (cnmarc.record if fmt == "cnmarc" else marc21.record)(ed, profile, rng, control, memo)
    return iso2709.encode("c" + head if rng.u() & 7 == 0 else "n" + head, tail, fields), control


def _render(spec: CorpusSpec, p: Plan, profile: LibraryProfile, fmt: str, ed: Edition) -> GeneratedRecord:
    data, control = _render_data(spec.seed, profile, fmt, ed, None)
    broken = None
    if spec.broken_rate or spec.deleted_rate:
        broken, _ = p.events(ed.number, profile.code)
        if broken:
            data = corrupt(data, broken, ed.number)
    return GeneratedRecord(profile.code, fmt, ed.number, control, data, broken)


class _FileStream:
    """Emits one file's records, re-emitting the ones chosen for deletion `lag` records later."""

    def __init__(self):
        self.position = 0
        self.pending: list[tuple[int, int, GeneratedRecord]] = []

    def push(self, record: GeneratedRecord, lag: int | None) -> list[GeneratedRecord]:
        out = []
        pending = self.pending
        while pending and pending[0][0] <= self.position:
            out.append(heapq.heappop(pending)[2])
        out.append(record)
        self.position += 1
        if lag is not None:
            data = record.data[:5] + b"d" + record.data[6:]
            heapq.heappush(pending, (self.position + lag, record.edition, GeneratedRecord(
                record.library, record.format, record.edition, record.control_number, data, None, True)))
        return out

    def finish(self) -> list[GeneratedRecord]:
        return [heapq.heappop(self.pending)[2] for _ in range(len(self.pending))]


_SPOOL_HEAD = struct.Struct("<IBHI")  # edition, broken kind (0 = none), deletion lag + 1 (0 = none), length
SPOOL_CHUNK = 1024


class _Spool:
    """An append-only file of rendered records with chunk boundaries, replayed in a shuffled order: chunks in
    a library-specific order, records inside a chunk permuted."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None
        self.buffer = bytearray()
        self.count = 0
        self.size = 0
        self.offsets = [0]

    def add(self, k: int, data: bytes, broken: str | None, lag: int | None) -> None:
        buffer = self.buffer
        buffer += _SPOOL_HEAD.pack(k, BROKEN_KINDS.index(broken) + 1 if broken else 0, 0 if lag is None else lag + 1,
                                   len(data))
        buffer += data
        self.count += 1
        if self.count % SPOOL_CHUNK == 0:
            self.offsets.append(self.size + len(buffer))
        if len(buffer) > 32768:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            if self.handle is None:
                self.handle = open(self.path, "ab", buffering=0)
            self.handle.write(self.buffer)
            self.size += len(self.buffer)
            self.buffer = bytearray()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def replay(self, code: str, fmt: str, salt: int) -> Iterator[tuple[GeneratedRecord, int | None]]:
        self._flush()
        self.close()
        if self.count == 0:
            return
        offsets = self.offsets if self.offsets[-1] == self.size else [*self.offsets, self.size]
        chunks = sorted(range(len(offsets) - 1), key=lambda c: mix64(salt + c))
        head = _SPOOL_HEAD
        size = head.size
        unpack = head.unpack_from
        with open(self.path, "rb") as handle:
            for c in chunks:
                handle.seek(offsets[c])
                blob = handle.read(offsets[c + 1] - offsets[c])
                records = []
                pos = 0
                end = len(blob)
                while pos < end:
                    k, broken, lag, n = unpack(blob, pos)
                    pos += size
                    records.append((GeneratedRecord(code, fmt, k, _control(code, k), blob[pos:pos + n],
                                                    BROKEN_KINDS[broken - 1] if broken else None),
                                    lag - 1 if lag else None))
                    pos += n
                n = len(records)
                z = mix64(salt ^ (c + 1))
                a = 1 + z % n if n > 1 else 1
                while gcd(a, n) != 1:
                    a = a % n + 1
                shift = (z >> 32) % n
                yield from [records[(a * i + shift) % n] for i in range(n)]
        self.path.unlink(missing_ok=True)


def write_corpus(spec: CorpusSpec, directory: str | Path, spool_dir: str | Path | None = None) -> list[Path]:
    """Write one ISO 2709 file per (library, format) that has records: `{directory}/{library}.{format}.mrc`
    (the records of `iter_records`, in its order). Returns the paths in that order."""
    return [Path(f) for f in write_corpus_stats(spec, directory, spool_dir).files]


@dataclass
class CorpusStats:
    records: int = 0  # source records (deletions not counted)
    deleted: int = 0
    broken: int = 0
    bytes: int = 0
    editions: int = 0
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)
    by_format: dict[str, int] = field(default_factory=dict)
    by_library: dict[str, int] = field(default_factory=dict)

    @property
    def records_per_second(self) -> float:
        return (self.records + self.deleted) / self.seconds if self.seconds else 0.0


def write_corpus_stats(spec: CorpusSpec, directory: str | Path, spool_dir: str | Path | None = None) -> CorpusStats:
    """`write_corpus` with counts (for the CLI summary)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stats = CorpusStats(editions=plan(spec).n_editions)
    started = time.perf_counter()
    handle = None
    current = None
    try:
        for record in iter_records(spec, spool_dir):
            key = (record.library, record.format)
            if key != current:
                if handle is not None:
                    handle.close()
                path = directory / f"{record.library}.{record.format}.mrc"
                handle = open(path, "wb", buffering=1 << 20)
                stats.files.append(str(path))
                current = key
            handle.write(record.data)
            stats.bytes += len(record.data)
            if record.deleted:
                stats.deleted += 1
                continue
            stats.records += 1
            if record.broken is not None:
                stats.broken += 1
            stats.by_format[record.format] = stats.by_format.get(record.format, 0) + 1
            stats.by_library[record.library] = stats.by_library.get(record.library, 0) + 1
    finally:
        if handle is not None:
            handle.close()
    stats.seconds = time.perf_counter() - started
    return stats


# -------------------------------------------------------------------------------------------- corruption


def corrupt(data: bytes, kind: str, k: int) -> bytes:
    """Damage a well-formed record the way real exports do. Guarantees (what tests may rely on):

    bad_length    leader/00-04 differs from the byte length (here: the length counted in characters, the
                  classic bug with multi-byte text, else off by a few bytes); directory and fields intact.
    bad_directory one directory entry's length runs past the end of the record; leader length correct.
    truncated     the record is cut inside its data and closed with 0x1D: shorter than leader/00-04 says,
                  so pymarc reports TruncatedRecord.
    bad_utf8      the title field holds GBK (Chinese) or Windows-1252 (Western) bytes, not UTF-8: framing is
                  correct, a strict UTF-8 decode fails.
    Every corrupted record still ends with 0x1D, so a reader that resynchronises on record terminators loses
    only that record.
    """
    length, base, entries = iso2709.decode_directory(data)
    if kind == "bad_length":
        chars = len(data.decode("utf-8", "replace"))
        wrong = chars if chars != len(data) else len(data) + 1 + k % 97
        return f"{wrong % 100000:05d}".encode() + data[5:]
    if kind == "bad_directory":
        body = len(data) - base
        i = k % len(entries)
        tag, n, off = entries[i]
        new_n = min(9999, body - off + 1 + k % 50)
        if off + new_n <= body:  # cannot run past the end by length alone: move the start instead
            off, new_n = min(99999, body + k % 50), n
        pos = 24 + 12 * i
        return data[:pos] + f"{tag}{new_n:04d}{off:05d}".encode() + data[pos + 12:]
    if kind == "truncated":
        cut = base + 1 + (k * 7919) % max(1, len(data) - base - 3)
        return data[:cut] + iso2709.RT
    if kind == "bad_utf8":
        return _reencode_title(data, base, entries)
    raise ValueError(f"unknown corruption kind {kind!r}")


def _reencode_title(data: bytes, base: int, entries: list[tuple[str, int, int]]) -> bytes:
    fields = []
    target = next((i for i, e in enumerate(entries) if e[0] == "880"), None)
    if target is None:
        target = next((i for i, e in enumerate(entries) if e[0] in ("200", "245")), len(entries) - 1)
    for i, (tag, n, off) in enumerate(entries):
        raw = data[base + off: base + off + n - 1]
        if i == target:
            text = raw.decode("utf-8")
            bad = text.encode("gbk", "replace") if any(ord(c) > 0x2e7f for c in text) else text.encode("cp1252", "replace")
            try:
                bad.decode("utf-8")
                # still valid UTF-8 (pure ASCII): a Windows-1252 no-break space after the first word
                first_space = bad.find(b" ", 4)
                bad = bad[:first_space] + b"\xa0" + bad[first_space + 1:] if first_space > 0 else bad + b"\xa0"
            except UnicodeDecodeError:
                pass
            raw = bad
        fields.append((tag, raw))
    leader = data[:24].decode("ascii")
    return iso2709.encode(leader[5:12], leader[17:24], fields)
