"""Wait for a service to answer, with a deadline and a clear error naming the service."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cadabra.errors import ServiceStartError

__all__ = ["Deadline", "Probe", "tail", "try_probe", "wait_until_answers"]

logger = logging.getLogger(__name__)

Probe = Callable[[], bool]
"""Answers True when the service answers; may raise, which counts as "not yet"."""


@dataclass
class Deadline:
    """A point in time `timeout_s` after creation, on an injectable monotonic clock."""

    timeout_s: float
    clock: Callable[[], float] = time.monotonic
    start: float = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.clock()

    def elapsed(self) -> float:
        return self.clock() - self.start

    def remaining(self) -> float:
        return max(0.0, self.timeout_s - self.elapsed())

    def expired(self) -> bool:
        return self.remaining() <= 0.0


def tail(path: Path, lines: int = 20, block: int = 64 * 1024) -> str:
    """The last `lines` lines of a text file ("" when it does not exist)."""
    try:
        with path.open("rb") as stream:
            position = stream.seek(0, 2)
            data = b""
            while position > 0 and data.count(b"\n") <= lines:
                step = min(block, position)
                position -= step
                stream.seek(position)
                data = stream.read(step) + data
    except FileNotFoundError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:]) if lines > 0 else ""


def try_probe(probe: Probe) -> tuple[bool, str]:
    """(answered, error text); a probe that raises has not answered."""
    try:
        return probe(), ""
    except Exception as exc:  # any failure of a probe means "not yet"
        return False, f"{type(exc).__name__}: {exc}"


def _died(service: str, log_file: Path) -> ServiceStartError:
    last = tail(log_file, 15) or "(the log is empty)"
    return ServiceStartError(
        service, str(log_file), f"its process exited during startup; last log lines:\n{last}\n"
    )


def wait_until_answers(
    service: str,
    log_file: Path,
    probe: Probe,
    deadline: Deadline,
    *,
    alive: Callable[[], bool] = lambda: True,
    interval_s: float = 0.25,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Poll `probe` until it answers True; raise ServiceStartError on death or at the deadline."""
    last_error = ""
    while True:
        answered, error = try_probe(probe)
        if answered:
            logger.debug("%s answers after %.1f s", service, deadline.elapsed())
            return
        last_error = error or last_error
        if not alive():
            raise _died(service, log_file)
        if deadline.expired():
            detail = f"no answer within {deadline.timeout_s:g} s"
            raise ServiceStartError(service, str(log_file), detail + _suffix(last_error))
        sleep(min(interval_s, deadline.remaining()))


def _suffix(last_error: str) -> str:
    return f"; last probe error: {last_error}" if last_error else ""
