"""A KPL-style producer: `KinesisProducer` with the KPL's asynchronous API.

`add_user_record` returns a `concurrent.futures.Future` at once; a background flusher thread
routes, aggregates, rate-limits and collects the records (see `pipeline`) and a pool of
MaxConnections threads makes the PutRecords calls (see `sender`). A future resolves with the
`UserRecordResult` (shard id, the sequence number the aggregate was stored under, the user
record's sub-sequence number, every attempt) or fails with `UserRecordFailedException` once
RecordTtl has passed. Retried user records are re-aggregated with a deadline of
min(RecordMaxBufferedTime / 2, the TTL left), as in the KPL; there is no backoff beyond the
per-shard rate limiter. Not reproduced: metrics upload to CloudWatch, the native daemon process.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from typing import Any

from cadabra.aggregation import UserRecord
from cadabra.quotas import Clock, MonotonicClock
from cadabra.streams.hashing import MAX_HASH_KEY, hash_key
from producers.kpl.errors import ProducerClosedError, UserRecordFailedException, UserRecordRejected
from producers.kpl.pipeline import Pipeline
from producers.kpl.records import KinesisRecord, PendingRecord
from producers.kpl.results import UserRecordResult
from producers.kpl.sender import Outcome, put_records
from producers.kpl.settings import KplSettings, kinesis_client

__all__ = ["KinesisProducer"]

log = logging.getLogger(__name__)

_HASH_KEY = re.compile(r"0|[1-9]\d{0,38}")
_MAX_WAIT_S = 0.1  # the flusher looks at least this often (the limiter may run on a fake clock)


class KinesisProducer:
    """Puts user records to Kinesis the KPL's way; thread-safe; close it (or use `with`)."""

    def __init__(
        self,
        settings: KplSettings | None = None,
        *,
        client: Any | None = None,
        limiter_clock: Clock | None = None,
    ) -> None:
        self.settings = settings or KplSettings()
        self._client = client if client is not None else kinesis_client(self.settings)
        self._cond = threading.Condition()
        self._inbox: list[PendingRecord] = []
        self._stale: set[str] = set()
        self._flush_requested = False
        self._closing = False
        self._outstanding = 0
        self._senders = ThreadPoolExecutor(self.settings.max_connections, "kpl-sender")
        self._pipeline = Pipeline(
            self.settings, self._client, limiter_clock or MonotonicClock(), self._submit,
            self._fail,
        )  # fmt: skip
        self._thread = threading.Thread(target=self._run, name="kpl-flusher", daemon=True)
        self._thread.start()

    # -- the KPL's API ---------------------------------------------------------------------------

    def add_user_record(
        self,
        stream: str,
        partition_key: str,
        data: bytes,
        explicit_hash_key: str | None = None,
    ) -> Future[UserRecordResult]:
        """Queue one user record; the future resolves once it is stored (or has failed)."""
        key = self._validate(partition_key, data, explicit_hash_key)
        now = time.monotonic()
        settings = self.settings
        pending = PendingRecord(
            stream,
            UserRecord(partition_key, explicit_hash_key, bytes(data)),
            key,
            Future(),
            expires=now + settings.record_ttl / 1000,
            deadline=now + settings.record_max_buffered_time / 1000,
            last_try=now,
        )
        with self._cond:
            if self._closing:
                raise ProducerClosedError("the producer is closed")
            self._outstanding += 1
            self._inbox.append(pending)
            if len(self._inbox) == 1:
                self._cond.notify_all()
        return pending.future

    @property
    def outstanding_records_count(self) -> int:
        """User records added and not yet resolved (the KPL's getOutstandingRecordsCount)."""
        with self._cond:
            return self._outstanding

    def flush(self) -> None:
        """Send everything buffered now, without waiting (rate limits still apply)."""
        with self._cond:
            self._flush_requested = True
            self._cond.notify_all()

    def flush_sync(self, timeout_s: float | None = None) -> bool:
        """Flush until every added record has resolved; False if `timeout_s` ran out first."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            self.flush()
            with self._cond:
                if self._outstanding == 0:
                    return True
                left = _MAX_WAIT_S if deadline is None else deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, _MAX_WAIT_S))

    def close(self) -> None:
        """Flush, wait for every record to resolve (at most RecordTtl), stop the threads."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        self._senders.shutdown(wait=True)

    def __enter__(self) -> KinesisProducer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the flusher thread ----------------------------------------------------------------------

    def _run(self) -> None:
        wait = 0.0
        while True:
            with self._cond:
                if not (self._inbox or self._stale or self._flush_requested or self._closing):
                    self._cond.wait(min(wait, _MAX_WAIT_S))
                inbox, self._inbox = self._inbox, []
                stale, self._stale = self._stale, set()
                flushing, self._flush_requested = self._flush_requested, False
                if self._closing and self._outstanding == 0:
                    return
                flushing = flushing or self._closing
            try:
                wait = self._turn(stale, inbox, flushing)
            except Exception:  # a bug must not leave every future (and close()) hanging
                log.exception("the KPL flusher failed a turn; failing its new records")
                for pending in inbox:
                    self._fail(pending, "InternalFailure", "the producer's flusher failed")
                wait = _MAX_WAIT_S
            if self._closing and wait > 0:
                wait = min(wait, 0.01)

    def _turn(self, stale: set[str], inbox: list[PendingRecord], flushing: bool) -> float:
        now = time.monotonic()
        for stream in stale:
            self._pipeline.refresh(stream)
        for pending in inbox:
            self._pipeline.route(pending, now)
        return self._pipeline.step(now, flushing)

    def _submit(self, batch: list[KinesisRecord]) -> None:
        self._senders.submit(self._put, batch)

    # -- the sender threads ----------------------------------------------------------------------

    def _put(self, batch: list[KinesisRecord]) -> None:
        outcomes = put_records(
            self._client, batch, fail_if_throttled=self.settings.fail_if_throttled
        )
        retries: list[PendingRecord] = []
        for outcome in outcomes:
            retries += self._settle(outcome)
        stale = {o.record.stream for o in outcomes if o.stale_map}
        if retries or stale:
            with self._cond:
                self._inbox += retries
                self._stale |= stale
                self._cond.notify_all()

    def _settle(self, outcome: Outcome) -> list[PendingRecord]:
        """Resolve the user records of one Kinesis record; those to retry."""
        record, retries = outcome.record, []
        for index, member in enumerate(record.members):
            member.attempts.append(outcome.attempt(member.last_try))
            if outcome.success:
                sub = index if record.aggregated else 0
                result = UserRecordResult(
                    True, tuple(member.attempts), outcome.shard_id, outcome.sequence_number, sub
                )
                self._finish(member, result, None)
            elif outcome.retry and member.expires > time.monotonic():
                now = time.monotonic()
                half = self.settings.record_max_buffered_time / 2000
                member.deadline = now + min(half, member.expires - now)
                member.last_try = outcome.started
                retries.append(member)
            elif outcome.retry:
                self._fail(member, "Expired", "Record has reached expiration")
            else:
                self._fail(member, outcome.error_code, outcome.error_message)
        return retries

    def _fail(self, member: PendingRecord, code: str, message: str) -> None:
        result = UserRecordResult(False, tuple(member.attempts))
        text = f"{code}: {message}"
        if code == "Expired" and member.attempts:
            last = member.attempts[-1]
            text += f" (last attempt: {last.error_code}: {last.error_message})"
        self._finish(member, result, UserRecordFailedException(text, result))

    def _finish(
        self, member: PendingRecord, result: UserRecordResult, error: Exception | None
    ) -> None:
        if member.finished:
            return
        member.finished = True
        with contextlib.suppress(InvalidStateError):  # the caller may have cancelled it
            if error is None:
                member.future.set_result(result)
            else:
                member.future.set_exception(error)
        with self._cond:
            self._outstanding -= 1
            if self._outstanding == 0:
                self._cond.notify_all()

    # -- validation (the KPL throws IllegalArgumentException synchronously) --------------------

    def _validate(self, partition_key: str, data: bytes, explicit_hash_key: str | None) -> int:
        if not 1 <= len(partition_key) <= 256:
            raise UserRecordRejected(
                f"partitionKey length must be at least 1 and at most 256, got {len(partition_key)}"
            )
        if len(data) > self.settings.max_user_record_size:
            raise UserRecordRejected(
                f"Data must be less than or equal to {self.settings.max_user_record_size} bytes"
                f" in size, got {len(data)} bytes"
            )
        if explicit_hash_key is None:
            return hash_key(partition_key)
        if not _HASH_KEY.fullmatch(explicit_hash_key) or int(explicit_hash_key) > MAX_HASH_KEY:
            raise UserRecordRejected(
                f"Invalid hash key: {explicit_hash_key!r} is not a decimal integer in"
                f" [0, {MAX_HASH_KEY}]"
            )
        return int(explicit_hash_key)
