"""What a native-stack component is: processes to start, a probe each, and client variables.

Kafka is one component with a process per broker; the S3 server is one with a single process.
A third (the Kinesis/Firehose HTTP endpoint) is one more class with these five methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cadabra.stack.process import ProcessSpec
from cadabra.stack.readiness import Probe

__all__ = ["Component", "ServiceProcess", "StepCallback", "no_step"]

StepCallback = Callable[[str], None]
"""Told what `up` does now ("resolving Kafka jars with mvn"), for a CLI spinner."""


def no_step(_: str) -> None:
    """A StepCallback that ignores the step."""


@dataclass(frozen=True)
class ServiceProcess:
    """One process of a component, as `status` shows it."""

    name: str
    component: str
    port: int
    log_file: Path
    answers: Probe = field(compare=False)
    # Ports it also binds (a KRaft node's controller port), checked free before a start.
    other_ports: tuple[int, ...] = ()

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port, *self.other_ports)


class Component(Protocol):
    """A service of the native stack (Kafka, the S3 server, ...)."""

    @property
    def name(self) -> str: ...

    def processes(self) -> list[ServiceProcess]:
        """The processes, in start order."""
        ...

    def prepare(self, on_step: StepCallback) -> None:
        """Resolve jars, write configuration files, format storage: all before any start."""
        ...

    def launch(self, process: str) -> ProcessSpec:
        """How to start `process` (after `prepare`)."""
        ...

    def after_start(self) -> None:
        """Runs once every process answers (e.g. create the default bucket)."""
        ...

    def env(self) -> dict[str, str]:
        """The variables a client needs to reach this component."""
        ...
