"""`yidu bench query`: search latency and throughput of the API against Elasticsearch itself, in one run.

  1. index: a generated union catalogue of N union records (default 1,000,000) under the prefix `benchq`,
     built once and reused (a marker file in the state folder records what was built). To make 1M records
     affordable it is NOT loaded through the record store: worker processes generate each edition's
     member records (yidu.corpus, every registry library), map them with the real MARC mapper, build the
     union document with indexer.union.UnionBuilder (grouping by the generator's edition, i.e. the ground
     truth the store's grouping approximates) and bulk-load them with indexer.bulk in load mode;
  2. queries: a realistic mix drawn from the index itself (Chinese words and whole titles, traditional
     script, pinyin and initials, Western words, names, ISBN-10/13 with and without hyphens; with and
     without a reader's library and scope; some with facets or a date sort), fixed by a seed;
  3. the same run measures, with C concurrent clients each:
       api     GET /api/v1/search on a real uvicorn server (a subprocess: `yidu serve`) over HTTP;
       direct  the very request bodies the API sends (recorded per query, including any widening or
               did-you-mean round trip) POSTed straight to Elasticsearch;
       plain / scopes   direct, the query with hits only vs. the same plus the all-levels scope counts;
     rounds alternate (api, direct, plain, scopes, ...) so that drift affects all alike;
  4. p50/p95/p99, mean, throughput and errors per phase; ratios against the targets (API p50 <= 1.3x direct
     p50; scope counts <= 1.5x a plain search; no error); a PNG chart of the latency distributions.
Responses are requested uncompressed on both sides (Accept-Encoding: identity), so the comparison is of
the service, not of gzip.
"""
from __future__ import annotations

import asyncio
import io
import os
import random
import subprocess
import sys
import time
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlencode

import orjson

from benchmarks.common import chart_path, emit, progress

PREFIX = "benchq"
TARGET_API_RATIO = 1.3
TARGET_SCOPE_RATIO = 1.5


def register_bench(sub) -> None:
    p = sub.add_parser("query", help="search latency: the API (uvicorn, HTTP) vs. Elasticsearch direct")
    p.add_argument("--records", type=int, default=1_000_000, help="union records in the benchmark index")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    p.add_argument("--requests", type=int, default=1200, help="requests per phase and round")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds of the phases")
    p.add_argument("--queries", type=int, default=600, help="distinct queries in the mix")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--build-workers", type=int, default=max(1, (os.cpu_count() or 2)), help="processes building the index")
    p.add_argument("--prefix", default=PREFIX, help="index prefix of the benchmark index (reused between runs)")
    p.add_argument("--rebuild", action="store_true", help="build the index again even if it is there")
    p.add_argument("--build-only", action="store_true", help="build (or check) the index and stop")
    p.add_argument("--json", action="store_true")
    p.add_argument("--chart", default="artifacts/bench-query.png")
    p.set_defaults(func=cmd)


def cmd(args, settings) -> int:
    from yidu.services import Services

    bench = settings.with_prefix(args.prefix)
    services = Services(bench, progress=False)
    try:
        built = ensure_index(services, args.records, args.seed, args.build_workers, rebuild=args.rebuild)
        if args.build_only:
            emit({"benchmark": "query", "index": built}, args.json)
            return 0
        queries = query_mix(services, args.queries, args.seed)
    finally:
        services.close()
    result = asyncio.run(measure(bench, queries, args))
    result = {"benchmark": "query", "index": built, **result}
    draw(result, chart_path(args.chart, args.chart))
    result["chart"] = str(args.chart)
    emit(result, args.json)
    return 0 if not result["errors"] else 1


# --- 1. the index ----------------------------------------------------------------------------------------
def _marker(settings) -> Path:
    return Path(settings.state_dir) / "bench" / f"{settings.index.prefix}-query-index.json"


def ensure_index(services, records: int, seed: int, workers: int, *, rebuild: bool = False) -> dict:
    """The benchmark index, built when missing, different, or asked to; its description."""
    settings = services.settings
    client = services.client
    alias = settings.index.alias("catalog")
    marker = _marker(settings)
    if marker.exists() and not rebuild:
        known = orjson.loads(marker.read_bytes())
        exists = client.indices.exists_alias(name=alias)
        if exists and known.get("requested") == records and known.get("seed") == seed:
            count = client.count(index=alias)["count"]
            if count == known["documents"]:
                return {**known, "reused": True}
    return build_index(services, records, seed, workers) | {"reused": False}


