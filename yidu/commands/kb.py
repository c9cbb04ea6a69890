"""`yidu kb`: the link resolver's knowledge base - packages, subscriptions, print holdings, tokens.

  yidu kb load kbart FILE --package NAME       load (or replace) a KBART package
  yidu kb subscribe LIBRARY PACKAGE [--from DATE] [--until DATE]
  yidu kb unsubscribe LIBRARY PACKAGE
  yidu kb holdings load FILE --library CODE    a library's print holdings (CSV, see linkresolver/holdings.py)
  yidu kb holdings from-catalog                print holdings from the catalogue's MARC 866 summaries
  yidu kb status [--json]
  yidu kb token create LIBRARY | --admin       print a new API token (shown once)
  yidu kb resolve "OPENURL QUERY" [--library CODE] [--json] [--debug]
"""
from __future__ import annotations

import argparse
import sys

import orjson

from yidu.services import Services


def register(subparsers) -> None:
    group = subparsers.add_parser("kb", help="the link resolver's knowledge base (packages, subscriptions, holdings)")
    group.set_defaults(func=_help(group))
    sub = group.add_subparsers(dest="kb_command", metavar="ACTION")

    load = sub.add_parser("load", help="load data into the knowledge base")
    load_sub = load.add_subparsers(dest="what", metavar="KIND")
    load.set_defaults(func=_help(load))
    kbart = load_sub.add_parser("kbart", help="a KBART file (tab-separated, any encoding, .gz too) as a package")
    kbart.add_argument("file", metavar="FILE")
    kbart.add_argument("--package", required=True, metavar="NAME", help="package name (a reload replaces it)")
    kbart.add_argument("--json", action="store_true", help="print the load report as JSON")
    kbart.set_defaults(func=cmd_load_kbart)

    subscribe = sub.add_parser("subscribe", help="record that a library subscribes to a package")
    subscribe.add_argument("library", metavar="LIBRARY")
    subscribe.add_argument("package", metavar="PACKAGE")
    subscribe.add_argument("--from", dest="start", metavar="DATE", help="access starts (YYYY-MM-DD)")
    subscribe.add_argument("--until", metavar="DATE", help="access ends (YYYY-MM-DD, inclusive)")
    subscribe.set_defaults(func=cmd_subscribe)

    unsubscribe = sub.add_parser("unsubscribe", help="remove a subscription")
    unsubscribe.add_argument("library", metavar="LIBRARY")
    unsubscribe.add_argument("package", metavar="PACKAGE")
    unsubscribe.set_defaults(func=cmd_unsubscribe)

    holdings = sub.add_parser("holdings", help="print journal holdings")
    holdings.set_defaults(func=_help(holdings))
    h_sub = holdings.add_subparsers(dest="holdings_command", metavar="ACTION")
    h_load = h_sub.add_parser("load", help="replace a library's print holdings with a CSV file")
    h_load.add_argument("file", metavar="FILE")
    h_load.add_argument("--library", required=True, metavar="CODE")
    h_load.add_argument("--json", action="store_true")
    h_load.set_defaults(func=cmd_holdings_load)
    h_cat = h_sub.add_parser("from-catalog", help="derive print holdings from the catalogue's serial records (866)")
    h_cat.add_argument("--json", action="store_true")
    h_cat.set_defaults(func=cmd_holdings_from_catalog)

    status = sub.add_parser("status", help="what the knowledge base holds")
    status.add_argument("--json", action="store_true")
    status.add_argument("--index", action="store_true", help="also build the lookup structures and report them")
    status.set_defaults(func=cmd_status)

    token = sub.add_parser("token", help="API tokens for the maintenance API")
    token.set_defaults(func=_help(token))
    t_sub = token.add_subparsers(dest="token_command", metavar="ACTION")
    create = t_sub.add_parser("create", help="create a token for a library (or --admin) and print it once")
    create.add_argument("library", nargs="?", metavar="LIBRARY")
    create.add_argument("--admin", action="store_true", help="an admin token (may load packages)")
    create.add_argument("--label", default="", help="a note to remember the token by")
    create.set_defaults(func=cmd_token_create)
    revoke = t_sub.add_parser("revoke", help="revoke every token of a library (or every admin token)")
    revoke.add_argument("library", nargs="?", metavar="LIBRARY")
    revoke.add_argument("--admin", action="store_true")
    revoke.set_defaults(func=cmd_token_revoke)

    resolve = sub.add_parser("resolve", help="resolve an OpenURL query string from the command line")
    resolve.add_argument("query", metavar="QUERY", help="e.g. 'rft.issn=0028-0836&rft.date=2020&rft.volume=580'")
    resolve.add_argument("--library", metavar="CODE")
    resolve.add_argument("--debug", action="store_true")
    resolve.add_argument("--json", action="store_true")
    resolve.set_defaults(func=cmd_resolve)


def _help(parser: argparse.ArgumentParser):
    def show(args, settings) -> int:
        parser.print_help()
        return 2
    return show


def _kb(settings):
    from linkresolver.kb import KnowledgeBase

    services = Services(settings, progress=False)
    return KnowledgeBase.for_settings(settings, is_member=services.registry.__contains__), services


