"""Versioned indices behind aliases.

Each collection lives in `<prefix>-<collection>-v<N>`; searches read through the alias
`<prefix>-<collection>` and loads write through `<prefix>-<collection>-write`. A new version is built
beside the live one and the aliases move in one atomic `update_aliases` call, only when asked to
(after the build checked out), so searches never see a half-built index.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError

from indexer.errors import IndexerError
from mappings import MAPPINGS, mapping_for, settings_for
from yidu.config import IndexSettings


@dataclass(frozen=True)
class IndexState:
    collection: str
    read: str | None  # the versioned index the read alias points at
    write: str | None
    versions: tuple[str, ...]  # every version present, oldest first


class IndexManager:
    def __init__(self, client: Elasticsearch, settings: IndexSettings):
        self.client = client
        self.settings = settings

    # --- naming -----------------------------------------------------------------------------
    def alias(self, collection: str) -> str:
        return self.settings.alias(collection)

    def write_alias(self, collection: str) -> str:
        return self.settings.write_alias(collection)

    def _version_of(self, collection: str, index: str) -> int | None:
        m = re.fullmatch(re.escape(self.settings.version_prefix(collection)) + r"(\d+)", index)
        return int(m.group(1)) if m else None

    # --- inspection -------------------------------------------------------------------------
    def state(self, collection: str) -> IndexState:
        pattern = self.settings.version_prefix(collection) + "*"
        try:
            found = self.client.indices.get_alias(index=pattern)
        except NotFoundError:
            found = {}
        versions = sorted(
            (name for name in found if self._version_of(collection, name) is not None),
            key=lambda name: self._version_of(collection, name),
        )
        read = next((n for n in versions if self.alias(collection) in found[n].get("aliases", {})), None)
        write = next((n for n in versions if self.write_alias(collection) in found[n].get("aliases", {})), None)
        return IndexState(collection, read, write, tuple(versions))

    # --- changes ----------------------------------------------------------------------------
    def ensure(self, collection: str) -> str:
        """The live version, creating v1 with both aliases when the collection does not exist yet. Fields the
        mapping gained since the live version was created are added to it in place (see `add_new_fields`)."""
        state = self.state(collection)
        if state.write:
            self.add_new_fields(collection, state.write)
            return state.write
        name = self.create_version(collection)
        self.swap(collection, name)
        return name

    def add_new_fields(self, collection: str, index: str) -> None:
        """Put the collection's current field mapping on `index`. Elasticsearch adds new fields in place and
        accepts unchanged ones, so a release that only adds fields (documents of a strict mapping would be
        refused otherwise) needs no reindex; a changed field it cannot apply in place asks for one."""
        properties = mapping_for(collection).to_dict()["properties"]
        try:
            self.client.indices.put_mapping(index=index, properties=properties)
        except BadRequestError as exc:
            raise IndexerError(f"the mapping of {index} differs from this release's in a way Elasticsearch cannot "
                               f"change in place ({exc.message}): rebuild it with `yidu reindex {collection}`",
                               ref=index) from None

    def create_version(self, collection: str, *, replicas: int | None = None) -> str:
        """A new, empty, alias-less version of the collection, with the current mapping."""
        if collection not in MAPPINGS:
            raise IndexerError(f"unknown collection {collection!r}; known: {sorted(MAPPINGS)}")
        state = self.state(collection)
        last = self._version_of(collection, state.versions[-1]) if state.versions else 0
        name = self.settings.versioned(collection, last + 1)
        self.client.indices.create(
            index=name,
            settings={
                "number_of_shards": self.settings.shards.get(collection, 1),
                "number_of_replicas": self.settings.replicas.get(collection, 0) if replicas is None else replicas,
                **settings_for(collection),
            },
            mappings=mapping_for(collection).to_dict(),
        )
        return name

    def swap(self, collection: str, new_index: str) -> None:
        """Point the read and write aliases at `new_index`, atomically."""
        actions = []
        for alias in (self.alias(collection), self.write_alias(collection)):
            actions.append({"remove": {"index": self.settings.version_prefix(collection) + "*", "alias": alias,
                                       "must_exist": False}})
            actions.append({"add": {"index": new_index, "alias": alias,
                                    **({"is_write_index": True} if alias.endswith("-write") else {})}})
        self.client.indices.update_aliases(actions=actions)

    def drop_old(self, collection: str, *, keep: int = 1) -> list[str]:
        """Delete versions older than the live one, keeping `keep` previous versions for rollback."""
        state = self.state(collection)
        if state.read is None:
            return []
        older = [v for v in state.versions if self._version_of(collection, v) < self._version_of(collection, state.read)]
        doomed = older[: max(0, len(older) - keep)]
        for name in doomed:
            self.client.indices.delete(index=name)
        return doomed

    def drop_all(self, collection: str) -> None:
        for name in self.state(collection).versions:
            self.client.indices.delete(index=name)
