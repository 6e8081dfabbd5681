"""The demo's roles as processes: each is a `cadabra ...` command, as a user would start it.

The agent, the analytics app, the Lambdas, the notifier and the web app run as their own
processes (`python -m cadabra <command>`), logging to files under the demo's folder; stopping
sends SIGTERM (each role then finishes what it holds, as on AWS) and SIGKILL after a grace time.
`cadabra` starts them by command name, so it does not import the roles' packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RoleProcess", "Roles"]


@dataclass
class RoleProcess:
    name: str
    args: Sequence[str]
    log_file: Path
    env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "cadabra", *self.args]
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                command, stdout=log, stderr=log, env={**os.environ, **self.env}
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace_s: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after `grace_s`; the exit code (None if never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def tail(self, lines: int = 15) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Roles:
    """The processes the demo started, stopped in reverse order."""

    started: list[RoleProcess] = field(default_factory=list)

    def start(self, role: RoleProcess) -> RoleProcess:
        role.start()
        self.started.append(role)
        return role

    def failed(self) -> list[RoleProcess]:
        """Roles that exited on their own (a demo failure: their log tells why)."""
        return [role for role in self.started if not role.running]

    def stop(self) -> dict[str, int | None]:
        return {role.name: role.stop() for role in reversed(self.started)}
