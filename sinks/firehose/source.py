"""The records a delivery stream delivers, read from Kafka with a consumer group.

A Direct PUT delivery stream reads its own topic (`firehose.<name>`) from its first record; a
`KinesisStreamAsSource` delivery stream reads the Kinesis stream's topic (a partition per shard,
children of a reshard included as they appear) from its `DeliveryStartTimestamp`, which is AWS's
"starts at LATEST when the delivery stream is created": records written after that instant are
delivered even when no worker was running yet. Kinesis records keep their partition key and
sequence number; KPL aggregates are de-aggregated, as Firehose does.

Offsets are committed by the worker only after the object holding them is stored (exactly-once
by construction: a restarted worker re-reads from the last committed offset and rewrites the same
objects). The group is named after the delivery stream and its creation time, so a re-created
stream starts over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from confluent_kafka import (
    OFFSET_BEGINNING,
    OFFSET_INVALID,
    Consumer,
    KafkaError,
    Message,
    TopicPartition,
)

from cadabra.aggregation import deaggregate
from cadabra.errors import DeliveryError
from cadabra.streams.clients import client_config
from cadabra.streams.sequence import encode_sequence, shard_id

__all__ = ["Chunk", "KafkaSource", "SourceRecord", "group_id"]

logger = logging.getLogger(__name__)

_FATAL = {KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError._FATAL}


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record to deliver: where it sits in Kafka, when it arrived, its bytes."""

    partition: int
    offset: int
    arrival_ms: int
    data: bytes
    # Kinesis source only: the record's partition key and sub-sequence number (KPL user record).
    partition_key: str | None = None
    subsequence: int | None = None

    @property
    def shard_id(self) -> str:
        return shard_id(self.partition)

    @property
    def sequence_number(self) -> str:
        return encode_sequence(self.partition, self.offset)


@dataclass(slots=True)
class Chunk:
    """Consecutive records of one partition, column by column (no object per record).

    A KPL aggregate's user records share their Kafka record's offset; `keys` and `subsequences`
    are set for a Kinesis source only.
    """

    partition: int
    offsets: list[int]
    arrivals: list[int]
    data: list[bytes]
    keys: list[str] | None = None
    subsequences: list[int] | None = None

    def __len__(self) -> int:
        return len(self.data)

    def sliced(self, start: int, stop: int | None = None) -> Chunk:
        cut = slice(start, stop)
        return Chunk(
            self.partition,
            self.offsets[cut],
            self.arrivals[cut],
            self.data[cut],
            None if self.keys is None else self.keys[cut],
            None if self.subsequences is None else self.subsequences[cut],
        )

    def record(self, index: int) -> SourceRecord:
        return SourceRecord(
            self.partition,
            self.offsets[index],
            self.arrivals[index],
            self.data[index],
            None if self.keys is None else self.keys[index],
            None if self.subsequences is None else self.subsequences[index],
        )

    @classmethod
    def joined(cls, chunks: list[Chunk]) -> Chunk:
        first = chunks[0]
        if len(chunks) == 1:
            return first
        kinesis = first.keys is not None
        joined = Chunk(
            first.partition, [], [], [], [] if kinesis else None, [] if kinesis else None
        )
        for chunk in chunks:
            joined.offsets += chunk.offsets
            joined.arrivals += chunk.arrivals
            joined.data += chunk.data
            if joined.keys is not None and chunk.keys is not None:
                joined.keys += chunk.keys
            if joined.subsequences is not None and chunk.subsequences is not None:
                joined.subsequences += chunk.subsequences
        return joined


def group_id(delivery_stream: str, created_ms: int) -> str:
    return f"cadabra-firehose.{delivery_stream}.{created_ms}"


Revoked = Callable[[list[int]], None]


