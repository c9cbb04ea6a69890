"""What the ISBN enrichment call returns for a union record: the display fields an OPAC adds to its own
record page, the contents as a list, safe links, and the holding libraries nearest to the calling
library - itself, then its city, its province, its shared domains, then the rest of the nation (the
copy a reader can fetch soonest comes first; within a tier, registry order, as the search scopes).

The holdings and their shelf-status links are the record API's (api.records.view), so both agree.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from api import records
from yidu import identifiers
from yidu.libraries import Library, Registry

TIERS = ("library", "city", "province", "domain", "nation")
# MARC 21 505 separates entries with " -- "; CNMARC 327 $a entries arrive joined by spaces, so chapter
# headings ("第三章 ...", "第2编 ...") are where those split.
_ISBD_SEP = re.compile(r"\s*--\s*")
_CHAPTER = re.compile(r"\s+(?=第[一二三四五六七八九十百零〇两\d]+[章编篇部讲节卷回])")


def contents(notes: list[str] | str | None) -> list[str]:
    """Contents notes as one entry per chapter or part."""
    out: list[str] = []
    for note in [notes] if isinstance(notes, str) else (notes or []):
        parts = _ISBD_SEP.split(note) if "--" in note else _CHAPTER.split(note)
        parts = [p.strip() for p in parts if p.strip()]
        if parts and parts[-1].endswith(".") and not parts[-1].endswith(".."):
            parts[-1] = parts[-1][:-1].rstrip()
        out += [p for p in parts if p]
    return out


def safe_links(src: dict[str, Any]) -> list[dict[str, str]]:
    """http(s) preview / full-text links of a record ({url, label}, from its 856 fields); anything else is
    dropped, whatever the index holds."""
    out = []
    for item in src.get("links") or []:
        url, label = (item, "") if isinstance(item, str) else (item.get("url"), item.get("label") or "")
        parts = urlsplit(url or "")
        if parts.scheme in ("http", "https") and parts.netloc and url not in [o["url"] for o in out]:
            out.append({"url": url, "label": label})
    return out


def tier(reader: Library | None, other: Library | None) -> int:
    """0 same library, 1 same city, 2 same province, 3 a shared domain, 4 elsewhere (also unknown codes)."""
    if reader is None or other is None:
        return 4
    if other.code == reader.code:
        return 0
    if other.province == reader.province:
        return 1 if other.city == reader.city else 2
    return 3 if set(other.domains) & set(reader.domains) else 4


def nearest(holdings: list[dict], registry: Registry, library: str, limit: int) -> list[dict]:
    """The `limit` holdings nearest to `library`, each with its tier's name (registry order alone when the
    key's library has left the registry)."""
    reader = registry.get(library) if library in registry else None
    order = {code: i for i, code in enumerate(registry.codes)}

    def key(h: dict) -> tuple:
        code = h.get("library")
        other = registry.get(code) if code in registry else None
        return tier(reader, other), order.get(code, len(order)), str(code)

    out = []
    for h in sorted(holdings, key=key)[:limit]:
        code = h.get("library")
        out.append({"code": code, "name": h.get("name"), "name_en": h.get("name_en"), "city": h.get("city"),
                    "province": h.get("province"), "province_name": h.get("province_name"),
                    "nearness": TIERS[key(h)[0]], "copies": h.get("copies"),
                    "call_numbers": h.get("call_numbers") or [], "shelf_status_url": h.get("shelf_status_url")})
    return out


def enrichment(hit: dict, registry: Registry, library: str, isbn: str, *, cover: dict, limit: int) -> dict:
    """The response body for one union record found by `isbn`, seen from `library`."""
    record = records.view(hit, registry, library)
    src = hit["_source"]
    summaries = src.get("summary") or []
    return {
        "isbn": isbn, "isbn10": identifiers.isbn10(isbn), "id": hit["_id"], "type": src.get("type"),
        "title": src.get("title"), "subtitle": src.get("subtitle"), "authors": src.get("authors") or [],
        "publisher": src.get("publisher") or [], "year": src.get("year"), "edition": src.get("edition"),
        **cover,
        "contents": contents(src.get("contents")),
        "summary": summaries[0] if isinstance(summaries, list) and summaries else (summaries or None),
        "links": safe_links(src),
        "resolver_url": "/openurl?" + urlencode({"rft.genre": "book", "rft.isbn": isbn, "rft.btitle": src.get("title")
                                                  or "", "library": library}),
        "holdings_count": src.get("holding_count", len(record["holdings"])),
        "library": library,
        "nearest": nearest(record["holdings"], registry, library, limit),
    }
