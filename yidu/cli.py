"""The `yidu` command.

Each module in `yidu/commands/` owns one command group and exposes `register(subparsers)`; it sets
`func(args, settings)` on its parsers. Adding a command is adding a module there.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from elastic_transport import TransportError as ConnectionProblem
from elasticsearch import ApiError

from yidu import commands
from yidu.config import Settings
from yidu.errors import YiduError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yidu", description="yidu discovery service")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env()
        return int(func(args, settings) or 0)
    except YiduError as exc:
        print(f"yidu: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except (ApiError, ConnectionProblem) as exc:  # the cluster is down or refused the request: say so, without a traceback
        print(f"yidu: error: Elasticsearch: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `yidu search ... | head`: the reader has seen enough
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("yidu: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
