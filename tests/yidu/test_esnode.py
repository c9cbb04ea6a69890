"""The embedded Elasticsearch node manager, with real processes.

Each test gets a fresh state dir under pytest's tmp_path. When the tests run as root that folder is
private (mode 700), so the node files land in the /var/tmp fallback: that path is exercised too, and
removed again at teardown. Ports are the first free block from 9270/9370 on, away from the default node on
9250/9350 (and from any node another checkout runs).

Unpacking is shared: one session-wide `dist_dir` (an `EsNode` option) holds the distribution, so
each test's state dir does not unpack 100 MB again; Maven's local repository caches the download.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from yidu import cli
from yidu.config import EsSettings, Settings
from yidu.errors import EsNodeError
from yidu.es import client
from yidu.esnode import EsNode
from yidu.esnode.layout import Cluster, NodePaths
from yidu.esnode.node import jvm_options, node_config


@pytest.fixture(scope="session")
def dist_dir():
    # /var/tmp rather than tmp_path_factory: the ES account must be able to read it when we are root.
    path = Path(tempfile.mkdtemp(prefix="yidu-es-dist-", dir="/var/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_base(nodes: int = 1) -> int:
    """A first HTTP port whose `nodes` HTTP and transport ports (+100) are all free: the session's node,
    or another checkout's, may hold the usual ones."""
    for base in range(9270, 9900, 10):
        if all(_free(base + i) and _free(base + 100 + i) for i in range(nodes)):
            return base
    raise RuntimeError("no free port block for a test node")


@pytest.fixture
def make_node(tmp_path, dist_dir):
    made: list[EsNode] = []

    def make(port: int, nodes: int = 1, heap: str = "512m") -> EsNode:
        es = EsSettings(http_port=port, transport_port=port + 100, nodes=nodes, heap=heap)
        node = EsNode(Settings(state_dir=tmp_path / f"state-{port}", es=es), dist_dir=dist_dir)
        made.append(node)
        return node

    yield make
    for node in made:
        node.stop()
        if not node.home.is_relative_to(tmp_path):  # the /var/tmp fallback
            shutil.rmtree(node.home, ignore_errors=True)


