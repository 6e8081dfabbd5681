"""Reads of one shard's partition at an offset: the Kafka side of GetRecords.

A small pool of assign-only consumers (no group membership, no commits) serves every caller;
each read checks the partition's watermarks first so that a caught-up reader returns at once
instead of waiting out a fetch.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from confluent_kafka import OFFSET_END, Consumer, KafkaError, KafkaException, TopicPartition

from cadabra.streams.clients import client_config
from cadabra.streams.kafka_writer import MAX_MESSAGE_BYTES

__all__ = ["FetchedRecord", "KafkaReader", "ReadResult", "partition_watermarks"]

_METADATA_WAIT_S = 10.0
_TRANSIENT = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._TRANSPORT,
    KafkaError._UNKNOWN_PARTITION,
}


@dataclass(frozen=True, slots=True)
class FetchedRecord:
    offset: int
    timestamp_ms: int
    key: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class ReadResult:
    records: list[FetchedRecord]
    next_offset: int
    high_watermark: int


def partition_watermarks(consumer: Consumer, topic: str, partition: int) -> tuple[int, int]:
    """(low, high) of a partition, waiting out the metadata lag of a just-created topic."""
    deadline = time.monotonic() + _METADATA_WAIT_S
    while True:
        try:
            low, high = consumer.get_watermark_offsets(
                TopicPartition(topic, partition), timeout=10, cached=False
            )
            return int(low), int(high)
        except KafkaException as exc:
            # A partition created a moment ago: this client's metadata may lag the leader's.
            error: KafkaError = exc.args[0]
            code = error.code()
            # Local client states (code < 0) pass while a new cluster's metadata settles.
            transient = code in _TRANSIENT or code < 0 or error.retriable()
            if not transient or time.monotonic() > deadline:
                raise
            if code == KafkaError._UNKNOWN_PARTITION:  # a stale cache does not heal by itself
                consumer.list_topics(topic, timeout=10)
            time.sleep(0.05)


class KafkaReader:
    def __init__(self, bootstrap: str, fetch_timeout_s: float = 2.0) -> None:
        self._bootstrap = bootstrap
        self._fetch_timeout_s = fetch_timeout_s
        self._pool: queue.LifoQueue[Consumer] = queue.LifoQueue()

    def _new_consumer(self) -> Consumer:
        return Consumer(
            client_config(
                self._bootstrap,
                **{
                    "group.id": "cadabra-streams-reader",
                    "enable.auto.commit": False,
                    "enable.partition.eof": True,
                    "fetch.wait.max.ms": 20,
                    "fetch.max.bytes": 4 * MAX_MESSAGE_BYTES,
                    "max.partition.fetch.bytes": MAX_MESSAGE_BYTES,
                    "receive.message.max.bytes": 5 * MAX_MESSAGE_BYTES,
                },
            )
        )

    @contextmanager
    def _consumer(self) -> Iterator[Consumer]:
        try:
            consumer = self._pool.get_nowait()
        except queue.Empty:
            consumer = self._new_consumer()
        try:
            yield consumer
        finally:
            self._pool.put(consumer)

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        with self._consumer() as consumer:
            return partition_watermarks(consumer, topic, partition)

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int:
        """First offset whose LogAppendTime is >= timestamp_ms (the high watermark if none)."""
        with self._consumer() as consumer:
            [found] = consumer.offsets_for_times(
                [TopicPartition(topic, partition, timestamp_ms)], timeout=10
            )
            if found.offset == OFFSET_END or found.offset < 0:
                return self.watermarks(topic, partition)[1]
            return int(found.offset)

    def read(
        self, topic: str, partition: int, offset: int, max_records: int, max_bytes: int
    ) -> ReadResult:
        low, high = self.watermarks(topic, partition)
        start = max(offset, low)
        if start >= high:
            return ReadResult([], start, high)
        with self._consumer() as consumer:
            consumer.assign([TopicPartition(topic, partition, start)])
            try:
                records = self._fetch(consumer, start, min(max_records, high - start), max_bytes)
            finally:
                consumer.unassign()
        next_offset = records[-1].offset + 1 if records else start
        return ReadResult(records, next_offset, high)

    def _fetch(
        self, consumer: Consumer, start: int, wanted: int, max_bytes: int
    ) -> list[FetchedRecord]:
        records: list[FetchedRecord] = []
        size = 0
        deadline = time.monotonic() + self._fetch_timeout_s
        while len(records) < wanted and time.monotonic() < deadline:
            for msg in consumer.consume(min(wanted - len(records), 10_000), timeout=0.2):
                error = msg.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        return records
                    continue
                value, key = msg.value() or b"", msg.key() or b""
                if records and size + len(value) + len(key) > max_bytes:
                    return records
                size += len(value) + len(key)
                records.append(FetchedRecord(msg.offset() or 0, msg.timestamp()[1], key, value))
                if len(records) >= wanted:
                    return records
        return records

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return
