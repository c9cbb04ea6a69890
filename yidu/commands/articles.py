"""`yidu articles load | issnl | scopes rebuild`: foreign-journal articles, the ISSN-L table, journal scopes.

    yidu articles load PATH... [--format auto|crossref|jats|pubmed|medline|doaj|csv|nlm-serials] [--json]
    yidu articles issnl FILE [--json]          the ISSN Centre's ISSN-to-ISSN-L table (TSV: ISSN<TAB>ISSN-L)
    yidu articles scopes rebuild [--json]      journal holdings per reader scope, from the providers

A load ends with a journal-scope rebuild (new journals get their holders); `--no-scopes` skips it.
"""
from __future__ import annotations

import argparse
import sys

import orjson

from harvesters.feeds import FORMATS
from indexer.articles import ArticleLoader
from indexer.issnl import IssnLTable
from indexer.journal_scopes import print_report, rebuild_journal_scopes
from yidu.services import Services


def register(subparsers) -> None:
    group = subparsers.add_parser("articles", help="journal articles: load feeds, the ISSN-L table, journal scopes")
    group.set_defaults(func=_help(group))
    sub = group.add_subparsers(dest="articles_command", metavar="ACTION")

    load = sub.add_parser("load", help="load article feed files or folders (Crossref JSON, JATS, PubMed XML, "
                                       "MEDLINE, DOAJ, CSV/TSV tables of contents; gzip)")
    load.add_argument("paths", nargs="+", metavar="PATH")
    load.add_argument("--format", default="auto", choices=("auto", *FORMATS), dest="fmt")
    load.add_argument("--no-scopes", action="store_true", help="do not rebuild the journal scopes afterwards")
    load.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    load.set_defaults(func=cmd_load)

    issnl = sub.add_parser("issnl", help="load the ISSN International Centre's ISSN-to-ISSN-L table")
    issnl.add_argument("file", metavar="FILE", help="TSV with the header ISSN<TAB>ISSN-L")
    issnl.add_argument("--json", action="store_true")
    issnl.set_defaults(func=cmd_issnl)

    scopes = sub.add_parser("scopes", help="the journal holdings of every reader scope")
    scopes.set_defaults(func=_help(scopes))
    scopes_sub = scopes.add_subparsers(dest="scopes_command", metavar="ACTION")
    rebuild = scopes_sub.add_parser("rebuild", help="recompute the journal_scopes index and journal holders")
    rebuild.add_argument("--json", action="store_true")
    rebuild.set_defaults(func=cmd_rebuild)


def _help(parser: argparse.ArgumentParser):
    def show(args, settings) -> int:
        parser.print_help()
        return 2
    return show


def _emit(data: dict) -> None:
    sys.stdout.write(orjson.dumps(data).decode() + "\n")


def cmd_load(args, settings) -> int:
    services = Services(settings, progress=not args.json and sys.stderr.isatty())
    loader = ArticleLoader(settings, services.client, progress=services.progress)
    try:
        summary = loader.load(args.paths, args.fmt)
    finally:
        loader.close()
    try:
        if not args.no_scopes:
            summary.scopes = rebuild_journal_scopes(services).as_dict()
    finally:
        services.close()
    if args.json:
        _emit(summary.as_dict())
    else:
        d = summary.as_dict()
        print(f"read {d['read']}: indexed {d['indexed']}, merged {d['merged']}, journal records {d['journals']}, "
              f"skipped {d['skipped']}, rejected {d['rejected']} ({d['articles_written']} article and "
              f"{d['journals_written']} journal documents written, {d['seconds']} s)")
        for reason, n in d["skipped_reasons"].items():
            print(f"  skipped {n}: {reason}")
        for line in d["skipped_files"]:
            print(f"  skipped file: {line}")
        if d["dead_letter"]:
            print(f"rejected records and reasons: {d['dead_letter']}")
        if summary.scopes:
            s = summary.scopes
            print(f"journal scopes: {s['written']} written, {s['unchanged']} unchanged; journals: "
                  f"{s['journals_updated']} updated, {s['journals_created']} created ({s['seconds']} s)")
    for problem in summary.unreadable_files:
        print(f"yidu: error: {problem}", file=sys.stderr)
    return 1 if summary.unreadable_files else 0


def cmd_issnl(args, settings) -> int:
    table = IssnLTable(settings.state_dir / "issnl.sqlite")
    try:
        result = table.load_centre(args.file)
    finally:
        table.close()
    relinked = {"articles": 0, "journals": 0}
    services = Services(settings, progress=False)
    try:
        if result.relinked:
            loader = ArticleLoader(settings, services.client)
            try:
                relinked = loader.relink(result.relinked)
            finally:
                loader.close()
            rebuild_journal_scopes(services)
    finally:
        services.close()
    data = {"rows": result.rows, "bad_lines": len(result.bad_lines), "corrected_issn_l": len(result.relinked),
            "relinked": relinked, "seconds": result.seconds}
    if args.json:
        _emit({**data, "first_bad_lines": result.bad_lines[:20]})
    else:
        print(f"ISSN-L table: {result.rows} ISSNs loaded ({result.seconds} s); {len(result.relinked)} learned ISSN-Ls "
              f"corrected: {relinked['articles']} articles and {relinked['journals']} journals moved")
        for line in result.bad_lines[:20]:
            print(f"  skipped {line}", file=sys.stderr)
        if len(result.bad_lines) > 20:
            print(f"  ... {len(result.bad_lines) - 20} more bad lines", file=sys.stderr)
    return 0


def cmd_rebuild(args, settings) -> int:
    services = Services(settings, progress=False)
    try:
        report = rebuild_journal_scopes(services)
    finally:
        services.close()
    if args.json:
        _emit(report.as_dict())
    else:
        print_report(report)
    return 0
