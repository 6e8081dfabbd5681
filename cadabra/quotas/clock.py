"""Clocks for the quota layer: monotonic integer nanoseconds, real or fake.

Kinesis meters every per-shard limit (1,000 records/s and 1 MiB/s of writes; 5 GetRecords calls/s
and 2 MiB/s of reads) per second of wall time. The quota layer never reads the time itself: it asks
an injected `Clock`, so production uses `MonotonicClock` and tests step a `FakeClock` exactly to a
limit's boundary, without sleeping. Time is an `int` of nanoseconds so no float error accumulates.
"""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from typing import Protocol

__all__ = ["NS_PER_S", "Clock", "FakeClock", "MonotonicClock", "seconds_to_ns"]

NS_PER_S = 1_000_000_000


class Clock(Protocol):
    """A monotonic source of time in integer nanoseconds (the epoch is arbitrary)."""

    def now_ns(self) -> int:
        """The current time; never smaller than a previous answer."""
        ...


def seconds_to_ns(seconds: float | Fraction | int) -> int:
    """Seconds as whole nanoseconds, rounded to the nearest (0.001 becomes exactly 1,000,000)."""
    return round(Fraction(seconds) * NS_PER_S)


class MonotonicClock:
    """The process's monotonic clock (`time.monotonic_ns`)."""

    def now_ns(self) -> int:
        return time.monotonic_ns()


class FakeClock:
    """A clock that moves only when told to; for deterministic tests of the limits."""

    def __init__(self, start_ns: int = 0) -> None:
        self._now_ns = start_ns
        self._lock = threading.Lock()

    def now_ns(self) -> int:
        with self._lock:
            return self._now_ns

    def advance(self, seconds: float | Fraction | int) -> None:
        """Move forward by `seconds` (a float is rounded to the nearest nanosecond)."""
        self.advance_ns(seconds_to_ns(seconds))

    def advance_ns(self, ns: int) -> None:
        """Move forward by exactly `ns` nanoseconds."""
        if ns < 0:
            raise ValueError(f"a monotonic clock cannot go back ({ns} ns)")
        with self._lock:
            self._now_ns += ns
