"""One shard's write limits at their boundaries: 1,000 records/s and 1 MiB/s."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from cadabra.quotas import FakeClock, ShardLimits, ShardQuota

MIB = 1024 * 1024


def make_shard(limits: ShardLimits | None = None) -> tuple[ShardQuota, FakeClock]:
    clock = FakeClock()
    return ShardQuota(limits or ShardLimits(), clock), clock


def write_records(shard: ShardQuota, count: int, size: int = 1) -> int:
    """Write `count` single records of `size` bytes; return how many passed."""
    return sum(shard.admit_write(1, size) for _ in range(count))


def test_999_records_pass_with_room_for_one_more() -> None:
    shard, _ = make_shard()
    assert write_records(shard, 999) == 999
    assert shard.admit_write(1, 1)


def test_1000_records_in_one_instant_pass_and_the_1001st_fails() -> None:
    shard, _ = make_shard()
    assert write_records(shard, 1000) == 1000
    assert not shard.admit_write(1, 1)


def test_one_batch_of_1000_records_fills_the_second() -> None:
    shard, _ = make_shard()
    assert shard.admit_write(1000, 1000)
    assert not shard.admit_write(1, 1)


def test_one_record_comes_back_after_exactly_1_ms() -> None:
    shard, clock = make_shard()
    write_records(shard, 1000)
    clock.advance_ns(999_999)
    assert not shard.admit_write(1, 1)
    clock.advance_ns(1)
    assert shard.admit_write(1, 1)
    assert not shard.admit_write(1, 1)


def test_a_whole_second_refills_the_whole_budget_and_no_more() -> None:
    shard, clock = make_shard()
    write_records(shard, 1000)
    clock.advance(1)
    assert write_records(shard, 1001) == 1000
    clock.advance(30)
    assert write_records(shard, 1001) == 1000


def test_burst_then_steady_refill() -> None:
    shard, clock = make_shard()
    assert write_records(shard, 1500) == 1000
    passed = 0
    for _ in range(100):  # 100 ms at 1,000 records/s: one record per ms
        clock.advance(0.001)
        passed += write_records(shard, 3)
    assert passed == 100


def test_exactly_1_mib_passes_and_one_more_byte_fails() -> None:
    shard, _ = make_shard()
    assert write_records(shard, 512, size=2048) == 512
    assert not shard.admit_write(1, 1)


def test_1_mib_minus_one_byte_leaves_room_for_exactly_one_byte() -> None:
    shard, clock = make_shard()
    assert shard.admit_write(1, MIB - 1)
    assert not shard.admit_write(1, 2)
    assert shard.admit_write(1, 1)
    assert not shard.admit_write(1, 1)
    clock.advance(1)
    assert shard.admit_write(1, MIB)


def test_a_write_takes_nothing_unless_both_limits_have_room() -> None:
    shard, clock = make_shard(
        ShardLimits(write_records_per_s=Fraction(10), write_bytes_per_s=Fraction(100))
    )
    assert shard.admit_write(1, 100)  # bytes empty, 9 records left
    assert not shard.admit_write(9, 1)  # refused for bytes; its 9 records must not be taken
    clock.advance(0.01)  # 1 byte and 0.1 record back
    assert shard.admit_write(9, 1)


def test_a_record_larger_than_the_byte_bucket_passes_only_when_it_is_full() -> None:
    shard, clock = make_shard()
    assert shard.admit_write(1, 1)
    assert not shard.admit_write(1, 5 * MIB)
    clock.advance_ns(953)  # one byte at 1 MiB/s takes 953.67 ns
    assert not shard.admit_write(1, 5 * MIB)
    clock.advance_ns(1)
    assert shard.admit_write(1, 5 * MIB)


def test_a_large_record_leaves_a_debt_that_refill_repays() -> None:
    shard, clock = make_shard()
    assert shard.admit_write(1, 5 * MIB)  # the bucket now owes 4 MiB
    clock.advance(4)
    assert not shard.admit_write(1, 1)
    clock.advance(0.001)
    assert shard.admit_write(1, 1)


def test_a_record_of_1_mib_plus_one_byte_owes_one_byte() -> None:
    shard, clock = make_shard()
    assert shard.admit_write(1, MIB + 1)
    assert not shard.admit_write(1, 1)
    clock.advance_ns(1908)  # two bytes' worth: repays the debt and earns one
    assert shard.admit_write(1, 1)


def test_refusal_names_the_limit_and_the_wait() -> None:
    shard, _ = make_shard()
    write_records(shard, 1000)
    refusal = shard.try_write(1, 1)
    assert refusal is not None
    assert refusal.limit == "PutRecords: 1000 records/s per shard"
    assert refusal.retry_after_s == Fraction(1, 1000)
    assert shard.last_write_refusal() == refusal


def test_refusal_names_both_limits_when_both_are_short() -> None:
    shard, _ = make_shard()
    assert shard.admit_write(1000, MIB)
    refusal = shard.try_write(1, 1024)
    assert refusal is not None
    assert refusal.limit == (
        "PutRecords: 1000 records/s per shard and PutRecords: 1048576 bytes/s per shard"
    )
    assert refusal.retry_after_s == Fraction(1, 1000)  # 1 KiB of 1 MiB/s = 1/1024 s < 1 ms


def test_last_write_refusal_without_a_refusal_has_no_wait() -> None:
    shard, _ = make_shard()
    assert shard.last_write_refusal().retry_after_s == 0


def test_a_batch_above_a_small_scales_record_budget_passes_when_full() -> None:
    shard, clock = make_shard(ShardLimits(write_records_per_s=Fraction(10)))
    assert shard.admit_write(25, 25)  # owes 15 records: 1.5 s before the next one
    clock.advance(1.6 - 1e-9)
    assert not shard.admit_write(1, 1)
    clock.advance_ns(1)
    assert shard.admit_write(1, 1)


def test_a_batch_is_admitted_record_by_record_like_single_writes() -> None:
    from cadabra.quotas import FakeClock, ShardLimits, ShardQuota

    batch, single = ShardQuota(ShardLimits(), FakeClock()), ShardQuota(ShardLimits(), FakeClock())
    sizes = [1024] * 998 + [600_000, 10, 10, 10]  # the big one overdraws MiB/s; small ones fit
    verdicts = batch.admit_writes(sizes)
    assert verdicts == [single.admit_write(1, size) for size in sizes]
    assert verdicts.count(False) == 2  # the 600,000-byte record, then the 1,001st record
    assert verdicts[998] is False and verdicts[999] is True


@settings(max_examples=200, deadline=None)
@given(
    calls=st.lists(
        st.tuples(
            st.lists(st.integers(0, 1_200_000), min_size=1, max_size=60),
            st.integers(0, 2_000_000_000),  # ns before the call
        ),
        min_size=1,
        max_size=12,
    )
)
def test_batches_and_single_writes_agree_call_after_call(
    calls: list[tuple[list[int], int]],
) -> None:
    """Whether a call fits whole (one charge) or not (record by record), the verdicts and what
    is left of both budgets are those of single writes, one after the other."""
    limits = ShardLimits(write_records_per_s=Fraction(50))
    batch_clock, single_clock = FakeClock(), FakeClock()
    batch, single = ShardQuota(limits, batch_clock), ShardQuota(limits, single_clock)
    for sizes, pause_ns in calls:
        batch_clock.advance_ns(pause_ns)
        single_clock.advance_ns(pause_ns)
        assert batch.admit_writes(sizes) == [single.admit_write(1, size) for size in sizes]
        assert batch.admit_write(1, 0) == single.admit_write(1, 0)  # same records left
