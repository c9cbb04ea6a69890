"""`yidu bench resolve`: the link resolver at consortium scale.

1. a knowledge base of the 72,056-row German KBART holdings file (../shared/data/kbart/span/kbart.txt.gz;
   a generated file of the same size when it is absent), split into packages by publisher/platform;
2. a generated thousand member libraries (all provinces, nested IP ranges, 40 % suppliers) with
   subscriptions to 3-15 packages each (some expired or not yet started) and 30-200 print journals each;
3. a realistic mix of citations: articles inside coverage, inside embargoes, outside coverage, OpenURL
   0.1 with hyphenless ISSNs, title-only, unknown ISSNs, DOI-only, books; 80 % from a known library;
4. resolutions per second and p50/p99: in-process (resolve, and parse + resolve + JSON), and through
   the API on a real uvicorn server in a child process (sequential latency, concurrent throughput);
5. availability: one page of hits summarised in one pass; and `availability_overhead(...)`, the search
   API's p50 with and without the availability enricher (measured here against a minimal search app on
   the Elasticsearch node when it is reachable; the lead runs it against the real search API).

Target: in-process p99 <= 5 ms.
"""
from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any, Callable

import orjson

from benchmarks.common import RssSampler, chart_path, emit, progress, timed, work_dir

REPO = Path(__file__).resolve().parent.parent
DEFAULT_KBART = REPO.parent / "shared" / "data" / "kbart" / "span" / "kbart.txt.gz"
TODAY = date(2026, 6, 1)
TARGET_P99_MS = 5.0


def register_bench(sub) -> None:
    p = sub.add_parser("resolve", help="link resolver: KB load, resolutions/s and p50/p99 in-process and via the API")
    p.add_argument("--kbart", default=str(DEFAULT_KBART), help="the KBART file (generated when it does not exist)")
    p.add_argument("--libraries", type=int, default=1000)
    p.add_argument("--citations", type=int, default=20000, help="in-process resolutions")
    p.add_argument("--api-requests", type=int, default=3000, help="requests through the real server")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent API clients for the throughput run")
    p.add_argument("--skip-api", action="store_true")
    p.add_argument("--skip-overhead", action="store_true", help="skip the availability overhead measurement")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.add_argument("--chart", default="artifacts/bench-resolve.png")
    p.add_argument("--keep", action="store_true", help="keep the benchmark's state folder")
    p.set_defaults(func=cmd)


def cmd(args, settings) -> int:
    work = work_dir(settings, "resolve")
    try:
        result = run(work, Path(args.kbart), libraries=args.libraries, citations=args.citations,
                     api_requests=0 if args.skip_api else args.api_requests, concurrency=args.concurrency,
                     seed=args.seed, settings=settings, overhead=not args.skip_overhead)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result["chart"] = str(chart_path(args.chart, args.chart))
    draw(result, Path(result["chart"]))
    emit(result, args.json)
    return 0


# --- the world ---------------------------------------------------------------------------------------------------

