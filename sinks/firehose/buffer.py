"""Firehose's buffering hints: a partition's records wait until the size or the interval is reached.

`BufferingHints` (SizeInMBs 1-128, IntervalInSeconds 0-900) are hints: whichever is reached first
triggers delivery, and the size is measured on the records as they arrived, before any
transformation or compression. A buffer holds one Kafka partition's records, a contiguous run of
offsets, so the object made from it is named by (partition, first offset) and a replay after a
crash makes the same object. Records of one Kafka record (a PutRecordBatch's records, a KPL
aggregate's user records) never straddle two buffers. Interval 0 is AWS's zero buffering: what
a poll brought is delivered at once. Records are kept in chunks, column by column, as the source
read them: no object per record.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from typing import Any

from sinks.firehose.source import Chunk

__all__ = ["BufferingHints", "PartitionBuffer"]

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BufferingHints:
    size_bytes: int
    interval_s: float

    @classmethod
    def from_configuration(cls, hints: dict[str, int]) -> BufferingHints:
        return cls(hints["SizeInMBs"] * MIB, float(hints["IntervalInSeconds"]))


@dataclass(slots=True)
class PartitionBuffer:
    partition: int
    hints: BufferingHints
    chunks: list[Chunk] = field(default_factory=list)
    size: int = 0
    # Monotonic time the first record was buffered; the interval counts from here.
    opened_s: float = 0.0
    # Work started ahead on the first chunks (their format conversion): (handle, record count)
    # per piece, and the chunks not in a piece yet (from index `unprepared`, `unprepared_size`
    # bytes).
    prepared: list[tuple[Any, int]] = field(default_factory=list)
    unprepared: int = 0
    unprepared_size: int = 0

    def __bool__(self) -> bool:
        return bool(self.chunks)

    def add(self, chunk: Chunk, now_s: float) -> Chunk | None:
        """Buffer what fits of `chunk`; the rest (to buffer after a delivery), or None."""
        sizes = list(itertools.accumulate(map(len, chunk.data), initial=self.size))
        fits = bisect.bisect_right(sizes, self.hints.size_bytes) - 1  # records that fit
        if fits == 0 and not self.chunks:
            fits = 1  # a record larger than the hint goes alone
        if not chunk.unique_offsets:
            fits = _kafka_record_boundary(chunk.offsets, fits, opening=not self.chunks)
        if fits == 0:
            return chunk
        if not self.chunks:
            self.opened_s = now_s
        taken = chunk if fits >= len(chunk) else chunk.sliced(0, fits)
        self.chunks.append(taken)
        self.unprepared_size += sizes[fits] - self.size
        self.size = sizes[fits]
        return None if fits >= len(chunk) else chunk.sliced(fits)

    def full(self) -> bool:
        return self.size >= self.hints.size_bytes

    def due(self, now_s: float) -> bool:
        return bool(self.chunks) and (self.full() or now_s - self.opened_s >= self.hints.interval_s)

    def next_piece(self) -> list[bytes]:
        """The records of the chunks not in a piece yet, now one piece (see `prepared`)."""
        data = [d for chunk in self.chunks[self.unprepared :] for d in chunk.data]
        self.unprepared, self.unprepared_size = len(self.chunks), 0
        return data

    def take(self) -> Chunk:
        records = Chunk.joined(self.chunks)
        self.chunks, self.size, self.prepared = [], 0, []
        self.unprepared = self.unprepared_size = 0
        return records


def _kafka_record_boundary(offsets: list[int], fits: int, *, opening: bool) -> int:
    """`fits` moved to a Kafka record's boundary: records sharing an offset (a PutRecordBatch's,
    a KPL aggregate's) are never split, since offsets are what gets committed. Cut back before
    the record that does not fit whole; one that opens the buffer goes whole, past the hint."""
    if not 0 < fits < len(offsets) or offsets[fits] != offsets[fits - 1]:
        return fits
    start = fits - 1
    while start > 0 and offsets[start - 1] == offsets[fits]:
        start -= 1
    if start > 0 or not opening:
        return start
    while fits < len(offsets) and offsets[fits] == offsets[fits - 1]:
        fits += 1
    return fits
