"""Benchmarks: each prints JSON and draws a PNG chart, comparing ratios measured in one run.

Modules with a `register_bench(subparsers)` function become `yidu bench <name>` subcommands.
"""