def run(work: Path, kbart_path: Path, *, libraries: int, citations: int, api_requests: int, concurrency: int,
        seed: int, settings=None, overhead: bool = True) -> dict[str, Any]:
    from linkresolver.kb import KnowledgeBase
    from linkresolver.kbart import parse_kbart, read_kbart

    rng = random.Random(seed)
    out: dict[str, Any] = {"benchmark": "resolve", "today": TODAY.isoformat(), "libraries": libraries}

    progress(f"reading {kbart_path if kbart_path.exists() else 'a generated KBART file'}")
    with timed() as t_parse:
        if kbart_path.exists():
            kbart = read_kbart(kbart_path)
            out["kbart"] = str(kbart_path)
        else:
            kbart = parse_kbart(synthetic_kbart(72056, seed), source="generated")
            out["kbart"] = "generated (72,056 rows)"
    out.update(kbart_rows=kbart.rows, kbart_loaded=len(kbart.entries), kbart_rejected=len(kbart.errors),
               kbart_parse_s=round(t_parse.seconds, 2))

    registry, registry_csv = synthetic_registry(libraries, rng)
    (work / "libraries.csv").write_text(registry_csv, encoding="utf-8")
    kb = KnowledgeBase(work / "state" / "kb.sqlite", is_member=registry.__contains__, background_rebuild=False)
    packages = split_packages(kbart.entries)
    progress(f"storing {len(kbart.entries)} ranges as {len(packages)} packages")
    with timed() as t_store:
        for name, entries in packages.items():
            kb.store_kbart(kbart, name, entries)
    out.update(packages=len(packages), kb_store_s=round(t_store.seconds, 2))

    progress(f"subscriptions and print holdings for {libraries} libraries")
    with timed() as t_world:
        subs, runs = populate(kb, registry, packages, kbart.entries, rng)
    out.update(subscriptions=subs, print_runs=runs, world_s=round(t_world.seconds, 2))

    progress("building the in-memory index")
    with RssSampler() as rss, timed() as t_index:
        kb.refresh()
        index = kb.index
    stats = index.stats()
    tracemalloc.start()  # a second build, traced, for the memory the snapshot itself takes
    from linkresolver.index import KbIndex
    traced_index = KbIndex(kb.store)
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced_index
    out.update(index_build_s=round(t_index.seconds, 2), index_traced_mb=round(traced / 2**20, 1),
               index_estimate_mb=round(stats["memory_bytes"] / 2**20, 1), peak_rss_mb=rss.peak_mb,
               groups=stats["groups"], ranges=stats["ranges"], print_runs_indexed=stats["print_runs"])
    out["load_total_s"] = round(t_parse.seconds + t_store.seconds + t_index.seconds, 2)

    suppliers_csv = synthetic_suppliers(registry, rng)
    (work / "suppliers.csv").write_text(suppliers_csv, encoding="utf-8")
    resolver = _resolver(kb, registry, work)
    queries = citation_mix(kbart.entries, registry, citations, rng)
    out["mix"] = _mix_counts(queries)

    progress(f"in-process: {citations} resolutions")
    out["in_process"] = measure_in_process(resolver, queries)
    out["in_process"]["target_p99_ms"] = TARGET_P99_MS
    out["in_process"]["target_met"] = out["in_process"]["resolve_p99_ms"] <= TARGET_P99_MS
    # On a shared, oversubscribed machine the wall-clock tail is other processes' time slices; the
    # thread's CPU time is the resolver's own cost.
    out["in_process"]["target_met_cpu_time"] = out["in_process"]["resolve_cpu_p99_ms"] <= TARGET_P99_MS

    progress("availability: one pass per page of 20 hits")
    out["availability"] = measure_availability(kb, kbart.entries, registry, rng)

    if api_requests:
        progress(f"API: {api_requests} requests through a uvicorn server")
        out["api"] = measure_api(work, queries[:api_requests], concurrency)
    if overhead and settings is not None:
        progress("availability overhead on the search API")
        try:
            out["availability_overhead"] = (search_api_overhead(settings, kb, registry, rng)
                                            or minimal_search_overhead(settings, kb, kbart.entries, registry, rng))
        except Exception as exc:  # noqa: BLE001 - the node may be down: say so instead of failing the benchmark
            out["availability_overhead"] = {"skipped": f"{type(exc).__name__}: {str(exc)[:160]}"}
    kb.close()
    return out


def _resolver(kb, registry, work: Path):
    from linkresolver.config import ResolverConfig
    from linkresolver.resolver import Resolver

    config = ResolverConfig(suppliers_file=work / "suppliers.csv")
    return Resolver(kb, registry, config=config, clock=lambda: TODAY)


