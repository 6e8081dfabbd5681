"""Event-stream messages decoded by botocore's own parser, and SubscribeToShard round trips."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import botocore.session
import cbor2
import pytest
from botocore.eventstream import EventStream, EventStreamBuffer, EventStreamMessage
from botocore.exceptions import EventStreamError
from botocore.model import StructureShape
from botocore.parsers import EventStreamCBORParser, create_parser
from hypothesis import given
from hypothesis import strategies as st

from cadabra.endpoint.eventstream import (
    CBOR_CONTENT_TYPE,
    EVENT_STREAM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    EpochMillis,
    HeaderValue,
    encode_message,
    encode_payload,
    event,
    exception_event,
    initial_response,
)

ARRIVAL = datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)


def decode(data: bytes) -> list[EventStreamMessage]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


class ChunkedBody:
    """A raw HTTP body as botocore streams it, in awkward chunk sizes."""

    def __init__(self, data: bytes, chunk: int = 7) -> None:
        self._chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]

    def stream(self, **_: object) -> Iterator[bytes]:
        yield from self._chunks

    def close(self) -> None:
        pass


def subscribe_output() -> StructureShape:
    model = botocore.session.get_session().get_service_model("kinesis")
    shape = model.operation_model("SubscribeToShard").output_shape
    assert isinstance(shape, StructureShape)
    return shape


def shard_event(records: list[dict[str, Any]], continuation: str) -> dict[str, Any]:
    return {"Records": records, "ContinuationSequenceNumber": continuation, "MillisBehindLatest": 0}


def record(data: bytes, sequence: str, arrival: datetime | EpochMillis) -> dict[str, Any]:
    return {
        "Data": data,
        "PartitionKey": "k",
        "SequenceNumber": sequence,
        "ApproximateArrivalTimestamp": arrival,
    }


EVENTS = [
    shard_event([record(b"\x00order-1\xff", "1", ARRIVAL)], "1"),
    shard_event(
        [
            record(b"order-2", "2", EpochMillis(1_700_000_000_456)),
            record(b"", "3", EpochMillis(1_700_000_001_000)),
        ],
        "3",
    ),
    shard_event([], "3"),
]


def subscribe_body(content_type: str, *, error: str | None = None) -> bytes:
    messages = [initial_response(content_type)]
    messages += [
        event("SubscribeToShardEvent", encode_payload(doc, content_type), content_type)
        for doc in EVENTS
    ]
    if error:
        payload = encode_payload({"message": error}, content_type)
        messages.append(exception_event("ResourceNotFoundException", payload, content_type))
    return b"".join(messages)


def as_parsed(doc: dict[str, Any]) -> dict[str, Any]:
    """What botocore should hand back for an encoded event: blobs as bytes, times as datetimes."""
    records = [
        r | {"ApproximateArrivalTimestamp": as_datetime(r["ApproximateArrivalTimestamp"])}
        for r in doc["Records"]
    ]
    return doc | {"Records": records}


def as_datetime(moment: datetime | EpochMillis) -> datetime:
    if isinstance(moment, EpochMillis):
        return datetime.fromtimestamp(moment.value / 1000, UTC)
    return moment


def test_the_empty_message_matches_the_reference_encoding() -> None:
    # The "empty message" vector of AWS's event-stream test suites.
    assert encode_message({}, b"").hex() == "000000100000000005c248eb7d98c8ff"


def test_botocore_decodes_every_header_type() -> None:
    moment = datetime(2024, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)
    uuid = UUID("01234567-89ab-cdef-0123-456789abcdef")
    headers: dict[str, HeaderValue] = {
        "yes": True,
        "no": False,
        "long": -(2**40),
        "bytes": b"\x00\x01",
        "text": "zürich ✓",
        "when": moment,
        "id": uuid,
    }
    (message,) = decode(encode_message(headers, b"payload"))
    assert message.payload == b"payload"
    assert message.headers == headers | {"when": 1_704_067_200_250, "id": uuid.bytes}


def test_event_messages_carry_kinesis_headers() -> None:
    first, second, third = decode(
        initial_response(JSON_CONTENT_TYPE)
        + event("SubscribeToShardEvent", b'{"Records":[]}', JSON_CONTENT_TYPE)
        + exception_event("ResourceInUseException", b'{"message":"m"}', CBOR_CONTENT_TYPE)
    )
    assert first.headers == {
        ":event-type": "initial-response",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    assert first.payload == b"{}"
    assert second.headers[":event-type"] == "SubscribeToShardEvent"
    assert second.payload == b'{"Records":[]}'
    assert third.headers == {
        ":exception-type": "ResourceInUseException",
        ":content-type": CBOR_CONTENT_TYPE,
        ":message-type": "exception",
    }
    assert third.to_response_dict()["status_code"] == 400


def test_botocore_parses_a_json_subscribe_to_shard_response() -> None:
    shape = subscribe_output()
    response = {
        "status_code": 200,
        "headers": {"content-type": EVENT_STREAM_CONTENT_TYPE},
        "body": ChunkedBody(subscribe_body(JSON_CONTENT_TYPE)),
        "context": {"operation_name": "SubscribeToShard"},
    }
    parsed = create_parser("json").parse(response, shape)
    stream = parsed["EventStream"]
    assert isinstance(stream, EventStream)
    events = [item["SubscribeToShardEvent"] for item in stream]
    assert events == [as_parsed(doc) for doc in EVENTS]
    assert events[0]["Records"][0]["Data"] == b"\x00order-1\xff"


def test_json_payloads_use_base64_blobs_and_epoch_seconds() -> None:
    doc = json.loads(encode_payload(EVENTS[1], JSON_CONTENT_TYPE))
    first = doc["Records"][0]
    assert base64.b64decode(first["Data"]) == b"order-2"
    assert first["ApproximateArrivalTimestamp"] == 1_700_000_000.456
    assert doc["ContinuationSequenceNumber"] == "3"


def test_a_json_exception_reaches_boto3_as_an_event_stream_error() -> None:
    shape = subscribe_output()
    body = subscribe_body(JSON_CONTENT_TYPE, error="Shard shardId-000000000001 not found")
    stream = EventStream(
        ChunkedBody(body, chunk=64),
        shape.members["EventStream"],
        create_parser("json")._event_stream_parser,  # the parser boto3's client uses
        "SubscribeToShard",
    )
    stream.get_initial_response()
    with pytest.raises(EventStreamError) as caught:
        list(stream)
    assert caught.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Shard shardId-000000000001 not found",
    }


def millis_parser(value: float) -> datetime:
    """The Java SDK v2's reading of a CBOR timestamp: epoch milliseconds."""
    return datetime.fromtimestamp(value / 1000, UTC)


