"""`make containers`: the container engine and the local images, step by step with progress."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cadabra.containers import engine, images

__all__ = ["Outcome", "prepare"]

ENGINE_VARIABLES = {"DOCKER_HOST": engine.DOCKER_HOST, "TESTCONTAINERS_RYUK_DISABLED": "true"}
"""testcontainers' Ryuk reaper is an image from a registry; the suite removes what it starts."""


@dataclass
class Outcome:
    """What `prepare` did: a notice when it did nothing, else the steps and their seconds."""

    notice: str = ""
    steps: list[tuple[str, float, str]] = field(default_factory=list)

    @property
    def prepared(self) -> bool:
        return not self.notice


def skip_reason() -> str:
    """Why this machine keeps its own container engine, or "" when we set podman up."""
    if engine.docker_engine_answers():
        return "a Docker engine answers: the tests use it and the official images"
    if os.geteuid() != 0:
        return "not root: no local container engine (run `make containers` as root to add one)"
    return ""


def prepare(console: Console | None = None) -> Outcome:
    """Set podman up and build the images (each step skipped when already done)."""
    console = console or Console(stderr=True)
    reason = skip_reason()
    if reason:
        engine.ENV_FILE.unlink(missing_ok=True)
        return Outcome(notice=f"make containers: skipped, {reason}")
    outcome = Outcome()
    steps: list[tuple[str, Callable[[], str]]] = [
        ("Debian packages (podman, runc, debootstrap)", _packages),
        ("podman configuration", lambda: "written" if engine.write_containers_conf() else "as is"),
        ("podman API socket and health runner", _service),
        ("Compose v2 (docker compose)", lambda: "built" if engine.ensure_compose() else "present"),
        *[(f"image {image.name}", _builder(image)) for image in images.IMAGES],
    ]
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        for title, step in steps:
            task = progress.add_task(title, total=1)
            started = time.monotonic()
            result = step()
            seconds = time.monotonic() - started
            outcome.steps.append((title, seconds, result))
            progress.update(task, completed=1, description=f"{title}: {result}")
    _write_env()
    return outcome


def _packages() -> str:
    installed = engine.ensure_packages()
    return f"installed {', '.join(installed)}" if installed else "present"


def _service() -> str:
    started = engine.ensure_service()
    return f"started {', '.join(started)}" if started else "running"


def _builder(image: images.Image) -> Callable[[], str]:
    return lambda: "built" if images.build(image) else "up to date"


def _write_env() -> None:
    variables = {**ENGINE_VARIABLES, **images.image_env()}
    engine.ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Written by `make containers`: the local engine and images for the tests."]
    lines += [f"{key}={value}" for key, value in variables.items()]
    engine.ENV_FILE.write_text("\n".join(lines) + "\n")
