"""Subsidy policies with effective dates (data: linkresolver/data/subsidies.json).

The request date picks the policy in force; the reader library's province (Xinjiang 65 and Tibet 54
have their own rate), else its region, picks the rate; the supplier's channel decides whether the
request qualifies at all (2013: only requests routed through the dispatch center) and partner
services may follow their own rules (2015). The cap limits the subsidy per request.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import orjson

from linkresolver.errors import PolicyError

DATA_DIR = Path(__file__).resolve().parent / "data"
PARTNER_MODES = ("none", "own_rules")


@dataclass(frozen=True)
class Cost:
    price: float  # the supplier's price, yuan
    subsidy: float  # paid by the consortium
    reader_pays: float
    policy: str | None  # the policy id applied, None when no policy was in force
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"price": self.price, "subsidy": self.subsidy, "reader_pays": self.reader_pays,
                "currency": "CNY", "policy": self.policy, "note": self.note}


@dataclass(frozen=True)
class SubsidyPolicy:
    id: str
    name: str
    effective_from: date
    effective_until: date | None
    services: frozenset[str]
    qualifying_channels: frozenset[str]
    partners: str
    region_rates: dict[str, float]
    province_rates: dict[str, float]
    cap: float | None

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)

    def rate(self, province: str | None, region: str | None) -> float:
        if province and province in self.province_rates:
            return self.province_rates[province]
        return self.region_rates.get(region or "", 0.0)


def _money(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class SubsidyPolicies:
    def __init__(self, policies: list[SubsidyPolicy]):
        self.policies = sorted(policies, key=lambda p: p.effective_from)

    @classmethod
    def load(cls, path: Path | None = None) -> "SubsidyPolicies":
        path = Path(path or DATA_DIR / "subsidies.json")
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise PolicyError(f"cannot read subsidy policies {path}: {exc}", ref=str(path)) from None
        return cls.from_data(data, source=str(path))

    @classmethod
    def from_data(cls, data: dict, *, source: str = "<data>") -> "SubsidyPolicies":
        policies = []
        try:
            for raw in data["policies"]:
                policies.append(_policy(raw))
        except (KeyError, TypeError, ValueError) as exc:
            raise PolicyError(f"invalid subsidy policy in {source}: {exc!r}", ref=source) from None
        ordered = sorted(policies, key=lambda p: p.effective_from)
        for a, b in zip(ordered, ordered[1:]):
            # An open-ended policy is superseded by the next one; explicit dates must not overlap.
            if a.effective_until is not None and a.effective_until >= b.effective_from:
                raise PolicyError(f"subsidy policies {a.id} and {b.id} overlap in {source}", ref=source)
        return cls(policies)

    def in_force(self, day: date) -> SubsidyPolicy | None:
        """The policy for a request made on `day`: the latest that has started and not ended."""
        found = None
        for policy in self.policies:
            if policy.in_force(day):
                found = policy
        return found

    def cost(self, price: float, *, service: str, channel: str, province: str | None, region: str | None,
             day: date, own_rate: float | None = None, own_cap: float | None = None) -> Cost:
        """What the reader pays for one request of `service` ("delivery"/"ill") through `channel`
        ("dispatch" for member suppliers, "partner")."""
        price = _money(price)
        policy = self.in_force(day)
        if policy is None:
            return Cost(price, 0.0, price, None, f"no subsidy policy in force on {day.isoformat()}")
        if service not in policy.services:
            return Cost(price, 0.0, price, policy.id, f"{service} is not subsidised under {policy.id}")
        if province is None and region is None:
            return Cost(price, 0.0, price, policy.id, "the subsidy depends on the reader's library, which is unknown")
        if channel in policy.qualifying_channels:
            rate, cap, note = policy.rate(province, region), policy.cap, ""
        elif channel == "partner" and policy.partners == "own_rules":
            rate, cap, note = own_rate or 0.0, own_cap, "partner service under its own subsidy rules"
        else:
            return Cost(price, 0.0, price, policy.id, f"only requests through {', '.join(sorted(policy.qualifying_channels))} "
                                                      f"qualify under {policy.id}")
        subsidy = _money(price * rate)
        if cap is not None and subsidy > cap:
            subsidy, note = _money(cap), (note + "; " if note else "") + f"subsidy capped at {cap:g} yuan per request"
        return Cost(price, subsidy, _money(price - subsidy), policy.id, note)


def _policy(raw: dict) -> SubsidyPolicy:
    partners = raw.get("partners", "none")
    if partners not in PARTNER_MODES:
        raise ValueError(f"policy {raw.get('id')}: partners must be one of {PARTNER_MODES}")
    rates = raw["rates"]
    region = {k: float(v) for k, v in rates.get("region", {}).items()}
    province = {str(k): float(v) for k, v in rates.get("province", {}).items()}
    for key, value in [*region.items(), *province.items()]:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"policy {raw.get('id')}: rate {key}={value} must be between 0 and 1")
    until = raw.get("effective_until")
    cap = raw.get("cap_yuan")
    return SubsidyPolicy(
        id=str(raw["id"]), name=str(raw.get("name_en") or raw.get("name") or raw["id"]),
        effective_from=date.fromisoformat(raw["effective_from"]),
        effective_until=date.fromisoformat(until) if until else None,
        services=frozenset(raw.get("services", ("delivery", "ill"))),
        qualifying_channels=frozenset(raw.get("qualifying_channels", ("dispatch",))),
        partners=partners, region_rates=region, province_rates=province,
        cap=float(cap) if cap is not None else None,
    )
