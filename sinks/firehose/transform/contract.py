"""The Firehose ↔ Lambda data-transformation contract: the event, the response, their limits.

Reproduces "Transform source data in Amazon Data Firehose" and its status model:

- event `{invocationId, deliveryStreamArn, region, records: [{recordId,
  approximateArrivalTimestamp (epoch ms), data (base64)}]}`; with a Kinesis data stream as
  source, also `sourceKinesisStreamArn` and per record `kinesisRecordMetadata {shardId,
  partitionKey, approximateArrivalTimestamp, sequenceNumber, subsequenceNumber}`;
- response `{records: [{recordId, result: Ok | Dropped | ProcessingFailed, data (base64),
  metadata: {partitionKeys} (dynamic partitioning only)}]}`;
- Lambda's synchronous payload limits: a request of at most 6,291,456 bytes and a response of
  at most 6,291,556 bytes (the figures Lambda's errors name).

`returned_records` checks a response the way Firehose does before matching ids: a response that
is not the JSON shape Firehose reads is `Lambda.JsonProcessingException`; one that breaks the
status model (no records list, an empty recordId, a result outside the three, an `Ok` without
base64 data) is `Lambda.FunctionError`. Missing and duplicated ids are judged per record by the
transformer.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from sinks.firehose.transform.failures import INVALID_RESPONSE, JSON_PROCESSING, Failure

__all__ = [
    "MAX_REQUEST_BYTES",
    "MAX_RESPONSE_BYTES",
    "RESULTS",
    "InvocationSource",
    "KinesisRecordMetadata",
    "Result",
    "ReturnedRecord",
    "SourceRecord",
    "compact_json",
    "event_record",
    "invocation_event",
    "returned_records",
]

MAX_REQUEST_BYTES = 6_291_456
MAX_RESPONSE_BYTES = 6_291_556
Result = Literal["Ok", "Dropped", "ProcessingFailed"]
RESULTS: tuple[Result, ...] = ("Ok", "Dropped", "ProcessingFailed")


@dataclass(frozen=True)
class KinesisRecordMetadata:
    """Where a record sat in its Kinesis data stream (source KinesisStreamAsSource only)."""

    shard_id: str
    partition_key: str
    sequence_number: str
    arrival_ms: int
    subsequence_number: int = 0


@dataclass(frozen=True)
class SourceRecord:
    """A record as Firehose received it, before transformation.

    With a Kinesis data stream as source, `shard_id`, `partition_key` and `sequence_number` (and
    optionally `subsequence_number`, and `kinesis_arrival_ms` when it differs from `arrival_ms`)
    give the event's `kinesisRecordMetadata`.
    """

    record_id: str
    data: bytes
    arrival_ms: int
    shard_id: str | None = None
    partition_key: str | None = None
    sequence_number: str | None = None
    subsequence_number: int | None = None
    kinesis_arrival_ms: int | None = None

    @property
    def kinesis(self) -> KinesisRecordMetadata | None:
        if self.shard_id is None or self.partition_key is None or self.sequence_number is None:
            return None
        return KinesisRecordMetadata(
            shard_id=self.shard_id,
            partition_key=self.partition_key,
            sequence_number=self.sequence_number,
            arrival_ms=self.arrival_ms
            if self.kinesis_arrival_ms is None
            else self.kinesis_arrival_ms,
            subsequence_number=self.subsequence_number or 0,
        )


@dataclass(frozen=True)
class InvocationSource:
    """What every invocation of one delivery stream names besides its records."""

    delivery_stream_arn: str
    region: str
    source_kinesis_stream_arn: str | None = None


@dataclass(frozen=True)
class ReturnedRecord:
    """One entry of a valid response; `data` is decoded (None when absent)."""

    record_id: str
    result: Result
    data: bytes | None
    partition_keys: Mapping[str, str] | None = None


def compact_json(value: Any) -> str:
    """JSON as it travels between Firehose and Lambda (no whitespace)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def event_record(record: SourceRecord, source: InvocationSource) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "recordId": record.record_id,
        "approximateArrivalTimestamp": record.arrival_ms,
        "data": base64.b64encode(record.data).decode("ascii"),
    }
    meta = record.kinesis
    if source.source_kinesis_stream_arn is not None and meta is not None:
        entry["kinesisRecordMetadata"] = {
            "shardId": meta.shard_id,
            "partitionKey": meta.partition_key,
            "approximateArrivalTimestamp": meta.arrival_ms,
            "sequenceNumber": meta.sequence_number,
            "subsequenceNumber": meta.subsequence_number,
        }
    return entry


def invocation_event(
    invocation_id: str, source: InvocationSource, entries: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The event of one invocation; `entries` come from `event_record`."""
    event: dict[str, Any] = {
        "invocationId": invocation_id,
        "deliveryStreamArn": source.delivery_stream_arn,
    }
    if source.source_kinesis_stream_arn is not None:
        event["sourceKinesisStreamArn"] = source.source_kinesis_stream_arn
    event["region"] = source.region
    event["records"] = [dict(entry) for entry in entries]
    return event


class _Invalid(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def returned_records(payload: Any) -> list[ReturnedRecord] | Failure:
    """The entries of a response (already through JSON), or why the whole response fails."""
    if not isinstance(payload, dict):
        return JSON_PROCESSING
    entries = payload.get("records")
    if not isinstance(entries, list):
        return INVALID_RESPONSE
    try:
        return [_returned(entry) for entry in entries]
    except _Invalid as invalid:
        return invalid.failure


def _returned(entry: Any) -> ReturnedRecord:
    if not isinstance(entry, dict):
        raise _Invalid(JSON_PROCESSING)
    record_id, result, data = entry.get("recordId"), entry.get("result"), entry.get("data")
    if any(v is not None and not isinstance(v, str) for v in (record_id, result, data)):
        raise _Invalid(JSON_PROCESSING)
    if not record_id or result not in RESULTS or (result == "Ok" and data is None):
        raise _Invalid(INVALID_RESPONSE)
    decoded = _decode(data) if result == "Ok" and data is not None else None
    keys = _partition_keys(entry.get("metadata"))
    return ReturnedRecord(record_id, cast(Result, result), decoded, keys)


def _decode(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Invalid(INVALID_RESPONSE) from exc


def _partition_keys(metadata: Any) -> Mapping[str, str] | None:
    keys = metadata.get("partitionKeys") if isinstance(metadata, dict) else None
    if not isinstance(keys, dict):
        return None
    return {str(k): str(v) for k, v in keys.items()}