def issn_with_check(seven: int) -> str:
    digits = f"{seven:07d}"
    total = sum((8 - i) * int(d) for i, d in enumerate(digits))
    check = (11 - total % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


def synthetic_kbart(rows: int, seed: int) -> bytes:
    """A KBART file shaped like the German one: serials, 9 % embargoed, several ranges for some titles."""
    from linkresolver.kbart import PHASE_ONE

    rng = random.Random(seed)
    lines = ["\t".join(PHASE_ONE)]
    words = ["Journal", "Review", "Studies", "Annals", "Bulletin", "Science", "Law", "History", "Medicine",
             "Economics", "Physics", "Letters", "Research", "Quarterly", "International", "Chinese", "Asian"]
    publishers = [f"Publisher {i}" for i in range(60)]
    n = 0
    while n < rows:
        title = " ".join(rng.sample(words, 3)) + f" {n}"
        issn = issn_with_check(rng.randrange(10_000_000))
        eissn = issn_with_check(rng.randrange(10_000_000)) if rng.random() < 0.5 else ""
        start = rng.randint(1950, 2015)
        for _ in range(1 if rng.random() < 0.9 else 2):
            end = "" if rng.random() < 0.7 else str(rng.randint(start, 2025))
            embargo = rng.choice(["P12M", "P18M", "P1Y", "P2Y", "P6M"]) if rng.random() < 0.09 else ""
            lines.append("\t".join((title, issn, eissn, str(start), str(rng.randint(1, 40)), "", end, "", "",
                                    f"https://example.org/j/{n}", "", str(n), embargo, "fulltext", "",
                                    rng.choice(publishers))))
            n += 1
            if not end or int(end) > 2022:
                break  # runs to present, or no room for a second range
            start = int(end) + 2
    return ("\n".join(lines) + "\n").encode()


PROVINCE_WEIGHTS = {"11": 60, "31": 40, "32": 50, "44": 45, "42": 40, "51": 35, "61": 35, "37": 30, "33": 30,
                    "43": 25, "41": 25, "21": 25, "12": 20, "50": 20, "22": 18, "23": 18, "34": 18, "35": 15,
                    "36": 15, "53": 12, "45": 12, "13": 15, "14": 12, "15": 10, "62": 10, "52": 10, "65": 10,
                    "64": 6, "63": 5, "54": 4, "46": 5}


def synthetic_registry(count: int, rng: random.Random):
    """`count` member libraries across every province, with nested IP ranges and 40 % suppliers."""
    from yidu.libraries import parse_registry, shipped_provinces

    provinces = shipped_provinces()
    codes = list(PROVINCE_WEIGHTS)
    weights = list(PROVINCE_WEIGHTS.values())
    rows = ["code,name,name_en,city,province,region,domains,ip_ranges,opac_url,delivery"]
    for i in range(count):
        code = f"L{i:04d}"
        prov = provinces[rng.choices(codes, weights)[0]]
        a, b = divmod(i, 250)
        ranges = f"10.{100 + a}.{b}.0/24"
        if i % 25 == 0:
            ranges += f";10.{100 + a}.{b}.128/25"  # a nested, more specific range of its own
        supplier = "supplier" if rng.random() < 0.4 else ""
        rows.append(f"{code},图书馆{i},Library {i},{prov.name},{prov.code},{prov.region},,{ranges},"
                    f"https://opac{i}.example/item?marc_no={{control_number}},{supplier}")
    text = "\n".join(rows) + "\n"
    return parse_registry(text), text


def synthetic_suppliers(registry, rng: random.Random) -> str:
    lines = ["code,name,name_en,channel,delivery_price_yuan,ill_price_yuan,avg_response_hours,fill_rate,"
             "open_requests,own_subsidy_rate,own_cap_yuan"]
    for code in registry.suppliers():
        lines.append(f"{code},,,member,{rng.choice([8, 10, 12, 15, 20, 25, 30])},{rng.choice([25, 35, 45, 60, 150])},"
                     f"{rng.uniform(8, 96):.1f},{rng.uniform(0.6, 0.98):.2f},{rng.randint(0, 300)},,")
    lines += ["NLC,中国国家图书馆,National Library of China,partner,30,80,48,0.93,150,0.5,50",
              "NSTL,国家科技图书文献中心,NSTL,partner,18,,36,0.95,200,0.5,50"]
    return "\n".join(lines) + "\n"


def split_packages(entries, packages: int = 40) -> dict[str, list]:
    """The German file is one library's view of many platforms: one package per platform/publisher."""
    by_key: dict[str, list] = {}
    for e in entries:
        key = (e.publisher or "unknown").lower()
        key = key.split("via ")[-1].strip(" ()") if "via " in key else key
        by_key.setdefault(key, []).append(e)
    biggest = sorted(by_key, key=lambda k: -len(by_key[k]))[:packages - 1]
    out = {k[:60]: by_key[k] for k in biggest}
    out["other platforms"] = [e for k, v in by_key.items() if k not in biggest for e in v]
    return out


def populate(kb, registry, packages: dict[str, list], entries, rng: random.Random) -> tuple[int, int]:
    from linkresolver.holdings import OPEN, Holding, Run

    names = list(packages)
    weights = [max(len(packages[n]), 50) ** 0.5 for n in names]
    ids = {n: kb.store.package_id(n) for n in names}
    rows = []
    for lib in registry:
        chosen = set(rng.choices(names, weights, k=rng.randint(3, 15)))
        for name in chosen:
            start = until = None
            r = rng.random()
            if r < 0.05:
                until = f"{rng.randint(2015, 2025)}-12-31"
            elif r < 0.08:
                start = "2027-01-01"
            rows.append((lib.code, ids[name], start, until))
    kb.store.subscribe_many(rows)
    serials = [e for e in entries if e.issns]
    runs = 0
    holdings = []
    for lib in registry:
        for e in rng.sample(serials, rng.randint(30, 200)):
            start = rng.randint(1950, 2010)
            lib_runs = [Run(start, OPEN if rng.random() < 0.5 else rng.randint(start, 2025), -1, -1)]
            if rng.random() < 0.2:
                later = rng.randint(start + 1, 2026)
                lib_runs.append(Run(later, OPEN, -1, -1))
            runs += len(lib_runs)
            holdings.append(Holding(lib.code, e.issns, e.title, tuple(lib_runs), "", f"c{rng.randrange(10**6)}"))
    kb.store.replace_holdings(holdings, source="csv")
    return len(rows), runs


# --- citations ----------------------------------------------------------------------------------------------------

def citation_mix(entries, registry, count: int, rng: random.Random) -> list[tuple[str, str, str | None]]:
    """(kind, query string, library code or None)."""
    from urllib.parse import quote

    serials = [e for e in entries if e.issns and e.first]
    embargoed = [e for e in serials if e.embargo]
    codes = registry.codes
    kinds = [("in_coverage", 35), ("embargoed", 10), ("outside", 10), ("openurl_0_1", 10), ("title_only", 10),
             ("unknown_issn", 10), ("doi_only", 5), ("book", 10)]
    names, weights = zip(*kinds)
    out = []
    for _ in range(count):
        kind = rng.choices(names, weights)[0]
        e = rng.choice(embargoed if kind == "embargoed" and embargoed else serials)
        first = e.first.year
        last = e.last.last_year if e.last else TODAY.year
        year = rng.randint(first, max(first, last))
        issn = rng.choice(e.issns)
        if kind == "in_coverage":
            q = (f"url_ver=Z39.88-2004&rft_val_fmt=info:ofi/fmt:kev:mtx:journal&rft.genre=article&rft.issn={issn}"
                 f"&rft.jtitle={quote(e.title)}&rft.date={year}&rft.volume={rng.randint(1, 60)}&rft.spage=1"
                 f"&rft.atitle=Article")
        elif kind == "embargoed":
            q = f"rft.issn={issn}&rft.date={TODAY.year}-0{rng.randint(1, 5)}&rft.atitle=Recent"
        elif kind == "outside":
            q = f"rft.issn={issn}&rft.date={first - rng.randint(1, 20)}&rft.atitle=Old"
        elif kind == "openurl_0_1":
            q = f"sid=bench&genre=article&issn={issn.replace('-', '')}&date={year}&volume=3&spage=12&atitle=A"
        elif kind == "title_only":
            q = f"rft.jtitle={quote(e.title)}&rft.date={year}"
        elif kind == "unknown_issn":
            q = f"rft.issn={issn_with_check(rng.randrange(10_000_000))}&rft.jtitle=Unknown+{rng.randrange(999)}" \
                f"&rft.date=2001&rft.atitle=X"
        elif kind == "doi_only":
            q = f"rft_id=info:doi/10.{rng.randint(1000, 9999)}/bench.{rng.randrange(10**6)}"
        else:
            core = f"978{rng.randrange(10**9):09d}"
            q = f"genre=book&title=Book&isbn={core}{_isbn13_check(core)}"
        library = rng.choice(codes) if rng.random() < 0.8 else None
        out.append((kind, q, library))
    return out


def _isbn13_check(digits12: str) -> str:
    return str((10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12)) % 10) % 10)


