"""The native stack: Kafka (KRaft) and S3Proxy as local JVMs, without Docker.

`up` resolves jars with mvn (cached), writes configurations, formats Kafka storage once, starts
what does not run yet and waits until each process answers (Kafka: a metadata call lists every
broker; S3: an HTTP answer), all within `start_timeout_s`. A failed `up` stops what it started.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cadabra.config import AwsSettings, S3Settings, StackSettings
from cadabra.errors import StackError
from cadabra.stack.delivery import DeliveryComponent
from cadabra.stack.endpoint import EndpointComponent
from cadabra.stack.kafka import KafkaComponent
from cadabra.stack.lifecycle import check_ports, start_processes, stop_processes
from cadabra.stack.process import is_alive, read_pid
from cadabra.stack.readiness import Deadline, try_probe
from cadabra.stack.s3 import S3Component
from cadabra.stack.service import Component, ServiceProcess, StepCallback, no_step
from cadabra.stack.state import StackLayout, StackState, clear_state, load_state, save_state

__all__ = ["NativeStack", "ServiceStatus", "UpReport"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceStatus:
    """One row of `cadabra stack status`."""

    name: str
    pid: int | None
    port: int
    alive: bool
    answering: bool
    log_file: Path


@dataclass(frozen=True)
class UpReport:
    """What `up` did: nothing (already running) or which processes it started, how fast."""

    already_running: bool
    started: list[str]
    elapsed_s: float
    env: dict[str, str] = field(default_factory=dict)


class NativeStack:
    """Start, inspect and stop the local services under `settings.home`."""

    def __init__(
        self,
        settings: StackSettings | None = None,
        *,
        aws: AwsSettings | None = None,
        s3: S3Settings | None = None,
    ) -> None:
        self.settings = settings or StackSettings()
        self.aws = aws or AwsSettings()
        self.s3 = s3 or S3Settings()
        self.home = self.settings.home.resolve()

    # -- what exists ---------------------------------------------------------------------
    @property
    def layout(self) -> StackLayout:
        """The running stack's layout, else the one the settings ask for."""
        state = load_state(self.home)
        return state.layout if state else self.requested_layout

    @property
    def requested_layout(self) -> StackLayout:
        return StackLayout.from_settings(self.settings).model_copy(update={"home": self.home})

    def components(self, layout: StackLayout | None = None) -> list[Component]:
        layout = layout or self.layout
        kafka = KafkaComponent(layout, self.settings)
        s3 = S3Component(layout, self.settings, self.aws, self.s3)
        return [
            kafka,
            s3,
            EndpointComponent(layout, kafka.bootstrap),
            DeliveryComponent(layout, kafka.bootstrap, s3.endpoint_url, self.aws),
        ]

    def processes(self, layout: StackLayout | None = None) -> list[ServiceProcess]:
        return [p for c in self.components(layout) for p in c.processes()]

    @property
    def s3_data_dir(self) -> Path:
        return self.layout.data_dir / "s3"

    def log_file(self, service: str) -> Path:
        return self.layout.log_file(self._names(service)[0])

    def _names(self, service: str) -> list[str]:
        """Process names for a process name ("kafka-2") or a component name ("kafka")."""
        names = [p.name for p in self.processes() if service in (p.name, p.component)]
        if not names:
            known = ", ".join(p.name for p in self.processes())
            raise StackError(f"no service {service!r} in this stack (known: {known})")
        return names

    def _pid(self, state: StackState | None, layout: StackLayout, name: str) -> int | None:
        pid = state.pids.get(name) if state else None
        return pid if pid is not None else read_pid(layout.pid_file(name))

    def _alive(self, state: StackState | None, layout: StackLayout, name: str) -> bool:
        return is_alive(self._pid(state, layout, name), layout.marker(name))

    # -- queries -------------------------------------------------------------------------
    def status(self) -> list[ServiceStatus]:
        state, layout = load_state(self.home), self.layout
        rows = []
        for p in self.processes(layout):
            alive = self._alive(state, layout, p.name)
            answering = alive and try_probe(p.answers)[0]
            pid = self._pid(state, layout, p.name)
            rows.append(ServiceStatus(p.name, pid, p.port, alive, answering, p.log_file))
        return rows

    def is_running(self) -> bool:
        state = load_state(self.home)
        return state is not None and self._all_alive(state)

    def _all_alive(self, state: StackState) -> bool:
        names = [p.name for p in self.processes(state.layout)]
        return all(self._alive(state, state.layout, name) for name in names)

    def env(self) -> dict[str, str]:
        """Client variables of the running stack (or of the stack `up` would start)."""
        state = load_state(self.home)
        return dict(state.env) if state and state.env else self._env(self.components())

    def _env(self, components: list[Component]) -> dict[str, str]:
        """Endpoints first (CADABRA_*), then the AWS identity, then other client settings."""
        merged: dict[str, str] = {}
        for component in components:
            merged.update(component.env())
        env = {key: value for key, value in merged.items() if key.startswith("CADABRA_")}
        env["AWS_ACCESS_KEY_ID"] = self.aws.access_key_id
        env["AWS_SECRET_ACCESS_KEY"] = self.aws.secret_access_key.get_secret_value()
        env["AWS_DEFAULT_REGION"] = self.aws.region
        return env | {key: value for key, value in merged.items() if key not in env}

    # -- lifecycle -----------------------------------------------------------------------
    def up(self, on_step: StepCallback = no_step) -> UpReport:
        """Start whatever does not run yet; return at once when everything runs."""
        deadline = Deadline(self.settings.start_timeout_s)
        state = load_state(self.home)
        if state is not None and state.pids and self._all_alive(state):
            self._warn_if_different(state.layout)
            return UpReport(True, [], deadline.elapsed(), dict(state.env))
        state = self._state_to_start(state)
        components = self.components(state.layout)
        missing = self._missing(state)
        check_ports(missing)
        for component in components:
            component.prepare(on_step)
        try:
            start_processes(components, state, [p.name for p in missing], deadline, on_step)
        except BaseException:
            if not state.pids:
                clear_state(self.home)
            raise
        state.env = self._env(components)
        save_state(state)
        return UpReport(False, [p.name for p in missing], deadline.elapsed(), dict(state.env))

    def _missing(self, state: StackState) -> list[ServiceProcess]:
        """Processes that do not run; running ones known only by their pid file join `state`."""
        missing = []
        for process in self.processes(state.layout):
            pid = self._pid(state, state.layout, process.name)
            if pid is not None and is_alive(pid, state.layout.marker(process.name)):
                state.pids[process.name] = pid
            else:
                missing.append(process)
        return missing

    def _state_to_start(self, state: StackState | None) -> StackState:
        """Keep the state of a partly running stack; start afresh otherwise."""
        if state is not None and any(self._alive(state, state.layout, n) for n in state.pids):
            self._warn_if_different(state.layout)
            return state
        return StackState.started(self.requested_layout)

    def _warn_if_different(self, running: StackLayout) -> None:
        if running != self.requested_layout:
            logger.warning(
                "the stack in %s runs with %d broker(s), Kafka port %d, S3 port %d; "
                "run `cadabra stack down` first to change that",
                self.home,
                running.brokers,
                running.kafka_port,
                running.s3_port,
            )

    def down(self, *, purge: bool = False) -> list[str]:
        """Stop every process; `purge` also deletes data, logs and configurations."""
        state = load_state(self.home) or StackState(layout=self.layout)
        names = [p.name for p in self.processes(state.layout)]
        running = [n for n in names if self._alive(state, state.layout, n)]
        stop_processes(state, names, self.settings.stop_timeout_s)
        clear_state(self.home)
        if purge:
            for folder in ("data", "logs", "run", "conf"):
                shutil.rmtree(self.home / folder, ignore_errors=True)
        return running

    def stop_service(self, service: str) -> None:
        """Stop one process ("kafka-2") or a whole component ("kafka"), e.g. to test failover."""
        state = self._require_state()
        stop_processes(state, self._names(service), self.settings.stop_timeout_s)

    def start_service(self, service: str, on_step: StepCallback = no_step) -> None:
        """Start a stopped process or component again and wait until it answers."""
        state = self._require_state()
        names = [n for n in self._names(service) if not self._alive(state, state.layout, n)]
        components = [
            c for c in self.components(state.layout) if any(p.name in names for p in c.processes())
        ]
        check_ports([p for p in self.processes(state.layout) if p.name in names])
        for component in components:
            component.prepare(on_step)
        deadline = Deadline(self.settings.start_timeout_s)
        start_processes(components, state, names, deadline, on_step)

    def _require_state(self) -> StackState:
        state = load_state(self.home)
        if state is None:
            raise StackError(f"no stack runs in {self.home}: run `cadabra stack up` first")
        return state
