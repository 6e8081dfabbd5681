"""Firehose data transformation: records in, transformed records and processing failures out.

Reproduces how Firehose runs a delivery stream's Lambda processor:

- records are grouped into invocations (`batches.py`: BufferSizeInMBs of raw data, 6 MB event);
- each invocation calls the function synchronously as `handler(event, context)`; the return
  value goes through JSON, as Lambda marshals it;
- a function error (an exception, a return value that does not marshal or exceeds 6,291,556
  bytes, a run longer than the function timeout) is retried `NumberOfRetries` times; then every
  record of the invocation fails with `Lambda.FunctionError` and attemptsMade = retries + 1;
- a response that breaks the status model fails the whole invocation without a retry (it is a
  successful invocation; AWS does not retry it either);
- otherwise each record gets its result: `Ok` (its returned data is delivered), `Dropped`,
  `ProcessingFailed` (`Lambda.ProcessingFailedStatus`), not returned (`Lambda.MissingRecordId`)
  or returned twice (`Lambda.DuplicatedRecordId`). Ids the batch never carried are ignored.

Failed records become `processing-failed` documents holding the untransformed data.

Deterministic for the worker's replays: the invocationId (and the context's request id) of an
attempt derive from the stream, the batch's first record id and the attempt number (AWS gives
each attempt a fresh id too), and attemptEndingTimestamp is `transform(records, now_ms=...)` or,
without it, the latest arrival time in the invocation (not a clock reading, so a replay writes
the same documents). The run time is measured only to detect a timeout; a function is never
interrupted.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sinks.firehose.transform.batches import Batch, invocation_batches
from sinks.firehose.transform.configuration import LambdaProcessor, lambda_processor
from sinks.firehose.transform.context import TransformContext
from sinks.firehose.transform.contract import (
    MAX_RESPONSE_BYTES,
    InvocationSource,
    Result,
    ReturnedRecord,
    SourceRecord,
    compact_json,
    invocation_event,
    returned_records,
)
from sinks.firehose.transform.failures import (
    DUPLICATED_RECORD_ID,
    FUNCTION_ERROR,
    FUNCTION_TIMEOUT,
    MISSING_RECORD_ID,
    PROCESSING_FAILED_STATUS,
    Failure,
    failed_document,
)
from sinks.firehose.transform.functions import FunctionRef, resolve_function
from sinks.firehose.transform.settings import TransformSettings

__all__ = ["RecordOutcome", "TransformResult", "Transformer"]

logger = logging.getLogger(__name__)

_DEFAULT_ACCOUNT = "000000000000"


@dataclass(frozen=True)
class RecordOutcome:
    """What became of one source record; failed records carry their error document."""

    record_id: str
    result: Result
    data: bytes | None = None
    partition_keys: Mapping[str, str] | None = None
    failure: dict[str, Any] | None = None


@dataclass
class TransformResult:
    """The outcome of `Transformer.transform`, records in input order."""

    outcomes: list[RecordOutcome] = field(default_factory=list)
    invocations: int = 0

    @property
    def delivered(self) -> list[bytes]:
        return [o.data for o in self.outcomes if o.result == "Ok" and o.data is not None]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [o.failure for o in self.outcomes if o.failure is not None]

    @property
    def ok(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "Ok")

    @property
    def dropped(self) -> int:
        return sum(1 for o in self.outcomes if o.result == "Dropped")


class _FunctionFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class Transformer:
    """Runs one delivery stream's Lambda processor over batches of source records."""

    def __init__(
        self,
        processor: LambdaProcessor,
        function: FunctionRef,
        source: InvocationSource,
        *,
        settings: TransformSettings | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.processor = processor
        self.function = function
        self.source = source
        self.settings = settings or TransformSettings()
        self._monotonic = monotonic

    @classmethod
    def from_configuration(
        cls,
        processing_configuration: Mapping[str, Any] | None,
        delivery_stream_arn: str,
        region: str,
        source_kinesis_stream_arn: str | None = None,
        *,
        settings: TransformSettings | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> Transformer | None:
        """The transformer of an ExtendedS3 ProcessingConfiguration; None when processing is off.

        Raises InvalidArgumentException for bad processor parameters and
        TransformFunctionNotFound (one of those) for a LambdaArn Cadabra cannot run.
        """
        processor = lambda_processor(processing_configuration)
        if processor is None:
            return None
        settings = settings or TransformSettings()
        function = resolve_function(
            processor.lambda_arn,
            region=region,
            account_id=_account_of(delivery_stream_arn),
            settings=settings,
        )
        source = InvocationSource(delivery_stream_arn, region, source_kinesis_stream_arn)
        return cls(
            processor,
            function,
            source,
            settings=settings,
            monotonic=monotonic,
        )

    def transform(
        self, records: Sequence[SourceRecord], *, now_ms: int | None = None
    ) -> TransformResult:
        """Transform `records`; `now_ms` is the attemptEndingTimestamp of failed records."""
        result = TransformResult()
        batches = invocation_batches(
            records, self.source, buffer_bytes=self.processor.buffer_size_bytes
        )
        for batch in batches:
            result.outcomes += self._run(batch, now_ms, result)
        logger.debug(
            "Transformed %d records with %s in %d invocations: %d ok, %d dropped, %d failed",
            len(records),
            self.function.function_name,
            result.invocations,
            result.ok,
            result.dropped,
            len(result.failed),
        )
        return result

    def _run(
        self, batch: Batch, now_ms: int | None, result: TransformResult
    ) -> list[RecordOutcome]:
        failure: Failure | None = None
        payload: Any = None
        attempts = 0
        for attempt in range(1, self.processor.number_of_retries + 2):
            attempts = attempt
            result.invocations += 1
            try:
                payload = self._invoke(batch, attempt)
            except _FunctionFailed as failed:
                failure = failed.failure
                continue
            failure = None
            break
        ending_ms = max(r.arrival_ms for r in batch.records) if now_ms is None else now_ms
        fail = _Failer(self.processor.lambda_arn, attempts, ending_ms)
        if failure is not None:
            return [fail(record, failure) for record in batch.records]
        returned = returned_records(payload)
        if isinstance(returned, Failure):
            logger.warning("%s returned an invalid response: %s", self._name, returned.code)
            return [fail(record, returned) for record in batch.records]
        return self._match(batch.records, returned, fail)

    @property
    def _name(self) -> str:
        return self.function.function_name

    def _invoke(self, batch: Batch, attempt: int) -> Any:
        """Call the function once; the response after JSON, or _FunctionFailed."""
        request_id = self._invocation_id(batch, attempt)
        event = invocation_event(request_id, self.source, batch.entries)
        context = TransformContext(
            function_name=self.function.function_name,
            invoked_function_arn=self.function.function_arn,
            aws_request_id=request_id,
            timeout_s=self.settings.timeout_s,
            memory_mb=self.settings.memory_mb,
            clock=self._monotonic,
        )
        started = self._monotonic()
        try:
            text = compact_json(self.function.handler(event, context))
        except Exception as exc:
            logger.warning("%s failed (attempt %d): %r", self._name, attempt, exc, exc_info=True)
            raise _FunctionFailed(FUNCTION_ERROR) from exc
        if self._monotonic() - started > self.settings.timeout_s:
            logger.warning("%s timed out (attempt %d)", self._name, attempt)
            raise _FunctionFailed(FUNCTION_TIMEOUT)
        if len(text.encode()) > MAX_RESPONSE_BYTES:
            logger.warning("%s returned more than %d bytes", self._name, MAX_RESPONSE_BYTES)
            raise _FunctionFailed(FUNCTION_ERROR)
        return json.loads(text)

    def _invocation_id(self, batch: Batch, attempt: int) -> str:
        name = f"{self.source.delivery_stream_arn}/{batch.records[0].record_id}/{attempt}"
        return str(uuid.uuid5(uuid.NAMESPACE_URL, name))

    def _match(
        self, records: Sequence[SourceRecord], returned: list[ReturnedRecord], fail: _Failer
    ) -> list[RecordOutcome]:
        by_id: dict[str, list[ReturnedRecord]] = {}
        for entry in returned:
            by_id.setdefault(entry.record_id, []).append(entry)
        stray = set(by_id) - {record.record_id for record in records}
        if stray:
            logger.warning("%s returned %d unknown record ids", self._name, len(stray))
        return [self._outcome(record, by_id.get(record.record_id, []), fail) for record in records]

    @staticmethod
    def _outcome(
        record: SourceRecord, entries: list[ReturnedRecord], fail: _Failer
    ) -> RecordOutcome:
        if not entries:
            return fail(record, MISSING_RECORD_ID)
        if len(entries) > 1:
            return fail(record, DUPLICATED_RECORD_ID)
        entry = entries[0]
        if entry.result == "ProcessingFailed":
            return fail(record, PROCESSING_FAILED_STATUS)
        data = entry.data if entry.result == "Ok" else None
        return RecordOutcome(record.record_id, entry.result, data, entry.partition_keys)


@dataclass(frozen=True)
class _Failer:
    """Makes failed outcomes for the records of one invocation."""

    lambda_arn: str
    attempts_made: int
    attempt_ending_ms: int

    def __call__(self, record: SourceRecord, failure: Failure) -> RecordOutcome:
        document = failed_document(
            record.data,
            failure,
            attempts_made=self.attempts_made,
            arrival_ms=record.arrival_ms,
            attempt_ending_ms=self.attempt_ending_ms,
            lambda_arn=self.lambda_arn,
        )
        return RecordOutcome(record.record_id, "ProcessingFailed", failure=document)


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[4] else _DEFAULT_ACCOUNT
