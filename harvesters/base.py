"""What every harvester (OAI-PMH, Crossref, JATS, CSV...) shares: its summary and its interface.

`yidu harvest NAME` looks the source up in the source registry, picks the harvester for its
protocol from `HARVESTERS`, and runs it. Every record harvested ends in exactly one bucket:
indexed, deleted or rejected (with the reason in the run's errors and the dead-letter file).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass
class HarvestSummary:
    source: str
    mode: str = "incremental"  # "full" | "incremental"
    harvested: int = 0
    indexed: int = 0
    deleted: int = 0
    rejected: int = 0
    pages: int = 0
    errors: list[str] = field(default_factory=list)
    dead_letter: str | None = None
    seconds: float = 0.0

    @property
    def balanced(self) -> bool:
        return self.harvested == self.indexed + self.deleted + self.rejected

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Harvester(Protocol):
    """Constructed with (services, source, checkpoints); `run` is a coroutine."""

    async def run(self, *, mode: str = "incremental", from_: str | None = None,
                  until: str | None = None) -> HarvestSummary: ...


# protocol -> "module:Class"; imported lazily so one protocol's dependencies never burden another.
HARVESTERS: dict[str, str] = {}