def _mix_counts(queries) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _, _ in queries:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": round(pick(0.50) * 1000, 3), "p90_ms": round(pick(0.90) * 1000, 3),
            "p99_ms": round(pick(0.99) * 1000, 3), "max_ms": round(ordered[-1] * 1000, 3),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 3)}


def measure_in_process(resolver, queries) -> dict[str, Any]:
    from linkresolver.openurl import parse_query

    parsed = [(kind, parse_query(q), lib) for kind, q, lib in queries]
    for _, c, lib in parsed[:200]:  # warm the caches (index, per-day subscriber sets)
        resolver.resolve(c, lib)
    resolve_times, cpu_times, full_times = [], [], []
    by_kind: dict[str, list[float]] = {}
    option_counts: dict[str, int] = {}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    for kind, c, lib in parsed:
        c0 = time.thread_time_ns()
        t0 = time.perf_counter()
        result = resolver.resolve(c, lib)
        elapsed = time.perf_counter() - t0
        cpu_times.append((time.thread_time_ns() - c0) / 1e9)
        resolve_times.append(elapsed)
        by_kind.setdefault(kind, []).append(elapsed)
        for o in result.options:
            option_counts[o.type] = option_counts.get(o.type, 0) + 1
    resolve_wall = time.perf_counter() - started
    started = time.perf_counter()
    for _, q, lib in queries:
        t0 = time.perf_counter()
        orjson.dumps(resolver.resolve(parse_query(q), lib).to_dict())
        full_times.append(time.perf_counter() - t0)
    full_wall = time.perf_counter() - started
    res = _percentiles(resolve_times)
    cpu = _percentiles(cpu_times)
    full = _percentiles(full_times)
    return {
        "resolutions": len(parsed),
        "resolve_per_s": round(len(parsed) / resolve_wall),
        "resolve_per_cpu_s": round(len(parsed) / sum(cpu_times)),
        **{f"resolve_{k}": v for k, v in res.items()},
        **{f"resolve_cpu_{k}": v for k, v in cpu.items()},
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "full_per_s": round(len(queries) / full_wall),
        **{f"parse_resolve_json_{k}": v for k, v in full.items()},
        "p99_ms_by_kind": {k: _percentiles(v)["p99_ms"] for k, v in sorted(by_kind.items())},
        "options_offered": dict(sorted(option_counts.items())),
        "_samples_ms": [round(x * 1000, 3) for x in resolve_times],
        "_cpu_samples_ms": [round(x * 1000, 3) for x in cpu_times],
    }


