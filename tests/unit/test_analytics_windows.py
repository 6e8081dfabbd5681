"""The window primitives of the transaction-rate alarm, on explicit arrival times (ms)."""

from __future__ import annotations

from processors.analytics.windows import Cooldown, SlidingCount, TumblingCounts, window_start


def test_sliding_count_range_frame_includes_both_ends() -> None:
    window = SlidingCount(10_000)
    for at in (0, 5_000, 10_000):
        window.add(at)
    assert window.count(10_000) == 3  # 10_000 - 10_000 = 0 is inside RANGE 10 s PRECEDING
    assert window.count(10_001) == 2
    assert window.count(4_999) == 1  # only rows at or before the current time


def test_sliding_count_keeps_out_of_order_arrivals_sorted() -> None:
    window = SlidingCount(1_000, [100, 300])
    window.add(200)
    assert window.times == [100, 200, 300]


def test_sliding_prune_forgets_only_rows_no_later_window_holds() -> None:
    window = SlidingCount(1_000, [0, 500, 1_000, 1_800])
    window.prune(1_800)
    assert window.times == [1_000, 1_800]
    assert window.count(1_800) == 2


def test_window_start_is_aligned_to_epoch_plus_offset() -> None:
    assert window_start(12_345, 10_000) == 10_000
    assert window_start(10_000, 10_000) == 10_000
    assert window_start(12_345, 10_000, 3_000) == 3_000
    assert window_start(13_000, 10_000, 3_000) == 13_000
    assert window_start(2_999, 10_000, 3_000) == -7_000


def test_tumbling_counts_pop_only_ended_windows() -> None:
    counts = TumblingCounts(10_000)
    for at in (1, 9_999, 10_000, 25_000):
        counts.add(at)
    assert counts.pop_ended(19_999) == {0: 2}
    assert counts.pop_ended(20_000) == {10_000: 1}
    assert counts.counts == {20_000: 1}


def test_cooldown_lets_one_alarm_through_per_period() -> None:
    cooldown = Cooldown(60_000)
    assert cooldown.allows(0)
    cooldown.fire(0)
    assert not cooldown.allows(59_999)
    assert cooldown.allows(60_000)


def test_cooldown_zero_is_off() -> None:
    cooldown = Cooldown(0, last_ms=5)
    assert cooldown.allows(5)
