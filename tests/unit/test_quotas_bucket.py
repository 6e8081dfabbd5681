"""TokenBucket and the clocks: exact refill, the burst rule, debt."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cadabra.quotas import FakeClock, MonotonicClock, TokenBucket, seconds_to_ns


def make_bucket(rate: int = 1000) -> tuple[TokenBucket, FakeClock]:
    clock = FakeClock()
    return TokenBucket(capacity=rate, refill_per_s=rate, clock=clock), clock


def test_fake_clock_advances_in_exact_nanoseconds() -> None:
    clock = FakeClock(start_ns=5)
    clock.advance(0.001)
    clock.advance(Fraction(1, 3))
    clock.advance(2)
    assert clock.now_ns() == 5 + 1_000_000 + 333_333_333 + 2_000_000_000


def test_fake_clock_cannot_go_back() -> None:
    with pytest.raises(ValueError, match="cannot go back"):
        FakeClock().advance(-0.5)


def test_seconds_to_ns_rounds_to_nearest() -> None:
    assert seconds_to_ns(1.5) == 1_500_000_000
    assert seconds_to_ns(Fraction(2, 3)) == 666_666_667


def test_monotonic_clock_never_goes_back() -> None:
    clock = MonotonicClock()
    first = clock.now_ns()
    assert clock.now_ns() >= first


def test_bucket_starts_full_and_empties() -> None:
    bucket, _ = make_bucket()
    assert bucket.is_full
    assert bucket.try_take(1000)
    assert bucket.tokens == 0
    assert not bucket.try_take(1)


def test_refill_is_exact_without_float_drift() -> None:
    bucket, clock = make_bucket()
    bucket.take_allow_debt(1000)
    for _ in range(1000):
        clock.advance_ns(1000)  # 1 µs earns 1/1000 of a token
    assert bucket.tokens == Fraction(1)


def test_refill_stops_at_capacity() -> None:
    bucket, clock = make_bucket()
    bucket.try_take(10)
    clock.advance(60)
    assert bucket.tokens == 1000


def test_seconds_until_is_the_exact_wait() -> None:
    bucket, clock = make_bucket()
    bucket.try_take(1000)
    assert bucket.seconds_until(1) == Fraction(1, 1000)
    assert bucket.seconds_until(0) == 0
    clock.advance(0.001)
    assert bucket.seconds_until(1) == 0


def test_demand_above_capacity_needs_a_full_bucket_and_leaves_debt() -> None:
    bucket, clock = make_bucket()
    bucket.try_take(1)
    assert not bucket.can_take(5000)
    assert bucket.seconds_until(5000) == Fraction(1, 1000)
    clock.advance(0.001)
    assert bucket.try_take(5000)
    assert bucket.tokens == -4000
    assert bucket.seconds_until(1) == Fraction(4001, 1000)


def test_take_allow_debt_and_drain() -> None:
    bucket, _ = make_bucket()
    bucket.take_allow_debt(1500)
    assert bucket.tokens == -500
    bucket.drain()
    assert bucket.tokens == -500  # a debt stays a debt
    bucket2, _ = make_bucket()
    bucket2.take_allow_debt(400)
    bucket2.drain()
    assert bucket2.tokens == 0
    assert bucket2.covers(0)
    assert not bucket2.covers(1)


def test_rejects_negative_demands_and_bad_shapes() -> None:
    bucket, clock = make_bucket()
    with pytest.raises(ValueError, match="negative"):
        bucket.try_take(-1)
    with pytest.raises(ValueError, match="negative"):
        bucket.take_allow_debt(-1)
    with pytest.raises(ValueError, match="bad token bucket"):
        TokenBucket(capacity=10, refill_per_s=0, clock=clock)


def test_fractional_rates_stay_exact() -> None:
    clock = FakeClock()
    bucket = TokenBucket(capacity=Fraction(5, 2), refill_per_s=Fraction(5, 2), clock=clock)
    assert bucket.try_take(2)
    assert bucket.tokens == Fraction(1, 2)
    assert bucket.seconds_until(1) == Fraction(1, 5)
    clock.advance(Fraction(1, 5))
    assert bucket.try_take(1)
    assert bucket.try_take(0)
    assert not bucket.try_take(1)
