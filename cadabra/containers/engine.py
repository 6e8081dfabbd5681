"""Podman as the Docker engine: packages, configuration, the API socket and the health runner.

Found on these machines (Debian bookworm, root, no systemd): podman's default runtime crun fails
("cgroups in hybrid mode not supported") where runc works; cgroups must be managed by cgroupfs;
setting RLIMIT_NOFILE is not permitted, so no default ulimits. Without systemd podman schedules no
healthchecks, so `python -m cadabra.containers.healthd` runs them.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from cadabra.errors import StackError
from cadabra.stack.process import run_tool
from cadabra.stack.readiness import Deadline

__all__ = [
    "DOCKER_HOST",
    "ENV_FILE",
    "REPO",
    "STATE_DIR",
    "api_answers",
    "docker_engine_answers",
    "ensure_compose",
    "ensure_packages",
    "ensure_service",
    "load_env_file",
    "write_containers_conf",
]

REPO = Path(__file__).resolve().parents[2]
STATE_DIR = REPO / ".cadabra" / "containers"
# The API socket and the health runner serve the whole machine, whichever clone started them.
DAEMON_DIR = Path("/run/cadabra")
ENV_FILE = REPO / ".cadabra" / "containers.env"

SOCKET = Path("/run/podman/podman.sock")
DOCKER_HOST = f"unix://{SOCKET}"
PACKAGES = ("podman", "runc", "netavark", "aardvark-dns", "debootstrap")
CONTAINERS_CONF = Path("/etc/containers/containers.conf")
CONTAINERS_CONF_TEXT = """\
# Written by Cadabra's `make containers` (cadabra/containers/engine.py).
[containers]
# Setting RLIMIT_NOFILE is not permitted on these machines.
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
# crun fails here: "cgroups in hybrid mode not supported".
runtime = "runc"
events_logger = "file"
"""
# Compose v2, built from its Go module (no binary download is reachable); the docker CLI plugin.
COMPOSE_MODULE = "github.com/docker/compose/v2"
COMPOSE_VERSION = "v2.29.7"
COMPOSE_PLUGIN = Path.home() / ".docker" / "cli-plugins" / "docker-compose"
SERVICE_START_S = 30.0


def api_answers(path: Path = SOCKET, timeout: float = 3.0) -> bool:
    """True when a Docker-compatible API answers `GET /_ping` on the unix socket `path`."""
    connection = _UnixConnection(str(path), timeout)
    try:
        connection.request("GET", "/_ping")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def docker_engine_answers() -> bool:
    """True when a Docker engine other than our podman socket answers (DOCKER_HOST, else the
    default socket)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if host == DOCKER_HOST or not host.startswith("unix://"):
        # A tcp:// engine is the user's; ours is only ever the podman socket.
        return not host.startswith("unix://") and host != DOCKER_HOST
    return api_answers(Path(host.removeprefix("unix://")))


def ensure_packages() -> list[str]:
    """Install the Debian packages still missing; the names installed."""
    missing = [name for name in PACKAGES if not _installed(name)]
    if missing:
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        run_tool(["apt-get", "update", "-qq"], env=env)
        run_tool(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)
    return missing


def _installed(package: str) -> bool:
    done = subprocess.run(  # noqa: S603 - fixed argv
        ["dpkg-query", "-W", "-f=${Status}", package],  # noqa: S607 - Debian's own tool
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip().endswith("install ok installed")


def write_containers_conf() -> bool:
    """Write podman's engine configuration; True when it changed."""
    if CONTAINERS_CONF.is_file() and CONTAINERS_CONF.read_text() == CONTAINERS_CONF_TEXT:
        return False
    CONTAINERS_CONF.parent.mkdir(parents=True, exist_ok=True)
    CONTAINERS_CONF.write_text(CONTAINERS_CONF_TEXT)
    return True


def _start_daemon(name: str, argv: list[str]) -> None:
    """Start `argv` detached from this process (its own session), logging to DAEMON_DIR."""
    DAEMON_DIR.mkdir(parents=True, exist_ok=True)
    log = (DAEMON_DIR / f"{name}.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - argv built here
        argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
    )
    (DAEMON_DIR / f"{name}.pid").write_text(str(process.pid))


def _daemon_alive(name: str) -> bool:
    try:
        pid = int((DAEMON_DIR / f"{name}.pid").read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    return cmdline.exists() and name.encode() in cmdline.read_bytes()


def ensure_service() -> list[str]:
    """The API socket and the health runner, started unless they run; the names started."""
    started = []
    if not api_answers():
        SOCKET.parent.mkdir(parents=True, exist_ok=True)
        SOCKET.unlink(missing_ok=True)
        podman = shutil.which("podman") or "podman"
        _start_daemon("podman", [podman, "system", "service", "--time=0", DOCKER_HOST])
        deadline = Deadline(SERVICE_START_S)
        while not api_answers():
            if deadline.expired():
                log = DAEMON_DIR / "podman.log"
                raise StackError(f"podman's API did not answer on {SOCKET}; see {log}")
            time.sleep(0.2)
        started.append("podman API")
    if not _daemon_alive("healthd"):
        _start_daemon("healthd", [sys.executable, "-m", "cadabra.containers.healthd"])
        started.append("health runner")
    return started


def ensure_compose() -> bool:
    """Compose v2 as the docker CLI plugin, built from its Go module; True when it was built."""
    if COMPOSE_PLUGIN.is_file() and COMPOSE_VERSION in _compose_version():
        return False
    go = shutil.which("go") or "/usr/local/go/bin/go"
    gobin = STATE_DIR / "gobin"
    ldflags = f"-X {COMPOSE_MODULE}/internal.Version={COMPOSE_VERSION}"
    run_tool(
        [go, "install", "-ldflags", ldflags, f"{COMPOSE_MODULE}/cmd@{COMPOSE_VERSION}"],
        env={"GOBIN": str(gobin)},
        timeout=1500.0,
    )
    COMPOSE_PLUGIN.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(gobin / "cmd", COMPOSE_PLUGIN)
    return True


def _compose_version() -> str:
    try:
        return run_tool([str(COMPOSE_PLUGIN), "version"], timeout=30.0)
    except StackError:
        return ""


def load_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """KEY=value lines of the env file `prepare` writes ({} when there is none)."""
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}
