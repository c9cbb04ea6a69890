"""`yidu bench NAME`: the benchmarks. Each module in benchmarks/ with a `register_bench(subparsers)`
adds its own subcommand, so a new benchmark is a new module there."""
from __future__ import annotations

import importlib
import pkgutil

import benchmarks


def register(subparsers) -> None:
    bench = subparsers.add_parser("bench", help="run a benchmark (prints JSON with --json, draws a PNG chart)")
    sub = bench.add_subparsers(dest="bench", metavar="NAME")
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"benchmarks.{info.name}")
        if hasattr(module, "register_bench"):
            module.register_bench(sub)