def _print_report(report, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(report.to_dict(limit=100_000), option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    data = report.to_dict(limit=100_000)
    print(f"{report.what}: {data['loaded']} loaded, {data['rejected']} rejected, {data['warnings']} warnings")
    for key, value in data.items():
        if key not in ("what", "loaded", "rejected", "warnings", "problems", "problems_total"):
            print(f"  {key}: {value}")
    for p in report.problems:
        where = f"line {p.line}: " if p.line else ""
        print(f"{where}{p.severity}: {p.message}", file=sys.stderr)


def _load_file(settings, as_json: bool, load) -> int:
    """A KBART or holdings file goes in whole or not at all: file-level problems are listed, nothing loaded."""
    from linkresolver.errors import FileProblems

    kb, _ = _kb(settings)
    try:
        report = load(kb)
    except FileProblems as exc:
        print(f"yidu: error: {exc.message}; nothing loaded", file=sys.stderr)
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    finally:
        kb.close()
    _print_report(report, as_json)
    _refresh_scopes(settings)
    return 0


def cmd_load_kbart(args, settings) -> int:
    return _load_file(settings, args.json, lambda kb: kb.load_kbart(args.file, args.package))


def cmd_subscribe(args, settings) -> int:
    kb, _ = _kb(settings)
    try:
        result = kb.subscribe(args.library, args.package, start=args.start, until=args.until)
    finally:
        kb.close()
    print(f"{result['library']} subscribes to {result['package']} from {result['from'] or 'the start'} "
          f"until {result['until'] or 'further notice'}")
    _refresh_scopes(settings)
    return 0


def cmd_unsubscribe(args, settings) -> int:
    kb, _ = _kb(settings)
    try:
        kb.unsubscribe(args.library, args.package)
    finally:
        kb.close()
    print(f"{args.library} no longer subscribes to {args.package}")
    _refresh_scopes(settings)
    return 0


def cmd_holdings_load(args, settings) -> int:
    return _load_file(settings, args.json, lambda kb: kb.load_holdings(args.file, args.library))


def cmd_holdings_from_catalog(args, settings) -> int:
    kb, _ = _kb(settings)
    try:
        if not settings.record_store.exists():
            print(f"yidu: error: no record store at {settings.record_store}: load a catalogue first", file=sys.stderr)
            return 1
        report = kb.holdings_from_catalog(settings.record_store)
    finally:
        kb.close()
    _print_report(report, args.json)
    _refresh_scopes(settings)
    return 0


def cmd_status(args, settings) -> int:
    kb, _ = _kb(settings)
    try:
        status = kb.status(with_index=args.index)
    finally:
        kb.close()
    if args.json:
        sys.stdout.write(orjson.dumps(status, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    print(f"knowledge base {status['path']}")
    for key in ("packages", "titles", "subscriptions", "subscribing_libraries", "print_holdings",
                "holding_libraries", "tokens"):
        print(f"  {key:22} {status[key]}")
    for p in status["package_list"]:
        print(f"  package {p['name']}: {p['loaded']} ranges ({p['rejected']} rows rejected, {p['warnings']} warnings), "
              f"{p['subscribers']} subscribers, from {p['source']}")
    if "index" in status:
        print("  index " + ", ".join(f"{k}={v}" for k, v in status["index"].items()))
    return 0


def cmd_token_create(args, settings) -> int:
    if args.admin == bool(args.library):
        print("yidu: error: give a LIBRARY or --admin (not both)", file=sys.stderr)
        return 2
    kb, _ = _kb(settings)
    try:
        token = kb.create_token(None if args.admin else args.library, label=args.label)
    finally:
        kb.close()
    print(token)
    print(f"(a {'admin' if args.admin else args.library} token; it is shown only now, store it safely)", file=sys.stderr)
    return 0


def cmd_token_revoke(args, settings) -> int:
    if args.admin == bool(args.library):
        print("yidu: error: give a LIBRARY or --admin (not both)", file=sys.stderr)
        return 2
    kb, _ = _kb(settings)
    try:
        count = kb.store.revoke_tokens(None if args.admin else args.library)
    finally:
        kb.close()
    print(f"revoked {count} token{'s' if count != 1 else ''}")
    return 0


def cmd_resolve(args, settings) -> int:
    from linkresolver.wiring import resolver_for
    from linkresolver.openurl import parse_query

    services = Services(settings, progress=False)
    citation = parse_query(args.query)
    result = resolver_for(services).resolve(citation, args.library.upper() if args.library else None,
                                                     debug=args.debug)
    data = result.to_dict()
    if args.json:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    print(f"{data['citation']['title'] or '(untitled)'} - for {data['library'].get('code') or 'an unknown library'} "
          f"on {data['date']}")
    for option in data["options"]:
        print(f"  {option['type']:9} {option['reason']}")
        if option.get("link"):
            print(f"            {option['link']}")
        for s in option.get("suppliers") or []:
            print(f"            - {s['code']} {s['name']}: {s['holds']}; pays {s['cost']['reader_pays']} yuan")
    for e in (data.get("debug") or {}).get("excluded", []):
        print(f"  excluded {e['type']}: {e['reason']}")
    return 0


def _refresh_scopes(settings) -> None:
    """Articles are scoped through the journals libraries can reach: holdings changed, so do the scopes."""
    from indexer.journal_scopes import refresh

    refresh(settings)
