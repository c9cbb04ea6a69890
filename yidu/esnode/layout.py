"""Where the node's files live, and the unprivileged account that owns them.

    <home>/                       settings.es_home, or a fallback when the ES account cannot reach it
      elasticsearch-<version>/    the unpacked distribution (unless a shared dist_dir is given)
      active.json                 the topology last started, so status/stop find it whatever the env says
      cluster-<N>/node-<i>/       per node: config/ (ES_PATH_CONF), data/, logs/, run/es.pid, tmp/
                                  (ES_TMPDIR, else a new /tmp/elasticsearch-* per start), launcher.out

Data is kept per topology (`cluster-1`, `cluster-3`): a data directory bootstrapped as a single node
cannot join a three-node cluster, and the other way round.

Elasticsearch refuses to run as root. When we are root the node runs as `settings.es.user`, which
must be able to traverse every parent of its files; a checkout under a mode-700 home or pytest's
private temp folder is not, so the files then go to /var/tmp/yidu-es-<hash of the state dir> and
`<es_home>/location` points there.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pwd
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from yidu.errors import EsNodeError

FALLBACK_BASE = Path("/var/tmp")
POINTER = "location"
ACTIVE = "active.json"


def running_as_root() -> bool:
    return os.geteuid() == 0


def state_key(state_dir: Path) -> str:
    return hashlib.sha1(str(state_dir.resolve()).encode()).hexdigest()[:10]


def current_home(es_home: Path) -> Path:
    """The node-file home recorded for this state dir (read-only: creates nothing)."""
    pointer = es_home / POINTER
    if pointer.is_file():
        return Path(pointer.read_text().strip())
    return es_home.absolute()


def prepare_home(es_home: Path, state_dir: Path, user: str | None) -> tuple[Path, bool]:
    """Create (if needed) and return the node-file home, and whether it is a fallback."""
    es_home = es_home.absolute()
    make_dir(es_home)
    if user is None:
        return es_home, False
    pointer = es_home / POINTER
    if pointer.is_file():
        home = Path(pointer.read_text().strip())
        make_dir(home)
        if home != es_home:
            _check_private(home)
        return home, home != es_home
    if user_can_reach(user, es_home):
        return es_home, False
    home = FALLBACK_BASE / f"yidu-es-{state_key(state_dir)}"
    make_dir(home)
    _check_private(home)
    if not user_can_reach(user, home):
        raise EsNodeError(f"neither {es_home} nor {home} is reachable by the account {user!r}")
    pointer.write_text(f"{home}\n")
    return home, True


def _check_private(path: Path) -> None:
    # The fallback sits in world-writable /var/tmp under a predictable name: never adopt a directory
    # that someone else created or may write to.
    info = path.lstat()
    if path.is_symlink() or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise EsNodeError(f"{path} exists but is not a directory owned and writable only by us; remove it")


def make_dir(path: Path) -> None:
    existed = path.exists()
    path.mkdir(parents=True, exist_ok=True)
    if not existed:
        path.chmod(0o755)  # whatever the umask: the ES account must traverse it


@contextmanager
def exclusive(lock_file: Path, timeout: float, doing: str) -> Iterator[None]:
    """Hold an exclusive flock on `lock_file`: two callers starting the same node at once would
    otherwise both see the port free, and the loser's clean-up would kill the winner's node."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EsNodeError(f"another process is still {doing} (it holds {lock_file})") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# -- the unprivileged account ----------------------------------------------------------------

def ensure_user(user: str) -> None:
    try:
        pwd.getpwnam(user)
        return
    except KeyError:
        pass
    cmd = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise EsNodeError(f"could not create the account {user!r} Elasticsearch runs under: {proc.stderr.strip()}")


def user_can_reach(user: str, path: Path) -> bool:
    # Ask as that user: checking mode bits ourselves would miss ACLs and mount options.
    proc = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(path)], capture_output=True)
    return proc.returncode == 0


def chown_tree(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    uid, gid = entry.pw_uid, entry.pw_gid
    os.chown(path, uid, gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


def owned_by(path: Path, user: str) -> bool:
    return path.stat().st_uid == pwd.getpwnam(user).pw_uid


# -- nodes and clusters ----------------------------------------------------------------------

@dataclass(frozen=True)
class NodePaths:
    index: int
    name: str
    dir: Path
    http_port: int
    transport_port: int

    @property
    def conf(self) -> Path:
        return self.dir / "config"

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    @property
    def run(self) -> Path:
        return self.dir / "run"

    @property
    def tmp(self) -> Path:
        return self.dir / "tmp"

    @property
    def pid_file(self) -> Path:
        return self.run / "es.pid"

    @property
    def launcher_log(self) -> Path:
        return self.dir / "launcher.out"

    def read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None


@dataclass(frozen=True)
class Cluster:
    """One topology: N nodes on consecutive HTTP and transport ports."""

    home: Path
    name: str
    nodes: int
    http_port: int
    transport_port: int
    version: str

    @property
    def dir(self) -> Path:
        return self.home / f"cluster-{self.nodes}"

    @property
    def bootstrapped_marker(self) -> Path:
        return self.dir / "bootstrapped"

    def is_fresh(self) -> bool:
        """True until this cluster has formed once (or when its data was wiped): only then may
        cluster.initial_master_nodes be set."""
        if not self.bootstrapped_marker.exists():
            return True
        return not any(node.data.is_dir() and any(node.data.iterdir()) for node in self.all_nodes())

    def node(self, i: int) -> NodePaths:
        name = f"node-{i}"
        return NodePaths(i, name, self.dir / name, self.http_port + i, self.transport_port + i)

    def all_nodes(self) -> list[NodePaths]:
        return [self.node(i) for i in range(self.nodes)]

    def log_file(self, node: NodePaths) -> Path:
        return node.logs / f"{self.name}.log"

    def to_json(self) -> str:
        fields = ("name", "nodes", "http_port", "transport_port", "version")
        return json.dumps({f: getattr(self, f) for f in fields})

    @classmethod
    def read_active(cls, home: Path) -> "Cluster | None":
        try:
            raw = json.loads((home / ACTIVE).read_text())
            return cls(home=home, **raw)
        except (OSError, ValueError, TypeError):
            return None

    def write_active(self) -> None:
        (self.home / ACTIVE).write_text(self.to_json() + "\n")


def cluster_name(state_dir: Path, nodes: int) -> str:
    # Unique per state dir, so a node of another checkout on our port is recognised as foreign.
    return f"yidu-{state_key(state_dir)}-n{nodes}"
