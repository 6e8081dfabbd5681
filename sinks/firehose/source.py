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
from cadabra.firehose.framing import unpack
from cadabra.streams.clients import STREAMING_CONSUMER, client_config, consume_ready
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


class Chunk:
    """Consecutive records of one partition, column by column (no object per record).

    The data is taken from Kafka's messages at once; their offsets and arrival times only when
    asked for (the delivery of a Direct PUT stream needs the first and last). A KPL aggregate's
    user records share their Kafka record's offset, and so do a PutRecordBatch's records; their
    place in it is `subsequences` (the sub-sequence number, or the index in the batch). `keys`
    is set for a Kinesis source only.
    """

    __slots__ = ("_arrivals", "_messages", "_offsets", "data", "keys", "partition", "subsequences")

    def __init__(
        self,
        partition: int,
        data: list[bytes],
        *,
        messages: list[Message] | None = None,
        offsets: list[int] | None = None,
        arrivals: list[int] | None = None,
        keys: list[str] | None = None,
        subsequences: list[int] | None = None,
    ) -> None:
        self.partition = partition
        self.data = data
        self._messages = messages
        self._offsets = offsets
        self._arrivals = arrivals
        self.keys = keys
        self.subsequences = subsequences

    def __len__(self) -> int:
        return len(self.data)

    @property
    def offsets(self) -> list[int]:
        if self._offsets is None:
            self._offsets = [m.offset() or 0 for m in self._messages or ()]
        return self._offsets

    @property
    def arrivals(self) -> list[int]:
        if self._arrivals is None:
            self._arrivals = [m.timestamp()[1] for m in self._messages or ()]
        return self._arrivals

    @property
    def first_offset(self) -> int:
        if self._messages is not None:
            return self._messages[0].offset() or 0
        return self.offsets[0]

    @property
    def last_offset(self) -> int:
        if self._messages is not None:
            return self._messages[-1].offset() or 0
        return self.offsets[-1]

    @property
    def first_arrival_ms(self) -> int:
        if self._messages is not None:
            return self._messages[0].timestamp()[1]
        return self.arrivals[0]

    @property
    def unique_offsets(self) -> bool:
        """Every record its own Kafka record (no batch's or KPL aggregate's records)."""
        return self.subsequences is None

    def sliced(self, start: int, stop: int | None = None) -> Chunk:
        cut = slice(start, stop)
        if self._messages is not None:
            return Chunk(self.partition, self.data[cut], messages=self._messages[cut])
        return Chunk(
            self.partition,
            self.data[cut],
            offsets=self.offsets[cut],
            arrivals=self.arrivals[cut],
            keys=None if self.keys is None else self.keys[cut],
            subsequences=None if self.subsequences is None else self.subsequences[cut],
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
        data = [d for chunk in chunks for d in chunk.data]
        if all(chunk._messages is not None for chunk in chunks):
            messages = [m for chunk in chunks for m in chunk._messages or ()]
            return Chunk(first.partition, data, messages=messages)
        kinesis = first.keys is not None
        return Chunk(
            first.partition,
            data,
            offsets=[o for chunk in chunks for o in chunk.offsets],
            arrivals=[a for chunk in chunks for a in chunk.arrivals],
            keys=[k for chunk in chunks for k in chunk.keys or ()] if kinesis else None,
            subsequences=[n for chunk in chunks for n in _subsequences(chunk)],
        )


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
        # The one partition assigned, if only one is: a poll's records need no grouping.
        self._single: list[int] = []
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
                    **STREAMING_CONSUMER,
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
        self._single = [p.partition for p in committed] if len(committed) == 1 else []
        logger.info("%s: reading partitions %s", self.topic, [p.partition for p in committed])

    def _revoked(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._single = []
        self._on_revoke([p.partition for p in partitions])
        consumer.unassign()

    def poll(self, max_records: int, timeout_s: float) -> list[Chunk]:
        """What Kafka has, as one chunk per partition, in offset order."""
        messages = consume_ready(self._consumer, max_records, timeout_s)
        good = [m for m in messages if m.error() is None]
        if len(good) < len(messages):
            for message in messages:
                error = message.error()
                if error is not None:
                    self._report(error)
        if self._single:
            by_partition = {self._single[0]: good} if good else {}
        else:
            by_partition = {}
            for message in good:
                by_partition.setdefault(message.partition() or 0, []).append(message)
        if self._kinesis:
            return [_kinesis_chunk(p, ms) for p, ms in by_partition.items()]
        return [_direct_put_chunk(p, ms) for p, ms in by_partition.items()]

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


def _subsequences(chunk: Chunk) -> list[int]:
    return chunk.subsequences if chunk.subsequences is not None else [0] * len(chunk)


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
    return Chunk(
        partition, data, offsets=offsets, arrivals=arrivals, keys=keys, subsequences=subsequences
    )


def _direct_put_chunk(partition: int, messages: list[Message]) -> Chunk:
    """Direct PUT records: a PutRecordBatch's Kafka record unpacked into the call's records."""
    values = [m.value() or b"" for m in messages]
    batches = [unpack(value) for value in values]
    if all(len(batch) == 1 for batch in batches):  # PutRecord traffic: one record each
        return Chunk(partition, values, messages=messages)
    offsets: list[int] = []
    arrivals: list[int] = []
    indexes: list[int] = []
    data: list[bytes] = []
    for message, batch in zip(messages, batches, strict=True):
        count = len(batch)
        offsets += [message.offset() or 0] * count
        arrivals += [message.timestamp()[1]] * count
        indexes += range(count)
        data += batch
    return Chunk(partition, data, offsets=offsets, arrivals=arrivals, subsequences=indexes)
