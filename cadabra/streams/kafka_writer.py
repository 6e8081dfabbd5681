"""Durable writes to Kafka: acks=all, idempotence, and a wait for every delivery report.

A record is acknowledged to the caller only once the broker has it (its delivery report carries
the offset and the broker's LogAppendTime). One producer and one poller thread serve every caller,
so concurrent PutRecords calls pipeline into the same batches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from cadabra.streams.clients import client_config

__all__ = ["Delivered", "KafkaWriter", "WriteFailed"]

# Kafka's per-message overhead above a 10 MiB record and its key.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024 + 64 * 1024


@dataclass(frozen=True, slots=True)
class Delivered:
    offset: int
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class WriteFailed:
    reason: str


class _Batch:
    """Collects the delivery reports of one call and wakes its caller when all have arrived.

    Reports run only on the writer's poller thread, so the countdown needs no lock.
    """

    def __init__(self, size: int) -> None:
        self.results: list[Delivered | WriteFailed | None] = [None] * size
        self._pending = size
        self.done = threading.Event()
        if size == 0:
            self.done.set()

    def reporter(self, index: int) -> Any:
        def report(err: KafkaError | None, msg: Message) -> None:
            if err is not None:
                self.results[index] = WriteFailed(err.str())
            else:
                self.results[index] = Delivered(msg.offset() or 0, msg.timestamp()[1])
            self._pending -= 1
            if self._pending == 0:
                self.done.set()

        return report


class _Lane:
    """One idempotent producer and the poller thread that alone runs its delivery reports."""

    def __init__(self, bootstrap: str, delivery_timeout_ms: int, linger_ms: float) -> None:
        self.producer = Producer(
            client_config(
                bootstrap,
                **{
                    "acks": "all",
                    "enable.idempotence": True,
                    "linger.ms": linger_ms,
                    "socket.nagle.disable": True,
                    "batch.size": 1_000_000,
                    "message.max.bytes": MAX_MESSAGE_BYTES,
                    "delivery.timeout.ms": delivery_timeout_ms,
                    "queue.buffering.max.kbytes": 256 * 1024,
                },
            )
        )
        self._refused: list[tuple[Any, KafkaError]] = []
        self._refused_lock = threading.Lock()
        self._running = True
        self._poller = threading.Thread(target=self._poll, name="cadabra-writer", daemon=True)
        self._poller.start()

    def produce(self, topic: str, partition: int, key: bytes, value: bytes, report: Any) -> None:
        try:
            self.producer.produce(topic, value, key, partition=partition, on_delivery=report)
        except (BufferError, KafkaException):
            self._produce_slowly(topic, partition, key, value, report)

    def _produce_slowly(
        self, topic: str, partition: int, key: bytes, value: bytes, report: Any
    ) -> None:
        """The local queue is full: wait for the poller to drain it (it alone runs reports)."""
        while True:
            try:
                self.producer.produce(topic, value, key, partition=partition, on_delivery=report)
                return
            except BufferError:
                time.sleep(0.01)
            except KafkaException as exc:
                with self._refused_lock:  # reported on the poller thread, like every report
                    self._refused.append((report, exc.args[0]))
                return

    def _poll(self) -> None:
        while self._running:
            self.producer.poll(0.05)
            if self._refused:
                with self._refused_lock:
                    refused, self._refused = self._refused, []
                for report, error in refused:
                    report(error, None)

    def close(self, timeout_s: float) -> None:
        self.producer.flush(timeout_s)
        self._running = False
        self._poller.join()


class KafkaWriter:
    """Two lanes: single records go out at once (PutRecord latency), batches linger 1 ms so
    a PutRecords call spread over many shards leaves as one request per broker, not dozens."""

    SINGLE_MAX = 4

    def __init__(self, bootstrap: str, delivery_timeout_ms: int = 30_000) -> None:
        self._delivery_timeout_s = delivery_timeout_ms / 1000
        self._single = _Lane(bootstrap, delivery_timeout_ms, linger_ms=0)
        self._bulk = _Lane(bootstrap, delivery_timeout_ms, linger_ms=1)

    def write(
        self, topic: str, partitions: Sequence[int], keys: Sequence[bytes], values: Sequence[bytes]
    ) -> list[Delivered | WriteFailed]:
        """Write record i (keys[i], values[i]) to partitions[i]; a report per record, in order."""
        batch = _Batch(len(partitions))
        lane = self._single if len(partitions) <= self.SINGLE_MAX else self._bulk
        for index, (partition, key, value) in enumerate(zip(partitions, keys, values, strict=True)):
            lane.produce(topic, partition, key, value, batch.reporter(index))
        if not batch.done.wait(self._delivery_timeout_s + 5):
            return [r or WriteFailed("delivery report timed out") for r in batch.results]
        return [r or WriteFailed("no delivery report") for r in batch.results]

    def producers(self) -> list[Producer]:
        return [self._single.producer, self._bulk.producer]

    def close(self) -> None:
        self._single.close(self._delivery_timeout_s)
        self._bulk.close(self._delivery_timeout_s)
