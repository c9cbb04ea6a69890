"""`yidu sources list | add | remove | load`: the registry of harvest sources (harvesters.sources)."""
from __future__ import annotations

import sys

import orjson

from harvesters.base import PROTOCOLS
from harvesters.checkpoints import CheckpointStore
from harvesters.errors import SourceError
from harvesters.sources import EXAMPLE, ORIGINS, Source, SourceRegistry
from yidu.libraries import active_registry


def register(subparsers) -> None:
    group = subparsers.add_parser("sources", help="the sources harvests read (OAI-PMH repositories, feeds)")
    group.set_defaults(func=lambda args, settings: group.print_help() or 2)
    sub = group.add_subparsers(dest="sources_command", metavar="ACTION")

    lst = sub.add_parser("list", help="list the registered sources")
    lst.add_argument("--json", action="store_true", help="print a JSON array, one object per source")
    lst.set_defaults(func=cmd_list)

    add = sub.add_parser("add", help="register a source")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--protocol", required=True, choices=PROTOCOLS)
    add.add_argument("--url", required=True, help="base URL (oai-pmh, crossref) or path/URL (jats, csv)")
    add.add_argument("--prefix", help="OAI metadataPrefix (default oai_dc): oai_dc, etdms/etd_ms, marcxml...")
    add.add_argument("--set", help="OAI setSpec to harvest")
    add.add_argument("--library", required=True, metavar="CODE",
                     help="the owning library (for theses: the degree-granting institution's library)")
    add.add_argument("--origin", default="local", choices=ORIGINS, help="theses: where they come from")
    add.add_argument("--schedule", help="a free-form schedule hint, e.g. daily")
    add.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                     help="a protocol-specific option (repeatable)")
    add.add_argument("--replace", action="store_true", help="replace a source of the same name")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_add)

    remove = sub.add_parser("remove", help="unregister a source (its indexed records stay)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--forget", action="store_true",
                        help="also drop its checkpoints (high-water mark, runs, ledger)")
    remove.set_defaults(func=cmd_remove)

    load = sub.add_parser("load", help=f"register every source of a registry file (e.g. {EXAMPLE.name})")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--replace", action="store_true", help="replace sources of the same names")
    load.set_defaults(func=cmd_load)


def _registry(settings) -> SourceRegistry:
    return SourceRegistry.for_settings(settings, active_registry(settings))


def cmd_list(args, settings) -> int:
    sources = _registry(settings).list()
    if args.json:
        sys.stdout.write(orjson.dumps([s.as_dict() for s in sources], option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    if not sources:
        print(f"no sources registered; `yidu sources add ...`, or `yidu sources load {EXAMPLE}`")
        return 0
    rows = [("name", "protocol", "library", "origin", "prefix", "set", "schedule", "url")]
    rows += [(s.name, s.protocol, s.library, s.origin, s.prefix or "", s.set or "", s.schedule or "", s.url)
             for s in sources]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1])
    return 0


def cmd_add(args, settings) -> int:
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SourceError(f"--option {item!r}: expected KEY=VALUE", ref=args.name)
        options[key] = value
    source = Source(name=args.name, protocol=args.protocol, url=args.url, library=args.library, prefix=args.prefix,
                    set=args.set, origin=args.origin, schedule=args.schedule, options=options)
    added = _registry(settings).add(source, replace_existing=args.replace)
    if args.json:
        print(orjson.dumps(added.as_dict()).decode())
    else:
        print(f"added {added.name}: {added.protocol} {added.url} for {added.library}")
    return 0


def cmd_remove(args, settings) -> int:
    gone = _registry(settings).remove(args.name)
    if args.forget:
        with CheckpointStore(settings.state_dir / "harvest.sqlite") as store:
            store.forget(gone.name)
    print(f"removed {gone.name}" + (" and its checkpoints" if args.forget else ""))
    return 0


def cmd_load(args, settings) -> int:
    try:
        added = _registry(settings).install(args.file, replace_existing=args.replace)
    except OSError as exc:
        raise SourceError(f"cannot read {args.file}: {exc.strerror or exc}", ref=args.file) from None
    print(f"registered {len(added)} sources: {', '.join(s.name for s in added)}")
    return 0
