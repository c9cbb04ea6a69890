"""`yidu es install | start [--nodes N] | status [--json] | stop`: the embedded Elasticsearch node."""
from __future__ import annotations

import argparse
import json
from typing import Any

from yidu.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("es", help="manage the embedded Elasticsearch node")
    leaves = group.add_subparsers(dest="es_command", metavar="ACTION")
    group.set_defaults(func=lambda args, settings: group.print_help() or 2)

    install = leaves.add_parser("install", help="fetch Elasticsearch and check the JDK (no-op when done)")
    install.set_defaults(func=_install)

    start = leaves.add_parser("start", help="start the node(s) unless running; wait for a healthy cluster")
    start.add_argument("--nodes", type=int, default=None,
                       help="number of nodes on consecutive ports (default: YIDU_ES_NODES or 1)")
    start.add_argument("--timeout", type=float, default=180, help="seconds to wait for health (default 180)")
    start.set_defaults(func=_start)

    status = leaves.add_parser("status", help="show the node(s) and cluster health; exit 1 when not running")
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.set_defaults(func=_status)

    stop = leaves.add_parser("stop", help="stop every node started from this state dir")
    stop.add_argument("--timeout", type=float, default=60, help="seconds before SIGKILL (default 60)")
    stop.set_defaults(func=_stop)


def _node(settings: Settings):
    from yidu.esnode import EsNode  # lazily: keeps `yidu --help` fast

    return EsNode(settings)


def _install(args: argparse.Namespace, settings: Settings) -> int:
    dist = _node(settings).install()
    print(dist)
    return 0


def _start(args: argparse.Namespace, settings: Settings) -> int:
    node = _node(settings)
    node.start(nodes=args.nodes, timeout=args.timeout)
    print(node.status()["url"])
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    status = _node(settings).status()
    print(json.dumps(status, indent=2, ensure_ascii=False) if args.json else _human(status))
    return 0 if status["running"] else 1


def _stop(args: argparse.Namespace, settings: Settings) -> int:
    _node(settings).stop(timeout=args.timeout)
    return 0


def _human(status: dict[str, Any]) -> str:
    state = "running" if status["running"] else "not running"
    lines = [f"Elasticsearch {status.get('version') or '?'} at {status['url']}: {state}"]
    for node in status["nodes"]:
        alive = "up" if node["alive"] else "down"
        extra = f" (port taken by {node['port_taken_by']})" if node.get("port_taken_by") else ""
        lines.append(f"  {node['name']}: {alive}, pid {node['pid'] or '-'}, port {node['http_port']}{extra}")
    health = status.get("health")
    if health:
        lines.append(f"  health: {health.get('status')}, {health.get('number_of_nodes')} node(s), "
                     f"{health.get('active_shards')} active shard(s), {health.get('unassigned_shards')} unassigned")
    if status.get("error"):
        lines.append(f"  error: {status['error']}")
    return "\n".join(lines)
