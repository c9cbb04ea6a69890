"""Fixtures of the API and site tests: the session's search corpus (shared with tests/query) and the
services over it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "query"))  # the shared corpus helper
from searchcorpus import corpus, registry  # noqa: E402,F401 - fixtures

from yidu.services import Services  # noqa: E402


@pytest.fixture
def services(corpus, es_client, registry):
    return Services(corpus.settings, client=es_client, registry=registry, progress=False)
