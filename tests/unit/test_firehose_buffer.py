"""Buffering hints on one partition's records: the size cut, whole KPL aggregates, the interval."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sinks.firehose.buffer import BufferingHints, PartitionBuffer
from sinks.firehose.source import Chunk

HINTS = BufferingHints(size_bytes=100, interval_s=5.0)


def _chunk(sizes: list[int], offsets: list[int] | None = None) -> Chunk:
    offsets = offsets if offsets is not None else list(range(len(sizes)))
    return Chunk(
        0,
        [b"x" * n for n in sizes],
        offsets=offsets,
        arrivals=[1_000 + o for o in offsets],
        subsequences=[0] * len(sizes),
    )


def test_a_chunk_is_cut_where_the_size_hint_is_reached() -> None:
    buffer = PartitionBuffer(0, HINTS)
    rest = buffer.add(_chunk([40, 40, 40, 40]), now_s=0.0)
    assert buffer.size == 80 and not buffer.full()
    assert rest is not None and rest.offsets == [2, 3]
    assert buffer.add(rest, now_s=0.1) is rest  # nothing fits until the buffer is delivered
    assert buffer.take().offsets == [0, 1]
    assert buffer.add(rest, now_s=0.2) is None and buffer.size == 80


def test_a_record_larger_than_the_hint_goes_alone() -> None:
    buffer = PartitionBuffer(0, HINTS)
    rest = buffer.add(_chunk([150, 10]), now_s=0.0)
    assert buffer.full() and buffer.take().offsets == [0]
    assert rest is not None and rest.offsets == [1]


def test_records_of_one_kafka_record_stay_together() -> None:
    buffer = PartitionBuffer(0, HINTS)
    rest = buffer.add(_chunk([60, 30, 30, 30], offsets=[0, 1, 1, 1]), now_s=0.0)
    assert buffer.take().offsets == [0]  # the batch at offset 1 does not fit whole: cut before
    assert rest is not None and rest.offsets == [1, 1, 1]
    assert buffer.add(rest, now_s=0.0) is None and buffer.take().offsets == [1, 1, 1]


def test_a_kafka_record_larger_than_the_hint_goes_whole_and_alone() -> None:
    buffer = PartitionBuffer(0, HINTS)
    rest = buffer.add(_chunk([60, 60, 60, 5], offsets=[5, 5, 5, 6]), now_s=0.0)
    assert buffer.take().offsets == [5, 5, 5]
    assert rest is not None and rest.offsets == [6]


def test_the_interval_counts_from_the_first_record() -> None:
    buffer = PartitionBuffer(0, HINTS)
    assert not buffer.due(100.0)
    buffer.add(_chunk([1]), now_s=10.0)
    buffer.add(_chunk([1], offsets=[1]), now_s=14.0)
    assert not buffer.due(14.9)
    assert buffer.due(15.0)


def test_zero_interval_delivers_at_once() -> None:
    buffer = PartitionBuffer(0, BufferingHints(size_bytes=100, interval_s=0.0))
    buffer.add(_chunk([1]), now_s=3.0)
    assert buffer.due(3.0)


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=40))
def test_every_record_is_buffered_once_in_order(sizes: list[int]) -> None:
    buffer = PartitionBuffer(0, HINTS)
    delivered: list[int] = []
    rest: Chunk | None = _chunk(sizes)
    while rest is not None:
        rest = buffer.add(rest, now_s=0.0)
        if rest is not None or buffer.full():
            taken = buffer.take()
            assert sum(map(len, taken.data)) <= HINTS.size_bytes or len(taken) == 1
            delivered += taken.offsets
    if buffer:
        delivered += buffer.take().offsets
    assert delivered == list(range(len(sizes)))
