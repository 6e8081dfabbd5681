"""What Lambda does with a Kinesis batch after the function fails it (error handling of a mapping).

- BisectBatchOnFunctionError: a failed batch of two or more records is split in two halves, retried
  in order (first half, then second); splitting does not count against MaximumRetryAttempts.
- ReportBatchItemFailures: the records before the lowest reported failure are done; the rest is
  retried as a batch ("split at the returned sequence number"), which counts as a retry.
- MaximumRetryAttempts: once a batch failed more than that many retries (-1 = never), it is
  discarded: an invocation record goes to the on-failure destination and the shard moves on.
- MaximumRecordAgeInSeconds: before each invocation, leading records older than that
  (-1 = the stream's retention) are discarded the same way, with condition RecordAgeExceeded.
This module is pure: it decides, the shard worker invokes, waits and checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from processors.lambda_runner.records import StreamRecord
from processors.lambda_runner.responses import BatchOutcome

__all__ = ["RECORD_AGE_EXCEEDED", "RETRY_ATTEMPTS_EXHAUSTED", "Attempt", "Discard", "RetryPolicy"]

RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass
class Attempt:
    """Records to invoke the function with, and how often they were invoked and retried."""

    records: list[StreamRecord]
    retries: int = 0
    invocations: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class Discard:
    """Records given up on: the on-failure destination hears of them, the shard moves past."""

    records: list[StreamRecord]
    condition: str
    invocations: int
    error: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = -1
    max_record_age_s: float | None = None  # None: records never expire here
    bisect: bool = False

    def expired(self, attempt: Attempt, now: datetime) -> tuple[Discard | None, Attempt | None]:
        """Split off the leading records older than the maximum age; (discarded, still to do)."""
        if self.max_record_age_s is None:
            return None, attempt
        oldest_allowed = now - timedelta(seconds=self.max_record_age_s)
        count = 0
        while count < len(attempt.records) and attempt.records[count].arrival < oldest_allowed:
            count += 1
        if count == 0:
            return None, attempt
        discard = Discard(
            attempt.records[:count], RECORD_AGE_EXCEEDED, attempt.invocations, attempt.last_error
        )
        rest = attempt.records[count:]
        if not rest:
            return discard, None
        return discard, Attempt(rest, attempt.retries, attempt.invocations, attempt.last_error)

    def after_failure(self, attempt: Attempt, outcome: BatchOutcome) -> list[Attempt] | Discard:
        """The attempts that follow a failed invocation, in order, or the discard of the batch."""
        if outcome.partial:
            rest = Attempt(
                attempt.records[outcome.succeeded :],
                attempt.retries + 1,
                attempt.invocations,
                outcome.error,
            )
            return self._retry_or_discard(rest)
        if self.bisect and len(attempt.records) > 1:
            middle = len(attempt.records) // 2
            return [
                Attempt(attempt.records[:middle], attempt.retries, 0, outcome.error),
                Attempt(attempt.records[middle:], attempt.retries, 0, outcome.error),
            ]
        retry = Attempt(attempt.records, attempt.retries + 1, attempt.invocations, outcome.error)
        return self._retry_or_discard(retry)

    def _retry_or_discard(self, attempt: Attempt) -> list[Attempt] | Discard:
        if 0 <= self.max_retries < attempt.retries:
            return Discard(
                attempt.records, RETRY_ATTEMPTS_EXHAUSTED, attempt.invocations, attempt.last_error
            )
        return [attempt]
