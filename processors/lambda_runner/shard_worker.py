"""One shard of an event source mapping: batches in order, one in flight (ParallelizationFactor 1).

The worker polls its shard, gathers a batch (BatchSize records, or what arrived within
MaximumBatchingWindowInSeconds, or what fits Lambda's 6 MB synchronous payload), invokes the
function, and applies the mapping's error handling (see retries.py) until every record of the
batch is processed or discarded. It checkpoints after each part of a batch that is done, so a
restart resumes after the last record done. A closed shard read to its end is checkpointed
SHARD_END and the worker ends, letting the mapping start the children.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from processors.lambda_runner.destinations import OnFailureDestination, invocation_record
from processors.lambda_runner.invoker import Invoke
from processors.lambda_runner.positions import SHARD_END
from processors.lambda_runner.reader import ShardSource
from processors.lambda_runner.records import StreamRecord
from processors.lambda_runner.retries import Attempt, Discard, RetryPolicy
from processors.lambda_runner.stats import MappingStats

__all__ = ["MAX_PAYLOAD_BYTES", "Batching", "ShardWorker", "Stopper"]

logger = logging.getLogger(__name__)

# Lambda's synchronous invocation payload limit; a record's event entry is its data in base64
# plus about 500 bytes of fields.
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
_ENTRY_OVERHEAD = 500
_GET_RECORDS_LIMIT = 10_000


class Stopper:
    """A stop flag whose waits end early when a stop is requested."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def stop(self) -> None:
        self._event.set()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if a stop was requested."""
        return self._event.wait(max(0.0, seconds))


@dataclass(frozen=True)
class Batching:
    batch_size: int = 100
    window_s: float = 0.0
    poll_interval_s: float = 1.0
    retry_base_s: float = 0.1
    retry_cap_s: float = 5.0


def _entry_size(record: StreamRecord) -> int:
    return (len(record.data) + 2) // 3 * 4 + _ENTRY_OVERHEAD


@dataclass
class ShardWorker:
    shard_id: str
    source: ShardSource
    invoke: Invoke
    checkpoint: Callable[[str], None]
    policy: RetryPolicy
    batching: Batching
    stopper: Stopper
    destination: OnFailureDestination | None = None
    function_arn: str = ""
    stream_arn: str = ""
    stats: MappingStats | None = None
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    monotonic: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._buffer: deque[StreamRecord] = deque()
        self._ended = False
        self._stats = self.stats or MappingStats()

    def run(self) -> bool:
        """Process batches until stopped (False) or the shard is read to its end (True)."""
        while not self.stopper.stopped:
            batch = self._gather()
            if self.stopper.stopped:
                return False
            if batch and not self.process(batch):
                return False
            if self._ended and not self._buffer:
                self.checkpoint(SHARD_END)
                return True
        return False

    # -- batches ------------------------------------------------------------------------------

    def _gather(self) -> list[StreamRecord]:
        size = self.batching.batch_size
        started = self.monotonic()
        while not self.stopper.stopped and len(self._buffer) < size and not self._ended:
            if self._buffer and self.monotonic() - started >= self.batching.window_s:
                break
            read = self.source.read(min(size - len(self._buffer), _GET_RECORDS_LIMIT))
            self._buffer.extend(read.records)
            self._ended = read.ended
            if not read.throttled:
                self._stats.add(polls=1)
            if read.throttled or len(self._buffer) >= size or self._ended:
                continue  # a throttled read has already backed off
            pause = self.batching.poll_interval_s
            if self._buffer:
                remaining = self.batching.window_s - (self.monotonic() - started)
                if remaining <= 0:
                    break
                pause = min(pause, remaining)
            if self.stopper.wait(pause):
                break
        return self._take(size)

    def _take(self, size: int) -> list[StreamRecord]:
        batch: list[StreamRecord] = []
        payload = 0
        while self._buffer and len(batch) < size:
            entry = _entry_size(self._buffer[0])
            if batch and payload + entry > MAX_PAYLOAD_BYTES:
                break
            batch.append(self._buffer.popleft())
            payload += entry
        return batch

    # -- one batch to completion --------------------------------------------------------------

    def process(self, batch: list[StreamRecord]) -> bool:
        """Invoke, retry, bisect and discard until the batch is done; False if stopped."""
        pending: deque[Attempt] = deque([Attempt(batch)])
        while pending:
            discard, attempt = self.policy.expired(pending.popleft(), self.now())
            if discard is not None:
                self._discard(discard)
            if attempt is None:
                continue
            following = self._invoke(attempt)
            if isinstance(following, Discard):
                self._discard(following)
                continue
            pending.extendleft(reversed(following))
            if following and following[0].retries > attempt.retries:
                delay = self._retry_delay(following[0].retries)
                if self.stopper.wait(delay):
                    return False
            if self.stopper.stopped:
                return False
        return True

    def _invoke(self, attempt: Attempt) -> list[Attempt] | Discard:
        outcome = self.invoke(attempt.records)
        attempt.invocations += 1
        self._stats.add(invocations=1, records_processed=outcome.succeeded)
        if outcome.succeeded:
            self._done(attempt.records[outcome.succeeded - 1])
        if outcome.ok:
            return []
        self._stats.add(function_errors=1)
        return self.policy.after_failure(attempt, outcome)

    def _retry_delay(self, retries: int) -> float:
        exponent = min(retries - 1, 30)
        return float(min(self.batching.retry_cap_s, self.batching.retry_base_s * 2.0**exponent))

    def _discard(self, discard: Discard) -> None:
        logger.warning(
            "%s: discarding %d records of %s (%s)",
            discard.condition,
            len(discard.records),
            self.shard_id,
            discard.records[0].sequence_number,
        )
        if self.destination is not None:
            record = invocation_record(
                discard, function_arn=self.function_arn, stream_arn=self.stream_arn
            )
            self.destination.send(record)
        self._stats.add(records_discarded=len(discard.records))
        self._done(discard.records[-1])

    def _done(self, last: StreamRecord) -> None:
        self.checkpoint(last.sequence_number)
        age = self.now() - last.arrival
        self._stats.set_iterator_age(max(0, int(age.total_seconds() * 1000)))
