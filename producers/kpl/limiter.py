"""The KPL's per-shard rate limiter: token buckets at RateLimit % of a shard's write quota.

Each shard gets a records bucket (RateLimit % of 1,000 records/s) and a bytes bucket (RateLimit %
of 1 MiB/s, counting data + partition key as Kinesis does), each holding one second of its rate.
An aggregated Kinesis record costs one record. The default 150 % lets one producer saturate a
shard; the surplus comes back throttled and is retried, and the limiter keeps those retries from
piling up.
"""

from __future__ import annotations

from fractions import Fraction

from cadabra.quotas import Clock, TokenBucket

__all__ = ["SHARD_BYTES_PER_S", "SHARD_RECORDS_PER_S", "ShardLimiter"]

SHARD_RECORDS_PER_S = 1000
SHARD_BYTES_PER_S = 1024 * 1024


class ShardLimiter:
    """Admits Kinesis records to one shard at RateLimit % of its quota."""

    def __init__(self, rate_limit_percent: int, clock: Clock) -> None:
        scale = Fraction(rate_limit_percent, 100)
        records, size = SHARD_RECORDS_PER_S * scale, SHARD_BYTES_PER_S * scale
        self._records = TokenBucket(records, records, clock)
        self._bytes = TokenBucket(size, size, clock)

    def try_take(self, size: int) -> bool:
        """Take one record and `size` bytes if both buckets allow (one thread calls this)."""
        if not (self._records.can_take(1) and self._bytes.can_take(size)):
            return False
        self._records.try_take(1)
        self._bytes.try_take(size)
        return True

    def seconds_until(self, size: int) -> float:
        """How long until `try_take(size)` can succeed."""
        return float(max(self._records.seconds_until(1), self._bytes.seconds_until(size)))