def _spec_for(records: int, seed: int, codes: tuple[str, ...]):
    """A corpus spec whose edition count (= union records) is about `records` (source records = editions x
    mean holdings, so the count is found by two proportional steps)."""
    from yidu.corpus import CorpusSpec, plan

    spec = CorpusSpec(records=int(records * 2.8), libraries=codes, seed=seed)
    for _ in range(3):
        editions = plan(spec).n_editions
        if abs(editions - records) <= records * 0.001:
            break
        spec = CorpusSpec(records=int(spec.records * records / max(editions, 1)) + 1, libraries=codes, seed=seed)
    return spec


def build_index(services, records: int, seed: int, workers: int) -> dict:
    from indexer.indices import IndexManager
    from indexer.tuning import bulk_mode
    from yidu.corpus import plan

    settings = services.settings
    client = services.client
    codes = services.registry.codes
    # a margin for editions whose union id collides (same ISBN in two editions): at least `records` remain
    spec = _spec_for(int(records * 1.01), seed, codes)
    indices = IndexManager(client, settings.index)
    indices.drop_all("catalog")
    index = indices.ensure("catalog")
    n = plan(spec).n_editions
    progress(f"building {n:,} union records from {spec.records:,} generated source records "
             f"({len(codes)} libraries) with {workers} processes into {index}")
    started = time.perf_counter()
    ctx = get_context("spawn")
    done = ctx.Value("q", 0)
    with bulk_mode(client, index):
        procs = [ctx.Process(target=_build_share, args=(settings, spec, index, w, workers, done), daemon=True)
                 for w in range(workers)]
        for proc in procs:
            proc.start()
        while any(proc.is_alive() for proc in procs):
            time.sleep(10)
            rate = done.value / max(time.perf_counter() - started, 1e-9)
            progress(f"  {done.value:,}/{n:,} union records, {rate:,.0f}/s, "
                     f"eta {(n - done.value) / max(rate, 1e-9) / 60:.0f} min")
        failed = [proc.exitcode for proc in procs if proc.exitcode]
        if failed:
            raise RuntimeError(f"index build workers failed: exit codes {failed}")
    client.indices.forcemerge(index=index, max_num_segments=5, wait_for_completion=True)
    count = client.count(index=settings.index.alias("catalog"))["count"]
    info = {"requested": records, "seed": seed, "documents": count, "source_records": spec.records,
            "editions": n, "libraries": len(codes), "index": index,
            "build_s": round(time.perf_counter() - started, 1),
            "size_mb": round(client.indices.stats(index=index)["_all"]["primaries"]["store"]["size_in_bytes"] / 2**20),
            "method": "corpus -> MARC mapper -> UnionBuilder -> bulk (no record store)"}
    marker = _marker(settings)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_bytes(orjson.dumps(info))
    progress(f"built {count:,} documents in {info['build_s']:.0f} s")
    return info


def _build_share(settings, spec, index: str, worker: int, workers: int, done) -> None:
    """One build process: the editions k with k % workers == worker."""
    from harvesters.marc.iso2709 import read_iso2709
    from harvesters.marc.mapper import MarcMapper
    from indexer.bulk import BulkWriter
    from indexer.store import Member
    from indexer.union import UnionBuilder
    from yidu import es
    from yidu.corpus import build_record, plan
    from yidu.libraries import active_registry

    client = es.client(settings.es, request_timeout=300)
    registry = active_registry(settings)
    p = plan(spec)
    mapper = MarcMapper()
    builder = UnionBuilder(registry.__contains__)
    writer = BulkWriter(client, index, docs=500, concurrency=1)
    local = 0
    for k, holders in p.walk():
        if k % workers != worker:
            continue
        members = []
        for i in holders:
            code = p.profiles[i].code
            record = build_record(spec, code, k)
            item = next(read_iso2709(io.BytesIO(record.data), code, None), None)
            if getattr(item, "record", None) is None:
                continue
            try:
                doc = mapper.map(item.record, item.flavour, code)
            except Exception:  # noqa: BLE001 - a record the mapper refuses is left out, as a load would
                continue
            if not doc.get("deleted"):
                members.append(Member(code, doc["control_number"], doc, f"gen:{k}"))
        if members:
            uid, doc = builder.build(members)
            writer.index(uid, doc)
        local += 1
        if local % 200 == 0:
            with done.get_lock():
                done.value += 200
    writer.close()
    client.close()
    with done.get_lock():
        done.value += local % 200


