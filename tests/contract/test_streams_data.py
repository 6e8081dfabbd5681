"""PutRecord(s), GetShardIterator and GetRecords on a real broker, with AWS semantics."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cadabra.streams import PutRecordsEntry, StreamsService, decode_sequence, hash_key

MakeStream = Callable[..., str]
ReadAll = Callable[[str, int], list[dict[str, Any]]]
SHARD0, SHARD1 = "shardId-000000000000", "shardId-000000000001"


def _iterator(streams: StreamsService, name: str, shard: str, kind: str, **kw: Any) -> str:
    return str(streams.get_shard_iterator(shard, kind, stream_name=name, **kw)["ShardIterator"])


def test_put_record_then_read_it_back(
    streams: StreamsService, make_stream: MakeStream, read_all: ReadAll
) -> None:
    name = make_stream()
    before = datetime.now(UTC)
    put = streams.put_record(b'{"order": 1}', "customer-1", stream_name=name)
    assert put["ShardId"] == SHARD0
    assert put["EncryptionType"] == "NONE"
    [record] = read_all(_iterator(streams, name, SHARD0, "TRIM_HORIZON"), 1)
    assert record["Data"] == b'{"order": 1}'
    assert record["PartitionKey"] == "customer-1"
    assert record["SequenceNumber"] == put["SequenceNumber"]
    arrival = record["ApproximateArrivalTimestamp"]
    assert before - timedelta(seconds=5) <= arrival <= datetime.now(UTC) + timedelta(seconds=5)


def test_put_records_routes_by_md5_and_keeps_request_order(
    streams: StreamsService, make_stream: MakeStream, read_all: ReadAll
) -> None:
    name = make_stream(shard_count=2)
    keys = [f"key-{i}" for i in range(50)]
    result = streams.put_records([PutRecordsEntry(k.encode(), k) for k in keys], stream_name=name)
    assert result["FailedRecordCount"] == 0
    assert len(result["Records"]) == 50
    for key, entry in zip(keys, result["Records"], strict=True):
        expected = SHARD0 if hash_key(key) < 2**127 else SHARD1
        assert entry["ShardId"] == expected
    per_shard = {SHARD0: 0, SHARD1: 0}
    for entry in result["Records"]:
        per_shard[entry["ShardId"]] += 1
    for shard, count in per_shard.items():
        got = read_all(_iterator(streams, name, shard, "TRIM_HORIZON"), count)
        assert [r["Data"].decode() for r in got] == [
            k for k, e in zip(keys, result["Records"], strict=True) if e["ShardId"] == shard
        ]


def test_explicit_hash_key_overrides_the_partition_key(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=2)
    result = streams.put_records(
        [
            PutRecordsEntry(b"a", "same", explicit_hash_key="0"),
            PutRecordsEntry(b"b", "same", explicit_hash_key=str(2**128 - 1)),
        ],
        stream_name=name,
    )
    assert [r["ShardId"] for r in result["Records"]] == [SHARD0, SHARD1]


def test_sequence_numbers_increase_per_shard(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    previous = None
    sequences = []
    for i in range(5):
        put = streams.put_record(
            str(i).encode(), "k", stream_name=name, sequence_number_for_ordering=previous
        )
        sequences.append(int(put["SequenceNumber"]))
        previous = put["SequenceNumber"]
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == 5
    assert all(decode_sequence(str(s)).shard_index == 0 for s in sequences)


def test_iterator_types_position_where_aws_says(
    streams: StreamsService, make_stream: MakeStream, read_all: ReadAll
) -> None:
    name = make_stream()
    puts = [streams.put_record(f"r{i}".encode(), "k", stream_name=name) for i in range(3)]
    middle = puts[1]["SequenceNumber"]
    at = read_all(
        _iterator(streams, name, SHARD0, "AT_SEQUENCE_NUMBER", starting_sequence_number=middle),
        2,
    )
    assert [r["Data"] for r in at] == [b"r1", b"r2"]
    after = read_all(
        _iterator(streams, name, SHARD0, "AFTER_SEQUENCE_NUMBER", starting_sequence_number=middle),
        1,
    )
    assert [r["Data"] for r in after] == [b"r2"]
    latest = _iterator(streams, name, SHARD0, "LATEST")
    assert streams.get_records(latest)["Records"] == []
    streams.put_record(b"new", "k", stream_name=name)
    assert [r["Data"] for r in read_all(latest, 1)] == [b"new"]


def test_at_timestamp_starts_at_the_first_record_arriving_then(
    streams: StreamsService, make_stream: MakeStream, read_all: ReadAll
) -> None:
    name = make_stream()
    streams.put_record(b"old", "k", stream_name=name)
    [old] = read_all(_iterator(streams, name, SHARD0, "TRIM_HORIZON"), 1)
    after_old = old["ApproximateArrivalTimestamp"] + timedelta(milliseconds=1)
    deadline = time.monotonic() + 5
    while datetime.now(UTC) <= after_old and time.monotonic() < deadline:
        time.sleep(0.005)  # the broker's clock must move past `old` before `new` arrives
    streams.put_record(b"new", "k", stream_name=name)
    got = read_all(_iterator(streams, name, SHARD0, "AT_TIMESTAMP", timestamp=after_old), 1)
    assert [r["Data"] for r in got] == [b"new"]


def test_get_records_honours_limit_and_reports_lag(
    streams: StreamsService, make_stream: MakeStream, read_all: ReadAll
) -> None:
    name = make_stream()
    streams.put_records([PutRecordsEntry(b"x", f"k{i}") for i in range(20)], stream_name=name)
    iterator = _iterator(streams, name, SHARD0, "TRIM_HORIZON")
    deadline = time.monotonic() + 10
    page: dict[str, Any] = {"Records": []}
    while not page["Records"] and time.monotonic() < deadline:
        page = streams.get_records(iterator, limit=5)
    assert len(page["Records"]) == 5
    rest = read_all(page["NextShardIterator"], 15)
    assert len(rest) == 15
    assert streams.get_records(iterator, limit=10_000)["Records"][0]["Data"] == b"x"


def test_caught_up_reader_is_zero_millis_behind(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream()
    streams.put_record(b"x", "k", stream_name=name)
    page = streams.get_records(_iterator(streams, name, SHARD0, "TRIM_HORIZON"))
    if not page["Records"]:
        page = streams.get_records(page["NextShardIterator"])
    assert page["MillisBehindLatest"] == 0


def test_larger_records_after_update_max_record_size(
    streams: StreamsService, make_stream: MakeStream, read_all: ReadAll
) -> None:
    name = make_stream()
    big = b"b" * (1536 * 1024)
    with pytest.raises(Exception, match="1048576"):
        streams.put_record(big, "k", stream_name=name)
    streams.update_max_record_size(2048, stream_name=name)
    assert streams.put_record(big, "k", stream_name=name)["ShardId"] == SHARD0
    [record] = read_all(_iterator(streams, name, SHARD0, "TRIM_HORIZON"), 1)
    assert record["Data"] == big
