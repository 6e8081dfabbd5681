"""An exact token bucket: the unit every Kinesis per-shard limit is built from.

A bucket holds up to `capacity` tokens and refills at `refill_per_s` tokens per second. The quota
layer gives each limit (1,000 records/s, 1 MiB/s of writes, 5 GetRecords calls/s, 2 MiB/s of reads)
a bucket whose capacity is one second of its rate and which starts full, as the KPL's per-shard
limiter does. Time is integer nanoseconds and the balance an integer count of fractional tokens, so
refill is exact: 1,000 tokens/s give back exactly one token after 1 ms, never 0.9999999.

Two rules beyond "take if there is enough":

- A demand larger than the whole capacity could never be met by waiting. `try_take` admits it only
  when the bucket is full and leaves the bucket in debt, which refill repays. This is how AWS
  absorbs a record of up to 10 MiB on a shard that writes 1 MiB/s: as a burst, paid for afterwards.
- `take_allow_debt` and `drain` let a caller charge for what already happened (bytes a read
  returned), even below zero.
"""

from __future__ import annotations

import math
import threading
from fractions import Fraction

from cadabra.quotas.clock import NS_PER_S, Clock

__all__ = ["TokenBucket"]


class TokenBucket:
    """`capacity` tokens refilled at `refill_per_s` per second; starts full; thread-safe.

    Internally the balance is an integer count of units of 1/(10**9 * d) token, where d is the
    common denominator of capacity and rate: one nanosecond then earns a whole number of units and
    refill is integer arithmetic, exact and fast. Demands are whole tokens (records, bytes, calls).
    """

    def __init__(
        self, capacity: Fraction | int, refill_per_s: Fraction | int, clock: Clock
    ) -> None:
        if capacity < 0 or refill_per_s <= 0:
            raise ValueError(f"bad token bucket: capacity={capacity}, refill_per_s={refill_per_s}")
        self._capacity = Fraction(capacity)
        self._rate = Fraction(refill_per_s)
        denominator = math.lcm(self._capacity.denominator, self._rate.denominator)
        self._unit = NS_PER_S * denominator  # units per token
        self._capacity_units = int(self._capacity * self._unit)
        self._units_per_ns = int(self._rate * denominator)
        self._clock = clock
        self._units = self._capacity_units
        self._last_ns = clock.now_ns()
        self._lock = threading.Lock()

    @property
    def capacity(self) -> Fraction:
        return self._capacity

    @property
    def refill_per_s(self) -> Fraction:
        return self._rate

    @property
    def tokens(self) -> Fraction:
        """Tokens available now; negative while the bucket is in debt."""
        with self._lock:
            return Fraction(self._refill(), self._unit)

    @property
    def is_full(self) -> bool:
        with self._lock:
            return self._refill() >= self._capacity_units

    def covers(self, n: int) -> bool:
        """Whether `n` tokens are there now (strictly; no burst rule)."""
        with self._lock:
            return self._refill() >= n * self._unit

    def can_take(self, n: int) -> bool:
        """Whether `try_take(n)` would succeed now."""
        with self._lock:
            return self._admits(n * self._unit, self._refill())

    def try_take(self, n: int) -> bool:
        """Take `n` tokens if there; a demand above the capacity needs a full bucket."""
        demand = self._demand(n)
        with self._lock:
            if not self._admits(demand, self._refill()):
                return False
            self._units -= demand
            return True

    def take_allow_debt(self, n: int) -> None:
        """Take `n` tokens unconditionally; the balance may go negative."""
        demand = self._demand(n)
        with self._lock:
            self._units = self._refill() - demand

    def drain(self) -> None:
        """Forfeit whatever is left (a debt stays a debt)."""
        with self._lock:
            self._units = min(self._refill(), 0)

    def seconds_until(self, n: int) -> Fraction:
        """Seconds until `try_take(n)` can succeed (0 if it can now); a demand above the capacity
        waits for a full bucket."""
        demand = n * self._unit
        with self._lock:
            units = self._refill()
            if self._admits(demand, units):
                return Fraction(0)
            missing = min(demand, self._capacity_units) - units
            return Fraction(missing, self._units_per_ns * NS_PER_S)

    # -- batch accounting: one refill for many demands (the caller holds its own lock) -----------

    def units_now(self) -> int:
        """The balance now, in internal units (see the class docstring)."""
        with self._lock:
            return self._refill()

    def units_of(self, n: int) -> int:
        return self._demand(n)

    def admits_units(self, demand: int, units: int) -> bool:
        """Whether a balance of `units` admits `demand` units (same rule as `try_take`)."""
        return self._admits(demand, units)

    def settle(self, spent: int) -> None:
        """Charge `spent` units taken since `units_now` (the balance may go negative)."""
        with self._lock:
            self._units = self._refill() - spent

    def _demand(self, n: int) -> int:
        if n < 0:
            raise ValueError(f"cannot take a negative number of tokens ({n})")
        return n * self._unit

    def _admits(self, demand: int, units: int) -> bool:
        if demand > self._capacity_units:
            return units >= self._capacity_units
        return units >= demand

    def _refill(self) -> int:
        """Credit the time since the last look (caller holds the lock); return the balance."""
        now = self._clock.now_ns()
        elapsed = now - self._last_ns
        if elapsed > 0:
            earned = self._units_per_ns * elapsed
            self._units = min(self._capacity_units, self._units + earned)
            self._last_ns = now
        return self._units
