"""Hash-key ranges, sequence numbers and iterators: AWS's formats, no services needed."""

from __future__ import annotations

import itertools

import pytest

from cadabra.errors import (
    ExpiredIteratorException,
    InvalidArgumentException,
    ValidationException,
)
from cadabra.streams import MAX_HASH_KEY, decode_sequence, encode_sequence, even_ranges, hash_key
from cadabra.streams import validation as check
from cadabra.streams.iterators import IteratorCodec, ShardPosition
from cadabra.streams.models import ShardInfo, StreamState
from cadabra.streams.routing import Router
from cadabra.streams.sequence import shard_id, shard_index


def test_two_shards_split_at_2_pow_127_as_aws_describes() -> None:
    assert even_ranges(2) == [
        (0, 170141183460469231731687303715884105727),
        (170141183460469231731687303715884105728, 340282366920938463463374607431768211455),
    ]


@pytest.mark.parametrize("count", [1, 3, 7, 64])
def test_ranges_cover_the_hash_space_without_gaps(count: int) -> None:
    ranges = even_ranges(count)
    width = (1 << 128) // count
    assert ranges[0][0] == 0
    assert ranges[-1][1] == MAX_HASH_KEY
    assert [start for start, _ in ranges] == [i * width for i in range(count)]
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert start == end + 1


def test_hash_key_is_md5_as_unsigned_128_bit_integer() -> None:
    # MD5("a") = 0cc175b9c0f1b6a831c399e269772661
    assert hash_key("a") == 0x0CC175B9C0F1B6A831C399E269772661


def test_router_sends_each_key_to_the_shard_owning_its_hash() -> None:
    state = StreamState("s", "ACTIVE", 0, 24, 1024)
    state.shards = [ShardInfo(i, lo, hi) for i, (lo, hi) in enumerate(even_ranges(4))]
    router = Router(state)
    for key in ("a", "b", "customer-17", "ü"):
        assert router.route(key, None).owns(hash_key(key))
    assert router.route("ignored", 0).index == 0
    assert router.route("ignored", MAX_HASH_KEY).index == 3


def test_sequence_numbers_reverse_increase_and_fit_129_digits() -> None:
    first, second = encode_sequence(3, 41), encode_sequence(3, 42)
    assert int(first) < int(second)
    assert decode_sequence(second) == (3, 42)
    assert len(encode_sequence(10**6, 2**63)) <= 129
    assert encode_sequence(0, 5) != encode_sequence(1, 5)
    assert len(first) == 56  # like AWS's


@pytest.mark.parametrize("bad", ["", "abc", "0123", "12", "9" * 130])
def test_foreign_or_malformed_sequence_numbers_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidArgumentException, match="StartingSequenceNumber"):
        decode_sequence(bad)


def test_shard_ids_have_aws_format() -> None:
    assert shard_id(7) == "shardId-000000000007"
    assert shard_index("shardId-000000000007") == 7
    assert shard_index("shard-7") is None


def test_iterators_round_trip_expire_and_reject_tampering() -> None:
    codec = IteratorCodec(b"secret", ttl_ms=300_000)
    position = ShardPosition("CadabraOrders", 1, 99, issued_ms=1_000)
    token = codec.encode(position)
    assert len(token) <= 512
    assert codec.decode(token, now_ms=301_000) == position
    with pytest.raises(ExpiredIteratorException, match="Iterator expired"):
        codec.decode(token, now_ms=301_001)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (tampered, "not-an-iterator", "", token[:10]):
        with pytest.raises(InvalidArgumentException, match="Invalid ShardIterator"):
            codec.decode(bad, now_ms=1_000)


def test_validation_names_field_and_limit() -> None:
    with pytest.raises(ValidationException, match=r"'partitionKey'.*less than or equal to 256"):
        check.check_partition_key("k" * 257)
    check.check_partition_key("k" * 256)
    with pytest.raises(ValidationException, match="greater than or equal to 1"):
        check.check_partition_key("")
    with pytest.raises(ValidationException, match=r"'records'.*less than or equal to 500"):
        check.check_records_batch([1] * 501)
    check.check_records_batch([1] * 500)
    with pytest.raises(InvalidArgumentException, match="10 MiB"):
        check.check_records_batch([5 * 1024 * 1024, 5 * 1024 * 1024 + 1])
    with pytest.raises(ValidationException, match=r"'data'.*1048576"):
        check.check_record_data(1024 * 1024 + 1, 1024 * 1024)
    with pytest.raises(ValidationException, match="streamName"):
        check.check_stream_name("bad name!")
    with pytest.raises(InvalidArgumentException, match=r"2\^128-1"):
        check.check_explicit_hash_key(str(1 << 128))
    assert check.check_explicit_hash_key(str(MAX_HASH_KEY)) == MAX_HASH_KEY
