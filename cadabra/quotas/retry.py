"""Retrying throttled Kinesis calls the way AWS asks callers to.

PutRecords answers per entry: a throttled entry carries `ProvisionedThroughputExceededException`
(or `InternalFailure`) and the rest succeeded, so a caller resends only the failed entries, with
exponential backoff and jitter between attempts (AWS SDKs use "full jitter": a uniform delay in
[0, min(cap, base * 2**n)] before retry n). `retry_failed` does that for any batch API whose
results are aligned with its request; `retry_call` does it for single calls that raise a retryable
error.
Time and randomness are injected, so tests pin every delay with a fake sleep and a seeded RNG.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from cadabra.errors import RetryableError

__all__ = ["Backoff", "RetryStats", "retry_call", "retry_failed"]

E = TypeVar("E")
R = TypeVar("R")
T = TypeVar("T")

# 2**62 * any sensible base is far above any cap; it keeps unlimited retries from overflowing.
_MAX_EXPONENT = 62


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: retry n waits up to min(cap_s, base_s * 2**n); n counts from 0."""

    base_s: float = 0.05
    cap_s: float = 2.0
    max_attempts: int | None = 10  # None: retry until everything succeeds
    jitter: Literal["full", "none"] = "full"

    def __post_init__(self) -> None:
        if self.base_s < 0 or self.cap_s < 0:
            raise ValueError("backoff delays cannot be negative")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")

    def ceiling_s(self, retry: int) -> float:
        """The longest wait before retry `retry` (0 = the first retry)."""
        return min(self.cap_s, self.base_s * 2.0 ** min(retry, _MAX_EXPONENT))

    def delay_s(self, retry: int, rng: random.Random) -> float:
        """The wait before retry `retry`: uniform in [0, ceiling] with full jitter."""
        ceiling = self.ceiling_s(retry)
        return rng.uniform(0.0, ceiling) if self.jitter == "full" else ceiling

    def exhausted(self, attempts: int) -> bool:
        """Whether `attempts` attempts use up the budget."""
        return self.max_attempts is not None and attempts >= self.max_attempts


@dataclass
class RetryStats:
    """What retrying cost; pass one in to accumulate over many calls (e.g. per second)."""

    attempts: int = 0  # calls made, first attempts included
    sent: int = 0  # entries sent, resends included (retry_call: one per attempt)
    throttled: int = 0  # entries (or calls) that came back failed
    slept_s: float = 0.0  # total backoff


def retry_failed(
    send: Callable[[Sequence[E]], Sequence[R]],
    entries: Sequence[E],
    *,
    failed: Callable[[R], bool],
    backoff: Backoff | None = None,
    sleep: Callable[[float], object] = time.sleep,
    rng: random.Random | None = None,
    stats: RetryStats | None = None,
) -> list[R]:
    """Send `entries`, then resend only those whose result `failed`, until none fail or the
    attempts run out. Returns the last result of every entry, in the order of `entries`."""
    policy, jitter, tally = _defaults(backoff, rng, stats)
    results: dict[int, R] = {}
    pending = list(range(len(entries)))
    attempts = 0
    while pending:
        if attempts:
            _pause(policy, attempts - 1, jitter, sleep, tally)
        pending = _send_pending(send, entries, pending, failed, results, tally)
        attempts += 1
        if policy.exhausted(attempts):
            break
    return [results[i] for i in range(len(entries))]


def retry_call(
    fn: Callable[[], T],
    *,
    retryable: tuple[type[BaseException], ...] = (RetryableError,),
    backoff: Backoff | None = None,
    sleep: Callable[[float], object] = time.sleep,
    rng: random.Random | None = None,
    stats: RetryStats | None = None,
) -> T:
    """Call `fn` until it returns; a `retryable` error is retried after a backoff until the
    attempts run out, then re-raised. Other errors propagate at once."""
    policy, jitter, tally = _defaults(backoff, rng, stats)
    attempts = 0
    while True:
        tally.attempts += 1
        tally.sent += 1
        attempts += 1
        try:
            return fn()
        except retryable:
            tally.throttled += 1
            if policy.exhausted(attempts):
                raise
        _pause(policy, attempts - 1, jitter, sleep, tally)


def _defaults(
    backoff: Backoff | None, rng: random.Random | None, stats: RetryStats | None
) -> tuple[Backoff, random.Random, RetryStats]:
    # Jitter spreads retries apart; it needs no cryptographic randomness.
    jitter = rng if rng is not None else random.Random()  # noqa: S311
    return backoff or Backoff(), jitter, stats if stats is not None else RetryStats()


def _pause(
    policy: Backoff,
    retry: int,
    rng: random.Random,
    sleep: Callable[[float], object],
    stats: RetryStats,
) -> None:
    delay = policy.delay_s(retry, rng)
    stats.slept_s += delay
    sleep(delay)


def _send_pending(
    send: Callable[[Sequence[E]], Sequence[R]],
    entries: Sequence[E],
    pending: list[int],
    failed: Callable[[R], bool],
    results: dict[int, R],
    stats: RetryStats,
) -> list[int]:
    """One attempt: send the pending entries, record their results, return those still failing."""
    batch = [entries[i] for i in pending]
    answers = send(batch)
    if len(answers) != len(batch):
        raise ValueError(f"send returned {len(answers)} results for {len(batch)} entries")
    stats.attempts += 1
    stats.sent += len(batch)
    still_failing = []
    for index, answer in zip(pending, answers, strict=True):
        results[index] = answer
        if failed(answer):
            still_failing.append(index)
    stats.throttled += len(still_failing)
    return still_failing
