"""Supplier libraries: their statistics (data/suppliers.csv) and how the dispatch center ranks them
(data/ranking.json: weights or a lexicographic order of criteria, chosen by name).

suppliers.csv columns: code (a member library code, or a partner's code), name, name_en, channel
(`member` - requests go through the dispatch center - or `partner`), delivery_price_yuan and
ill_price_yuan (empty: does not offer that service), avg_response_hours, fill_rate (0-1),
open_requests (current load), own_subsidy_rate and own_cap_yuan (partners' own subsidy rules).
"""
from __future__ import annotations

import csv
import heapq
import io
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import orjson

from linkresolver.errors import PolicyError

DATA_DIR = Path(__file__).resolve().parent / "data"
CRITERIA = ("certain", "price", "response", "fill_rate", "same_province", "load")
SERVICES = ("delivery", "ill")


@dataclass(frozen=True, slots=True)
class SupplierStats:
    code: str
    name: str = ""
    name_en: str = ""
    channel: str = "member"
    delivery_price: float | None = 20.0
    ill_price: float | None = 40.0
    response_hours: float = 48.0
    fill_rate: float = 0.8
    open_requests: int = 0
    own_subsidy_rate: float | None = None
    own_cap: float | None = None

    def price(self, service: str) -> float | None:
        return self.delivery_price if service == "delivery" else self.ill_price

    @property
    def dispatch_channel(self) -> str:
        """The subsidy channel: members are reached through the dispatch center."""
        return "dispatch" if self.channel == "member" else "partner"


@dataclass(frozen=True, slots=True)
class Candidate:
    code: str
    stats: SupplierStats
    certain: bool = True  # the supplier's holdings certainly include the item (not just maybe)
    same_province: bool = False


def _float(value: str, column: str, line: int) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise PolicyError(f"suppliers line {line}: {column} {value!r} is not a number") from None


class SupplierDirectory:
    def __init__(self, stats: Iterable[SupplierStats], defaults: SupplierStats | None = None):
        self.stats = {s.code: s for s in stats}
        self.defaults = defaults or SupplierStats("")

    @classmethod
    def load(cls, path: Path | None = None, defaults: SupplierStats | None = None) -> "SupplierDirectory":
        path = Path(path or DATA_DIR / "suppliers.csv")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise PolicyError(f"cannot read supplier statistics {path}: {exc}", ref=str(path)) from None
        return cls(cls.parse(text), defaults)

    @staticmethod
    def parse(text: str) -> list[SupplierStats]:
        rows = []
        for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            code = (row.get("code") or "").strip()
            if not code:
                raise PolicyError(f"suppliers line {line}: empty code")
            channel = (row.get("channel") or "member").strip()
            if channel not in ("member", "partner"):
                raise PolicyError(f"suppliers line {line}: channel must be member or partner, got {channel!r}")
            fill = _float(row.get("fill_rate", ""), "fill_rate", line)
            if fill is not None and not 0 <= fill <= 1:
                raise PolicyError(f"suppliers line {line}: fill_rate {fill} must be between 0 and 1")
            rows.append(SupplierStats(
                code=code, name=(row.get("name") or "").strip(), name_en=(row.get("name_en") or "").strip(),
                channel=channel,
                delivery_price=_float(row.get("delivery_price_yuan", ""), "delivery_price_yuan", line),
                ill_price=_float(row.get("ill_price_yuan", ""), "ill_price_yuan", line),
                response_hours=_float(row.get("avg_response_hours", ""), "avg_response_hours", line) or 48.0,
                fill_rate=fill if fill is not None else 0.8,
                open_requests=int(_float(row.get("open_requests", ""), "open_requests", line) or 0),
                own_subsidy_rate=_float(row.get("own_subsidy_rate", ""), "own_subsidy_rate", line),
                own_cap=_float(row.get("own_cap_yuan", ""), "own_cap_yuan", line),
            ))
        return rows

    def get(self, code: str) -> SupplierStats:
        found = self.stats.get(code)
        return found if found is not None else replace(self.defaults, code=code)

    def partners(self) -> list[SupplierStats]:
        return [s for s in self.stats.values() if s.channel == "partner"]


@dataclass(frozen=True)
class RankingPolicy:
    name: str
    kind: str  # "weighted" or "lexicographic"
    weights: dict[str, float]
    scales: dict[str, float]
    order: tuple[str, ...]

    def static_part(self, stats: SupplierStats, service: str):
        """What does not depend on the request: a partial score (weighted) or the criteria values."""
        values = {"price": stats.price(service) or 0.0, "response": stats.response_hours,
                  "fill_rate": -stats.fill_rate, "load": stats.open_requests}
        if self.kind == "lexicographic":
            return values
        w, sc = self.weights, self.scales
        return (w.get("fill_rate", 0) * (1 - stats.fill_rate)
                + w.get("price", 0) * values["price"] / sc.get("price_yuan", 50.0)
                + w.get("response", 0) * stats.response_hours / sc.get("response_hours", 48.0)
                + w.get("load", 0) * stats.open_requests / sc.get("open_requests", 100.0))

    def sort_key(self, static, certain: bool, same_province: bool, tiebreak: int) -> tuple:
        if self.kind == "weighted":
            score = (static + (0.0 if certain else self.weights.get("certain", 0.0))
                     + (0.0 if same_province else self.weights.get("same_province", 0.0)))
            return (score, tiebreak)
        dynamic = {"certain": 0 if certain else 1, "same_province": 0 if same_province else 1}
        return (*(dynamic[c] if c in dynamic else static[c] for c in self.order), tiebreak)

    def rank(self, candidates: list[Candidate], service: str, key: str, limit: int) -> list[Candidate]:
        """The best `limit` candidates, best first; ties broken by a stable hash of (key, supplier)."""
        k = request_hash(key)
        keyed = [(self.sort_key(self.static_part(c.stats, service), c.certain, c.same_province,
                                mix(supplier_hash(c.code), k)), i) for i, c in enumerate(candidates)]
        return [candidates[i] for _, i in heapq.nsmallest(limit, keyed)]


