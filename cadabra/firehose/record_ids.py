"""Firehose record ids, derived reversibly from where Kafka stored the record.

AWS's `RecordId` is an opaque string (a long base64 text) that producers keep for auditing and
that transformation Lambdas see as `recordId`. Cadabra packs a version byte, the Kafka partition,
the offset and the delivery stream's creation time (so a re-created stream of the same name never
repeats an id) into 21 bytes, base64: 28 characters, decodable back to the record's position.
A PutRecordBatch's records share one Kafka record (`framing.py`): the second and later carry
their index in it too (version 2, 25 bytes, 36 characters).
"""

from __future__ import annotations

import base64
import binascii
import struct
from typing import NamedTuple

from cadabra.errors import InvalidArgumentException

__all__ = ["RecordPosition", "decode_record_id", "encode_record_id"]

_VERSION = 1
_LAYOUT = struct.Struct(">BIQQ")
_INDEXED = 2
_INDEXED_LAYOUT = struct.Struct(">BIQQI")


class RecordPosition(NamedTuple):
    partition: int
    offset: int
    stream_created_ms: int
    # The record's place in its Kafka record (a PutRecordBatch's batch), 0 for the first.
    batch_index: int = 0


def encode_record_id(partition: int, offset: int, stream_created_ms: int, index: int = 0) -> str:
    if index:
        packed = _INDEXED_LAYOUT.pack(_INDEXED, partition, offset, stream_created_ms, index)
    else:
        packed = _LAYOUT.pack(_VERSION, partition, offset, stream_created_ms)
    return base64.b64encode(packed).decode("ascii")


def decode_record_id(record_id: str) -> RecordPosition:
    """Reverse `encode_record_id`; anything else is an InvalidArgumentException."""
    try:
        raw = base64.b64decode(record_id, validate=True)
        if raw[:1] == bytes([_INDEXED]):
            _, partition, offset, created_ms, index = _INDEXED_LAYOUT.unpack(raw)
            return RecordPosition(partition, offset, created_ms, index)
        version, partition, offset, created_ms = _LAYOUT.unpack(raw)
    except (binascii.Error, ValueError, struct.error) as exc:
        raise InvalidArgumentException(
            f"RecordId {record_id!r} is not a Cadabra record id."
        ) from exc
    if version != _VERSION:
        raise InvalidArgumentException(f"RecordId {record_id!r} has unknown version {version}.")
    return RecordPosition(partition, offset, created_ms)
