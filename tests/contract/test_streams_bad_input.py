"""Bad input gets AWS's error, naming the field or limit, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from cadabra.errors import (
    ExpiredIteratorException,
    InvalidArgumentException,
    ResourceNotFoundException,
    ValidationException,
)
from cadabra.streams import PutRecordsEntry, StreamsService

MakeStream = Callable[..., str]
MIB = 1024 * 1024


@pytest.fixture
def stream(streams: StreamsService, make_stream: MakeStream) -> Iterator[str]:
    name = make_stream(shard_count=2)
    before = _offsets(streams, name)
    yield name
    assert _offsets(streams, name) == before, "a rejected request wrote records"


def _offsets(streams: StreamsService, name: str) -> list[int]:
    return [streams.kafka_reader.watermarks(streams.topic(name), p)[1] for p in (0, 1)]


def test_oversized_record(streams: StreamsService, stream: str) -> None:
    with pytest.raises(ValidationException, match=r"'data'.*less than or equal to 1048576"):
        streams.put_record(b"x" * MIB, "k", stream_name=stream)
    with pytest.raises(ValidationException, match=r"'records\.2\.member\.data'"):
        streams.put_records(
            [PutRecordsEntry(b"ok", "k"), PutRecordsEntry(b"x" * MIB, "k")], stream_name=stream
        )


def test_partition_key_of_257_characters(streams: StreamsService, stream: str) -> None:
    with pytest.raises(ValidationException, match=r"'partitionKey'.*less than or equal to 256"):
        streams.put_record(b"x", "k" * 257, stream_name=stream)
    with pytest.raises(ValidationException, match=r"'records\.1\.member\.partitionKey'"):
        streams.put_records([PutRecordsEntry(b"x", "k" * 257)], stream_name=stream)


def test_501_records(streams: StreamsService, stream: str) -> None:
    with pytest.raises(ValidationException, match=r"'records'.*less than or equal to 500"):
        streams.put_records([PutRecordsEntry(b"x", "k")] * 501, stream_name=stream)


def test_more_than_10_mib_in_one_put_records(streams: StreamsService, stream: str) -> None:
    entries = [PutRecordsEntry(b"x" * (MIB - 100), f"k{i}") for i in range(11)]
    with pytest.raises(InvalidArgumentException, match="10 MiB"):
        streams.put_records(entries, stream_name=stream)


def test_unknown_stream(streams: StreamsService, stream: str) -> None:
    with pytest.raises(ResourceNotFoundException, match="Stream no-such-stream under account"):
        streams.put_record(b"x", "k", stream_name="no-such-stream")
    with pytest.raises(ResourceNotFoundException):
        streams.get_shard_iterator("shardId-000000000000", "LATEST", stream_name="no-such-stream")


def test_unknown_shard(streams: StreamsService, stream: str) -> None:
    with pytest.raises(ResourceNotFoundException, match="Shard shardId-000000000009 in stream"):
        streams.get_shard_iterator("shardId-000000000009", "LATEST", stream_name=stream)


def test_malformed_iterator(streams: StreamsService, stream: str) -> None:
    with pytest.raises(InvalidArgumentException, match="Invalid ShardIterator"):
        streams.get_records("AAAAnot-an-iterator")


def test_expired_iterator(streams: StreamsService, stream: str) -> None:
    iterator = streams.get_shard_iterator("shardId-000000000000", "LATEST", stream_name=stream)
    real_clock = streams.clock_ms
    streams.clock_ms = lambda: real_clock() + 300_001
    try:
        with pytest.raises(ExpiredIteratorException, match="Iterator expired"):
            streams.get_records(iterator["ShardIterator"])
    finally:
        streams.clock_ms = real_clock


def test_sequence_number_from_another_shard(
    streams: StreamsService, make_stream: MakeStream
) -> None:
    name = make_stream(shard_count=2)
    put = streams.put_record(b"x", "k", stream_name=name, explicit_hash_key="0")
    with pytest.raises(InvalidArgumentException, match="It encodes shardId-000000000000"):
        streams.get_shard_iterator(
            "shardId-000000000001",
            "AT_SEQUENCE_NUMBER",
            stream_name=name,
            starting_sequence_number=put["SequenceNumber"],
        )


def test_bad_iterator_type_and_missing_sequence(streams: StreamsService, stream: str) -> None:
    with pytest.raises(ValidationException, match="shardIteratorType"):
        streams.get_shard_iterator("shardId-000000000000", "OLDEST", stream_name=stream)
    with pytest.raises(InvalidArgumentException, match="StartingSequenceNumber"):
        streams.get_shard_iterator("shardId-000000000000", "AT_SEQUENCE_NUMBER", stream_name=stream)


def test_get_records_limit_above_10000(streams: StreamsService, stream: str) -> None:
    iterator = streams.get_shard_iterator("shardId-000000000000", "LATEST", stream_name=stream)
    with pytest.raises(InvalidArgumentException, match="less than or equal to 10000"):
        streams.get_records(iterator["ShardIterator"], limit=10_001)


def test_bad_explicit_hash_key(streams: StreamsService, stream: str) -> None:
    with pytest.raises(InvalidArgumentException, match="ExplicitHashKey"):
        streams.put_record(b"x", "k", stream_name=stream, explicit_hash_key=str(2**128))
