"""One flow at work (FileTailer + PublishingQueue/RecordBuffer): tail, buffer, send, checkpoint.

A buffer is sent when it holds `maxBufferSizeRecords` records or `maxBufferSizeBytes` bytes, or
when its first record is `maxBufferAgeMillis` old. Each file's checkpoint advances to the end of
its last record in a buffer only once every record of the buffer was acknowledged; the buffer's
records are written to the checkpoint database before the call and marked as acknowledged when
the answer arrives, so after a crash acknowledged records are not sent again and unacknowledged
ones are. Buffers go out one at a time per flow, so checkpoints only ever move forward in order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from producers.agent.checkpoints import Checkpoint, CheckpointStore, InflightRecord
from producers.agent.config import FlowConfig
from producers.agent.metrics import AgentMetrics
from producers.agent.reconcile import digest
from producers.agent.records import Record
from producers.agent.sender import Entry, Sender
from producers.agent.tailer import FileTailer

__all__ = ["FlowRunner"]

logger = logging.getLogger(__name__)

# PutRecords counts the partition key in a record's size; RANDOM keys have at most ~18 bytes and
# DETERMINISTIC keys 32: budget 32 per record so a full buffer always fits one request.
KEY_ALLOWANCE = 32


class FlowRunner:
    """Runs one flow in its own thread until `stop` (flushing what it read) or `abort`."""

    def __init__(
        self,
        flow: FlowConfig,
        tailer: FileTailer,
        sender: Sender,
        store: CheckpointStore,
        metrics: AgentMetrics,
        stop: threading.Event,
    ) -> None:
        self.flow, self.tailer, self.sender, self.store = flow, tailer, sender, store
        self.metrics, self.stop, self.abort = metrics, stop, sender.abort
        self.buffer: list[Record] = []
        self.buffer_bytes = 0
        self.buffer_sendable = 0  # records of the buffer with data (skipped ones have none)
        self.buffer_since = 0.0
        self.acked: set[tuple[str, int]] = set()
        self.thread = threading.Thread(target=self._run, name=f"flow-{flow.index}", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        inflight = self.store.inflight(self.flow.id)
        if inflight:
            self._reconcile([r for r in inflight if not r.acked])
            inflight = self.store.inflight(self.flow.id)
        self.acked = {(r.file_id, r.start) for r in inflight if r.acked}
        if inflight:
            logger.info(
                "%s: %d records were in flight when the agent stopped; %d of them acknowledged "
                "(not sent again)", self.flow.id, len(inflight), len(self.acked),
            )  # fmt: skip
        initial = self.tailer.start(self.store.checkpoints(self.flow.id))
        self.store.save(self.flow.id, initial)
        self.thread.start()

    def _reconcile(self, unacknowledged: list[InflightRecord]) -> None:
        """Ask the stream which unacknowledged records arrived anyway (RANDOM keys only)."""
        finder = getattr(self.sender.destination, "accepted_anyway", None)
        if not unacknowledged or finder is None or self.flow.partition_key_option != "RANDOM":
            return
        try:
            found: list[InflightRecord] = finder(unacknowledged)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("%s: could not read the stream back (%s); resending", self.flow.id, exc)
            return
        self.store.acknowledge(self.flow.id, [(r.file_id, r.start) for r in found])
        logger.info(
            "%s: %d of %d unacknowledged in-flight records were found in the stream",
            self.flow.id, len(found), len(unacknowledged),
        )  # fmt: skip

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(timeout)

    def _run(self) -> None:
        try:
            self._loop()
            if not self.abort.is_set():
                self._flush()
        except BaseException as exc:  # a dead flow must be visible, not silent
            self.error = exc
            logger.exception("%s: flow stopped by an error", self.flow.id)
        finally:
            self.tailer.close()

    def _loop(self) -> None:
        poll_s = self.flow.min_time_between_file_polls_ms / 1000
        refresh_s = self.flow.max_time_between_file_tracker_refresh_ms / 1000
        last_refresh = time.monotonic()
        while not self.stop.is_set() and not self.abort.is_set():
            records = self.tailer.poll(self.flow.max_buffer_size_records)
            for record in records:
                self._add(record)
            if self.buffer and self._age_s() >= self.flow.max_buffer_age_ms / 1000:
                self._flush()
            self.metrics.bytes_behind(self.flow.id, self.tailer.bytes_behind())
            if not records or time.monotonic() - last_refresh >= refresh_s:
                self.tailer.refresh()
                last_refresh = time.monotonic()
            if not records:
                self.stop.wait(poll_s)

    def _add(self, record: Record) -> None:
        size = 0 if record.data is None else len(record.data) + KEY_ALLOWANCE
        full = self._sendable() >= self.flow.max_buffer_size_records
        if self.buffer and (full or self.buffer_bytes + size > self.flow.max_buffer_size_bytes):
            self._flush()
        if not self.buffer:
            self.buffer_since = time.monotonic()
        self.buffer.append(record)
        self.buffer_bytes += size
        self.buffer_sendable += record.data is not None
        if self._sendable() >= self.flow.max_buffer_size_records:
            self._flush()

    def _sendable(self) -> int:
        return self.buffer_sendable

    def _age_s(self) -> float:
        return time.monotonic() - self.buffer_since

    def _flush(self) -> None:
        """Send the buffer; checkpoint it when every record is acknowledged."""
        if not self.buffer:
            return
        fresh = [r for r in self.buffer if (r.file_id, r.start) not in self.acked]
        entries = self.sender.entries(fresh)
        now_ms = int(time.time() * 1000)
        self.store.begin_batch(
            self.flow.id,
            [
                InflightRecord(r.file_id, r.start, r.end, False, e.key, digest(e.data), now_ms)
                for e in entries
                for r in e.records
            ],
        )
        if not self.sender.send(entries, self._acknowledge):
            return  # aborted: the checkpoint stays before this buffer
        self.store.complete_batch(
            self.flow.id, self._checkpoints(), [(r.file_id, r.start) for r in self.buffer]
        )
        self.acked.difference_update((r.file_id, r.start) for r in self.buffer)
        self.buffer.clear()
        self.buffer_bytes = 0
        self.buffer_sendable = 0

    def _acknowledge(self, entries: Sequence[Entry]) -> None:
        self.store.acknowledge(
            self.flow.id, [(r.file_id, r.start) for e in entries for r in e.records]
        )

    def _checkpoints(self) -> list[Checkpoint]:
        last: dict[str, Record] = {}
        for record in self.buffer:  # in read order: the last record of a file is its position
            last[record.file_id] = record
        return [self.tailer.checkpoint(r.file_id, r.end, r.path) for r in last.values()]
