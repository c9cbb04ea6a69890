"""Launching node processes and finding them again.

`bin/elasticsearch -d` daemonizes: the launcher returns once the server is up (or has failed), and
the server is re-parented to init. So we find our processes by their environment: every process of
a node carries `ES_PATH_CONF=<home>/cluster-N/node-i/config`, and that home is ours alone.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterable, Mapping

import psutil

from yidu.esnode.layout import NodePaths


def launch(node: NodePaths, dist_home: Path, env: Mapping[str, str], user: str | None) -> subprocess.Popen:
    cmd = [str(dist_home / "bin" / "elasticsearch"), "-d", "-p", str(node.pid_file)]
    if user is not None:
        # setsid: the node must not share our session (a Ctrl-C in the caller's terminal would reach it).
        cmd = ["setsid", "runuser", "-u", user, "--", *cmd]
    with open(node.launcher_log, "wb") as out:
        # cwd = logs: the JVM writes hs_err files and heap dumps to its working directory.
        return subprocess.Popen(cmd, env=dict(env), cwd=node.logs, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=user is None)


def our_processes(home: Path) -> list[psutil.Process]:
    """Every live process (launcher or server) whose ES_PATH_CONF lies under `home`."""
    prefix = str(home).rstrip(os.sep) + os.sep
    found = []
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        try:
            conf = proc.environ().get("ES_PATH_CONF", "")
            if conf.startswith(prefix) and not _gone(proc):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def terminate(procs: Iterable[psutil.Process], timeout: float) -> None:
    """SIGTERM, wait up to `timeout` for a clean shutdown, then SIGKILL what is left."""
    procs = list(procs)
    _signal(procs, "terminate")
    alive = _wait(procs, timeout)
    if alive:
        _signal(alive, "kill")
        _wait(alive, 15)


def _signal(procs: list[psutil.Process], method: str) -> None:
    for proc in procs:
        try:
            getattr(proc, method)()
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            pass


def _wait(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return [p for p in alive if not _gone(p)]


def _gone(proc: psutil.Process) -> bool:
    # A zombie has exited; only its (foreign) parent has not reaped it yet.
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return True


def pid_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        return not _gone(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 64 * 1024))  # enough for 30 lines of ES logging
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