class PreparedRanking:
    """A policy with every supplier's request-independent part computed once, for one service: ranking
    a few hundred candidates per request then costs a dict lookup and an addition each."""

    def __init__(self, policy: RankingPolicy, directory: SupplierDirectory, codes: Iterable[str], service: str):
        self.policy = policy
        self.service = service
        self.static: dict[str, Any] = {}
        self.salt: dict[str, int] = {}
        for code in list(codes) + [p.code for p in directory.partners()]:
            stats = directory.get(code)
            if stats.price(service) is not None:
                self.static[code] = policy.static_part(stats, service)
                self.salt[code] = supplier_hash(code)

    def rank(self, pool: Iterable[str], certain: set[str] | frozenset[str], same_province: Callable[[str], bool],
             key: str, limit: int) -> list[tuple[str, bool, bool]]:
        """(code, certain, same province) of the best `limit` codes of `pool` that offer the service."""
        k = request_hash(key)
        static, salt, sort_key = self.static, self.salt, self.policy.sort_key
        keyed = []
        for code in pool:
            part = static.get(code)
            if part is None:
                continue
            sure, near = code in certain, same_province(code)
            keyed.append((sort_key(part, sure, near, mix(salt[code], k)), code, sure, near))
        return [(code, sure, near) for _, code, sure, near in heapq.nsmallest(limit, keyed)]


def supplier_hash(code: str) -> int:
    return zlib.crc32(code.encode())


def request_hash(key: str) -> int:
    return zlib.crc32(key.encode())


def mix(a: int, b: int) -> int:
    """A cheap, stable 32-bit mix of two hashes (ties spread across requests, same order per request)."""
    x = (a ^ b) & 0xFFFFFFFF
    x = ((x ^ (x >> 16)) * 0x45D9F3B) & 0xFFFFFFFF
    return (x ^ (x >> 16)) & 0xFFFFFFFF


@dataclass(frozen=True)
class RankingConfig:
    active: str
    policies: dict[str, RankingPolicy]
    max_suppliers: int
    partners: str  # "fallback" or "always"
    defaults: SupplierStats

    @classmethod
    def load(cls, path: Path | None = None) -> "RankingConfig":
        path = Path(path or DATA_DIR / "ranking.json")
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise PolicyError(f"cannot read ranking policies {path}: {exc}", ref=str(path)) from None
        return cls.from_data(data, source=str(path))

    @classmethod
    def from_data(cls, data: dict[str, Any], *, source: str = "<data>") -> "RankingConfig":
        policies = {}
        for name, raw in (data.get("policies") or {}).items():
            kind = raw.get("kind")
            if kind == "weighted":
                unknown = set(raw.get("weights", {})) - set(CRITERIA)
                policy = RankingPolicy(name, kind, {k: float(v) for k, v in raw.get("weights", {}).items()},
                                       {k: float(v) for k, v in raw.get("scales", {}).items()}, ())
            elif kind == "lexicographic":
                unknown = set(raw.get("order", ())) - set(CRITERIA)
                policy = RankingPolicy(name, kind, {}, {}, tuple(raw.get("order", ())))
            else:
                raise PolicyError(f"ranking policy {name} in {source}: kind must be weighted or lexicographic")
            if unknown:
                raise PolicyError(f"ranking policy {name} in {source}: unknown criteria {sorted(unknown)}; "
                                  f"known: {', '.join(CRITERIA)}")
            policies[name] = policy
        active = data.get("active")
        if active not in policies:
            raise PolicyError(f"ranking policies in {source}: active policy {active!r} is not defined")
        partners = data.get("partners", "fallback")
        if partners not in ("fallback", "always"):
            raise PolicyError(f"ranking policies in {source}: partners must be fallback or always")
        d = data.get("default_stats", {})
        defaults = SupplierStats("", delivery_price=float(d.get("delivery_price_yuan", 20)),
                                 ill_price=float(d.get("ill_price_yuan", 40)),
                                 response_hours=float(d.get("avg_response_hours", 48)),
                                 fill_rate=float(d.get("fill_rate", 0.8)), open_requests=int(d.get("open_requests", 0)))
        return cls(active, policies, int(data.get("max_suppliers", 5)), partners, defaults)

    def policy(self, name: str | None = None) -> RankingPolicy:
        chosen = name or self.active
        if chosen not in self.policies:
            raise PolicyError(f"unknown ranking policy {chosen!r}; known: {', '.join(sorted(self.policies))}",
                              ref=chosen)
        return self.policies[chosen]
