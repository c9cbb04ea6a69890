"""The registry of member libraries: who they are, where they are, which shared domains they belong to,
which IP ranges are theirs and where their OPAC shows shelf status.

The registry is a CSV file (see `yidu/data/libraries.csv` for the shipped demo set and its columns). It is
validated as a whole: every bad row is reported with its line number in one `RegistryError`, so an operator
fixes a file in one pass. The active registry is `Settings.libraries_file` when set, else the one installed in
the state folder by `yidu libraries load`, else the shipped demo set.

Scopes (see docs/domain.md): library -> city -> province -> shared domain -> nation.
`Registry.scope_members()` turns a scope around a library into the library codes it covers.
"""
from __future__ import annotations

import csv
import io
import ipaddress
import os
import re
import string
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Mapping
from urllib.parse import quote

from yidu.errors import YiduError

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_LIBRARIES = DATA_DIR / "libraries.csv"
SHIPPED_PROVINCES = DATA_DIR / "provinces.csv"
SHIPPED_DOMAINS = DATA_DIR / "domains.csv"
INSTALLED_NAME = "libraries.csv"

REGIONS = ("east", "central", "west")
COLUMNS = (
    "code", "name", "name_en", "city", "province", "region", "domains", "ip_ranges", "opac_url", "delivery",
)
OPTIONAL_COLUMNS = frozenset({"delivery"})  # absent: no library supplies document delivery
PLACEHOLDERS = ("control_number", "isbn", "title")
CODE_RE = re.compile(r"[A-Z0-9-]{2,16}")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RegistryError(YiduError):
    """A registry could not be read, or a lookup named something it does not hold.

    `problems` holds every "line N: reason" found in a file (empty for lookup errors)."""

    def __init__(self, message: str, *, ref: str | None = None, problems: Iterable[str] = (),
                 source: str | None = None):
        super().__init__(message, ref=ref)
        self.problems = tuple(problems)
        self.source = source


@dataclass(frozen=True)
class Province:
    code: str  # GB/T 2260 two-digit code
    name: str  # short common Chinese form: 北京, 新疆
    name_en: str
    region: str  # east / central / west


@dataclass(frozen=True)
class Domain:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Library:
    code: str
    name: str
    name_en: str
    city: str
    province: str  # province code
    region: str
    domains: tuple[str, ...]
    ip_ranges: tuple[IPNetwork, ...]
    opac_url: str
    supplier: bool

    @property
    def opac_fields(self) -> tuple[str, ...]:
        """The placeholders the OPAC template needs, in order of appearance."""
        return _template_fields(self.opac_url)

    def shelf_status_url(self, *, control_number: str | None = None, isbn: str | None = None,
                         title: str | None = None) -> str | None:
        """The link to this library's OPAC for a record, or None when there is no template or it needs a
        value not given. Substituted values are URL-quoted (spaces, '&', '/', Chinese all escaped)."""
        if not self.opac_url:
            return None
        given = {"control_number": control_number, "isbn": isbn, "title": title}
        values: dict[str, str] = {}
        for name in self.opac_fields:
            value = given[name]
            if value is None or str(value).strip() == "":
                return None
            values[name] = quote(str(value).strip(), safe="")
        return self.opac_url.format(**values)

    def owns_ip(self, ip: str) -> bool:
        addr = _parse_ip(ip)
        return addr is not None and any(addr in net for net in self.ip_ranges if net.version == addr.version)

    def to_row(self, provinces: Mapping[str, Province] | None = None) -> dict:
        row = {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "city": self.city,
            "province": self.province,
            "region": self.region,
            "domains": list(self.domains),
            "ip_ranges": [str(n) for n in self.ip_ranges],
            "opac_url": self.opac_url,
            "supplier": self.supplier,
        }
        if provinces is not None and self.province in provinces:
            row["province_name"] = provinces[self.province].name
            row["province_name_en"] = provinces[self.province].name_en
        return row


