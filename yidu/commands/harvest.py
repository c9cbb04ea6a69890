"""`yidu harvest NAME | --all | status`: run harvests and show where they stand.

A harvest picks its harvester by the source's protocol (harvesters.base.HARVESTERS). Without --full or
--incremental it continues an interrupted run of the source when there is one, else it is incremental.
"""
from __future__ import annotations

import asyncio
import inspect
import sys

import orjson

from harvesters.base import harvester_class
from harvesters.checkpoints import CheckpointStore
from harvesters.sources import SourceRegistry
from yidu.errors import YiduError
from yidu.services import Services


def register(subparsers) -> None:
    p = subparsers.add_parser("harvest", help="harvest a source (yidu harvest NAME), all of them (--all), "
                                              "or show the state of harvests (yidu harvest status)")
    p.add_argument("target", nargs="?", metavar="NAME", help="a source name, or 'status'")
    p.add_argument("name", nargs="?", metavar="SOURCE", help="with status: only this source")
    p.add_argument("--all", action="store_true", help="harvest every registered source, one after another")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="harvest everything; records the source no longer has are removed")
    mode.add_argument("--incremental", dest="mode", action="store_const", const="incremental",
                      help="only what changed since the source's high-water datestamp")
    p.add_argument("--from", dest="from_", metavar="DATE", help="from this datestamp (YYYY-MM-DD[Thh:mm:ssZ])")
    p.add_argument("--until", metavar="DATE", help="until this datestamp, inclusive")
    p.add_argument("--workers", type=int, metavar="N",
                   help="processes that map and build documents (OAI-PMH; default: decided by the list's size)")
    p.add_argument("--json", action="store_true", help="print the summary (HarvestSummary.as_dict()) as JSON")
    p.set_defaults(func=cmd_harvest, mode=None)


def store_path(settings):
    return settings.state_dir / "harvest.sqlite"


def cmd_harvest(args, settings) -> int:
    if args.target == "status":
        return cmd_status(args, settings)
    if bool(args.target) == bool(args.all):
        print("yidu: error: name one source, or --all (yidu sources list)", file=sys.stderr)
        return 2
    services = Services(settings, progress=sys.stderr.isatty() and not args.json)
    try:
        sources = SourceRegistry.for_settings(settings, services.registry)
        chosen = sources.list() if args.all else [sources.get(args.target)]
        results, failed = [], 0
        with CheckpointStore(store_path(settings)) as store:
            for source in chosen:
                try:
                    summary = harvest_one(services, source, store, args.mode, args.from_, args.until,
                                          workers=args.workers)
                except YiduError as exc:
                    if not args.all:
                        raise
                    failed += 1
                    results.append({"source": source.name, "error": str(exc)})
                    if not args.json:
                        print(f"{source.name}: error: {exc}", file=sys.stderr)
                    continue
                results.append(summary.as_dict())
                if not args.json:
                    _print_summary(summary.as_dict())
    finally:
        services.close()
    if args.json:
        print(orjson.dumps(results if args.all else results[0]).decode())
    return 1 if failed else 0


def harvest_one(services, source, store: CheckpointStore, mode: str | None, from_: str | None, until: str | None,
                *, workers: int | None = None):
    """Run one source's harvester to the end (a coroutine run on a fresh event loop)."""
    if mode is None:
        interrupted = store.resume_point(source.name)
        mode = interrupted.mode if interrupted is not None else "incremental"
    cls = harvester_class(source.protocol)
    options = {}
    if workers is not None:
        if "workers" not in inspect.signature(cls).parameters:
            raise YiduError(f"the {source.protocol} harvester takes no --workers", ref=source.name)
        options["workers"] = workers
    harvester = cls(services, source, store, **options)
    return asyncio.run(harvester.run(mode=mode, from_=from_, until=until))


def _print_summary(d: dict) -> None:
    print(f"{d['source']} ({d['mode']}{', resumed' if d.get('resumed') else ''}): harvested {d['harvested']}, "
          f"indexed {d['indexed']}, deleted {d['deleted']}, rejected {d['rejected']}, unchanged {d['unchanged']}"
          + (f", removed {d['removed']} no longer at the source" if d.get("removed") else "")
          + f" ({d['pages']} pages, {d['seconds']} s); high water {d.get('high_water') or '-'}")
    if d.get("dead_letter"):
        print(f"rejected records and reasons: {d['dead_letter']}")


def cmd_status(args, settings) -> int:
    services = Services(settings, progress=False)
    try:
        registered = {s.name: s for s in SourceRegistry.for_settings(settings, services.registry).list()}
    finally:
        services.close()
    with CheckpointStore(store_path(settings)) as store:
        names = [args.name] if args.name else sorted(set(registered) | set(store.sources()))
        rows = []
        for name in names:
            runs = store.runs(name, limit=1)
            last = runs[0] if runs else None
            source = registered.get(name)
            rows.append({
                "source": name,
                "registered": source is not None,
                "protocol": source.protocol if source else None,
                "library": source.library if source else None,
                "high_water": store.high_water(name),
                "last_run": last.as_dict() if last else None,
                "errors": store.errors(last, 10) if last else [],
                "ledger": store.ledger_counts(name),
            })
    if args.json:
        print(orjson.dumps(rows if not args.name else rows[0], option=orjson.OPT_INDENT_2).decode())
        return 0
    if not rows:
        print("no harvests yet")
    for row in rows:
        last = row["last_run"]
        head = f"{row['source']}" + ("" if row["registered"] else " (no longer registered)")
        if last is None:
            print(f"{head}: never harvested")
            continue
        print(f"{head}: run {last['id']} {last['mode']} {last['status']}, {last['pages']} pages, harvested "
              f"{last['harvested']} = indexed {last['indexed']} + deleted {last['deleted']} + rejected "
              f"{last['rejected']} + unchanged {last['unchanged']}; started {last['started']}, "
              f"{'finished ' + last['finished'] if last['finished'] else 'updated ' + last['updated']}; "
              f"high water {row['high_water'] or '-'}")
        if last["error"]:
            print(f"  error: {last['error']}")
    return 0
