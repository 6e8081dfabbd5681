"""Firehose Direct PUT quotas: per delivery stream, requests/s, records/s and bytes/s.

AWS's numbers (Firehose quotas page, us-east-1, us-west-2 and eu-west-1): 2,000 requests/s,
500,000 records/s and 5 MiB/s per delivery stream, PutRecord and PutRecordBatch together; they
scale together (`FirehoseSettings.quota_scale`). Each limit is a `TokenBucket` holding one second
of its rate, starting full, on an injected clock, exactly as the Kinesis shard quotas are built.

Exceeding a limit is `ServiceUnavailableException` ("Slow down."): a whole PutRecord call, a whole
PutRecordBatch call when the request rate is exhausted, else per record in PutRecordBatch, checked
in request order (a large record may be refused while a later small one passes). A refused call
or record costs nothing. Records count their data bytes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fractions import Fraction

from cadabra.config import FirehoseSettings
from cadabra.errors import ServiceUnavailableException
from cadabra.quotas import Clock, MonotonicClock, TokenBucket, exact_scale

__all__ = ["DeliveryStreamQuota", "DirectPutLimits", "DirectPutQuotas", "slow_down"]


@dataclass(frozen=True)
class DirectPutLimits:
    requests_per_s: Fraction
    records_per_s: Fraction
    bytes_per_s: Fraction

    @classmethod
    def from_settings(cls, settings: FirehoseSettings) -> DirectPutLimits:
        scale = exact_scale(settings.quota_scale)
        return cls(
            requests_per_s=Fraction(settings.put_requests_per_s) * scale,
            records_per_s=Fraction(settings.put_records_per_s) * scale,
            bytes_per_s=Fraction(settings.put_bytes_per_s) * scale,
        )

    def describe(self) -> str:
        return (
            f"Direct PUT: {float(self.requests_per_s):g} requests/s, "
            f"{float(self.records_per_s):g} records/s, {float(self.bytes_per_s):g} bytes/s"
        )


class DeliveryStreamQuota:
    """The Direct PUT budget of one delivery stream; thread-safe."""

    def __init__(self, limits: DirectPutLimits, clock: Clock) -> None:
        self.limits = limits
        self._requests = TokenBucket(limits.requests_per_s, limits.requests_per_s, clock)
        self._records = TokenBucket(limits.records_per_s, limits.records_per_s, clock)
        self._bytes = TokenBucket(limits.bytes_per_s, limits.bytes_per_s, clock)
        self._lock = threading.Lock()

    def admit_call(self, nbytes: int) -> bool:
        """PutRecord: one request and one record of `nbytes`, all or nothing."""
        with self._lock:
            if not (self._requests.can_take(1) and self._fits(nbytes)):
                return False
            self._requests.take_allow_debt(1)
            self._take(nbytes)
            return True

    def admit_request(self) -> bool:
        """PutRecordBatch: the call itself."""
        with self._lock:
            return self._requests.try_take(1)

    def admit_record(self, nbytes: int) -> bool:
        """One record of a PutRecordBatch call that was admitted."""
        with self._lock:
            if not self._fits(nbytes):
                return False
            self._take(nbytes)
            return True

    def _fits(self, nbytes: int) -> bool:
        return self._records.can_take(1) and self._bytes.can_take(nbytes)

    def _take(self, nbytes: int) -> None:
        self._records.take_allow_debt(1)
        self._bytes.take_allow_debt(nbytes)

    def retry_after_s(self) -> float:
        """Seconds until one request with one empty record could pass."""
        waits = (self._requests.seconds_until(1), self._records.seconds_until(1))
        return float(max(waits))


class DirectPutQuotas:
    """One `DeliveryStreamQuota` per delivery stream, created full on first use."""

    def __init__(self, settings: FirehoseSettings, clock: Clock | None = None) -> None:
        self.enabled = settings.quota_enabled
        self.limits = DirectPutLimits.from_settings(settings)
        self._clock: Clock = clock if clock is not None else MonotonicClock()
        self._streams: dict[str, DeliveryStreamQuota] = {}
        self._lock = threading.Lock()

    def stream(self, name: str) -> DeliveryStreamQuota:
        with self._lock:
            quota = self._streams.get(name)
            if quota is None:
                quota = self._streams[name] = DeliveryStreamQuota(self.limits, self._clock)
            return quota

    def forget(self, name: str) -> None:
        """Drop a deleted stream's budget (a stream re-created with its name starts full)."""
        with self._lock:
            self._streams.pop(name, None)


def slow_down(name: str, quota: DeliveryStreamQuota) -> ServiceUnavailableException:
    """The throttling error AWS raises: "Slow down.", with the limits and a retry hint."""
    return ServiceUnavailableException(
        "Slow down.",
        delivery_stream=name,
        limit=quota.limits.describe(),
        retry_after_s=quota.retry_after_s(),
    )