class Registry:
    SCOPE_LEVELS = ("library", "city", "province", "domain", "nation")

    def __init__(self, libraries: Iterable[Library], provinces: Mapping[str, Province],
                 domain_info: Mapping[str, Domain] | None = None):
        self.libraries: tuple[Library, ...] = tuple(libraries)
        self.provinces: dict[str, Province] = dict(provinces)
        self.domain_info: dict[str, Domain] = dict(domain_info or {})
        self._by_code = {lib.code: lib for lib in self.libraries}
        if len(self._by_code) != len(self.libraries):
            raise RegistryError("duplicate library codes in registry")
        # Longest prefix first, so the first containing network is the most specific.
        self._ranges = sorted(
            ((net, lib) for lib in self.libraries for net in lib.ip_ranges),
            key=lambda item: item[0].prefixlen, reverse=True,
        )
        cities: dict[tuple[str, str], list[str]] = {}
        provinces_: dict[str, list[str]] = {}
        domains: dict[str, list[str]] = {}
        for lib in self.libraries:
            cities.setdefault((lib.province, lib.city), []).append(lib.code)
            provinces_.setdefault(lib.province, []).append(lib.code)
            for d in lib.domains:
                domains.setdefault(d, []).append(lib.code)
        self._city_members = {k: tuple(v) for k, v in cities.items()}
        self._province_members = {k: tuple(v) for k, v in provinces_.items()}
        self._domain_members = {k: tuple(v) for k, v in domains.items()}

    # -- container protocol -------------------------------------------------------------------------------
    def get(self, code: str) -> Library:
        try:
            return self._by_code[code]
        except (KeyError, TypeError):
            raise RegistryError(f"unknown library {code}", ref=code) from None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def __iter__(self) -> Iterator[Library]:
        return iter(self.libraries)

    def __len__(self) -> int:
        return len(self.libraries)

    def __repr__(self) -> str:
        return f"<Registry {len(self)} libraries, {len(self._province_members)} provinces>"

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(lib.code for lib in self.libraries)

    # -- scopes ---------------------------------------------------------------------------------------------
    def scope_members(self, level: str, library: str) -> tuple[str, ...] | None:
        """The library codes in scope `level` around `library`, in registry order; None for "nation"
        (no filter). A library with no shared domain has only itself in its "domain" scope."""
        if level not in self.SCOPE_LEVELS:
            raise RegistryError(f"unknown scope level {level!r}; expected one of {', '.join(self.SCOPE_LEVELS)}",
                                ref=level)
        lib = self.get(library)
        if level == "library":
            return (lib.code,)
        if level == "city":
            return self._city_members[(lib.province, lib.city)]
        if level == "province":
            return self._province_members[lib.province]
        if level == "domain":
            if not lib.domains:
                return (lib.code,)
            wanted = set()
            for d in lib.domains:
                wanted.update(self._domain_members[d])
            return tuple(code for code in self.codes if code in wanted)
        return None  # nation

    def scopes(self, library: str) -> dict[str, tuple[str, ...] | None]:
        """Every scope level around `library` at once, narrowest first."""
        return {level: self.scope_members(level, library) for level in self.SCOPE_LEVELS}

    # -- lookups --------------------------------------------------------------------------------------------
    def by_ip(self, ip: str) -> Library | None:
        """The library owning `ip`; the most specific (longest prefix) range wins. None when no range
        contains it or `ip` is not an address. IPv4-mapped IPv6 addresses count as their IPv4 address."""
        addr = _parse_ip(ip)
        if addr is None:
            return None
        for net, lib in self._ranges:
            if net.version == addr.version and addr in net:
                return lib
        return None

    def in_province(self, code: str) -> tuple[str, ...]:
        """The library codes in province `code` (empty for a known province without members)."""
        if code not in self.provinces:
            raise RegistryError(f"unknown province {code}", ref=code)
        return self._province_members.get(code, ())

    def cities(self) -> dict[str, tuple[str, ...]]:
        """City name -> library codes. (Same-named cities in different provinces would be merged here;
        `scope_members("city", ...)` keeps them apart.)"""
        out: dict[str, list[str]] = {}
        for (_, city), codes in self._city_members.items():
            out.setdefault(city, []).extend(codes)
        return {city: tuple(codes) for city, codes in out.items()}

    def domains(self) -> dict[str, tuple[str, ...]]:
        """Shared-domain code -> member library codes."""
        return dict(self._domain_members)

    def domain_name(self, code: str, *, english: bool = False) -> str:
        info = self.domain_info.get(code)
        if info is None:
            return code
        return (info.name_en if english else info.name) or code

    def region_of(self, code: str) -> str:
        """The region (east/central/west) of a library; a province code is accepted too."""
        if code in self._by_code:
            return self._by_code[code].region
        if code in self.provinces:
            return self.provinces[code].region
        raise RegistryError(f"unknown library or province {code}", ref=code)

    def suppliers(self) -> tuple[str, ...]:
        """Libraries that supply document delivery / interlibrary loan."""
        return tuple(lib.code for lib in self.libraries if lib.supplier)

    def to_rows(self) -> list[dict]:
        return [lib.to_row(self.provinces) for lib in self.libraries]

    def summary(self) -> str:
        return (f"{len(self)} libraries in {len(self._province_members)} provinces, "
                f"{len(self._domain_members)} shared domains")


