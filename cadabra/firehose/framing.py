"""How a PutRecordBatch is kept in Kafka: one Kafka record holding the call's records, framed.

Storing each Firehose record as its own Kafka record costs the delivery side a Kafka message per
record (half its time for ~200-byte records); a batch is written and read as one. The value is
`MAGIC` + the record count (big-endian u32) + each record's length (u32) + the records' bytes,
one after the other. A value that is not exactly that (a PutRecord's single record, written
as it is, or anything older) is one record. Records of one Kafka record share its offset and
arrival time; their index in the batch tells them apart (and is part of their RecordId).
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Sequence

__all__ = ["MAGIC", "pack", "unpack"]

MAGIC = b"\xf3\x1eFH"
_HEADER = struct.Struct(">4sI")


def pack(records: Sequence[bytes]) -> bytes:
    """One Kafka value holding `records` in order."""
    lengths = struct.pack(f">{len(records)}I", *map(len, records))
    return b"".join((_HEADER.pack(MAGIC, len(records)), lengths, *records))


def unpack(value: bytes) -> list[bytes]:
    """The records a Kafka value holds: a framed batch's, or the value itself."""
    if not value.startswith(MAGIC) or len(value) < _HEADER.size:
        return [value]
    _, count = _HEADER.unpack_from(value)
    start = _HEADER.size + 4 * count
    if start > len(value):
        return [value]
    lengths = struct.unpack_from(f">{count}I", value, _HEADER.size)
    ends = list(itertools.accumulate(lengths, initial=start))
    if ends[-1] != len(value):
        return [value]
    return [value[a:b] for a, b in itertools.pairwise(ends)]
