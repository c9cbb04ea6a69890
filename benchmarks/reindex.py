"""`yidu bench reindex`: the catalogue pipeline against the bulk ceiling of the same node, in one run.

For each corpus size N:
  1. generate a realistic corpus (CNMARC and MARC 21, several holdings per edition) - not timed;
  2. pipeline: MARC bytes -> read -> map -> record store -> union documents -> bulk -> searchable alias;
  3. dump the union documents the pipeline built, serialised (not timed);
  4. ceiling: bulk-load those identical, already-built documents into a fresh index of the same
     node with the same mapping, load-mode settings and bulk writer.
The ratio (ceiling time / pipeline time) says how close the pipeline gets to what the node can take.
Peak RSS is sampled during the pipeline; compare it across sizes to see it does not grow with N.
"""
from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import orjson

from benchmarks.common import (CpuMeter, RssSampler, bulk_ceiling, chart_path, cleanup, cpu_budget, draw_vs_ceiling,
                               emit, progress, timed, work_dir)
from indexer.catalog import COLLECTION, CatalogPipeline, LoadJob
from indexer.indices import IndexManager
from yidu.services import Services


def register_bench(sub) -> None:
    p = sub.add_parser("reindex", help="catalogue pipeline vs. a raw bulk of the same documents")
    p.add_argument("--records", default="200000", help="source records; a comma list runs several sizes")
    p.add_argument("--libraries", type=int, default=12, help="holding libraries (from the registry)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", action="store_true")
    p.add_argument("--chart", default="artifacts/bench-reindex.png")
    p.add_argument("--keep", action="store_true", help="keep the benchmark indices and files")
    p.set_defaults(func=cmd)


def cmd(args, settings) -> int:
    sizes = [int(s) for s in str(args.records).split(",") if s.strip()]
    services = Services(settings, progress=False)
    try:
        runs = [run_one(services, n, args.libraries, args.seed, keep=args.keep) for n in sizes]
    finally:
        services.close()
    result = {"benchmark": "reindex", "runs": runs, "chart": str(chart_path(args.chart, args.chart))}
    draw(runs, Path(result["chart"]))
    emit(result if len(runs) > 1 or args.json else runs[0] | {"chart": result["chart"]}, args.json)
    return 0