def test_botocore_parses_a_cbor_subscribe_to_shard_response() -> None:
    # botocore's CBOR event parser, with the Java SDK's millisecond reading of timestamps.
    stream_shape = subscribe_output().members["EventStream"]
    parser = EventStreamCBORParser(timestamp_parser=millis_parser)
    stream = EventStream(
        ChunkedBody(subscribe_body(CBOR_CONTENT_TYPE)), stream_shape, parser, "SubscribeToShard"
    )
    assert stream.get_initial_response().payload == b"\xa0"
    events = [item["SubscribeToShardEvent"] for item in stream]
    assert events == [as_parsed(doc) for doc in EVENTS]


def test_cbor_payloads_use_byte_strings_and_tagged_epoch_millis() -> None:
    # cbor2 itself cannot decode tag 1 around milliseconds (it reads seconds): compare bytes.
    payload = encode_payload(EVENTS[0], CBOR_CONTENT_TYPE)
    assert cbor2.dumps("Data") + cbor2.dumps(b"\x00order-1\xff") in payload
    stamp = cbor2.dumps(cbor2.CBORTag(1, 1_700_000_000_123))
    assert stamp.hex() == "c11b0000018bcfe5687b"
    assert cbor2.dumps("ApproximateArrivalTimestamp") + stamp in payload


def test_a_cbor_exception_reaches_the_client() -> None:
    stream_shape = subscribe_output().members["EventStream"]
    body = subscribe_body(CBOR_CONTENT_TYPE, error="gone")
    parser = EventStreamCBORParser(timestamp_parser=millis_parser)
    stream = EventStream(ChunkedBody(body), stream_shape, parser, "SubscribeToShard")
    stream.get_initial_response()
    with pytest.raises(EventStreamError, match=r"\(ResourceNotFoundException\).*gone"):
        list(stream)


@pytest.mark.parametrize(
    ("headers", "payload", "limit"),
    [
        ({"n" * 256: "v"}, b"", "1..255 bytes"),
        ({"": "v"}, b"", "1..255 bytes"),
        ({"n": "v" * 32_768}, b"", "32,767"),
        ({f"h{i}": "v" * 30_000 for i in range(5)}, b"", "128 KiB"),
        ({}, b"x" * (16 * 1024 * 1024), "16 MiB"),
    ],
)
def test_aws_limits_are_enforced(
    headers: dict[str, HeaderValue], payload: bytes, limit: str
) -> None:
    with pytest.raises(ValueError, match=limit):
        encode_message(headers, payload)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        encode_payload({"t": datetime(2024, 1, 1)}, JSON_CONTENT_TYPE)  # noqa: DTZ001


_header_values = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.binary(max_size=300),
    st.text(max_size=300),
    st.uuids(),
)


@given(
    headers=st.dictionaries(st.text(min_size=1, max_size=60), _header_values, max_size=8),
    payload=st.binary(max_size=2048),
)
def test_botocore_decodes_whatever_is_encoded(
    headers: dict[str, HeaderValue], payload: bytes
) -> None:
    messages = decode(encode_message(headers, payload) * 2)
    expected = {
        name: value.bytes if isinstance(value, UUID) else value for name, value in headers.items()
    }
    assert [(m.headers, m.payload) for m in messages] == [(expected, payload)] * 2
