"""Named JSON documents kept in a compacted Kafka topic: the stack's shared control state.

Every process of a stack reads the same topic, so every process sees the same documents (the
shard map of each stream, each Firehose delivery stream). A write is acknowledged by the broker
(acks=all) before the local view changes; a deletion is a tombstone. Reads are incremental: each
refresh consumes only what was appended since the last one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from cadabra.errors import InternalFailureException
from cadabra.streams.clients import client_config
from cadabra.streams.kafka_reader import partition_watermarks
from cadabra.streams.topics import TopicAdmin

__all__ = ["CompactedStore", "Document"]

_TIMEOUT_S = 30.0


class Document(Protocol):
    @property
    def name(self) -> str: ...

    def to_json(self) -> bytes: ...


D = TypeVar("D", bound=Document)


class CompactedStore(Generic[D]):
    def __init__(
        self,
        bootstrap: str,
        topic: str,
        admin: TopicAdmin,
        decode: Callable[[bytes], D],
        group_id: str,
    ) -> None:
        self._topic = topic
        self._decode = decode
        self._lock = threading.RLock()
        self._documents: dict[str, D] = {}
        self._next_offset = 0
        if not admin.exists(topic):
            self._create_topic(admin)
        self._producer = Producer(
            client_config(bootstrap, acks="all", **{"enable.idempotence": True})
        )
        settings = {"group.id": group_id, "enable.auto.commit": False, "enable.partition.eof": True}
        self._consumer = Consumer(client_config(bootstrap, **settings))
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
            _, high = partition_watermarks(self._consumer, self._topic, 0)
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
                raise TimeoutError(f"topic {self._topic} did not answer")
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
            self._documents.pop(name, None)
        else:
            self._documents[name] = self._decode(value)

    def get(self, name: str, *, refresh: bool = False) -> D | None:
        """The document; `refresh` reads the topic first when the name is not known here."""
        with self._lock:
            if refresh and name not in self._documents:
                self.refresh()
            return self._documents.get(name)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._documents)

    def put(self, document: D) -> None:
        self._write(document.name, document.to_json())

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
                raise InternalFailureException(f"write of {name} to {self._topic} failed")
            self.refresh()

    def close(self) -> None:
        self._producer.flush(_TIMEOUT_S)
        self._consumer.close()
