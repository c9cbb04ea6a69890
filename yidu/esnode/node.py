"""`EsNode`: install, start, watch and stop the Elasticsearch node(s) the project runs itself."""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

from yidu.config import Settings
from yidu.errors import EsNodeError
from yidu.esnode import distribution, layout, probe, process
from yidu.esnode.layout import Cluster, NodePaths
from yidu.esnode.probe import PortState

REMOTE_REFUSAL = "ES_URL points at an existing cluster; the project does not manage it"
HEALTHY = ("yellow", "green")
PROGRESS_EVERY = 10.0  # seconds between "still waiting" lines


def _stderr(message: str) -> None:
    print(f"yidu es: {message}", file=sys.stderr, flush=True)


class EsNode:
    """The embedded node(s) for one state dir.

    `dist_dir` (optional) is where distributions are unpacked, `<dir>/elasticsearch-<version>`;
    by default the node home. Tests pass one shared directory so that each test's fresh state dir
    does not unpack 100 MB again; the download itself is cached by Maven's local repository.
    `log` receives progress lines (default: stderr).
    """

    def __init__(self, settings: Settings, *, dist_dir: Path | None = None,
                 log: Callable[[str], None] | None = None):
        self.settings = settings
        self.es = settings.es
        self._dist_dir = Path(dist_dir).absolute() if dist_dir else None
        self._log = log or _stderr

    # -- places ------------------------------------------------------------------------------

    @property
    def home(self) -> Path:
        """Where the node files are (settings.es_home, or the fallback it points to)."""
        return layout.current_home(self.settings.es_home)

    def _user(self) -> str | None:
        return self.es.user if layout.running_as_root() else None

    def _cluster(self, home: Path, nodes: int) -> Cluster:
        return Cluster(home=home, name=layout.cluster_name(self.settings.state_dir, nodes), nodes=nodes,
                       http_port=self.es.http_port, transport_port=self.es.transport_port, version=self.es.version)

    def _current_cluster(self) -> Cluster:
        """The topology last started here, else the configured one."""
        home = self.home
        return Cluster.read_active(home) or self._cluster(home, self.es.nodes)

    def _require_embedded(self) -> None:
        if not self.es.embedded:
            raise EsNodeError(REMOTE_REFUSAL)

    def _prepare_home(self) -> Path:
        user = self._user()
        if user is not None:
            layout.ensure_user(user)
        had_pointer = (self.settings.es_home / layout.POINTER).exists()
        home, fallback = layout.prepare_home(self.settings.es_home, self.settings.state_dir, user)
        if fallback and not had_pointer:
            self._log(f"{self.settings.es_home} is not reachable by {user!r}; node files live in {home}")
        return home

    # -- install -----------------------------------------------------------------------------

    def install(self) -> Path:
        """Fetch and unpack the distribution and check it runs on our JDK; return its directory."""
        self._require_embedded()
        return self._install(self._prepare_home())

    def _install(self, home: Path) -> Path:
        dist_dir = self._dist_dir or home
        dist_home = dist_dir / distribution.dist_name(self.es.version)
        if distribution.is_installed(dist_home):
            return dist_home
        user = self._user()
        if user is not None and self._dist_dir is not None:
            layout.make_dir(self._dist_dir)
            if not layout.user_can_reach(user, self._dist_dir):
                raise EsNodeError(f"the distribution directory {self._dist_dir} is not reachable by {user!r}")
        started = time.monotonic()
        distribution.ensure(dist_dir, self.es.version, self._log)
        self._log(f"Elasticsearch {self.es.version} installed in {dist_home} ({time.monotonic() - started:.0f}s)")
        return dist_home

    def _lock(self, timeout: float, doing: str):
        return layout.exclusive(self.settings.es_home.absolute() / ".lock", timeout, doing)

    # -- start -------------------------------------------------------------------------------

    def start(self, nodes: int | None = None, timeout: float = 180) -> None:
        """Start the node(s) unless they already run; return once the cluster is yellow or green.

        `nodes=None` means settings.es.nodes, unless a cluster started here (say by
        `yidu es start --nodes 3`) is running: then that one is accepted as it is.
        """
        self._require_embedded()
        if nodes is not None and nodes < 1:
            raise EsNodeError(f"the number of nodes must be at least 1, got {nodes}")
        deadline = time.monotonic() + timeout
        home = self._prepare_home()
        with self._lock(timeout, "starting or stopping Elasticsearch for this state dir"):
            cluster = self._wanted_cluster(home, nodes)
            self._refuse_other_topology(cluster)
            missing = self._nodes_to_start(cluster)
            if missing:
                self._start_nodes(home, cluster, missing, deadline)
            else:
                self.wait_healthy(max(1.0, deadline - time.monotonic()), cluster=cluster)

    def _start_nodes(self, home: Path, cluster: Cluster, nodes: list[NodePaths], deadline: float) -> None:
        started = time.monotonic()
        dist_home = self._install(home)
        self._check_transport_ports(nodes)
        fresh = cluster.is_fresh()
        for node in nodes:
            self._prepare_node(cluster, node, dist_home, fresh)
        java = self._java_home(home)
        self._log(f"starting {len(nodes)} node(s) of Elasticsearch {cluster.version} (heap {self.es.heap} each)...")
        # All at once: a node of a multi-node cluster only reports "started" once it has found the others.
        launchers = {node: process.launch(node, dist_home, self._env(node, java), self._user()) for node in nodes}
        try:
            self._wait_launchers(cluster, launchers, deadline)
            cluster.write_active()
            self.wait_healthy(max(1.0, deadline - time.monotonic()), cluster=cluster)
        except BaseException:
            self._abort(launchers)  # a failed (or interrupted) start leaves no process behind
            raise
        cluster.bootstrapped_marker.touch()
        self._log(f"Elasticsearch {cluster.version} is up: {cluster.nodes} node(s), "
                  f"http://127.0.0.1:{cluster.http_port} ({time.monotonic() - started:.0f}s)")

    def _abort(self, launchers: dict[NodePaths, Any]) -> None:
        for launcher in launchers.values():
            if launcher.poll() is None:
                launcher.kill()
                launcher.wait()
        for node in launchers:
            process.terminate(process.our_processes(node.dir), 20)

    def _wanted_cluster(self, home: Path, nodes: int | None) -> Cluster:
        active = Cluster.read_active(home)
        if nodes is None and active is not None and active.http_port == self.es.http_port \
                and active.version == self.es.version and self._all_ours(active):
            return active
        return self._cluster(home, self.es.nodes if nodes is None else nodes)

    def _all_ours(self, cluster: Cluster) -> bool:
        return all(self._probe(cluster, node).state is PortState.OURS for node in cluster.all_nodes())

    def _refuse_other_topology(self, wanted: Cluster) -> None:
        active = Cluster.read_active(wanted.home)
        if active is None or active == wanted:
            return
        if any(self._probe(active, node).state is PortState.OURS for node in active.all_nodes()):
            raise EsNodeError(
                f"this state dir already runs {active.nodes} Elasticsearch {active.version} node(s) on port "
                f"{active.http_port}; run `yidu es stop` before starting {wanted.nodes} node(s) on port "
                f"{wanted.http_port}")

    def _probe(self, cluster: Cluster, node: NodePaths) -> probe.Probe:
        return probe.probe(node.http_port, cluster.name, node.name)

    def _nodes_to_start(self, cluster: Cluster) -> list[NodePaths]:
        missing = []
        for node in cluster.all_nodes():
            found = self._probe(cluster, node)
            if found.state is PortState.FOREIGN:
                raise EsNodeError(
                    f"port {node.http_port} is in use by {found.detail}, not by this project's node {node.name}; "
                    f"stop that or choose other ports with YIDU_ES_PORT (node i uses YIDU_ES_PORT+i)")
            if found.state is PortState.FREE:
                missing.append(node)
        return missing

    def _check_transport_ports(self, nodes: list[NodePaths]) -> None:
        for node in nodes:
            if probe.listening(node.transport_port):
                raise EsNodeError(
                    f"transport port {node.transport_port} (for {node.name}) is already in use; stop what holds "
                    f"it or choose other ports with YIDU_ES_TRANSPORT_PORT (node i uses YIDU_ES_TRANSPORT_PORT+i)")

    def _wait_launchers(self, cluster: Cluster, launchers: dict, deadline: float) -> None:
        started, last_report = time.monotonic(), time.monotonic()
        while True:
            codes = {node: launcher.poll() for node, launcher in launchers.items()}
            for node, code in codes.items():
                if code not in (None, 0):
                    raise EsNodeError(f"Elasticsearch node {node.name} failed to start (exit code {code})."
                                      + self._log_tails(cluster, node))
            if all(code == 0 for code in codes.values()):
                return
            now = time.monotonic()
            if now > deadline:
                waiting = [node for node, code in codes.items() if code is None]
                raise EsNodeError(f"Elasticsearch node {waiting[0].name} did not start in time."
                                  + self._log_tails(cluster, waiting[0]))
            if now - last_report >= PROGRESS_EVERY:
                self._log(f"still starting ({now - started:.0f}s)...")
                last_report = now
            time.sleep(0.5)

    def _prepare_node(self, cluster: Cluster, node: NodePaths, dist_home: Path, fresh: bool) -> None:
        shutil.rmtree(node.tmp, ignore_errors=True)  # scratch of the previous run
        for path in (node.dir, node.conf, node.data, node.logs, node.run, node.tmp):
            layout.make_dir(path)
        shutil.copytree(dist_home / "config", node.conf, dirs_exist_ok=True)
        (node.conf / "jvm.options").write_text(jvm_options((dist_home / "config" / "jvm.options").read_text()))
        (node.conf / "elasticsearch.yml").write_text(node_config(cluster, node, fresh))
        node.pid_file.unlink(missing_ok=True)
        node.launcher_log.unlink(missing_ok=True)
        user = self._user()
        if user is not None:
            layout.chown_tree(node.conf, user)  # small, and just rewritten by us
            for path in (node.data, node.logs, node.run, node.tmp):
                if not layout.owned_by(path, user):
                    layout.chown_tree(path, user)

    def _java_home(self, home: Path) -> Path:
        java = distribution.java_home()
        user = self._user()
        if user is None or layout.user_can_reach(user, java / "bin" / "java"):
            return java
        return distribution.copied_jdk(home, self._log)  # e.g. a virtualenv inside a mode-700 home

    def _env(self, node: NodePaths, java_home: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update(ES_PATH_CONF=str(node.conf), ES_JAVA_HOME=str(java_home), ES_TMPDIR=str(node.tmp),
                   # Fixed heap: by default each node takes half the machine's memory.
                   ES_JAVA_OPTS=f"-Xms{self.es.heap} -Xmx{self.es.heap}")
        return env

    def _log_tails(self, cluster: Cluster, node: NodePaths, lines: int = 30) -> str:
        parts = []
        for path in (node.launcher_log, cluster.log_file(node)):
            text = process.tail(path, lines)
            if text.strip():
                parts.append(f"\n--- last lines of {path} ---\n{text}")
        return "".join(parts) or f"\n(no output in {node.launcher_log} or {node.logs})"

    # -- health and status -------------------------------------------------------------------

    def wait_healthy(self, timeout: float, *, cluster: Cluster | None = None) -> dict:
        """Wait until cluster health is yellow or green with the expected number of nodes."""
        if not self.es.embedded:
            return self._wait_remote_healthy(timeout)
        cluster = cluster or self._current_cluster()
        deadline = time.monotonic() + timeout
        started = last_report = time.monotonic()
        while True:
            health = self._local_health(cluster)
            if health and health.get("status") in HEALTHY and health.get("number_of_nodes") == cluster.nodes:
                return health
            self._raise_if_dead(cluster)
            now = time.monotonic()
            if now > deadline:
                raise EsNodeError(f"Elasticsearch did not become healthy with {cluster.nodes} node(s) within "
                                  f"{timeout:.0f}s; last health: {_brief(health)}"
                                  + self._log_tails(cluster, cluster.node(0)))
            if now - last_report >= PROGRESS_EVERY:
                self._log(f"waiting for cluster health ({now - started:.0f}s, {_brief(health)})...")
                last_report = now
            time.sleep(0.5)

    def _local_health(self, cluster: Cluster) -> dict | None:
        for node in cluster.all_nodes():
            health = probe.health(node.http_port)
            if health is not None and health.get("cluster_name") == cluster.name:
                return health
        return None

    def _raise_if_dead(self, cluster: Cluster) -> None:
        for node in cluster.all_nodes():
            pid = node.read_pid()
            if pid is not None and not process.pid_alive(pid) and not probe.listening(node.http_port):
                raise EsNodeError(f"Elasticsearch node {node.name} (pid {pid}) exited."
                                  + self._log_tails(cluster, node))

    def is_running(self) -> bool:
        if not self.es.embedded:
            return self._remote_health() is not None
        return self._all_ours(self._current_cluster())

    def status(self) -> dict[str, Any]:
        if not self.es.embedded:
            return self._remote_status()
        cluster = self._current_cluster()
        nodes = [self._node_status(cluster, node) for node in cluster.all_nodes()]
        alive = [n for n in nodes if n["alive"]]
        return {
            "running": len(alive) == len(nodes),
            "url": f"http://127.0.0.1:{cluster.http_port}",
            "version": cluster.version,
            "cluster_name": cluster.name,
            "home": str(cluster.home),
            "nodes": nodes,
            "health": probe.health(alive[0]["http_port"]) if alive else None,
        }

    def _node_status(self, cluster: Cluster, node: NodePaths) -> dict[str, Any]:
        found = self._probe(cluster, node)
        entry: dict[str, Any] = {"name": node.name, "pid": found.pid, "http_port": node.http_port,
                                 "alive": found.state is PortState.OURS}
        if found.state is PortState.FOREIGN:
            entry["port_taken_by"] = found.detail
        return entry

    def pids(self) -> list[int]:
        """Every live process of our nodes (launchers included), found by their ES_PATH_CONF."""
        return sorted(p.pid for p in process.our_processes(self.home))

    # -- stop --------------------------------------------------------------------------------

    def stop(self, timeout: float = 60) -> None:
        """Stop every node started from this state dir: SIGTERM, wait, then SIGKILL."""
        self._require_embedded()
        home = self.home
        if not home.exists():
            return
        with self._lock(timeout + 240, "starting or stopping Elasticsearch for this state dir"):
            procs = process.our_processes(home)
            if procs:
                self._log(f"stopping Elasticsearch ({len(procs)} process(es))...")
                process.terminate(procs, timeout)
            left = process.our_processes(home)
            if left:
                raise EsNodeError(f"could not stop Elasticsearch processes {[p.pid for p in left]}")
            for pid_file in home.glob("cluster-*/node-*/run/es.pid"):
                pid_file.unlink(missing_ok=True)
            (home / layout.ACTIVE).unlink(missing_ok=True)

    # -- an existing cluster (ES_URL) --------------------------------------------------------

    def _remote_client(self):
        from yidu.es import client

        return client(self.es, request_timeout=10, max_retries=0, retry_on_timeout=False)

    def _remote_health(self) -> dict | None:
        from elasticsearch import ApiError, TransportError

        try:
            return dict(self._remote_client().cluster.health().body)
        except (ApiError, TransportError):
            return None

    def _remote_status(self) -> dict[str, Any]:
        from elasticsearch import ApiError, TransportError

        status: dict[str, Any] = {"running": False, "url": self.es.url, "version": None, "nodes": [],
                                  "health": None}
        es = self._remote_client()
        try:
            status["health"] = dict(es.cluster.health().body)
            info = es.nodes.info(metric="process,http").body.get("nodes", {})
        except (ApiError, TransportError) as exc:
            status["error"] = f"{self.es.url} did not answer: {exc}"
            return status
        status["running"] = True
        status["nodes"] = [_remote_node(entry) for entry in info.values()]
        status["version"] = next((entry.get("version") for entry in info.values()), None)
        return status

    def _wait_remote_healthy(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            health = self._remote_health()
            if health and health.get("status") in HEALTHY:
                return health
            if time.monotonic() > deadline:
                raise EsNodeError(f"the cluster at {self.es.url} is not healthy after {timeout:.0f}s: "
                                  f"{_brief(health)}")
            time.sleep(1)


def _remote_node(entry: dict) -> dict[str, Any]:
    address = (entry.get("http") or {}).get("publish_address", "")
    port = address.rsplit(":", 1)[-1]
    return {"name": entry.get("name"), "pid": (entry.get("process") or {}).get("id"),
            "http_port": int(port) if port.isdigit() else None, "alive": True}


def _brief(health: dict | None) -> str:
    if not health:
        return "no answer yet"
    return f"status {health.get('status')}, {health.get('number_of_nodes')} node(s)"


def jvm_options(text: str) -> str:
    """The distribution's jvm.options without lines adding modules our JDK lacks."""
    kept = [line for line in text.splitlines()
            if not any(module in line for module in distribution.OPTIONAL_JVM_MODULES)
            or line.lstrip().startswith("#")]
    return "\n".join(kept) + "\n"


def node_config(cluster: Cluster, node: NodePaths, fresh: bool) -> str:
    """elasticsearch.yml for one node (JSON scalars and lists are valid YAML)."""
    settings: dict[str, Any] = {
        "cluster.name": cluster.name,
        "node.name": node.name,
        "path.data": str(node.data),
        "path.logs": str(node.logs),
        "network.host": probe.HOST,  # loopback only: also keeps ES in development mode
        "http.port": node.http_port,
        "transport.port": node.transport_port,
        "xpack.security.enabled": False,
        # The disk watermarks would turn shards read-only on a nearly full developer disk.
        "cluster.routing.allocation.disk.threshold_enabled": False,
    }
    if cluster.nodes == 1:
        settings["discovery.type"] = "single-node"
    else:
        settings["discovery.seed_hosts"] = [f"{probe.HOST}:{n.transport_port}" for n in cluster.all_nodes()]
        if fresh:  # only to bootstrap a new cluster; ES warns when it stays set afterwards
            settings["cluster.initial_master_nodes"] = [n.name for n in cluster.all_nodes()]
    header = "# Written by yidu (yidu/esnode) at every start: edits here are lost.\n"
    return header + "".join(f"{key}: {json.dumps(value)}\n" for key, value in settings.items())
