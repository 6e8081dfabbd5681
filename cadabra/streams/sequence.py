"""Kinesis sequence numbers derived reversibly from (shard index, Kafka offset).

AWS's numbers are opaque decimal strings of up to 129 digits (real ones have ~56) that increase
per shard and are unique in the stream. Cadabra encodes `2^184 + shard_index * 2^64 + offset + 1`
(so that `offset + 0` names the position before a shard's first record, its StartingSequenceNumber):
56 digits like AWS's, increasing with the offset inside a shard, distinct across shards, and
decodable, so a sequence number used on the wrong shard is detected.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from cadabra.errors import InvalidArgumentException

__all__ = [
    "SequencePosition",
    "decode_sequence",
    "encode_sequence",
    "sequence_base",
    "shard_id",
    "shard_index",
]

_BASE = 1 << 184
_OFFSET_BITS = 64
_OFFSET_MASK = (1 << _OFFSET_BITS) - 1
_SEQUENCE_PATTERN = re.compile(r"0|[1-9]\d{0,128}")
_SHARD_ID_PATTERN = re.compile(r"shardId-(\d{12})")


class SequencePosition(NamedTuple):
    shard_index: int
    offset: int


@lru_cache(maxsize=4096)
def shard_id(index: int) -> str:
    """AWS's shard id format: `shardId-` and a 12-digit zero-padded index."""
    return f"shardId-{index:012d}"


def shard_index(value: str) -> int | None:
    """The index of a shard id, or None if it is not of AWS's format."""
    match = _SHARD_ID_PATTERN.fullmatch(value)
    return int(match.group(1)) if match else None


def encode_sequence(index: int, offset: int) -> str:
    """The sequence number of the record at `offset`; offset -1 is "before the first record"
    (what a shard's StartingSequenceNumber names, as on AWS, so AFTER it reads record 0)."""
    return str(sequence_base(index) + offset)


def sequence_base(index: int) -> int:
    """What to add to an offset of shard `index` to make its sequence number (as an integer)."""
    return _BASE + (index << _OFFSET_BITS) + 1


def decode_sequence(value: str, field: str = "StartingSequenceNumber") -> SequencePosition:
    """Reverse `encode_sequence`; anything else is an InvalidArgumentException naming the field."""
    if not _SEQUENCE_PATTERN.fullmatch(value) or int(value) < _BASE:
        raise InvalidArgumentException(
            f"{field} {value} used in GetShardIterator on shard is invalid: not a sequence number "
            "issued by this stream."
        )
    raw = int(value) - _BASE
    return SequencePosition(raw >> _OFFSET_BITS, (raw & _OFFSET_MASK) - 1)
