"""The source registry: what is harvested from where, as data (settings.state_dir / "sources.json").

    {"sources": [
      {"name": "xmu-dspace", "protocol": "oai-pmh", "url": "https://dspace.xmu.edu.cn/oai/request",
       "prefix": "oai_dc", "set": null, "library": "XMU", "origin": "local", "schedule": "daily",
       "options": {}}
    ]}

- name: [A-Za-z0-9._-], unique; protocol: one of `harvesters.base.PROTOCOLS`;
- url: the base URL (oai-pmh, crossref: http/https) or a path or URL (jats, csv);
- prefix / set: the OAI metadataPrefix (default oai_dc) and setSpec;
- library: the owning library, a code of the active member registry (for theses: the degree-granting
  institution's library, which places the source in a city and a province);
- origin: where the records come from, for the theses index's `source` field: local, CADAL, PQDT, NDLTD;
- schedule: a free-form hint for operators ("daily", "weekly on Sunday");
- options: protocol-specific settings, free-form (e.g. a Crossref mailto).

The file is validated as a whole when read and written atomically; an example with realistic sources ships
in yidu/data/sources.example.json (`yidu sources load` installs a file like it).
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

import orjson

from harvesters.base import PROTOCOLS
from harvesters.errors import SourceError

FILE_NAME = "sources.json"
EXAMPLE = Path(__file__).resolve().parent.parent / "yidu" / "data" / "sources.example.json"
ORIGINS = ("local", "CADAL", "PQDT", "NDLTD")
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
URL_PROTOCOLS = frozenset({"oai-pmh", "crossref"})  # these need an http(s) base URL
DEFAULT_PREFIX = {"oai-pmh": "oai_dc"}
RESERVED = frozenset({"status"})  # `yidu harvest status` is a command, not a source


@dataclass(frozen=True)
class Source:
    name: str
    protocol: str
    url: str
    library: str
    prefix: str | None = None
    set: str | None = None
    origin: str = "local"
    schedule: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.prefix is None and self.protocol in DEFAULT_PREFIX:
            object.__setattr__(self, "prefix", DEFAULT_PREFIX[self.protocol])

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Source":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise SourceError(f"unknown field(s) {', '.join(unknown)}", ref=str(data.get("name")))
        missing = [k for k in ("name", "protocol", "url", "library") if not known.get(k)]
        if missing:
            raise SourceError(f"missing field(s) {', '.join(missing)}", ref=str(data.get("name")))
        return cls(**known)


def validate(source: Source, is_member) -> list[str]:
    """Every problem of one entry (empty when it is valid). `is_member(code)` checks the library."""
    problems = []
    if not NAME_RE.fullmatch(source.name or ""):
        problems.append(f"name {source.name!r}: use letters, digits, '.', '_' and '-' (at most 64)")
    if source.name in RESERVED:
        problems.append(f"name {source.name!r} is reserved (yidu harvest {source.name})")
    if source.protocol not in PROTOCOLS:
        problems.append(f"protocol {source.protocol!r} is not one of {', '.join(PROTOCOLS)}")
    if source.protocol in URL_PROTOCOLS:
        parts = urlsplit(source.url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"url {source.url!r}: {source.protocol} needs an http(s) base URL")
    elif not source.url:
        problems.append("url: a path or URL is needed")
    if not is_member(source.library):
        problems.append(f"library {source.library!r} is not in the member registry (yidu libraries list)")
    if source.origin not in ORIGINS:
        problems.append(f"origin {source.origin!r} is not one of {', '.join(ORIGINS)}")
    if not isinstance(source.options, dict):
        problems.append("options must be a JSON object")
    return problems


class SourceRegistry:
    def __init__(self, path: str | os.PathLike, is_member):
        self.path = Path(path)
        self.is_member = is_member

    @classmethod
    def for_settings(cls, settings, registry) -> "SourceRegistry":
        return cls(Path(settings.state_dir) / FILE_NAME, registry.__contains__)

    # --- reading ----------------------------------------------------------------------------------------
    def load(self) -> dict[str, Source]:
        if not self.path.exists():
            return {}
        return parse(self.path.read_bytes(), self.is_member, origin=str(self.path))

    def list(self) -> list[Source]:
        return sorted(self.load().values(), key=lambda s: s.name)

    def get(self, name: str) -> Source:
        sources = self.load()
        if name not in sources:
            known = ", ".join(sorted(sources)) or "none registered"
            raise SourceError(f"unknown source {name!r} (known: {known}; yidu sources add ...)", ref=name)
        return sources[name]

    # --- changes ----------------------------------------------------------------------------------------
    def add(self, source: Source, *, replace_existing: bool = False) -> Source:
        source = Source.from_dict(source.as_dict())
        problems = validate(source, self.is_member)
        if problems:
            raise SourceError("; ".join(problems), ref=source.name)
        sources = self.load()
        if source.name in sources and not replace_existing:
            raise SourceError(f"source {source.name!r} already exists (remove it first, or --replace)",
                              ref=source.name)
        sources[source.name] = source
        self._write(sources.values())
        return source

    def remove(self, name: str) -> Source:
        sources = self.load()
        if name not in sources:
            raise SourceError(f"unknown source {name!r}", ref=name)
        gone = sources.pop(name)
        self._write(sources.values())
        return gone

    def install(self, path: str | os.PathLike, *, replace_existing: bool = False) -> list[Source]:
        """Add every source of a registry file (validated as a whole first: all or nothing)."""
        incoming = parse(Path(path).read_bytes(), self.is_member, origin=str(path))
        sources = self.load()
        clashes = sorted(set(incoming) & set(sources))
        if clashes and not replace_existing:
            raise SourceError(f"already registered: {', '.join(clashes)} (--replace to overwrite)", ref=str(path))
        sources.update(incoming)
        self._write(sources.values())
        return sorted(incoming.values(), key=lambda s: s.name)

    def _write(self, sources: Iterable[Source]) -> None:
        data = {"sources": [s.as_dict() for s in sorted(sources, key=lambda s: s.name)]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sources-", suffix=".json.tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def parse(data: bytes, is_member, *, origin: str = "<sources>") -> dict[str, Source]:
    """A registry file's sources by name; every problem of every entry in one SourceError."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"{origin}: not valid JSON ({exc})", ref=origin) from None
    entries = doc.get("sources") if isinstance(doc, dict) else doc
    if not isinstance(entries, list):
        raise SourceError(f"{origin}: expected {{\"sources\": [...]}}", ref=origin)
    out: dict[str, Source] = {}
    problems: list[str] = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"entry {n}: not an object")
            continue
        try:
            source = Source.from_dict(entry)
        except SourceError as exc:
            problems.append(f"entry {n} ({entry.get('name')}): {exc.message}")
            continue
        problems += [f"entry {n} ({source.name}): {p}" for p in validate(source, is_member)]
        if source.name in out:
            problems.append(f"entry {n}: duplicate name {source.name!r}")
        out[source.name] = source
    if problems:
        raise SourceError(f"{origin}: " + "; ".join(problems), ref=origin)
    return out
