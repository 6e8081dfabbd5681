"""Kinesis Data Streams per-shard limits, and how a refusal is reported the AWS way.

AWS's numbers (KDS quotas, "Per-shard data-plane limits"):

- writes (PutRecord/PutRecords): 1,000 records/s and 1 MiB/s per shard, bytes counting the data
  blob plus the partition key;
- reads (GetRecords, shared by every polling consumer of the shard): 5 calls/s and 2 MiB/s.

`QuotaSettings.scale` multiplies every one of them (2 = twice AWS's throughput). Exceeding any limit
is a `ProvisionedThroughputExceededException` whose message AWS words as
"Rate exceeded for shard shardId-000000000001 in stream CadabraOrders under account 111111111111.";
the error also names the limit and how long until a retry can succeed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Self

from cadabra.config import QuotaSettings
from cadabra.errors import ProvisionedThroughputExceededException

__all__ = ["Refusal", "ShardLimits", "exact_scale", "rate_exceeded"]

MIB = 1024 * 1024


@dataclass(frozen=True)
class ShardLimits:
    """One shard's rates, per second; each bucket holds one second of its rate."""

    write_records_per_s: Fraction = Fraction(1000)
    write_bytes_per_s: Fraction = Fraction(MIB)
    read_calls_per_s: Fraction = Fraction(5)
    read_bytes_per_s: Fraction = Fraction(2 * MIB)

    @classmethod
    def from_settings(cls, settings: QuotaSettings) -> Self:
        """The settings' rates multiplied by their `scale`."""
        unscaled = cls(
            write_records_per_s=Fraction(settings.write_records_per_s),
            write_bytes_per_s=Fraction(settings.write_bytes_per_s),
            read_calls_per_s=Fraction(settings.read_calls_per_s),
            read_bytes_per_s=Fraction(settings.read_bytes_per_s),
        )
        return unscaled.scaled(exact_scale(settings.scale))

    def scaled(self, factor: Fraction) -> Self:
        """Every rate multiplied by `factor`."""
        if factor <= 0:
            raise ValueError(f"quota scale must be positive, got {factor}")
        rates = {f.name: getattr(self, f.name) * factor for f in fields(self)}
        return type(self)(**rates)

    def write_records_limit(self) -> str:
        return f"PutRecords: {_number(self.write_records_per_s)} records/s per shard"

    def write_bytes_limit(self) -> str:
        return f"PutRecords: {_number(self.write_bytes_per_s)} bytes/s per shard"

    def read_calls_limit(self) -> str:
        return f"GetRecords: {_number(self.read_calls_per_s)} calls/s per shard"

    def read_bytes_limit(self) -> str:
        return f"GetRecords: {_number(self.read_bytes_per_s)} bytes/s per shard"


def exact_scale(scale: float) -> Fraction:
    """The decimal the user wrote (0.1 is 1/10, not the nearest binary float)."""
    return Fraction(repr(scale))


@dataclass(frozen=True)
class Refusal:
    """Why a shard refused a call: the limit reached and the wait until a retry can pass."""

    limit: str
    retry_after_s: Fraction


def rate_exceeded(
    stream: str, shard_id: str, account_id: str, refusal: Refusal
) -> ProvisionedThroughputExceededException:
    """The exception AWS raises (or puts in a PutRecords entry) for a throttled shard."""
    message = f"Rate exceeded for shard {shard_id} in stream {stream} under account {account_id}."
    return ProvisionedThroughputExceededException(
        message,
        stream=stream,
        shard_id=shard_id,
        limit=refusal.limit,
        retry_after_s=float(refusal.retry_after_s),
    )


def _number(value: Fraction) -> str:
    """A rate for a message: an integer as such, anything else as a short decimal."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):g}"
