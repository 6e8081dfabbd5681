"""retry_failed / retry_call: resend only what failed, exponential backoff with full jitter."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from cadabra.config import QuotaSettings
from cadabra.errors import (
    InvalidArgumentException,
    ProvisionedThroughputExceededException,
)
from cadabra.quotas import Backoff, FakeClock, QuotaRegistry, RetryStats, retry_call, retry_failed


@dataclass
class FlakyBatchApi:
    """A PutRecords-like API: entry `e` fails its first `failures[e]` times."""

    failures: dict[str, int] = field(default_factory=dict)
    batches: list[list[str]] = field(default_factory=list)

    def send(self, batch: Sequence[str]) -> list[tuple[str, bool]]:
        self.batches.append(list(batch))
        results = []
        for entry in batch:
            left = self.failures.get(entry, 0)
            self.failures[entry] = left - 1
            results.append((entry, left <= 0))
        return results


def failed(result: tuple[str, bool]) -> bool:
    return not result[1]


@dataclass
class RecordingSleep:
    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def test_resends_only_the_failed_entries_and_keeps_order() -> None:
    api = FlakyBatchApi({"b": 1, "d": 2})
    sleep = RecordingSleep()
    results = retry_failed(
        api.send, ["a", "b", "c", "d", "e"], failed=failed, sleep=sleep, rng=random.Random(1)
    )
    assert api.batches == [["a", "b", "c", "d", "e"], ["b", "d"], ["d"]]
    assert results == [("a", True), ("b", True), ("c", True), ("d", True), ("e", True)]
    assert len(sleep.delays) == 2


def test_no_retry_and_no_sleep_when_everything_succeeds() -> None:
    api = FlakyBatchApi()
    sleep = RecordingSleep()
    assert retry_failed(api.send, ["a", "b"], failed=failed, sleep=sleep) == [
        ("a", True),
        ("b", True),
    ]
    assert api.batches == [["a", "b"]]
    assert sleep.delays == []


def test_empty_batch_sends_nothing() -> None:
    api = FlakyBatchApi()
    assert retry_failed(api.send, [], failed=failed, sleep=RecordingSleep()) == []
    assert api.batches == []


def test_stops_at_max_attempts_and_returns_the_last_failure() -> None:
    api = FlakyBatchApi({"x": 100})
    sleep = RecordingSleep()
    stats = RetryStats()
    results = retry_failed(
        api.send,
        ["ok", "x"],
        failed=failed,
        backoff=Backoff(max_attempts=3),
        sleep=sleep,
        rng=random.Random(2),
        stats=stats,
    )
    assert api.batches == [["ok", "x"], ["x"], ["x"]]
    assert results == [("ok", True), ("x", False)]
    assert len(sleep.delays) == 2
    assert (stats.attempts, stats.sent, stats.throttled) == (3, 4, 3)
    assert stats.slept_s == pytest.approx(sum(sleep.delays))


def test_unlimited_attempts_retry_until_success() -> None:
    api = FlakyBatchApi({"x": 25})
    results = retry_failed(
        api.send,
        ["x"],
        failed=failed,
        backoff=Backoff(max_attempts=None),
        sleep=RecordingSleep(),
    )
    assert results == [("x", True)]
    assert len(api.batches) == 26


def test_delays_are_full_jitter_under_a_growing_capped_ceiling() -> None:
    api = FlakyBatchApi({"x": 12})
    sleep = RecordingSleep()
    backoff = Backoff(base_s=0.05, cap_s=2.0, max_attempts=None)
    retry_failed(api.send, ["x"], failed=failed, backoff=backoff, sleep=sleep, rng=random.Random(7))
    ceilings = [min(2.0, 0.05 * 2**n) for n in range(12)]
    assert ceilings == [backoff.ceiling_s(n) for n in range(12)]
    assert all(0 <= d <= c for d, c in zip(sleep.delays, ceilings, strict=True))
    same_seed = random.Random(7)
    assert sleep.delays == [same_seed.uniform(0, c) for c in ceilings]
    assert len(set(sleep.delays)) == 12  # jittered, not a fixed schedule


def test_without_jitter_the_delays_double_up_to_the_cap() -> None:
    api = FlakyBatchApi({"x": 8})
    sleep = RecordingSleep()
    backoff = Backoff(base_s=0.05, cap_s=2.0, max_attempts=None, jitter="none")
    retry_failed(api.send, ["x"], failed=failed, backoff=backoff, sleep=sleep)
    assert sleep.delays == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0])


def test_huge_retry_numbers_do_not_overflow() -> None:
    assert Backoff().ceiling_s(10_000) == 2.0


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        Backoff(max_attempts=0)
    with pytest.raises(ValueError, match="negative"):
        Backoff(base_s=-1)


def test_misaligned_results_are_an_error() -> None:
    with pytest.raises(ValueError, match="2 results for 1 entries"):
        retry_failed(lambda batch: [1, 2], ["a"], failed=lambda r: False)


def throttled() -> ProvisionedThroughputExceededException:
    return ProvisionedThroughputExceededException("Rate exceeded for shard")


def test_retry_call_retries_throttling_then_returns() -> None:
    outcomes: list[Exception | str] = [throttled(), throttled(), "done"]
    sleep = RecordingSleep()
    stats = RetryStats()

    def call() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = retry_call(call, sleep=sleep, rng=random.Random(3), stats=stats)
    assert result == "done"
    assert len(sleep.delays) == 2
    assert 0 <= sleep.delays[0] <= 0.05
    assert 0 <= sleep.delays[1] <= 0.1
    assert (stats.attempts, stats.throttled) == (3, 2)


def test_retry_call_gives_up_after_max_attempts() -> None:
    calls = 0

    def call() -> None:
        nonlocal calls
        calls += 1
        raise throttled()

    with pytest.raises(ProvisionedThroughputExceededException):
        retry_call(call, backoff=Backoff(max_attempts=4), sleep=RecordingSleep())
    assert calls == 4


def test_retry_call_does_not_retry_terminal_errors() -> None:
    sleep = RecordingSleep()

    def call() -> None:
        raise InvalidArgumentException("bad shard iterator")

    with pytest.raises(InvalidArgumentException):
        retry_call(call, sleep=sleep)
    assert sleep.delays == []


def test_retry_call_honours_a_custom_retryable_tuple() -> None:
    outcomes: list[Exception | int] = [TimeoutError(), 42]

    def call() -> int:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert retry_call(call, retryable=(TimeoutError,), sleep=RecordingSleep()) == 42


def test_retrying_producer_drains_into_a_throttled_shard() -> None:
    """3,000 records into one shard: 1,000 pass at once, the rest as the budget refills."""
    clock = FakeClock()
    registry = QuotaRegistry(QuotaSettings(enabled=True, scale=1.0), clock)
    stats = RetryStats()

    def put_records(batch: Sequence[int]) -> list[bool]:
        return [
            registry.check_write("CadabraOrders", "shardId-000000000000", 1, 100) for _ in batch
        ]

    results = retry_failed(
        put_records,
        list(range(3000)),
        failed=lambda ok: not ok,
        backoff=Backoff(base_s=0.05, cap_s=0.5, max_attempts=None),
        sleep=clock.advance,
        rng=random.Random(11),
        stats=stats,
    )
    assert all(results)
    assert stats.sent - stats.throttled == 3000
    assert clock.now_ns() >= 2_000_000_000  # 2,000 records beyond the burst need 2 s of refill