def _hits_page(entries, rng: random.Random, size: int = 20) -> list[dict]:
    serials = [e for e in entries if e.issns and e.first]
    hits = []
    for _ in range(size):
        e = rng.choice(serials)
        year = rng.randint(e.first.year, TODAY.year)
        if rng.random() < 0.7:
            hits.append({"collection": "articles", "title": "A", "issn_l": e.issns[0], "year": year, "volume": "3"})
        else:
            hits.append({"type": "serial", "title": e.title, "issn": list(e.issns),
                         "holding_libraries": [f"L{rng.randrange(1000):04d}" for _ in range(rng.randint(0, 8))]})
    return hits


def measure_availability(kb, entries, registry, rng: random.Random, pages: int = 300) -> dict[str, Any]:
    """One page of 20 hits: `summarize` alone, and the whole enricher (statuses, labels, menu links)."""
    from linkresolver.availability import enricher, summarize

    suppliers = frozenset(registry.suppliers())
    page_list = [(_hits_page(entries, rng), rng.choice(registry.codes)) for _ in range(pages)]
    enrich = enricher(kb, registry=registry, clock=lambda: TODAY)
    summary_times, enrich_times = [], []

    async def run_pages() -> None:
        for hits, lib in page_list:
            c0 = time.thread_time_ns()
            summarize(kb, hits, lib, today=TODAY, suppliers=suppliers)
            summary_times.append((time.thread_time_ns() - c0) / 1e9)
            c0 = time.thread_time_ns()
            await enrich(hits, {"library": lib})
            enrich_times.append((time.thread_time_ns() - c0) / 1e9)

    asyncio.run(run_pages())
    return {"pages": pages, "hits_per_page": 20,
            **{f"summarize_cpu_{k}": v for k, v in _percentiles(summary_times).items()},
            **{f"enricher_cpu_{k}": v for k, v in _percentiles(enrich_times).items()}}


