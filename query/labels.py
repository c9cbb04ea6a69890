"""Names for facet values: record types, languages, CLC classes, libraries and provinces, in Chinese and
English. The tables are data files owned elsewhere (harvesters' language lookup, the corpus's CLC table)
and read here, once; a missing table only means values show as codes."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from yidu.libraries import Registry, RegistryError

ROOT = Path(__file__).resolve().parent.parent
TYPES_TSV = Path(__file__).resolve().parent / "data" / "types.tsv"
LANGUAGES_TSV = ROOT / "harvesters" / "marc" / "lookups" / "languages.tsv"
CLC_TSV = ROOT / "yidu" / "corpus" / "data" / "clc.tsv"


def _rows(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            yield [part.strip() for part in line.split("\t")]


@lru_cache(maxsize=1)
def types() -> dict[str, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in _rows(TYPES_TSV) if len(r) >= 3}


@lru_cache(maxsize=1)
def languages() -> dict[str, tuple[str, str]]:
    """code -> (Chinese, English); the file's columns are code, English, Chinese."""
    return {r[0]: (r[2], r[1]) for r in _rows(LANGUAGES_TSV) if len(r) >= 3}


@lru_cache(maxsize=1)
def clc() -> dict[str, str]:
    return {r[0].upper(): r[1] for r in _rows(CLC_TSV) if len(r) >= 2}


def clc_name(code: str) -> str | None:
    """The class name of `code`, else of its longest listed prefix."""
    table = clc()
    code = code.strip().upper()
    while code:
        if code in table:
            return table[code]
        code = code[:-1].rstrip(".-/")
    return None


class Labels:
    """Facet value -> (Chinese label, English label)."""

    def __init__(self, registry: Registry):
        self.registry = registry

    def __call__(self, facet: str, value: str) -> tuple[str, str]:
        if facet == "type":
            return types().get(value, (value, value))
        if facet == "language":
            return languages().get(value, (value, value))
        if facet in ("clc_top", "clc2"):
            name = clc_name(value)
            return (f"{value} {name}", f"{value} {name}") if name else (value, value)
        if facet == "holding_library":
            try:
                lib = self.registry.get(value)
            except RegistryError:
                return value, value
            return lib.name, lib.name_en or lib.name
        if facet == "province":
            prov = self.registry.provinces.get(value)
            return (prov.name, prov.name_en) if prov else (value, value)
        if facet == "year":
            lo, _, hi = value.partition("-")
            if not lo:
                return f"{hi}年及以前", f"{hi} and earlier"
            if not hi:
                return f"{lo}年以来", f"{lo} and later"
            return f"{lo}–{hi}", f"{lo}–{hi}"
        return value, value
