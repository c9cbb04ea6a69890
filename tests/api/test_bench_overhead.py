"""The resolve benchmark's availability overhead runs against the real search API (api.app.create_app)."""
import random

import pytest

from benchmarks.resolve import search_api_overhead, synthetic_registry
from linkresolver.kb import KnowledgeBase

pytestmark = pytest.mark.es


def test_overhead_is_measured_on_the_real_search_api(corpus, tmp_path):
    rng = random.Random(3)
    registry, _ = synthetic_registry(20, rng)
    kb = KnowledgeBase(tmp_path / "kb.sqlite", is_member=registry.__contains__, background_rebuild=False)
    try:
        result = search_api_overhead(corpus.settings, kb, registry, rng, candidates=[corpus.settings], requests=6)
    finally:
        kb.close()
    assert result["requests"] == 6 and result["p50_plain_ms"] > 0 and result["p50_enriched_ms"] > 0
    assert corpus.settings.index.alias("catalog") in result["search"]
