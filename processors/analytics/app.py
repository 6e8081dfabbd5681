"""Kinesis Data Analytics (Managed Flink today) on Faust: the course's transaction-rate alarm.

The input is the Kinesis stream's own Kafka topic (`kinesis.CadabraOrders`, one partition per
shard), read by a Faust agent; an order's time is its Kafka record timestamp, which is the
broker's LogAppendTime, i.e. Kinesis' ApproximateArrivalTimestamp (KDA's ROWTIME, Flink's
PROCTIME up to the read delay). The window state lives in a Faust table (memory store, a
compacted changelog topic per application) keyed by input shard, so a restart recovers it.

Per batch of orders: the analyzer counts them and computes the alarm rows; rows already in the
output are dropped (ledger.py); the rest are written through Cadabra's Kinesis API (output.py);
only then the changed shard states go to the changelog, and Faust commits the input offsets after
flushing the changelog. What a restart therefore guarantees, crash (kill -9) included:
- no order is counted twice: the state records the last offset it applied per shard;
- no order is lost: an offset is committed only once its effect is in the changelog;
- no alarm row is lost: a row is written before the state that made it is saved, so a crash in
  between replays the order and remakes the row;
- no alarm row is written twice: rows have ids that replay remakes identically, and ids already
  in the output stream are skipped.
(The output is at-least-once only if the output stream itself loses its tail, which Kafka with
acks=all does not.) Limits: one worker process per application (Faust could balance shards over
several, but the windows span all shards); an input stream resharded while the app runs needs a
restart; KPL-aggregated input records count as one order each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust

from cadabra.config import KafkaSettings, StreamsSettings
from cadabra.errors import CadabraError, ResourceNotFoundException
from cadabra.streams import StreamsService
from processors.analytics.alarms import Alarm
from processors.analytics.analyzer import PartitionState, RateAnalyzer
from processors.analytics.ledger import AlarmLedger
from processors.analytics.output import AlarmWriter
from processors.analytics.settings import AnalyticsSettings

__all__ = ["AnalyticsApp", "AnalyticsError", "AnalyticsRunner", "AnalyticsStats"]

logger = logging.getLogger(__name__)

TABLE_NAME = "windows"


class AnalyticsError(CadabraError):
    """The application cannot run (its input stream is missing, a worker failed)."""


def _data_dir(application: str) -> Path:
    """Faust's data folder (it makes the folder, not its parents), out of the working directory."""
    parent = Path(tempfile.gettempdir()) / "cadabra-analytics"
    parent.mkdir(parents=True, exist_ok=True)
    return parent / application


