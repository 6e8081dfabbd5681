"""A delivery stream's worker: read the source, buffer per partition, deliver, then commit.

The loop polls Kafka, adds records to their partition's buffer, and delivers every buffer whose
size or interval hint is reached; the partition's offset is committed only after its objects are
stored. Backpressure is the loop itself: while a buffer is delivered nothing more is read, and
librdkafka's prefetch is capped, so memory stays near the sum of the buffers' size hints.

The worker follows its delivery stream: a new `VersionId` (UpdateDestination) delivers what is
buffered under the old configuration and switches; a deleted stream ends the worker. A graceful
stop delivers what is buffered; a crash loses only uncommitted buffers, which the next worker
reads again and writes to the same keys.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from confluent_kafka import KafkaException

from cadabra.config import KafkaSettings, StreamsSettings
from cadabra.firehose.models import KINESIS_SOURCE, DeliveryStreamState
from sinks.firehose.buffer import PartitionBuffer
from sinks.firehose.delivery import DeliveryReport, deliver
from sinks.firehose.metrics import DeliveryMetrics
from sinks.firehose.plan import DeliveryPlan
from sinks.firehose.settings import DeliverySettings
from sinks.firehose.source import Chunk, KafkaSource, group_id
from sinks.firehose.store import ObjectStore

__all__ = ["DeliveryWorker", "StateLookup", "source_topic"]

logger = logging.getLogger(__name__)

# Buffered JSON converted ahead per piece of this size (format conversion on).
PIECE_BYTES = 8 * 1024 * 1024

StateLookup = Callable[[str], DeliveryStreamState | None]
"""The delivery stream's current state (None once deleted), read fresh."""


def source_topic(state: DeliveryStreamState, firehose_prefix: str, kinesis_prefix: str) -> str:
    if state.stream_type == KINESIS_SOURCE and state.source is not None:
        stream = state.source["KinesisStreamARN"].rsplit("/", 1)[-1]
        return f"{kinesis_prefix}{stream}"
    return f"{firehose_prefix}{state.name}"


