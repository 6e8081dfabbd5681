"""One delivery: a partition's buffered records become S3 objects, named for exactly-once.

buffer → format → store, as the style guide asks:

1. transformation (optional): the Lambda-contract function turns records into records, drops
   them, or fails them (`processing-failed` documents);
2. format: the records concatenated as they are (then compressed with `CompressionFormat`), or
   converted to one Parquet/ORC file (records that do not convert become
   `format-conversion-failed` documents);
3. store: PutObject of the data object under `Prefix`, and of one object per error output type
   under `ErrorOutputPrefix` (JSON documents, one per line).

Every key is made from the object's identity — the Kafka topic, the delivery stream's creation
time, the partition and the first offset — so delivering the same records again (after a crash,
before the offsets were committed) overwrites the same objects instead of adding duplicates.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cadabra.firehose.record_ids import encode_record_id
from sinks.firehose.compression import compress
from sinks.firehose.formats import ConversionResult
from sinks.firehose.keys import error_object_key, object_key, object_uuid
from sinks.firehose.plan import DeliveryPlan
from sinks.firehose.source import Chunk, SourceRecord
from sinks.firehose.store import ObjectStore

__all__ = ["DeliveryReport", "deliver"]

_JSON_LINES = "application/x-ndjson"


@dataclass(slots=True)
class DeliveryReport:
    """What one delivery wrote, for metrics and logs."""

    records_in: int
    bytes_in: int
    keys: list[str] = field(default_factory=list)
    records_out: int = 0
    bytes_out: int = 0
    dropped: int = 0
    processing_failed: int = 0
    conversion_failed: int = 0


def deliver(
    plan: DeliveryPlan,
    topic: str,
    records: Chunk,
    store: ObjectStore,
    stop: threading.Event | None = None,
    converted: ConversionResult | None = None,
) -> DeliveryReport:
    """Store `records` (one partition's, from its first offset on) as S3 objects.

    `converted`: their format conversion, done ahead (while later records were read).
    """
    identity = f"{topic}/{plan.created_ms}/{records.partition}/{records.first_offset}"
    arrival = datetime.fromtimestamp(records.first_arrival_ms / 1000, tz=UTC)
    report = DeliveryReport(len(records), sum(map(len, records.data)))
    data, errors = _transformed(plan, records, report)
    body = _formatted(plan, records, data, errors, report, identity, converted)
    if body:
        key = object_key(
            plan.name,
            plan.version,
            arrival,
            plan.prefix,
            plan.extension,
            identity,
            time_zone=plan.time_zone,
        )
        store.put(plan.bucket, key, body, plan.content_type, stop)
        report.keys.append(key)
        report.bytes_out = len(body)
    for error_type, documents in errors.items():
        key = error_object_key(
            plan.name,
            plan.version,
            arrival,
            plan.error_prefix,
            error_type,
            "",
            f"{identity}/{error_type}",
            time_zone=plan.time_zone,
        )
        lines = b"".join(
            json.dumps(doc, separators=(",", ":")).encode() + b"\n" for doc in documents
        )
        store.put(plan.bucket, key, lines, _JSON_LINES, stop)
        report.keys.append(key)
    return report


Errors = dict[str, list[dict[str, Any]]]


def _transformed(
    plan: DeliveryPlan, records: Chunk, report: DeliveryReport
) -> tuple[list[bytes], Errors]:
    if plan.transformer is None:
        return records.data, {}
    from sinks.firehose.transform import SourceRecord as LambdaRecord

    lambda_records = [
        LambdaRecord(
            record_id=encode_record_id(r.partition, r.offset, plan.created_ms, r.subsequence or 0),
            data=r.data,
            arrival_ms=r.arrival_ms,
            shard_id=r.shard_id if kinesis else None,
            partition_key=r.partition_key,
            sequence_number=r.sequence_number if kinesis else None,
            subsequence_number=r.subsequence if kinesis else None,
        )
        for r in map(records.record, range(len(records)))
        for kinesis in (r.partition_key is not None,)
    ]
    result = plan.transformer.transform(lambda_records)
    report.dropped = result.dropped
    report.processing_failed = len(result.failed)
    errors = {"processing-failed": list(result.failed)} if result.failed else {}
    return list(result.delivered), errors


def _formatted(
    plan: DeliveryPlan,
    records: Chunk,
    data: list[bytes],
    errors: Errors,
    report: DeliveryReport,
    identity: str,
    converted: ConversionResult | None,
) -> bytes:
    if plan.converter is None:
        report.records_out = len(data)
        joined = b"".join(data)
        if not joined:
            return b""
        return compress(plan.compression, joined, entry_name=str(object_uuid(identity)))

    result = converted if converted is not None else plan.converter.convert(data)
    report.records_out = result.rows
    if result.failed:
        # Records map one to one onto `data` unless a transformation ran before the conversion.
        one_to_one = len(records) == len(data)
        now_ms = time.time_ns() // 1_000_000
        errors["format-conversion-failed"] = [
            _conversion_failure(
                plan, records.record(index if one_to_one else 0), data[index], code, message, now_ms
            )
            for index, code, message in result.failed
        ]
        report.conversion_failed = len(result.failed)
    return result.data or b""


def _conversion_failure(
    plan: DeliveryPlan, source: SourceRecord, raw: bytes, code: str, message: str, now_ms: int
) -> dict[str, Any]:
    from sinks.firehose.formats import failure_document

    kinesis = source.partition_key is not None
    return failure_document(
        raw,
        source.arrival_ms,
        code,
        message,
        now_ms=now_ms,
        sequence_number=source.sequence_number if kinesis else None,
        subsequence_number=source.subsequence if kinesis else None,
        catalog_table=plan.catalog_table,
    )
