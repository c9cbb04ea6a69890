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

import shutil
import sys
import tempfile
import uuid
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import orjson

from benchmarks.common import RssSampler, chart_path, emit, progress, timed
from indexer.bulk import BulkWriter
from indexer.catalog import COLLECTION, CatalogPipeline
from indexer.indices import IndexManager
from indexer.tuning import bulk_mode
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
    work = Path(tempfile.mkdtemp(prefix="bench-reindex-", dir=_ensure(settings.state_dir / "bench")))
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
        from indexer.catalog import LoadJob

        jobs = [LoadJob(lib, tuple(map(str, files))) for lib, files in by_library.items()]
        with RssSampler() as rss, timed() as pipe:
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
        with timed() as ceil:
            with bulk_mode(client, ceiling_index):
                cfg = bench.index
                writer = BulkWriter(client, ceiling_index, docs=cfg.bulk_docs, max_bytes=cfg.bulk_bytes,
                                    concurrency=cfg.bulk_concurrency)
                with open(dump, "rb") as handle:
                    for line in handle:
                        uid, _, body = line.rstrip(b"\n").partition(b"\t")
                        writer.index(uid.decode(), body)
                ceiling_stats = writer.close()
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
            "peak_rss_mb": rss.peak_mb,
            # what this process held when the pipeline started: with several sizes in one run, the
            # later ones start with what the earlier left (~180 MB), so compare peak - start too
            "start_rss_mb": rss.start_mb,
            "refused": stats.failed + ceiling_stats.failed,
            "ceiling_documents": ceiling_docs,
        }
    finally:
        if not keep:
            _cleanup(client, [f"bench{tag}", f"ceil{tag}"])
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
    from indexer.catalog import LoadJob

    pipeline.load_many([LoadJob(lib, tuple(map(str, files))) for lib, files in by_library.items()], sync=False)
    dump = work / "docs.ndjson"
    _dump_documents(pipeline, dump)
    pipeline.store.close()
    _cleanup(services.client, [scratch.index.prefix])
    return dump


def _dump_documents(pipeline: CatalogPipeline, path: Path) -> None:
    with open(path, "wb") as out:
        for _, _, members in pipeline.store.iter_groups(dirty_only=False):
            if members:
                uid, doc = pipeline.builder.build(members)
                out.write(uid.encode() + b"\t" + orjson.dumps(doc) + b"\n")


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

    fig, ax = plt.subplots(figsize=(8, 4.5))
    labels = [f"N={r['records']:,}" for r in runs]
    xs = range(len(runs))
    ax.bar([x - 0.2 for x in xs], [r["pipeline_records_per_s"] for r in runs], 0.4, label="pipeline (MARC -> alias)")
    ax.bar([x + 0.2 for x in xs], [r["ceiling_records_per_s"] for r in runs], 0.4, label="ceiling (raw bulk)")
    for x, r in zip(xs, runs):
        ax.annotate(f"ratio {r['ratio']:.2f}\npeak RSS {r['peak_rss_mb']:.0f} MB", (x, r["ceiling_records_per_s"]),
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("source records / s")
    ax.set_title("yidu bench reindex: catalogue pipeline vs. bulk ceiling (same node, same run)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
