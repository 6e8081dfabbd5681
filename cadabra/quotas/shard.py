"""One Kinesis shard's throughput budget: the limits behind ProvisionedThroughputExceededException.

Four token buckets, each holding one second of its rate and starting full:

- Writes (PutRecord/PutRecords): 1,000 records/s AND 1 MiB/s (data blob + partition key). A write
  passes only if both buckets have room, and then takes from both; otherwise nothing is taken. So
  1,000 records in one instant pass and the 1,001st fails; after 1 ms one more record fits.
  A demand larger than a whole bucket (a record of up to 10 MiB on a stream that allows it) passes
  only when that bucket is full and leaves it in debt: AWS absorbs large records as a burst that
  the shard pays back at its rate before it accepts more. The rule is the buckets', so it also lets
  a batch with more records than a small `scale` allows per second through, instead of never.
- Reads (GetRecords, shared by all polling consumers): 5 calls/s and 2 MiB/s. `admit_read` takes a
  call token before the read; `charge_read` charges the bytes the call returned afterwards, since
  nobody knows them before. The byte rule is a single mechanism:

      a read the byte bucket cannot cover empties the bucket and puts it in debt by the read's full
      size; while the bucket is in debt every GetRecords on the shard is throttled.

  The debt is repaid at the read rate, so a read of n bytes that overdraws the bucket blocks the
  shard for exactly n ÷ rate seconds: a 10 MiB read blocks it for 10 MiB ÷ 2 MiB/s = 5 s, which is
  AWS's documented "calls within the next 5 seconds fail". Reads the bucket covers cost only their
  bytes, so steady consumers at or under 2 MiB/s are never blocked. A throttled call costs nothing;
  AWS's "after insufficient throughput, calls in the next 1 s fail" is not modelled beyond this.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from fractions import Fraction

from cadabra.errors import ProvisionedThroughputExceededException
from cadabra.quotas.bucket import TokenBucket
from cadabra.quotas.clock import Clock
from cadabra.quotas.limits import Refusal, ShardLimits

__all__ = ["ShardQuota"]


class ShardQuota:
    """The write and GetRecords budget of one shard; thread-safe."""

    def __init__(self, limits: ShardLimits, clock: Clock) -> None:
        self._limits = limits
        self._write_records = _second_of(limits.write_records_per_s, clock)
        self._write_bytes = _second_of(limits.write_bytes_per_s, clock)
        self._read_calls = _second_of(limits.read_calls_per_s, clock)
        self._read_bytes = _second_of(limits.read_bytes_per_s, clock)
        self._last_write_refusal: Refusal | None = None
        self._lock = threading.Lock()

    @property
    def limits(self) -> ShardLimits:
        return self._limits

    # -- writes ---------------------------------------------------------------------------------

    def try_write(self, records: int, nbytes: int) -> Refusal | None:
        """Admit `records` records of `nbytes` bytes in total, or say which limit refused them."""
        with self._lock:
            if self._write_records.can_take(records) and self._write_bytes.can_take(nbytes):
                self._write_records.take_allow_debt(records)
                self._write_bytes.take_allow_debt(nbytes)
                return None
            # The clock may have moved since the check: then the write waits 0 s, still refused.
            refusal = self._write_refusal(records, nbytes) or self._no_wait()
            self._last_write_refusal = refusal
            return refusal

    def admit_writes(self, sizes: Sequence[int]) -> list[bool]:
        """Admit records one by one, in order, as `try_write(1, size)` each would: a refused
        record does not stop later, smaller ones. One refill for the whole batch."""
        records, data = self._write_records, self._write_bytes
        with self._lock:
            record_units, byte_units = records.units_now(), data.units_now()
            one_record = records.units_of(1)
            all_records, all_bytes = one_record * len(sizes), data.units_of(sum(sizes))
            if sizes and all_records <= record_units and all_bytes <= byte_units:
                # The balances cover every record together (so none is above a capacity):
                # one by one, each would be admitted.
                records.settle(all_records)
                data.settle(all_bytes)
                return [True] * len(sizes)
            spent_records = spent_bytes = 0
            admitted: list[bool] = []
            for size in sizes:
                demand = data.units_of(size)
                ok = records.admits_units(one_record, record_units - spent_records) and (
                    data.admits_units(demand, byte_units - spent_bytes)
                )
                if ok:
                    spent_records += one_record
                    spent_bytes += demand
                admitted.append(ok)
            records.settle(spent_records)
            data.settle(spent_bytes)
            if not all(admitted):
                refused = next(size for size, ok in zip(sizes, admitted, strict=True) if not ok)
                self._last_write_refusal = self._write_refusal(1, refused) or self._no_wait()
            return admitted

    def admit_write(self, records: int, nbytes: int) -> bool:
        """Whether the write passed (and was charged to the shard's budget)."""
        return self.try_write(records, nbytes) is None

    def last_write_refusal(self) -> Refusal:
        """Why the most recent refused write on this shard was refused (for the error)."""
        with self._lock:
            refusal = self._last_write_refusal or self._write_refusal(1, 1)
            return refusal or self._no_wait()

    def _no_wait(self) -> Refusal:
        return Refusal(self._limits.write_records_limit(), Fraction(0))

    def _write_refusal(self, records: int, nbytes: int) -> Refusal | None:
        """The limits a write must wait for and the longest wait; None if it could pass now."""
        waits = {
            self._limits.write_records_limit(): self._write_records.seconds_until(records),
            self._limits.write_bytes_limit(): self._write_bytes.seconds_until(nbytes),
        }
        blocking = {limit: wait for limit, wait in waits.items() if wait > 0}
        if not blocking:
            return None
        return Refusal(" and ".join(blocking), max(blocking.values()))

    # -- reads (GetRecords) ---------------------------------------------------------------------

    def try_read(self) -> Refusal | None:
        """Take one GetRecords call token, or say why the shard throttles reads now."""
        with self._lock:
            if not self._read_bytes.covers(0):  # in debt
                return Refusal(self._limits.read_bytes_limit(), self._read_bytes.seconds_until(0))
            if not self._read_calls.try_take(1):
                return Refusal(self._limits.read_calls_limit(), self._read_calls.seconds_until(1))
            return None

    def admit_read(self) -> None:
        """Admit one GetRecords call or raise ProvisionedThroughputExceededException."""
        refusal = self.try_read()
        if refusal is not None:
            raise ProvisionedThroughputExceededException(
                f"Rate exceeded: {refusal.limit}",
                limit=refusal.limit,
                retry_after_s=float(refusal.retry_after_s),
            )

    def charge_read(self, nbytes: int) -> None:
        """Charge the bytes an admitted GetRecords returned; an overdraw blocks reads."""
        with self._lock:
            if not self._read_bytes.covers(nbytes):
                self._read_bytes.drain()
            self._read_bytes.take_allow_debt(nbytes)


def _second_of(rate: Fraction, clock: Clock) -> TokenBucket:
    """A full bucket holding one second of `rate`."""
    return TokenBucket(capacity=rate, refill_per_s=rate, clock=clock)
