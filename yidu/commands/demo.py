"""`yidu demo load`: generate a realistic demo corpus for the registry's libraries and load it."""
from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import orjson

from yidu.services import Services


def register(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="the demo corpus").add_subparsers(dest="demo_command", metavar="ACTION")
    load = demo.add_parser("load", help="generate (once) and load a demo union catalogue")
    load.add_argument("--records", type=int, default=20000, help="source records across all libraries")
    load.add_argument("--seed", type=int, default=1)
    load.add_argument("--force", action="store_true", help="load again even if this corpus is already loaded")
    load.add_argument("--json", action="store_true")
    load.set_defaults(func=cmd_load)


def cmd_load(args, settings) -> int:
    from yidu.corpus import CorpusSpec, write_corpus

    services = Services(settings, progress=sys.stderr.isatty() and not args.json)
    pipeline = services.catalog
    marker = f"{args.seed}:{args.records}:{len(services.registry)}"
    try:
        if pipeline.store.meta_get("demo") == marker and not args.force and pipeline.store.count_dirty() == 0:
            print(f"demo corpus ({args.records} records, seed {args.seed}) already loaded; --force loads it again")
            return 0
        started = time.perf_counter()
        out = settings.state_dir / "demo" / f"seed{args.seed}-{args.records}"
        spec = CorpusSpec(records=args.records, libraries=tuple(lib.code for lib in services.registry),
                          seed=args.seed)
        if not out.is_dir() or not any(out.iterdir()):
            print(f"generating {args.records} records for {len(spec.libraries)} libraries in {out}", file=sys.stderr)
            write_corpus(spec, out)
        by_library: dict[str, list[Path]] = defaultdict(list)
        for path in sorted(out.glob("*.mrc")):
            by_library[path.name.split(".")[0]].append(path)
        totals = defaultdict(int)
        for library, paths in by_library.items():
            summary = pipeline.load(paths, library=library, sync=False)
            for key in ("read", "indexed", "merged", "deleted", "rejected"):
                totals[key] += getattr(summary, key)
        stats = pipeline.sync()
        pipeline.store.meta_set("demo", marker)
        totals.update(union_records=stats.written, refused=stats.failed, libraries=len(by_library),
                      seconds=round(time.perf_counter() - started, 1))
    finally:
        services.close()
    if args.json:
        print(orjson.dumps(totals).decode())
    else:
        print("demo loaded: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 1 if totals["refused"] else 0
