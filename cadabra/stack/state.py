"""Where the native stack keeps things, and the state file that says what runs.

`<home>/state.json` records the layout (brokers, ports) and the pid of every service process, so
`env`, `status` and `down` work from any later shell without the options `up` was given.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from cadabra.config import StackSettings

__all__ = ["STATE_FILE", "StackLayout", "StackState", "clear_state", "load_state", "save_state"]

STATE_FILE = "state.json"


class StackLayout(BaseModel):
    """Ports and folders of one native stack."""

    model_config = ConfigDict(frozen=True)

    home: Path
    brokers: int = 1
    kafka_port: int = 9092
    controller_port: int = 9093
    s3_port: int = 9000
    endpoint_port: int = 4567
    delivery_port: int = 4568
    cache: Path | None = None

    @classmethod
    def from_settings(cls, settings: StackSettings) -> StackLayout:
        return cls(
            home=settings.home.resolve(),
            brokers=settings.brokers,
            kafka_port=settings.kafka_port,
            controller_port=settings.controller_port,
            s3_port=settings.s3_port,
            endpoint_port=settings.endpoint_port,
            delivery_port=settings.delivery_port,
            cache=settings.cache_dir.resolve() if settings.cache_dir else None,
        )

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def cache_dir(self) -> Path:
        return self.cache or self.home / "cache"

    def log_file(self, service: str) -> Path:
        return self.home / "logs" / f"{service}.log"

    def pid_file(self, service: str) -> Path:
        return self.home / "run" / f"{service}.pid"

    def marker(self, service: str) -> str:
        return f"{service}@{self.home}"


class StackState(BaseModel):
    """What `up` started: the layout, a pid per service process, the client environment."""

    layout: StackLayout
    pids: dict[str, int] = {}
    env: dict[str, str] = {}
    started_at_ms: int = 0

    @classmethod
    def started(cls, layout: StackLayout) -> StackState:
        return cls(layout=layout, started_at_ms=int(time.time() * 1000))


def load_state(home: Path) -> StackState | None:
    """The state file of the stack in `home`, or None when there is none."""
    try:
        return StackState.model_validate_json((home / STATE_FILE).read_text())
    except FileNotFoundError:
        return None


def save_state(state: StackState) -> None:
    """Write the state file atomically (a reader never sees half of it)."""
    path = state.layout.home / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(state.model_dump_json(indent=2))
    partial.chmod(0o600)  # the client environment in it holds the secret key
    partial.replace(path)


def clear_state(home: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (home / STATE_FILE).unlink()
