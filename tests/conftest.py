"""Session fixtures shared by every test folder: the stack and its clients.

`session_stack` is the one stack `provide_stack` picks: a configured stack (CADABRA_KAFKA_BOOTSTRAP
set), else a NativeStack started once per session on free ports where java and mvn are found,
else every service in containers where a container engine answers (see cadabra.stack.testing).
`stack` is that stack; tests/integration overrides it to run on each kind of stack this machine
has. Unit tests never ask for it, so they start nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from confluent_kafka.admin import AdminClient

from cadabra.containers import load_env_file
from cadabra.stack.testing import StackEndpoints, docker_answers, provide_stack

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NOTICES: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Use the engine and images `make containers` set up, unless the environment names others."""
    for key, value in load_env_file().items():
        os.environ.setdefault(key, value)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the `containers` tests where no container engine answers, and say so.

    Not a skip: on CI's machines `make containers` always gives them an engine; elsewhere (no
    Docker, not root) there is nothing they could run on.
    """
    marked = [item for item in items if item.get_closest_marker("containers")]
    if marked and not docker_answers():
        config.hook.pytest_deselected(items=marked)
        items[:] = [item for item in items if item not in marked]
        NOTICES.append(
            f"{len(marked)} container test(s) not run: no container engine answers "
            "(`make containers`, as root, sets podman up)"
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for notice in NOTICES:
        terminalreporter.write_line(notice)


@pytest.fixture(scope="session")
def stack_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One classpath cache for every native stack of the session (mvn runs once per pom)."""
    return tmp_path_factory.mktemp("stack-cache")


@pytest.fixture(scope="session")
def session_stack(
    tmp_path_factory: pytest.TempPathFactory, stack_cache: Path
) -> Iterator[StackEndpoints]:
    """The session's one default stack, shared by the contract tests and tests/integration."""
    with provide_stack(tmp_path_factory.mktemp("stack"), cache_dir=stack_cache) as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def stack(session_stack: StackEndpoints) -> StackEndpoints:
    return session_stack


@pytest.fixture(scope="session")
def s3(stack: StackEndpoints) -> S3Client:
    return stack.s3_client()


@pytest.fixture(scope="session")
def kafka_admin(stack: StackEndpoints) -> AdminClient:
    return stack.kafka_admin()
