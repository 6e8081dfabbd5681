"""The query of the transaction-rate alarm over every shard of the input stream.

KDA (InputParallelism 1) and Flink read all shards into one in-application stream, so windows
count the orders of the whole stream. The state is kept per input shard (a Kafka partition) so
that each shard's part lives in its own changelog partition and survives a restart exactly:
`PartitionState` is what the Faust table stores. Its `offset` is the last input offset applied,
so a record replayed after a restart (its offset not yet committed, its effect already in the
changelog) is not counted twice.

With one input shard (the course's CadabraOrders) the rows are a function of the input alone,
replay included. With several shards the sliding count of an order holds the orders of the other
shards read before it, which depends on how the shards' reads interleave (as in KDA, where
ROWTIME is the time a row entered the application).

Tumbling windows (flink mode) close once every shard is past their end: a shard is past a time
when it delivered a later order, or when the app read it to its end after that time (a tick).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from processors.analytics.alarms import Alarm, flink_alarm, sql_alarm
from processors.analytics.settings import AnalyticsSettings
from processors.analytics.windows import Cooldown, SlidingCount, TumblingCounts

__all__ = ["AnalyzerStats", "PartitionState", "RateAnalyzer"]


@dataclass
class PartitionState:
    """One input shard's share of the application state (JSON in the changelog)."""

    offset: int = -1
    arrivals: list[int] = field(default_factory=list)
    alarms: list[int] = field(default_factory=list)
    windows: dict[int, int] = field(default_factory=dict)
    passed_ms: int = 0
    closed_ms: int = 0
    last_alarm_ms: int | None = None

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_document(), separators=(",", ":")).encode()

    def to_document(self) -> dict[str, Any]:
        return {
            "offset": self.offset,
            "arrivals": self.arrivals,
            "alarms": self.alarms,
            "windows": {str(start): count for start, count in self.windows.items()},
            "passed_ms": self.passed_ms,
            "closed_ms": self.closed_ms,
            "last_alarm_ms": self.last_alarm_ms,
        }

    @classmethod
    def from_bytes(cls, data: bytes | str) -> PartitionState:
        return cls.from_document(json.loads(data))

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> PartitionState:
        document = dict(document)
        document["windows"] = {int(k): v for k, v in document.get("windows", {}).items()}
        return cls(**document)


@dataclass
class AnalyzerStats:
    orders: int = 0
    replayed: int = 0
    alarm_rows: int = 0
    suppressed: int = 0
    late: int = 0


class _Shard:
    __slots__ = ("alarms", "arrivals", "offset", "passed_ms", "windows")

    def __init__(self, settings: AnalyticsSettings, state: PartitionState) -> None:
        self.offset = state.offset
        self.arrivals = SlidingCount(settings.window_ms, state.arrivals)
        self.alarms = SlidingCount(settings.trigger_window_ms, state.alarms)
        self.windows = TumblingCounts(settings.window_ms, settings.window_offset_ms, state.windows)
        self.passed_ms = state.passed_ms


