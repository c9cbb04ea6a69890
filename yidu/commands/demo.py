"""`yidu demo load`: generate the demo corpus and load it through the real pipelines, part by part.

  catalog   union catalogue: yidu.corpus MARC files -> indexer.catalog (as `yidu load catalog`)
  articles  journals and articles: yidu.corpus.articles TOC CSV + Crossref JSON -> indexer.articles.ArticleLoader
            (as `yidu articles load`)
  theses    yidu.corpus.theses served as ETD-MS by an OAI-PMH repository on 127.0.0.1 in this process ->
            harvesters.oai.OaiHarvester, a full harvest (as `yidu harvest`)
  kb        yidu.corpus.kb KBART packages, subscriptions and print holdings CSV -> linkresolver's KnowledgeBase
            (as `yidu kb load kbart`, `yidu kb subscribe`, `yidu kb holdings load`)
  scopes    indexer.journal_scopes: which journals (and so articles) each reader scope holds

Each part is loaded once: `<state>/demo/loaded.json` keeps a marker per part (generator version, seed, size,
registry) and a part whose marker matches and whose data is still there is skipped; `--force` loads
everything again. Generated files stay in `<state>/demo/` (written to a `.partial` folder and renamed, so an
interrupted generation is never reused). A changed article corpus first removes the demo's previous
articles (DOIs under the fake prefix), and a full harvest removes theses the repository no longer has.

Cost, measured at the default sizes (20,000 records, 20,000 articles in 333 journals, 5,000 theses) on the
shared 2-core development box against the embedded node: 24-27 s from scratch when the box is quiet, up to
44 s when others load it (catalogue 7-15 s, articles 11-20 s of which generation 1.2 s, theses 4-5 s,
knowledge base 0.4 s, scopes 0.4-0.7 s), the same with --force; a second `make run` skips every part in 2 s.
Generated files: 32 MB; indices: catalogue 13 MB, articles 44 MB, theses 14 MB (before merges); peak RSS 0.5 GB.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import orjson

from yidu.services import Services

VERSION = 2  # of the generators: a new version reloads every part
THESIS_SOURCE = "demo-theses"
THESIS_PAGE = 500


def register(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="the demo corpus").add_subparsers(dest="demo_command", metavar="ACTION")
    load = demo.add_parser("load", help="generate (once) and load the demo: catalogue, articles, theses, "
                                        "knowledge base")
    load.add_argument("--records", type=int, default=20000, help="catalogue source records across all libraries")
    load.add_argument("--articles", type=int, default=20000,
                      help="journal articles (0: no articles and no knowledge base)")
    load.add_argument("--theses", type=int, default=5000, help="theses (0: none)")
    load.add_argument("--seed", type=int, default=1)
    load.add_argument("--force", action="store_true", help="load every part again even if it is already loaded")
    load.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    load.set_defaults(func=cmd_load)


@dataclass(frozen=True)
class DemoPlan:
    """What to load: sizes, seed, and whether to reload what is there."""

    records: int = 20000
    articles: int = 20000
    theses: int = 5000
    seed: int = 1
    force: bool = False

    def __post_init__(self):
        if min(self.records, self.articles, self.theses) < 0:
            raise ValueError("sizes must be >= 0")


def cmd_load(args, settings) -> int:
    plan = DemoPlan(args.records, args.articles, args.theses, args.seed, args.force)
    services = Services(settings, progress=sys.stderr.isatty() and not args.json)
    try:
        summary = load_demo(plan, services)
    finally:
        services.close()
    if args.json:
        print(orjson.dumps(summary).decode())
    else:
        print_summary(summary)
    return 1 if summary["problems"] else 0


def say(message: str) -> None:
    print(f"demo: {message}", file=sys.stderr, flush=True)


# --- the parts ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    name: str
    marker: str  # what a load of this part is; a different marker loads it again
    present: Callable[[], bool]  # is the loaded data still there?
    load: Callable[[str | None], dict[str, Any]]  # takes the marker of what was loaded before (or None)


def load_demo(plan: DemoPlan, services: Services) -> dict[str, Any]:
    """Load every part that needs it; the summary has per part its counts and seconds (or why it was skipped)."""
    started = time.perf_counter()
    markers = Markers(demo_dir(services) / "loaded.json")
    summary: dict[str, Any] = {"parts": {}, "problems": []}
    for part in parts(plan, services):
        if not part.marker:
            summary["parts"][part.name] = {"skipped": "size 0"}
            continue
        if not plan.force and markers.get(part.name) == part.marker and part.present():
            say(f"{part.name}: already loaded ({part.marker}); --force loads it again")
            summary["parts"][part.name] = {"skipped": "already loaded"}
            continue
        part_started = time.perf_counter()
        result = part.load(markers.get(part.name))
        result["seconds"] = round(time.perf_counter() - part_started, 1)
        say(f"{part.name}: done in {result['seconds']} s")
        summary["parts"][part.name] = result
        summary["problems"] += result.pop("problems", [])
        markers.set(part.name, part.marker)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    summary["files_mb"] = round(_size(demo_dir(services)) / 2**20, 1)
    return summary


def parts(plan: DemoPlan, services: Services) -> list[Part]:
    from yidu.corpus.articles import ArticleSpec

    n = registry_signature(services.registry)
    journals = ArticleSpec(plan.articles, plan.seed).journal_total
    catalog = f"v{VERSION}:{plan.seed}:{plan.records}:{n}" if plan.records else ""
    articles = f"v{VERSION}:{plan.seed}:{plan.articles}" if plan.articles else ""
    theses = f"v{VERSION}:{plan.seed}:{plan.theses}:{n}" if plan.theses else ""
    kb = f"v{VERSION}:{plan.seed}:{journals}:{n}" if plan.articles else ""
    scopes = f"{articles}|{kb}|{catalog}" if plan.articles else ""
    return [
        Part("catalog", catalog, lambda: _catalog_present(services), lambda _: load_catalog(plan, services)),
        Part("articles", articles, lambda: _count(services, "articles") > 0,
             lambda before: load_articles(plan, services, changed=bool(before) and before != articles)),
        Part("theses", theses, lambda: _count(services, "theses") > 0, lambda _: load_theses(plan, services)),
        Part("kb", kb, lambda: _kb_present(services), lambda _: load_kb(plan, services)),
        Part("scopes", scopes, lambda: _count(services, "journal_scopes") > 0, lambda _: load_scopes(services)),
    ]


def registry_signature(registry) -> str:
    """The member libraries in a marker: their number and a hash of their codes."""
    from yidu.corpus.rng import key64

    return f"{len(registry)}-{key64(','.join(registry.codes)) % 16**6:06x}"


def load_catalog(plan: DemoPlan, services: Services) -> dict[str, Any]:
    from indexer.catalog import LoadJob
    from yidu.corpus import CorpusSpec, write_corpus

    spec = CorpusSpec(records=plan.records, libraries=services.registry.codes, seed=plan.seed)
    folder = f"catalog-seed{plan.seed}-{plan.records}-{registry_signature(services.registry)}"
    out = generated(demo_dir(services) / folder, lambda tmp: write_corpus(spec, tmp),
                    f"catalog: generating {plan.records} MARC records for {len(spec.libraries)} libraries")
    by_library: dict[str, list[str]] = defaultdict(list)
    for path in sorted(out.glob("*.mrc")):
        by_library[path.name.split(".")[0]].append(str(path))
    say(f"catalog: loading {out}")
    pipeline = services.catalog
    loaded = pipeline.load_many([LoadJob(lib, tuple(paths)) for lib, paths in by_library.items()], sync=False)
    stats = pipeline.sync()
    totals = {key: sum(getattr(s, key) for s in loaded) for key in ("read", "indexed", "merged", "deleted", "rejected")}
    problems = [f"catalog: {stats.failed} union records refused by Elasticsearch"] if stats.failed else []
    return {**totals, "union_records": stats.written, "refused": stats.failed, "libraries": len(by_library),
            "problems": problems}


def load_articles(plan: DemoPlan, services: Services, *, changed: bool = False) -> dict[str, Any]:
    """`changed`: another article corpus of the demo was loaded before (its articles are removed first)."""
    from indexer.articles import ArticleLoader
    from yidu.corpus.articles import ArticleSpec, write_articles

    spec = ArticleSpec(plan.articles, plan.seed)
    out = generated(demo_dir(services) / f"articles-seed{plan.seed}-{plan.articles}",
                    lambda tmp: write_articles(spec, tmp),
                    f"articles: generating {plan.articles} articles in {spec.journal_total} journals")
    if changed:
        say(f"articles: removed {_remove_demo_articles(services)} articles of the previous demo corpus")
    say(f"articles: loading {out} (TOC CSV and Crossref JSON)")
    loader = ArticleLoader(services.settings, services.client, progress=services.progress)
    try:
        summary = loader.load([out]).as_dict()
    finally:
        loader.close()
    problems = [f"articles: {summary['rejected']} records rejected (see {summary['dead_letter']})"] \
        if summary["rejected"] else []
    problems += [f"articles: {p}" for p in summary["unreadable_files"]]
    keys = ("read", "indexed", "merged", "rejected", "articles_written", "journals_written", "files")
    return {**{k: summary[k] for k in keys}, "journals": spec.journal_total, "problems": problems}


def load_theses(plan: DemoPlan, services: Services) -> dict[str, Any]:
    from harvesters.checkpoints import CheckpointStore
    from harvesters.oai.harvester import OaiHarvester
    from harvesters.oai.localrepo import RepositoryServer
    from harvesters.sources import Source
    from yidu.corpus.theses import PREFIX, ThesisRepository, ThesisSpec, institutions

    spec = ThesisSpec(plan.theses, institutions(services.registry), plan.seed)
    repo = ThesisRepository(spec, page_size=THESIS_PAGE)
    state = services.settings.state_dir
    state.mkdir(parents=True, exist_ok=True)
    with RepositoryServer(repo) as server, CheckpointStore(state / "harvest.sqlite") as store:
        say(f"theses: harvesting {plan.theses} theses (ETD-MS) from the demo repository at {server.url}")
        source = Source(THESIS_SOURCE, "oai-pmh", server.url, services.registry.codes[0], prefix=PREFIX)
        summary = asyncio.run(OaiHarvester(services, source, store).run(mode="full")).as_dict()
    problems = [f"theses: {summary['rejected']} records rejected (see {summary['dead_letter']})"] \
        if summary["rejected"] else []
    keys = ("harvested", "indexed", "deleted", "rejected", "removed", "pages")
    return {**{k: summary[k] for k in keys}, "problems": problems}


def load_kb(plan: DemoPlan, services: Services) -> dict[str, Any]:
    from linkresolver.kb import KnowledgeBase
    from yidu.corpus import kb as corpus_kb
    from yidu.corpus.articles import ArticleSpec, journals

    spec = ArticleSpec(plan.articles, plan.seed)
    js, registry = journals(spec), services.registry

    def write(tmp: Path) -> None:
        corpus_kb.write_kbart(plan.seed, js, tmp / "kbart")
        corpus_kb.write_holdings(plan.seed, registry, js, tmp / "holdings")

    out = generated(demo_dir(services) / f"kb-seed{plan.seed}-{len(js)}-{registry_signature(registry)}", write,
                    f"kb: generating KBART packages and print holdings for {len(js)} journals")
    kb = KnowledgeBase.for_settings(services.settings, is_member=registry.__contains__)
    result: dict[str, Any] = {"packages": 0, "titles": 0, "subscriptions": 0, "holdings": 0, "problems": []}
    try:
        for p in corpus_kb.packages():
            report = kb.load_kbart(out / "kbart" / p.file_name, p.name)
            result["packages"] += 1
            result["titles"] += report.loaded
            result["problems"] += [f"kb: {p.name}: {problem}" for problem in report.problems]
        result["subscriptions"] = _subscribe(kb, corpus_kb.subscriptions(plan.seed, registry))
        for path in sorted((out / "holdings").glob("*.csv")):
            report = kb.load_holdings(path, path.stem)
            result["holdings"] += report.loaded
            result["problems"] += [f"kb: {path.name}: {problem}" for problem in report.problems]
        result["holding_libraries"] = len(list((out / "holdings").glob("*.csv")))
    finally:
        kb.close()
    say(f"kb: {result['packages']} packages ({result['titles']} title ranges), {result['subscriptions']} "
        f"subscriptions, print holdings of {result['holdings']} journals in {result['holding_libraries']} libraries")
    return result


def _subscribe(kb, wanted) -> int:
    """Make the demo packages' subscriptions exactly `wanted` (earlier demo loads may have left others)."""
    from yidu.corpus.kb import packages

    names = {p.name for p in packages()}
    keep = {(s.library, s.package) for s in wanted}
    for s in kb.subscriptions():
        if s["package"] in names and (s["library"], s["package"]) not in keep:
            kb.unsubscribe(s["library"], s["package"])
    for s in wanted:
        kb.subscribe(s.library, s.package, start=s.start, until=s.until)
    return len(wanted)


