"""The resolver's configuration, as one explicit object (built by the caller, never from the
environment here). `from_settings` takes what `yidu.config.Settings` provides."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ResolverConfig:
    trusted_proxies: tuple[str, ...] = ()  # CIDRs whose X-Forwarded-For is believed
    ranking_policy: str | None = None  # None: the `active` policy of ranking.json
    max_suppliers: int | None = None  # None: ranking.json's max_suppliers
    subsidies_file: Path = DATA_DIR / "subsidies.json"
    suppliers_file: Path = DATA_DIR / "suppliers.csv"
    ranking_file: Path = DATA_DIR / "ranking.json"
    ppv_file: Path = DATA_DIR / "ppv.csv"
    # Where a reader's request goes: the dispatch center's form, filled with the citation.
    dispatch_url: str = "https://dispatch.yidu.example/request?service={service}&supplier={supplier}&{openurl}"
    librarian_url: str = "https://dispatch.yidu.example/ask?library={library}&{openurl}"
    debug_limit: int = 200  # excluded options listed in a debug view

    @classmethod
    def from_settings(cls, settings) -> "ResolverConfig":
        """The resolver's part of the service settings (yidu.config.Settings, validated there)."""
        return cls(trusted_proxies=tuple(settings.trusted_proxies))
