"""The container set-up's pure parts: which images stand for which variables, what a build hashes,
when the set-up steps aside, and the health runner's schedule (its podman calls recorded)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from cadabra.containers import engine, healthd, images, steps

ROOT = Path(__file__).resolve().parents[2]


def test_each_compose_variable_names_one_local_image() -> None:
    assert images.image_env() == {
        "PYTHON_IMAGE": "localhost/cadabra/python:3.11",
        "KAFKA_IMAGE": "localhost/cadabra/kafka:4.1.1",
        "MINIO_IMAGE": "localhost/cadabra/s3proxy:3.1.0",
        "POSTGRES_IMAGE": "localhost/cadabra/postgres:15",
        "CADABRA_IMAGE": "localhost/cadabra/cadabra:dev",
    }


def test_every_recipe_folder_has_a_containerfile_and_every_image_a_built_parent() -> None:
    names = [image.name for image in images.IMAGES]
    for position, image in enumerate(images.IMAGES):
        if image.parent:
            assert image.parent in names[:position], f"{image.name} is built before its parent"
        if image not in (images.BASE, images.CADABRA):
            assert (image.recipe / "Containerfile").is_file(), image.recipe


def test_the_kafka_image_keeps_the_native_stacks_version() -> None:
    pom = (ROOT / "cadabra/stack/maven/kafka.xml").read_text()
    tag = images.KAFKA.name.rsplit(":", 1)[1]
    assert f"<kafka.version>{tag}</kafka.version>" in pom
    assert "<artifactId>kafka-tools</artifactId>" in pom  # the healthcheck's command


def test_the_cadabra_image_hashes_what_the_dockerfile_copies() -> None:
    sources = {
        path.relative_to(ROOT).as_posix() for path in images._copy_sources(ROOT / "Dockerfile")
    }
    assert {"pyproject.toml", "cadabra", "sinks"} <= sources
    inputs = {path.relative_to(ROOT).as_posix() for path in images._inputs(images.CADABRA)}
    assert "cadabra/containers/images.py" in inputs
    assert not [path for path in inputs if "__pycache__" in path or path.endswith(".pyc")]


def test_a_changed_recipe_file_changes_the_inputs_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    recipe = tmp_path / "containers" / "toy"
    recipe.mkdir(parents=True)
    (recipe / "Containerfile").write_text("FROM scratch\n")
    monkeypatch.setattr(images, "RECIPES", tmp_path / "containers")
    monkeypatch.setattr(images, "REPO", tmp_path)
    toy = images.Image("toy", "localhost/cadabra/toy:1")
    before = images.inputs_hash(toy)
    assert images.inputs_hash(toy) == before
    (recipe / "Containerfile").write_text("FROM scratch\nLABEL x=1\n")
    assert images.inputs_hash(toy) != before


def test_the_env_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "containers.env"
    path.write_text("# comment\nDOCKER_HOST=unix:///run/podman/podman.sock\nKAFKA_IMAGE=k:1\n")
    assert engine.load_env_file(path) == {
        "DOCKER_HOST": "unix:///run/podman/podman.sock",
        "KAFKA_IMAGE": "k:1",
    }
    assert engine.load_env_file(tmp_path / "missing.env") == {}


def test_a_users_docker_engine_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://docker.example:2375")
    assert engine.docker_engine_answers()
    assert "Docker engine answers" in steps.skip_reason()
    monkeypatch.setenv("DOCKER_HOST", engine.DOCKER_HOST)  # ours: never counts as the user's
    assert not engine.docker_engine_answers()


def test_a_socket_nobody_serves_does_not_answer(tmp_path: Path) -> None:
    assert not engine.api_answers(tmp_path / "none.sock", timeout=0.5)


class FakePodman:
    """Records podman calls; containers have healthchecks, `healthy` ones pass their check."""

    def __init__(self, intervals: dict[str, float], healthy: set[str]) -> None:
        self.intervals, self.healthy, self.checked = intervals, healthy, []  # type: ignore[var-annotated]

    def __call__(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        import json

        if args[0] == "ps":
            out = "\n".join(self.intervals)
        elif args[0] == "inspect":
            out = json.dumps(
                [
                    {
                        "Id": cid,
                        "Config": {
                            "Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": int(s * 1e9)}
                        },
                    }
                    for cid, s in self.intervals.items()
                ]
            )
        else:
            self.checked.append(args[-1])
            return subprocess.CompletedProcess(args, 0 if args[-1] in self.healthy else 1, "", "")
        return subprocess.CompletedProcess(args, 0, out, "")


def test_the_health_runner_checks_until_healthy_then_at_the_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    podman = FakePodman({"kafka": 5.0, "s3": 5.0}, healthy={"kafka"})
    monkeypatch.setattr(healthd, "_podman", podman)
    known: dict[str, Any] = {}
    for now in (0.0, 1.0, 2.0, 3.0):
        healthd.tick(known, now)
    # kafka passed at t=0 and is not due again before t=5; s3 keeps failing, so every tick.
    assert podman.checked.count("kafka") == 1
    assert podman.checked.count("s3") == 4
    healthd.tick(known, 5.0)
    assert podman.checked.count("kafka") == 2
    podman.intervals.pop("s3")  # stopped: forgotten
    healthd.tick(known, 6.0)
    assert set(known) == {"kafka"}


def test_the_local_s3_image_starts_s3proxy_through_the_stacks_launcher() -> None:
    from cadabra.stack.s3 import LAUNCHER, LAUNCHER_CLASS

    assert images.S3.java == LAUNCHER
    assert LAUNCHER in images._inputs(images.S3)  # a change to the launcher rebuilds the image
    script = (images.S3.recipe / "minio").read_text()
    assert f"-cp '/opt/s3proxy/libs/*:/opt/s3proxy/classes' {LAUNCHER_CLASS} " in script
    assert "COPY classes/ /opt/s3proxy/classes/" in (images.S3.recipe / "Containerfile").read_text()
