"""SubscribeToShard: enhanced fan-out, a registered consumer's own push stream of one shard.

`subscribe_to_shard` checks the request at once (consumer ACTIVE, shard, starting position, the
5-second rule) and returns an iterator of `SubscribeToShardEvent` documents, shaped as botocore
parses them: `Records` (as GetRecords returns them), `ContinuationSequenceNumber` (the last
record's sequence number, to resubscribe with AFTER_SEQUENCE_NUMBER), `MillisBehindLatest`, and,
once a closed shard is drained, `ChildShards` in a last event without ContinuationSequenceNumber
(which is how the KCL recognises the shard's end). Framing the events on the wire (AWS's event
stream encoding) is the endpoint's job.

AWS's rules reproduced:
- 2 MiB/s per consumer per shard, independent of every other reader: the iterator reads Kafka
  directly, paced by a token bucket of its own (the quota layer's read rate, so `scale` applies),
  never by the shard's shared GetRecords budget;
- a subscription lives 5 minutes (`subscription_s`), then the iterator ends and the consumer
  subscribes again from its ContinuationSequenceNumber;
- subscribing the same consumer to the same shard again within 5 s of a successful call is
  ResourceInUseException; later, the new subscription takes over and the old iterator ends with
  ResourceInUseException.
AWS leaves open how often an idle subscription hears from the service; Cadabra sends an event when
records arrive, the first event at once, and an empty one every `heartbeat_s` (5 s) otherwise.
New records are awaited by polling the partition every `poll_s` (0.2 s). The clock and the sleep
are injectable, so tests run these minutes and rates on a fake clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from cadabra.errors import ResourceInUseException
from cadabra.quotas import Clock, MonotonicClock, TokenBucket, seconds_to_ns
from cadabra.streams.constraints import check_enum
from cadabra.streams.kafka_reader import ReadResult
from cadabra.streams.models import ShardInfo, StreamState
from cadabra.streams.reads import ITERATOR_TYPES, record_document
from cadabra.streams.sequence import encode_sequence

if TYPE_CHECKING:
    from cadabra.streams.service import StreamsService

__all__ = ["FanOut"]

MAX_EVENT_RECORDS = 10_000
MAX_EVENT_BYTES = 10 * 1024 * 1024
_Key = tuple[str, str]  # (consumer ARN, shard id)


@dataclass(slots=True)
class _Subscription:
    key: _Key
    stream: str
    consumer: str
    created_ms: int
    shard_index: int
    offset: int
    started_ns: int
    ended: threading.Event = field(default_factory=threading.Event)
    superseded: bool = False


class FanOut:
    def __init__(
        self,
        service: StreamsService,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._service = service
        self.clock: Clock = clock if clock is not None else MonotonicClock()
        self.sleep = sleep
        self.subscription_s = 300.0
        self.resubscribe_s = 5.0
        self.heartbeat_s = 5.0
        self.poll_s = 0.2
        self._lock = threading.Lock()
        self._active: dict[_Key, _Subscription] = {}
        self._buckets: dict[_Key, TokenBucket] = {}

    def subscribe_to_shard(
        self, consumer_arn: str, shard_id: str, starting_position: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        """Validate now; the events follow from the returned iterator."""
        service = self._service
        state, consumer = service.consumers.resolve(consumer_arn)
        if service.consumers.status(consumer) != "ACTIVE":
            raise ResourceInUseException(
                f"Consumer {consumer_arn} is not ACTIVE; it cannot subscribe to shards yet."
            )
        shard = service.reader._shard(state, shard_id)
        kind = starting_position.get("Type") if isinstance(starting_position, dict) else None
        check_enum(kind, "startingPosition.type", ITERATOR_TYPES)
        offset = service.reader._start_offset(
            state.name,
            shard,
            str(kind),
            starting_position.get("SequenceNumber"),
            starting_position.get("Timestamp"),
        )
        key = (consumer_arn, shard.shard_id)
        subscription = _Subscription(
            key, state.name, consumer.name, consumer.created_ms, shard.index, offset, 0
        )
        self._take_over(subscription)
        return self._events(subscription)

    def _take_over(self, subscription: _Subscription) -> None:
        now = self.clock.now_ns()
        with self._lock:
            previous = self._active.get(subscription.key)
            if previous is not None and now - previous.started_ns < seconds_to_ns(
                self.resubscribe_s
            ):
                raise ResourceInUseException(
                    f"Another subscription of consumer {subscription.key[0]} to shard "
                    f"{subscription.key[1]} started less than {self.resubscribe_s:g} seconds ago."
                )
            if previous is not None:
                previous.superseded = True
            subscription.started_ns = now
            self._active[subscription.key] = subscription

    def forget(self, consumer_arn: str) -> None:
        """End a deregistered consumer's subscriptions and drop its budgets."""
        with self._lock:
            for key in [k for k in self._active if k[0] == consumer_arn]:
                self._active.pop(key).ended.set()
            for key in [k for k in self._buckets if k[0] == consumer_arn]:
                del self._buckets[key]

    def _bucket(self, key: _Key) -> TokenBucket | None:
        """The consumer's own read budget on the shard; None when quotas are off."""
        quotas = self._service.quotas
        if not quotas.enabled:
            return None
        rate: Fraction = quotas.limits.read_bytes_per_s
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.refill_per_s != rate:
                bucket = self._buckets[key] = TokenBucket(rate, rate, self.clock)
            return bucket

    def _events(self, sub: _Subscription) -> Iterator[dict[str, Any]]:
        ends_ns = sub.started_ns + seconds_to_ns(self.subscription_s)
        heartbeat_ns = seconds_to_ns(self.heartbeat_s)
        last_event_ns: int | None = None
        try:
            while self.clock.now_ns() < ends_ns and not sub.ended.is_set():
                if sub.superseded:
                    raise ResourceInUseException(
                        f"The subscription of consumer {sub.key[0]} to shard {sub.key[1]} was "
                        "taken over by a newer SubscribeToShard call."
                    )
                shard = self._shard(sub)
                if shard is None:
                    return
                end = shard.ending_offset
                if end is not None and sub.offset >= end:
                    yield self._last_event(sub, shard)
                    return
                read = self._read(sub, shard, ends_ns)
                if read is None:
                    continue
                now = self.clock.now_ns()
                if read.records or last_event_ns is None or now - last_event_ns >= heartbeat_ns:
                    last_event_ns = now
                    event = self._event(sub, shard, read)
                    yield event
                    if "ChildShards" in event:
                        return
                else:
                    self.sleep(self.poll_s)
        finally:
            sub.ended.set()

    def _shard(self, sub: _Subscription) -> ShardInfo | None:
        """The shard as the map has it now; None once the stream or the consumer is gone."""
        state = self._service.shard_map.get(sub.stream)
        consumer = state.consumer(sub.consumer) if state is not None else None
        if state is None or consumer is None or consumer.created_ms != sub.created_ms:
            return None
        return state.shard(sub.shard_index)

    def _read(self, sub: _Subscription, shard: ShardInfo, ends_ns: int) -> ReadResult | None:
        """The next records within the consumer's budget; None after waiting for budget."""
        bucket = self._bucket(sub.key)
        budget = MAX_EVENT_BYTES
        if bucket is not None:
            wait = bucket.seconds_until(1)
            if wait > 0:
                remaining_s = (ends_ns - self.clock.now_ns()) / 1e9
                self.sleep(max(0.0, min(float(wait), remaining_s)))
                return None
            budget = max(1, min(int(bucket.tokens), MAX_EVENT_BYTES))
        limit = MAX_EVENT_RECORDS
        if shard.ending_offset is not None:
            limit = min(limit, shard.ending_offset - sub.offset)
        topic = self._service.topic(sub.stream)
        read = self._service.kafka_reader.read(topic, shard.index, sub.offset, limit, budget)
        if bucket is not None and read.records:
            bucket.take_allow_debt(sum(len(r.value) + len(r.key) for r in read.records))
        sub.offset = read.next_offset
        return read

    def _event(self, sub: _Subscription, shard: ShardInfo, read: ReadResult) -> dict[str, Any]:
        records = [record_document(shard.index, r) for r in read.records]
        caught_up = read.next_offset >= read.high_watermark
        behind = (
            0
            if caught_up or not read.records
            else self._service.clock_ms() - (read.records[-1].timestamp_ms)
        )
        event: dict[str, Any] = {"Records": records, "MillisBehindLatest": max(0, behind)}
        end = shard.ending_offset
        if end is not None and sub.offset >= end:
            event["ChildShards"] = self._service.reader._children(self._state(sub), shard)
        else:
            # The position before the next record; before a shard's first record that is its
            # StartingSequenceNumber, so resuming AFTER it reads record 0.
            last = max(sub.offset, shard.starting_offset) - 1
            event["ContinuationSequenceNumber"] = encode_sequence(shard.index, last)
        return event

    def _last_event(self, sub: _Subscription, shard: ShardInfo) -> dict[str, Any]:
        children = self._service.reader._children(self._state(sub), shard)
        return {"Records": [], "MillisBehindLatest": 0, "ChildShards": children}

    def _state(self, sub: _Subscription) -> StreamState:
        return self._service.state(sub.stream, refresh=False)