def es_processes_under(home: Path) -> list[int]:
    """Independent of yidu.esnode.process: scan /proc for ES_PATH_CONF under `home`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(v.startswith(f"ES_PATH_CONF={home}/".encode()) for v in environ):
            found.append(int(entry.name))
    return found


def test_single_node_lifecycle(make_node, monkeypatch, capsys):
    port = free_base()
    node = make_node(port)
    node.install()
    node.start(timeout=180)
    assert node.is_running()
    if os.geteuid() == 0 and node.home != node.settings.es_home.absolute():
        assert node.home.parent == Path("/var/tmp")
        assert (node.settings.es_home / "location").read_text().strip() == str(node.home)

    status = node.status()
    assert status["running"] and status["url"] == f"http://127.0.0.1:{port}"
    assert status["health"]["status"] in ("yellow", "green")
    assert [n["alive"] for n in status["nodes"]] == [True]
    assert status["nodes"][0]["pid"] in node.pids()

    es = client(node.settings.es)
    es.indices.create(index="books", settings={"number_of_shards": 1, "number_of_replicas": 0})
    es.index(index="books", id="1", document={"title": "北京大学图书馆藏书"}, refresh=True)
    hits = es.search(index="books", query={"match": {"title": "图书馆"}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["1"]

    # The same cluster seen as an existing one (ES_URL): status reports it, nothing is managed.
    remote = EsNode(Settings(state_dir=node.settings.state_dir, es=EsSettings(url=f"http://127.0.0.1:{port}")))
    assert remote.is_running() and remote.status()["health"]["status"] in ("yellow", "green")

    # The CLI reports the same node.
    monkeypatch.setenv("YIDU_STATE_DIR", str(node.settings.state_dir))
    monkeypatch.setenv("YIDU_ES_PORT", str(port))
    monkeypatch.setenv("YIDU_ES_TRANSPORT_PORT", str(port + 100))
    capsys.readouterr()
    assert cli.main(["es", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["running"] is True

    home = node.home
    node.stop()
    assert not node.is_running()
    assert node.pids() == [] and es_processes_under(home) == []
    assert not node.status()["running"]
    assert cli.main(["es", "status"]) == 1


@pytest.mark.cluster
def test_three_node_cluster(make_node):
    port = free_base(3)
    node = make_node(port, nodes=3, heap="512m")
    started = time.monotonic()
    node.start(timeout=300)
    print(f"3-node start: {time.monotonic() - started:.0f}s")
    assert node.is_running()
    assert node.status()["health"]["number_of_nodes"] == 3
    assert [n["http_port"] for n in node.status()["nodes"]] == [port, port + 1, port + 2]

    es = client(node.settings.es)  # es.nodes == 3: the client knows all three
    es.indices.create(index="spread", settings={"number_of_shards": 3, "number_of_replicas": 1})
    health = es.cluster.health(index="spread", wait_for_status="green", timeout="60s")
    assert health["status"] == "green" and health["number_of_nodes"] == 3
    assert health["active_shards"] == 6
    es.index(index="spread", id="a", document={"title": "清华大学"}, refresh=True)
    for each in (port, port + 1, port + 2):  # every node finds it
        one = client(EsSettings(http_port=each))
        assert one.get(index="spread", id="a")["_source"]["title"] == "清华大学"

    home = node.home
    node.stop()
    assert not node.is_running()
    assert node.pids() == [] and es_processes_under(home) == []


def test_start_and_stop_are_idempotent(make_node):
    node = make_node(free_base())
    # Two concurrent starts: the second waits for the first and then finds the node running.
    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(node.start, timeout=180) for _ in range(2)]:
            future.result()
    pids = node.pids()
    assert len(pids) == 1  # the server; the launcher has exited

    started = time.monotonic()
    node.start()
    assert time.monotonic() - started < 5
    assert node.pids() == pids

    started = time.monotonic()
    node.install()
    assert time.monotonic() - started < 2

    node.stop()
    node.stop()
    assert node.pids() == [] and not node.is_running()


def test_es_url_mode_refuses_to_manage(tmp_path):
    node = EsNode(Settings(state_dir=tmp_path, es=EsSettings(url="http://127.0.0.1:9")))
    for action in (node.install, node.start, node.stop):
        with pytest.raises(EsNodeError, match="ES_URL points at an existing cluster"):
            action()
    status = node.status()
    assert status["running"] is False and status["url"] == "http://127.0.0.1:9"
    assert status["health"] is None and not node.is_running()
    assert not (tmp_path / "es").exists()


def test_port_taken_by_a_foreign_listener(make_node):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 9279))
        sock.listen()
        node = make_node(9279)
        with pytest.raises(EsNodeError, match=r"port 9279 .*YIDU_ES_PORT"):
            node.start(timeout=30)
        assert node.pids() == []
        assert not node.is_running()
        assert node.status()["nodes"][0].get("port_taken_by")


def test_node_config_and_jvm_options(tmp_path):
    cluster = Cluster(home=tmp_path, name="c", nodes=3, http_port=9600, transport_port=9700, version="9.2.4")
    node: NodePaths = cluster.node(1)
    fresh = node_config(cluster, node, fresh=True)
    assert 'http.port: 9601' in fresh and 'transport.port: 9701' in fresh
    assert 'discovery.seed_hosts: ["127.0.0.1:9700", "127.0.0.1:9701", "127.0.0.1:9702"]' in fresh
    assert 'cluster.initial_master_nodes: ["node-0", "node-1", "node-2"]' in fresh
    assert "initial_master_nodes" not in node_config(cluster, node, fresh=False)
    single = Cluster(home=tmp_path, name="c", nodes=1, http_port=9600, transport_port=9700, version="9.2.4")
    assert 'discovery.type: "single-node"' in node_config(single, single.node(0), fresh=True)

    options = jvm_options("-Xss1m\n20-:--add-modules=jdk.incubator.vector\n-XX:+UseG1GC\n")
    assert options == "-Xss1m\n-XX:+UseG1GC\n"
