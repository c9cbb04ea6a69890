"""`yidu libraries`: install and inspect the registry of member libraries."""
from __future__ import annotations

import argparse
import json
import sys
import unicodedata

from yidu.libraries import RegistryError, active_path, active_registry, install_registry


def register(subparsers) -> None:
    group = subparsers.add_parser("libraries", help="the registry of member libraries")
    group.set_defaults(func=_help(group))
    sub = group.add_subparsers(dest="libraries_command", metavar="ACTION")

    load = sub.add_parser("load", help="validate a registry CSV and make it the active registry")
    load.add_argument("file", metavar="FILE", help="CSV with the columns of yidu/data/libraries.csv")
    load.set_defaults(func=cmd_load)

    lst = sub.add_parser("list", help="list the libraries of the active registry")
    lst.add_argument("--json", action="store_true", help="print a JSON array, one object per library")
    lst.set_defaults(func=cmd_list)


def _help(parser: argparse.ArgumentParser):
    def show(args, settings) -> int:
        parser.print_help()
        return 2
    return show


def cmd_load(args, settings) -> int:
    try:
        registry = install_registry(settings, args.file)
    except RegistryError as exc:
        if exc.problems:
            print(f"yidu: error: {args.file}: {len(exc.problems)} problem"
                  f"{'s' if len(exc.problems) != 1 else ''}; the active registry is unchanged", file=sys.stderr)
            for problem in exc.problems:
                print(problem, file=sys.stderr)
        else:
            print(f"yidu: error: {exc}; the active registry is unchanged", file=sys.stderr)
        return 1
    print(f"loaded {registry.summary()}")
    if settings.libraries_file is not None:
        print(f"note: YIDU_LIBRARIES={settings.libraries_file} is set and takes precedence over the loaded "
              f"registry", file=sys.stderr)
    return 0


def cmd_list(args, settings) -> int:
    registry = active_registry(settings)
    if args.json:
        json.dump(registry.to_rows(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    header = ("code", "name", "city", "province", "region", "domains")
    rows = [header]
    for lib in registry:
        province = registry.provinces.get(lib.province)
        rows.append((lib.code, lib.name, lib.city, province.name if province else lib.province, lib.region,
                     ";".join(lib.domains)))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [_pad(cell, widths[i]) for i, cell in enumerate(row)]
        print("  ".join(cells).rstrip())
    print(f"-- {registry.summary()} (from {active_path(settings)})")
    return 0


def _width(text: str) -> int:
    """Display width: CJK (wide/fullwidth) characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
