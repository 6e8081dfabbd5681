"""Firehose's buffering hints: a partition's records wait until the size or the interval is reached.

`BufferingHints` (SizeInMBs 1-128, IntervalInSeconds 0-900) are hints: whichever is reached first
triggers delivery, and the size is measured on the records as they arrived, before any
transformation or compression. A buffer holds one Kafka partition's records, a contiguous run of
offsets, so the object made from it is named by (partition, first offset) and a replay after a
crash makes the same object. Records of one Kafka record (a KPL aggregate's user records) never
straddle two buffers. Interval 0 is AWS's zero buffering: what a poll brought is delivered at once.
Records are kept in chunks, column by column, as the source read them: no object per record.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

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

    def __bool__(self) -> bool:
        return bool(self.chunks)

    def add(self, chunk: Chunk, now_s: float) -> Chunk | None:
        """Buffer what fits of `chunk`; the rest (to buffer after a delivery), or None."""
        sizes = list(itertools.accumulate(map(len, chunk.data), initial=self.size))
        fits = bisect.bisect_right(sizes, self.hints.size_bytes) - 1  # records that fit
        if fits == 0 and not self.chunks:
            fits = 1  # a record larger than the hint goes alone
        offsets = chunk.offsets
        while 0 < fits < len(offsets) and offsets[fits] == offsets[fits - 1]:
            fits += 1  # user records of one Kafka record stay together
        if fits == 0:
            return chunk
        if not self.chunks:
            self.opened_s = now_s
        taken = chunk if fits >= len(chunk) else chunk.sliced(0, fits)
        self.chunks.append(taken)
        self.size = sizes[min(fits, len(sizes) - 1)]
        return None if fits >= len(chunk) else chunk.sliced(fits)

    def full(self) -> bool:
        return self.size >= self.hints.size_bytes

    def due(self, now_s: float) -> bool:
        return bool(self.chunks) and (self.full() or now_s - self.opened_s >= self.hints.interval_s)

    def take(self) -> Chunk:
        records = Chunk.joined(self.chunks)
        self.chunks, self.size = [], 0
        return records
