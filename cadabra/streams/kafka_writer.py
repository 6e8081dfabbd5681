"""Durable writes to Kafka: acks=all, idempotence, and a wait for every delivery report.

A record is acknowledged to the caller only once the broker has it (its delivery report carries
the offset and the broker's LogAppendTime). One producer and one poller thread serve every caller,
so concurrent PutRecords calls pipeline into the same batches.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from cadabra.streams.clients import client_config

__all__ = ["Delivered", "KafkaWriter", "OutgoingRecord", "WriteFailed"]

# Kafka's per-message overhead above a 10 MiB record and its key.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024 + 64 * 1024


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    partition: int
    key: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class Delivered:
    offset: int
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class WriteFailed:
    reason: str


class _Batch:
    """Collects the delivery reports of one call and wakes its caller when all have arrived."""

    def __init__(self, size: int) -> None:
        self.results: list[Delivered | WriteFailed | None] = [None] * size
        self._pending = size
        self._lock = threading.Lock()
        self.done = threading.Event()
        if size == 0:
            self.done.set()

    def reporter(self, index: int) -> Any:
        def report(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                self.results[index] = WriteFailed(err.str())
            else:
                self.results[index] = Delivered(msg.offset() or 0, msg.timestamp()[1])
            with self._lock:
                self._pending -= 1
                if self._pending == 0:
                    self.done.set()

        return report


class KafkaWriter:
    def __init__(self, bootstrap: str, delivery_timeout_ms: int = 30_000) -> None:
        self._delivery_timeout_s = delivery_timeout_ms / 1000
        self._producer = Producer(
            client_config(
                bootstrap,
                **{
                    "acks": "all",
                    "enable.idempotence": True,
                    "linger.ms": 2,
                    "batch.size": 1_000_000,
                    "message.max.bytes": MAX_MESSAGE_BYTES,
                    "delivery.timeout.ms": delivery_timeout_ms,
                    "queue.buffering.max.kbytes": 256 * 1024,
                },
            )
        )
        self._running = True
        self._poller = threading.Thread(target=self._poll, name="cadabra-writer", daemon=True)
        self._poller.start()

    def write(self, topic: str, records: Sequence[OutgoingRecord]) -> list[Delivered | WriteFailed]:
        batch = _Batch(len(records))
        for index, record in enumerate(records):
            self._produce(topic, record, batch.reporter(index))
        if not batch.done.wait(self._delivery_timeout_s + 5):
            return [r or WriteFailed("delivery report timed out") for r in batch.results]
        return [r or WriteFailed("no delivery report") for r in batch.results]

    def _produce(self, topic: str, record: OutgoingRecord, report: Any) -> None:
        while True:
            try:
                self._producer.produce(
                    topic, record.value, record.key, partition=record.partition, on_delivery=report
                )
                return
            except BufferError:
                self._producer.poll(0.05)
            except KafkaException as exc:
                report(exc.args[0], None)
                return

    def _poll(self) -> None:
        while self._running:
            self._producer.poll(0.05)

    def close(self) -> None:
        self._producer.flush(self._delivery_timeout_s)
        self._running = False
        self._poller.join()
