"""The local JATS and CSV harvesters: a folder is a source; incremental runs read only changed files
(mtime + size in the checkpoint ledger); files of another format are passed over with the reason."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harvesters.checkpoints import CheckpointStore
from harvesters.errors import HarvestError
from harvesters.feeds.local import CsvHarvester, JatsHarvester
from harvesters.sources import Source
from yidu.libraries import shipped_registry
from yidu.services import Services

pytestmark = pytest.mark.es

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"


@pytest.fixture
def services(settings, es_client, clean_indices):
    s = Services(settings, client=es_client, registry=shipped_registry(), progress=False)
    yield s
    s.close()


@pytest.fixture
def store(settings):
    with CheckpointStore(settings.state_dir / "harvest.sqlite") as s:
        yield s


def folder_source(path: Path, protocol: str = "jats", **options) -> Source:
    return Source(name=f"{protocol}-folder", protocol=protocol, url=str(path), library="PKU", options=options)


async def test_incremental_runs_read_only_changed_files(services, store, tmp_path, es_client, settings):
    tmp_path = tmp_path / "feeds"  # (the state folder is tmp_path/state)
    tmp_path.mkdir()
    for name in ("jats_pair.xml", "jats_chinese.xml", "pubmed_messy.xml"):
        shutil.copy(FEEDS / name, tmp_path / name)
    (tmp_path / "README.md").write_text("documentation, never read")
    src = folder_source(tmp_path)
    full = await JatsHarvester(services, src, store).run(mode="full")
    assert full.balanced and (full.harvested, full.indexed, full.rejected) == (2, 2, 0)
    assert full.pages == 3 and any("pubmed_messy.xml: a pubmed file, not jats" in e for e in full.errors)
    assert es_client.count(index=settings.index.alias("articles"))["count"] == 2

    quiet = await JatsHarvester(services, src, store).run(mode="incremental")
    assert (quiet.harvested, quiet.pages) == (0, 0)
    assert store.run(quiet.run_id).state["files_unchanged"] == 3

    pair = tmp_path / "jats_pair.xml"
    stat = pair.stat()
    os.utime(pair, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched: read again, merged
    shutil.copy(FEEDS / "jats_xxe.xml", tmp_path / "new.xml")
    changed = await JatsHarvester(services, src, store).run(mode="incremental")
    assert changed.balanced and (changed.harvested, changed.indexed, changed.pages) == (2, 2, 2)
    assert es_client.count(index=settings.index.alias("articles"))["count"] == 3  # the touched one merged


async def test_pubmed_files_may_be_allowed_and_csv_folders_harvest_too(services, store, tmp_path):
    tmp_path = tmp_path / "feeds"
    tmp_path.mkdir()
    shutil.copy(FEEDS / "pubmed_messy.xml", tmp_path / "pubmed.xml")
    shutil.copy(FEEDS / "jats_pair.xml", tmp_path / "pair.xml")
    wide = await JatsHarvester(services, folder_source(tmp_path, formats=["jats", "pubmed"]), store).run(mode="full")
    assert wide.balanced and (wide.harvested, wide.indexed, wide.rejected) == (4, 2, 2)
    csv_dir = tmp_path / "toc"
    csv_dir.mkdir()
    shutil.copy(FEEDS / "toc_variants.csv", csv_dir / "toc.csv")
    summary = await CsvHarvester(services, folder_source(csv_dir, "csv"), store).run(mode="full")
    assert summary.balanced and (summary.harvested, summary.indexed, summary.rejected) == (5, 3, 2)
    assert summary.dead_letter and Path(summary.dead_letter).exists()


async def test_a_missing_folder_fails_clearly(services, store, tmp_path):
    with pytest.raises(HarvestError, match="does not exist"):
        await JatsHarvester(services, folder_source(tmp_path / "nowhere"), store).run()
