"""The AWS event-stream framing (`application/vnd.amazon.eventstream`) of Kinesis SubscribeToShard.

A message is a 12-byte prelude (total length and headers length, big-endian u32, then the CRC32 of
those 8 bytes), the headers, the payload, and the CRC32 of everything before it. Each header is a
1-byte name length, the UTF-8 name, a 1-byte value type and the value: true (0), false (1),
long (5, i64), byte array (6, u16 length), string (7, u16 length), timestamp (8, i64 epoch ms),
uuid (9, 16 bytes).

A SubscribeToShard response body is one `initial-response` event, then `SubscribeToShardEvent`s,
and an `exception` message if the subscription fails. Event payloads are JSON for boto3 and the
AWS CLI (blobs base64, timestamps epoch seconds) and AWS CBOR (`application/x-amz-cbor-1.1`) for
the Java SDK v2 (blobs as byte strings, timestamps as tag 1 around epoch *milliseconds*, as the
SDK's `SdkCborGenerator` writes them; RFC 8949 and botocore's rpc-v2-cbor use seconds).

Limits: encoding only (Cadabra never reads an event stream); integers are always `long`, the
byte/short/integer types (2, 3, 4) are never written; AWS's limits hold: names up to 255 bytes,
string and byte-array values up to 32,767 bytes, headers up to 128 KiB, messages up to 16 MiB.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import cbor2

__all__ = [
    "CBOR_CONTENT_TYPE",
    "EVENT_STREAM_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "EpochMillis",
    "HeaderValue",
    "encode_message",
    "encode_payload",
    "event",
    "exception_event",
    "initial_response",
    "is_cbor",
]

EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"
# What Kinesis sets as each event's `:content-type` for JSON and CBOR clients.
JSON_CONTENT_TYPE = "application/json"
CBOR_CONTENT_TYPE = "application/x-amz-cbor-1.1"

MAX_HEADER_NAME_BYTES = 255
MAX_HEADER_VALUE_BYTES = 32_767
MAX_HEADERS_BYTES = 128 * 1024
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

_PRELUDE = struct.Struct(">II")
_U32 = struct.Struct(">I")
_I64 = struct.Struct(">q")
_U16 = struct.Struct(">H")
_OVERHEAD = _PRELUDE.size + 2 * _U32.size
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CBOR_EPOCH_TAG = 1


@dataclass(frozen=True, slots=True)
class EpochMillis:
    """A timestamp held as Cadabra holds event times: milliseconds since the epoch, UTC."""

    value: int


HeaderValue = str | bytes | bool | int | datetime | UUID
_Blob = Callable[[bytes], object]
_Stamp = Callable[[int], object]


def encode_message(headers: Mapping[str, HeaderValue], payload: bytes) -> bytes:
    """One event-stream message: prelude, headers, payload, CRCs."""
    encoded = b"".join(_encode_header(name, value) for name, value in headers.items())
    total = _OVERHEAD + len(encoded) + len(payload)
    _check_sizes(len(encoded), total)
    prelude = _PRELUDE.pack(total, len(encoded))
    prelude += _U32.pack(zlib.crc32(prelude))
    crc = zlib.crc32(payload, zlib.crc32(encoded, zlib.crc32(prelude)))
    return b"".join((prelude, encoded, payload, _U32.pack(crc)))


def initial_response(content_type: str) -> bytes:
    """The first message of a SubscribeToShard body: an empty `initial-response` event."""
    return event("initial-response", encode_payload({}, content_type), content_type)


def event(event_type: str, payload: bytes, content_type: str) -> bytes:
    """An event message, e.g. `SubscribeToShardEvent` with its encoded payload."""
    return encode_message(
        {":event-type": event_type, ":content-type": content_type, ":message-type": "event"},
        payload,
    )


def exception_event(code: str, message_payload: bytes, content_type: str) -> bytes:
    """An exception message (e.g. `ResourceNotFoundException`); the payload holds `message`."""
    return encode_message(
        {":exception-type": code, ":content-type": content_type, ":message-type": "exception"},
        message_payload,
    )


def encode_payload(doc: Mapping[str, object], content_type: str) -> bytes:
    """`doc` as JSON or AWS CBOR, per `content_type`; bytes are blobs, datetimes timestamps.

    Timestamps are `datetime` (aware) or `EpochMillis`; they keep millisecond precision.
    """
    if is_cbor(content_type):
        return cbor2.dumps(_for_cbor(doc))
    return json.dumps(_for_json(doc), separators=(",", ":")).encode()


def is_cbor(content_type: str) -> bool:
    """Whether `content_type` names AWS CBOR (`application/x-amz-cbor-1.1`) rather than JSON."""
    return "cbor" in content_type.lower()


def _encode_header(name: str, value: HeaderValue) -> bytes:
    raw_name = name.encode()
    if not 0 < len(raw_name) <= MAX_HEADER_NAME_BYTES:
        raise ValueError(f"event-stream header name {name!r} must be 1..255 bytes")
    return bytes((len(raw_name),)) + raw_name + _encode_value(value)


def _encode_value(value: HeaderValue) -> bytes:
    # bool before int: True is an int too.
    if isinstance(value, bool):
        return b"\x00" if value else b"\x01"
    if isinstance(value, int):
        return b"\x05" + _I64.pack(value)
    if isinstance(value, bytes):
        return b"\x06" + _sized(value)
    if isinstance(value, str):
        return b"\x07" + _sized(value.encode())
    if isinstance(value, datetime):
        return b"\x08" + _I64.pack(_millis(value))
    return b"\x09" + value.bytes


def _sized(raw: bytes) -> bytes:
    if len(raw) > MAX_HEADER_VALUE_BYTES:
        raise ValueError(f"event-stream header value of {len(raw)} bytes exceeds 32,767")
    return _U16.pack(len(raw)) + raw


def _check_sizes(headers_bytes: int, total: int) -> None:
    if headers_bytes > MAX_HEADERS_BYTES:
        raise ValueError(f"event-stream headers of {headers_bytes} bytes exceed 128 KiB")
    if total > MAX_MESSAGE_BYTES:
        raise ValueError(f"event-stream message of {total} bytes exceeds 16 MiB")


def _for_json(value: object) -> object:
    return _convert(value, lambda blob: base64.b64encode(blob).decode(), lambda ms: ms / 1000)


def _for_cbor(value: object) -> object:
    return _convert(value, bytes, lambda ms: cbor2.CBORTag(_CBOR_EPOCH_TAG, ms))


def _convert(value: object, blob: _Blob, stamp: _Stamp) -> object:
    if isinstance(value, Mapping):
        return {key: _convert(item, blob, stamp) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_convert(item, blob, stamp) for item in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return blob(bytes(value))
    if isinstance(value, datetime):
        return stamp(_millis(value))
    if isinstance(value, EpochMillis):
        return stamp(value.value)
    return value


def _millis(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("event-stream timestamps must be timezone-aware")
    return (moment - _EPOCH) // timedelta(milliseconds=1)