# --- 2. the query mix ------------------------------------------------------------------------------------
KINDS = (("zh_words", 22), ("zh_title_traditional", 8), ("pinyin", 8), ("initials", 5), ("western_words", 15),
         ("author", 10), ("isbn", 10), ("subject", 7), ("browse_facets", 8), ("phrase_and_field", 7))


def query_mix(services, count: int, seed: int) -> list[dict]:
    """`count` queries drawn from the benchmark index itself: each {kind, request (SearchRequest), params}."""
    import opencc

    from query.request import SearchRequest
    from yidu import textzh

    rng = random.Random(seed)
    client = services.client
    alias = services.settings.index.alias("catalog")
    raw = client.search(index=alias, size=min(4 * count, 5000), _source=["title", "authors", "isbn", "language",
                                                                          "subject_facet", "clc_top"],
                        query={"function_score": {"query": {"match_all": {}},
                                                  "random_score": {"seed": seed, "field": "_seq_no"}}})
    docs = [h["_source"] for h in raw["hits"]["hits"]]
    chinese = [d for d in docs if textzh.has_cjk(d.get("title", ""))]
    western = [d for d in docs if d.get("title") and not textzh.has_cjk(d["title"])]
    s2t = opencc.OpenCC("s2t")
    codes = services.registry.codes
    kinds = [k for k, w in KINDS for _ in range(w)]
    out = []
    while len(out) < count:
        kind = rng.choice(kinds)
        d = rng.choice(chinese if kind != "western_words" else western or chinese)
        title = d["title"]
        q, filters, sort = "", {}, "relevance"
        if kind == "zh_words":
            words = [w for w in textzh.segment(title) if len(w) > 1] or [title]
            q = " ".join(words[: rng.choice((1, 1, 2))])
        elif kind == "zh_title_traditional":
            q = s2t.convert(title)
        elif kind == "pinyin":
            q = textzh.analyze(title).py.replace(" ", "" if rng.random() < 0.5 else " ")
        elif kind == "initials":
            q = textzh.analyze(title).pyi
        elif kind == "western_words":
            words = textzh.segment(title)
            q = " ".join(words[: rng.choice((1, 2, 3))])
        elif kind == "author":
            q = (d.get("authors") or [title])[0]
            q = f"author:{q}" if rng.random() < 0.3 else q
        elif kind == "isbn":
            isbn = (d.get("isbn") or ["9787111025429"])[0]
            q = _isbn_form(isbn, rng)
        elif kind == "subject":
            q = (d.get("subject_facet") or [title])[0]
        elif kind == "browse_facets":
            q = ""
            filters = {"language": (rng.choice(("chi", "eng")),)} if rng.random() < 0.5 else \
                {"clc_top": ((d.get("clc_top") or ["F"])[0],)}
        else:
            words = [w for w in textzh.segment(title) if len(w) > 1] or [title]
            q = f'title:"{words[0]}" year:{rng.choice(("1990-2010", "2000-", "-2015"))}'
        if kind != "browse_facets" and rng.random() < 0.2:
            filters = {"language": ("chi",)} if rng.random() < 0.5 else {"year": (rng.choice(("2000-2009", "2010-2019")),)}
        if rng.random() < 0.1:
            sort = "newest"
        library = rng.choice(codes) if rng.random() < 0.85 else None
        scope = None
        if library:
            scope = rng.choice((None, None, None, "city", "province", "nation"))
        if not q.strip() and not filters:
            continue
        request = SearchRequest(q=q[:200], library=library, scope=scope, filters=filters, sort=sort)
        params = [("q", request.q)] + ([("library", library)] if library else []) + \
            ([("scope", scope)] if scope else []) + ([("sort", sort)] if sort != "relevance" else []) + \
            [(name, v) for name, values in filters.items() for v in values]
        out.append({"kind": kind, "request": request, "params": params})
    return out


def _isbn_form(isbn13: str, rng: random.Random) -> str:
    from yidu.identifiers import isbn10

    ten = isbn10(isbn13) if isbn13.startswith("978") else None
    form = rng.choice(("13", "13h", "10", "10h")) if ten else "13"
    if form == "13":
        return isbn13
    if form == "13h":
        return f"{isbn13[:3]}-{isbn13[3]}-{isbn13[4:8]}-{isbn13[8:12]}-{isbn13[12]}"
    if form == "10":
        return ten
    return f"{ten[0]}-{ten[1:5]}-{ten[5:9]}-{ten[9]}"


