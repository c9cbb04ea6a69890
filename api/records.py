"""A record's page: the full record, every holding library with its place and shelf-status link, grouped
by province and city, and the source records behind a union record (original MARC from the record store)."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import orjson
from elasticsearch import AsyncElasticsearch

from api.errors import BadRequest, NotFound
from query.collections import Target
from yidu.libraries import Registry

ID_RE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
CONTROL_RE = re.compile(r"[A-Za-z0-9._:\-/ ]{1,64}")
# derived search forms: the record view shows what was catalogued, not how it is indexed
_DERIVED = re.compile(r".*_(t|s|py|pyi)$")
_HIDDEN = {"suggest", "title_sort", "merge_key"}


def check_id(record_id: str) -> str:
    if not ID_RE.fullmatch(record_id):
        raise BadRequest("record id must be 1-128 letters, digits or . _ : -")
    return record_id


async def fetch(client: AsyncElasticsearch, target: Target, record_id: str) -> dict[str, Any] | None:
    indices = target.indices()
    if not indices:
        return None
    raw = (await client.search(index=",".join(indices), ignore_unavailable=True, allow_no_indices=True,
                               body={"query": {"ids": {"values": [record_id]}}, "size": 1})).body
    hits = raw["hits"]["hits"]
    return hits[0] if hits else None


def view(hit: dict[str, Any], registry: Registry, library: str | None = None) -> dict[str, Any]:
    """The record as shown; with the reader's `library`, its holdings come first, then its city's and
    province's (the nearest copy is the one a reader wants)."""
    src = hit["_source"]
    record = {k: v for k, v in src.items() if not _DERIVED.fullmatch(k) and k not in _HIDDEN}
    record["id"] = hit["_id"]
    record.setdefault("collection", _collection(hit["_index"]))
    holdings = [_holding(h, src, registry) for h in src.get("holdings", [])]
    if library in registry:
        reader = registry.get(library)
        holdings.sort(key=lambda h: (h["library"] != reader.code, h.get("city") != reader.city,
                                     h.get("province") != reader.province))
    record["holdings"] = holdings
    record["holdings_by_place"] = group(holdings, registry, first=registry.get(library).province
                                        if library in registry else None)
    record["sources"] = [dict(s, marc={f: f"/api/v1/records/{hit['_id']}/sources/{s['library']}/"
                                          f"{s['control_number']}?format={f}" for f in ("marcxml", "json")})
                         for s in src.get("sources", []) if s.get("library") and s.get("control_number")]
    return record


def _holding(h: dict, src: dict, registry: Registry) -> dict[str, Any]:
    out = dict(h)
    code = h.get("library")
    if code not in registry:
        out.update(name=code, name_en=code, shelf_status_url=None)
        return out
    lib = registry.get(code)
    prov = registry.provinces.get(lib.province)
    controls = h.get("control_numbers") or []
    isbns = src.get("isbn") or []
    out.update(name=lib.name, name_en=lib.name_en, city=lib.city, province=lib.province,
               province_name=prov.name if prov else lib.province, province_name_en=prov.name_en if prov else "",
               shelf_status_url=lib.shelf_status_url(control_number=controls[0] if controls else None,
                                                     isbn=isbns[0] if isbns else None, title=src.get("title")))
    return out


def group(holdings: list[dict], registry: Registry, first: str | None = None) -> list[dict[str, Any]]:
    """[{province, name, name_en, cities: [{city, holdings: [...]}]}] in registry order of provinces (the
    reader's province `first`)."""
    order = {code: i for i, code in enumerate(registry.provinces)}
    if first:
        order[first] = -1
    provinces: dict[str, dict[str, Any]] = {}
    for h in holdings:
        code = h.get("province") or "?"
        slot = provinces.setdefault(code, {"province": code, "name": h.get("province_name", code),
                                           "name_en": h.get("province_name_en", code), "cities": {}})
        slot["cities"].setdefault(h.get("city") or "?", []).append(h)
    out = []
    for code in sorted(provinces, key=lambda c: order.get(c, 999)):
        slot = provinces[code]
        slot["cities"] = [{"city": city, "holdings": hs} for city, hs in slot["cities"].items()]
        out.append(slot)
    return out


def _collection(index: str) -> str:
    for c in ("catalog", "articles", "theses"):
        if f"-{c}" in index:
            return c
    return "catalog"


def source_marc(store_path: Path, record: dict, library: str, control: str, fmt: str) -> tuple[bytes, str]:
    """The original record of one member library, as MARCXML or MARC-in-JSON."""
    if not any(s.get("library") == library and s.get("control_number") == control for s in record.get("sources", [])):
        raise NotFound(f"record {record['id']} has no source {library}:{control}")
    raw = _raw(store_path, library, control)
    if raw is None:
        raise NotFound(f"the original of {library}:{control} is not kept (loaded from XML, or no record store here)")
    from harvesters.marc.iso2709 import read_iso2709  # only here: the MARC reader is heavy to import
    import pymarc

    item = next(iter(read_iso2709(io.BytesIO(raw), f"{library}:{control}", None)), None)
    record_ = getattr(item, "record", None)
    if record_ is None:
        raise NotFound(f"the original of {library}:{control} cannot be read back")
    if fmt == "json":
        return orjson.dumps(orjson.loads(record_.as_json())), "application/json"
    return pymarc.record_to_xml(record_, namespace=True), "application/marcxml+xml"


def _raw(store_path: Path, library: str, control: str) -> bytes | None:
    import sqlite3
    import zlib

    if not Path(store_path).exists():
        return None
    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)  # read-only: the web app never writes
    try:
        row = db.execute("SELECT raw FROM source WHERE library = ? AND control = ?", (library, control)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    return zlib.decompress(row[0]) if row and row[0] else None
