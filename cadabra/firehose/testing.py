"""Helpers for tests (and demos) of the Firehose layer: unique streams, and reading them back.

`DeliveryStreamFactory` creates delivery streams under unique names and deletes them afterwards;
`read_records` reads a Direct PUT stream's Kafka topic back, waiting with a deadline until the
expected number of records is there; `high_watermark` tells how many records a partition holds.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from cadabra.firehose.service import FirehoseService
from cadabra.streams.kafka_reader import FetchedRecord, KafkaReader

__all__ = [
    "ROLE_ARN",
    "DeliveryStreamFactory",
    "high_watermark",
    "read_records",
    "s3_destination",
]

ROLE_ARN = "arn:aws:iam::000000000000:role/firehose-delivery"


def s3_destination(bucket: str = "cadabra", **members: Any) -> dict[str, Any]:
    """An ExtendedS3DestinationConfiguration for `bucket`, with any further members."""
    return {"RoleARN": ROLE_ARN, "BucketARN": f"arn:aws:s3:::{bucket}", **members}


class DeliveryStreamFactory:
    """Creates delivery streams named `test-<uuid>`; `cleanup` deletes those still there."""

    def __init__(self, service: FirehoseService) -> None:
        self.service = service
        self.created: list[str] = []

    def __call__(self, **kwargs: Any) -> str:
        name = f"test-{uuid.uuid4().hex[:12]}"
        kwargs.setdefault("extended_s3_destination_configuration", s3_destination())
        self.service.create_delivery_stream(name, **kwargs)
        self.created.append(name)
        return name

    def cleanup(self) -> None:
        for name in self.created:
            if self.service.registry.get(name, refresh=True) is not None:
                self.service.delete_delivery_stream(name)


def read_records(
    service: FirehoseService,
    name: str,
    expected: int,
    partition: int = 0,
    timeout_s: float = 20.0,
) -> list[FetchedRecord]:
    """The records of the stream's topic partition, once `expected` are there (or the deadline)."""
    reader = KafkaReader(service.kafka.bootstrap)
    records: list[FetchedRecord] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < expected and time.monotonic() < deadline:
            offset = records[-1].offset + 1 if records else 0
            page = reader.read(service.topic(name), partition, offset, 10_000, 64 * 1024 * 1024)
            records += page.records
    finally:
        reader.close()
    return records


def high_watermark(service: FirehoseService, name: str, partition: int = 0) -> int:
    """The offset after the last record Kafka acknowledged in the stream's topic partition."""
    reader = KafkaReader(service.kafka.bootstrap)
    try:
        return reader.watermarks(service.topic(name), partition)[1]
    finally:
        reader.close()
