"""The flusher's state: route user records to shards, aggregate, rate-limit, collect.

The KPL's pipeline in one thread: each user record is routed by its hash key to the open shard
the shard map predicts, aggregated per shard, passed through that shard's rate limiter, and
collected with other Kinesis records into PutRecords calls (CollectionMaxCount,
CollectionMaxSize). An open aggregate is sealed, and a collection sent, when its oldest user
record's deadline (RecordMaxBufferedTime after arrival) passes or on flush. `step` returns how long
the caller may sleep before something becomes due. Only the flusher thread calls this class.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from cadabra.quotas import Clock
from producers.kpl.limiter import ShardLimiter
from producers.kpl.records import KinesisRecord, PendingRecord, ShardBuffer
from producers.kpl.settings import KplSettings
from producers.kpl.shards import ShardMap

__all__ = ["Fail", "Pipeline", "Send"]

log = logging.getLogger(__name__)

Send = Callable[[list[KinesisRecord]], None]
Fail = Callable[[PendingRecord, str, str], None]
_IDLE_S = 1.0


class Pipeline:
    """Routing, aggregation, rate limiting and collection for every stream a producer puts to."""

    def __init__(
        self, settings: KplSettings, client: Any, clock: Clock, send: Send, fail: Fail
    ) -> None:
        self._settings, self._client, self._clock = settings, client, clock
        self._send, self._fail = send, fail
        self._maps: dict[str, ShardMap] = {}
        self._buffers: dict[tuple[str, str], ShardBuffer] = {}
        self._limiters: dict[tuple[str, str], ShardLimiter] = {}
        self._unrouted: list[PendingRecord] = []
        self._batches: dict[str, list[KinesisRecord]] = {}  # one PutRecords per stream
        self._batch_sizes: dict[str, int] = {}

    @property
    def buffered(self) -> int:
        """Kinesis records waiting in limiters or in the open collection."""
        ready = sum(len(buffer.ready) for buffer in self._buffers.values())
        return ready + sum(len(batch) for batch in self._batches.values())

    def refresh(self, stream: str) -> None:
        """Forget `stream`'s shard map (ListShards again on the next record)."""
        self._maps.pop(stream, None)

    def route(self, pending: PendingRecord, now: float) -> None:
        if pending.expires <= now:
            self._fail(pending, "Expired", "Record has reached expiration")
            return
        shard_map = self._shard_map(pending)
        if shard_map is None:
            return
        try:
            shard_id = shard_map.shard_for(pending.hash_key).shard_id
        except LookupError:  # a gap in the open shards: the map is mid-reshard
            self.refresh(pending.stream)
            self._unrouted.append(pending)
            return
        key = (pending.stream, shard_id)
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = ShardBuffer(
                pending.stream,
                shard_id,
                enabled=self._settings.aggregation_enabled,
                max_count=self._settings.aggregation_max_count,
                max_size=self._settings.aggregation_max_size,
            )
        buffer.add(pending)

    def step(self, now: float, flushing: bool) -> float:
        """Seal, admit and send what is due; seconds until the next thing falls due."""
        unrouted, self._unrouted = self._unrouted, []
        for pending in unrouted:
            self.route(pending, now)
        wake = now + (_IDLE_S if not self._unrouted else 0.1)
        expired: list[PendingRecord] = []
        for key, buffer in self._buffers.items():
            deadline = buffer.deadline
            if deadline is not None and (flushing or deadline <= now):
                buffer.seal()
            elif deadline is not None:
                wake = min(wake, deadline)
            wake = min(wake, self._admit(key, buffer, now, expired))
        for pending in expired:
            self.route(pending, now)
        for stream, batch in list(self._batches.items()):
            due = min(record.deadline for record in batch)
            if flushing or due <= now:
                self._send_batch(stream)
            else:
                wake = min(wake, due)
        return max(wake - now, 0.0)

    def _admit(
        self, key: tuple[str, str], buffer: ShardBuffer, now: float, expired: list[PendingRecord]
    ) -> float:
        """Move sealed records the limiter admits into the collection; when to try again."""
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = self._limiters[key] = ShardLimiter(self._settings.rate_limit, self._clock)
        while buffer.ready:
            record = buffer.ready[0]
            if record.expires <= now:
                buffer.ready.popleft()
                self._expire(record, now, expired)
            elif limiter.try_take(record.size):
                buffer.ready.popleft()
                self._collect(record)
            else:
                return now + limiter.seconds_until(record.size)
        return now + _IDLE_S

    def _expire(self, record: KinesisRecord, now: float, expired: list[PendingRecord]) -> None:
        """Fail the user records past RecordTtl; re-aggregate the others."""
        for member in record.members:
            if member.expires <= now:
                self._fail(member, "Expired", "Record has reached expiration")
            else:
                expired.append(member)

    def _collect(self, record: KinesisRecord) -> None:
        settings, stream = self._settings, record.stream
        batch = self._batches.get(stream)
        if batch and (
            len(batch) >= settings.collection_max_count
            or self._batch_sizes[stream] + record.size > settings.collection_max_size
        ):
            self._send_batch(stream)
        self._batches.setdefault(stream, []).append(record)
        self._batch_sizes[stream] = self._batch_sizes.get(stream, 0) + record.size

    def _send_batch(self, stream: str) -> None:
        batch = self._batches.pop(stream)
        self._batch_sizes.pop(stream)
        self._send(batch)

    def _shard_map(self, pending: PendingRecord) -> ShardMap | None:
        shard_map = self._maps.get(pending.stream)
        if shard_map is not None:
            return shard_map
        try:
            shard_map = self._maps[pending.stream] = ShardMap(self._client, pending.stream)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code, message = error.get("Code", "ClientError"), error.get("Message", str(exc))
            if code == "ResourceNotFoundException":
                self._fail(pending, code, message)
            else:
                log.warning("ListShards on %s failed (%s); will retry", pending.stream, code)
                self._unrouted.append(pending)
            return None
        except Exception:  # connection errors: retry until RecordTtl
            log.warning("ListShards on %s failed; will retry", pending.stream, exc_info=True)
            self._unrouted.append(pending)
            return None
        return shard_map
