"""AWS's per-shard quotas enforced on the real write and read paths (frozen quota clock)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cadabra.errors import ProvisionedThroughputExceededException
from cadabra.quotas import FakeClock
from cadabra.streams import PutRecordsEntry, StreamsService

MakeStream = Callable[..., str]
MIB = 1024 * 1024
SHARD0 = "shardId-000000000000"


def _written(streams: StreamsService, name: str, shard: int = 0) -> int:
    low, high = streams.kafka_reader.watermarks(streams.topic(name), shard)
    return high - low


def _put(streams: StreamsService, name: str, count: int, size: int = 1) -> list[dict[str, str]]:
    entries = [PutRecordsEntry(b"x" * size, "k") for _ in range(count)]
    result = streams.put_records(entries, stream_name=name)
    records: list[dict[str, str]] = result["Records"]
    assert result["FailedRecordCount"] == sum("ErrorCode" in r for r in records)
    return records


def test_a_shard_takes_1000_records_in_a_second_and_refuses_the_1001st(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    first = _put(streams, name, 500) + _put(streams, name, 499)
    assert not any("ErrorCode" in r for r in first)
    last = _put(streams, name, 2)
    assert "ErrorCode" not in last[0]
    assert last[1]["ErrorCode"] == "ProvisionedThroughputExceededException"
    assert last[1]["ErrorMessage"] == (
        f"Rate exceeded for shard {SHARD0} in stream {name} under account 000000000000."
    )
    assert _written(streams, name) == 1000


def test_throttled_entries_do_not_stop_later_ones_on_other_shards(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=2)
    _ = [
        streams.put_records(
            [PutRecordsEntry(b"x", "k", explicit_hash_key="0")] * 500, stream_name=name
        )
        for _ in range(2)
    ]
    mixed = streams.put_records(
        [
            PutRecordsEntry(b"x", "k", explicit_hash_key="0"),
            PutRecordsEntry(b"y", "k", explicit_hash_key=str(2**128 - 1)),
        ],
        stream_name=name,
    )
    assert mixed["FailedRecordCount"] == 1
    assert mixed["Records"][0]["ErrorCode"] == "ProvisionedThroughputExceededException"
    assert mixed["Records"][1]["ShardId"] == "shardId-000000000001"


def test_a_shard_takes_one_mib_per_second(
    streams: StreamsService, make_stream: MakeStream, quota_clock: FakeClock
) -> None:
    name = make_stream()
    # 4 records of 256 KiB including the one-byte partition key: exactly 1 MiB.
    assert not any("ErrorCode" in r for r in _put(streams, name, 4, size=256 * 1024 - 1))
    [over] = _put(streams, name, 1, size=0)
    assert over["ErrorCode"] == "ProvisionedThroughputExceededException"
    quota_clock.advance(1)
    assert "ErrorCode" not in _put(streams, name, 1, size=MIB - 1)[0]
    assert _written(streams, name) == 5


def test_put_record_raises_when_the_shard_is_saturated(
    streams: StreamsService, make_stream: MakeStream, quota_clock: FakeClock
) -> None:
    name = make_stream()
    _put(streams, name, 500)
    _put(streams, name, 500)
    with pytest.raises(ProvisionedThroughputExceededException, match="Rate exceeded for shard"):
        streams.put_record(b"x", "k", stream_name=name)
    quota_clock.advance(0.001)
    assert streams.put_record(b"x", "k", stream_name=name)["ShardId"] == SHARD0


def test_five_get_records_calls_per_second_per_shard(
    streams: StreamsService, make_stream: MakeStream, quota_clock: FakeClock
) -> None:
    name = make_stream()
    iterator = streams.get_shard_iterator(SHARD0, "LATEST", stream_name=name)["ShardIterator"]
    for _ in range(5):
        iterator = streams.get_records(iterator)["NextShardIterator"]
    with pytest.raises(ProvisionedThroughputExceededException, match=SHARD0):
        streams.get_records(iterator)
    quota_clock.advance(1)
    assert streams.get_records(iterator)["Records"] == []


def test_a_10_mib_read_blocks_the_shard_for_5_seconds(
    streams: StreamsService, make_stream: MakeStream, quota_clock: FakeClock
) -> None:
    name = make_stream()
    for _ in range(10):
        _put(streams, name, 1, size=MIB - 1)
        quota_clock.advance(1)
    iterator = streams.get_shard_iterator(SHARD0, "TRIM_HORIZON", stream_name=name)["ShardIterator"]
    read = 0
    while read < 10:
        page = streams.get_records(iterator)
        read += len(page["Records"])
        iterator = page["NextShardIterator"]
        if read < 10:
            quota_clock.advance(5)
    quota_clock.advance(4.9)
    with pytest.raises(ProvisionedThroughputExceededException):
        streams.get_records(iterator)
    quota_clock.advance(0.2)
    assert streams.get_records(iterator)["Records"] == []
