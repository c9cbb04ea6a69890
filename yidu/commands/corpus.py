"""`yidu corpus`: generate realistic union-catalogue corpora (demo data, benchmark inputs)."""
from __future__ import annotations

import argparse
import json
import sys

from yidu.corpus.generate import DEFAULT_LIBRARIES, CorpusError, CorpusSpec, write_corpus_stats


def register(subparsers) -> None:
    group = subparsers.add_parser("corpus", help="generate catalogue corpora (CNMARC + MARC 21, ISO 2709)")
    group.set_defaults(func=_help(group))
    sub = group.add_subparsers(dest="corpus_command", metavar="ACTION")

    gen = sub.add_parser(
        "generate", help="write one ISO 2709 file per library and format, print a JSON summary",
        description="Generate N source records (library x edition) of Chinese and Western books with "
                    "holdings, duplicated across libraries, as DIR/{LIBRARY}.{cnmarc|marc21}.mrc.")
    gen.add_argument("--records", type=int, required=True, metavar="N", help="number of source records")
    gen.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    gen.add_argument("--seed", type=int, default=1, help="corpus seed (default 1); same seed, same bytes")
    gen.add_argument("--libraries", metavar="CODE,CODE...",
                     help="holding libraries (default: the active library registry, else a fixed list of 12)")
    gen.add_argument("--broken-rate", type=float, default=0.0, metavar="R",
                     help="fraction of records deliberately corrupted (default 0)")
    gen.add_argument("--deleted-rate", type=float, default=0.0, metavar="R",
                     help="fraction of records re-emitted later as deletions, leader/05 = d (default 0)")
    gen.add_argument("--spool-dir", metavar="DIR", help="where to spool records while generating (default: temp)")
    gen.set_defaults(func=cmd_generate)


def _help(parser: argparse.ArgumentParser):
    def show(args, settings) -> int:
        parser.print_help()
        return 2
    return show


def default_libraries(settings) -> tuple[str, ...]:
    """The codes of the active library registry, or the fixed list when there is none."""
    try:
        from yidu.libraries import active_registry
    except ImportError:  # the registry module is optional for the generator
        return DEFAULT_LIBRARIES
    try:
        codes = active_registry(settings).codes
    except Exception as exc:  # a broken registry should not stop corpus generation
        print(f"yidu: warning: cannot read the library registry ({exc}); using the default list", file=sys.stderr)
        return DEFAULT_LIBRARIES
    return tuple(codes) or DEFAULT_LIBRARIES


def cmd_generate(args, settings) -> int:
    if args.libraries:
        libraries = tuple(c.strip() for c in args.libraries.split(",") if c.strip())
    else:
        libraries = default_libraries(settings)
    try:
        spec = CorpusSpec(records=args.records, libraries=libraries, seed=args.seed, broken_rate=args.broken_rate,
                          deleted_rate=args.deleted_rate)
    except ValueError as exc:
        raise CorpusError(str(exc)) from None
    try:
        stats = write_corpus_stats(spec, args.out, spool_dir=args.spool_dir)
    except OSError as exc:
        raise CorpusError(f"cannot write the corpus: {exc}", ref=args.out) from None
    summary = {
        "records": stats.records,
        "deleted": stats.deleted,
        "broken": stats.broken,
        "editions": stats.editions,
        "libraries": len(spec.libraries),
        "seed": spec.seed,
        "files": stats.files,
        "bytes": stats.bytes,
        "seconds": round(stats.seconds, 3),
        "records_per_second": round(stats.records_per_second),
        "by_format": stats.by_format,
    }
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
