"""The windows of Kinesis Data Analytics SQL and Managed Flink, on arrival times (epoch ms).

- `SlidingCount` is `COUNT(*) OVER (RANGE INTERVAL 'n' SECOND PRECEDING)` on ROWTIME: for a row at
  time t it counts the rows with t - n s <= ROWTIME <= t, the current row included (SQL's RANGE
  frame is inclusive at both ends). KDA emits one output row per input row.
- `TumblingCounts` is Flink's `TUMBLE(ArrivalTime, INTERVAL 'n' SECOND)`: windows
  [start, start + n s) aligned to the epoch plus an optional offset (Flink's TUMBLE offset); one
  row per window once it closes.
- `Cooldown` is what the course meant by "alarm at most once per minute" and its SQL did not do.

Pure: no clock, no Kafka; every time is passed in.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

__all__ = ["Cooldown", "SlidingCount", "TumblingCounts", "window_start"]


class SlidingCount:
    """Arrival times of the rows still inside a RANGE window, in ascending order."""

    __slots__ = ("times", "window_ms")

    def __init__(self, window_ms: int, times: Iterable[int] = ()) -> None:
        self.window_ms = window_ms
        self.times: list[int] = sorted(times)

    def add(self, at_ms: int) -> None:
        if not self.times or at_ms >= self.times[-1]:
            self.times.append(at_ms)
        else:  # an out-of-order arrival (another broker's clock): keep the list sorted
            bisect.insort(self.times, at_ms)

    def count(self, at_ms: int) -> int:
        """Rows with at - window <= time <= at."""
        low = bisect.bisect_left(self.times, at_ms - self.window_ms)
        high = bisect.bisect_right(self.times, at_ms)
        return high - low

    def prune(self, newest_ms: int) -> None:
        """Forget rows no window ending at or after `newest_ms` can hold."""
        cut = bisect.bisect_left(self.times, newest_ms - self.window_ms)
        if cut:
            del self.times[:cut]


def window_start(at_ms: int, size_ms: int, offset_ms: int = 0) -> int:
    """Start of the window holding `at_ms` (Flink's TimeWindow.getWindowStartWithOffset)."""
    return at_ms - (at_ms - offset_ms) % size_ms


class TumblingCounts:
    """Open tumbling windows: start -> rows counted so far."""

    __slots__ = ("counts", "offset_ms", "size_ms")

    def __init__(self, size_ms: int, offset_ms: int = 0, counts: dict[int, int] | None = None):
        self.size_ms = size_ms
        self.offset_ms = offset_ms % size_ms
        self.counts: dict[int, int] = dict(counts or {})

    def start(self, at_ms: int) -> int:
        return window_start(at_ms, self.size_ms, self.offset_ms)

    def add(self, at_ms: int) -> int:
        """Count a row; the start of its window."""
        start = self.start(at_ms)
        self.counts[start] = self.counts.get(start, 0) + 1
        return start

    def pop_ended(self, through_ms: int) -> dict[int, int]:
        """Remove and return the windows whose end is at or before `through_ms`."""
        ended = {s: c for s, c in self.counts.items() if s + self.size_ms <= through_ms}
        for start in ended:
            del self.counts[start]
        return ended


class Cooldown:
    """At most one alarm per `cooldown_ms`; 0 lets every alarm through (the course's SQL)."""

    __slots__ = ("cooldown_ms", "last_ms")

    def __init__(self, cooldown_ms: int, last_ms: int | None = None) -> None:
        self.cooldown_ms = cooldown_ms
        self.last_ms = last_ms

    def allows(self, at_ms: int) -> bool:
        if self.cooldown_ms <= 0 or self.last_ms is None:
            return True
        return at_ms - self.last_ms >= self.cooldown_ms

    def fire(self, at_ms: int) -> None:
        self.last_ms = at_ms if self.last_ms is None else max(self.last_ms, at_ms)
