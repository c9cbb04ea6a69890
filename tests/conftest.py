"""Fixtures shared by every test package.

- `es_settings` / `es_client`: the real Elasticsearch node, started once per session by the project's
  own node manager (or the cluster `ES_URL` names). Nothing is mocked.
- `settings`: per test, a fresh index prefix and state folder, so tests never see each other's data.
- `shared_data`: the real data in ../shared/data; tests that need it skip with the reason when absent.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from yidu.config import Settings

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("YIDU_SHARED_DATA", REPO.parent / "shared" / "data"))
ARTIFACTS = REPO / "artifacts"


def _session_settings() -> Settings:
    settings = Settings.from_env()
    if settings.es.embedded and "YIDU_STATE_DIR" not in os.environ:
        # The session node lives in the project's state folder (the download is reused), not the test's.
        settings = replace(settings, state_dir=REPO / ".state")
    return settings


@pytest.fixture(scope="session")
def es_settings() -> Settings:
    """Settings whose `es` part points at a running node; starts (and finally stops) it if needed."""
    settings = _session_settings()
    if not settings.es.embedded:
        yield settings
        return
    from yidu.esnode import EsNode

    node = EsNode(settings)
    node.install()
    started_here = not node.is_running()
    node.start()
    yield settings
    if started_here and not os.environ.get("YIDU_KEEP_NODE"):
        node.stop()


@pytest.fixture(scope="session")
def es_client(es_settings):
    from yidu import es

    client = es.client(es_settings.es)
    yield client
    client.close()


@pytest.fixture
def settings(es_settings, tmp_path) -> Settings:
    """Per-test settings: a unique index prefix and a private state folder, on the session's node."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield replace(es_settings, state_dir=tmp_path / "state").with_prefix(prefix)


@pytest.fixture
def clean_indices(es_client, settings):
    """Deletes the test's indices afterwards (they are uniquely prefixed, so this only tidies up)."""
    yield
    names = list(es_client.indices.get(index=f"{settings.index.prefix}-*", expand_wildcards="all").body)
    if names:  # the node refuses wildcard deletes (action.destructive_requires_name): name them
        es_client.options(ignore_status=404).indices.delete(index=",".join(names))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared real data not found at {SHARED_DATA} (set YIDU_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
