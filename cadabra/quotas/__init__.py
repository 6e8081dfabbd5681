"""The quota layer: Kinesis Data Streams' per-shard limits as exact token buckets.

Writes: 1,000 records/s and 1 MiB/s per shard. GetRecords: 5 calls/s and 2 MiB/s per shard, a read
that overdraws the byte budget blocking the shard's reads (10 MiB blocks them for 5 s). Exceeding a
limit is AWS's `ProvisionedThroughputExceededException`. Pure: an injected clock, no sleeps, no
floats in the accounting. `retry` holds the caller's side: resend only what failed, with backoff.
"""

from __future__ import annotations

from cadabra.quotas.bucket import TokenBucket
from cadabra.quotas.clock import NS_PER_S, Clock, FakeClock, MonotonicClock, seconds_to_ns
from cadabra.quotas.limits import Refusal, ShardLimits, exact_scale, rate_exceeded
from cadabra.quotas.registry import QuotaRegistry
from cadabra.quotas.retry import Backoff, RetryStats, retry_call, retry_failed
from cadabra.quotas.shard import ShardQuota

__all__ = [
    "NS_PER_S",
    "Backoff",
    "Clock",
    "FakeClock",
    "MonotonicClock",
    "QuotaRegistry",
    "Refusal",
    "RetryStats",
    "ShardLimits",
    "ShardQuota",
    "TokenBucket",
    "exact_scale",
    "rate_exceeded",
    "retry_call",
    "retry_failed",
    "seconds_to_ns",
]
