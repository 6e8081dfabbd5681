"""The Lambda event Firehose sends, the response it accepts, and how records are batched."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from sinks.firehose.transform import InvocationSource, SourceRecord
from sinks.firehose.transform.batches import invocation_batches
from sinks.firehose.transform.contract import (
    ReturnedRecord,
    compact_json,
    event_record,
    invocation_event,
    returned_records,
)
from sinks.firehose.transform.failures import INVALID_RESPONSE, JSON_PROCESSING

STREAM = "arn:aws:firehose:us-east-1:123456789012:deliverystream/WebLogs"
KINESIS = "arn:aws:kinesis:us-east-1:123456789012:stream/CadabraOrders"
DIRECT = InvocationSource(STREAM, "us-east-1")
FROM_KINESIS = InvocationSource(STREAM, "us-east-1", KINESIS)
RECORD = SourceRecord(
    "id-1",
    b"hello",
    1507217624302,
    shard_id="shardId-000000000000",
    partition_key="pk",
    sequence_number="4954",
    subsequence_number=7,
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_direct_put_event_has_no_kinesis_members() -> None:
    event = invocation_event("inv", DIRECT, [event_record(RECORD, DIRECT)])
    assert event == {
        "invocationId": "inv",
        "deliveryStreamArn": STREAM,
        "region": "us-east-1",
        "records": [
            {"recordId": "id-1", "approximateArrivalTimestamp": 1507217624302, "data": "aGVsbG8="}
        ],
    }


def test_kinesis_source_event_carries_the_stream_and_record_metadata() -> None:
    event = invocation_event("inv", FROM_KINESIS, [event_record(RECORD, FROM_KINESIS)])
    assert event["sourceKinesisStreamArn"] == KINESIS
    assert event["records"][0]["kinesisRecordMetadata"] == {
        "shardId": "shardId-000000000000",
        "partitionKey": "pk",
        "approximateArrivalTimestamp": 1507217624302,
        "sequenceNumber": "4954",
        "subsequenceNumber": 7,
    }


def test_valid_response_is_decoded() -> None:
    payload = {
        "records": [
            {"recordId": "a", "result": "Ok", "data": _b64(b"x\n")},
            {"recordId": "b", "result": "Dropped"},
            {
                "recordId": "c",
                "result": "ProcessingFailed",
                "data": "",
                "metadata": {"partitionKeys": {"year": "2019"}},
            },
        ]
    }
    assert returned_records(payload) == [
        ReturnedRecord("a", "Ok", b"x\n"),
        ReturnedRecord("b", "Dropped", None),
        ReturnedRecord("c", "ProcessingFailed", None, {"year": "2019"}),
    ]


@pytest.mark.parametrize(
    ("payload", "failure"),
    [
        (None, JSON_PROCESSING),
        ([], JSON_PROCESSING),
        ({"records": ["a"]}, JSON_PROCESSING),
        ({"records": [{"recordId": 1, "result": "Ok", "data": ""}]}, JSON_PROCESSING),
        ({"errorMessage": "boom"}, INVALID_RESPONSE),
        ({"records": [{"recordId": "a", "result": "OK", "data": ""}]}, INVALID_RESPONSE),
        ({"records": [{"recordId": "", "result": "Ok", "data": ""}]}, INVALID_RESPONSE),
        ({"records": [{"recordId": "a", "result": "Ok"}]}, INVALID_RESPONSE),
        ({"records": [{"recordId": "a", "result": "Ok", "data": "not base64!"}]}, INVALID_RESPONSE),
    ],
)
def test_invalid_responses_fail_as_aws_codes_them(payload: Any, failure: object) -> None:
    assert returned_records(payload) == failure


def _records(sizes: list[int]) -> list[SourceRecord]:
    return [SourceRecord(f"r{i}", b"x" * size, 1000 + i) for i, size in enumerate(sizes)]


def test_batches_hold_at_most_the_buffer_size_of_raw_data() -> None:
    batches = invocation_batches(_records([400, 400, 300, 1200, 10]), DIRECT, buffer_bytes=1000)
    assert [[r.record_id for r in b.records] for b in batches] == [
        ["r0", "r1"],
        ["r2"],
        ["r3"],
        ["r4"],
    ]
    assert [b.raw_bytes for b in batches] == [800, 300, 1200, 10]


def test_batches_respect_the_request_limit_exactly() -> None:
    records = _records([300] * 10)
    batches = invocation_batches(records, DIRECT, buffer_bytes=10**9, max_request_bytes=2000)
    assert sum(len(b.records) for b in batches) == 10
    for batch in batches:
        event = invocation_event("00000000-0000-0000-0000-000000000000", DIRECT, batch.entries)
        assert len(compact_json(event).encode()) == batch.event_bytes <= 2000
    assert len(batches) > 1


def test_event_is_json_serialisable() -> None:
    event = invocation_event("inv", FROM_KINESIS, [event_record(RECORD, FROM_KINESIS)])
    assert json.loads(compact_json(event)) == event
