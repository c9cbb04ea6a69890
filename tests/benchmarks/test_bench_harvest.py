"""The harvest benchmark end to end on a small repository: every record harvested and indexed, the ceiling
loads the same documents, the CPU figures and the chart come out (no timing asserted here)."""
from __future__ import annotations

import pytest

from benchmarks.harvest import draw, run_one
from yidu.services import Services


@pytest.mark.usefixtures("clean_indices")
def test_a_small_harvest_run_indexes_everything_and_charts(es_client, settings, tmp_path):
    services = Services(settings, client=es_client, progress=False)
    run = run_one(services, 300, 100, None, None, 5, keep=False)
    assert run["harvested"] == run["indexed"] == run["index_documents"] == run["ceiling_documents"] == 300
    assert run["pages"] == 3 and run["rejected"] == run["refused"] == 0
    assert run["cpu_s_during_harvest"]["harvester"] > 0 and "repository" in run["cpu_s_during_harvest"]
    assert set(run["cpu_budget"]) >= {"ratio_bound", "python_us_per_record", "python_budget_us_per_record_at_0.8"}
    draw([run], tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"
