"""The hot path (PutRecord/PutRecords without the model walk) answers as the general path does.

Each request goes to two apps over the same streams service: one with the hot path, one without.
Successes must route to the same shards; errors must carry the same status, type and message.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
from typing import Any

import cbor2
import pytest

from cadabra.endpoint.app import EndpointApp
from cadabra.endpoint.server import KINESIS_PREFIX, kinesis_service
from cadabra.quotas import FakeClock
from cadabra.streams import StreamsService

JSON = "application/x-amz-json-1.1"
CBOR = "application/x-amz-cbor-1.1"


def _call(app: EndpointApp, operation: str, body: bytes, content_type: str) -> tuple[int, Any]:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [
            (b"content-type", content_type.encode()),
            (b"x-amz-target", f"{KINESIS_PREFIX}.{operation}".encode()),
        ],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    payload = sent[1]["body"]
    document = cbor2.loads(payload) if content_type == CBOR else json.loads(payload)
    return sent[0]["status"], document


def _shape(document: Any) -> Any:
    """The answer without what differs between two writes (the sequence numbers)."""
    if isinstance(document, dict):
        return {k: _shape(v) for k, v in document.items() if k != "SequenceNumber"}
    if isinstance(document, list):
        return [_shape(item) for item in document]
    return document


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _requests(name: str) -> list[tuple[str, dict[str, Any]]]:
    record = {"Data": _b64(b"order"), "PartitionKey": "customer-1"}
    many = [{"Data": _b64(b"o" * 10), "PartitionKey": f"k{i}"} for i in range(20)]
    return [
        ("PutRecord", {"StreamName": name, **record}),
        ("PutRecord", {"StreamName": name, **record, "ExplicitHashKey": str(2**127 + 5)}),
        ("PutRecord", {"StreamName": name, **record, "ExplicitHashKey": "not-a-number"}),
        ("PutRecord", {"StreamName": name, "Data": "%%%", "PartitionKey": "k"}),
        ("PutRecord", {"StreamName": name, "Data": _b64(b"x"), "PartitionKey": ""}),
        ("PutRecord", {"StreamName": name, "Data": _b64(b"x"), "PartitionKey": "k" * 257}),
        (
            "PutRecord",
            {"StreamName": name, "Data": _b64(b"x" * (1024 * 1024 + 1)), "PartitionKey": "k"},
        ),
        ("PutRecord", {"StreamName": "no-such-stream", **record}),
        ("PutRecord", {"StreamName": name, "Data": 5, "PartitionKey": "k"}),
        ("PutRecords", {"StreamName": name, "Records": many}),
        ("PutRecords", {"StreamName": name, "Records": many, "StreamId": 7}),
        ("PutRecords", {"StreamName": name, "Records": []}),
        ("PutRecords", {"StreamName": name, "Records": many * 26}),
        (
            "PutRecords",
            {"StreamName": name, "Records": [*many, {"Data": "%", "PartitionKey": "k"}]},
        ),
        ("PutRecords", {"StreamName": name, "Records": [*many, {"Data": _b64(b"x")}]}),
        ("PutRecords", {"StreamName": name, "Records": [*many, "not-a-record"]}),
        ("PutRecords", {"StreamName": "bad name!", "Records": many}),
        ("PutRecords", {"Records": many}),
    ]


@pytest.fixture
def apps(streams: StreamsService) -> Any:
    hot = kinesis_service(streams)
    general = dataclasses.replace(hot, fast={})
    both = EndpointApp({KINESIS_PREFIX: hot}), EndpointApp({KINESIS_PREFIX: general})
    yield both
    for app in both:
        app.close()


@pytest.mark.parametrize("content_type", [JSON, CBOR])
def test_hot_and_general_paths_answer_alike(
    apps: tuple[EndpointApp, EndpointApp],
    make_stream: Any,
    quota_clock: FakeClock,
    content_type: str,
) -> None:
    name = make_stream(shard_count=4)
    hot, general = apps
    for operation, document in _requests(name):
        if content_type == CBOR:
            document = json.loads(json.dumps(document))
            for record in [document, *document.get("Records", [])]:
                if isinstance(record, dict) and isinstance(record.get("Data"), str):
                    # Bad base64 stays a string: both paths must refuse it alike.
                    with contextlib.suppress(ValueError):
                        record["Data"] = base64.b64decode(record["Data"], validate=True)
            body = cbor2.dumps(document)
        else:
            body = json.dumps(document).encode()
        quota_clock.advance(1)  # a fresh second of quota for each pair
        answers = [_call(app, operation, body, content_type) for app in (hot, general)]
        (hot_status, hot_answer), (general_status, general_answer) = answers
        assert hot_status == general_status, (operation, document, answers)
        assert _shape(hot_answer) == _shape(general_answer), (operation, answers)


def test_throttled_entries_answer_alike(
    apps: tuple[EndpointApp, EndpointApp], make_stream: Any, quota_clock: FakeClock
) -> None:
    """1,200 records at one shard in one instant: 1,000 pass, 200 are throttled, on both paths."""
    name = make_stream(shard_count=1)
    records = [{"Data": _b64(b"x"), "PartitionKey": f"k{i}"} for i in range(400)]
    body = json.dumps({"StreamName": name, "Records": records}).encode()
    for app in apps:
        quota_clock.advance(1)
        failed = [_call(app, "PutRecords", body, JSON)[1]["FailedRecordCount"] for _ in range(3)]
        assert failed == [0, 0, 200]