class KafkaSource:
    """A consumer of one topic in the delivery stream's group; manual, synchronous commits."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        group: str,
        *,
        start_ms: int | None,
        kinesis: bool,
        on_revoke: Revoked,
        instance_id: str | None = None,
    ) -> None:
        self.topic = topic
        self._start_ms = start_ms
        self._kinesis = kinesis
        self._on_revoke = on_revoke
        self._consumer = Consumer(
            client_config(
                bootstrap,
                **{
                    "group.id": group,
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    "enable.partition.eof": False,
                    "topic.metadata.refresh.interval.ms": 2_000,
                    "queued.max.messages.kbytes": 32 * 1024,
                    "fetch.max.bytes": 16 * 1024 * 1024,
                    "max.partition.fetch.bytes": 8 * 1024 * 1024,
                    "session.timeout.ms": 10_000,
                    "heartbeat.interval.ms": 1_000,
                    "isolation.level": "read_committed",
                    # Static membership: a restarted worker takes its partitions back at once
                    # instead of waiting for the killed one's session to time out.
                    **({"group.instance.id": instance_id} if instance_id else {}),
                },
            )
        )
        self._consumer.subscribe([topic], on_assign=self._assigned, on_revoke=self._revoked)

    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Partitions without a committed offset start at the delivery start time."""
        committed = consumer.committed(partitions, timeout=10)
        starts = [p for p in committed if p.offset == OFFSET_INVALID]
        if starts and self._start_ms is not None:
            wanted = [TopicPartition(p.topic, p.partition, self._start_ms) for p in starts]
            positions = {p.partition: p.offset for p in consumer.offsets_for_times(wanted, 10)}
            for partition in committed:
                if partition.offset == OFFSET_INVALID:
                    # -1 (no record at or after the time): start at the end, i.e. at LATEST.
                    partition.offset = positions.get(partition.partition, OFFSET_BEGINNING)
        for partition in committed:
            if partition.offset == OFFSET_INVALID:
                partition.offset = OFFSET_BEGINNING
        consumer.assign(committed)
        logger.info("%s: reading partitions %s", self.topic, [p.partition for p in committed])

    def _revoked(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._on_revoke([p.partition for p in partitions])
        consumer.unassign()

    def poll(self, max_records: int, timeout_s: float) -> list[Chunk]:
        """What Kafka has, as one chunk per partition, in offset order."""
        messages = self._consumer.consume(max_records, timeout_s)
        good = [m for m in messages if m.error() is None]
        if len(good) < len(messages):
            for message in messages:
                error = message.error()
                if error is not None:
                    self._report(error)
        by_partition: dict[int, list[Message]] = {}
        for message in good:
            by_partition.setdefault(message.partition() or 0, []).append(message)
        if self._kinesis:
            return [_kinesis_chunk(p, ms) for p, ms in by_partition.items()]
        return [
            Chunk(
                partition,
                [m.offset() or 0 for m in group],
                [m.timestamp()[1] for m in group],
                [m.value() or b"" for m in group],
            )
            for partition, group in by_partition.items()
        ]

    def _report(self, error: KafkaError) -> None:
        if error.fatal() or error.code() in _FATAL:
            raise DeliveryError(f"reading {self.topic} failed: {error.str()}")
        logger.warning("%s: %s", self.topic, error.str())

    def commit(self, partition: int, next_offset: int) -> None:
        """Record that everything before `next_offset` of `partition` is stored."""
        self._consumer.commit(
            offsets=[TopicPartition(self.topic, partition, next_offset)], asynchronous=False
        )

    def committed(self) -> dict[int, int]:
        assigned = self._consumer.assignment()
        if not assigned:
            return {}
        return {p.partition: p.offset for p in self._consumer.committed(assigned, timeout=10)}

    def close(self) -> None:
        self._consumer.close()


def _kinesis_chunk(partition: int, messages: list[Message]) -> Chunk:
    """Kinesis records, KPL aggregates de-aggregated into their user records."""
    offsets: list[int] = []
    arrivals: list[int] = []
    data: list[bytes] = []
    keys: list[str] = []
    subsequences: list[int] = []
    for message in messages:
        offset, arrival = message.offset() or 0, message.timestamp()[1]
        key = (message.key() or b"").decode()
        for user in deaggregate(message.value() or b"", key):
            offsets.append(offset)
            arrivals.append(arrival)
            data.append(user.data)
            keys.append(user.partition_key)
            subsequences.append(user.sub_sequence_number)
    return Chunk(partition, offsets, arrivals, data, keys, subsequences)
