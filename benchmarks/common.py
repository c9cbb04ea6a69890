"""Helpers the benchmarks share: peak-RSS sampling, timing, JSON output and charts."""
from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import orjson
import psutil


class RssSampler:
    """The peak resident set size of this process and its workers during a block, sampled in a
    background thread (ru_maxrss only ever grows over the process lifetime, so it cannot compare
    phases, and it does not see the workers)."""

    def __init__(self, interval: float = 0.25, exclude: tuple[int, ...] = ()):
        self.interval = interval
        self.exclude = set(exclude)  # child processes that are not part of what is measured
        self.peak = 0
        self.start = 0  # at entry: what the process held before the measured block
        self._stop = threading.Event()
        self._proc = psutil.Process(os.getpid())

    def _total(self) -> int:
        """This process and its worker processes together: proportional set sizes, since forked workers
        share their parent's pages until they write them (plain RSS would count those twice)."""
        total = 0
        for proc in [self._proc, *self._proc.children(recursive=True)]:
            if proc.pid in self.exclude:
                continue
            try:
                total += proc.memory_full_info().pss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self.peak = self.start = self._total()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)

    @property
    def start_mb(self) -> float:
        return round(self.start / 2**20, 1)


@dataclass
class Timer:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Timer]:
    t = Timer()
    start = time.perf_counter()
    try:
        yield t
    finally:
        t.seconds = time.perf_counter() - start


def emit(result: dict, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def chart_path(path: str | None, default: str) -> Path:
    out = Path(path or default)
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def work_dir(settings, kind: str) -> Path:
    """A fresh scratch folder for one benchmark run, under the state folder (removed by the caller)."""
    import tempfile

    root = Path(settings.state_dir) / "bench"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"bench-{kind}-", dir=root))


def cleanup(client, prefixes: list[str]) -> None:
    """Delete the indices a run created, by prefix (the node refuses wildcard deletes: names are listed)."""
    for prefix in prefixes:
        names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
        if names:
            client.options(ignore_status=404).indices.delete(index=",".join(names))


def bulk_ceiling(client, index: str, dump: Path, cfg) -> "object":
    """The ceiling: bulk-load prebuilt `id<TAB>json` lines into `index` with the pipelines' own bulk writer,
    settings and load mode - everything but the Python work of building the documents."""
    from indexer.bulk import BulkWriter
    from indexer.tuning import bulk_mode

    with bulk_mode(client, index):
        writer = BulkWriter(client, index, docs=cfg.bulk_docs, max_bytes=cfg.bulk_bytes,
                            concurrency=cfg.bulk_concurrency)
        with open(dump, "rb") as handle:
            for line in handle:
                doc_id, _, body = line.rstrip(b"\n").partition(b"\t")
                writer.index(doc_id.decode(), body)
        return writer.close()


class CpuMeter:
    """CPU seconds (user + system) spent during a block by Elasticsearch (every node, from the nodes-stats API,
    so it works on any cluster) and by named local processes (with their finished, waited-for children: the
    pipelines' worker processes). The node refreshes its figure once a second (monitor.process.refresh_interval):
    fine for runs of many seconds, coarse for short ones."""

    def __init__(self, client, pids: dict[str, list[int]]):
        self.client = client
        self.procs = {k: [psutil.Process(p) for p in v] for k, v in pids.items()}
        self.seconds: dict[str, float] = {}

    def _es(self) -> float:
        stats = self.client.nodes.stats(metric="process", filter_path="nodes.*.process.cpu.total_in_millis")
        return sum(n["process"]["cpu"]["total_in_millis"] for n in stats.body.get("nodes", {}).values()) / 1000

    def _now(self) -> dict[str, float]:
        out = {"elasticsearch": self._es()}
        for name, procs in self.procs.items():
            total = 0.0
            for p in procs:
                try:
                    t = p.cpu_times()
                    total += t.user + t.system + t.children_user + t.children_system
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


