"""Session fixtures shared by every test folder: the stack and its clients.

`stack` is a configured stack (CADABRA_KAFKA_BOOTSTRAP set), else Kafka and MinIO under
testcontainers where a Docker engine answers, else a NativeStack started once per session on free
ports (see cadabra.stack.testing). Unit tests never ask for it, so they start nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from confluent_kafka.admin import AdminClient

from cadabra.stack.testing import StackEndpoints, provide_stack

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@pytest.fixture(scope="session")
def stack_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One classpath cache for every native stack of the session (mvn runs once per pom)."""
    return tmp_path_factory.mktemp("stack-cache")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, stack_cache: Path) -> Iterator[StackEndpoints]:
    with provide_stack(tmp_path_factory.mktemp("stack"), cache_dir=stack_cache) as endpoints:
        yield endpoints


@pytest.fixture(scope="session")
def s3(stack: StackEndpoints) -> S3Client:
    return stack.s3_client()


@pytest.fixture(scope="session")
def kafka_admin(stack: StackEndpoints) -> AdminClient:
    return stack.kafka_admin()
