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
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import orjson
import psutil

from benchmarks.common import RssSampler, chart_path, emit, progress, timed
from harvesters.checkpoints import CheckpointStore
from harvesters.http import HttpClient
from harvesters.oai import protocol
from harvesters.oai.harvester import OaiHarvester
from harvesters.oai.localrepo import GeneratedRepository
from harvesters.oai.records import fulltext_url, map_metadata
from harvesters.sources import Source
from indexer.bulk import BulkWriter
from indexer.indices import IndexManager
from indexer.theses import COLLECTION, ThesisBuilder, thesis_id
from indexer.tuning import bulk_mode
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


class CpuMeter:
    """CPU seconds (user + system) that a set of processes spends during a block."""

    def __init__(self, pids: dict[str, list[int]]):
        self.procs = {k: [psutil.Process(p) for p in v] for k, v in pids.items()}
        self.seconds: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        out = {}
        for name, procs in self.procs.items():
            total = 0.0
            for p in procs:
                try:
                    t = p.cpu_times()
                    total += t.user + t.system + getattr(t, "children_user", 0) + getattr(t, "children_system", 0)
                except psutil.Error:
                    pass
            out[name] = total
        return out

    def __enter__(self) -> "CpuMeter":
        self._start = self._now()
        return self

    def __exit__(self, *exc) -> None:
        end = self._now()
        self.seconds = {k: round(end[k] - self._start[k], 2) for k in end}


def _es_pids(settings) -> list[int]:
    if not settings.es.embedded:
        return []
    from yidu.esnode import EsNode

    try:
        return EsNode(settings).pids()
    except Exception:  # noqa: BLE001 - without pids the CPU split is just not reported
        return []


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
    work = Path(tempfile.mkdtemp(prefix="bench-harvest-", dir=_ensure(settings.state_dir / "bench")))
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
        meter = CpuMeter({"elasticsearch": _es_pids(settings), "harvester": [os.getpid()],
                          "repository": [server.pid]})  # (the harvester's worker processes: children_* times)
        with RssSampler() as rss, meter, timed() as harvest:
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
    cfg = bench.index
    meter = CpuMeter({"elasticsearch": _es_pids(settings), "harvester": [os.getpid()]})
    with meter, timed() as ceil:
        with bulk_mode(client, ceiling_index):
            writer = BulkWriter(client, ceiling_index, docs=cfg.bulk_docs, max_bytes=cfg.bulk_bytes,
                                concurrency=cfg.bulk_concurrency)
            with open(dump, "rb") as handle:
                for line in handle:
                    doc_id, _, body = line.rstrip(b"\n").partition(b"\t")
                    writer.index(doc_id.decode(), body)
            ceiling_stats = writer.close()
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
            "http_mb": round(http.stats.bytes / 2**20, 1),
            "http_requests": http.stats.requests,
            "peak_rss_mb": rss.peak_mb,
            "refused": ceiling_stats.failed,
            "ceiling_documents": ceiling_docs,
            "cores": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        if not keep:
            _cleanup(client, [f"bench{tag}", f"ceil{tag}"])
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


def _cleanup(client, prefixes: list[str]) -> None:
    for prefix in prefixes:
        names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
        if names:
            client.options(ignore_status=404).indices.delete(index=",".join(names))


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def draw(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.2]})
    labels = [f"N={r['records']:,}" for r in runs]
    xs = range(len(runs))
    left.bar([x - 0.27 for x in xs], [r["harvest_records_per_s"] for r in runs], 0.27, label="harvest (OAI -> alias)")
    left.bar(list(xs), [r["ceiling_records_per_s"] for r in runs], 0.27, label="ceiling (raw bulk)")
    left.bar([x + 0.27 for x in xs], [r["prepare_records_per_s"] for r in runs], 0.27,
             label="Python alone (1 thread, no ES)")
    for x, r in zip(xs, runs):
        left.annotate(f"ratio {r['ratio']:.2f}", (x, r["ceiling_records_per_s"]), ha="center", va="bottom", fontsize=8)
    left.set_xticks(list(xs), labels)
    left.set_ylabel("records / s")
    left.set_title("throughput")
    left.legend(loc="lower right", fontsize=8)

    phases, bottoms = [], []
    for r in runs:
        phases += [(f"harvest\n{r['records']:,}", r["cpu_s_during_harvest"], r["harvest_s"]),
                   (f"ceiling\n{r['records']:,}", r["cpu_s_during_ceiling"], r["ceiling_s"])]
    names = ["elasticsearch", "harvester", "repository"]
    bottoms = [0.0] * len(phases)
    for name in names:
        values = [p[1].get(name, 0.0) for p in phases]
        right.bar(range(len(phases)), values, 0.5, bottom=bottoms, label=f"{name} CPU s")
        bottoms = [b + v for b, v in zip(bottoms, values)]
    cores = runs[0].get("cores") or 2
    right.scatter(range(len(phases)), [p[2] * cores for p in phases], marker="_", s=600, color="black",
                  label=f"wall s x {cores} cores")
    right.set_xticks(range(len(phases)), [p[0] for p in phases], fontsize=8)
    right.set_ylabel("CPU seconds")
    right.set_title("where the time goes")
    right.legend(fontsize=8)
    fig.suptitle("yidu bench harvest: OAI-PMH harvester vs. bulk ceiling (same node, same run)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
