"""`yidu search "QUERY"`: the search the API serves, from the command line."""
from __future__ import annotations

import sys

import orjson

from query.errors import QueryError
from query.request import COLLECTIONS, FACETS, SCOPE_LEVELS, SORTS, SearchRequest
from query.search import Searcher
from yidu.services import Services


def register(subparsers) -> None:
    p = subparsers.add_parser("search", help="search the catalogue, articles and theses with scope counts")
    p.add_argument("q", metavar="QUERY", help='words, "phrases", title: author: isbn: year:2001-2005, AND OR NOT')
    p.add_argument("--library", metavar="CODE", help="the reader's library")
    p.add_argument("--scope", choices=SCOPE_LEVELS)
    p.add_argument("--sort", choices=SORTS, default="relevance")
    p.add_argument("--filter", action="append", default=[], metavar="FACET=VALUE",
                   help=f"select a facet value (repeatable; facets: {', '.join(FACETS)})")
    p.add_argument("--collection", action="append", choices=COLLECTIONS, help="only these collections")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--facets", action="store_true", help="print the facet counts too")
    p.add_argument("--json", action="store_true", help="print the API's JSON response")
    p.set_defaults(func=cmd_search)


def _filters(pairs: list[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not value:
            raise QueryError(f"--filter expects FACET=VALUE, got {pair!r}")
        out.setdefault(name.strip(), []).append(value.strip())
    return {k: tuple(v) for k, v in out.items()}


def cmd_search(args, settings) -> int:
    request = SearchRequest(q=args.q, library=args.library, scope=args.scope, page=args.page, size=args.size,
                            sort=args.sort, filters=_filters(args.filter),
                            collections=tuple(args.collection) if args.collection else None)
    services = Services(settings, progress=False)
    try:
        result = Searcher(services.client, services.registry, settings.index).search(request)
    finally:
        services.close()
    if args.json:
        sys.stdout.write(orjson.dumps(result).decode() + "\n")
        return 0
    counts = "  ".join(f"{level} {n}" for level, n in result["scopes"].items())
    widened = f" (nothing in {result['widened_from']}: widened)" if result.get("widened_from") else ""
    print(f"{result['total']} hits in scope {result['scope']}{widened}   [{counts}]")
    for warning in result["query_echo"]["warnings"]:
        print(f"  note: {warning}; read as {result['query_echo']['parsed']}")
    if result.get("did_you_mean"):
        print(f"  did you mean: {result['did_you_mean']}")
    for i, hit in enumerate(result["hits"], (args.page - 1) * args.size + 1):
        authors = "; ".join(hit["authors"][:3])
        libs = ",".join(h["library"] for h in hit["holdings"][:8])
        print(f"{i:3}. {hit['title']}" + (f" : {hit['subtitle']}" if hit.get("subtitle") else "")
              + f" / {authors} ({hit.get('year') or '?'})  [{hit['type']}]" + (f"  held by {libs}" if libs else ""))
    if args.facets:
        for name, buckets in result["facets"].items():
            print(f"  {name}: " + ", ".join(f"{b['label']} {b['count']}" for b in buckets[:8]))
    return 0
