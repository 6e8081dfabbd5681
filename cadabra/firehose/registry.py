"""The delivery-stream registry, persisted in Kafka: a compacted topic keyed by stream name.

Firehose's control plane (CreateDeliveryStream, UpdateDestination, tags, deletion) writes one JSON
document per delivery stream to `__cadabra_firehose`, so every process of a stack (the endpoint,
the delivery sink) sees the same streams, versions and destinations. A write is acknowledged by the
broker (acks=all) before the local view changes; a deleted stream is a tombstone. Reads are
incremental: each refresh consumes only what was appended since the last one.
"""

from __future__ import annotations

import threading

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from cadabra.errors import InternalFailureException
from cadabra.firehose.models import DeliveryStreamState
from cadabra.streams.clients import client_config
from cadabra.streams.kafka_reader import partition_watermarks
from cadabra.streams.topics import TopicAdmin

__all__ = ["DeliveryStreamRegistry"]

_TIMEOUT_S = 30.0


class DeliveryStreamRegistry:
    def __init__(self, bootstrap: str, topic: str, admin: TopicAdmin) -> None:
        self._topic = topic
        self._lock = threading.RLock()
        self._streams: dict[str, DeliveryStreamState] = {}
        self._next_offset = 0
        if not admin.exists(topic):
            self._create_topic(admin)
        self._producer = Producer(
            client_config(bootstrap, acks="all", **{"enable.idempotence": True})
        )
        self._consumer = Consumer(
            client_config(
                bootstrap,
                **{
                    "group.id": "cadabra-firehose-registry",
                    "enable.auto.commit": False,
                    "enable.partition.eof": True,
                },
            )
        )
        self.refresh()

    def _create_topic(self, admin: TopicAdmin) -> None:
        try:
            admin.create(self._topic, 1, {"cleanup.policy": "compact"})
        except Exception as exc:  # another process created it first
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise

    def refresh(self) -> None:
        """Apply what other processes appended since the last refresh."""
        with self._lock:
            tp = TopicPartition(self._topic, 0)
            _, high = partition_watermarks(self._consumer, tp.topic, tp.partition)
            if high <= self._next_offset:
                return
            self._consumer.assign([TopicPartition(self._topic, 0, self._next_offset)])
            try:
                self._consume_until(high)
            finally:
                self._consumer.unassign()

    def _consume_until(self, high: int) -> None:
        while self._next_offset < high:
            msg = self._consumer.poll(_TIMEOUT_S)
            if msg is None:
                raise TimeoutError(f"Firehose registry topic {self._topic} did not answer")
            error = msg.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    return
                continue
            self._apply(msg.key(), msg.value())
            self._next_offset = (msg.offset() or 0) + 1

    def _apply(self, key: bytes | None, value: bytes | None) -> None:
        if key is None:
            return
        name = key.decode()
        if value is None:
            self._streams.pop(name, None)
        else:
            self._streams[name] = DeliveryStreamState.from_json(value)

    def get(self, name: str, *, refresh: bool = False) -> DeliveryStreamState | None:
        """The stream's state; `refresh` reads the topic first when the name is not known here."""
        with self._lock:
            if refresh and name not in self._streams:
                self.refresh()
            return self._streams.get(name)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._streams)

    def put(self, state: DeliveryStreamState) -> None:
        self._write(state.name, state.to_json())

    def delete(self, name: str) -> None:
        self._write(name, None)

    def _write(self, name: str, value: bytes | None) -> None:
        errors: list[KafkaError] = []

        def report(err: KafkaError | None, _msg: object) -> None:
            if err is not None:
                errors.append(err)

        with self._lock:
            self._producer.produce(self._topic, value, name.encode(), on_delivery=report)
            if self._producer.flush(_TIMEOUT_S) > 0 or errors:
                raise InternalFailureException(f"Firehose registry write for {name} failed")
            self.refresh()

    def close(self) -> None:
        self._producer.flush(_TIMEOUT_S)
        self._consumer.close()