# ---------------------------------------------------------------------------------------------------------
# Parsing


def _template_fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)


def _check_template(template: str) -> str | None:
    """None when `template` is a usable OPAC link template, else the reason it is not."""
    if not re.match(r"https?://[^/\s{}]+", template):
        return f"opac_url must be an http(s) URL, got {template!r}"
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"opac_url has unbalanced braces ({exc})"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            return (f"opac_url has unknown placeholder {{{name}}}; "
                    f"allowed: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}")
        if spec or conversion:
            return f"opac_url placeholder {{{name}}} must not carry a conversion or format spec"
    return None


def _parse_ip(ip: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(ip, str):
        return None
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _split_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(";") if part.strip()]


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line number, fields) for each CSV record; blank lines skipped."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _CsvSyntax(line, str(exc)) from None
        yield line, fields
        line = reader.line_num + 1


class _CsvSyntax(Exception):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _fail(source: str, problems: list[tuple[int, str]], what: str = "library registry") -> RegistryError:
    problems.sort(key=lambda p: p[0])
    lines = [f"line {n}: {reason}" for n, reason in problems]
    message = f"invalid {what} {source} ({len(lines)} problem{'s' if len(lines) != 1 else ''}):\n" + "\n".join(lines)
    return RegistryError(message, problems=lines, source=source)


def parse_provinces(text: str, *, source: str = "<string>") -> dict[str, Province]:
    problems: list[tuple[int, str]] = []
    out: dict[str, Province] = {}
    header: list[str] | None = None
    try:
        for line, fields in _rows(text):
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                header = [f.strip() for f in fields]
                if header != ["code", "name", "name_en", "region"]:
                    problems.append((line, "header must be code,name,name_en,region"))
                    break
                continue
            if len(fields) != 4:
                problems.append((line, f"expected 4 fields, got {len(fields)}"))
                continue
            code, name, name_en, region = (f.strip() for f in fields)
            if not re.fullmatch(r"\d{2}", code):
                problems.append((line, f"province code must be two digits, got {code!r}"))
            elif code in out:
                problems.append((line, f"duplicate province code {code}"))
            if region not in REGIONS:
                problems.append((line, f"region must be one of {', '.join(REGIONS)}, got {region!r}"))
            if not name:
                problems.append((line, "empty name"))
            out.setdefault(code, Province(code, name, name_en, region))
    except _CsvSyntax as exc:
        problems.append((exc.line, f"CSV syntax error: {exc.reason}"))
    if header is None:
        problems.append((1, "empty file, expected a header row"))
    if problems:
        raise _fail(source, problems, "province table")
    return out


def parse_domains(text: str, *, source: str = "<string>") -> dict[str, Domain]:
    problems: list[tuple[int, str]] = []
    out: dict[str, Domain] = {}
    header: list[str] | None = None
    try:
        for line, fields in _rows(text):
            if not any(f.strip() for f in fields):
                continue
            if header is None:
                header = [f.strip() for f in fields]
                if header != ["code", "name", "name_en"]:
                    problems.append((line, "header must be code,name,name_en"))
                    break
                continue
            if len(fields) != 3:
                problems.append((line, f"expected 3 fields, got {len(fields)}"))
                continue
            code, name, name_en = (f.strip() for f in fields)
            if not CODE_RE.fullmatch(code):
                problems.append((line, f"domain code {code!r} does not match [A-Z0-9-]{{2,16}}"))
            elif code in out:
                problems.append((line, f"duplicate domain code {code}"))
            out.setdefault(code, Domain(code, name, name_en))
    except _CsvSyntax as exc:
        problems.append((exc.line, f"CSV syntax error: {exc.reason}"))
    if problems:
        raise _fail(source, problems, "domain table")
    return out


