"""The KPL aggregated record format: round trips, interop with aws_kinesis_agg, corrupt input."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

import pytest
from aws_kinesis_agg.aggregator import RecordAggregator
from aws_kinesis_agg.deaggregator import iter_deaggregate_records
from hypothesis import given
from hypothesis import strategies as st

from cadabra.aggregation import (
    MAGIC,
    AggregateBuilder,
    UserRecord,
    aggregate,
    deaggregate,
    in_hash_range,
    is_aggregated,
)
from cadabra.streams.hashing import MAX_HASH_KEY, hash_key

keys = st.text(min_size=1, max_size=40)
hash_keys = st.integers(0, MAX_HASH_KEY).map(str)
user_records = st.builds(
    UserRecord, keys, st.none() | hash_keys, st.binary(max_size=300), st.just(0)
)


# aws_kinesis_agg's generated module imports `config_pb2` from a path its aggregator adds.
messages_pb2 = __import__("aws_kinesis_agg.messages_pb2").messages_pb2


def numbered(records: list[UserRecord]) -> list[UserRecord]:
    return [
        UserRecord(r.partition_key, r.explicit_hash_key, r.data, n) for n, r in enumerate(records)
    ]


@given(st.lists(user_records, min_size=1, max_size=30))
def test_round_trip_keeps_records_in_order(records: list[UserRecord]) -> None:
    blob = aggregate(records)
    assert is_aggregated(blob)
    assert deaggregate(blob, "a", "1") == numbered(records)


@given(st.lists(user_records, min_size=1, max_size=30))
def test_builder_knows_its_size_before_each_addition(records: list[UserRecord]) -> None:
    builder = AggregateBuilder()
    for record in records:
        expected = builder.size_with(record)
        builder.add(record)
        assert builder.size == expected
    assert len(builder.to_bytes()) == builder.size


def test_key_tables_are_deduplicated() -> None:
    records = [UserRecord("same", "7", b"x")] * 3
    parsed = messages_pb2.AggregatedRecord()
    parsed.ParseFromString(aggregate(records)[4:-16])
    assert list(parsed.partition_key_table) == ["same"]
    assert list(parsed.explicit_hash_key_table) == ["7"]


def test_same_bytes_as_aws_kinesis_agg() -> None:
    theirs = RecordAggregator()
    theirs.add_user_record("k1", b"hello", None)
    theirs.add_user_record("k2", b"world", "123")
    _, _, blob = theirs.clear_and_get().get_contents()
    ours = aggregate([UserRecord("k1", None, b"hello"), UserRecord("k2", "123", b"world")])
    assert ours == blob


@given(st.lists(user_records, min_size=1, max_size=20))
def test_aws_kinesis_agg_reads_what_we_aggregate(records: list[UserRecord]) -> None:
    blob = aggregate(records)
    parsed = messages_pb2.AggregatedRecord()
    parsed.ParseFromString(blob[4:-16])
    for record, message in zip(records, parsed.records, strict=True):
        assert parsed.partition_key_table[message.partition_key_index] == record.partition_key
        ehk = None
        if message.HasField("explicit_hash_key_index"):
            ehk = parsed.explicit_hash_key_table[message.explicit_hash_key_index]
        assert ehk == record.explicit_hash_key
        assert message.data == record.data
    boto3_record: dict[str, Any] = {
        "SequenceNumber": "49",
        "PartitionKey": "a",
        "ApproximateArrivalTimestamp": dt.datetime.now(dt.UTC),
        "Data": blob,
    }
    out = list(iter_deaggregate_records([boto3_record], data_format="Boto3"))
    got = [
        (
            r["kinesis"]["partitionKey"],
            base64.b64decode(r["kinesis"]["data"]),
            r["kinesis"]["subSequenceNumber"],
        )
        for r in out
    ]
    assert got == [(r.partition_key, r.data, n) for n, r in enumerate(records)]


@given(st.lists(user_records, min_size=1, max_size=20))
def test_we_read_what_aws_kinesis_agg_aggregates(records: list[UserRecord]) -> None:
    theirs = RecordAggregator()  # 1 MiB: 20 records of 300 bytes fit
    for record in records:
        assert (
            theirs.add_user_record(record.partition_key, record.data, record.explicit_hash_key)
            is None
        )
    pk, ehk, blob = theirs.clear_and_get().get_contents()
    assert deaggregate(blob, pk, ehk) == numbered(records)


def test_empty_aggregate_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one user record"):
        aggregate([])


def valid_blob() -> bytes:
    return aggregate([UserRecord("k1", None, b"one"), UserRecord("k2", "5", b"two")])


def with_digest(proto: bytes) -> bytes:
    return MAGIC + proto + hashlib.md5(proto, usedforsecurity=False).digest()


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="bad-md5"),
        pytest.param(lambda b: b"\x00" + b[1:], id="wrong-magic"),
        pytest.param(lambda b: with_digest(b[4:-16][:-3]), id="truncated-protobuf"),
        pytest.param(lambda b: with_digest(b"\x1a\x02\x08\x00"), id="record-without-data"),
        pytest.param(lambda b: with_digest(b"\x1a\x03\x1a\x01x"), id="record-without-pk-index"),
        pytest.param(
            lambda b: with_digest(b"\x0a\x01k\x1a\x05\x08\x03\x1a\x01x"), id="pk-index-out"
        ),
        pytest.param(
            lambda b: with_digest(b"\x0a\x01k\x1a\x07\x08\x00\x10\x00\x1a\x01x"), id="ehk-out"
        ),
        pytest.param(lambda b: with_digest(b"\x0a\x02\xff\xfe"), id="key-not-utf8"),
        pytest.param(lambda b: with_digest(b"\x0b"), id="group-wire-type"),
        pytest.param(
            lambda b: MAGIC + hashlib.md5(b"", usedforsecurity=False).digest(),
            id="only-magic-and-digest",
        ),
        pytest.param(lambda b: b[:3], id="shorter-than-magic"),
        pytest.param(lambda b: b"", id="empty"),
    ],
)
def test_corrupt_aggregate_is_one_plain_record(corrupt: Any) -> None:
    data = corrupt(valid_blob())
    assert deaggregate(data, "outer", "42") == [UserRecord("outer", "42", data, 0)]


def test_plain_record_is_itself() -> None:
    assert not is_aggregated(b"plain")
    assert deaggregate(b"plain", "pk") == [UserRecord("pk", None, b"plain", 0)]


def test_unknown_fields_and_tags_are_skipped() -> None:
    tag = b"\x22\x05\x0a\x01t\x12\x00"  # Record.tags = [Tag(key="t", value="")]
    fixed = b"\x29" + b"\x00" * 8 + b"\x35" + b"\x00" * 4  # fields 5 (fixed64), 6 (fixed32)
    record = b"\x08\x00\x1a\x01x" + tag + fixed
    proto = b"\x0a\x01k" + b"\x1a" + bytes([len(record)]) + record + b"\x78\x01"  # field 15 varint
    assert deaggregate(with_digest(proto), "a") == [UserRecord("k", None, b"x", 0)]


def test_hash_range_filter() -> None:
    low, high = UserRecord("x", "10", b""), UserRecord("y", "1000", b"")
    by_md5 = UserRecord("pk", None, b"")
    records = [low, high, by_md5]
    key = hash_key("pk")
    assert in_hash_range(records, 0, 100) == [low] + ([by_md5] if key <= 100 else [])
    assert in_hash_range(records, key, key) == [by_md5]
    assert in_hash_range(records, 0, 100, whole_aggregate=True) == []
    assert in_hash_range([low], 0, 100, whole_aggregate=True) == [low]
    assert in_hash_range([UserRecord("x", "12a", b"")], 0, MAX_HASH_KEY) == []
