"""`yidu search "QUERY"`: the search the API serves, from the command line."""
from __future__ import annotations

import sys

import orjson

from query.request import SCOPE_LEVELS, SearchRequest
from yidu.services import Services


def register(subparsers) -> None:
    p = subparsers.add_parser("search", help="search the union catalogue with scope counts")
    p.add_argument("q", metavar="QUERY")
    p.add_argument("--library", metavar="CODE", help="the reader's library")
    p.add_argument("--scope", choices=SCOPE_LEVELS)
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--json", action="store_true", help="print the API's JSON response")
    p.set_defaults(func=cmd_search)


def cmd_search(args, settings) -> int:
    request = SearchRequest(q=args.q, library=args.library, scope=args.scope, page=args.page, size=args.size)
    services = Services(settings, progress=False)
    try:
        result = services.searcher().search(request)
    finally:
        services.close()
    if args.json:
        sys.stdout.write(orjson.dumps(result).decode() + "\n")
        return 0
    counts = "  ".join(f"{level} {n}" for level, n in result["scopes"].items())
    print(f"{result['total']} hits in scope {result['scope']}   [{counts}]")
    for i, hit in enumerate(result["hits"], (args.page - 1) * args.size + 1):
        authors = "; ".join(hit["authors"][:3])
        libs = ",".join(h["library"] for h in hit["holdings"][:8])
        print(f"{i:3}. {hit['title']}" + (f" : {hit['subtitle']}" if hit.get("subtitle") else "")
              + f" / {authors} ({hit.get('year') or '?'})  [{hit['type']}]  held by {libs}")
    return 0