def prepare(settings, registry, client, queries: list[dict]) -> None:
    """Per query: the calls the API makes (recorded by running the search once: also a warm-up), and the
    plain and the scope-counting bodies of the main search."""
    from query.search import Searcher
    from query.steps import DEFAULT

    searcher = Searcher(client, registry, settings.index)
    target = searcher.target()
    plain = Searcher(client, registry, settings.index, DEFAULT.without("scope_counts").without("facet_counts"))
    scoped = Searcher(client, registry, settings.index, DEFAULT.without("facet_counts"))
    for q in queries:
        calls = []
        flow = searcher.flow(q["request"], target)
        try:
            call = next(flow)
            while True:
                calls.append(call)
                call = flow.send(client.search(index=",".join(call.indices), body=call.body, **call.params).body)
        except StopIteration:
            pass
        q["calls"] = [(",".join(c.indices), orjson.dumps(c.body)) for c in calls]
        q["plain"] = orjson.dumps(plain.body(q["request"], target)[0])
        q["scoped"] = orjson.dumps(scoped.body(q["request"], target)[0])
        q["indices"] = ",".join(target.indices())


# --- 3. measuring ----------------------------------------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(settings) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "YIDU_INDEX_PREFIX": settings.index.prefix, "YIDU_STATE_DIR": str(settings.state_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "yidu.cli", "serve", "--port", str(port), "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(url + "/api/v1/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the API server did not come up in 60 s")


def _es_headers(es) -> dict[str, str]:
    import base64

    headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
    if es.api_key:
        headers["Authorization"] = f"ApiKey {es.api_key}"
    elif es.username:
        token = base64.b64encode(f"{es.username}:{es.password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return headers


async def _phase(jobs: list, total: int, concurrency: int, send) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    order = iter([jobs[i % len(jobs)] for i in range(total)])

    async def worker():
        for job in order:
            started = time.perf_counter()
            problem = await send(job)
            latencies.append(time.perf_counter() - started)
            if problem:
                errors.append(problem)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"latencies": latencies, "errors": errors, "wall": time.perf_counter() - started}


