"""The benchmark's generated world is what it claims to be (no timing here: that is the benchmark's job)."""
from __future__ import annotations

import random
from collections import Counter

from benchmarks.resolve import citation_mix, issn_with_check, split_packages, synthetic_kbart, synthetic_registry
from linkresolver.kbart import parse_kbart
from linkresolver.openurl import parse_query
from yidu import identifiers


def test_generated_kbart_is_valid_kbart():
    result = parse_kbart(synthetic_kbart(2000, seed=1))
    assert result.rows >= 2000 and not result.errors
    assert 0.04 < sum(1 for e in result.entries if e.embargo) / len(result.entries) < 0.15


def test_generated_issns_are_valid():
    rng = random.Random(3)
    for _ in range(500):
        value = issn_with_check(rng.randrange(10_000_000))
        assert identifiers.issn(value) == value


def test_generated_registry_covers_the_country_with_nested_ranges():
    registry, _ = synthetic_registry(300, random.Random(2))
    assert len(registry) == 300
    assert {"65", "54", "11"} <= {lib.province for lib in registry}
    assert 0.25 < len(registry.suppliers()) / 300 < 0.55
    nested = registry.get("L0000")
    assert len(nested.ip_ranges) == 2 and registry.by_ip("10.100.0.200").code == "L0000"


def test_citation_mix_parses_and_has_every_kind():
    entries = parse_kbart(synthetic_kbart(1000, seed=4)).entries
    registry, _ = synthetic_registry(50, random.Random(4))
    mix = citation_mix(entries, registry, 400, random.Random(4))
    assert set(Counter(kind for kind, _, _ in mix)) == {"in_coverage", "embargoed", "outside", "openurl_0_1",
                                                         "title_only", "unknown_issn", "doi_only", "book"}
    for kind, query, library in mix:
        c = parse_query(query)
        assert c.has_subject, query
        if kind == "book":
            assert c.family == "book" and c.isbns
    packages = split_packages(entries, packages=10)
    assert len(packages) <= 10 and sum(len(v) for v in packages.values()) == len(entries)
