"""One shard's GetRecords limits: 5 calls/s, 2 MiB/s, and the block after an overdrawing read."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cadabra.errors import ProvisionedThroughputExceededException
from cadabra.quotas import FakeClock, ShardLimits, ShardQuota

MIB = 1024 * 1024


def make_shard() -> tuple[ShardQuota, FakeClock]:
    clock = FakeClock()
    return ShardQuota(ShardLimits(), clock), clock


def is_throttled(shard: ShardQuota) -> bool:
    return shard.try_read() is not None


def test_five_calls_in_a_second_pass_and_the_sixth_is_throttled() -> None:
    shard, _ = make_shard()
    for _ in range(5):
        shard.admit_read()
    with pytest.raises(ProvisionedThroughputExceededException) as caught:
        shard.admit_read()
    assert caught.value.limit == "GetRecords: 5 calls/s per shard"
    assert caught.value.retry_after_s == pytest.approx(0.2)


def test_a_call_comes_back_every_200_ms() -> None:
    shard, clock = make_shard()
    for _ in range(5):
        shard.admit_read()
    clock.advance_ns(199_999_999)
    assert is_throttled(shard)
    clock.advance_ns(1)
    shard.admit_read()
    assert is_throttled(shard)


def test_a_10_mib_read_blocks_the_next_5_seconds() -> None:
    shard, clock = make_shard()
    shard.admit_read()
    shard.charge_read(10 * MIB)
    refusal = shard.try_read()
    assert refusal is not None
    assert refusal.limit == "GetRecords: 2097152 bytes/s per shard"
    assert refusal.retry_after_s == 5
    clock.advance_ns(5_000_000_000 - 1)
    assert is_throttled(shard)
    clock.advance_ns(1)
    shard.admit_read()


def test_the_block_counts_the_whole_read_even_after_smaller_reads() -> None:
    shard, clock = make_shard()
    shard.admit_read()
    shard.charge_read(MIB)  # covered: 1 MiB left
    shard.admit_read()
    shard.charge_read(3 * MIB)  # not covered: blocked for 3 MiB / 2 MiB/s
    clock.advance(1.5 - 1e-9)
    assert is_throttled(shard)
    clock.advance_ns(1)
    assert not is_throttled(shard)


def test_reads_the_bucket_covers_never_block() -> None:
    shard, _ = make_shard()
    shard.admit_read()
    shard.charge_read(2 * MIB)  # exactly the budget: not a debt
    shard.admit_read()
    shard.charge_read(0)
    shard.admit_read()


def test_one_byte_over_the_budget_blocks_for_one_byte_of_time() -> None:
    shard, clock = make_shard()
    shard.admit_read()
    shard.charge_read(2 * MIB)
    shard.admit_read()
    shard.charge_read(1)  # overdraws: owes 1 byte = 1/2097152 s, about 477 ns
    refusal = shard.try_read()
    assert refusal is not None
    assert refusal.retry_after_s == Fraction(1, 2 * MIB)
    clock.advance_ns(476)
    assert is_throttled(shard)
    clock.advance_ns(1)
    assert not is_throttled(shard)


def test_steady_reads_at_the_rate_are_never_throttled() -> None:
    shard, clock = make_shard()
    for _ in range(50):  # 5 calls/s of 400 KiB = 2000 KiB/s, under 2 MiB/s
        shard.admit_read()
        shard.charge_read(400 * 1024)
        clock.advance(0.2)


def test_a_throttled_call_takes_no_call_token() -> None:
    shard, clock = make_shard()
    shard.admit_read()
    shard.charge_read(10 * MIB)
    for _ in range(20):
        assert is_throttled(shard)
    clock.advance(5)
    for _ in range(5):  # the calls bucket refilled meanwhile: a full second's worth
        shard.admit_read()
    assert is_throttled(shard)
