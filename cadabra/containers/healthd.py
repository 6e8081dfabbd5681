"""Run the healthchecks of podman's containers, which podman leaves to systemd timers.

Without systemd (these machines) a container's health stays "starting" forever, so compose's
`depends_on: condition: service_healthy` and `up --wait` never return. This loop is the timer:
each running container with a healthcheck is checked every second until it is healthy, then at
its own interval. `podman healthcheck run` records the result as podman's timer would.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

__all__ = ["main"]

logger = logging.getLogger("cadabra.containers.healthd")

TICK_S = 1.0
DEFAULT_INTERVAL_S = 30.0


@dataclass
class Checked:
    interval_s: float
    last: float = float("-inf")  # a new container is due at once
    healthy: bool = False


def _podman(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv
        ["podman", *args],  # noqa: S607 - podman from PATH, as the engine itself is
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _with_healthchecks() -> dict[str, float]:
    """Running containers that have a healthcheck: id -> interval in seconds."""
    ids = _podman("ps", "-q", "--no-trunc", "--filter", "status=running").stdout.split()
    if not ids:
        return {}
    found = {}
    for item in json.loads(_podman("inspect", *ids).stdout or "[]"):
        check = (item.get("Config") or {}).get("Healthcheck") or {}
        if check.get("Test") and check["Test"] != ["NONE"]:
            interval_ns = check.get("Interval") or 0
            found[item["Id"]] = interval_ns / 1e9 or DEFAULT_INTERVAL_S
    return found


def tick(known: dict[str, Checked], now: float) -> None:
    """One pass: check what is due, forget containers that stopped."""
    current = _with_healthchecks()
    for gone in set(known) - set(current):
        del known[gone]
    for cid, interval in current.items():
        state = known.setdefault(cid, Checked(interval))
        due = state.last + (state.interval_s if state.healthy else TICK_S)
        if now >= due:
            state.last = now
            state.healthy = _podman("healthcheck", "run", cid).returncode == 0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: stop.set())
    known: dict[str, Checked] = {}
    logger.info("running podman healthchecks (no systemd timers here)")
    while not stop.is_set():
        started = time.monotonic()
        try:
            tick(known, started)
        except (subprocess.SubprocessError, ValueError, OSError) as exc:
            logger.warning("healthcheck pass failed: %s", exc)
        stop.wait(max(0.0, TICK_S - (time.monotonic() - started)))


if __name__ == "__main__":
    main()
