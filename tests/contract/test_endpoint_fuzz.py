"""Fuzzing the endpoint: malformed input is always a 4xx with an AWS error shape, never a 5xx.

Hypothesis sends arbitrary targets, bodies that are not JSON or not CBOR, valid-looking requests
with one member broken (wrong type, bad base64, too long, missing), and payloads over the limits.
A rejected request writes nothing: the stream ends up holding exactly the records of the
requests that were answered 200.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import cbor2
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadabra.streams import StreamsService

JSON_TYPE = "application/x-amz-json-1.1"
CBOR_TYPE = "application/x-amz-cbor-1.1"
OPERATIONS = ["PutRecord", "PutRecords", "GetShardIterator", "GetRecords", "DescribeStream"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def fuzz_stream(streams_service: StreamsService) -> Iterator[str]:
    name = f"fuzz-{uuid.uuid4().hex[:8]}"
    streams_service.create_stream(name, 1)
    yield name
    streams_service.delete_stream(stream_name=name)


@pytest.fixture(scope="module")
def http(endpoint_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=endpoint_url, timeout=30) as client:
        yield client


def _valid(operation: str, stream: str) -> dict[str, Any]:
    data = base64.b64encode(b"payload").decode()
    return {
        "PutRecord": {"StreamName": stream, "Data": data, "PartitionKey": "k"},
        "PutRecords": {"StreamName": stream, "Records": [{"Data": data, "PartitionKey": "k"}]},
        "GetShardIterator": {
            "StreamName": stream,
            "ShardId": "shardId-000000000000",
            "ShardIteratorType": "LATEST",
        },
        "GetRecords": {"ShardIterator": "x" * 30},
        "DescribeStream": {"StreamName": stream},
    }[operation]


@st.composite
def broken_requests(draw: st.DrawFn, stream: str) -> tuple[str, str, bytes]:
    operation = draw(st.sampled_from(OPERATIONS))
    target = f"Kinesis_20131202.{operation}"
    kind = draw(st.sampled_from(["bytes", "json", "mutated", "target", "cbor", "huge"]))
    if kind == "bytes":
        return target, draw(st.sampled_from([JSON_TYPE, CBOR_TYPE])), draw(st.binary(max_size=200))
    if kind == "json":
        return target, JSON_TYPE, json.dumps(draw(json_values)).encode()
    if kind == "target":
        # Printable ASCII: anything else is refused by HTTP itself, before any AWS protocol.
        printable = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40)
        return draw(printable), JSON_TYPE, json.dumps(_valid(operation, stream)).encode()
    request = _valid(operation, stream)
    if kind == "huge":
        request["Data"] = base64.b64encode(b"x" * (10 * 1024 * 1024 + 1)).decode()
        request.setdefault("PartitionKey", "k")
        return "Kinesis_20131202.PutRecord", JSON_TYPE, json.dumps(request).encode()
    member = draw(st.sampled_from(sorted(request)))
    broken = draw(
        st.one_of(
            st.just(None),
            json_values.filter(lambda v: not isinstance(v, str) or len(v) > 256),
            st.just("not base64 ***"),
            st.text(min_size=257, max_size=300),
        )
    )
    if broken is None:
        del request[member]
    else:
        request[member] = broken
    if kind == "cbor":
        return target, CBOR_TYPE, cbor2.dumps(request)
    return target, JSON_TYPE, json.dumps(request).encode()


def _records_in(streams: StreamsService, stream: str) -> int:
    low, high = streams.kafka_reader.watermarks(streams.topic(stream), 0)
    return high - low


def test_malformed_requests_never_5xx_and_write_nothing(
    http: httpx.Client, fuzz_stream: str, streams_service: StreamsService
) -> None:
    accepted = 0

    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=broken_requests(fuzz_stream))
    def check(request: tuple[str, str, bytes]) -> None:
        nonlocal accepted
        target, content_type, body = request
        reply = http.post(
            "/", content=body, headers={"X-Amz-Target": target, "Content-Type": content_type}
        )
        assert reply.status_code < 500, reply.content[:300]
        if reply.status_code == 200:
            document = (
                json.loads(reply.content)
                if content_type == JSON_TYPE
                else cbor2.loads(reply.content)
            )
            if target.endswith(".PutRecord"):
                accepted += 1
            elif target.endswith(".PutRecords"):
                accepted += len(document["Records"]) - document["FailedRecordCount"]
            return
        assert 400 <= reply.status_code < 500
        error = (
            json.loads(reply.content) if content_type == JSON_TYPE else cbor2.loads(reply.content)
        )
        assert isinstance(error["__type"], str) and error["__type"]
        assert isinstance(error["message"], str)

    check()
    assert _records_in(streams_service, fuzz_stream) == accepted