class DeliveryWorker:
    def __init__(
        self,
        state: DeliveryStreamState,
        lookup: StateLookup,
        plan_for: Callable[[DeliveryStreamState], DeliveryPlan],
        store: ObjectStore,
        *,
        kafka: KafkaSettings,
        firehose_topic_prefix: str,
        settings: DeliverySettings | None = None,
        metrics: DeliveryMetrics | None = None,
        instance_id: str | None = None,
    ) -> None:
        self.name = state.name
        self.settings = settings or DeliverySettings()
        self.metrics = metrics or DeliveryMetrics()
        self._lookup = lookup
        self._plan_for = plan_for
        self._store = store
        self._state = state
        self._plan = plan_for(state)
        self._buffers: dict[int, PartitionBuffer] = {}
        kinesis = state.stream_type == KINESIS_SOURCE
        self.topic = source_topic(state, firehose_topic_prefix, StreamsSettings().topic_prefix)
        self._source = KafkaSource(
            kafka.bootstrap,
            self.topic,
            group_id(state.name, state.created_ms),
            start_ms=state.created_ms if kinesis else None,
            kinesis=kinesis,
            on_revoke=self._revoked,
            instance_id=instance_id,
        )
        self._next_check = 0.0
        self._stop: threading.Event | None = None
        self._converting: ThreadPoolExecutor | None = None
        self.deliveries = 0
        # Monotonic time of the first records read (benchmarks measure from here).
        self.first_read_s: float | None = None

    # -- the loop --------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set or the delivery stream is deleted; then close."""
        self._stop = stop
        try:
            while not stop.is_set() and self._follow_state():
                self.step()
            if not stop.is_set():
                logger.info("%s: delivery stream deleted, worker ends", self.name)
            else:
                self._stop = None  # the last delivery is not interrupted by the stop itself
                self.flush_all()
        finally:
            self._source.close()
            if self._converting is not None:
                self._converting.shutdown(cancel_futures=True)

    def step(self) -> None:
        chunks = self._source.poll(self.settings.poll_records, self.settings.poll_timeout_s)
        now = time.monotonic()
        for chunk in chunks:
            self._buffer(chunk, now)
        for buffer in list(self._buffers.values()):
            if buffer.due(now):
                self._deliver(buffer)
        self._freshness()

    def _buffer(self, chunk: Chunk, now: float) -> None:
        if self.first_read_s is None:
            self.first_read_s = now
        self.metrics.incoming_records.labels(self.name).inc(len(chunk))
        self.metrics.incoming_bytes.labels(self.name).inc(sum(map(len, chunk.data)))
        buffer = self._buffers.get(chunk.partition)
        if buffer is None:
            buffer = self._buffers[chunk.partition] = PartitionBuffer(
                chunk.partition, self._plan.hints
            )
        rest: Chunk | None = chunk
        while rest is not None:
            rest = buffer.add(rest, now)
            self._prepare(buffer)
            if rest is not None or buffer.full():
                self._deliver(buffer)

    def _prepare(self, buffer: PartitionBuffer, *, rest: bool = False) -> None:
        """Convert buffered records in the background, in pieces, while more are read.

        Arrow's JSON reader and Parquet writer run without the GIL, so conversion overlaps
        reading Kafka; pieces of `PIECE_BYTES` keep Arrow's reader efficient. Not with a
        transformation, which must run first. `rest`: the last piece, whatever its size.
        """
        converter = self._plan.converter
        if converter is None or self._plan.transformer is not None:
            return
        if buffer.unprepared_size < PIECE_BYTES and not (rest and buffer.unprepared_size):
            return
        if self._converting is None:
            self._converting = ThreadPoolExecutor(1, thread_name_prefix=f"convert-{self.name}")
        piece = buffer.next_piece()
        buffer.prepared.append((self._converting.submit(converter.table, piece), len(piece)))

    def flush_all(self) -> None:
        for buffer in list(self._buffers.values()):
            if buffer:
                self._deliver(buffer)

    # -- delivering ------------------------------------------------------------------------

    def _deliver(self, buffer: PartitionBuffer) -> None:
        converted = None
        if buffer.prepared:
            self._prepare(buffer, rest=True)
            parts = [(future.result(), count) for future, count in buffer.prepared]
            if self._plan.converter is not None:
                tables = [part for part, _ in parts]
                converted = self._plan.converter.joined(tables, [count for _, count in parts])
        records = buffer.take()
        first, last = records.first_offset, records.last_offset
        partition = records.partition
        logger.info("%s: partition %d offsets %d-%d: delivering", self.name, partition, first, last)
        report = deliver(self._plan, self.topic, records, self._store, self._stop, converted)
        self._commit(partition, last + 1)
        self.deliveries += 1
        self._count(report)
        logger.info(
            "%s: partition %d offset %d committed after %s",
            self.name,
            partition,
            last + 1,
            report.keys,
        )

    def _commit(self, partition: int, next_offset: int) -> None:
        try:
            self._source.commit(partition, next_offset)
        except KafkaException as exc:
            # Revoked meanwhile: the new owner re-reads and rewrites the same objects.
            logger.warning("%s: commit of partition %d failed: %s", self.name, partition, exc)

    def _count(self, report: DeliveryReport) -> None:
        m, label = self.metrics, self.name
        m.records.labels(label).inc(report.records_out)
        m.bytes.labels(label).inc(report.bytes_out)
        m.objects.labels(label).inc(len(report.keys))
        m.success.labels(label).inc()
        if self._plan.transformer is not None:
            m.processed.labels(label).inc(report.records_in)
        if self._plan.converter is not None:
            m.conversion_ok.labels(label).inc(report.records_out)
            m.conversion_failed.labels(label).inc(report.conversion_failed)

    def _freshness(self) -> None:
        oldest = min(
            (b.chunks[0].first_arrival_ms for b in self._buffers.values() if b.chunks),
            default=None,
        )
        age = 0.0 if oldest is None else max(0.0, time.time() - oldest / 1000)
        self.metrics.freshness.labels(self.name).set(age)

    def _revoked(self, partitions: list[int]) -> None:
        for partition in partitions:
            self._buffers.pop(partition, None)

    # -- following the delivery stream ------------------------------------------------------

    def _follow_state(self) -> bool:
        """False once the stream is gone; a new version delivers the buffers and re-plans."""
        now = time.monotonic()
        if now < self._next_check:
            return True
        self._next_check = now + self.settings.discover_interval_s
        state = self._lookup(self.name)
        if state is None or state.created_ms != self._state.created_ms:
            return False
        if state.version != self._state.version:
            self.flush_all()
            self._state, self._plan = state, self._plan_for(state)
            for buffer in self._buffers.values():
                buffer.hints = self._plan.hints
            logger.info("%s: configuration version %d", self.name, state.version)
        return True
