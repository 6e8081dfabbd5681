"""Detached service processes: spawn with a pid file and a log file, check, stop; and tools run
to the end (`mvn`, `javac`, `podman`, ...) whose failure is a StackError with their last output.

A process is ours when its environment carries `CADABRA_STACK_SERVICE=<marker>` (the service name
and the stack home), so a stale pid file whose pid was reused by another program is never killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cadabra.errors import StackError
from cadabra.stack.readiness import Deadline

__all__ = ["MARKER_VAR", "ProcessSpec", "is_alive", "read_pid", "run_tool", "spawn", "stop_all"]

logger = logging.getLogger(__name__)

MARKER_VAR = "CADABRA_STACK_SERVICE"

# Children spawned by this interpreter, kept so they can be reaped (no zombies, no
# "subprocess is still running" ResourceWarning when a Popen object is collected).
_children: dict[int, subprocess.Popen[bytes]] = {}


def run_tool(
    argv: list[str],
    *,
    timeout: float = 900.0,
    env: Mapping[str, str] | None = None,
    failed: str | None = None,
    missing: str | None = None,
) -> str:
    """Run a tool to its end; its stdout, or a StackError that names it.

    `failed` starts the message of a non-zero exit (default: the command's first words and
    "failed"), which goes on with the exit code and the last 20 lines of output; `missing` is the
    whole message when the tool is not installed (default: "<tool> not found").
    """
    try:
        done = subprocess.run(  # noqa: S603 - argv built by the caller, no shell
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=None if env is None else {**os.environ, **env},
        )
    except FileNotFoundError as exc:
        raise StackError(missing or f"{argv[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise StackError(f"{' '.join(argv[:3])} ... took over {timeout:g} s") from exc
    if done.returncode != 0:
        last = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        first = failed or f"{' '.join(argv[:4])} failed"
        raise StackError(f"{first} (exit {done.returncode}):\n{last}")
    return done.stdout


@dataclass(frozen=True)
class ProcessSpec:
    """What to run for one service process and where its pid and output go."""

    name: str
    argv: tuple[str, ...]
    log_file: Path
    pid_file: Path
    marker: str
    env: Mapping[str, str] = field(default_factory=dict)


def spawn(spec: ProcessSpec) -> int:
    """Start `spec` in its own session, stdout and stderr appended to its log file."""
    spec.log_file.parent.mkdir(parents=True, exist_ok=True)
    spec.pid_file.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **spec.env, MARKER_VAR: spec.marker}
    with spec.log_file.open("ab") as log:
        child = subprocess.Popen(  # noqa: S603 - argv built by the stack, no shell
            spec.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    _children[child.pid] = child
    spec.pid_file.write_text(f"{child.pid}\n")
    logger.info("started %s (pid %d), log %s", spec.name, child.pid, spec.log_file)
    return child.pid


def read_pid(pid_file: Path) -> int | None:
    """The pid recorded in `pid_file`, or None."""
    try:
        return int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[0]


def _carries_marker(pid: int, marker: str) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True  # no /proc or no permission: trust the pid
    return f"{MARKER_VAR}={marker}".encode() in environ.split(b"\0")


def is_alive(pid: int | None, marker: str) -> bool:
    """True when `pid` runs (not a zombie) and is the service named by `marker`."""
    if pid is None:
        return False
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return _proc_state(pid) != "Z" and _carries_marker(pid, marker)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _wait_dead(pids: list[tuple[int, str]], deadline: Deadline) -> list[tuple[int, str]]:
    running = pids
    while running and not deadline.expired():
        time.sleep(0.1)
        running = [(pid, marker) for pid, marker in running if is_alive(pid, marker)]
    return running


def stop_all(processes: Iterable[tuple[int, str]], timeout_s: float) -> None:
    """SIGTERM every (pid, marker) at once; SIGKILL what still runs after `timeout_s`."""
    targets = list(processes)
    alive = [(pid, marker) for pid, marker in targets if is_alive(pid, marker)]
    for pid, _ in alive:
        _signal_group(pid, signal.SIGTERM)
    for pid, marker in _wait_dead(alive, Deadline(timeout_s)):
        logger.warning("pid %d (%s) ignored SIGTERM for %.0f s: killing it", pid, marker, timeout_s)
        _signal_group(pid, signal.SIGKILL)
    _wait_dead(alive, Deadline(5.0))
    for pid, _ in targets:
        _reap(pid)


def _reap(pid: int) -> None:
    child = _children.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=1.0)
