"""Fixtures for Firehose delivery tests: the Firehose API and delivery workers on the session stack.

Delivery streams made here are tagged `cadabra:delivery=manual`, so the stack's own delivery
service leaves them to the worker a test runs (in a thread, or as a process it may kill).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cadabra.config import FirehoseSettings
from cadabra.firehose import FirehoseService
from cadabra.firehose.testing import s3_destination
from cadabra.stack.testing import StackEndpoints
from sinks.firehose.service import MANUAL_TAG, DeliveryContext
from sinks.firehose.settings import DeliverySettings
from sinks.firehose.testing import running


@pytest.fixture(autouse=True)
def stack_processes_running(stack: StackEndpoints) -> None:
    """Every process of the session's native stack runs before an integration test.

    One full run on a clean clone found the back-end process (Firehose and SNS delivery) gone
    with exit status 0, i.e. stopped by a SIGTERM from outside; its log now says which signal.
    Restarting what is missing (and saying so) keeps one such event from failing the tests
    that rely on the stack's own services.
    """
    if stack.native is None:
        return
    missing = [row.name for row in stack.native.status() if not row.alive]
    if missing:
        print(f"restarting stack processes that had stopped: {missing}", file=sys.stderr)
        stack.native.up()


@pytest.fixture(scope="session")
def firehose_api(stack: StackEndpoints) -> Iterator[FirehoseService]:
    """Firehose's API on the session's broker, Direct PUT quotas off (delivery is the subject)."""
    kafka, _, aws = stack.settings()
    service = FirehoseService(kafka, FirehoseSettings(quota_enabled=False), aws=aws)
    yield service
    service.close()


@pytest.fixture
def delivery(stack: StackEndpoints) -> Iterator[DeliveryContext]:
    kafka, s3, aws = stack.settings()
    settings = DeliverySettings(discover_interval_s=0.5, s3_retry_s=5.0)
    context = DeliveryContext(kafka=kafka, settings=settings, s3=s3, aws=aws)
    yield context
    context.close()


MakeDelivery = Callable[..., str]


@pytest.fixture
def make_delivery(firehose_api: FirehoseService, stack: StackEndpoints) -> Iterator[MakeDelivery]:
    """Creates a manual delivery stream writing under its own prefix `<name>/` by default."""
    created: list[str] = []

    def make(**destination: Any) -> str:
        name = f"fh-{uuid.uuid4().hex[:10]}"
        destination.setdefault("Prefix", f"{name}/")
        kinesis = destination.pop("kinesis_source", None)
        firehose_api.create_delivery_stream(
            name,
            delivery_stream_type="KinesisStreamAsSource" if kinesis else "DirectPut",
            kinesis_stream_source_configuration=kinesis,
            extended_s3_destination_configuration=s3_destination(stack.bucket, **destination),
            tags=[{"Key": MANUAL_TAG, "Value": "manual"}],
        )
        created.append(name)
        return name

    yield make
    for name in created:
        if firehose_api.registry.get(name, refresh=True) is not None:
            firehose_api.delete_delivery_stream(name)


@pytest.fixture
def run_worker(delivery: DeliveryContext) -> Callable[[str], Any]:
    def start(name: str) -> Any:
        state = delivery.lookup(name)
        assert state is not None
        return running(delivery.worker(state))

    return start
