"""Every shard's budget in one place: where Kinesis writes and GetRecords calls converge.

On AWS all producers of a shard share its 1,000 records/s and 1 MiB/s, and all polling consumers
share its 5 GetRecords calls/s and 2 MiB/s. Cadabra reproduces that by keeping one `ShardQuota` per
(stream, shard id) in the process that serves the Kinesis API: everything that goes through one
`QuotaRegistry` shares a shard's budget. Budgets are created on first use, start full, and are
dropped when their stream is deleted. `QuotaSettings.enabled = False` admits everything;
`QuotaSettings.scale` multiplies every limit.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from cadabra.config import QuotaSettings
from cadabra.errors import ProvisionedThroughputExceededException
from cadabra.quotas.clock import Clock, MonotonicClock
from cadabra.quotas.limits import ShardLimits, rate_exceeded
from cadabra.quotas.shard import ShardQuota

__all__ = ["QuotaRegistry"]


class QuotaRegistry:
    """One `ShardQuota` per (stream, shard id), created lazily; thread-safe."""

    def __init__(self, settings: QuotaSettings, clock: Clock | None = None) -> None:
        self._enabled = settings.enabled
        self._limits = ShardLimits.from_settings(settings)
        self._clock: Clock = clock if clock is not None else MonotonicClock()
        self._streams: dict[str, dict[str, ShardQuota]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def limits(self) -> ShardLimits:
        """Every shard's limits (already scaled)."""
        return self._limits

    def shard(self, stream: str, shard_id: str) -> ShardQuota:
        """The shard's budget, created full on first use."""
        with self._lock:
            shards = self._streams.setdefault(stream, {})
            quota = shards.get(shard_id)
            if quota is None:
                quota = shards[shard_id] = ShardQuota(self._limits, self._clock)
            return quota

    def forget(self, stream: str) -> None:
        """Drop a deleted stream's budgets (a stream re-created with its name starts full)."""
        with self._lock:
            self._streams.pop(stream, None)

    def check_write(self, stream: str, shard_id: str, records: int, nbytes: int) -> bool:
        """Admit and charge a write of `records` records, `nbytes` bytes (data + partition keys)."""
        if not self._enabled:
            return True
        return self.shard(stream, shard_id).admit_write(records, nbytes)

    def admit_writes(self, stream: str, shard_id: str, sizes: Sequence[int]) -> list[bool]:
        """Admit and charge one shard's records of a call, in request order."""
        if not self._enabled:
            return [True] * len(sizes)
        return self.shard(stream, shard_id).admit_writes(sizes)

    def write_error(
        self, stream: str, shard_id: str, account_id: str
    ) -> ProvisionedThroughputExceededException:
        """The error for the shard's latest refused write, worded as AWS words it."""
        refusal = self.shard(stream, shard_id).last_write_refusal()
        return rate_exceeded(stream, shard_id, account_id, refusal)

    def admit_read(self, stream: str, shard_id: str, account_id: str) -> None:
        """Admit one GetRecords call or raise ProvisionedThroughputExceededException."""
        if not self._enabled:
            return
        refusal = self.shard(stream, shard_id).try_read()
        if refusal is not None:
            raise rate_exceeded(stream, shard_id, account_id, refusal)

    def charge_read(self, stream: str, shard_id: str, nbytes: int) -> None:
        """Charge the bytes an admitted GetRecords call returned."""
        if self._enabled:
            self.shard(stream, shard_id).charge_read(nbytes)