@dataclass
class AnalyticsStats:
    duplicates: int = 0
    written: int = 0
    last_row: str = ""
    ready: bool = False


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class AnalyticsApp:
    """The application: settings, the Kinesis API it writes through, its Faust app."""

    def __init__(
        self,
        settings: AnalyticsSettings | None = None,
        kafka: KafkaSettings | None = None,
        streams: StreamsService | None = None,
    ) -> None:
        self.settings = settings or AnalyticsSettings()
        self.kafka = kafka or (streams.kafka if streams else KafkaSettings())
        self.streams = streams or StreamsService(self.kafka, StreamsSettings())
        self._owns_streams = streams is None
        s = self.settings
        self.analyzer = RateAnalyzer(s)
        self.ledger = AlarmLedger(
            self.streams, s.output_stream, s.application_name, round(s.ledger_margin_s * 1000)
        )
        self.writer = AlarmWriter(self.streams, s.output_stream, s.application_name)
        self.stats = AnalyticsStats()
        self.source_topic = self.streams.topic(s.source_stream)
        self._lock = asyncio.Lock()
        self.faust: Any = None
        self.table: Any = None
        self.state_prefix = f"{s.source_stream}/"
        self.failure: BaseException | None = None
        self.on_failure: Callable[[BaseException], None] | None = None

    # -- setup ----------------------------------------------------------------------------

    def prepare(self) -> int:
        """Check the input, create the output if missing; the input's partition count."""
        try:
            state = self.streams.state(self.settings.source_stream)
        except ResourceNotFoundException as exc:
            raise AnalyticsError(
                f"Input stream {self.settings.source_stream} not found: {exc.message}"
            ) from exc
        self.writer.ensure_stream(self.settings.output_shards)
        # State belongs to one incarnation of the input: a stream deleted and made again under
        # the same name (offsets from 0 again) or another input starts from empty windows.
        self.state_prefix = f"{state.name}@{state.created_ms}/"
        return len(state.shards)

    def build(self, partitions: int) -> Any:
        """The Faust app (call inside the event loop that will run it)."""
        s = self.settings
        app = faust.App(
            s.application_name,
            broker=[f"kafka://{host}" for host in self.kafka.bootstrap.split(",")],
            store="memory://",
            # Faust makes `<id>-data/` in the working directory otherwise; the tables live in
            # memory and their changelog topics, so nothing there needs keeping.
            datadir=str(_data_dir(s.application_name)),
            web_enabled=False,
            autodiscover=False,
            topic_partitions=partitions,
            topic_replication_factor=self.kafka.replication_factor or 1,
            consumer_auto_offset_reset=s.auto_offset_reset,
            broker_commit_interval=s.commit_interval_s,
            broker_session_timeout=s.session_timeout_s,
            broker_heartbeat_interval=min(3.0, s.session_timeout_s / 3),
        )
        source = app.topic(
            self.source_topic,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        )
        self.table = app.Table(
            TABLE_NAME,
            default=None,
            partitions=partitions,
            # <stream>@<created ms>/<shard number> -> PartitionState document, JSON both ways.
            schema=faust.Schema(key_serializer="json", value_serializer="json"),
        )
        app.agent(source, name=f"{s.application_name}.orders")(self._orders)
        if s.mode == "flink":
            app.timer(s.tick_interval_s, name=f"{s.application_name}.tick")(self._tick)
        app.on_partitions_revoked.connect(self._on_revoked)
        self.faust = app
        return app

    def close(self) -> None:
        if self._owns_streams:
            self.streams.close()

    # -- processing -----------------------------------------------------------------------

    async def _orders(self, stream: Any) -> None:
        s = self.settings
        try:
            async for events in stream.take_events(s.batch_size, within=s.batch_wait_s):
                async with self._lock:
                    await self._apply(events)
        except Exception as exc:
            self._fail(exc)

    async def _apply(self, events: Sequence[Any]) -> None:
        alarms: list[Alarm] = []
        for event in events:
            message = event.message
            self._restore(message.partition)
            at_ms = round(message.timestamp * 1000)
            alarms += self.analyzer.on_record(message.partition, message.offset, at_ms)
        await self._emit(alarms)
        self._persist()
        self.stats.ready = True

    def _fail(self, exc: BaseException) -> None:
        """Stop rather than go on from a state that may be ahead of the output."""
        logger.error("analytics application failed: %s", exc, exc_info=exc)
        self.failure = exc
        if self.on_failure is not None:
            self.on_failure(exc)

    async def _tick(self) -> None:
        try:
            await self._close_idle_windows()
        except Exception as exc:
            self._fail(exc)

    async def _close_idle_windows(self) -> None:
        app = self.faust
        if app.rebalancing or not app.tables.recovery.completed.is_set():
            return
        tps = [tp for tp in app.consumer.assignment() if tp.topic == self.source_topic]
        if not tps:
            return
        async with self._lock:
            for tp in tps:
                self._restore(tp.partition)
            caught_up = await self._caught_up(tps)
            alarms = self.analyzer.on_tick(_now_ms(), caught_up)
            await self._emit(alarms)
            self._persist()
            self.stats.ready = True

    async def _caught_up(self, tps: Sequence[Any]) -> list[int]:
        """Input shards whose every record so far is applied (their windows may close)."""
        highwaters = await self.faust.consumer.highwaters(*tps)
        done: list[int] = []
        for tp in tps:
            applied = self.analyzer.shards[tp.partition].offset
            highwater = highwaters.get(tp)
            if highwater is None:
                continue
            if applied + 1 >= highwater:
                done.append(tp.partition)
            elif applied < 0:  # nothing read since a NOW start: the position says where we are
                position = await self.faust.consumer.position(tp)
                if position is not None and position >= highwater:
                    done.append(tp.partition)
        return done

    async def _emit(self, alarms: Sequence[Alarm]) -> None:
        fresh: list[Alarm] = []
        for alarm in alarms:
            if self.ledger.needs(alarm.at_ms):
                await asyncio.to_thread(self.ledger.cover, alarm.at_ms)
            if self.ledger.seen(alarm.alarm_id):
                self.stats.duplicates += 1
            else:
                fresh.append(alarm)
        if not fresh:
            return
        await asyncio.to_thread(self.writer.write, fresh)
        for alarm in fresh:
            self.ledger.add(alarm.alarm_id)
        self.stats.written += len(fresh)
        self.stats.last_row = fresh[-1].data().decode()

    # -- state ----------------------------------------------------------------------------

    def _restore(self, partition: int) -> None:
        if partition in self.analyzer.shards:
            return
        document = self.table.data.get(f"{self.state_prefix}{partition}")
        state = PartitionState.from_document(document) if document else None
        self.analyzer.restore(partition, state)
        if state is not None:
            logger.info("shard %d restored at offset %d", partition, state.offset)

    def _persist(self) -> None:
        """Changed shard states to the table and its changelog (partition = input shard)."""
        for partition in self.analyzer.take_dirty():
            key = f"{self.state_prefix}{partition}"
            value = self.analyzer.state(partition).to_document()
            self.table.data[key] = value
            self.table.send_changelog(partition, key, value)

    def _on_revoked(self, sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked: Iterable[Any] = args[0] if args else kwargs.get("revoked", ())
        self.analyzer.forget(tp.partition for tp in revoked if tp.topic == self.source_topic)


class AnalyticsRunner:
    """Runs an `AnalyticsApp` on its own event loop in a thread; `stop()` ends it cleanly."""

    def __init__(self, app: AnalyticsApp) -> None:
        self.app = app
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._main, name="analytics", daemon=True)

    def start(self) -> None:
        partitions = self.app.prepare()
        self._partitions = partitions
        self._thread.start()
        self._started.wait()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported by stop(); the thread must not die silently
            logger.exception("analytics application failed")
            self.error = exc
        finally:
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = self.app.build(self._partitions)
        self.app.on_failure = lambda _exc: self._stop.set() if self._stop else None
        self._started.set()
        await app.start()
        try:
            await self._stop.wait()
        finally:
            with contextlib.suppress(asyncio.CancelledError):
                await app.stop()

    def stop(self, timeout_s: float = 30.0) -> None:
        if self._loop is not None and self._stop is not None and self.alive:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout_s)
        self.app.close()
        self.error = self.error or self.app.failure
        if self.error is not None:
            raise AnalyticsError(f"analytics application failed: {self.error}") from self.error