def cpu_budget(*, pipeline_s: float, pipeline_cpu: dict[str, float], ceiling_s: float, records: int,
               python: str, target: float = 0.8) -> dict:
    """What the CPU figures of one run allow. With C cores, a pipeline that makes Elasticsearch spend E CPU
    seconds and Python P cannot finish in less than (E + P) / C, however well it overlaps its stages: that
    bounds the ratio from above. For `target`, Python may spend at most target-wall x C - E seconds: given per
    record, the budget any implementation of the pipeline's Python work must fit into on this machine."""
    cores = len(os.sched_getaffinity(0))
    es, py = pipeline_cpu.get("elasticsearch", 0.0), pipeline_cpu.get(python, 0.0)
    floor_s = (es + py) / cores
    allowed = ceiling_s / target * cores - es
    return {
        "cores": cores,
        "cpu_utilisation": round((es + sum(v for k, v in pipeline_cpu.items() if k != "elasticsearch"))
                                 / (pipeline_s * cores), 2),
        "ratio_bound": round(ceiling_s / floor_s, 3) if floor_s else None,
        "python_us_per_record": round(py / records * 1e6),
        "elasticsearch_us_per_record": round(es / records * 1e6),
        f"python_budget_us_per_record_at_{target}": round(max(allowed, 0.0) / records * 1e6),
    }


def cpu_panel(ax, phases: list[tuple[str, dict[str, float], float]], names: list[str], cores: int) -> None:
    """Stacked CPU seconds per phase (label, {process: seconds}, wall seconds) against wall x cores: where a
    bar reaches the line, the machine was saturated and only less CPU per record makes it faster."""
    bottoms = [0.0] * len(phases)
    for name in names:
        values = [p[1].get(name, 0.0) for p in phases]
        ax.bar(range(len(phases)), values, 0.5, bottom=bottoms, label=f"{name} CPU s")
        bottoms = [b + v for b, v in zip(bottoms, values)]
    ax.scatter(range(len(phases)), [p[2] * cores for p in phases], marker="_", s=600, color="black",
               label=f"wall s x {cores} cores")
    ax.set_xticks(range(len(phases)), [p[0] for p in phases], fontsize=8)
    ax.set_ylabel("CPU seconds")
    ax.set_title("where the time goes")
    ax.legend(fontsize=8)


def draw_vs_ceiling(runs: list[dict], path: Path, *, bars: list[tuple[str, str]], phase: str, processes: list[str],
                    title: str, ylabel: str = "records / s") -> None:
    """The chart of a pipeline-vs-ceiling benchmark: throughput bars (`bars`: (run key, legend)) annotated
    with the ratio and its CPU bound, and the CPU panel of the pipeline phase (`phase`) beside the ceiling."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.2]})
    xs = range(len(runs))
    width = 0.8 / len(bars)
    for i, (key, label) in enumerate(bars):
        offset = (i - (len(bars) - 1) / 2) * width
        left.bar([x + offset for x in xs], [r[key] for r in runs], width, label=label)
    for x, r in zip(xs, runs):
        bound = (r.get("cpu_budget") or {}).get("ratio_bound")
        note = f"ratio {r['ratio']:.2f}" + (f" (CPU bound {bound:.2f})" if bound else "")
        if r.get("peak_rss_mb"):
            note += f"\npeak RSS {r['peak_rss_mb']:.0f} MB"
        left.annotate(note, (x, r["ceiling_records_per_s"]), ha="center", va="bottom", fontsize=8)
    left.set_xticks(list(xs), [f"N={r['records']:,}" for r in runs])
    left.set_ylabel(ylabel)
    left.set_title("throughput")
    left.margins(y=0.18)  # room for the annotations
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(bars), fontsize=8)
    phases = []
    for r in runs:
        phases += [(f"{phase}\n{r['records']:,}", r[f"cpu_s_during_{phase}"], r[f"{phase}_s"]),
                   (f"ceiling\n{r['records']:,}", r["cpu_s_during_ceiling"], r["ceiling_s"])]
    cpu_panel(right, phases, processes, len(os.sched_getaffinity(0)))
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