def parse_registry(text: str, *, source: str = "<string>", provinces: Mapping[str, Province] | None = None,
                   domain_info: Mapping[str, Domain] | None = None) -> Registry:
    """Parse and validate a registry CSV. Every problem is collected, then one `RegistryError` lists them
    all as "line N: reason" (the header is line 1)."""
    provinces = shipped_provinces() if provinces is None else provinces
    domain_info = shipped_domains() if domain_info is None else domain_info
    problems: list[tuple[int, str]] = []
    libraries: list[Library] = []
    header: list[str] | None = None
    index: dict[str, int] = {}
    first_line_of_code: dict[str, int] = {}
    owner_of_range: dict[IPNetwork, tuple[str, int]] = {}

    try:
        for line, fields in _rows(text):
            if header is None:
                if not any(f.strip() for f in fields):
                    continue  # leading blank lines
                header = [f.strip() for f in fields]
                index = {name: i for i, name in enumerate(header)}
                seen: set[str] = set()
                dupes = sorted({name for name in header if name in seen or seen.add(name)})
                missing = [c for c in COLUMNS if c not in index and c not in OPTIONAL_COLUMNS]
                extra = [c for c in header if c not in COLUMNS]
                if missing:
                    problems.append((line, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"))
                if extra:
                    problems.append((line, f"unknown column{'s' if len(extra) > 1 else ''} "
                                           f"{', '.join(repr(c) for c in extra)}; expected {','.join(COLUMNS)}"))
                if dupes:
                    problems.append((line, f"duplicate column{'s' if len(dupes) > 1 else ''} {', '.join(dupes)}"))
                continue
            if not any(f.strip() for f in fields):
                continue  # blank line
            if len(fields) != len(header):
                problems.append((line, f"expected {len(header)} fields, got {len(fields)}"))
                continue
            lib, row_problems = _parse_row(fields, index, provinces)
            problems.extend((line, reason) for reason in row_problems)
            if lib is None:
                continue
            if lib.code:
                if lib.code in first_line_of_code:
                    problems.append((line, f"duplicate code {lib.code} (first on line {first_line_of_code[lib.code]})"))
                    continue
                first_line_of_code[lib.code] = line
            for net in lib.ip_ranges:
                if net in owner_of_range:
                    other, other_line = owner_of_range[net]
                    problems.append((line, f"ip range {net} is also claimed by {other} (line {other_line})"))
                else:
                    owner_of_range[net] = (lib.code, line)
            if not row_problems:
                libraries.append(lib)
    except _CsvSyntax as exc:
        problems.append((exc.line, f"CSV syntax error: {exc.reason}"))

    if header is None:
        problems.append((1, "empty file, expected a header row"))
    elif not libraries and not problems:
        problems.append((2, "no libraries"))
    if problems:
        raise _fail(source, problems)
    return Registry(libraries, provinces, domain_info)


def _parse_row(fields: list[str], index: Mapping[str, int],
               provinces: Mapping[str, Province]) -> tuple[Library | None, list[str]]:
    def get(name: str) -> str:
        i = index.get(name)
        return fields[i].strip() if i is not None else ""

    problems: list[str] = []
    code = get("code")
    if not code:
        problems.append("empty code")
    elif not CODE_RE.fullmatch(code):
        problems.append(f"code {code!r} does not match [A-Z0-9-]{{2,16}}")

    name = get("name")
    if "name" in index and not name:
        problems.append("empty name")
    city = get("city")
    if "city" in index and not city:
        problems.append("empty city")

    province_code = get("province")
    province = provinces.get(province_code)
    if "province" in index and province is None:
        problems.append(f"unknown province code {province_code!r}" if province_code else "empty province")

    region = get("region")
    if "region" in index:
        if region not in REGIONS:
            problems.append(f"region must be one of {', '.join(REGIONS)}, got {region!r}")
        elif province is not None and region != province.region:
            problems.append(f"region {region} does not match province {province.code} "
                            f"({province.name_en}), which is {province.region}")

    domains = tuple(dict.fromkeys(_split_list(get("domains"))))
    for d in domains:
        if not CODE_RE.fullmatch(d):
            problems.append(f"domain code {d!r} does not match [A-Z0-9-]{{2,16}}")

    ranges: list[IPNetwork] = []
    for raw in _split_list(get("ip_ranges")):
        try:
            net = ipaddress.ip_network(raw, strict=True)
        except ValueError as exc:
            problems.append(f"bad CIDR {raw!r} ({exc})")
            continue
        if net in ranges:
            problems.append(f"ip range {net} listed twice")
            continue
        ranges.append(net)

    opac_url = get("opac_url")
    if opac_url:
        reason = _check_template(opac_url)
        if reason:
            problems.append(reason)

    delivery = get("delivery").lower()
    if delivery not in ("", "supplier"):
        problems.append(f"delivery must be 'supplier' or blank, got {get('delivery')!r}")

    lib = Library(
        code=code, name=name, name_en=get("name_en"), city=city, province=province_code, region=region,
        domains=domains, ip_ranges=tuple(ranges), opac_url=opac_url, supplier=delivery == "supplier",
    )
    return lib, problems


# ---------------------------------------------------------------------------------------------------------
# Files


def _read_text(path: Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror or exc}", ref=str(path)) from None
    return _decode(data, str(path))


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(source, [(line, f"not valid UTF-8 (byte {exc.start})")]) from None


@lru_cache(maxsize=1)
def shipped_provinces() -> dict[str, Province]:
    return parse_provinces(_read_text(SHIPPED_PROVINCES), source=str(SHIPPED_PROVINCES))


@lru_cache(maxsize=1)
def shipped_domains() -> dict[str, Domain]:
    if not SHIPPED_DOMAINS.exists():
        return {}
    return parse_domains(_read_text(SHIPPED_DOMAINS), source=str(SHIPPED_DOMAINS))


def load_registry(path: str | os.PathLike) -> Registry:
    path = Path(path)
    return parse_registry(_read_text(path), source=str(path))


@lru_cache(maxsize=1)
def shipped_registry() -> Registry:
    """The demo set shipped in yidu/data."""
    return load_registry(SHIPPED_LIBRARIES)


_cache: dict[Path, tuple[tuple[int, int], Registry]] = {}


def _load_cached(path: Path) -> Registry:
    try:
        st = path.stat()
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror or exc}", ref=str(path)) from None
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _cache.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    registry = load_registry(path)
    _cache[path] = (stamp, registry)
    return registry


def installed_path(settings) -> Path:
    return Path(settings.state_dir) / INSTALLED_NAME


def active_path(settings) -> Path:
    """The file the active registry comes from."""
    if settings.libraries_file is not None:
        return Path(settings.libraries_file)
    installed = installed_path(settings)
    if installed.exists():
        return installed
    return SHIPPED_LIBRARIES


def active_registry(settings) -> Registry:
    """`settings.libraries_file` if set; else the registry installed in the state folder; else the shipped
    demo set. Re-read only when the file changes."""
    path = active_path(settings)
    if path == SHIPPED_LIBRARIES:
        return shipped_registry()
    return _load_cached(path.absolute())


def install_registry(settings, path: str | os.PathLike) -> Registry:
    """Validate `path` and, when it is valid, copy it atomically into the state folder, where
    `active_registry` finds it. On any problem raise `RegistryError` and change nothing."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror or exc}", ref=str(path)) from None
    registry = parse_registry(_decode(data, str(path)), source=str(path))
    target = installed_path(settings)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".libraries-", suffix=".csv.tmp", dir=target.parent)
    except OSError as exc:
        raise RegistryError(f"cannot write {target}: {exc.strerror or exc}", ref=str(target)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the registry is not secret
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise RegistryError(f"cannot write {target}: {exc.strerror or exc}", ref=str(target)) from None
        raise
    _cache.pop(target.absolute(), None)
    return registry