def load_scopes(services: Services) -> dict[str, Any]:
    from indexer.journal_scopes import rebuild_journal_scopes

    say("scopes: rebuilding journal scopes from subscriptions and print holdings")
    report = rebuild_journal_scopes(services).as_dict()
    keys = ("libraries", "holdings", "journals_held", "scopes", "written", "journals_updated", "journals_created")
    return {k: report[k] for k in keys}


# --- state ----------------------------------------------------------------------------------------------

class Markers:
    """What each part last loaded (a small JSON file, replaced atomically)."""

    def __init__(self, path: Path):
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            return orjson.loads(self.path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}

    def get(self, part: str) -> str | None:
        return self._read().get(part)

    def set(self, part: str, marker: str) -> None:
        data = {**self._read(), part: marker}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        os.replace(tmp, self.path)


def demo_dir(services: Services) -> Path:
    return services.settings.state_dir / "demo"


def generated(directory: Path, write: Callable[[Path], object], message: str) -> Path:
    """`directory`, written by `write` first if it does not exist yet (into a .partial folder, then renamed)."""
    if directory.is_dir():
        return directory
    say(message)
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    write(partial)
    partial.rename(directory)
    return directory


def _count(services: Services, collection: str) -> int:
    client = services.client.options(ignore_status=404)
    found = client.count(index=services.settings.index.alias(collection))
    return found.get("count", 0) if found.meta.status == 200 else 0


