"""`yidu load catalog`, `yidu remove catalog`, `yidu reindex catalog`: the union catalogue's data."""
from __future__ import annotations

import sys

import orjson

from yidu.services import Services


def register(subparsers) -> None:
    load = subparsers.add_parser("load", help="load data into an index").add_subparsers(dest="what", metavar="WHAT")
    cat = load.add_parser("catalog", help="load MARC records (ISO 2709, MARCXML, MARC-in-JSON, MARCMaker; "
                                          "gzip; directories) for one library")
    cat.add_argument("paths", nargs="+", metavar="PATH")
    cat.add_argument("--library", required=True, metavar="CODE", help="the library these records belong to")
    cat.add_argument("--format", default="auto", choices=("auto", "marc21", "cnmarc"), dest="flavour")
    cat.add_argument("--incremental", action="store_true",
                     help="add, update and delete only: keep the library's records these files do not mention "
                          "(without it the files are the library's complete catalogue)")
    cat.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    cat.set_defaults(func=cmd_load)

    remove = subparsers.add_parser("remove", help="remove data").add_subparsers(dest="what", metavar="WHAT")
    rc = remove.add_parser("catalog", help="remove one library's records (its holdings leave the union records)")
    rc.add_argument("--library", required=True, metavar="CODE")
    rc.add_argument("--json", action="store_true")
    rc.set_defaults(func=cmd_remove)

    reindex = subparsers.add_parser("reindex", help="rebuild an index version and swap the alias")
    reindex.add_argument("collection", choices=("catalog",))
    reindex.add_argument("--json", action="store_true")
    reindex.set_defaults(func=cmd_reindex)


def _print_summary(summary, as_json: bool) -> None:
    data = summary.as_dict()
    if as_json:
        sys.stdout.write(orjson.dumps(data).decode() + "\n")
        return
    print(f"{data['library']}: read {data['read']}, indexed {data['indexed']}, merged {data['merged']}, "
          f"deleted {data['deleted']}, rejected {data['rejected']}"
          + (f", removed {data['removed']} no longer in the catalogue" if data["removed"] else "")
          + f" ({data['union_written']} union records written, {data['union_deleted']} deleted, "
            f"{data['seconds']} s)")
    if data["dead_letter"]:
        print(f"rejected records and reasons: {data['dead_letter']}")


def cmd_load(args, settings) -> int:
    services = Services(settings, progress=not args.json and sys.stderr.isatty())
    try:
        summary = services.catalog.load(args.paths, library=args.library, flavour=args.flavour,
                                        incremental=args.incremental)
    finally:
        services.close()
    _print_summary(summary, args.json)
    _refresh_scopes(settings)
    for problem in summary.unreadable_files:
        print(f"yidu: error: {problem}", file=sys.stderr)
    return 1 if summary.unreadable_files else 0


def cmd_remove(args, settings) -> int:
    services = Services(settings, progress=False)
    try:
        summary = services.catalog.remove_library(args.library)
    finally:
        services.close()
    _print_summary(summary, args.json)
    _refresh_scopes(settings)
    return 0


def cmd_reindex(args, settings) -> int:
    services = Services(settings, progress=not args.json and sys.stderr.isatty())
    try:
        result = services.catalog.reindex()
    finally:
        services.close()
    if args.json:
        print(orjson.dumps(result).decode())
    else:
        print(f"reindexed {args.collection}: {result['documents']} documents in {result['new']} "
              f"(was {result['old']}), {result['seconds']} s")
    return 0


def _refresh_scopes(settings) -> None:
    """Serial records carry journal holdings: articles' scopes follow the catalogue."""
    from indexer.journal_scopes import refresh

    refresh(settings)
