"""Starting and stopping a stack's processes: ports first, spawn, wait, roll back on failure."""

from __future__ import annotations

import contextlib
import logging
from functools import partial

from cadabra.errors import ServiceStartError
from cadabra.stack.net import port_in_use
from cadabra.stack.process import is_alive, read_pid, spawn, stop_all
from cadabra.stack.readiness import Deadline, wait_until_answers
from cadabra.stack.service import Component, ServiceProcess, StepCallback
from cadabra.stack.state import StackState, save_state

__all__ = ["check_ports", "start_processes", "stop_processes"]

logger = logging.getLogger(__name__)


def check_ports(processes: list[ServiceProcess]) -> None:
    """Fail fast, naming the service, when another program holds one of its ports."""
    for process in processes:
        for port in process.ports:
            if port_in_use(port):
                detail = f"port {port} is already in use by another program"
                raise ServiceStartError(process.name, str(process.log_file), detail)


def _owner(components: list[Component], name: str) -> Component:
    return next(c for c in components if any(p.name == name for p in c.processes()))


def start_processes(
    components: list[Component],
    state: StackState,
    names: list[str],
    deadline: Deadline,
    on_step: StepCallback,
) -> None:
    """Start `names`, wait until every process of `components` answers, run after-start hooks.

    On any failure the processes started here are stopped again and the error is re-raised.
    """
    layout = state.layout
    try:
        for name in names:
            on_step(f"starting {name}")
            state.pids[name] = spawn(_owner(components, name).launch(name))
            save_state(state)
        for component in components:
            _wait_component(component, state, deadline, on_step)
    except BaseException:
        with contextlib.suppress(Exception):
            stop_processes(state, names, timeout_s=10.0)
        raise
    logger.info("stack in %s answers after %.1f s", layout.home, deadline.elapsed())


def _wait_component(
    component: Component, state: StackState, deadline: Deadline, on_step: StepCallback
) -> None:
    marker = state.layout.marker
    for process in component.processes():
        on_step(f"waiting for {process.name} to answer")
        pid = state.pids.get(process.name)
        alive = partial(is_alive, pid, marker(process.name))
        wait_until_answers(process.name, process.log_file, process.answers, deadline, alive=alive)
    on_step(f"{component.name}: finishing setup")
    component.after_start()


def stop_processes(state: StackState, names: list[str], timeout_s: float) -> None:
    """Stop `names` (SIGTERM, then SIGKILL after `timeout_s`) and forget their pids."""
    layout = state.layout
    targets = []
    for name in names:
        pid = state.pids.get(name) or read_pid(layout.pid_file(name))
        if pid is not None:
            targets.append((pid, layout.marker(name)))
    stop_all(targets, timeout_s)
    for name in names:
        state.pids.pop(name, None)
        with contextlib.suppress(FileNotFoundError):
            layout.pid_file(name).unlink()
    save_state(state)
