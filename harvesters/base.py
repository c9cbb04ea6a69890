"""What every harvester (OAI-PMH, Crossref, JATS, CSV...) shares: its summary, its interface, its registration.

`yidu harvest NAME` looks the source up in the source registry (`harvesters.sources`), picks the
harvester class for the source's protocol from `HARVESTERS`, builds it with
`(services, source, checkpoints)` and awaits `run(mode=..., from_=..., until=...)`. Every record
harvested ends in exactly one bucket: indexed, deleted, rejected (with the reason in the run's errors and
the dead-letter file) or unchanged (already indexed with the same datestamp: a replayed page, an
overlapping incremental window - neither sent again nor counted twice).

Registration: one line per protocol in `HARVESTERS`, "protocol" -> "module:Class". The module is only
imported when a source of that protocol is harvested, so one protocol's dependencies never burden
another. A harvester class:

    class FeedHarvester:
        def __init__(self, services, source, checkpoints, *, http=None): ...
            # services: yidu.services.Services; source: harvesters.sources.Source;
            # checkpoints: harvesters.checkpoints.CheckpointStore;
            # http: an harvesters.http.HttpClient, or a zero-argument factory of one (tests inject
            #       fast backoffs); None -> build one from the defaults
        async def run(self, *, mode="incremental", from_=None, until=None) -> HarvestSummary: ...

`register(protocol, target)` adds one at run time (tests, plug-ins); `harvester_class(protocol)` resolves
one and says clearly when none is registered.
"""
from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from harvesters.errors import HarvestError

# The protocols a source may name (validated by `yidu sources add`). A protocol may be known before a
# harvester for it is registered: harvesting such a source then says so.
PROTOCOLS = ("oai-pmh", "crossref", "jats", "csv")
MODES = ("full", "incremental")


@dataclass
class HarvestSummary:
    source: str
    mode: str = "incremental"  # "full" | "incremental"
    harvested: int = 0
    indexed: int = 0
    deleted: int = 0
    rejected: int = 0
    unchanged: int = 0  # already in the index with this datestamp (replayed pages, overlapping windows)
    removed: int = 0  # documents a complete full harvest no longer found at the source, deleted (not harvested)
    pages: int = 0
    errors: list[str] = field(default_factory=list)
    dead_letter: str | None = None
    seconds: float = 0.0
    run_id: int | None = None  # the checkpoint store's run
    resumed: bool = False  # this run continued an interrupted one
    high_water: str | None = None  # the source's high-water datestamp after the run

    @property
    def balanced(self) -> bool:
        return self.harvested == self.indexed + self.deleted + self.rejected + self.unchanged

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Harvester(Protocol):
    """Constructed with (services, source, checkpoints[, http=...]); `run` is a coroutine."""

    async def run(self, *, mode: str = "incremental", from_: str | None = None,
                  until: str | None = None) -> HarvestSummary: ...


# protocol -> "module:Class"; imported lazily so one protocol's dependencies never burden another.
HARVESTERS: dict[str, str] = {
    "oai-pmh": "harvesters.oai.harvester:OaiHarvester",
    "crossref": "harvesters.feeds.crossref_harvester:CrossrefHarvester",
    "jats": "harvesters.feeds.local:JatsHarvester",
    "csv": "harvesters.feeds.local:CsvHarvester",
}


def register(protocol: str, target: str) -> None:
    """Register (or replace) the harvester of `protocol`: target is "module:Class"."""
    if ":" not in target:
        raise ValueError(f"harvester target must be 'module:Class', not {target!r}")
    HARVESTERS[protocol] = target


def harvester_class(protocol: str) -> type:
    target = HARVESTERS.get(protocol)
    if target is None:
        known = ", ".join(sorted(HARVESTERS)) or "none"
        raise HarvestError(f"no harvester is registered for protocol {protocol!r} (registered: {known}; "
                           f"see harvesters.base.HARVESTERS)", ref=protocol)
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HarvestError(f"the harvester of protocol {protocol!r} ({target}) cannot be imported: {exc}",
                           ref=protocol) from exc
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise HarvestError(f"the harvester of protocol {protocol!r}: {module_name} has no {class_name}",
                           ref=protocol) from None