async def measure(settings, queries: list[dict], args) -> dict:
    import aiohttp

    from yidu import es as es_clients
    from yidu.libraries import active_registry

    client = es_clients.client(settings.es)
    try:
        progress(f"recording the requests of {len(queries)} queries (and warming up)")
        prepare(settings, active_registry(settings), client, queries)
    finally:
        client.close()
    es_url = settings.es.hosts[0]
    headers = _es_headers(settings.es)
    scoped_jobs = [q for q in queries if q["request"].library]
    proc, api_url = start_server(settings)
    connector = aiohttp.TCPConnector(limit=args.concurrency * 2)
    phases: dict[str, dict] = {name: {"latencies": [], "errors": [], "wall": 0.0}
                               for name in ("api", "direct", "plain", "scopes")}
    try:
        async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:
            async def api(q):
                async with session.get(f"{api_url}/api/v1/search?{urlencode(q['params'])}",
                                       headers={"Accept-Encoding": "identity"}) as r:
                    await r.read()
                    return None if r.status == 200 else f"api {r.status} for {q['params']}"

            async def direct(q):
                for indices, body in q["calls"]:
                    async with session.post(f"{es_url}/{indices}/_search?ignore_unavailable=true&allow_no_indices=true",
                                            data=body, headers=headers) as r:
                        await r.read()
                        if r.status != 200:
                            return f"es {r.status}"
                return None

            def body_of(name):
                async def send(q):
                    async with session.post(f"{es_url}/{q['indices']}/_search", data=q[name], headers=headers) as r:
                        await r.read()
                        return None if r.status == 200 else f"es {r.status}"
                return send

            warm = await _phase(queries, min(len(queries), 300), args.concurrency, api)  # JIT-free, but caches
            if warm["errors"]:
                raise RuntimeError(f"the API fails before measuring: {warm['errors'][:3]}")
            senders = {"api": (queries, api), "direct": (queries, direct), "plain": (scoped_jobs, body_of("plain")),
                       "scopes": (scoped_jobs, body_of("scoped"))}
            for round_ in range(args.rounds):
                for name, (jobs, send) in senders.items():
                    progress(f"round {round_ + 1}/{args.rounds}: {name}, {args.requests} requests, "
                             f"{args.concurrency} clients")
                    got = await _phase(jobs, args.requests, args.concurrency, send)
                    phase = phases[name]
                    phase["latencies"] += got["latencies"]
                    phase["errors"] += got["errors"]
                    phase["wall"] += got["wall"]
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    stats = {name: _stats(p) for name, p in phases.items()}
    calls = [len(q["calls"]) for q in queries]
    kinds: dict[str, int] = {}
    for q in queries:
        kinds[q["kind"]] = kinds.get(q["kind"], 0) + 1
    api_ratio = stats["api"]["p50_ms"] / stats["direct"]["p50_ms"]
    scope_ratio = stats["scopes"]["p50_ms"] / stats["plain"]["p50_ms"]
    errors = sum(len(p["errors"]) for p in phases.values())
    return {
        "concurrency": args.concurrency, "requests_per_phase": args.requests * args.rounds, "rounds": args.rounds,
        "queries": len(queries), "query_kinds": kinds, "es_calls_per_api_request": round(sum(calls) / len(calls), 3),
        "phases": stats,
        "api_p50_over_direct_p50": round(api_ratio, 3), "target_api_ratio": TARGET_API_RATIO,
        "api_ratio_met": api_ratio <= TARGET_API_RATIO,
        "scopes_p50_over_plain_p50": round(scope_ratio, 3), "target_scope_ratio": TARGET_SCOPE_RATIO,
        "scope_ratio_met": scope_ratio <= TARGET_SCOPE_RATIO,
        "errors": errors, "error_samples": [e for p in phases.values() for e in p["errors"]][:5],
        "cpus": os.cpu_count(), "_latencies": {name: p["latencies"] for name, p in phases.items()},
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


def _stats(phase: dict) -> dict:
    lat = phase["latencies"]
    return {"requests": len(lat), "p50_ms": round(_pct(lat, 0.50) * 1000, 2), "p95_ms": round(_pct(lat, 0.95) * 1000, 2),
            "p99_ms": round(_pct(lat, 0.99) * 1000, 2), "mean_ms": round(sum(lat) / max(len(lat), 1) * 1000, 2),
            "throughput_rps": round(len(lat) / phase["wall"], 1) if phase["wall"] else 0.0,
            "errors": len(phase["errors"])}


# --- 4. the chart ----------------------------------------------------------------------------------------
def draw(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latencies = result.pop("_latencies")
    fig, (cdf, bars) = plt.subplots(1, 2, figsize=(12, 4.8))
    labels = {"api": "API (uvicorn, HTTP)", "direct": "Elasticsearch direct (same bodies)",
              "plain": "direct: hits only", "scopes": "direct: + all-levels scope counts"}
    for name, values in latencies.items():
        ms = sorted(v * 1000 for v in values)
        if ms:
            cdf.plot(ms, [i / len(ms) for i in range(1, len(ms) + 1)], label=labels[name])
    cdf.set_xscale("log")
    cdf.set_xlabel("latency (ms, log)")
    cdf.set_ylabel("fraction of requests")
    cdf.grid(True, which="both", alpha=0.3)
    cdf.legend(loc="lower right", fontsize=8)
    phases = result["phases"]
    names = list(phases)
    for i, (pct, colour) in enumerate((("p50_ms", "#4c78a8"), ("p95_ms", "#f58518"), ("p99_ms", "#e45756"))):
        bars.bar([x + (i - 1) * 0.27 for x in range(len(names))], [phases[n][pct] for n in names], 0.27,
                 label=pct.replace("_ms", ""), color=colour)
    bars.set_xticks(range(len(names)), [f"{n}\n{phases[n]['throughput_rps']:.0f} req/s" for n in names])
    bars.set_ylabel("ms")
    bars.legend(fontsize=8)
    index = result.get("index", {})
    fig.suptitle(f"yidu bench query: {index.get('documents', 0):,} records, {result['concurrency']} clients, "
                 f"API/direct p50 {result['api_p50_over_direct_p50']:.2f} (target <= {TARGET_API_RATIO}), "
                 f"scopes/plain p50 {result['scopes_p50_over_plain_p50']:.2f} (target <= {TARGET_SCOPE_RATIO}), "
                 f"errors {result['errors']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
