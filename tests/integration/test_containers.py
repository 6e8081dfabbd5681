"""The stack's own services on every kind of stack, and the container stack's failures.

A container that dies at start, or runs without ever answering, fails the stack with an error
naming its service and showing its container's last log lines; nothing of that stack is left
behind (containers, network).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from confluent_kafka.admin import AdminClient

from cadabra.errors import ServiceStartError
from cadabra.stack.clients import aws_client
from cadabra.stack.containers import ContainerSettings, container_stack
from cadabra.stack.readiness import Deadline
from cadabra.stack.testing import StackEndpoints

# Left out, with a notice, where no container engine answers (tests/conftest.py); never skipped.
needs_engine = pytest.mark.containers


def _leftovers(prefix: str) -> list[str]:
    """Containers and networks whose names start with `prefix`."""
    import docker  # type: ignore[import-untyped]

    client = docker.from_env()
    try:
        containers = [c.name for c in client.containers.list(all=True)]
        networks = [n.name for n in client.networks.list()]
    finally:
        client.close()
    return [name for name in containers + networks if name.startswith(prefix)]


def test_every_service_of_the_stack_answers(
    stack: StackEndpoints, kafka_admin: AdminClient
) -> None:
    """The endpoint writes to the broker the tests read (in containers: Kafka's two listeners)."""
    assert stack.endpoint_url and stack.delivery_url
    assert httpx.get(f"{stack.delivery_url}/metrics", timeout=10).status_code == 200
    kinesis = aws_client("kinesis", stack.endpoint_url, stack.settings()[2])
    name = f"svc-{uuid.uuid4().hex[:10]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    try:
        deadline = Deadline(30.0)
        while f"kinesis.{name}" not in kafka_admin.list_topics(timeout=10).topics:
            assert not deadline.expired(), f"no topic for stream {name} after 30 s"
            time.sleep(0.1)
    finally:
        kinesis.delete_stream(StreamName=name)


@needs_engine
def test_a_broker_that_dies_at_start_names_itself_and_shows_its_log(tmp_path: Path) -> None:
    name = f"cadabra-test-{uuid.uuid4().hex[:8]}"
    broken = {"KAFKA_NODE_ID": "not-a-number"}
    with (
        pytest.raises(ServiceStartError) as caught,
        container_stack(tmp_path, name=name, kafka_env_overrides=broken),
    ):
        pass
    message = str(caught.value)
    assert caught.value.service == "kafka"
    assert f"last log lines of container {name}-kafka" in message
    assert "its container stopped during startup" in message
    assert "not-a-number" in message  # Kafka's own complaint, from the container's log
    assert "not-a-number" in (tmp_path / "kafka.log").read_text()
    assert _leftovers(name) == []


@needs_engine
def test_a_service_that_never_answers_times_out_naming_itself(tmp_path: Path) -> None:
    name = f"cadabra-test-{uuid.uuid4().hex[:8]}"
    # The broker runs, but its host listener is not on the port published for it.
    elsewhere = {"KAFKA_LISTENERS": "INTERNAL://:9092,CONTROLLER://:9093,HOST://:29999"}
    settings = ContainerSettings(start_timeout_s=20)
    with (
        pytest.raises(ServiceStartError) as caught,
        container_stack(tmp_path, settings, name=name, kafka_env_overrides=elsewhere),
    ):
        pass
    message = str(caught.value)
    assert caught.value.service == "kafka"
    assert "no answer within 20 s" in message
    assert f"last log lines of container {name}-kafka" in message
    assert "(the log is empty)" not in message
    assert _leftovers(name) == []
