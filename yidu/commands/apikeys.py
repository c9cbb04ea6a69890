"""`yidu apikeys`: the keys member libraries' OPACs call the enrichment API with (api.apikeys).

  yidu apikeys create --library CODE [--ip CIDR ...] [--rate N/min] [--label TEXT]   prints the key once
  yidu apikeys list [--json]
  yidu apikeys revoke KEY_ID
"""
from __future__ import annotations

import argparse
import sys

import orjson

from api.apikeys import DEFAULT_RATE, KeyStore, describe_ranges, parse_rate
from yidu.libraries import active_registry


def register(subparsers) -> None:
    group = subparsers.add_parser("apikeys", help="API keys of the enrichment API (OPACs of member libraries)")
    group.set_defaults(func=_help(group))
    sub = group.add_subparsers(dest="apikeys_command", metavar="ACTION")

    create = sub.add_parser("create", help="create a key for a library and print it (shown only this once)")
    create.add_argument("--library", required=True, metavar="CODE", help="the member library the key belongs to")
    create.add_argument("--ip", action="append", default=[], metavar="CIDR",
                        help="an address range the key may be used from (repeatable; default: the library's "
                             "registered ranges, as the registry says at request time)")
    create.add_argument("--rate", default=f"{DEFAULT_RATE}/min", metavar="N/min",
                        help=f"requests a minute (default {DEFAULT_RATE}/min)")
    create.add_argument("--label", default="", help="a note to remember the key by")
    create.set_defaults(func=cmd_create)

    lst = sub.add_parser("list", help="every key: id, library, ranges, rate, dates, usage")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    lst.set_defaults(func=cmd_list)

    revoke = sub.add_parser("revoke", help="revoke a key (refused from the next request on)")
    revoke.add_argument("key_id", metavar="KEY_ID", help="the id `yidu apikeys list` shows")
    revoke.set_defaults(func=cmd_revoke)


def _help(parser: argparse.ArgumentParser):
    def show(args, settings) -> int:
        parser.print_help()
        return 2
    return show


def cmd_create(args, settings) -> int:
    registry = active_registry(settings)
    store = KeyStore.for_settings(settings)
    try:
        record, key = store.create(registry, args.library.strip().upper(), ip_ranges=args.ip,
                                   rate=parse_rate(args.rate), label=args.label)
    finally:
        store.close()
    print(key)
    print(f"(key {record.id} for {record.library}, {record.rate}/min from {describe_ranges(record, registry)}; "
          f"it is shown only now, store it safely)", file=sys.stderr)
    return 0


def cmd_list(args, settings) -> int:
    registry = active_registry(settings)
    store = KeyStore.for_settings(settings)
    try:
        keys = store.keys()
    finally:
        store.close()
    if args.json:
        sys.stdout.write(orjson.dumps([k.to_dict(registry) for k in keys], option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    rows = [("id", "library", "ip ranges", "rate", "created", "revoked", "uses", "last used", "label")]
    for k in keys:
        d = k.to_dict()
        rows.append((k.id, k.library, describe_ranges(k, registry), d["rate"], d["created"], d["revoked"] or "-",
                     str(k.uses), d["last_used"] or "-", k.label))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip())
    print(f"-- {len(keys)} key{'s' if len(keys) != 1 else ''}, {sum(k.active for k in keys)} active")
    return 0


def cmd_revoke(args, settings) -> int:
    store = KeyStore.for_settings(settings)
    try:
        record = store.revoke(args.key_id)
    finally:
        store.close()
    print(f"revoked key {record.id} of {record.library}")
    return 0