class RateAnalyzer:
    """Orders in, alarm rows out; `dirty` names the shards whose state changed."""

    def __init__(self, settings: AnalyticsSettings) -> None:
        self.settings = settings
        self.shards: dict[int, _Shard] = {}
        self.cooldown = Cooldown(settings.cooldown_ms)
        self.closed_ms = 0
        self.newest_ms = 0
        self.dirty: set[int] = set()
        self.stats = AnalyzerStats()

    # -- state ----------------------------------------------------------------------------

    def restore(self, partition: int, state: PartitionState | None) -> None:
        """Take a shard's state from the changelog (None = a shard never seen)."""
        state = state or PartitionState()
        self.shards[partition] = _Shard(self.settings, state)
        if state.last_alarm_ms is not None:
            self.cooldown.fire(state.last_alarm_ms)
        self.closed_ms = max(self.closed_ms, state.closed_ms)
        self.newest_ms = max([self.newest_ms, *state.arrivals[-1:], state.passed_ms])

    def forget(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self.shards.pop(partition, None)
            self.dirty.discard(partition)

    def state(self, partition: int) -> PartitionState:
        shard = self.shards[partition]
        return PartitionState(
            offset=shard.offset,
            arrivals=list(shard.arrivals.times),
            alarms=list(shard.alarms.times),
            windows=dict(shard.windows.counts),
            passed_ms=shard.passed_ms,
            closed_ms=self.closed_ms,
            last_alarm_ms=self.cooldown.last_ms,
        )

    def take_dirty(self) -> set[int]:
        dirty, self.dirty = self.dirty, set()
        return dirty

    # -- input ----------------------------------------------------------------------------

    def on_record(self, partition: int, offset: int, at_ms: int) -> list[Alarm]:
        """One order (its shard, Kafka offset and arrival time): the alarm rows it causes."""
        shard = self.shards.get(partition)
        if shard is None:
            self.restore(partition, None)
            shard = self.shards[partition]
        if offset <= shard.offset:
            self.stats.replayed += 1
            return []
        shard.offset = offset
        self.stats.orders += 1
        self.dirty.add(partition)
        self.newest_ms = max(self.newest_ms, at_ms)
        if self.settings.mode == "sql":
            return self._slide(partition, shard, offset, at_ms)
        return self._tumble(shard, at_ms)

    def on_tick(self, now_ms: int, caught_up: Iterable[int]) -> list[Alarm]:
        """Shards read to their end at `now_ms` are past `now_ms - grace`; close what ended."""
        if self.settings.mode != "flink":
            return []
        for partition in caught_up:
            shard = self.shards.get(partition)
            passed = now_ms - self.settings.close_grace_ms
            if shard is not None and passed > shard.passed_ms:
                shard.passed_ms = passed
                self.dirty.add(partition)
        return self._close()

    # -- KDA SQL: sliding window, a row per order -------------------------------------------

    def _slide(self, partition: int, shard: _Shard, offset: int, at_ms: int) -> list[Alarm]:
        shard.arrivals.add(at_ms)
        for other in self.shards.values():
            other.arrivals.prune(self.newest_ms)
            other.alarms.prune(self.newest_ms)
        count = sum(s.arrivals.count(at_ms) for s in self.shards.values())
        if count < self.settings.threshold:
            return []
        shard.alarms.add(at_ms)  # a row of ALARM_STREAM; TRIGGER_COUNT counts them
        triggers = sum(s.alarms.count(at_ms) for s in self.shards.values())
        if not self._admit(at_ms):
            return []
        return [sql_alarm(partition, offset, at_ms, count, triggers)]

    # -- Flink: tumbling windows, a row per window ------------------------------------------

    def _tumble(self, shard: _Shard, at_ms: int) -> list[Alarm]:
        start = shard.windows.start(at_ms)
        if start + self.settings.window_ms <= self.closed_ms:
            self.stats.late += 1  # its window already closed (the shard lagged past the grace)
        else:
            shard.windows.add(at_ms)
        shard.passed_ms = max(shard.passed_ms, at_ms)
        return self._close()

    def _close(self) -> list[Alarm]:
        if not self.shards:
            return []
        bound = min(shard.passed_ms for shard in self.shards.values())
        ended: dict[int, int] = {}
        for partition, shard in self.shards.items():
            for start, count in shard.windows.pop_ended(bound).items():
                ended[start] = ended.get(start, 0) + count
                self.dirty.add(partition)
        closed = max(self.closed_ms, window_floor(self.settings, bound))
        if closed != self.closed_ms:
            self.closed_ms = closed
            self.dirty.update(self.shards)
        alarms: list[Alarm] = []
        size = self.settings.window_ms
        for start in sorted(ended):
            count = ended[start]
            if count >= self.settings.threshold and self._admit(start + size):
                alarms.append(flink_alarm(start, start + size, count))
        return alarms

    def _admit(self, at_ms: int) -> bool:
        if not self.cooldown.allows(at_ms):
            self.stats.suppressed += 1
            return False
        self.cooldown.fire(at_ms)
        self.stats.alarm_rows += 1
        return True


def window_floor(settings: AnalyticsSettings, at_ms: int) -> int:
    """The end of the last window ending at or before `at_ms`."""
    counts = TumblingCounts(settings.window_ms, settings.window_offset_ms)
    return counts.start(at_ms)
