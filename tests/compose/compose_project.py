"""One throwaway `docker compose` project of the repository's compose file, for the smoke test.

The project gets its own name (`-p cadabra-smoke-<uuid>`) and its own free host ports, so it never
touches a user's `cadabra` stack or another test's. Images come from the environment, falling back
to `.cadabra/containers.env` (written by `make containers` on machines without Docker), then to the
compose file's defaults (the official images). Every compose call has a deadline. When services
do not become usable, the error names each of them with its state and its last log lines.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cadabra.stack.net import free_port_block
from cadabra.stack.readiness import Deadline

__all__ = [
    "ROOT",
    "ComposeError",
    "ComposeProject",
    "HostPorts",
    "ServiceState",
    "compose_environment",
    "engine_problem",
    "one_shot_services",
]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
CONTAINERS_ENV = ROOT / ".cadabra" / "containers.env"
PROJECT_LABEL = "com.docker.compose.project"
ONEOFF_LABEL = "com.docker.compose.oneoff"
LOG_LINES = 20
# Variables the compose file interpolates that a developer's shell may hold for another stack;
# the project uses the file's defaults for them (images excepted: they choose what runs).
_INHERITED_PREFIXES = ("CADABRA_", "AWS_")
_KEPT = frozenset({"CADABRA_IMAGE"})


class ComposeError(AssertionError):
    """A compose command failed or the stack did not become usable; the message says which part."""


@dataclass(frozen=True)
class HostPorts:
    """Free host ports for the published services (the compose file's *_HOST_PORT variables)."""

    kafka: int
    s3: int
    s3_console: int
    endpoint: int

    @classmethod
    def free(cls) -> HostPorts:
        ports: list[int] = []
        while len(ports) < 4:
            port = free_port_block(1)
            if port not in ports:
                ports.append(port)
        return cls(*ports)

    def env(self) -> dict[str, str]:
        return {
            "CADABRA_KAFKA_HOST_PORT": str(self.kafka),
            "CADABRA_S3_HOST_PORT": str(self.s3),
            "CADABRA_S3_CONSOLE_HOST_PORT": str(self.s3_console),
            "CADABRA_ENDPOINT_HOST_PORT": str(self.endpoint),
        }


@dataclass(frozen=True)
class ServiceState:
    """One service's container as `docker compose ps -a` shows it ("" health: no healthcheck)."""

    service: str
    state: str
    health: str
    exit_code: int

    def usable(self, *, one_shot: bool) -> bool:
        """Running (and healthy, if it has a check), or a one-shot job that did its work."""
        if one_shot and self.state == "exited":
            return self.exit_code == 0
        return self.state == "running" and self.health in {"", "healthy"}

    def describe(self) -> str:
        health = f", health {self.health}" if self.health else ""
        exit_code = f", exit code {self.exit_code}" if self.state == "exited" else ""
        return f"state {self.state}{health}{exit_code}"


def _env_file_values(path: Path) -> dict[str, str]:
    """KEY=value lines of a shell env file (comments, blanks and `export ` allowed)."""
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip().removeprefix("export ")
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = "".join(shlex.split(value))
    return values


def compose_environment(ports: HostPorts) -> dict[str, str]:
    """The environment compose runs with: images and engine from the shell or containers.env."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key in _KEPT or not key.startswith(_INHERITED_PREFIXES)
    }
    return {**_env_file_values(CONTAINERS_ENV), **inherited, **ports.env()}


def one_shot_services() -> set[str]:
    """Services others wait for to complete (depends_on: service_completed_successfully)."""
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    return {
        dependency
        for service in services.values()
        for dependency, spec in (service.get("depends_on") or {}).items()
        if spec.get("condition") == "service_completed_successfully"
    }


def _parse_ps(output: str) -> list[dict[str, Any]]:
    """`ps --format json`: one object per line (Compose ≥ 2.21) or one array (older)."""
    text = output.strip()
    if not text:
        return []
    if text.startswith("["):
        loaded: list[dict[str, Any]] = json.loads(text)
        return loaded
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass
class ComposeProject:
    """`docker compose -p NAME -f docker-compose.yml ...` with this project's environment."""

    ports: HostPorts = field(default_factory=HostPorts.free)
    name: str = field(default_factory=lambda: f"cadabra-smoke-{uuid.uuid4().hex[:8]}")
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.env = compose_environment(self.ports)

    # -- commands --------------------------------------------------------------------------

    def command(self, *args: str) -> list[str]:
        return ["docker", "compose", "-p", self.name, "-f", str(COMPOSE_FILE), *args]

    def run(
        self, *args: str, timeout_s: float, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a compose command; ComposeError (with its output) if it fails and `check`."""
        try:
            done = subprocess.run(  # noqa: S603 - fixed command line, our own arguments
                self.command(*args),
                env=self.env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=max(1.0, timeout_s),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ComposeError(
                f"`docker compose {' '.join(args)}` ran over {timeout_s:.0f} s"
            ) from exc
        if check and done.returncode != 0:
            raise ComposeError(
                f"`docker compose {' '.join(args)}` exited {done.returncode}:\n"
                f"{_last_lines(done.stdout + done.stderr, 40)}"
            )
        return done

    def up(self, services: list[str], deadline: Deadline) -> None:
        """Start `services` (and what they depend on) and wait until each is usable."""
        wait_s = max(1, int(deadline.remaining()) - 5)
        done = self.run(
            "up", "--detach", "--wait", "--wait-timeout", str(wait_s), self._build_flag(),
            *services, timeout_s=deadline.remaining(), check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise ComposeError(self.why_not_usable(done.stdout + done.stderr))

    def _build_flag(self) -> str:
        """CI names an image `make containers` built from this tree; elsewhere build it now, so
        the test never runs a stale `cadabra` image (Docker's layer cache keeps it quick)."""
        return "--no-build" if self.env.get("CADABRA_IMAGE") else "--build"

    def states(self) -> list[ServiceState]:
        listed = _parse_ps(self.run("ps", "--all", "--format", "json", timeout_s=30).stdout)
        return [
            ServiceState(
                str(item.get("Service", "")),
                str(item.get("State", "")).lower(),
                str(item.get("Health", "")).lower(),
                int(item.get("ExitCode") or 0),
            )
            for item in listed
        ]

    def logs(self, service: str, lines: int = LOG_LINES) -> str:
        done = self.run(
            "logs", "--no-color", "--tail", str(lines), service, timeout_s=30, check=False
        )
        return (done.stdout + done.stderr).rstrip() or "(no log lines)"

    def why_not_usable(self, output: str = "") -> str:
        """Each service that failed or never became healthy, with its state and last log lines;
        then the services still waiting on them. Compose's own output when none failed."""
        states = self.states()
        one_shot = one_shot_services()
        failed = [
            state
            for state in states
            if state.state != "created" and not state.usable(one_shot=state.service in one_shot)
        ]
        waiting = sorted(state.service for state in states if state.state == "created")
        parts = [self._report(state, "did not become healthy") for state in failed]
        if not failed:
            # Nothing failed yet: show what runs without a healthcheck (a job still working).
            running = [s for s in states if s.state == "running" and s.health != "healthy"]
            parts = [self._report(state, "was still running") for state in running]
            parts.append(f"compose said:\n{_last_lines(output, 20)}")
        if waiting:
            parts.append(f"never started (waiting on the services above): {', '.join(waiting)}")
        return f"project {self.name}: " + "\n\n".join(parts)

    def _report(self, state: ServiceState, what: str) -> str:
        return (
            f"compose service {state.service} {what} ({state.describe()}); "
            f"its last {LOG_LINES} log lines:\n{self.logs(state.service)}"
        )

    def down(self) -> None:
        """Remove the project's containers (one-off `run` ones too), networks and volumes."""
        # One-off `run` containers of `cadabra` live in notify's network namespace; Podman will not
        # remove notify while they exist, and `down` does not always take them first.
        oneoffs = self._labelled("ps", "--all", extra=(f"label={ONEOFF_LABEL}=True",))
        if oneoffs:
            self._docker("rm", "--force", *oneoffs)
        self.run("down", "--volumes", "--remove-orphans", "--timeout", "10", timeout_s=120)

    # -- what is left ----------------------------------------------------------------------

    def leftovers(self) -> dict[str, list[str]]:
        """Containers, networks and volumes still labelled with this project ({} when none)."""
        found = {
            "containers": self._labelled("ps", "--all"),
            "networks": self._labelled("network", "ls"),
            "volumes": self._labelled("volume", "ls"),
        }
        return {kind: ids for kind, ids in found.items() if ids}

    def _labelled(self, *listing: str, extra: tuple[str, ...] = ()) -> list[str]:
        """Ids `docker <listing> --quiet` gives for this project's label (and `extra` filters)."""
        filters = [f"label={PROJECT_LABEL}={self.name}", *extra]
        flags = [part for label in filters for part in ("--filter", label)]
        return self._docker(*listing, "--quiet", *flags).split()

    def _docker(self, *args: str) -> str:
        command = ["docker", *args]
        done = subprocess.run(  # noqa: S603 - fixed command line, our own arguments
            command, env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise ComposeError(f"`docker {' '.join(args)}` exited {done.returncode}: {done.stderr}")
        return done.stdout


def _last_lines(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def engine_problem(env: dict[str, str]) -> str:
    """Why compose cannot run here ("" when the tool is installed and an engine answers)."""
    checks = (
        (["docker", "compose", "version"], "the `docker compose` plugin is not installed"),
        (["docker", "version", "--format", "{{.Server.Version}}"], "no container engine answers"),
    )
    for command, problem in checks:
        try:
            done = subprocess.run(  # noqa: S603 - fixed command lines
                command, env=env, capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{problem} ({exc})"
        if done.returncode != 0:
            where = env.get("DOCKER_HOST", "the default socket")
            return f"{problem} at {where}: {_last_lines(done.stderr, 5)}"
    return ""