# --- through the API ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(work: str, port: int) -> None:
    """The child process: the resolver routes on uvicorn over the benchmark's state."""
    import uvicorn
    from starlette.applications import Starlette

    from api.resolver import routes
    from linkresolver.config import ResolverConfig
    from linkresolver.kb import KnowledgeBase
    from linkresolver.resolver import Resolver
    from yidu.config import Settings
    from yidu.libraries import load_registry
    from yidu.services import Services

    base = Path(work)
    registry = load_registry(base / "libraries.csv")
    settings = Settings(state_dir=base / "state", libraries_file=base / "libraries.csv")
    services = Services(settings, registry=registry, progress=False)
    kb = KnowledgeBase(base / "state" / "kb.sqlite", is_member=registry.__contains__)
    config = ResolverConfig(suppliers_file=base / "suppliers.csv")
    resolver = Resolver(kb, registry, config=config, clock=lambda: TODAY)
    kb.index  # noqa: B018 - build before the first request
    app = Starlette(routes=routes(services, resolver=resolver))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def measure_api(work: Path, queries, concurrency: int) -> dict[str, Any]:
    import httpx

    port = _free_port()
    child = subprocess.Popen([sys.executable, "-m", "benchmarks.resolve", "--serve", str(work), str(port)],
                             cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/api/v1/resolve?rft.issn=0028-0836", timeout=2)
                break
            except httpx.HTTPError:
                if child.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the API server did not start: {child.stderr.read().decode()[-500:]}")
                time.sleep(0.2)
        urls = [f"/api/v1/resolve?{q}" + (f"&library={lib}" if lib else "") for _, q, lib in queries]
        times, statuses = [], {}
        with httpx.Client(base_url=base, timeout=30) as client:
            for url in urls[:100]:
                client.get(url)
            started = time.perf_counter()
            for url in urls:
                t0 = time.perf_counter()
                r = client.get(url)
                times.append(time.perf_counter() - t0)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            sequential_wall = time.perf_counter() - started
        concurrent_wall = asyncio.run(_concurrent(base, urls, concurrency))
        return {"requests": len(urls), "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "sequential_per_s": round(len(urls) / sequential_wall),
                **{f"sequential_{k}": v for k, v in _percentiles(times).items()},
                "concurrency": concurrency, "concurrent_per_s": round(len(urls) / concurrent_wall),
                "_samples_ms": [round(x * 1000, 3) for x in times]}
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


async def _concurrent(base: str, urls: list[str], concurrency: int) -> float:
    import httpx

    queue = list(urls)
    async with httpx.AsyncClient(base_url=base, timeout=30,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:
        async def worker() -> None:
            while queue:
                await client.get(queue.pop())
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


# --- availability overhead on the search API ------------------------------------------------------------------------

async def availability_overhead(make_app: Callable[[list], Any], queries: list[str], *, library: str | None = None,
                                requests: int = 300, warmup: int = 30, path: str = "/api/v1/search",
                                extra_params: dict | None = None, enricher: Callable | None = None) -> dict[str, Any]:
    """The search API's p50 without and with the availability enricher, on the same queries.

    `make_app(hit_enrichers)` builds the search app - e.g. `lambda e: create_app(services, hit_enrichers=e)`
    once api/app.py takes enrichers; `enricher` is `linkresolver.availability.enricher(kb, registry=...)`.
    Requests go through the ASGI interface in this process (httpx.ASGITransport), alternating between the
    two apps so that both see the same conditions. Returns both p50s and the overhead (target <= 20 %)."""
    import httpx

    if enricher is None:
        raise ValueError("pass enricher=linkresolver.availability.enricher(kb, registry=...)")
    plain, enriched = make_app([]), make_app([enricher])
    params = dict(extra_params or {})
    if library:
        params["library"] = library
    samples: dict[str, list[float]] = {"plain": [], "enriched": []}
    transports = {"plain": httpx.ASGITransport(app=plain), "enriched": httpx.ASGITransport(app=enriched)}
    clients = {k: httpx.AsyncClient(transport=t, base_url="http://bench") for k, t in transports.items()}
    try:
        for n in range(warmup + requests):
            q = queries[n % len(queries)]
            for name in (("plain", "enriched") if n % 2 == 0 else ("enriched", "plain")):
                t0 = time.perf_counter()
                r = await clients[name].get(path, params={"q": q, **params})
                elapsed = time.perf_counter() - t0
                if r.status_code != 200:
                    raise RuntimeError(f"{name} search answered {r.status_code}: {r.text[:200]}")
                if n >= warmup:
                    samples[name].append(elapsed)
    finally:
        for client in clients.values():
            await client.aclose()
    p50_plain = statistics.median(samples["plain"])
    p50_enriched = statistics.median(samples["enriched"])
    return {"requests": requests, "p50_plain_ms": round(p50_plain * 1000, 3),
            "p50_enriched_ms": round(p50_enriched * 1000, 3),
            "overhead_pct": round((p50_enriched / p50_plain - 1) * 100, 1), "target_pct": 20.0,
            "target_met": p50_enriched <= p50_plain * 1.2}


SEARCH_WORDS = ["经济", "历史", "中国文学", "管理", "教育研究", "计算机", "法律", "心理学", "history", "economics",
                "management", "china", "language", "science", "policy", "zhongguo", "jingji"]


def search_api_overhead(settings, kb, registry, rng: random.Random, *, candidates=None,
                        requests: int = 300) -> dict[str, Any] | None:
    """The real search API (api.app.create_app, the full chain: scope counts, facets, highlighting) over the
    largest catalogue index there is - `yidu bench query`'s (prefix benchq) when built, else this
    installation's - with and without the availability enricher. The reader is a real registry library
    (the search boosts and counts for it); the enricher summarises for a generated library of the
    benchmark's knowledge base, which has subscriptions and print holdings. None when no index exists."""
    from elasticsearch import NotFoundError

    from api.app import create_app
    from linkresolver.availability import enricher
    from yidu import es
    from yidu.libraries import shipped_registry
    from yidu.services import Services

    client = es.client(settings.es)
    try:
        chosen = None
        for candidate in candidates or (settings.with_prefix("benchq"), settings):
            try:
                count = client.count(index=candidate.index.alias("catalog"))["count"]
            except NotFoundError:
                continue
            if count:
                chosen = (candidate, count)
                break
    finally:
        client.close()
    if chosen is None:
        return None
    bench_settings, documents = chosen
    members = shipped_registry()
    kb_library = rng.choice(registry.codes)
    inner = enricher(kb, registry=registry, clock=lambda: TODAY)

    async def availability(hits, context):
        await inner(hits, {"library": kb_library, "lang": context.lang})

    async def go() -> dict[str, Any]:
        aclient = es.async_client(settings.es)
        services = Services(bench_settings, registry=members, progress=False)
        try:
            return await availability_overhead(
                lambda enrichers: create_app(services, client=aclient, hit_enrichers=enrichers),
                SEARCH_WORDS, library="PKU", enricher=availability, extra_params={"size": "20"},
                requests=requests, warmup=min(30, requests))
        finally:
            await aclient.close()

    result = asyncio.run(go())
    result["search"] = (f"the real search API over {bench_settings.index.alias('catalog')} ({documents:,} documents), "
                        f"20 hits per page with scope counts and facets; reader PKU, availability for {kb_library}")
    return result


def minimal_search_app(aclient, index: str, hit_enrichers: list):
    """A minimal search API of the same shape as the real one: one ES query, hits out, enrichers per page."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def search(request: Request) -> Response:
        q = request.query_params.get("q", "")
        raw = await aclient.search(index=index, query={"match": {"title": q}}, size=20)
        hits = [h["_source"] for h in raw["hits"]["hits"]]
        context = {"library": request.query_params.get("library")}
        for enrich in hit_enrichers:
            await enrich(hits, context)
        return Response(orjson.dumps({"total": raw["hits"]["total"]["value"], "hits": hits}),
                        media_type="application/json")

    return Starlette(routes=[Route("/api/v1/search", search)])


def minimal_search_overhead(settings, kb, entries, registry, rng: random.Random) -> dict[str, Any]:
    from elasticsearch import helpers

    from linkresolver.availability import enricher
    from yidu import es

    client = es.client(settings.es)
    aclient = es.async_client(settings.es)
    index = f"bench-resolve-{os.getpid()}-{rng.randrange(10**6)}"
    try:
        client.indices.create(index=index, mappings={"properties": {"title": {"type": "text"}}},
                              settings={"number_of_shards": 1, "number_of_replicas": 0})
        words = ["cell", "law", "history", "review", "energy", "china", "market", "quantum", "policy", "language"]
        docs = []
        for n, hit in enumerate(_hits_page(entries, rng, size=5000)):
            hit["title"] = " ".join(rng.sample(words, 3))
            docs.append({"_index": index, "_id": str(n), "_source": hit})
        helpers.bulk(client, docs, refresh="wait_for")
        enrich = enricher(kb, registry=registry, clock=lambda: TODAY)
        result = asyncio.run(_overhead_run(aclient, index, enrich, words, rng.choice(registry.codes)))
        result["search"] = f"minimal ES match query on a 5,000-hit index ({index}), 20 hits per page"
        return result
    finally:
        client.options(ignore_status=404).indices.delete(index=index)
        client.close()


async def _overhead_run(aclient, index: str, enrich, words, library: str) -> dict[str, Any]:
    try:
        return await availability_overhead(lambda enrichers: minimal_search_app(aclient, index, enrichers),
                                           words, library=library, enricher=enrich)
    finally:
        await aclient.close()


# --- the chart ------------------------------------------------------------------------------------------------

def draw(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    inproc = result["in_process"].pop("_samples_ms", [])
    inproc_cpu = result["in_process"].pop("_cpu_samples_ms", [])
    api = result.get("api", {}).pop("_samples_ms", []) if result.get("api") else []
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    bins = [i * 0.1 for i in range(0, 101)]
    left.hist([min(x, 10) for x in inproc], bins=bins, alpha=0.7, label="in-process resolve (wall clock)")
    if inproc_cpu:
        left.hist([min(x, 10) for x in inproc_cpu], bins=bins, histtype="step", color="black",
                  label="in-process resolve (thread CPU time)")
    if api:
        left.hist([min(x, 10) for x in api], bins=bins, alpha=0.6, label="through the API (uvicorn)")
    left.axvline(TARGET_P99_MS, color="red", linestyle="--", label=f"target p99 {TARGET_P99_MS:g} ms")
    left.axvline(result["in_process"]["resolve_p99_ms"], color="black", linestyle=":",
                 label=f"in-process p99 {result['in_process']['resolve_p99_ms']:.2f} ms "
                       f"(CPU time {result['in_process']['resolve_cpu_p99_ms']:.2f} ms)")
    left.set_xlabel("latency (ms, capped at 10)")
    left.set_yscale("log")
    left.set_ylabel("requests")
    left.set_title("resolution latency")
    left.legend(fontsize=8)
    bars = {"in-process": result["in_process"]["resolve_per_s"],
            "parse+resolve+JSON": result["in_process"]["full_per_s"]}
    if result.get("api"):
        bars["API sequential"] = result["api"]["sequential_per_s"]
        bars[f"API x{result['api']['concurrency']}"] = result["api"]["concurrent_per_s"]
    right.bar(list(bars), list(bars.values()), color=["#0969da", "#54aeff", "#1a7f37", "#4ac26b"][:len(bars)])
    for i, v in enumerate(bars.values()):
        right.annotate(f"{v:,}", (i, v), ha="center", va="bottom", fontsize=8)
    right.set_ylabel("resolutions / s")
    right.set_title(f"{result['ranges']:,} ranges, {result['libraries']:,} libraries, "
                    f"{result['print_runs']:,} print runs")
    right.tick_params(axis="x", labelsize=8)
    fig.suptitle("yidu bench resolve")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--serve":
    serve(sys.argv[2], int(sys.argv[3]))