def run_one(services: Services, records: int, libraries: int, seed: int, *, keep: bool = False) -> dict:
    from yidu.corpus import CorpusSpec, write_corpus

    settings = services.settings
    client = services.client
    codes = tuple(lib.code for lib in services.registry)[:libraries]
    work = work_dir(settings, "reindex")
    tag = uuid.uuid4().hex[:6]
    bench = replace(settings, state_dir=work / "state").with_prefix(f"bench{tag}")
    try:
        progress(f"generating {records} records for {len(codes)} libraries")
        with timed() as gen:
            paths = write_corpus(CorpusSpec(records=records, libraries=codes, seed=seed), work / "corpus")
        corpus_bytes = sum(p.stat().st_size for p in paths)

        progress("pipeline: MARC -> record store -> union records -> index")
        pipeline = CatalogPipeline(bench, client, is_member=services.registry.__contains__,
                                   progress=sys.stderr.isatty())
        by_library: dict[str, list[Path]] = defaultdict(list)
        for path in paths:
            by_library[path.name.split(".")[0]].append(path)
        totals = defaultdict(int)
        jobs = [LoadJob(lib, tuple(map(str, files))) for lib, files in by_library.items()]
        meter = CpuMeter(client, {"pipeline": [os.getpid()]})  # (its worker processes: children_* times)
        with RssSampler() as rss, meter, timed() as pipe:
            with timed() as stored:
                for summary in pipeline.load_many(jobs, sync=False):
                    for key in ("read", "indexed", "merged", "rejected"):
                        totals[key] += getattr(summary, key)
            stats = pipeline.sync()
        union_docs = client.count(index=bench.index.alias(COLLECTION))["count"]

        progress("dumping the built documents")
        dump = work / "docs.ndjson"
        _dump_documents(pipeline, dump)
        pipeline.store.close()

        progress("ceiling: raw bulk of the same documents into a fresh index")
        ceiling_index = IndexManager(client, replace(bench.index, prefix=f"ceil{tag}")).create_version(COLLECTION)
        ceiling_meter = CpuMeter(client, {"pipeline": [os.getpid()]})
        with ceiling_meter, timed() as ceil:
            ceiling_stats = bulk_ceiling(client, ceiling_index, dump, bench.index)
        ceiling_docs = client.count(index=ceiling_index)["count"]
        return {
            "records": records,
            "libraries": len(codes),
            "corpus_mb": round(corpus_bytes / 2**20, 1),
            "generate_s": round(gen.seconds, 2),
            "read": totals["read"], "indexed": totals["indexed"], "merged": totals["merged"],
            "rejected": totals["rejected"],
            "union_documents": union_docs,
            "pipeline_s": round(pipe.seconds, 2),
            "read_map_store_s": round(stored.seconds, 2),
            "build_index_s": round(pipe.seconds - stored.seconds, 2),
            "ceiling_s": round(ceil.seconds, 2),
            "pipeline_records_per_s": round(records / pipe.seconds),
            "ceiling_records_per_s": round(records / ceil.seconds),
            "pipeline_docs_per_s": round(union_docs / pipe.seconds),
            "ceiling_docs_per_s": round(ceiling_docs / ceil.seconds),
            "ratio": round(ceil.seconds / pipe.seconds, 3),
            "cpu_s_during_pipeline": meter.seconds,
            "cpu_s_during_ceiling": ceiling_meter.seconds,
            "cpu_budget": cpu_budget(pipeline_s=pipe.seconds, pipeline_cpu=meter.seconds, ceiling_s=ceil.seconds,
                                     records=records, python="pipeline"),
            "peak_rss_mb": rss.peak_mb,
            # what this process held when the pipeline started: with several sizes in one run, the
            # later ones start with what the earlier left (~180 MB), so compare peak - start too
            "start_rss_mb": rss.start_mb,
            "refused": stats.failed + ceiling_stats.failed,
            "ceiling_documents": ceiling_docs,
        }
    finally:
        if not keep:
            cleanup(client, [f"bench{tag}", f"ceil{tag}"])
            shutil.rmtree(work, ignore_errors=True)


def prebuilt_documents(services: Services, records: int, libraries: int, seed: int, work: Path) -> Path:
    """A generated corpus taken through the pipeline into a scratch store, its union documents dumped
    as `uid<TAB>json` lines: the input of benchmarks that need realistic built documents."""
    from yidu.corpus import CorpusSpec, write_corpus

    codes = tuple(lib.code for lib in services.registry)[:libraries]
    scratch = replace(services.settings, state_dir=work / "state").with_prefix(f"prep{uuid.uuid4().hex[:6]}")
    paths = write_corpus(CorpusSpec(records=records, libraries=codes, seed=seed), work / "corpus")
    pipeline = CatalogPipeline(scratch, services.client, is_member=services.registry.__contains__, progress=False)
    by_library: dict[str, list[Path]] = defaultdict(list)
    for path in paths:
        by_library[path.name.split(".")[0]].append(path)
    pipeline.load_many([LoadJob(lib, tuple(map(str, files))) for lib, files in by_library.items()], sync=False)
    dump = work / "docs.ndjson"
    _dump_documents(pipeline, dump)
    pipeline.store.close()
    cleanup(services.client, [scratch.index.prefix])
    return dump


def _dump_documents(pipeline: CatalogPipeline, path: Path) -> None:
    with open(path, "wb") as out:
        for _, _, members in pipeline.store.iter_groups(dirty_only=False):
            if members:
                uid, doc = pipeline.builder.build(members)
                out.write(uid.encode() + b"\t" + orjson.dumps(doc) + b"\n")


def draw(runs: list[dict], path: Path) -> None:
    draw_vs_ceiling(runs, path, bars=[("pipeline_records_per_s", "pipeline (MARC -> alias)"),
                                      ("ceiling_records_per_s", "ceiling (raw bulk)")],
                    phase="pipeline", processes=["elasticsearch", "pipeline"], ylabel="source records / s",
                    title="yidu bench reindex: catalogue pipeline vs. bulk ceiling (same node, same run)")
