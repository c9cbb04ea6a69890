"""`yidu sources ...` and `yidu harvest ...` through the real CLI entry point (yidu.cli.main), in-process,
with the environment a deployment would set, against a generated repository on a real server."""
from __future__ import annotations

import json

import pytest

from harvesters import base
from harvesters.oai.localrepo import GeneratedRepository, RepositoryServer
from harvesters.sources import EXAMPLE, SourceRegistry
from indexer.theses import COLLECTION
from yidu.cli import main
from yidu.libraries import shipped_registry


@pytest.fixture
def cli(settings, monkeypatch, capsys):
    for key in [k for k in __import__("os").environ if k.startswith(("YIDU_", "ES_"))]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("YIDU_STATE_DIR", str(settings.state_dir))
    monkeypatch.setenv("YIDU_INDEX_PREFIX", settings.index.prefix)
    if settings.es.url:
        monkeypatch.setenv("ES_URL", settings.es.url)
    else:
        monkeypatch.setenv("YIDU_ES_PORT", str(settings.es.http_port))

    def run(*argv) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


# --- sources ----------------------------------------------------------------------------------------------
def test_sources_add_list_remove(cli, settings):
    code, out, _ = cli("sources", "add", "xmu-dspace", "--protocol", "oai-pmh", "--url",
                       "https://dspace.xmu.edu.cn/oai/request", "--library", "XMU", "--set", "theses",
                       "--schedule", "daily", "--json")
    assert code == 0 and json.loads(out)["prefix"] == "oai_dc"  # the OAI default
    code, out, _ = cli("sources", "list", "--json")
    listed = json.loads(out)
    assert [s["name"] for s in listed] == ["xmu-dspace"]
    assert listed[0] | {"options": {}} == {"name": "xmu-dspace", "protocol": "oai-pmh",
                                           "url": "https://dspace.xmu.edu.cn/oai/request", "library": "XMU",
                                           "prefix": "oai_dc", "set": "theses", "origin": "local",
                                           "schedule": "daily", "options": {}}
    assert json.loads((settings.state_dir / "sources.json").read_text())["sources"][0]["name"] == "xmu-dspace"
    assert cli("sources", "remove", "xmu-dspace")[0] == 0
    assert json.loads(cli("sources", "list", "--json")[1]) == []


@pytest.mark.parametrize("args,message", [
    (["--protocol", "oai-pmh", "--url", "https://x.edu/oai", "--library", "NOPE"], "library 'NOPE' is not in"),
    (["--protocol", "oai-pmh", "--url", "ftp://x.edu/oai", "--library", "XMU"], "needs an http(s) base URL"),
    (["--protocol", "crossref", "--url", "api.crossref.org", "--library", "XMU"], "needs an http(s) base URL"),
])
def test_sources_add_refuses_invalid_entries(cli, args, message):
    code, _, err = cli("sources", "add", "bad", *args)
    assert code == 1 and message in err and "[bad]" in err
    assert json.loads(cli("sources", "list", "--json")[1]) == []


def test_sources_add_refuses_unknown_protocols_and_reserved_names(cli):
    with pytest.raises(SystemExit) as exit_:
        cli("sources", "add", "x", "--protocol", "z39.50", "--url", "https://x", "--library", "XMU")
    assert exit_.value.code == 2
    code, _, err = cli("sources", "add", "status", "--protocol", "oai-pmh", "--url", "https://x.edu/o",
                       "--library", "XMU")
    assert code == 1 and "reserved" in err


def test_sources_load_installs_the_shipped_example(cli):
    code, out, _ = cli("sources", "load", str(EXAMPLE))
    assert code == 0
    listed = json.loads(cli("sources", "list", "--json")[1])
    protocols = {s["protocol"] for s in listed}
    assert {"oai-pmh", "crossref"} <= protocols and len(listed) >= 4
    assert {s["origin"] for s in listed} >= {"NDLTD", "CADAL", "local"}
    code, _, err = cli("sources", "load", str(EXAMPLE))
    assert code == 1 and "already registered" in err


# --- harvest ----------------------------------------------------------------------------------------------
def register(settings, name, url, library="XMU", protocol="oai-pmh", prefix=None):
    from harvesters.sources import Source

    SourceRegistry.for_settings(settings, shipped_registry()).add(
        Source(name=name, protocol=protocol, url=url, library=library, prefix=prefix))


@pytest.mark.es
def test_harvest_prints_the_summary_and_status_adds_up(cli, settings, es_client, clean_indices):
    repo = GeneratedRepository(250, page_size=100)
    with RepositoryServer(repo) as server:
        register(settings, "gen", server.url)
        code, out, err = cli("harvest", "gen", "--full", "--json")
        assert code == 0, err
        summary = json.loads(out)
        assert set(summary) == set(base.HarvestSummary("x").as_dict())
        assert (summary["harvested"], summary["indexed"], summary["pages"], summary["mode"]) == (250, 250, 3, "full")
        code, out, _ = cli("harvest", "gen")  # incremental by default, from the high-water mark
        assert code == 0 and out.startswith("gen (incremental): harvested 0, indexed 0")
    assert es_client.count(index=settings.index.alias(COLLECTION))["count"] == 250
    code, out, _ = cli("harvest", "status", "--json")
    rows = json.loads(out)
    assert [r["source"] for r in rows] == ["gen"]
    last = rows[0]["last_run"]
    assert last["mode"] == "incremental" and last["status"] == "done"
    assert rows[0]["high_water"] == summary["high_water"] and rows[0]["ledger"] == {"indexed": 250}
    code, out, _ = cli("harvest", "status")
    assert code == 0 and "gen: run 2 incremental done" in out


@pytest.mark.es
def test_harvest_all_goes_on_after_a_failing_source(cli, settings, es_client, clean_indices):
    with RepositoryServer(GeneratedRepository(50, page_size=50)) as server:
        register(settings, "a-good", server.url)
        register(settings, "b-marc", server.url, prefix="marcxml")  # the repository only has oai_dc
        code, out, err = cli("harvest", "--all", "--json")
    results = {r["source"]: r for r in json.loads(out)}
    assert code == 1
    assert results["a-good"]["indexed"] == 50
    assert results["b-marc"]["error"].startswith("b-marc: ListRecords failed with cannotDisseminateFormat")


def test_harvest_names_a_protocol_without_harvester(cli, settings, monkeypatch):
    monkeypatch.delitem(base.HARVESTERS, "csv", raising=False)
    register(settings, "lib-csv", "/data/holdings.csv", protocol="csv")
    code, _, err = cli("harvest", "lib-csv")
    assert code == 1 and "no harvester is registered for protocol 'csv'" in err
    monkeypatch.setitem(base.HARVESTERS, "csv", "harvesters.nothing_here:CsvHarvester")
    code, _, err = cli("harvest", "lib-csv")
    assert code == 1 and "cannot be imported" in err


def test_harvest_needs_a_source_or_all(cli, settings):
    assert cli("harvest")[0] == 2
    code, _, err = cli("harvest", "nowhere")
    assert code == 1 and "unknown source 'nowhere'" in err


def test_register_adds_a_protocol_lazily(monkeypatch):
    monkeypatch.setitem(base.HARVESTERS, "jats", "harvesters.oai.harvester:OaiHarvester")
    assert base.harvester_class("jats").__name__ == "OaiHarvester"
    monkeypatch.delitem(base.HARVESTERS, "jats")
    base.register("jats", "harvesters.oai.harvester:OaiHarvester")
    assert base.HARVESTERS["jats"] == "harvesters.oai.harvester:OaiHarvester"
    with pytest.raises(ValueError):
        base.register("jats", "no-colon")
