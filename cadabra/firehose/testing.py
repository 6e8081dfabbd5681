"""Helpers for tests (and demos) of the Firehose layer: unique streams, and reading them back.

`DeliveryStreamFactory` creates delivery streams under unique names and deletes them afterwards;
`read_records` reads a Direct PUT stream's Kafka topic back as Firehose records (a batch's Kafka
record unpacked), waiting with a deadline until the expected number is there; `stored_records`
counts the Firehose records a partition holds.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from cadabra.firehose.framing import unpack
from cadabra.firehose.service import FirehoseService
from cadabra.streams.kafka_reader import FetchedRecord, KafkaReader

__all__ = [
    "ROLE_ARN",
    "DeliveryStreamFactory",
    "read_records",
    "s3_destination",
    "stored_records",
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
    """The stream's Firehose records (a batch's share their Kafka offset), once `expected` are
    there (or the deadline)."""
    reader = KafkaReader(service.kafka.bootstrap)
    records: list[FetchedRecord] = []
    offset = 0
    deadline = time.monotonic() + timeout_s
    try:
        while len(records) < expected and time.monotonic() < deadline:
            page = reader.read(service.topic(name), partition, offset, 10_000, 64 * 1024 * 1024)
            for kafka_record in page.records:
                records += [
                    FetchedRecord(kafka_record.offset, kafka_record.timestamp_ms, b"", data)
                    for data in unpack(kafka_record.value)
                ]
                offset = kafka_record.offset + 1
    finally:
        reader.close()
    return records


def stored_records(service: FirehoseService, name: str, partition: int = 0) -> int:
    """How many Firehose records the stream's topic partition holds (Kafka acknowledged)."""
    reader = KafkaReader(service.kafka.bootstrap)
    topic, offset, count = service.topic(name), 0, 0
    try:
        high = reader.watermarks(topic, partition)[1]
        while offset < high:
            page = reader.read(topic, partition, offset, 10_000, 64 * 1024 * 1024)
            for kafka_record in page.records:
                count += len(unpack(kafka_record.value))
                offset = kafka_record.offset + 1
    finally:
        reader.close()
    return count
