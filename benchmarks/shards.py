"""`yidu bench shards`: how many primary shards the catalogue should have on this machine.

The same built union documents are bulk-loaded into indices of 1..K shards on the same node, then
the same mix of searches (built by the query layer, with scope counts) is run against each. The
default in yidu/config.py (DEFAULT_SHARDS) is the count with the best combination of indexing
throughput and search latency here; the README reports the figures.
"""
from __future__ import annotations

import random
import shutil
import statistics
import time
import uuid
from dataclasses import replace
from pathlib import Path

from benchmarks.common import bulk_ceiling, chart_path, cleanup, emit, progress, timed, work_dir
from benchmarks.reindex import prebuilt_documents
from indexer.indices import IndexManager
from query.builder import State
from query.request import SearchRequest
from query.steps import DEFAULT
from yidu.services import Services

QUERIES = ["中国经济", "经济发展报告", "现代汉语词典", "数据结构", "机器学习", "鲁迅", "沈從文", "zhongguo jingji",
           "history of modern china", "introduction to algorithms", "economics", "高等数学", "民法典", "宋代文学",
           "红楼梦", "chemistry", "中国近代史", "管理学", "english teaching", "software engineering"]


def register_bench(sub) -> None:
    p = sub.add_parser("shards", help="indexing and search speed by primary shard count")
    p.add_argument("--records", type=int, default=100000, help="source records of the generated corpus")
    p.add_argument("--shards", default="1,2,3,4")
    p.add_argument("--searches", type=int, default=400)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", action="store_true")
    p.add_argument("--chart", default="artifacts/bench-shards.png")
    p.set_defaults(func=cmd)


def cmd(args, settings) -> int:
    services = Services(settings, progress=False)
    work = work_dir(settings, "shards")
    try:
        progress(f"building documents from {args.records} generated records")
        dump = prebuilt_documents(services, args.records, 24, args.seed, work)
        runs = [_one(services, dump, int(n), args.searches) for n in args.shards.split(",")]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        services.close()
    result = {"benchmark": "shards", "records": args.records, "runs": runs,
              "chart": str(chart_path(args.chart, args.chart))}
    _draw(runs, Path(result["chart"]))
    emit(result, args.json)
    return 0


def _one(services: Services, dump: Path, shards: int, searches: int) -> dict:
    prefix = f"shard{shards}x{uuid.uuid4().hex[:4]}"
    cfg = replace(services.settings.index, prefix=prefix, shards={**services.settings.index.shards, "catalog": shards})
    client = services.client
    index = IndexManager(client, cfg).ensure("catalog")
    progress(f"{shards} shard(s): indexing")
    try:
        with timed() as t:
            bulk_ceiling(client, index, dump, cfg)
        docs = client.count(index=index)["count"]
        client.indices.forcemerge(index=index, max_num_segments=5)
        progress(f"{shards} shard(s): searching")
        rnd = random.Random(shards)
        libraries = [lib.code for lib in services.registry][:24]
        latencies = []
        for i in range(searches + 20):
            request = SearchRequest(q=rnd.choice(QUERIES), library=rnd.choice(libraries))
            body = DEFAULT.build(State(request, services.registry))
            start = time.perf_counter()
            client.search(index=index, body=body, request_cache=False)
            if i >= 20:  # the first searches warm caches
                latencies.append((time.perf_counter() - start) * 1000)
        latencies.sort()
        return {"shards": shards, "documents": docs, "index_s": round(t.seconds, 2),
                "docs_per_s": round(docs / t.seconds), "search_p50_ms": round(statistics.median(latencies), 2),
                "search_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2)}
    finally:
        cleanup(client, [prefix])


def _draw(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax1 = plt.subplots(figsize=(7, 4))
    xs = [r["shards"] for r in runs]
    ax1.bar(xs, [r["docs_per_s"] for r in runs], color="#7aa6c2", label="indexing docs/s")
    ax1.set_xlabel("primary shards")
    ax1.set_ylabel("documents / s")
    ax2 = ax1.twinx()
    ax2.plot(xs, [r["search_p50_ms"] for r in runs], "o-", color="#c2410c", label="search p50 (ms)")
    ax2.plot(xs, [r["search_p95_ms"] for r in runs], "s--", color="#9a3412", label="search p95 (ms)")
    ax2.set_ylabel("ms")
    fig.legend(loc="upper center", ncol=3, fontsize=8)
    ax1.set_title("catalogue index: shards vs. indexing and search", fontsize=10, pad=24)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
