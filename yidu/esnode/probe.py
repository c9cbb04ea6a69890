"""Asking a local port what answers there, over plain HTTP with short timeouts.

The Python client retries and waits; these probes must say "nothing", "our node" or "something
else" within a couple of seconds. `GET /` is not served by this build (405), so identity comes from
`/_nodes/_local`, which answers even before a cluster has elected a master.
"""
from __future__ import annotations

import enum
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

HOST = "127.0.0.1"


class PortState(enum.Enum):
    FREE = "free"
    OURS = "ours"
    FOREIGN = "foreign"


@dataclass(frozen=True)
class Probe:
    state: PortState
    detail: str = ""  # for FOREIGN: what answered
    pid: int | None = None  # for OURS: the node's process id


def get_json(port: int, path: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=timeout) as resp:
        return json.loads(resp.read())


def probe(port: int, cluster_name: str, node_name: str, timeout: float = 2.0) -> Probe:
    path = "/_nodes/_local?filter_path=cluster_name,nodes.*.name,nodes.*.process.id"
    try:
        body = get_json(port, path, timeout)
    except urllib.error.HTTPError as exc:
        return Probe(PortState.FOREIGN, f"an HTTP server answering {exc.code}")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ConnectionRefusedError):
            return Probe(PortState.FREE)
        return Probe(PortState.FOREIGN, f"a listener that does not answer as Elasticsearch ({reason})")
    except ValueError:
        return Probe(PortState.FOREIGN, "an HTTP server that is not Elasticsearch")
    return _identify(body, cluster_name, node_name)


def _identify(body: Any, cluster_name: str, node_name: str) -> Probe:
    if not isinstance(body, dict) or "cluster_name" not in body:
        return Probe(PortState.FOREIGN, "an HTTP server that is not Elasticsearch")
    nodes = list((body.get("nodes") or {}).values())
    name = nodes[0].get("name") if nodes else None
    if body["cluster_name"] != cluster_name or name != node_name:
        return Probe(PortState.FOREIGN, f"Elasticsearch node {name!r} of cluster {body['cluster_name']!r}")
    pid = (nodes[0].get("process") or {}).get("id")
    return Probe(PortState.OURS, pid=pid)


def health(port: int, timeout: float = 3.0) -> dict | None:
    """Cluster health as seen from the node on `port`, or None while it has no answer."""
    # master_timeout keeps a cluster that is still electing from holding the request for 30 s.
    path = f"/_cluster/health?master_timeout={int(timeout)}s"
    try:
        return get_json(port, path, timeout + 1)
    except (OSError, ValueError):
        return None


def listening(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False
