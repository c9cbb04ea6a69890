"""The reindex benchmark measures what it says: every record accounted for, the ceiling loads the very
documents the pipeline built, and the CPU budget follows from the figures (no timing asserted here)."""
from __future__ import annotations

import pytest

from benchmarks.common import cpu_budget
from benchmarks.reindex import draw, run_one
from yidu.services import Services


def test_cpu_budget_bounds_the_ratio_by_the_cpu_both_sides_spent(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1})
    got = cpu_budget(pipeline_s=20.0, pipeline_cpu={"elasticsearch": 16.0, "pipeline": 24.0}, ceiling_s=10.0,
                     records=100_000, python="pipeline")
    # (16 + 24) CPU s on 2 cores take at least 20 s: the ratio cannot pass 10 / 20
    assert got["ratio_bound"] == 0.5
    assert got["cpu_utilisation"] == 1.0
    assert got["python_us_per_record"] == 240 and got["elasticsearch_us_per_record"] == 160
    # 0.8 means finishing in 12.5 s: 25 CPU s on 2 cores, 16 of which Elasticsearch needs
    assert got["python_budget_us_per_record_at_0.8"] == 90


def test_cpu_budget_is_zero_when_elasticsearch_alone_needs_more(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0})
    got = cpu_budget(pipeline_s=10.0, pipeline_cpu={"elasticsearch": 9.0, "pipeline": 1.0}, ceiling_s=4.0,
                     records=1000, python="pipeline")
    assert got["python_budget_us_per_record_at_0.8"] == 0


@pytest.mark.usefixtures("clean_indices")
def test_a_small_run_accounts_for_every_record_and_loads_the_same_documents(es_client, settings, tmp_path):
    services = Services(settings, client=es_client, progress=False)
    before = _bench_indices(es_client)
    run = run_one(services, 600, 5, seed=3)
    assert run["read"] == 600 and run["read"] == run["indexed"] + run["merged"] + run["rejected"]
    assert 0 < run["union_documents"] == run["ceiling_documents"] <= run["indexed"]
    assert run["refused"] == 0 and run["ratio"] > 0
    # (the node refreshes its process CPU figure once a second: a run this short may show none)
    assert run["cpu_s_during_pipeline"]["elasticsearch"] >= 0 and run["cpu_s_during_pipeline"]["pipeline"] > 0
    # the bound comes from this run's own figures. (That it bounds the ratio is physics only when the node's
    # CPU counter saw this run alone: it ticks once a second and counts merges left by earlier tests.)
    cpu, budget = run["cpu_s_during_pipeline"], run["cpu_budget"]
    floor_s = (cpu["elasticsearch"] + cpu["pipeline"]) / budget["cores"]
    ceiling_s = run["read"] / run["ceiling_records_per_s"]
    assert budget["ratio_bound"] == pytest.approx(ceiling_s / floor_s, rel=0.02)
    assert budget["python_us_per_record"] == round(cpu["pipeline"] / run["read"] * 1e6)
    assert _bench_indices(es_client) == before  # its indices are gone
    draw([run], tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _bench_indices(client) -> set[str]:
    return set(client.indices.get(index="bench*,ceil*", expand_wildcards="all", allow_no_indices=True).body)
