"""Scope keys: one name per (level, place) that every collection agrees on.

Catalogue records and theses are scoped by the libraries that hold them (`holding_libraries` in
the registry's scope members). Articles are scoped through their journal: the `journal_scopes`
collection holds one document per scope key listing the ISSN-Ls that scope's libraries can reach
(print holdings, subscriptions), and an article filter is a terms lookup on that document.
"""
from __future__ import annotations

from yidu.libraries import Registry

LEVELS = ("library", "city", "province", "domain", "nation")


def scope_key(registry: Registry, level: str, library: str | None) -> str | None:
    """'library:PKU', 'city:11:北京', 'province:11', 'domain:WY' (several domains: 'domain:BJ-HD+WY');
    None for the nation (no filter) or when no library is known."""
    if level == "nation" or not library:
        return None
    lib = registry.get(library)
    if level == "library":
        return f"library:{lib.code}"
    if level == "city":
        return f"city:{lib.province}:{lib.city}"
    if level == "province":
        return f"province:{lib.province}"
    if level == "domain":
        return "domain:" + "+".join(sorted(lib.domains)) if lib.domains else f"library:{lib.code}"
    raise ValueError(f"unknown scope level {level!r}")


def all_scope_keys(registry: Registry) -> dict[str, tuple[str, ...]]:
    """Every scope key of the registry with its member libraries (for building journal_scopes)."""
    keys: dict[str, tuple[str, ...]] = {}
    for lib in registry:
        for level in LEVELS[:-1]:
            key = scope_key(registry, level, lib.code)
            if key not in keys:
                keys[key] = registry.scope_members(level, lib.code)
    return keys