def _catalog_present(services: Services) -> bool:
    return _count(services, "catalog") > 0 and services.catalog.store.count_dirty() == 0


def _kb_present(services: Services) -> bool:
    from linkresolver.kb import kb_path
    from linkresolver.store import KbStore
    from yidu.corpus.kb import packages

    path = kb_path(services.settings)
    if not path.exists():
        return False
    store = KbStore(path)
    try:
        return {p.name for p in packages()} <= {p["name"] for p in store.packages()}
    finally:
        store.close()


def _remove_demo_articles(services: Services) -> int:
    """Delete the articles of an earlier demo corpus (their DOIs have the fake prefix; the embedded node has no
    delete-by-query, so: scan, then bulk deletes). Journals stay: they are not searched, and scopes follow the kb."""
    from elasticsearch import helpers

    from indexer.bulk import BulkWriter
    from yidu.corpus.articles import DOI_PREFIX

    index = services.settings.index
    writer = BulkWriter(services.client, index.write_alias("articles"), docs=index.bulk_docs, concurrency=1)
    query = {"query": {"prefix": {"doi": f"{DOI_PREFIX}/"}}, "_source": False}
    for hit in helpers.scan(services.client, index=index.alias("articles"), query=query):
        writer.delete(hit["_id"])
    deleted = writer.close().deleted
    services.client.indices.refresh(index=index.write_alias("articles"))
    return deleted


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


# --- the summary ----------------------------------------------------------------------------------------

def print_summary(summary: dict[str, Any]) -> None:
    for name, result in summary["parts"].items():
        shown = ", ".join(f"{k} {v}" for k, v in result.items() if not isinstance(v, (dict, list)))
        print(f"{name}: {shown}")
    print(f"demo loaded in {summary['seconds']} s; generated files {summary['files_mb']} MB")
    for problem in summary["problems"]:
        print(f"problem: {problem}", file=sys.stderr)
