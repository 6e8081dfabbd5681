"""Fixtures for the streams contract: one StreamsService per session on the session's broker.

Each test gets fresh quota buckets on a frozen clock (so limits are pinned exactly at their
boundary, however slow the machine) and unique stream names.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cadabra.config import KafkaSettings, QuotaSettings
from cadabra.quotas import FakeClock, QuotaRegistry
from cadabra.streams import StreamsService


@pytest.fixture(scope="session")
def streams_service(stack: Any) -> Iterator[StreamsService]:
    service = StreamsService(KafkaSettings(bootstrap=stack.kafka_bootstrap))
    yield service
    service.close()


@pytest.fixture
def quota_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def streams(streams_service: StreamsService, quota_clock: FakeClock) -> StreamsService:
    """The session's service with AWS's default quotas on a frozen clock, fresh per test."""
    streams_service.quotas = QuotaRegistry(QuotaSettings(), clock=quota_clock)
    return streams_service


@pytest.fixture
def make_stream(streams: StreamsService) -> Iterator[Callable[..., str]]:
    created: list[str] = []

    def make(shard_count: int = 1, **kwargs: object) -> str:
        name = f"test-{uuid.uuid4().hex[:12]}"
        streams.create_stream(name, shard_count, **kwargs)  # type: ignore[arg-type]
        created.append(name)
        return name

    yield make
    for name in created:
        if streams.shard_map.get(name) is not None:
            streams.delete_stream(stream_name=name)


@pytest.fixture
def read_all(
    streams: StreamsService, quota_clock: FakeClock
) -> Callable[[str, int], list[dict[str, Any]]]:
    """GetRecords until `expected` records arrived or a deadline; a quota second per call."""

    def read(iterator: str, expected: int) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        deadline = time.monotonic() + 20
        while len(records) < expected and time.monotonic() < deadline:
            page = streams.get_records(iterator)
            records += page["Records"]
            iterator = page["NextShardIterator"]
            quota_clock.advance(1)
        return records

    return read


@pytest.fixture(scope="session")
def endpoint_url(streams_service: StreamsService) -> Iterator[str]:
    """The endpoint app served in-process on a free port, over the session's streams service."""
    from cadabra.endpoint.app import EndpointApp
    from cadabra.endpoint.server import KINESIS_PREFIX, kinesis_service
    from cadabra.endpoint.testing import serve_in_thread
    from cadabra.stack.net import free_port_block

    services = {KINESIS_PREFIX: kinesis_service(streams_service)}
    app = EndpointApp(services)
    with serve_in_thread(app, free_port_block(1)) as url:
        yield url
    app.close()


@pytest.fixture
def kinesis(endpoint_url: str, streams: StreamsService) -> Any:
    """A boto3 Kinesis client on the endpoint; no client-side retries, so errors surface."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "kinesis",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="cadabra",
        aws_secret_access_key="cadabra-secret",  # noqa: S106 - the stack's default, not a secret
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def firehose_service(stack: Any, streams_service: StreamsService) -> Iterator[Any]:
    """One FirehoseService per session, beside the session's streams service."""
    from cadabra.firehose import FirehoseService

    service = FirehoseService(
        KafkaSettings(bootstrap=stack.kafka_bootstrap), streams=streams_service
    )
    yield service
    service.close()


@pytest.fixture
def firehose(firehose_service: Any, quota_clock: FakeClock) -> Any:
    """The session's Firehose with AWS's Direct PUT quotas on a frozen clock, fresh per test."""
    from cadabra.config import FirehoseSettings
    from cadabra.firehose.throughput import DirectPutQuotas

    firehose_service.quotas = DirectPutQuotas(FirehoseSettings(), clock=quota_clock)
    return firehose_service


@pytest.fixture
def make(firehose: Any) -> Iterator[Any]:
    """A delivery-stream factory; what it creates is deleted after the test."""
    from cadabra.firehose.testing import DeliveryStreamFactory

    factory = DeliveryStreamFactory(firehose)
    yield factory
    factory.cleanup()
