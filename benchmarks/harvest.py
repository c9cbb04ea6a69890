"""`yidu bench harvest`: the OAI-PMH harvester end to end against the bulk ceiling of the same node, in one run.

For each repository size N:
  1. a local repository of N generated theses (two thirds Chinese, one third English; oai_dc; P records per
     page with resumption tokens) starts in its own process and renders every page before serving, so that
     serving costs next to nothing while the harvester is measured - a real repository is another machine;
  2. harvest: `OaiHarvester.run(mode="full")` - HTTP, parsing, mapping, documents, bulk, checkpoints, into a
     fresh theses index (refresh off during the load, as full harvests do) - timed, CPU sampled per process;
  3. prepare (not part of the harvest): the same pages parsed, mapped and built into the same documents in
     this process, single-threaded, without Elasticsearch - the Python cost per record - dumped to a file;
  4. ceiling: those identical, already-built documents bulk-loaded into a fresh index of the same mapping on
     the same node, with the same bulk writer settings and load mode (as `yidu bench reindex` does).
The ratio (ceiling time / harvest time) says how close the harvester gets to what the node can take; the CPU
seconds of Elasticsearch, the harvester and the repository in each phase say where the time goes.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

import orjson

from benchmarks.common import (CpuMeter, RssSampler, bulk_ceiling, chart_path, cleanup, cpu_budget, draw_vs_ceiling,
                               emit, progress, timed, work_dir)
from harvesters.checkpoints import CheckpointStore
from harvesters.http import HttpClient
from harvesters.oai import protocol
from harvesters.oai.harvester import OaiHarvester
from harvesters.oai.localrepo import GeneratedRepository
from harvesters.oai.records import fulltext_url, map_metadata
from harvesters.sources import Source
from indexer.indices import IndexManager
from indexer.theses import COLLECTION, ThesisBuilder, thesis_id
from yidu import textzh
from yidu.services import Services

REPO_ROOT = Path(__file__).resolve().parent.parent


def register_bench(sub) -> None:
    p = sub.add_parser("harvest", help="OAI-PMH harvester end to end vs. a raw bulk of the same documents")
    p.add_argument("--records", default="100000", help="theses in the repository; a comma list runs several sizes")
    p.add_argument("--page-size", type=int, default=500, help="records per ListRecords page")
    p.add_argument("--in-flight", type=int, default=None,
                   help="pages between mapping and Elasticsearch's answer (default: the harvester decides)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes mapping and building documents (default: the harvester decides; 0: a thread)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.add_argument("--chart", default="artifacts/bench-harvest.png")
    p.add_argument("--keep", action="store_true", help="keep the benchmark indices and files")
    p.set_defaults(func=cmd)


def cmd(args, settings) -> int:
    sizes = [int(s) for s in str(args.records).split(",") if s.strip()]
    services = Services(settings, progress=False)
    textzh.warm_up()
    try:
        runs = [run_one(services, n, args.page_size, args.in_flight, args.workers, args.seed, keep=args.keep)
                for n in sizes]
    finally:
        services.close()
    chart = chart_path(args.chart, args.chart)
    draw(runs, chart)
    result = {"benchmark": "harvest", "runs": runs, "chart": str(chart)}
    emit(result if len(runs) > 1 or args.json else runs[0] | {"chart": str(chart)}, args.json)
    return 0


def _start_repository(records: int, page_size: int, seed: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "harvesters.oai.localrepo", "--records", str(records),
                             "--page-size", str(page_size), "--seed", str(seed), "--prerender"],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    url = proc.stdout.readline().strip()
    if not url.startswith("http"):
        proc.kill()
        raise RuntimeError("the benchmark repository did not start")
    return proc, url


def run_one(services: Services, records: int, page_size: int, in_flight: int | None, workers: int | None, seed: int, *,
            keep: bool) -> dict:
    settings = services.settings
    client = services.client
    tag = uuid.uuid4().hex[:6]
    load_before = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews every figure
    work = work_dir(settings, "harvest")
    bench = replace(settings, state_dir=work / "state").with_prefix(f"bench{tag}")
    bench_services = Services(bench, client=client, registry=services.registry, progress=sys.stderr.isatty())
    progress(f"rendering a repository of {records} theses, {page_size} per page")
    with timed() as gen:
        server, url = _start_repository(records, page_size, seed)
    try:
        source = Source(name="bench", protocol="oai-pmh", url=url, library="XMU")
        store = CheckpointStore(bench.state_dir / "harvest.sqlite")
        http = HttpClient(timeout=120, retries=3, backoff=0.5)
        harvester = OaiHarvester(bench_services, source, store, http=http, in_flight=in_flight, workers=workers)
        progress("harvest: HTTP -> parse -> map -> documents -> bulk -> checkpoint")
        meter = CpuMeter(client, {"harvester": [os.getpid()], "repository": [server.pid]})  # (the harvester's worker processes: children_* times)
        with RssSampler(exclude=(server.pid,)) as rss, meter, timed() as harvest:  # the repository is elsewhere
            summary = asyncio.run(harvester.run(mode="full"))
        harvest_cpu = meter.seconds
        store.close()
        indexed = client.count(index=bench.index.alias(COLLECTION))["count"]
    finally:
        server.kill()
        server.wait()

    progress("prepare: the same pages -> documents in this process, without Elasticsearch")
    dump = work / "docs.ndjson"
    prepare = _prepare(records, page_size, seed, services, dump)

    progress("ceiling: raw bulk of the identical documents into a fresh index")
    ceiling_index = IndexManager(client, replace(bench.index, prefix=f"ceil{tag}")).create_version(COLLECTION)
    meter = CpuMeter(client, {"harvester": [os.getpid()]})
    with meter, timed() as ceil:
        ceiling_stats = bulk_ceiling(client, ceiling_index, dump, bench.index)
    ceiling_cpu = meter.seconds
    ceiling_docs = client.count(index=ceiling_index)["count"]
    try:
        return {
            "records": records,
            "page_size": page_size,
            "in_flight": harvester.in_flight,
            "workers": "auto" if workers is None else workers,
            "pages": summary.pages,
            "repository_render_s": round(gen.seconds, 2),
            "harvested": summary.harvested, "indexed": summary.indexed, "rejected": summary.rejected,
            "index_documents": indexed,
            "harvest_s": round(harvest.seconds, 2),
            "harvest_records_per_s": round(records / harvest.seconds),
            "ceiling_s": round(ceil.seconds, 2),
            "ceiling_records_per_s": round(ceiling_docs / ceil.seconds),
            "ratio": round(ceil.seconds / harvest.seconds, 3),
            "prepare_s": prepare["seconds"],
            "prepare_records_per_s": round(records / prepare["seconds"]),
            "prepare_split_s": prepare["split"],
            "harvest_stage_s": {k: round(v, 2) for k, v in sorted(harvester.timings.items())},
            "cpu_s_during_harvest": harvest_cpu,
            "cpu_s_during_ceiling": ceiling_cpu,
            "cpu_budget": cpu_budget(pipeline_s=harvest.seconds, pipeline_cpu=harvest_cpu, ceiling_s=ceil.seconds,
                                     records=records, python="harvester"),
            "http_mb": round(http.stats.bytes / 2**20, 1),
            "http_requests": http.stats.requests,
            "peak_rss_mb": rss.peak_mb,
            "start_rss_mb": rss.start_mb,
            "refused": ceiling_stats.failed,
            "ceiling_documents": ceiling_docs,
            "cores": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        if not keep:
            cleanup(client, [f"bench{tag}", f"ceil{tag}"])
            shutil.rmtree(work, ignore_errors=True)


def _prepare(records: int, page_size: int, seed: int, services: Services, dump: Path) -> dict:
    """The harvester's Python work on the same pages, single-threaded, timed per stage; writes the documents."""
    repo = GeneratedRepository(records, page_size=page_size, seed=seed)
    builder = ThesisBuilder(services.registry)
    split = {"parse": 0.0, "map": 0.0, "build": 0.0, "serialise": 0.0}
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    total = 0.0
    with open(dump, "wb") as out:
        while True:
            body = repo.answer(params)[1]
            t0 = time.perf_counter()
            env = protocol.parse_envelope(body, "ListRecords")
            recs, token = protocol.read_records(env)
            t1 = time.perf_counter()
            theses = [map_metadata(r.metadata, library="XMU") for r in recs]
            t2 = time.perf_counter()
            docs = [builder.build(t, source="bench", origin="local", library="XMU", identifier=r.header.identifier,
                                  datestamp=protocol.normalise_datestamp(r.header.datestamp),
                                  fulltext_url=fulltext_url(t)) for r, t in zip(recs, theses)]
            t3 = time.perf_counter()
            lines = [thesis_id("bench", r.header.identifier).encode() + b"\t" + orjson.dumps(d) + b"\n"
                     for r, d in zip(recs, docs)]
            t4 = time.perf_counter()
            out.writelines(lines)
            for key, a, b in (("parse", t0, t1), ("map", t1, t2), ("build", t2, t3), ("serialise", t3, t4)):
                split[key] += b - a
            total += t4 - t0
            if token is None or not token.value:
                break
            params = {"verb": "ListRecords", "resumptionToken": token.value}
    return {"seconds": round(total, 2), "split": {k: round(v, 2) for k, v in split.items()}}


def draw(runs: list[dict], path: Path) -> None:
    draw_vs_ceiling(runs, path, bars=[("harvest_records_per_s", "harvest (OAI -> alias)"),
                                      ("ceiling_records_per_s", "ceiling (raw bulk)"),
                                      ("prepare_records_per_s", "Python alone (1 thread, no ES)")],
                    phase="harvest", processes=["elasticsearch", "harvester", "repository"],
                    title="yidu bench harvest: OAI-PMH harvester vs. bulk ceiling (same node, same run)")
